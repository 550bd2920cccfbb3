"""The click commands (the CLI for every command line the fast parser in ``flags.py`` leaves to click).

Built from ``flags.SPECS`` (names, order, required flags, types) around the callbacks in ``cli.py``, so
click and the fast path run the same code with the same arguments.  Imported only when click is needed.
"""

from __future__ import annotations

from typing import Any

import click

from flyte_entrypoint.shell import cli
from flyte_entrypoint.shell.flags import SPECS, Flag

_HELP = {
    "pyflyte-execute": "Run one task: read inputs, call the task, write outputs.pb or an error document.",
    "pyflyte-map-execute": "Run one element of a map task (the index comes from the environment).",
    "pyflyte-fast-execute": "Download and unpack a fast-registered code archive, then run the task command.",
}


def _option(flag: Flag) -> Any:
    if flag.is_flag:
        return click.option(flag.name, is_flag=True)
    if flag.integer:
        return click.option(flag.name, type=int, required=flag.required)
    return click.option(flag.name, required=flag.required)


def _command(name: str, callback: Any) -> click.Command:
    spec = SPECS[name]
    fn = click.argument(spec.rest.replace("_", "-"), type=click.UNPROCESSED, nargs=-1)(callback)
    for flag in reversed(spec.flags):
        fn = _option(flag)(fn)
    return click.command(name, help=_HELP[name])(fn)


execute_task_cmd = _command("pyflyte-execute", cli.execute_task)
map_execute_task_cmd = _command("pyflyte-map-execute", cli.map_execute_task)
fast_execute_task_cmd = _command("pyflyte-fast-execute", cli.fast_execute_task)


@click.group()
def _group() -> None:
    """flyte-entrypoint's task-container commands."""


_group.add_command(execute_task_cmd)
_group.add_command(map_execute_task_cmd)
_group.add_command(fast_execute_task_cmd)

COMMANDS: dict[str, click.Command] = {
    "pyflyte-execute": execute_task_cmd,
    "pyflyte-map-execute": map_execute_task_cmd,
    "pyflyte-fast-execute": fast_execute_task_cmd,
}
GROUP = _group
