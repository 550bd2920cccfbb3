"""``flyte-entrypoint make``: an inputs.pb (or one literal) from JSON, through declared types."""

from __future__ import annotations

import sys
from typing import Any

import click
from returns.result import Failure

from flyte_entrypoint.shell.tools import common


def _literal(value: Any, tp: Any, name: str) -> Any:
    from flyte_entrypoint.core.json_values import from_json
    from flyte_entrypoint.core.type_engine.engine import to_literal

    python_value = from_json(value, tp)
    if isinstance(python_value, Failure):
        raise common.ToolError(f"{name}: {python_value.failure()}")
    converted = to_literal(python_value.unwrap(), tp)
    if isinstance(converted, Failure):
        raise common.ToolError(f"{name}: {converted.failure()}")
    if converted.unwrap().uploads:
        raise common.ToolError(f"{name}: the value needs an upload; give a remote URI or a local path")
    return converted.unwrap().value


def inputs_literal_map(task: Any, values: Any) -> Any:
    """The LiteralMap of ``values`` (a JSON object of input names) through ``task``'s inputs.

    Inputs left out take their python default (the Flyte backend sends defaults as literals too); an
    input without a default that is left out, or a name the task does not declare, is an error.
    """
    from flyteidl.core import literals_pb2

    from flyte_entrypoint.core.type_engine.engine import to_literal

    if not isinstance(values, dict):
        raise common.ToolError("the inputs of a task are a JSON object of input names")
    types = common.input_types(task)
    unknown = sorted(set(values) - set(types))
    if unknown:
        raise common.ToolError(f"{common.inner_task(task).name} has no input named {unknown[0]!r}")
    literal_map = literals_pb2.LiteralMap()
    for var in common.inner_task(task).interface.inputs:
        if var.name in values:
            literal_map.literals[var.name].CopyFrom(_literal(values[var.name], types[var.name], var.name))
        elif var.required:
            raise common.ToolError(f"input {var.name!r} is required")
        else:
            converted = to_literal(var.default, types[var.name])
            if isinstance(converted, Failure):
                raise common.ToolError(f"{var.name}: its default cannot be converted: {converted.failure()}")
            literal_map.literals[var.name].CopyFrom(converted.unwrap().value)
    return literal_map


@click.command("make")
@click.argument("value", metavar="JSON")
@click.option(
    "--task", "task_spec", metavar="MODULE:NAME", help="Make the inputs of this task (JSON: an object)."
)
@click.option(
    "--type", "type_expr", metavar="TYPE", help="Make one literal of this type, e.g. 'dict[str, float]'."
)
@click.option(
    "-o", "--output", metavar="URI", help="Where to write the protobuf (a path or any storage URL)."
)
def make_cmd(value: str, task_spec: str | None, type_expr: str | None, output: str | None) -> None:
    """Write protobuf inputs from JSON (inline, @file.json or @- for stdin).

    With --task the JSON is an object of input names and the result is a LiteralMap (an inputs.pb)
    built through the task's typed interface exactly as flytekit's TypeEngine builds it. With --type
    the JSON is one value and the result is a single Literal. Datetimes are ISO 8601 strings,
    durations "1.5s" or seconds, enums their value, dataclasses objects, files their URI.

    With -o the file is written and a summary printed; without, the protobuf JSON is printed.
    """
    if (task_spec is None) == (type_expr is None):
        raise click.UsageError("give exactly one of --task MODULE:NAME and --type TYPE")
    data = common.json_argument(value, "JSON")
    if type_expr is not None:
        from flyte_entrypoint.core.type_expr import parse_type
        from flyte_entrypoint.files import FlyteDirectory, FlyteFile

        tp = parse_type(type_expr, {"FlyteFile": FlyteFile, "FlyteDirectory": FlyteDirectory})
        if isinstance(tp, Failure):
            raise click.UsageError(f"--type: {tp.failure()}")
        message = _literal(data, tp.unwrap(), "value")
    else:
        assert task_spec is not None
        message = inputs_literal_map(common.load_task(task_spec), data)
    from flyte_entrypoint.core import literal_view as lv

    if output is None:
        proto_json = lv.proto_view(message)
        if isinstance(proto_json, Failure):
            raise common.ToolError(f"{proto_json.failure()}; write the file with -o")
        common.emit(proto_json.unwrap())
        return
    payload: bytes = message.SerializeToString(deterministic=True)
    common.write_bytes(output, payload)
    kind = lv.KIND_LITERAL if type_expr is not None else lv.KIND_LITERAL_MAP
    view = lv.literal_view(message) if type_expr is not None else lv.literal_map_view(message)
    common.emit({"written": output, "kind": kind, "bytes": len(payload), "value": view})
    sys.stdout.flush()
