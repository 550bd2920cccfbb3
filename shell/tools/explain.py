"""``flyte-entrypoint explain``: what a task command would do, from the core's plan; nothing is run."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from flyte_entrypoint.shell.tools import common, container_args


def resolve(resolver: str, loader_args: tuple[str, ...], instantiate: bool) -> Any:
    """The task a resolver loads (imports the user's module, as the run would; calls nothing)."""
    from flyte_entrypoint.shell.loader import load_object

    common.cwd_importable()
    found = load_object(resolver)
    if instantiate and isinstance(found, type):
        found = found()
    return found.load_task(list(loader_args))


def explanation(
    parsed: container_args.ContainerCommand, env: dict[str, str], read_inputs: bool
) -> dict[str, Any]:
    from flyte_entrypoint.core import run as machine
    from flyte_entrypoint.core.explain import UUID_PLACEHOLDER, explain
    from flyte_entrypoint.schemas.invocation import Invocation

    config = machine.configure(Invocation(args=parsed.args, env=env, uuid_hex=UUID_PLACEHOLDER))
    task: Any = None
    load_error = None
    if config.loader_args:
        try:
            task = resolve(config.resolver, config.loader_args, config.args.map_task)
        except Exception as exc:
            load_error = f"{type(exc).__name__}: {exc}"
    inputs = None
    inputs_error = None
    if read_inputs and task is not None:
        from flyteidl.core import literals_pb2

        try:
            data = common.storage(env).get_bytes(config.inputs_uri)
            inputs = literals_pb2.LiteralMap()
            inputs.ParseFromString(data)
        except Exception as exc:
            inputs, inputs_error = (
                None,
                f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
            )
    record = explain(config, task, load_error, inputs, inputs_error)
    if parsed.fast is not None:
        record["fast_execute"] = {
            **parsed.fast,
            "note": "the code archive is downloaded and extracted first; a failure writes an error document "
            "under the output prefix and exits 1",
        }
    return record


@click.command(
    "explain",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.option(
    "--env", "env_items", multiple=True, metavar="K=V", help="Set an environment variable for the run."
)
@click.option(
    "--map", "map_task", is_flag=True, help="Args without a command name are pyflyte-map-execute's."
)
@click.option(
    "--no-inputs", is_flag=True, help="Do not read the inputs file (it is read to show map elements)."
)
@click.option("--text", "as_text", is_flag=True, help="Print the explanation in words only.")
@click.argument("command", nargs=-1, type=click.UNPROCESSED, required=True)
def explain_cmd(
    env_items: tuple[str, ...], map_task: bool, no_inputs: bool, as_text: bool, command: tuple[str, ...]
) -> None:
    """Explain a task command: COMMAND is pyflyte-execute's (or pyflyte-map-execute's, or a
    pyflyte-fast-execute wrapper's) arguments, or a whole container command line as one string.

    Prints, as JSON (with the same in words under "words"), the task it resolves and its interface,
    where it reads inputs, every file it may write under the output prefix, the array index and element
    of a map task, the error file name and worker under the distributed error strategy, and the exit code.
    The task's module is imported; nothing is run, and nothing is written.

    \b
    flyte-entrypoint explain -- pyflyte-execute --inputs in.pb --output-prefix out -- task-module m task-name t
    flyte-entrypoint explain "pyflyte-execute --inputs s3://b/in.pb --output-prefix s3://b/out -- ..."
    """
    words = [w for w in command]
    if words[:1] == ["--"]:
        words = words[1:]
    parsed = container_args.parse(words, map_task=map_task)
    env = {**os.environ, **common.env_pairs(env_items)}
    record = explanation(parsed, env, read_inputs=not no_inputs)
    if as_text:
        sys.stdout.write("\n".join(record["words"]) + "\n")
        return
    common.emit(record)
