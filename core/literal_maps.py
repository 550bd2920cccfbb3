"""Between literal maps and python values at the task boundary: inputs in, outputs (and offloading) out.

Laws (``property_tests/test_literal_maps_laws.py`` unless named):

* **round trip**: what a task returns, written as ``outputs.pb`` and read back as the input of a task that
  takes the same type, is the value it returned;
* **offloading round trip**: :func:`offload_outputs` loses nothing: reading its ``outputs.pb`` back with
  :func:`replace_offloaded` (the files fetched from the URIs :func:`offloaded_uris` lists) gives the map it
  was given; outputs below the minimum stay inline, and with offloading off the only file is ``outputs.pb``;
* **offload policy**: on exactly when ``_F_L_MIN_SIZE_MB`` is present; any value is an answer (a Failure for
  a non-integer), never an exception;
* **no partial calls**: more literals than declared inputs, or a name the task does not declare, is a
  Failure (``ValueError``), never keyword arguments;
* **wire path = parsed path** (``property_tests/test_wire_inputs_laws.py``): :func:`decode_big_inputs` with
  the parsed rest gives the same keyword arguments or error as parsing everything, and
  :func:`outputs_to_wire_literals` the same ``outputs.pb`` bytes; and the wire path is taken exactly for the
  inputs/outputs its docstrings name (``tests/test_big_inputs_from_wire.py``, ``tests/test_big_outputs_to_wire.py``:
  every bulk type at its threshold, never for a hash, output metadata, another shape or a ``NamedTuple`` instance);
* **map-task selection** (``property_tests/test_map_laws.py``): element ``offset + index`` of every mapped
  input, chosen at literal level; an unusable index is a SYSTEM error, never an exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
from returns.result import Failure, Result, Success

from flyte_entrypoint.core.exceptions import TypeTransformerFailedError
from flyte_entrypoint.core.output_metadata import literal_metadata
from flyte_entrypoint.core.type_engine.engine import (
    BlobRead,
    BlobsNeeded,
    ConversionContext,
    PlannedUpload,
    literal_type_of,
    to_python,
)
from flyte_entrypoint.core.type_engine.outputs import OutputSignature, split_returned
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


def scoped_context(ctx: ConversionContext, direction: str, name: str) -> ConversionContext:
    """A per-variable seed, so two variables never derive the same random names."""
    return attrs.evolve(ctx, name_seed=f"{ctx.name_seed}/{direction}/{name}")


def _convert_input(name: str, literal: Any, tp: Any, ctx: ConversionContext) -> Result[Any, Exception]:
    result = to_python(literal, tp, ctx)
    if isinstance(result, Failure) and not isinstance(result.failure(), BlobsNeeded):
        return Failure(
            TypeTransformerFailedError(
                f"Error converting input '{name}':\n"
                f"Literal value: {_literal_text(literal)}\n"
                f"Expected Python type: {tp!r}\n"
                f"Exception: {_reason(result.failure())}"
            )
        )
    return result


WIRE_MIN_BYTES = 1 << 16
"""Inputs whose literal is at least this big are read from the wire bytes when their type has a bulk codec."""


def _wire_value(data: bytes, start: int, end: int, tp: Any) -> Any:
    """The python value of the literal ``data[start:end]`` for ``tp`` read by a bulk codec, or None.

    Exactly what ``to_python`` gives for the parsed literal: the same codecs the list/dict transformers use
    on the re-serialized collection (``core.type_engine.containers``), chosen by the same rules (elements of
    exactly int/float/str/bool without annotation or hash, or ``Optional[int]``); they decline anything
    that is not the canonical layout, and the caller then parses the literal as usual.
    """
    from flyte_entrypoint.core.type_engine import containers, fastwire
    from flyte_entrypoint.core.type_engine.engine import default_engine

    found = fastwire.literal_payload(data, start, end)
    if found is None:
        return None
    which, payload = found
    engine = default_engine()
    try:
        resolved = engine.resolve(tp)
        if resolved.transformer is containers.LIST and which == "collection":
            element = engine.resolve(containers._list_arg(resolved.tp))
            kind = containers._primitive_kind(element)
            if kind == "integer":  # reads the view in chunks: no copy of the payload
                return fastwire.decode_collection(payload, None, kind)  # type: ignore[arg-type]
            if kind is not None:
                return fastwire.decode_collection(bytes(payload), None, kind)
            if containers._is_optional_int(element):
                return fastwire.decode_optional_ints(bytes(payload), None)
        elif resolved.transformer is containers.DICT and which == "map":
            kind = containers._primitive_kind(engine.resolve(containers._dict_value_type(resolved.tp)))
            if kind is not None:
                return fastwire.decode_map(bytes(payload), None, kind)
    except Exception:  # an unsupported type: the parsed path reports it
        return None
    return None


def decode_big_inputs(task: TaskRecord | MapTaskRecord | None, data: bytes) -> tuple[bytes, dict[str, Any]] | None:
    """Big inputs read straight from the serialized ``inputs.pb``: ``(the other entries' bytes, {name: value})``.

    Why: parsing a 1,000,000-element list into a ``LiteralMap`` makes a million ``Literal`` messages (about
    10x the payload in memory) that the bulk codecs then serialize again to read.  Here the map is split at
    the wire level (``fastwire.map_entries``) and each declared input of at least ``WIRE_MIN_BYTES`` whose
    type has a bulk codec is decoded from its bytes.  Law (``property_tests/test_wire_inputs_laws.py``):
    parsing the returned bytes and converting gives, together with the values, exactly what parsing and
    converting the whole map gives.  None (parse everything as before) for a map task (its inputs are
    element-indexed), a small or unusual map, a repeated key, or when no input was taken.
    """
    if task is None or isinstance(task, MapTaskRecord) or len(data) < WIRE_MIN_BYTES:
        return None
    from flyte_entrypoint.core.type_engine import fastwire

    entries = fastwire.map_entries(data)
    if entries is None or len({e[0] for e in entries}) != len(entries):
        return None
    declared = {v.name: v.python_type for v in task.interface.inputs}
    decoded: dict[str, Any] = {}
    kept: list[bytes] = []
    for name, start, stop, value_start, value_stop in entries:
        value = None
        if name in declared and value_stop - value_start >= WIRE_MIN_BYTES:
            value = _wire_value(data, value_start, value_stop, declared[name])
        if value is None:
            kept.append(data[start:stop])
        else:
            decoded[name] = value
    if not decoded:
        return None
    return b"".join(kept), decoded


def inputs_to_python(
    task: TaskRecord | MapTaskRecord,
    literal_map: Any,
    index: int | None,
    ctx: ConversionContext,
    decoded: Mapping[str, Any] | None = None,
) -> Result[dict[str, Any], Exception]:
    """The keyword arguments for the task function.

    Missing inputs are left out (python defaults apply, or the call raises TypeError: a USER error,
    as in flytekit), except in a map task, where every input is required (a SYSTEM error). More
    literals than declared inputs, or an unknown name, is a SYSTEM error. For a map task, each
    mapped input's element ``index`` is taken at literal level before conversion, so only the
    selected element is ever turned into python.  ``decoded``: inputs already read from the wire bytes
    (``decode_big_inputs``), counted and checked like the literals.  Inputs whose blobs are not in
    ``ctx.blobs`` yet make the answer ``Failure(BlobsNeeded)`` with every read the inputs up to the first failing
    one need (so the fetched data decides that failure as it would in flytekit's order).
    """
    inner = task.inner
    declared = {v.name: v.python_type for v in inner.interface.inputs}
    literals = literal_map.literals
    decoded = decoded or {}
    received = len(literals) + len(decoded)
    if received > len(declared):
        return Failure(
            ValueError(f"Received more input values {received} than allowed by the input spec {len(declared)}")
        )
    for name in [*literals, *decoded]:
        if name not in declared:
            return Failure(ValueError(f"Received an input named {name!r} that {inner.name} does not declare"))
    if isinstance(task, MapTaskRecord):
        # A map task's interface has no defaults (flytekit drops them): the backend sends every input,
        # so a missing one is a malformed input map: a SYSTEM error, as in flytekit (``KeyError: 'y'``).
        missing = [name for name in declared if name not in literals]
        if missing:
            return Failure(ValueError(f"map task input {missing[0]!r} is missing from the input map"))
    kwargs: dict[str, Any] = {}
    needed: list[BlobRead] = []
    for name in (n for n in declared if n in literals or n in decoded):  # declared order: first failure
        if name in decoded:
            kwargs[name] = decoded[name]
            continue
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
        converted = _convert_input(name, literal, declared[name], scoped_context(ctx, "in", name))
        if isinstance(converted, Failure):
            failure = converted.failure()
            if isinstance(failure, BlobsNeeded):
                needed.extend(r for r in failure.reads if r not in needed)
                continue
            return Failure(BlobsNeeded(tuple(needed))) if needed else converted
        kwargs[name] = converted.unwrap()
    return Failure(BlobsNeeded(tuple(needed))) if needed else Success(kwargs)


def declared_outputs(task: TaskRecord) -> OutputSignature:
    """The task's declared outputs (names, python types, NamedTuple name) as the type engine takes them."""
    iface = task.interface
    return OutputSignature(
        tuple(o.name for o in iface.outputs),
        tuple(o.python_type for o in iface.outputs),
        iface.output_tuple_name,
    )


Pieces = tuple[bytes, ...]
"""A serialized ``Literal`` in pieces (their concatenation), so a big payload is never copied to be framed."""


def _wire_literal(value: Any, tp: Any) -> Pieces | None:
    """The serialized ``Literal`` of ``value`` for ``tp`` written by a bulk codec, or None.

    The same bytes the list/dict transformers produce (they merge these very codecs' output into the
    literal), chosen by the same rules; None whenever the transformer would do anything else (a hash or
    annotation on the type, an element of another type, a small value).
    """
    from flyte_entrypoint.core.type_engine import containers, fastwire
    from flyte_entrypoint.core.type_engine.engine import default_engine

    engine = default_engine()
    try:
        resolved = engine.resolve(tp)
        if resolved.hasher is not None or resolved.annotation is not None:
            return None
        if resolved.transformer is containers.LIST and type(value) is list and len(value) >= WIRE_MIN_ITEMS:
            element = engine.resolve(containers._list_arg(resolved.tp))
            kind = containers._primitive_kind(element)
            if kind is not None:
                data = fastwire.encode_collection(value, kind)
            elif containers._is_optional_int(element):
                data = fastwire.encode_optional_ints(value)
            else:
                return None
            return None if data is None else (fastwire.literal_head("collection", len(data)), data)
        if resolved.transformer is containers.DICT and type(value) is dict and len(value) >= WIRE_MIN_ITEMS:
            kind = containers._primitive_kind(engine.resolve(containers._dict_value_type(resolved.tp)))
            if kind is None:
                return None
            data = fastwire.encode_map(value, kind, prefix_free=True)
            return None if data is None else (fastwire.literal_head("map", len(data)), data)
    except Exception:  # an unsupported type: the literal path reports it
        return None
    return None


WIRE_MIN_ITEMS = 4096
"""Outputs with at least this many elements are serialized straight to bytes when their type has a bulk codec."""


def _with_placeholders(task: TaskRecord, value: Any, empty: Mapping[str, Any]) -> tuple[bool, Any]:
    """``value`` with the outputs named in ``empty`` replaced (same shape), or ``(False, None)`` if unsure."""
    names = [o.name for o in task.interface.outputs]
    if len(names) == 1:
        if task.interface.output_tuple_name and isinstance(value, tuple):
            return False, None
        return True, empty[names[0]]
    if type(value) not in (tuple, list) or len(value) != len(names):
        return False, None
    return True, type(value)(empty.get(n, value[i]) for i, n in enumerate(names))


def outputs_to_wire_literals(
    task: TaskRecord,
    value: Any,
    ctx: ConversionContext,
    metadata: OutputMetadataTracker | None = None,
) -> Result[tuple[Any, tuple[PlannedUpload, ...], dict[str, Pieces]], Exception]:
    """``outputs_to_literals`` with big bulk-codec outputs kept as serialized ``Literal`` bytes.

    Why: a 1,000,000-element list would otherwise become a million ``Literal`` messages only to be
    serialized again.  Each output of at least ``WIRE_MIN_ITEMS`` elements whose type has a bulk codec and
    no output metadata is encoded to bytes; the others go through the literal path with that output
    replaced by an empty container of its type (so every other check, and every error, is the literal
    path's).  Law (``property_tests/test_wire_inputs_laws.py``): ``serialize_outputs`` of the result gives
    the bytes ``offload_outputs`` gives for ``outputs_to_literals``.
    """
    try:
        split = split_returned(value, declared_outputs(task))
    except Exception:  # the literal path below reports the same shape error
        split = {}
    types = {o.name: o.python_type for o in task.interface.outputs}
    wire: dict[str, Pieces] = {}
    for name, v in split.items():
        big = type(v) in (list, dict) and len(v) >= WIRE_MIN_ITEMS  # before importing any codec
        if big and name in types and not literal_metadata(metadata, v):
            data = _wire_literal(v, types[name])
            if data is not None:
                wire[name] = data
    placeholder_value = value
    if wire:
        ok, placeholder_value = _with_placeholders(task, value, {n: type(split[n])() for n in wire})
        if not ok:
            wire, placeholder_value = {}, value
    converted = outputs_to_literals(task, placeholder_value, ctx, metadata)
    if isinstance(converted, Failure):
        return converted
    literal_map, uploads = converted.unwrap()
    for name in wire:
        del literal_map.literals[name]
    return Success((literal_map, uploads, wire))


def serialize_outputs(literal_map: Any, wire: Mapping[str, Pieces]) -> bytes:
    """``outputs.pb``: ``literal_map`` plus the ``wire`` literals, as deterministic serialization writes the
    whole map.

    The entry order is protobuf's own (upb sorts keys by common prefix, longer first: not plain byte
    order), found by serializing the map with an empty placeholder literal for each wire output and then
    putting the wire entry where its placeholder came out.
    """
    if not wire:
        out: bytes = literal_map.SerializeToString(deterministic=True)
        return out
    from flyteidl.core import literals_pb2

    from flyte_entrypoint.core.type_engine import fastwire

    probe = literals_pb2.LiteralMap()
    probe.CopyFrom(literal_map)
    for name in wire:
        probe.literals[name].SetInParent()
    small: bytes = probe.SerializeToString(deterministic=True)
    entries = fastwire.map_entries(small)
    if entries is None:  # not the plain layout (never for protobuf's own bytes): merge and serialize
        for name, parts in wire.items():
            probe.literals[name].MergeFromString(b"".join(parts))
        merged: bytes = probe.SerializeToString(deterministic=True)
        return merged
    pieces: list[bytes] = []
    for key, start, stop, _, _ in entries:
        if key in wire:
            pieces += [fastwire.map_entry_head(key, sum(map(len, wire[key]))), *wire[key]]
        else:
            pieces.append(small[start:stop])
    return b"".join(pieces)


def outputs_to_literals(
    task: TaskRecord,
    value: Any,
    ctx: ConversionContext,
    metadata: OutputMetadataTracker | None = None,
) -> Result[tuple[Any, tuple[PlannedUpload, ...]], Exception]:
    """The LiteralMap of a returned value, with the uploads its file outputs need.

    The conversion is ``core.type_engine.outputs`` (flytekit's rules, checked against flytekit's own
    ``_output_to_literal_map``); here its failure becomes the exception an error document reports, and
    ``metadata`` (the run's output-metadata tracker) adds entries to the literal of each tracked object.
    """
    from flyte_entrypoint.core.type_engine.outputs import outputs_to_literal_map

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
    literal_map: Any,
    task: TaskRecord,
    policy: OffloadPolicy,
    output_prefix: str,
    is_map_task: bool,
    wire: Mapping[str, Pieces] | None = None,
) -> Result[dict[str, bytes], ValueError]:
    """The engine files to write: ``outputs.pb`` plus one ``<name>_offloaded_metadata.pb`` per large output.

    Serialization is deterministic (map entries sorted by key): flytekit's bytes for maps with two or
    more entries vary from process to process, so equal outputs now give equal files.

    Each offloaded entry in outputs.pb points at its file by URI, with size, inferred type (the
    element type for a map task, which is the inner task's output type here) and hash.

    ``wire``: outputs already serialized (``outputs_to_wire_literals``), written as they are when nothing
    is offloaded, else merged back into the map first (offloading needs every literal's size and hash).
    """
    from flyteidl.core import literals_pb2

    files: dict[str, bytes] = {}
    if not policy.enabled:
        return Success({OUTPUT_FILE_NAME: serialize_outputs(literal_map, wire or {})})
    if wire:
        merged = literals_pb2.LiteralMap()
        merged.CopyFrom(literal_map)
        for name, parts in wire.items():
            merged.literals[name].MergeFromString(b"".join(parts))
        literal_map = merged
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
