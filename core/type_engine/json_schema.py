"""The JSON Schema (draft 2020-12) flytekit 1.16 stores in a dataclass's ``LiteralType.metadata``.

flytekit builds it with mashumaro's ``build_json_schema``; this module produces the same document for the
field types our dataclass codec supports (see ``builtin_codec.py``), as plain JSON-able python values.  Key order does
not matter (the schema ends up in a ``google.protobuf.Struct``, a map), but list order does (``required``,
``anyOf``, ``enum``, ``prefixItems``).

Rules (facts about mashumaro 3.x's builder, restated):

* dataclass -> ``{"type": "object", "title": <class name>, "additionalProperties": false,
  "properties": {...}, "required": [...]}``; nested dataclasses are inlined; ``properties``/``required`` are left
  out when empty; only ``init`` fields appear; a plain ``default`` (not a ``default_factory``) is stored under
  ``"default"`` in its dict-serialized form (datetime -> ISO string, enum -> value, bytes -> base64, ...);
  ``field(metadata={"description": ...})`` becomes ``"description"``.
* ``int`` integer, ``float`` number, ``bool`` boolean, ``str`` string, ``None`` null, ``Any`` ``{}``.
* ``List[T]``/``list`` array (+ ``items`` unless T is Any), ``Set``/``FrozenSet`` the same plus ``uniqueItems``,
  ``Tuple[T, ...]`` array with items, ``Tuple[A, B]`` array with ``prefixItems``/``minItems``/``maxItems``.
* ``Dict[K, V]``/``dict`` object with ``additionalProperties`` = V and ``propertyNames`` = K (each left out when
  Any).
* ``Union``/``Optional`` -> ``anyOf`` in declaration order; ``Literal`` -> ``const`` (one value) or ``enum`` of
  its str/int/bool/None values, enum members as their values, bytes as base64 with a trailing newline, any other
  value (a float) left out, as mashumaro does (``Literal[1.5]`` is ``{"enum": []}``);
  ``Enum`` -> ``enum`` of the member values.
* datetime/date/time strings with format date-time/date/time; timedelta number with format time-delta; bytes
  string/base64; UUID string/uuid; Decimal string/decimal; paths string/path.
* ``FlyteFile``/``FlyteDirectory`` (dataclasses in flytekit): objects titled ``FlyteFile``/``FlyteDirectory`` with
  an optional ``path`` (and ``metadata`` for files); ``StructuredDataset``: an object titled so with optional
  ``uri`` and ``file_format`` (default ``""``).

A recursive dataclass makes mashumaro emit ``$ref``/``$defs``; that is supported here too.

Law (run in ``property_tests/test_type_shape_laws.py::test_json_schema_is_deterministic_and_lists_every_field``):
the schema is deterministic, JSON-serializable and lists every init field in declaration order.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import pathlib
import typing
from collections.abc import Callable
from typing import Any, Final

Schema = dict[str, Any]

_NONE_TYPE = type(None)
_DEFS_PREFIX = "#/$defs/"


class SchemaUnsupported(Exception):
    """The type has no JSON schema rule here (flytekit would log the failure and store no metadata)."""


def _string(fmt: str) -> Schema:
    return {"type": "string", "format": fmt}


_SIMPLE: dict[Any, Callable[[], Schema]] = {
    int: lambda: {"type": "integer"},
    float: lambda: {"type": "number"},
    bool: lambda: {"type": "boolean"},
    str: lambda: {"type": "string"},
    _NONE_TYPE: lambda: {"type": "null"},
    datetime.datetime: lambda: _string("date-time"),
    datetime.date: lambda: _string("date"),
    datetime.time: lambda: _string("time"),
    datetime.timedelta: lambda: {"type": "number", "format": "time-delta"},
    bytes: lambda: _string("base64"),
    bytearray: lambda: _string("base64"),
    decimal.Decimal: lambda: _string("decimal"),
}


_DROPPED: Final = object()


def _literal_value(value: Any) -> Any:
    """A ``Literal`` value as mashumaro's schema lists it (``_DROPPED``: it leaves the value out)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (int, str, bool, _NONE_TYPE)):
        return value
    if isinstance(value, bytes):
        import base64

        return base64.encodebytes(value).decode()
    return _DROPPED


def _blob_schema(kind: str) -> Schema:
    """flytekit's FlyteFile/FlyteDirectory are dataclasses (``path``, and ``metadata`` for files), both defaulted."""
    path = {"anyOf": [{"type": "string"}, {"type": "string", "format": "path"}], "default": None}
    properties: Schema = {"path": path}
    if kind == "file":
        properties["metadata"] = {
            "anyOf": [
                {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "propertyNames": {"type": "string"},
                },
                {"type": "null"},
            ],
            "default": None,
        }
    if kind == "schema":
        remote = {"default": None, "anyOf": [{"type": "string"}, {"type": "null"}]}
        return {"type": "object", "title": "FlyteSchema", "properties": {"remote_path": remote},
                "additionalProperties": False}  # fmt: skip
    if kind == "structured":
        nullable_str: list[Schema] = [{"type": "string"}, {"type": "null"}]
        properties = {
            "file_format": {"default": "", "anyOf": nullable_str},
            "uri": {"default": None, "anyOf": nullable_str},
        }
        return {"type": "object", "title": "StructuredDataset", "properties": properties, "additionalProperties": False}
    title = "FlyteFile" if kind == "file" else "FlyteDirectory"
    return {"type": "object", "title": title, "properties": properties, "additionalProperties": False}


class _Builder:
    def __init__(self, default_encoder: Callable[[Any, Any], Any]) -> None:
        self._default_encoder = default_encoder
        self._in_progress: set[type] = set()
        self.definitions: dict[str, Schema | None] = {}

    def schema(self, tp: Any) -> Schema:
        from flyte_entrypoint.core.type_engine import type_shapes as _s

        tp = _s.strip_type(tp)
        if tp is Any or isinstance(tp, typing.TypeVar):
            return {}
        if tp is None:
            tp = _NONE_TYPE
        simple = _SIMPLE.get(tp)
        if simple is not None:
            return simple()
        blob = _s.blob_kind(tp)
        if blob is not None:
            return _blob_schema(blob)
        if _s.is_pathlike_protocol(tp):
            return _string("path")
        if isinstance(tp, type):
            if dataclasses.is_dataclass(tp):
                return self._dataclass(tp)
            if issubclass(tp, enum.Enum):
                return {"enum": [m.value for m in tp]}
            if issubclass(tp, pathlib.PurePath):
                return _string("path")
            if _s.is_uuid_type(tp):
                return _string("uuid")
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if _s.is_union(tp):
            return {"anyOf": [self.schema(a) for a in args]}
        if origin is typing.Literal:
            values = [_literal_value(v) for v in args]
            kept = [v for v in values if v is not _DROPPED]
            return {"const": kept[0]} if len(kept) == 1 else {"enum": kept}
        kind = _s.container_kind(tp)
        if kind == "list":
            return self._items({"type": "array"}, args[0] if args else Any)
        if kind in ("set", "frozenset"):
            out = self._items({"type": "array"}, args[0] if args else Any)
            out["uniqueItems"] = True
            return out
        if kind == "tuple":
            if args == ((),) or (not args and tp is not tuple and tp is not typing.Tuple):
                return {"type": "array", "maxItems": 0}  # Tuple[()] (whose args are () since python 3.11)
            if not args or (len(args) == 2 and args[1] is Ellipsis):
                return self._items({"type": "array"}, args[0] if args else Any)
            return {
                "type": "array",
                "prefixItems": [self.schema(a) for a in args],
                "minItems": len(args),
                "maxItems": len(args),
            }
        if kind == "dict":
            out = {"type": "object"}
            if args:
                value_schema = self.schema(args[1])
                key_schema = self.schema(args[0])
                if value_schema:
                    out["additionalProperties"] = value_schema
                if key_schema:
                    out["propertyNames"] = key_schema
            return out
        raise SchemaUnsupported(f"no JSON schema rule for {tp!r}")

    def _items(self, out: Schema, item_tp: Any) -> Schema:
        item = self.schema(item_tp)
        if item:  # an empty schema (Any) is left out
            out["items"] = item
        return out

    def _dataclass(self, cls: type) -> Schema:
        name = cls.__name__
        if cls in self._in_progress:
            self.definitions.setdefault(name, None)
            return {"$ref": _DEFS_PREFIX + name}
        from flyte_entrypoint.core.type_engine import type_shapes as _s

        self._in_progress.add(cls)
        try:
            hints = _s.field_hints(cls)
            properties: Schema = {}
            required: list[str] = []
            for f in dataclasses.fields(cls):
                if not f.init:
                    continue
                f_tp = hints.get(f.name, f.type)
                f_schema = self.schema(f_tp)
                if f.default is not dataclasses.MISSING:
                    f_schema["default"] = self._default_encoder(f_tp, f.default)
                description = f.metadata.get("description") if f.metadata else None
                if description:
                    f_schema["description"] = description
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    required.append(f.name)
                properties[f.name] = f_schema
            out: Schema = {"type": "object", "title": name}
            if properties:
                out["properties"] = properties
            out["additionalProperties"] = False
            if required:
                out["required"] = required
        finally:
            self._in_progress.discard(cls)
        if name in self.definitions:
            self.definitions[name] = out
            return {"$ref": _DEFS_PREFIX + name}
        return out


def dataclass_json_schema(cls: type, default_encoder: Callable[[Any, Any], Any]) -> Schema | None:
    """mashumaro's draft 2020-12 schema of dataclass ``cls``, or None where flytekit would have none.

    ``default_encoder(tp, value)`` serializes a field default the way mashumaro's ``to_dict`` would.
    """
    builder = _Builder(default_encoder)
    try:
        top = builder.schema(cls)
    except SchemaUnsupported:
        return None
    except Exception:  # a default that cannot be serialized, etc.: flytekit logs and stores no schema
        return None
    if builder.definitions:
        top["$defs"] = {k: v if v is not None else {} for k, v in builder.definitions.items()}
    return top
