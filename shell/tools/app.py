"""The ``flyte-entrypoint`` command (and ``python -m flyte_entrypoint``).

Subcommands are imported only when they are invoked (a lazy click group), and the three container
commands (``pyflyte-execute``, ``pyflyte-map-execute``, ``pyflyte-fast-execute``) are dispatched to
``shell/cli.py`` before anything else is imported, so they start exactly as their console scripts do:
same flags, same click messages, same logging.

Every tool prints JSON on stdout and, on failure, one line on stderr (``flyte-entrypoint <tool>: error:
...``): exit 2 for a usage error, 1 for anything else (``replay``: 1 means "the outputs differ").
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence

import click

PROG = "flyte-entrypoint"
CONTAINER_COMMANDS = ("pyflyte-execute", "pyflyte-map-execute", "pyflyte-fast-execute")
LOG_FORMAT_VARIABLE = "FLYTE_ENTRYPOINT_LOG_FORMAT"

_TOOLS = {
    "show": "flyte_entrypoint.shell.tools.show:show_cmd",
    "make": "flyte_entrypoint.shell.tools.make:make_cmd",
    "explain": "flyte_entrypoint.shell.tools.explain:explain_cmd",
    "run": "flyte_entrypoint.shell.tools.local_run:run_cmd",
    "replay": "flyte_entrypoint.shell.tools.replay:replay_cmd",
}
_HELP = {
    "show": "Print a Flyte protobuf file (inputs, outputs, error, offloaded literal, futures) as JSON.",
    "make": "Write an inputs.pb (or one literal) from JSON, through a task's typed interface.",
    "explain": "Say what a pyflyte-execute / pyflyte-map-execute command would do, running nothing.",
    "run": "Run a task locally through the real entrypoint and print its outputs or error as JSON.",
    "replay": "Re-run a recorded execution into a new folder and diff the outputs against the recorded ones.",
}


_NO_ARGS: type[click.UsageError] = getattr(
    click.exceptions, "NoArgsIsHelpError", type("_Never", (click.UsageError,), {})
)


def default_log_format(env: dict[str, str], stdout_is_tty: bool) -> str:
    """JSON lines in a container (``FLYTE_INTERNAL_EXECUTION_ID`` set, no terminal), readable text otherwise."""
    return "json" if ("FLYTE_INTERNAL_EXECUTION_ID" in env and not stdout_is_tty) else "text"


class _Tools(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*_TOOLS, *CONTAINER_COMMANDS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in CONTAINER_COMMANDS:
            from flyte_entrypoint.shell.commands import COMMANDS

            return COMMANDS[cmd_name]
        target = _TOOLS.get(cmd_name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        command: click.Command = getattr(importlib.import_module(module), attr)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, _HELP[name]) for name in _TOOLS]
        rows += [(name, "The task-container command, as its console script.") for name in CONTAINER_COMMANDS]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=_Tools, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--log-format",
    type=click.Choice(["json", "text"]),
    default=None,
    help="Log lines as JSON (the default in a container) or as text (the default at a terminal).",
)
def tools_group(log_format: str | None) -> None:
    """Read, make, explain and re-run Flyte task executions from the command line."""
    _configure_logging(log_format)


def _configure_logging(log_format: str | None) -> None:
    chosen = (
        log_format
        or os.environ.get(LOG_FORMAT_VARIABLE)
        or default_log_format(dict(os.environ), sys.stdout.isatty())
    )
    os.environ[LOG_FORMAT_VARIABLE] = chosen  # runs started by run/replay log the same way
    from flyte_entrypoint.shell import logs

    logs.configure()


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _take_log_format(args: list[str]) -> list[str]:
    """Strip a leading ``--log-format X`` (so it also applies to the container commands)."""
    if args[:1] == ["--log-format"] and len(args) >= 2 and args[1] in ("json", "text"):
        os.environ[LOG_FORMAT_VARIABLE] = args[1]
        return args[2:]
    if args[:1] and args[0].startswith("--log-format=") and args[0].split("=", 1)[1] in ("json", "text"):
        os.environ[LOG_FORMAT_VARIABLE] = args[0].split("=", 1)[1]
        return args[1:]
    return args


def main(argv: Sequence[str] | None = None, prog_name: str = PROG) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    rest = _take_log_format(args)
    if rest[:1] and rest[0] in CONTAINER_COMMANDS:
        from flyte_entrypoint.shell.cli import main_for

        sys.exit(main_for(rest[0], rest[1:]))
    tool = next((a for a in args if a in _TOOLS), "")
    where = f"{prog_name} {tool}".strip()
    try:
        code = tools_group.main(args, prog_name=prog_name, standalone_mode=False)
    except _NO_ARGS as exc:  # a bare group/command: its help, as click prints it, and exit 2
        sys.stderr.write(exc.ctx.get_help() + "\n" if exc.ctx is not None else f"{where}: see --help\n")
        sys.exit(2)
    except click.UsageError as exc:
        hint = f" (see {where} --help)"
        sys.stderr.write(f"{where}: error: {_one_line(exc.format_message())}{hint}\n")
        sys.exit(2)
    except click.ClickException as exc:
        sys.stderr.write(f"{where}: error: {_one_line(exc.format_message())}\n")
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        sys.stderr.write(f"{where}: aborted\n")
        sys.exit(1)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write(f"{where}: interrupted\n")
        sys.exit(130)
    except Exception as exc:
        sys.stderr.write(f"{where}: error: {type(exc).__name__}: {_one_line(str(exc))}\n")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


def module_main() -> None:
    """``python -m flyte_entrypoint``."""
    main(prog_name="python -m flyte_entrypoint")
