"""A container command line (``pyflyte-execute --inputs ... -- task-module ...``) -> parsed task args.

Parsing goes through the very click commands of ``shell/commands.py``, so a command line is accepted, and its
flags read, exactly as the container would; a bad one is a usage error with click's own message.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import Any

import attrs
import click

from flyte_entrypoint.core.explain import fast_execute_inner, split_command_line
from flyte_entrypoint.schemas.invocation import TaskArgs


@attrs.frozen
class ContainerCommand:
    """What a pasted command line says: the task command, its args, and a fast-execute wrapper if any."""

    command: str  # pyflyte-execute | pyflyte-map-execute
    args: TaskArgs
    words: tuple[str, ...]  # the task command's own arguments, after its name
    fast: dict[str, str | None] | None = None


def words_of(arguments: Sequence[str]) -> list[str]:
    """One string holding a whole command line is split as a shell would; several are taken as they are."""
    if len(arguments) == 1 and any(ch.isspace() for ch in arguments[0]):
        return shlex.split(arguments[0])
    return list(arguments)


TASK_COMMANDS = ("pyflyte-execute", "pyflyte-map-execute")


def parse(arguments: Sequence[str], map_task: bool = False) -> ContainerCommand:
    from flyte_entrypoint.shell.commands import COMMANDS

    words = words_of(arguments)
    name, rest = split_command_line(words)
    fast = None
    if name == "pyflyte-fast-execute":
        fast, inner = fast_execute_inner(rest)
        name, rest = split_command_line(inner)
        if not rest and name is None:
            raise click.UsageError("pyflyte-fast-execute needs a task command after its '--'")
    command_name = name or ("pyflyte-map-execute" if map_task else "pyflyte-execute")
    command: Any = COMMANDS.get(command_name) if command_name in TASK_COMMANDS else None
    if command is None:
        raise click.UsageError(f"{command_name} does not run a task")
    try:
        ctx = command.make_context(command_name, list(rest), resilient_parsing=False)
    except click.exceptions.Exit:
        raise click.UsageError(f"{command_name}: --help is not a command line to explain") from None
    except click.UsageError as exc:
        raise click.UsageError(f"{command_name}: {exc.format_message()}") from None
    params = dict(ctx.params)
    resolver_args = tuple(params.pop("resolver_args", ()))
    return ContainerCommand(
        command=command_name,
        args=TaskArgs(resolver_args=resolver_args, map_task=command_name == "pyflyte-map-execute", **params),
        words=tuple(rest),
        fast=fast,
    )


def command_line(command: str, args: TaskArgs) -> list[str]:
    """The argument list of ``command`` that gives ``args`` back (for runs the tools start)."""
    out: list[str] = ["--inputs", args.inputs, "--output-prefix", args.output_prefix]
    for flag, value in (
        ("--raw-output-data-prefix", args.raw_output_data_prefix),
        ("--checkpoint-path", args.checkpoint_path),
        ("--prev-checkpoint", args.prev_checkpoint),
        ("--dynamic-addl-distro", args.dynamic_addl_distro),
        ("--dynamic-dest-dir", args.dynamic_dest_dir),
        ("--resolver", args.resolver),
    ):
        if value is not None:
            out += [flag, value]
    if command == "pyflyte-map-execute" and args.max_concurrency is not None:
        out += ["--max-concurrency", str(args.max_concurrency)]
    return [*out, "--", *args.resolver_args]
