"""``List[T]``/``list[T]`` and ``Dict[str, T]``/``dict[str, T]`` (flytekit's ``Typed List`` / ``Typed Dict``).

PROTOCOL.md 10.4: ``collection_type``/``map_value_type`` LiteralTypes; ``collection { literals ... }`` and
``map { literals { key ... } }`` literals, each element encoded as a value of ``T`` (with the per-value
checks and ``HashMethod`` of an annotated ``T``).  The value must be exactly a ``list``/``dict``, and dict
keys exactly ``str``.  ``Dict`` with another key type, bare ``dict`` and bare ``list`` are not handled here
(the first two are the untyped msgpack dict of ``dataclass_transformers.py``; flytekit rejects a bare ``list``).

Reading accepts a ``collection``/``map`` literal, a ``binary`` msgpack literal (propeller's dataclass
attribute access, decoded by ``struct.decode_msgpack_literal``) and, for dicts, a ``generic`` Struct (console
input), as flytekit does.

Speed: lists and dicts of exactly ``int``/``float``/``str``/``bool``, and ``List[Optional[int]]``, go through
``fastwire``'s bulk codecs (about 10x faster than element by element for floats/bools, 2-3x for ints/strs,
~10x for optional ints); anything those decline
takes a tight per-element loop, and other element types recurse through the engine with the element type
resolved once.  Errors name the element: ``[3]``, ``["k"]``.

Laws (run in ``property_tests/test_type_engine_laws.py``): round trip (``test_round_trip_is_identity``); the
bulk codecs give exactly the element-by-element literal and values, on valid and on arbitrary collections
(``test_bulk_list_codec_matches_per_element``, ``test_bulk_dict_codec_matches_per_element``,
``test_bulk_decoder_never_disagrees``, ``test_bulk_decoder_on_corrupted_bytes``); totality
(``test_to_literal_is_total``, ``test_to_python_is_total``).
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any, Final

from flyteidl.core import literals_pb2, types_pb2

from flyte_entrypoint.core.type_engine import fastwire
from flyte_entrypoint.core.type_engine import simple as _simple
from flyte_entrypoint.core.type_engine.engine import ConversionError, Engine, Resolved, Sink, idl_text

__all__ = ["DICT", "LIST", "DictTransformer", "ListTransformer", "key_segment"]

_BULK_MIN: Final = 16
"""Below this many elements the per-element loop is as fast as the bulk codecs."""

_KIND_OF: Final[dict[int, str]] = {
    id(_simple.INT): "integer",
    id(_simple.FLOAT): "float_value",
    id(_simple.STR): "string_value",
    id(_simple.BOOL): "boolean",
}


def key_segment(key: Any) -> str:
    return f"[{key!r}]" if not isinstance(key, str) else '["' + key.replace('"', '\\"') + '"]'


def _primitive_kind(r: Resolved) -> str | None:
    """``integer``/... if elements of this resolved type may take the primitive fast paths."""
    if r.annotation is not None or r.hasher is not None:
        return None
    return _KIND_OF.get(id(r.transformer))


def _is_binary(literal: literals_pb2.Literal) -> bool:
    return bool(literal.WhichOneof("value") == "scalar" and literal.scalar.WhichOneof("value") == "binary")


def _decode_binary(literal: literals_pb2.Literal, tp: Any) -> Any:
    from flyte_entrypoint.core.type_engine.msgpack_wire import decode_msgpack_literal

    return decode_msgpack_literal(literal, tp)


# -- per-element primitive loops ----------------------------------------------------------------------------


def _add_primitives(
    values: list[Any], kind: str, coll: literals_pb2.LiteralCollection, r: Resolved, engine: Engine, sink: Sink
) -> None:
    add = coll.literals.add
    try:
        if kind == "integer":
            for v in values:
                if type(v) is not int:
                    raise TypeError
                add().scalar.primitive.integer = v
        elif kind == "float_value":
            for v in values:
                if type(v) is not float:
                    raise TypeError
                add().scalar.primitive.float_value = v
        elif kind == "string_value":
            for v in values:
                if type(v) is not str:
                    raise TypeError
                add().scalar.primitive.string_value = v
        else:
            for v in values:
                if type(v) is not bool:
                    raise TypeError
                add().scalar.primitive.boolean = v
    except (TypeError, ValueError):
        _raise_first_error(values, r, engine, sink)


def _raise_first_error(values: list[Any], r: Resolved, engine: Engine, sink: Sink) -> None:
    """Find the element the fast loop stumbled on and raise the error the engine gives for it."""
    probe = literals_pb2.Literal()
    for i, v in enumerate(values):
        try:
            engine.write_with(r, v, sink, probe)
        except ConversionError as exc:
            raise exc.under(f"[{i}]") from None
        probe.Clear()
    raise ConversionError("Cannot encode the list")  # pragma: no cover - defensive


def _read_primitives(
    lits: Any, kind: str, r: Resolved, engine: Engine, sink: Sink
) -> list[Any]:
    out: list[Any] = []
    append = out.append
    i = 0
    try:
        if kind == "integer":
            for lit in lits:
                p = lit.scalar.primitive
                k = p.WhichOneof("value")
                if k == "integer":
                    append(p.integer)
                else:
                    append(engine.read_with(r, lit, sink))
                i += 1
        elif kind == "float_value":
            for lit in lits:
                p = lit.scalar.primitive
                k = p.WhichOneof("value")
                if k == "float_value":
                    append(p.float_value)
                else:
                    append(engine.read_with(r, lit, sink))
                i += 1
        elif kind == "string_value":
            for lit in lits:
                p = lit.scalar.primitive
                if p.WhichOneof("value") == "string_value":
                    append(p.string_value)
                else:
                    append(engine.read_with(r, lit, sink))
                i += 1
        else:
            for lit in lits:
                p = lit.scalar.primitive
                if p.WhichOneof("value") == "boolean":
                    append(p.boolean)
                else:
                    append(engine.read_with(r, lit, sink))
                i += 1
    except ConversionError as exc:
        raise exc.under(f"[{i}]") from None
    return out




# -- List -------------------------------------------------------------------------------------------------


def _bulk(r: Resolved, method: str) -> Any:
    """The element transformer's whole-list codec (e.g. dataclasses), when per-element extras don't apply."""
    if r.hasher is not None or r.annotation:
        return None
    return getattr(r.transformer, method, None)


def _has_none_or_tuple(values: list[Any]) -> bool:
    """Elements whose error wording only the per-element path reproduces exactly."""
    return any(v is None or type(v) is tuple for v in values)


def _list_arg(tp: Any) -> Any:
    return typing.get_args(tp)[0]


def _is_optional_int(r: Resolved) -> bool:
    """``Optional[int]`` / ``int | None`` elements without per-value extras: the union bulk codec applies."""
    return (
        r.annotation is None
        and r.hasher is None
        and r.transformer.name == "Typed Union"
        and typing.get_args(r.tp) == (int, type(None))
    )


class ListTransformer:
    """``List[T]``: a ``collection`` literal."""

    name = "Typed List"

    def handles(self, tp: Any) -> bool:
        return typing.get_origin(tp) is list and len(typing.get_args(tp)) == 1

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        lt = types_pb2.LiteralType()
        lt.collection_type.CopyFrom(engine.literal_type(_list_arg(tp)))
        return lt

    def write(self, value: Any, tp: Any, engine: Engine, sink: Sink, target: literals_pb2.Literal) -> None:
        if type(value) is not list:
            raise ConversionError("Expected a list")
        coll = target.collection
        coll.SetInParent()
        r = engine.resolve(_list_arg(tp))
        kind = _primitive_kind(r)
        if kind is not None:
            if len(value) >= _BULK_MIN:
                data = fastwire.encode_collection(value, kind)
                if data is not None:
                    coll.MergeFromString(data)
                    return
            _add_primitives(value, kind, coll, r, engine, sink)
            return
        if len(value) >= _BULK_MIN and _is_optional_int(r):
            data = fastwire.encode_optional_ints(value)
            if data is not None:
                coll.MergeFromString(data)
                return
        bulk_write = _bulk(r, "write_list")
        if bulk_write is not None and len(value) >= _BULK_MIN and not _has_none_or_tuple(value):
            target.ClearField("collection")
            bulk_write(value, r.tp, engine, sink, target)
            return
        add = coll.literals.add
        for i, v in enumerate(value):
            try:
                engine.write_with(r, v, sink, add())
            except ConversionError as exc:
                raise exc.under(f"[{i}]") from None

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        target = literals_pb2.Literal()
        self.write(value, tp, engine, sink, target)
        return target

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        kind = literal.WhichOneof("value")
        if kind != "collection":
            if _is_binary(literal):
                return _decode_binary(literal, tp)
            raise ConversionError(
                f"The expected python type is '{tp}' but the received Flyte literal value is not a collection "
                "(Flyte's representation of Python lists)."
            )
        lits = literal.collection.literals
        r = engine.resolve(_list_arg(tp))
        pkind = _primitive_kind(r)
        if pkind is not None:
            n = len(lits)
            if n >= _BULK_MIN:
                values = fastwire.decode_collection(literal.collection.SerializeToString(), n, pkind)
                if values is not None:
                    return values
            return _read_primitives(lits, pkind, r, engine, sink)
        if len(lits) >= _BULK_MIN and _is_optional_int(r):
            decoded = fastwire.decode_optional_ints(literal.collection.SerializeToString(), len(lits))
            if decoded is not None:
                return decoded
        bulk_read = _bulk(r, "to_python_list")
        if bulk_read is not None and len(lits) >= _BULK_MIN:
            return bulk_read(literal, r.tp, engine, sink)
        out = []
        for i, lit in enumerate(lits):
            try:
                out.append(engine.read_with(r, lit, sink))
            except ConversionError as exc:
                raise exc.under(f"[{i}]") from None
        return out


# -- Dict[str, T] -------------------------------------------------------------------------------------------


def _dict_value_type(tp: Any) -> Any:
    return typing.get_args(tp)[1]


class DictTransformer:
    """``Dict[str, T]``: a ``map`` literal."""

    name = "Typed Dict"

    def handles(self, tp: Any) -> bool:
        if typing.get_origin(tp) is not dict:
            return False
        args = typing.get_args(tp)
        return len(args) == 2 and args[0] is str

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        lt = types_pb2.LiteralType()
        lt.map_value_type.CopyFrom(engine.literal_type(_dict_value_type(tp)))
        return lt

    def write(self, value: Any, tp: Any, engine: Engine, sink: Sink, target: literals_pb2.Literal) -> None:
        if type(value) is not dict:
            raise ConversionError("Expected a dict")
        lmap = target.map
        lmap.SetInParent()
        for k in value:
            if type(k) is not str:
                raise ConversionError("Flyte MapType expects all keys to be strings", kind="ValueError")
        r = engine.resolve(_dict_value_type(tp))
        kind = _primitive_kind(r)
        if kind is not None and len(value) >= _BULK_MIN:
            data = fastwire.encode_map(value, kind)
            if data is not None:
                lmap.MergeFromString(data)
                return
        literals = lmap.literals
        write: Callable[[Resolved, Any, Sink, literals_pb2.Literal], None] = engine.write_with
        for k, v in value.items():
            try:
                write(r, v, sink, literals[k])
            except ConversionError as exc:
                raise exc.under(key_segment(k)) from None
            except ValueError as exc:  # a key protobuf cannot encode (lone surrogate)
                raise ConversionError(str(exc), kind=type(exc).__name__) from None

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        target = literals_pb2.Literal()
        self.write(value, tp, engine, sink, target)
        return target

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        kind = literal.WhichOneof("value")
        if kind != "map":
            if _is_binary(literal):
                return _decode_binary(literal, tp)
            if kind == "scalar" and literal.scalar.WhichOneof("value") == "generic":
                return self._from_struct(literal, tp)
            raise ConversionError(f"Cannot convert from {idl_text(literal)} to {tp}")
        literals = literal.map.literals
        r = engine.resolve(_dict_value_type(tp))
        pkind = _primitive_kind(r)
        n = len(literals)
        if pkind is not None and n >= _BULK_MIN:
            values = fastwire.decode_map(literal.map.SerializeToString(), n, pkind)
            if values is not None:
                return values
        out = {}
        read = engine.read_with
        for k, lit in literals.items():
            try:
                out[k] = read(r, lit, sink)
            except ConversionError as exc:
                raise exc.under(key_segment(k)) from None
        return out

    @staticmethod
    def _from_struct(literal: literals_pb2.Literal, tp: Any) -> Any:
        if literal.metadata.get("format") == "pickle":
            raise ConversionError(f"Cannot convert a pickled dict to {tp}: pickle-format dicts are not supported")
        from flyte_entrypoint.core.type_engine.builtin_codec import from_builtins
        from flyte_entrypoint.core.type_engine.msgpack_wire import struct_to_python

        try:
            return from_builtins(struct_to_python(literal.scalar.generic), tp)
        except ConversionError:
            raise
        except Exception:
            raise ConversionError(f"Cannot convert from {idl_text(literal)} to {tp}") from None


LIST = ListTransformer()
DICT = DictTransformer()
