"""The three console scripts, flag for flag as flytekit 1.16 has them, plus a ``python -m`` group."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from flyte_entrypoint.schemas.invocation import TaskArgs

_BANNER = "Welcome to Flyte! Version: flyte-entrypoint {version}"


def _startup(echo_blank_line: bool) -> None:
    import faulthandler
    import signal

    from flyte_entrypoint import __version__
    from flyte_entrypoint.shell import logs

    if hasattr(signal, "SIGUSR1"):
        faulthandler.register(signal.SIGUSR1)
    logs.configure().info(_BANNER.format(version=__version__))
    if echo_blank_line:
        click.echo("")


def _drive(args: TaskArgs) -> int:
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


def _task_options(fn: Any) -> Any:
    options = [
        click.option("--inputs", required=True),
        click.option("--output-prefix", required=True),
        click.option("--raw-output-data-prefix", required=False),
        click.option("--checkpoint-path", required=False),
        click.option("--prev-checkpoint", required=False),
        click.option("--test", is_flag=True),
        click.option("--dynamic-addl-distro", required=False),
        click.option("--dynamic-dest-dir", required=False),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


@click.command("pyflyte-execute")
@_task_options
@click.option("--resolver", required=False)
@click.argument("resolver-args", type=click.UNPROCESSED, nargs=-1)
def execute_task_cmd(resolver_args: tuple[str, ...], **flags: Any) -> None:
    """Run one task: read inputs, call the task, write outputs.pb or an error document."""
    _startup(echo_blank_line=True)
    sys.exit(_drive(TaskArgs(resolver_args=resolver_args, **flags)))


@click.command("pyflyte-map-execute")
@_task_options
@click.option("--max-concurrency", type=int, required=False)
@click.option("--resolver", required=True)
@click.argument("resolver-args", type=click.UNPROCESSED, nargs=-1)
def map_execute_task_cmd(resolver_args: tuple[str, ...], **flags: Any) -> None:
    """Run one element of a map task (the index comes from the environment)."""
    _startup(echo_blank_line=False)
    if flags.get("max_concurrency") is not None:
        from flyte_entrypoint.shell import logs

        logs.logger().info("--max-concurrency is enforced by the ArrayNode, not inside one element; ignored")
    sys.exit(_drive(TaskArgs(resolver_args=resolver_args, map_task=True, **flags)))


@click.command("pyflyte-fast-execute")
@click.option("--additional-distribution", required=False)
@click.option("--dest-dir", required=False)
@click.argument("task-execute-cmd", nargs=-1, type=click.UNPROCESSED)
def fast_execute_task_cmd(
    additional_distribution: str | None, dest_dir: str | None, task_execute_cmd: tuple[str, ...]
) -> None:
    """Download and unpack a fast-registered code archive, then run the task command."""
    import os

    from flyte_entrypoint.shell import logs
    from flyte_entrypoint.shell.fast_execute import run_fast_execute

    logs.configure()

    sys.exit(run_fast_execute(additional_distribution, dest_dir, list(task_execute_cmd), dict(os.environ)))


@click.group()
def _group() -> None:
    """flyte-entrypoint's task-container commands."""


_group.add_command(execute_task_cmd)
_group.add_command(map_execute_task_cmd)
_group.add_command(fast_execute_task_cmd)

_COMMANDS = {
    "pyflyte-execute": execute_task_cmd,
    "pyflyte-map-execute": map_execute_task_cmd,
    "pyflyte-fast-execute": fast_execute_task_cmd,
}


def main_for(command_name: str, args: Sequence[str]) -> int:
    """Run one of the commands in this process and return its exit code (used by fast-execute)."""
    command = _COMMANDS[command_name]
    try:
        command.main(list(args), prog_name=command_name, standalone_mode=True)
    except SystemExit as stop:
        code = stop.code
        if code is None:
            return 0
        return code if isinstance(code, int) else 1
    return 0


def execute_main() -> None:
    execute_task_cmd(prog_name="pyflyte-execute")


def map_execute_main() -> None:
    map_execute_task_cmd(prog_name="pyflyte-map-execute")


def fast_execute_main() -> None:
    fast_execute_task_cmd(prog_name="pyflyte-fast-execute")


def group_main() -> None:
    _group(prog_name="python -m flyte_entrypoint")
