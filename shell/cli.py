"""The three console scripts, flag for flag as flytekit 1.16 has them, plus a ``python -m`` group.

click is the CLI (``commands.py``).  Start-up: a pod's command line is always well formed, and for that
shape ``flags.parse`` gives the callback the arguments click would, without importing click at all
(every element of a map task pays start-up again).  Anything else -- a missing or unknown flag,
``--help``, ``--flag=value`` -- goes to click, so its messages and exit code 2 are unchanged.  Either way
the callbacks below run, with click's handling of Ctrl-C and a closed stdout around them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

_BANNER = "Welcome to Flyte! Version: flyte-entrypoint {version}"


def _startup(echo_blank_line: bool) -> None:
    import faulthandler
    import signal

    from flyte_entrypoint import __version__
    from flyte_entrypoint.shell import logs

    if hasattr(signal, "SIGUSR1"):
        faulthandler.register(signal.SIGUSR1)
    logs.configure().info(_BANNER.format(version=__version__))
    if echo_blank_line:  # as click.echo("") does
        sys.stdout.write("\n")
        sys.stdout.flush()


def _drive(args: Any) -> int:
    from flyte_entrypoint.shell.driver import Driver

    try:
        driver = Driver(args)
    except Exception as exc:  # no scratch directory, no invocation: nothing can be written
        sys.stderr.write(f"flyte-entrypoint: could not start the run: {type(exc).__name__}: {exc}\n")
        return 1
    try:
        return driver.run()
    except SystemExit:
        raise
    except Exception as exc:
        from flyte_entrypoint.shell.rescue import write_internal_error

        return write_internal_error(driver.resources, exc)


# -- the callbacks (click's arguments as keywords) ---------------------------------------------------------


def execute_task(resolver_args: tuple[str, ...], **flags: Any) -> NoReturn:
    """Run one task: read inputs, call the task, write outputs.pb or an error document."""
    from flyte_entrypoint.schemas.invocation import TaskArgs

    _startup(echo_blank_line=True)
    sys.exit(_drive(TaskArgs(resolver_args=resolver_args, **flags)))


def map_execute_task(resolver_args: tuple[str, ...], **flags: Any) -> NoReturn:
    """Run one element of a map task (the index comes from the environment)."""
    from flyte_entrypoint.schemas.invocation import TaskArgs

    _startup(echo_blank_line=False)
    if flags.get("max_concurrency") is not None:
        from flyte_entrypoint.shell import logs

        logs.logger().info("--max-concurrency is enforced by the ArrayNode, not inside one element; ignored")
    sys.exit(_drive(TaskArgs(resolver_args=resolver_args, map_task=True, **flags)))


def fast_execute_task(
    additional_distribution: str | None, dest_dir: str | None, task_execute_cmd: tuple[str, ...]
) -> NoReturn:
    """Download and unpack a fast-registered code archive, then run the task command."""
    import os

    from flyte_entrypoint.shell import logs
    from flyte_entrypoint.shell.fast_execute import run_fast_execute

    logs.configure()

    sys.exit(run_fast_execute(additional_distribution, dest_dir, list(task_execute_cmd), dict(os.environ)))


_CALLBACKS: dict[str, Callable[..., NoReturn]] = {
    "pyflyte-execute": execute_task,
    "pyflyte-map-execute": map_execute_task,
    "pyflyte-fast-execute": fast_execute_task,
}


def _run_fast(callback: Callable[..., NoReturn], kwargs: dict[str, Any]) -> NoReturn:
    """The callback, with what click's ``main`` does around one (standalone mode)."""
    import errno

    try:
        callback(**kwargs)
    except (EOFError, KeyboardInterrupt):
        sys.stderr.write("\nAborted!\n")
        sys.stderr.flush()
        sys.exit(1)
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        sys.exit(1)


def _main(command_name: str, args: Sequence[str]) -> NoReturn:
    import os

    from flyte_entrypoint.shell.flags import parse

    parsed = parse(command_name, args, os.environ)
    if parsed is not None:
        _run_fast(_CALLBACKS[command_name], parsed)
    from flyte_entrypoint.shell.commands import COMMANDS

    COMMANDS[command_name].main(list(args), prog_name=command_name, standalone_mode=True)
    sys.exit(0)  # pragma: no cover - standalone click always exits


def main_for(command_name: str, args: Sequence[str]) -> int:
    """Run one of the commands in this process and return its exit code (used by fast-execute)."""
    try:
        _main(command_name, list(args))
    except SystemExit as stop:
        code = stop.code
        if code is None:
            return 0
        return code if isinstance(code, int) else 1


def execute_main() -> None:
    _main("pyflyte-execute", sys.argv[1:])


def map_execute_main() -> None:
    _main("pyflyte-map-execute", sys.argv[1:])


def fast_execute_main() -> None:
    _main("pyflyte-fast-execute", sys.argv[1:])


def group_main() -> None:
    from flyte_entrypoint.shell.commands import GROUP

    GROUP(prog_name="python -m flyte_entrypoint")
