"""Flyte protobuf files as JSON a person can read: the view ``flyte-entrypoint show`` prints.

The conventions are the Flyte console's: a scalar is its value (a datetime in RFC 3339 with ``Z``, a
duration as protobuf JSON writes it, ``"1.500s"``); ``None`` is ``null``; a blob is
``{"uri", "format", "dimensionality"}``; a union is ``{"tag", "value"}``; collections are lists and maps
are objects, nested as deep as the literal is. Values JSON cannot hold keep a readable form: a float
that is not finite is the string ``"nan"``/``"inf"``/``"-inf"``; msgpack binaries (dataclasses, untyped
dicts) are decoded; other bytes are ``{"binary": <base64>, "tag"}``.

:func:`detect` tells the kind of a file by its content alone, since Flyte's file names
(``inputs.pb``, ``outputs.pb``, ``error-<hex>.pb``, ``<name>_offloaded_metadata.pb``, ``futures.pb``) are
conventions that a downloaded copy may no longer carry. Protobuf has no type tag, so each candidate
message is parsed and kept only if nothing in the bytes is left over as unknown fields (at any depth)
and the result is not empty where that kind is never empty. Empty bytes are an empty LiteralMap (the
``outputs.pb`` of a task without outputs).

Laws (``property_tests/test_tools_laws.py``): the view is JSON-serializable for every literal of
every supported type; ``detect`` finds a LiteralMap in every non-empty map ``make`` writes, and a
Literal in every serialized non-map literal.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from typing import Any

import attrs
from returns.result import Failure, Result, Success

KIND_LITERAL_MAP = "literal_map"
KIND_LITERAL = "literal"
KIND_ERROR_DOCUMENT = "error_document"
KIND_DYNAMIC_JOB_SPEC = "dynamic_job_spec"
KINDS = (KIND_LITERAL_MAP, KIND_ERROR_DOCUMENT, KIND_LITERAL, KIND_DYNAMIC_JOB_SPEC)

_DIMENSIONALITY = {0: "SINGLE", 1: "MULTIPART"}


@attrs.frozen
class Detected:
    """A parsed file: its kind (one of :data:`KINDS`) and the protobuf message."""

    kind: str
    message: Any


def _message_class(kind: str) -> Any:
    from flyteidl.core import dynamic_job_pb2, errors_pb2, literals_pb2

    return {
        KIND_LITERAL_MAP: literals_pb2.LiteralMap,
        KIND_LITERAL: literals_pb2.Literal,
        KIND_ERROR_DOCUMENT: errors_pb2.ErrorDocument,
        KIND_DYNAMIC_JOB_SPEC: dynamic_job_pb2.DynamicJobSpec,
    }[kind]


def _repeated(field: Any) -> bool:
    flag = getattr(field, "is_repeated", None)  # protobuf >= 6; older versions only have ``label``
    return bool(flag) if flag is not None else bool(field.label == field.LABEL_REPEATED)


def _has_unknown_fields(message: Any) -> bool:
    """True if any message in the tree kept bytes its schema does not describe."""
    from google.protobuf import unknown_fields

    if len(unknown_fields.UnknownFieldSet(message)) > 0:
        return True
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.message_type.GetOptions().map_entry:
            value_field = field.message_type.fields_by_name["value"]
            if value_field.message_type is not None and any(_has_unknown_fields(v) for v in value.values()):
                return True
        elif _repeated(field):
            if any(_has_unknown_fields(v) for v in value):
                return True
        elif _has_unknown_fields(value):
            return True
    return False


def _is_text(text: str) -> bool:
    """No control characters but newlines and tabs: what error messages and variable names look like."""
    return all(ch >= " " or ch in "\n\r\t" for ch in text)


def _plausible(kind: str, message: Any) -> bool:
    if kind == KIND_ERROR_DOCUMENT:
        err = message.error
        return (
            message.HasField("error") and bool(err.code or err.message) and _is_text(err.code + err.message)
        )
    if kind == KIND_LITERAL:
        return message.WhichOneof("value") is not None
    if kind == KIND_DYNAMIC_JOB_SPEC:
        return len(message.nodes) > 0 or len(message.tasks) > 0
    return all(_is_text(k) and v.WhichOneof("value") is not None for k, v in message.literals.items())


def parse_as(kind: str, data: bytes) -> Result[Any, str]:
    """``data`` parsed as a message of ``kind``, or why it is not one."""
    message = _message_class(kind)()
    try:
        message.ParseFromString(data)
    except Exception as exc:
        return Failure(f"not a {kind}: {exc}")
    if _has_unknown_fields(message):
        return Failure(f"not a {kind}: the bytes hold fields a {kind} does not have")
    return Success(message)


def detect(data: bytes, hint: str | None = None) -> Result[Detected, str]:
    """The kind of ``data``, found from its content (``hint``, one of :data:`KINDS`, only breaks ties).

    Empty bytes are an empty LiteralMap; otherwise the first kind (``hint`` first, then literal map, error
    document, literal, dynamic job spec) that parses without unknown fields and is plausible wins. (A real
    error document never parses as a LiteralMap: its kind, origin and timestamp are fields a map entry
    does not have; a LiteralMap can parse as an ErrorDocument, but its "message" then holds control bytes.)
    """
    if not data:
        return Success(Detected(KIND_LITERAL_MAP, _message_class(KIND_LITERAL_MAP)()))
    order = [hint] if hint in KINDS else []
    order += [k for k in KINDS if k not in order]
    for kind in order:
        parsed = parse_as(kind, data)
        if isinstance(parsed, Success) and _plausible(kind, parsed.unwrap()):
            return Success(Detected(kind, parsed.unwrap()))
    return Failure(
        f"not a Flyte file this tool knows ({len(data)} bytes): not a LiteralMap, Literal, ErrorDocument "
        "or DynamicJobSpec"
    )


def hint_for_name(name: str) -> str | None:
    """The kind a Flyte file name suggests (only a tie-breaker for :func:`detect`)."""
    base = name.rstrip("/").rpartition("/")[2]
    if base == "error.pb" or (base.startswith("error-") and base.endswith(".pb")):
        return KIND_ERROR_DOCUMENT
    if base == "futures.pb":
        return KIND_DYNAMIC_JOB_SPEC
    if base.endswith("_offloaded_metadata.pb"):
        return KIND_LITERAL
    if base in ("inputs.pb", "outputs.pb"):
        return KIND_LITERAL_MAP
    return None


# ---------------------------------------------------------------------------------------------- values
def json_float(x: float) -> float | str:
    """A float JSON can hold: non-finite values become ``"nan"``, ``"inf"``, ``"-inf"``."""
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x == math.inf else "-inf")


def duration_text(seconds: int, nanos: int) -> str:
    """A duration as protobuf JSON writes it (``"1.500s"``: 0, 3, 6 or 9 fraction digits), for any range
    (protobuf's own writer refuses more than 10,000 years, which a literal can still hold)."""
    total = seconds * 1_000_000_000 + nanos
    sign = "-" if total < 0 else ""
    whole, frac = divmod(abs(total), 1_000_000_000)
    if frac == 0:
        return f"{sign}{whole}s"
    digits = f"{frac:09d}"
    while digits.endswith("000"):
        digits = digits[:-3]
    return f"{sign}{whole}.{digits}s"


def _timestamp_text(ts: Any) -> Any:
    try:
        text: str = ts.ToJsonString()
    except ValueError:  # outside years 1..9999: no RFC 3339 text exists
        return {"seconds": int(ts.seconds), "nanos": int(ts.nanos)}
    return text


def _duration_view(d: Any) -> str:
    return duration_text(int(d.seconds), int(d.nanos))


def _msgpack_json(value: Any) -> Any:
    """A decoded msgpack value made JSON-safe (bytes as base64, non-string keys as strings); ``unpackb``
    gives lists (never tuples) and bytes (never bytearrays)."""
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: _msgpack_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_msgpack_json(v) for v in value]
    if isinstance(value, float):
        return json_float(value)
    if isinstance(value, bytes):
        return {"bytes": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def _binary_view(binary: Any) -> Any:
    if binary.tag == "msgpack":
        import msgpack

        try:
            return _msgpack_json(msgpack.unpackb(binary.value, raw=False, strict_map_key=False))
        except Exception as exc:
            return {
                "binary": base64.b64encode(binary.value).decode("ascii"),
                "tag": binary.tag,
                "error": str(exc),
            }
    return {"binary": base64.b64encode(binary.value).decode("ascii"), "tag": binary.tag}


def _primitive_view(p: Any) -> Any:
    which = p.WhichOneof("value")
    if which == "integer":
        return int(p.integer)
    if which == "float_value":
        return json_float(p.float_value)
    if which == "string_value":
        return p.string_value
    if which == "boolean":
        return bool(p.boolean)
    if which == "datetime":
        return _timestamp_text(p.datetime)
    if which == "duration":
        return _duration_view(p.duration)
    return None


def _struct_view(struct: Any) -> Any:
    from google.protobuf import json_format

    return json_format.MessageToDict(struct)


def _scalar_view(s: Any) -> Any:
    which = s.WhichOneof("value")
    if which == "primitive":
        return _primitive_view(s.primitive)
    if which == "blob":
        return {
            "uri": s.blob.uri,
            "format": s.blob.metadata.type.format,
            "dimensionality": _DIMENSIONALITY.get(s.blob.metadata.type.dimensionality, "UNKNOWN"),
        }
    if which == "binary":
        return _binary_view(s.binary)
    if which == "generic":
        return _struct_view(s.generic)
    if which == "union":
        tag = s.union.type.structure.tag if s.union.type.HasField("structure") else ""
        return {"tag": tag, "value": literal_view(s.union.value)}
    if which == "structured_dataset":
        sd_type = s.structured_dataset.metadata.structured_dataset_type
        return {
            "uri": s.structured_dataset.uri,
            "format": sd_type.format,
            "columns": [c.name for c in sd_type.columns],
        }
    if which == "schema":
        return {"uri": s.schema.uri, "columns": [c.name for c in s.schema.type.columns]}
    if which == "error":
        return {"error": {"failed_node_id": s.error.failed_node_id, "message": s.error.message}}
    return None  # none_type, and a scalar with nothing set


def literal_view(literal: Any) -> Any:
    """One Literal as JSON-ready python data (see the module docstring for the conventions)."""
    which = literal.WhichOneof("value")
    if which == "scalar":
        return _scalar_view(literal.scalar)
    if which == "collection":
        return [literal_view(x) for x in literal.collection.literals]
    if which == "map":
        return {k: literal_view(literal.map.literals[k]) for k in sorted(literal.map.literals)}
    if which == "offloaded_metadata":
        meta = literal.offloaded_metadata
        return {"offloaded": {"uri": meta.uri, "size_bytes": int(meta.size_bytes)}}
    return None


def literal_map_view(literal_map: Any) -> dict[str, Any]:
    """A LiteralMap as ``{name: view}``, names sorted."""
    return {k: literal_view(literal_map.literals[k]) for k in sorted(literal_map.literals)}


_ERROR_KINDS = {0: "NON_RECOVERABLE", 1: "RECOVERABLE"}
_ERROR_ORIGINS = {0: "UNKNOWN", 1: "USER", 2: "SYSTEM"}


def inline_offloaded(literal_map: Any, files: Mapping[str, bytes]) -> Any:
    """A copy of ``literal_map`` whose offloaded outputs are replaced by the literals they point at,
    when the run wrote that file among ``files`` (name -> bytes, the files under its output prefix).

    An offloaded literal's URI names the folder of the run that wrote it, so two runs of the same task
    with the same values differ in their ``outputs.pb`` but not in the literals behind it; comparing
    runs (``replay``) compares those. A URI whose file is not among ``files`` is left as it is.
    """
    from flyteidl.core import literals_pb2

    inlined = literals_pb2.LiteralMap()
    inlined.CopyFrom(literal_map)
    offloaded = [v for v in inlined.literals.values() if v.WhichOneof("value") == "offloaded_metadata"]
    for literal in offloaded:
        data = files.get(literal.offloaded_metadata.uri.rstrip("/").rpartition("/")[2])
        if data is None:
            continue
        target = literals_pb2.Literal()
        target.ParseFromString(data)
        literal.CopyFrom(target)
    return inlined


def message_line(message: str) -> str:
    """The text after ``Message:`` in an error document's message (the whole message if there is none)."""
    marker = "\nMessage:\n\n"
    if marker in message:
        return message.split(marker, 1)[1].strip()
    return message.strip()


def error_view(document: Any) -> dict[str, Any]:
    """An ErrorDocument: code, kind, origin, worker, timestamp, the ``Message:`` text and the whole message."""
    err = document.error
    return {
        "code": err.code,
        "kind": _ERROR_KINDS.get(err.kind, str(err.kind)),
        "origin": _ERROR_ORIGINS.get(err.origin, str(err.origin)),
        "worker": err.worker,
        "timestamp": _timestamp_text(err.timestamp) if err.HasField("timestamp") else None,
        "summary": message_line(err.message),
        "message": err.message,
    }


def dynamic_job_view(spec: Any) -> dict[str, Any]:
    """A DynamicJobSpec (``futures.pb``): its nodes, tasks and sub-workflows by id, and the output bindings."""
    return {
        "min_successes": int(spec.min_successes),
        "nodes": [n.id for n in spec.nodes],
        "tasks": [t.id.name for t in spec.tasks],
        "subworkflows": [w.id.name for w in spec.subworkflows],
        "outputs": [b.var for b in spec.outputs],
    }


def view(detected: Detected) -> Any:
    """The JSON view of a detected file."""
    if detected.kind == KIND_LITERAL_MAP:
        return literal_map_view(detected.message)
    if detected.kind == KIND_LITERAL:
        return literal_view(detected.message)
    if detected.kind == KIND_ERROR_DOCUMENT:
        return error_view(detected.message)
    return dynamic_job_view(detected.message)


def proto_view(message: Any) -> Result[Any, str]:
    """The protobuf JSON mapping of ``message`` (field names as in the .proto files), or why protobuf's
    JSON cannot hold it (a duration over 10,000 years, a timestamp outside years 1..9999)."""
    from google.protobuf import json_format

    try:
        return Success(json_format.MessageToDict(message, preserving_proto_field_name=True))
    except (json_format.Error, ValueError) as exc:
        return Failure(f"protobuf JSON cannot represent this message: {exc}")
