"""msgpack and protobuf wire framing for the msgpack transformers: packing (naming the leaf msgpack refused),
compiled per-type msgpack writers/readers, the ``binary``/``generic`` Struct literals and a collection of msgpack
binaries framed as bytes directly (varints from :mod:`varint`).

Laws:

* ``collection_of_binaries(payloads)`` is protobuf's serialization of the collection of ``binary`` msgpack
  literals (``property_tests/test_wire_laws.py::test_collection_of_binaries_is_protobufs_serialization``);
* a written value reads back: ``decode_msgpack(encode_msgpack(v, tp), tp) == v``, and the bytes are plain msgpack
  of the codec's builtins (``property_tests/test_struct_laws.py``: ``test_round_trip``,
  ``test_encoding_is_plain_msgpack_of_the_builtins``, ``test_untyped_dict_round_trip``);
* totality: any payload, garbage included, decodes to a value or a ``ConversionError``
  (``property_tests/test_struct_laws.py::test_garbage_payloads_give_conversion_errors_only``).
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable
from typing import Any, Final

import msgpack
from flyteidl.core import literals_pb2, types_pb2
from google.protobuf import json_format, struct_pb2

from flyte_entrypoint.core.type_engine.builtin_codec import _MSGPACK_DIALECT, codec_for, from_builtins
from flyte_entrypoint.core.type_engine.codec_errors import (
    _At,
    _conversion_error,
    _segment_for_key,
    _short_repr,
)
from flyte_entrypoint.core.type_engine.engine import ConversionError
from flyte_entrypoint.core.type_engine.leaf_codecs import Conversion
from flyte_entrypoint.core.type_engine.type_shapes import (
    Fn,
    _is_dataclass_type,
    _optional_arg,
    _type_name,
    container_kind,
    field_hints,
    is_union,
    strip_type,
)
from flyte_entrypoint.core.type_engine.varint import SMALL_VARINTS as _SMALL_VARINTS
from flyte_entrypoint.core.type_engine.varint import varint as _varint

MSGPACK: Final = "msgpack"
CACHE_KEY_METADATA: Final = "cache-key-metadata"
SERIALIZATION_FORMAT: Final = "serialization-format"


def _packer() -> Any:
    """A new ``msgpack.Packer(use_bin_type=True)`` (what mashumaro's encoder calls ``packb`` with).

    One per call (or per list, in the bulk paths), never shared: a packer is a buffer, and making one costs
    less than a tenth of a microsecond more than reusing one (measured), without any per-thread state.
    """
    return msgpack.Packer(use_bin_type=True)


def _child_type(tp: Any, kind: str, key: Any = None) -> Any:
    """The declared type of an item inside ``tp``: ``kind`` is ``field``, ``item`` (index ``key``), ``key``, ``value``;
    ``self`` is ``tp`` itself (an ``Optional``'s non-None member)."""
    tp = strip_type(tp)
    if is_union(tp):
        opt = _optional_arg(tp)
        if opt is None:
            return Any
        tp = strip_type(opt)
    if kind == "self":
        return tp
    args = typing.get_args(tp)
    if kind == "field":
        return field_hints(tp).get(key, Any) if _is_dataclass_type(tp) else Any
    container = container_kind(tp)
    if kind == "item" and container in ("list", "set", "frozenset", "tuple"):
        if container == "tuple" and args and not (len(args) == 2 and args[1] is Ellipsis):
            return args[key] if isinstance(key, int) and key < len(args) else Any
        return args[0] if args else Any
    if kind in ("key", "value") and container == "dict" and len(args) == 2:
        return args[0] if kind == "key" else args[1]
    return Any


def _find_unpackable(
    obj: Any, tp: Any, path: tuple[str, ...] = ()
) -> tuple[tuple[str, ...], Any, Any] | None:
    """Where in a builtins tree msgpack gave up: (path, leaf, declared type) of the first leaf it cannot pack."""
    if obj is None or isinstance(obj, (bool, int, float, str, bytes, bytearray, memoryview)):
        if isinstance(obj, int) and not isinstance(obj, bool) and not -(2**63) <= obj < 2**64:
            return path, obj, tp
        return None
    if isinstance(obj, (list, tuple)):
        for i, x in enumerate(obj):
            found = _find_unpackable(x, _child_type(tp, "item", i), (*path, f"[{i}]"))
            if found is not None:
                return found
        return None
    if isinstance(obj, dict):
        is_dc = _is_dataclass_type(_child_type(tp, "self"))
        for k, x in obj.items():
            if not is_dc:
                key_found = _find_unpackable(k, _child_type(tp, "key"), (*path, f"<key {k!r}>"))
                if key_found is not None:
                    return key_found
            if is_dc:
                segment, child = f".{k}", _child_type(tp, "field", k)
            else:
                segment, child = _segment_for_key(k), _child_type(tp, "value")
            found = _find_unpackable(x, child, (*path, segment))
            if found is not None:
                return found
        return None
    return path, obj, tp


def _pack(obj: Any, tp: Any) -> bytes:
    try:
        return typing.cast(bytes, _packer().pack(obj))
    except Exception as exc:  # TypeError (unknown type), OverflowError (int too big), ValueError (too deep)
        found = _find_unpackable(obj, tp)
        path, leaf, expected = found if found is not None else ((), obj, tp)
        if expected is Any:
            expected = "a msgpack-encodable value"
        raise _conversion_error("encode", tp, _At(path, expected, leaf, exc)) from None


def _unpack(data: bytes, tp: Any) -> Any:
    try:
        return msgpack.unpackb(data, strict_map_key=False)
    except Exception as exc:
        raise ConversionError(
            f"Cannot decode {_type_name(tp)}: corrupt msgpack payload ({len(data)} bytes): "
            f"{type(exc).__name__}: {exc}"
        ) from None


def msgpack_writer(tp: Any, conversion: Conversion | None = None) -> Callable[[Any], bytes]:
    """A compiled ``value -> msgpack bytes`` for ``tp`` (cached per type, in the codec of ``conversion``: the
    engine and sink FlyteFile-like fields need); raises ``ConversionError``."""
    codec = codec_for(_MSGPACK_DIALECT, conversion)
    try:
        return codec.writers[tp]
    except KeyError:
        write = codec.writers[tp] = _compile_writer(codec.encoder(tp), tp)
        return write
    except TypeError:  # an unhashable annotation: compiled every time, never cached
        return _compile_writer(codec.encoder(tp), tp)


def _compile_writer(step: Fn | None, tp: Any) -> Callable[[Any], bytes]:
    new_packer = _packer

    def write(value: Any) -> bytes:
        try:
            obj = value if step is None else step(value)
        except _At as at:
            raise _conversion_error("encode", tp, at) from None
        try:
            packed: bytes = new_packer().pack(obj)
            return packed
        except Exception:  # a value msgpack cannot pack (named by _pack)
            return _pack(obj, tp)

    return write


def msgpack_reader(tp: Any, conversion: Conversion | None = None) -> Callable[[bytes], Any]:
    """A compiled ``msgpack bytes -> value`` for ``tp`` with mashumaro's coercions (cached like
    :func:`msgpack_writer`); raises ``ConversionError``."""
    codec = codec_for(_MSGPACK_DIALECT, conversion)
    try:
        return codec.readers[tp]
    except KeyError:
        read = codec.readers[tp] = _compile_reader(codec.decoder(tp), tp)
        return read
    except TypeError:  # an unhashable annotation: compiled every time, never cached
        return _compile_reader(codec.decoder(tp), tp)


def _compile_reader(step: Fn | None, tp: Any) -> Callable[[bytes], Any]:
    unpackb = msgpack.unpackb

    def read(data: bytes) -> Any:
        try:
            obj = unpackb(data, strict_map_key=False)
        except Exception:
            return _unpack(data, tp)  # raises the ConversionError
        if step is None:
            return obj
        try:
            return step(obj)
        except _At as at:
            raise _conversion_error("decode", tp, at) from None
        except Exception as exc:  # a bare step (int, Color, ...) at the top level
            raise _conversion_error("decode", tp, _At((), tp, obj, exc)) from None

    return read


def encode_msgpack(value: Any, tp: Any, conversion: Conversion | None = None) -> bytes:
    """The msgpack bytes flytekit writes for ``value`` declared as ``tp`` (a dataclass, a dict type, ...)."""
    return msgpack_writer(tp, conversion)(value)


def decode_msgpack(data: bytes, tp: Any, conversion: Conversion | None = None) -> Any:
    """Decode msgpack bytes into ``tp`` with mashumaro's coercions."""
    return msgpack_reader(tp, conversion)(data)


def _binary_literal(data: bytes) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    binary = lit.scalar.binary
    binary.value = data
    binary.tag = MSGPACK
    return lit


_BINARY_TAIL: Final = b"\x12\x07" + MSGPACK.encode()  # Binary.tag (field 2) = "msgpack"


def _framed_binary_literal(data: bytes) -> bytes:
    """``LiteralCollection.literals`` entry (field 1) holding ``Literal{scalar{binary{value, tag}}}``, serialized.

    Wire layout: Literal.scalar = field 1, Scalar.binary = field 3, Binary.value = 1, Binary.tag = 2.
    """
    small = _SMALL_VARINTS
    n = len(data)
    binary_len = 1 + len(small[n] if n < 16384 else _varint(n)) + n + len(_BINARY_TAIL)
    scalar_len = 1 + len(small[binary_len] if binary_len < 16384 else _varint(binary_len)) + binary_len
    literal_len = 1 + len(small[scalar_len] if scalar_len < 16384 else _varint(scalar_len)) + scalar_len
    if literal_len < 16384:
        return b"".join(
            (
                b"\x0a",
                small[literal_len],
                b"\x0a",
                small[scalar_len],
                b"\x1a",
                small[binary_len],
                b"\x0a",
                small[n] if n < 16384 else _varint(n),
                data,
                _BINARY_TAIL,
            )
        )
    return b"".join(
        (
            b"\x0a",
            _varint(literal_len),
            b"\x0a",
            _varint(scalar_len),
            b"\x1a",
            _varint(binary_len),
            b"\x0a",
            _varint(n),
            data,
            _BINARY_TAIL,
        )
    )


def _struct_literal(obj: Any, tp: Any, metadata: dict[str, str] | None = None) -> literals_pb2.Literal:
    """flytekit's old format: ``json_format.Parse(json.dumps(obj), Struct())``."""
    try:
        text = json.dumps(obj)
    except (TypeError, ValueError) as exc:
        raise ConversionError(
            f"Cannot encode {_type_name(tp)} as JSON (old dataclass format): {exc}"
        ) from None
    lit = literals_pb2.Literal()
    try:
        json_format.Parse(text, lit.scalar.generic)
    except json_format.ParseError as exc:
        raise ConversionError(f"Cannot encode {_type_name(tp)} as a Struct: {exc}") from None
    if metadata:
        lit.metadata.update(metadata)
    return lit


def _value_to_python(v: struct_pb2.Value) -> Any:
    kind = v.WhichOneof("kind")
    if kind == "number_value":
        return v.number_value
    if kind == "string_value":
        return v.string_value
    if kind == "bool_value":
        return v.bool_value
    if kind == "struct_value":
        return struct_to_python(v.struct_value)
    if kind == "list_value":
        return [_value_to_python(x) for x in v.list_value.values]
    return None


def struct_to_python(s: struct_pb2.Struct) -> dict[str, Any]:
    """A Struct as JSON would read it (``json.loads(MessageToJson(s))``): every number is a float."""
    return {k: _value_to_python(v) for k, v in s.fields.items()}


def msgpack_annotation() -> types_pb2.TypeAnnotation:
    ann = types_pb2.TypeAnnotation()
    ann.annotations.update({CACHE_KEY_METADATA: {SERIALIZATION_FORMAT: MSGPACK}})
    return ann


def _struct_literal_type() -> types_pb2.LiteralType:
    lt = types_pb2.LiteralType(simple=types_pb2.STRUCT)
    lt.annotation.CopyFrom(msgpack_annotation())
    return lt


def _copy(lt: types_pb2.LiteralType) -> types_pb2.LiteralType:
    out = types_pb2.LiteralType()
    out.CopyFrom(lt)
    return out


def is_msgpack_literal(literal: literals_pb2.Literal) -> bool:
    """Is this ``scalar { binary { ... } }`` (any tag)? Transformers route such literals to the helper below."""
    return bool(literal.HasField("scalar") and literal.scalar.HasField("binary"))


_SIMPLE_EXACT: Final = (int, float, str, bool)


def decode_msgpack_literal(literal: literals_pb2.Literal, tp: Any, conversion: Conversion | None = None) -> Any:
    """Decode a ``binary`` msgpack literal into declared type ``tp`` the way flytekit 1.16 does.

    This is how propeller passes dataclass attribute-access results (``dc.xs``, ``dc.n``) to the next task.

    * ``int``/``float``/``str``/``bool``: the plain msgpack value, whose python type must match **exactly**
      (an int for ``float`` is refused, as in flytekit's SimpleTransformer).
    * ``datetime``/``date``/``timedelta``: from the ISO string / float seconds mashumaro wrote.
    * everything else (``List[...]``, ``Dict[...]``, dataclasses, ``dict``, ``Optional[...]``...): mashumaro-style
      decoding with coercions, like flytekit's ``TypeTransformer.from_binary_idl``.

    Raises ``ConversionError`` for another tag, a corrupt payload, or a value that does not fit.
    """
    binary = literal.scalar.binary
    if binary.tag != MSGPACK:
        raise ConversionError(f"Cannot decode {_type_name(tp)}: unsupported binary format {binary.tag!r}")
    obj = _unpack(binary.value, tp)
    base = strip_type(tp)
    if base in _SIMPLE_EXACT:
        if type(obj) is not base:
            raise ConversionError(
                f"Cannot decode {_type_name(tp)}: the msgpack value {_short_repr(obj)} is a "
                f"{type(obj).__name__}, expected exactly {base.__name__}"
            )
        return obj
    return from_builtins(obj, tp, conversion=conversion)


def _at_index(exc: ConversionError, index: int) -> ConversionError:
    return exc.under(f"[{index}]")


def _literal_kind(literal: literals_pb2.Literal) -> str:
    kind = literal.WhichOneof("value")
    if kind == "scalar":
        return str(literal.scalar.WhichOneof("value"))
    return str(kind)


# ---- the machinery other msgpack transformers reuse (pydantic models: pydantic_model.py) -------------------


def pack_builtins(obj: Any, tp: Any) -> bytes:
    """msgpack bytes of a builtins tree (``use_bin_type``), with the failing leaf named on error."""
    try:
        packed: bytes = _packer().pack(obj)
        return packed
    except Exception:
        return _pack(obj, tp)


def binary_literal(data: bytes) -> literals_pb2.Literal:
    """``scalar { binary { value: data tag: "msgpack" } }``."""
    return _binary_literal(data)


def collection_of_binaries(payloads: list[bytes]) -> bytes:
    """A serialized ``Literal { collection { literals: [binary msgpack ...] } }`` built from the payloads directly."""
    body = b"".join(_framed_binary_literal(p) for p in payloads)
    return b"\x12" + _varint(len(body)) + body


def struct_literal(obj: Any, tp: Any) -> literals_pb2.Literal:
    """flytekit's old (``FLYTE_USE_OLD_DC_FORMAT``) encoding: the JSON-able ``obj`` as a ``generic`` Struct."""
    return _struct_literal(obj, tp)


def struct_literal_type() -> types_pb2.LiteralType:
    """``simple: STRUCT`` with the msgpack cache-key annotation (dataclasses, dicts, pydantic models)."""
    return _struct_literal_type()
