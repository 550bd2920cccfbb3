"""``flyte-entrypoint show URI``: any Flyte protobuf file as JSON, its kind found from its content."""

from __future__ import annotations

from typing import Any

import click
from returns.result import Failure

from flyte_entrypoint.core import literal_view as lv
from flyte_entrypoint.shell.tools import common

KIND_CHOICES = ["auto", *lv.KINDS]


def typed_view(kind: str, message: Any, task: Any, side: str, variable: str | None) -> Any:
    """The values decoded through ``task``'s interface (``side``: inputs, outputs or auto)."""
    from flyte_entrypoint.core.json_values import to_json
    from flyte_entrypoint.core.type_engine.engine import ConversionContext, to_python
    from flyte_entrypoint.shell.blob_io import API_CLASSES

    ins, outs = common.input_types(task), common.output_types(task)
    # nothing is fetched: file handles stay lazy, a value read eagerly (a pickle, a dataframe) is not decoded
    context = ConversionContext(local_sandbox="/nonexistent-sandbox", classes=API_CLASSES)

    def decode(name: str, literal: Any, types: dict[str, Any]) -> Any:
        if name not in types:
            raise common.ToolError(f"{common.inner_task(task).name} has no {side} named {name!r}")
        result = to_python(literal, types[name], context)
        if isinstance(result, Failure):
            raise common.ToolError(f"{name}: cannot decode as {types[name]!r}: {result.failure()}")
        return to_json(result.unwrap())

    if kind == lv.KIND_LITERAL_MAP:
        names = set(message.literals)
        if side == "auto":
            side = "inputs" if names <= set(ins) and (names or not outs) else "outputs"
        types = ins if side == "inputs" else outs
        return {k: decode(k, message.literals[k], types) for k in sorted(message.literals)}
    if kind == lv.KIND_LITERAL:
        if variable is None:
            raise click.UsageError("a single literal is decoded through a task with --var NAME")
        types = ins if side == "inputs" else outs if side == "outputs" else {**ins, **outs}
        return decode(variable, message, types)
    raise click.UsageError(f"--task applies to literal maps and literals, not to a {kind}")


@click.command("show")
@click.argument("uri")
@click.option("--proto", is_flag=True, help="Print the raw protobuf JSON instead of the readable view.")
@click.option(
    "--task", "task_spec", metavar="MODULE:NAME", help="Decode the values through this task's interface."
)
@click.option(
    "--side",
    type=click.Choice(["auto", "inputs", "outputs"]),
    default="auto",
    show_default=True,
    help="With --task: read the file as the task's inputs or outputs (auto: by the names in it).",
)
@click.option(
    "--var", "variable", metavar="NAME", help="With --task, for a single literal: its variable name."
)
@click.option(
    "--kind",
    type=click.Choice(KIND_CHOICES),
    default="auto",
    show_default=True,
    help="Read the file as this kind instead of detecting it.",
)
@click.option("--with-kind", is_flag=True, help='Wrap the view as {"kind", "uri", "value"}.')
def show_cmd(
    uri: str, proto: bool, task_spec: str | None, side: str, variable: str | None, kind: str, with_kind: bool
) -> None:
    """Print the Flyte file at URI (a path or any storage URL) as JSON.

    The kind is found from the content: a LiteralMap (inputs.pb, outputs.pb), a single Literal
    (<name>_offloaded_metadata.pb), an ErrorDocument (error.pb, error-<uuid>.pb) or a DynamicJobSpec
    (futures.pb). Scalars print as values, blobs as {uri, format, dimensionality}, unions as {tag, value}.
    """
    if task_spec and proto:
        raise click.UsageError("--proto and --task do not go together")
    data = common.read_bytes(uri)
    if kind == "auto":
        detected = lv.detect(data, lv.hint_for_name(uri))
    else:
        detected = lv.parse_as(kind, data).map(lambda m: lv.Detected(kind, m))
    if isinstance(detected, Failure):
        raise common.ToolError(f"{uri}: {detected.failure()}")
    found = detected.unwrap()
    if proto:
        proto_json = lv.proto_view(found.message)
        if isinstance(proto_json, Failure):
            raise common.ToolError(f"{uri}: {proto_json.failure()}")
        value = proto_json.unwrap()
    elif task_spec:
        base = uri.rstrip("/").rsplit("/", 1)[-1]
        if variable is None and base.endswith("_offloaded_metadata.pb"):
            variable = base[: -len("_offloaded_metadata.pb")]
        value = typed_view(found.kind, found.message, common.load_task(task_spec), side, variable)
    else:
        value = lv.view(found)
    common.emit({"kind": found.kind, "uri": uri, "value": value} if with_kind else value)
