"""Between literal maps and python values at the task boundary: inputs in, outputs (and offloading) out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
from returns.result import Failure, Result, Success

from flyte_entrypoint.core.exceptions import TypeTransformerFailedError
from flyte_entrypoint.core.output_metadata import literal_metadata
from flyte_entrypoint.core.types.engine import (
    ConversionContext,
    Upload,
    literal_type_of,
    to_python,
)
from flyte_entrypoint.core.types.outputs import OutputSignature, split_returned
from flyte_entrypoint.schemas.output_metadata import OutputMetadataTracker
from flyte_entrypoint.schemas.task import MapTaskRecord, TaskRecord

MIB = 1024 * 1024
OUTPUT_FILE_NAME = "outputs.pb"


def _literal_text(literal: Any) -> str:
    """The literal as flytekit prints it in conversion errors: protobuf text format, multi-line."""
    text = str(literal)
    return text if len(text) <= 4000 else text[:4000] + "...\n"


def _reason(error: Any) -> str:
    """flytekit's wording of a conversion failure, plus where in a nested value it happened."""
    message = getattr(error, "message", None) or str(error)
    path = getattr(error, "path", "")
    return f"{message} (at {path})" if path else str(message)


def _scoped(ctx: ConversionContext, direction: str, name: str) -> ConversionContext:
    """A per-variable seed, so two variables never derive the same random names."""
    return attrs.evolve(ctx, name_seed=f"{ctx.name_seed}/{direction}/{name}")


def _convert_input(name: str, literal: Any, tp: Any, ctx: ConversionContext) -> Result[Any, Exception]:
    result = to_python(literal, tp, ctx)
    if isinstance(result, Failure):
        return Failure(
            TypeTransformerFailedError(
                f"Error converting input '{name}':\n"
                f"Literal value: {_literal_text(literal)}\n"
                f"Expected Python type: {tp!r}\n"
                f"Exception: {_reason(result.failure())}"
            )
        )
    return result


def inputs_to_python(
    task: TaskRecord | MapTaskRecord, literal_map: Any, index: int | None, ctx: ConversionContext
) -> Result[dict[str, Any], Exception]:
    """The keyword arguments for the task function.

    Missing inputs are left out (python defaults apply, or the call raises TypeError: a USER error,
    as in flytekit), except in a map task, where every input is required (a SYSTEM error). More
    literals than declared inputs, or an unknown name, is a SYSTEM error. For a map task, each
    mapped input's element ``index`` is taken at literal level before conversion, so only the
    selected element is ever turned into python.
    """
    inner = task.inner
    declared = {v.name: v.python_type for v in inner.interface.inputs}
    literals = literal_map.literals
    if len(literals) > len(declared):
        return Failure(
            ValueError(
                f"Received more input values {len(literals)} than allowed by the input spec {len(declared)}"
            )
        )
    for name in literals:
        if name not in declared:
            return Failure(ValueError(f"Received an input named {name!r} that {inner.name} does not declare"))
    if isinstance(task, MapTaskRecord):
        # A map task's interface has no defaults (flytekit drops them): the backend sends every input,
        # so a missing one is a malformed input map: a SYSTEM error, as in flytekit (``KeyError: 'y'``).
        missing = [name for name in declared if name not in literals]
        if missing:
            return Failure(ValueError(f"map task input {missing[0]!r} is missing from the input map"))
    kwargs: dict[str, Any] = {}
    for name in (n for n in declared if n in literals):  # declared order: deterministic first failure
        literal = literals[name]
        if isinstance(task, MapTaskRecord) and name not in task.bound_inputs:
            if literal.WhichOneof("value") != "collection":
                return Failure(ValueError(f"Expected a list of literals for {name}"))
            elements = literal.collection.literals
            assert index is not None
            if not 0 <= index < len(elements):
                return Failure(
                    IndexError(
                        f"array index {index} is out of range for input {name!r} with {len(elements)} elements"
                    )
                )
            literal = elements[index]
        converted = _convert_input(name, literal, declared[name], _scoped(ctx, "in", name))
        if isinstance(converted, Failure):
            return converted
        kwargs[name] = converted.unwrap()
    return Success(kwargs)


def declared_outputs(task: TaskRecord) -> OutputSignature:
    """The task's declared outputs (names, python types, NamedTuple name) as the type engine takes them."""
    iface = task.interface
    return OutputSignature(
        tuple(o.name for o in iface.outputs),
        tuple(o.python_type for o in iface.outputs),
        iface.output_tuple_name,
    )


def outputs_to_literals(
    task: TaskRecord,
    value: Any,
    ctx: ConversionContext,
    metadata: OutputMetadataTracker | None = None,
) -> Result[tuple[Any, tuple[Upload, ...]], Exception]:
    """The LiteralMap of a returned value, with the uploads its file outputs need.

    The conversion is ``core.types.outputs`` (flytekit's rules, checked against flytekit's own
    ``_output_to_literal_map``); here its failure becomes the exception an error document reports, and
    ``metadata`` (the run's output-metadata tracker) adds entries to the literal of each tracked object.
    """
    from flyte_entrypoint.core.types.outputs import outputs_to_literal_map

    signature = declared_outputs(task)
    converted = outputs_to_literal_map(value, signature, task.name, ctx)
    if isinstance(converted, Failure):
        error = converted.failure()
        if error.is_tuple_error or (error.kind in ("TypeError", "ValueError") and not error.output):
            return Failure(TypeError(error.message))
        inner = getattr(error.__cause__, "path", "")
        message = f"{error.message[:-1]} (at {inner})." if inner else error.message
        return Failure(TypeTransformerFailedError(message))
    literal_map = converted.unwrap().value
    split = split_returned(value, signature)  # the conversion above split it the same way
    for name, v in split.items():
        for key, entry in literal_metadata(metadata, v).items():
            literal_map.literals[name].metadata[key] = entry
    return Success((literal_map, converted.unwrap().uploads))


@attrs.frozen
class OffloadPolicy:
    """``_F_L_MIN_SIZE_MB`` / ``_F_L_MAX_SIZE_MB`` in bytes; ``enabled`` only if the minimum is set."""

    enabled: bool = False
    min_bytes: int = 10 * MIB
    max_bytes: int = 1000 * MIB


def offload_policy(env: Mapping[str, str]) -> Result[OffloadPolicy, str]:
    """Offloading is on only when ``_F_L_MIN_SIZE_MB`` is present; a non-integer is an error."""
    if "_F_L_MIN_SIZE_MB" not in env:
        return Success(OffloadPolicy())
    try:
        low = int(env["_F_L_MIN_SIZE_MB"] or "10") * MIB
        high = int(env.get("_F_L_MAX_SIZE_MB") or "1000") * MIB
    except ValueError as exc:
        return Failure(f"invalid literal offloading limits (_F_L_MIN_SIZE_MB/_F_L_MAX_SIZE_MB): {exc}")
    return Success(OffloadPolicy(True, low, high))


def _join(prefix: str, name: str) -> str:
    return prefix + name if prefix.endswith("/") else f"{prefix}/{name}"


def offload_outputs(
    literal_map: Any, task: TaskRecord, policy: OffloadPolicy, output_prefix: str, is_map_task: bool
) -> Result[dict[str, bytes], ValueError]:
    """The engine files to write: ``outputs.pb`` plus one ``<name>_offloaded_metadata.pb`` per large output.

    Serialization is deterministic (map entries sorted by key): flytekit's bytes for maps with two or
    more entries vary from process to process, so equal outputs now give equal files.

    Each offloaded entry in outputs.pb points at its file by URI, with size, inferred type (the
    element type for a map task, which is the inner task's output type here) and hash.
    """
    from flyteidl.core import literals_pb2

    files: dict[str, bytes] = {}
    if not policy.enabled:
        return Success({OUTPUT_FILE_NAME: literal_map.SerializeToString(deterministic=True)})
    types = {o.name: o.python_type for o in task.interface.outputs}
    out = literals_pb2.LiteralMap()
    for name in [o.name for o in task.interface.outputs if o.name in literal_map.literals]:
        literal = literal_map.literals[name]
        size = literal.ByteSize()
        if size >= policy.max_bytes:
            return Failure(
                ValueError(
                    f"Literal {name} is too large to be offloaded. Max literal size is {policy.max_bytes} "
                    f"whereas the literal size is {size} bytes"
                )
            )
        if size < policy.min_bytes:
            out.literals[name].CopyFrom(literal)
            continue
        from flyte_entrypoint.core.hashing import compute_hash_string

        file_name = f"{name}_offloaded_metadata.pb"
        inferred = literal_type_of(types[name])
        replacement = out.literals[name]
        replacement.offloaded_metadata.uri = _join(output_prefix, file_name)
        replacement.offloaded_metadata.size_bytes = size
        if isinstance(inferred, Success):
            replacement.offloaded_metadata.inferred_type.CopyFrom(inferred.unwrap())
        replacement.hash = literal.hash or compute_hash_string(literal)
        files[file_name] = literal.SerializeToString(deterministic=True)
    del is_map_task  # the inner task's type already is the element type
    return Success({OUTPUT_FILE_NAME: out.SerializeToString(deterministic=True), **files})


def offloaded_uris(literal_map: Any) -> tuple[str, ...]:
    """URIs of the input literals that were offloaded and must be fetched before conversion."""
    return tuple(
        lit.offloaded_metadata.uri
        for lit in literal_map.literals.values()
        if lit.WhichOneof("value") == "offloaded_metadata"
    )


def replace_offloaded(literal_map: Any, fetched: Mapping[str, bytes]) -> Result[Any, Exception]:
    """A copy of ``literal_map`` with every offloaded literal replaced by the literal fetched for it."""
    from flyteidl.core import literals_pb2

    out = literals_pb2.LiteralMap()
    out.CopyFrom(literal_map)
    for name in out.literals:
        lit = out.literals[name]
        if lit.WhichOneof("value") != "offloaded_metadata":
            continue
        uri = lit.offloaded_metadata.uri
        data = fetched.get(uri)
        if data is None:
            return Failure(ValueError(f"offloaded literal for input {name!r} was not fetched from {uri}"))
        new = literals_pb2.Literal()
        try:
            new.ParseFromString(data)
        except Exception as exc:
            return Failure(
                ValueError(f"offloaded literal for input {name!r} at {uri} is not a Literal: {exc}")
            )
        lit.CopyFrom(new)
    return Success(out)
