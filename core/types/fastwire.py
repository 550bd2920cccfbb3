"""Bulk wire codecs for lists and ``Dict[str, ...]`` of ``int``/``float``/``str``/``bool``.

Why: building or reading a million ``Literal`` messages one by one through protobuf's python API costs about
a microsecond each (three wrapper objects per element).  These codecs work on the serialized bytes instead,
with C-level primitives only (``bytes``/``bytearray`` slicing, ``re``, ``array``, ``map``) and private
"shadow" messages whose fields are ``repeated bytes``/``repeated int64``.

Contract: every function returns ``None`` when it is not applicable (a value of the wrong type, an element
that is not exactly ``scalar { primitive { <kind> } }``, an unusual encoding...).  The caller then takes the
per-element path, which produces the same result or the proper error.  When a function does return, its
result is exactly what the per-element path gives:

* encoders produce the canonical serialization of ``LiteralCollection``/``LiteralMap`` (the same bytes
  protobuf writes for the same messages), which the caller parses into the target literal;
* decoders check that the serialized collection is a tiling of records of the one canonical shape
  ``Literal{scalar{primitive{<kind>}}}`` with consistent length prefixes before reading anything, so an
  element holding anything else (a union, a hash, a float among ints) sends the caller to the slow path.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterator, Sequence
from itertools import chain, repeat
from operator import getitem
from typing import Any, Final

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

__all__ = [
    "KINDS",
    "decode_collection",
    "decode_map",
    "encode_collection",
    "encode_map",
]

KINDS: Final = ("integer", "float_value", "string_value", "boolean")

_LITTLE_ENDIAN: Final = array("H", [1]).tobytes()[0] == 1


def _build_shadows() -> tuple[Any, ...]:
    """Private message classes with the field numbers of LiteralCollection/Literal/Scalar/Primitive/LiteralMap entries."""
    fd = descriptor_pb2.FileDescriptorProto(
        name="flyte_entrypoint/fastwire_shadow.proto", package="flyte_entrypoint.fastwire", syntax="proto2"
    )
    f = descriptor_pb2.FieldDescriptorProto
    items = fd.message_type.add(name="Items")
    items.field.add(name="items", number=1, type=f.TYPE_BYTES, label=f.LABEL_REPEATED)
    prims = fd.message_type.add(name="Prims")
    for number, name, typ in (
        (1, "integer", f.TYPE_INT64),
        (2, "float_value", f.TYPE_DOUBLE),
        (3, "string_value", f.TYPE_BYTES),
        (4, "boolean", f.TYPE_BOOL),
        (5, "datetime", f.TYPE_BYTES),
        (6, "duration", f.TYPE_BYTES),
    ):
        prims.field.add(name=name, number=number, type=typ, label=f.LABEL_REPEATED)
    entries = fd.message_type.add(name="EntryFields")
    entries.field.add(name="key", number=1, type=f.TYPE_BYTES, label=f.LABEL_REPEATED)
    entries.field.add(name="value", number=2, type=f.TYPE_BYTES, label=f.LABEL_REPEATED)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    get = message_factory.GetMessageClass
    return tuple(
        get(pool.FindMessageTypeByName(f"flyte_entrypoint.fastwire.{name}"))
        for name in ("Items", "Prims", "EntryFields")
    )


_Items, _Prims, _EntryFields = _build_shadows()


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        low = n & 0x7F
        n >>= 7
        if n:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


_SHORT: Final = [bytes([n]) for n in range(128)]


def _frame(payload_len: int) -> bytes:
    """Tag of field 1 (length-delimited) plus the length prefix."""
    return b"\x0a" + _varint(payload_len)


def _homogeneous(values: Sequence[Any], cls: type) -> bool:
    return len(values) > 0 and set(map(type, values)) == {cls}


# -- fixed-size records: float and bool -------------------------------------------------------------------

# A collection record is  0a <lit len> | 0a <scalar len> | 0a <prim len> | <tag> <payload>
_FLOAT_HEAD: Final = bytes((0x0A, 13, 0x0A, 11, 0x0A, 9, 0x11))
_BOOL_HEAD: Final = bytes((0x0A, 6, 0x0A, 4, 0x0A, 2, 0x20))


def _fill_heads(out: bytearray, head: bytes, size: int, n: int) -> None:
    for k, b in enumerate(head):
        out[k::size] = bytes((b,)) * n


def _heads_ok(data: bytes, head: bytes, size: int, n: int) -> bool:
    return len(data) == size * n and all(data[k::size] == bytes((b,)) * n for k, b in enumerate(head))


def _encode_floats(values: Sequence[Any]) -> bytes | None:
    if not _homogeneous(values, float):
        return None
    n = len(values)
    arr = array("d", values)
    if not _LITTLE_ENDIAN:
        arr.byteswap()
    raw = arr.tobytes()
    out = bytearray(15 * n)
    _fill_heads(out, _FLOAT_HEAD, 15, n)
    for k in range(8):
        out[7 + k :: 15] = raw[k::8]
    return bytes(out)


def _decode_floats(data: bytes, n: int) -> list[Any] | None:
    if not _heads_ok(data, _FLOAT_HEAD, 15, n):
        return None
    raw = bytearray(8 * n)
    for k in range(8):
        raw[k::8] = data[7 + k :: 15]
    arr = array("d")
    arr.frombytes(raw)
    if not _LITTLE_ENDIAN:
        arr.byteswap()
    return arr.tolist()


def _encode_bools(values: Sequence[Any]) -> bytes | None:
    if not _homogeneous(values, bool):
        return None
    n = len(values)
    out = bytearray(8 * n)
    _fill_heads(out, _BOOL_HEAD, 8, n)
    out[7::8] = bytes(values)
    return bytes(out)


def _decode_bools(data: bytes, n: int) -> list[Any] | None:
    if not _heads_ok(data, _BOOL_HEAD, 8, n):
        return None
    flags = data[7::8]
    if flags.translate(None, b"\x00\x01"):
        return None
    return list(map(bool, flags))


# -- ints: varint payloads ---------------------------------------------------------------------------------

# m = length of the primitive (tag byte + varint of 1..10 bytes)
_INT_HEADS: Final = {m: bytes((0x0A, m + 4, 0x0A, m + 2, 0x0A, m)) for m in range(2, 12)}
_INT_PIECE: Final = re.compile(rb"\x08[\x80-\xff]*[\x00-\x7f]")
_INT_RECORD: Final = re.compile(
    b"|".join(
        re.escape(_INT_HEADS[m] + b"\x08") + b"[\\x80-\\xff]{%d}[\\x00-\\x7f]" % (m - 2) for m in range(2, 12)
    )
)
_AFTER_HEAD: Final = slice(6, None)


def _encode_ints(values: Sequence[Any]) -> bytes | None:
    if not _homogeneous(values, int):
        return None
    prims = _Prims()
    try:
        prims.integer.extend(values)
    except (ValueError, TypeError):  # outside int64
        return None
    pieces = _INT_PIECE.findall(prims.SerializeToString())
    if len(pieces) != len(values):
        return None
    return b"".join(chain.from_iterable(zip(map(_INT_HEADS.__getitem__, map(len, pieces)), pieces)))


def _decode_ints(data: bytes, n: int) -> list[Any] | None:
    records = _INT_RECORD.findall(data)
    if len(records) != n or sum(map(len, records)) != len(data):
        return None
    prims = _Prims.FromString(b"".join(map(getitem, records, repeat(_AFTER_HEAD))))
    values = list(prims.integer)
    return values if len(values) == n else None


# -- strings: length-prefixed payloads ----------------------------------------------------------------------


def _str_head(size: int) -> bytes:
    """The record head (collection framing included) for a UTF-8 payload of ``size`` bytes."""
    prim = 1 + len(_varint(size)) + size
    scalar = 1 + len(_varint(prim)) + prim
    lit = 1 + len(_varint(scalar)) + scalar
    return _frame(lit) + _frame(scalar) + _frame(prim) + b"\x1a" + _varint(size)


def _encode_strs(values: Sequence[Any]) -> bytes | None:
    if not _homogeneous(values, str):
        return None
    try:
        payloads = list(map(str.encode, values))
    except UnicodeEncodeError:
        return None
    sizes = list(map(len, payloads))
    heads = {size: _str_head(size) for size in set(sizes)}
    return b"".join(chain.from_iterable(zip(map(heads.__getitem__, sizes), payloads)))


def _unframe(total: int) -> int | None:
    """The payload length ``p`` with ``1 + len(varint(p)) + p == total``, if there is one."""
    for k in range(1, 6):
        p = total - 1 - k
        if p >= 0 and len(_varint(p)) == k:
            return p
    return None


def _literal_str_head(total: int) -> bytes | None:
    """The head of a ``Literal`` of ``total`` bytes that holds exactly one string primitive, if possible."""
    scalar = _unframe(total)
    prim = _unframe(scalar) if scalar is not None else None
    size = _unframe(prim) if prim is not None else None
    if scalar is None or prim is None or size is None:
        return None
    return _frame(scalar) + _frame(prim) + b"\x1a" + _varint(size)


def _decode_strs(data: bytes, n: int) -> list[Any] | None:
    elements = list(_Items.FromString(data).items)
    if len(elements) != n:
        return None
    sizes = list(map(len, elements))
    heads: dict[int, bytes] = {}
    for total in set(sizes):
        head = _literal_str_head(total)
        if head is None:
            return None
        heads[total] = head
    cut = {total: slice(0, len(h)) for total, h in heads.items()}
    if list(map(getitem, elements, map(cut.__getitem__, sizes))) != list(map(heads.__getitem__, sizes)):
        return None
    rest = {total: slice(len(h), None) for total, h in heads.items()}
    payloads: Iterator[bytes] = map(getitem, elements, map(rest.__getitem__, sizes))
    try:
        return list(map(bytes.decode, payloads))
    except UnicodeDecodeError:
        return None


_ENCODERS: Final[dict[str, Callable[[Sequence[Any]], bytes | None]]] = {
    "integer": _encode_ints,
    "float_value": _encode_floats,
    "string_value": _encode_strs,
    "boolean": _encode_bools,
}
_DECODERS: Final[dict[str, Callable[[bytes, int], list[Any] | None]]] = {
    "integer": _decode_ints,
    "float_value": _decode_floats,
    "string_value": _decode_strs,
    "boolean": _decode_bools,
}


def encode_collection(values: Sequence[Any], kind: str) -> bytes | None:
    """The serialized ``LiteralCollection`` of ``values`` (all of the exact python type for ``kind``), or None."""
    return _ENCODERS[kind](values)


def decode_collection(data: bytes, n: int, kind: str) -> list[Any] | None:
    """The values of a serialized ``LiteralCollection`` of ``n`` canonical ``kind`` primitives, or None."""
    if n == 0:
        return None
    return _DECODERS[kind](data, n)


def encode_map(value: dict[Any, Any], kind: str) -> bytes | None:
    """The serialized ``LiteralMap`` of a ``dict`` with str keys and values of the exact type for ``kind``."""
    keys = list(value)
    if not _homogeneous(keys, str):
        return None
    framed = _ENCODERS[kind](list(value.values()))
    if framed is None:
        return None
    literals = list(_Items.FromString(framed).items)
    try:
        encoded_keys = [k.encode("utf-8") for k in keys]
    except UnicodeEncodeError:
        return None
    if max(map(len, encoded_keys), default=0) < 128 and max(map(len, literals), default=0) < 128:
        entries = [
            b"\x0a" + _SHORT[len(k)] + k + b"\x12" + _SHORT[len(v)] + v
            for k, v in zip(encoded_keys, literals)
        ]
    else:
        entries = [
            b"\x0a" + _varint(len(k)) + k + b"\x12" + _varint(len(v)) + v
            for k, v in zip(encoded_keys, literals)
        ]
    data: bytes = _Items(items=entries).SerializeToString()
    return data


def _entry_sizes(key_lens: list[int], value_lens: list[int]) -> list[int]:
    """Serialized size of each map entry ``0a <key> 12 <value>``."""
    if max(key_lens) < 128 and max(value_lens) < 128:
        return [k + v + 4 for k, v in zip(key_lens, value_lens)]
    return [2 + len(_varint(k)) + k + len(_varint(v)) + v for k, v in zip(key_lens, value_lens)]


def _decode_keys(keys: list[bytes]) -> list[str] | None:
    joined = b"\x00".join(keys)
    try:
        if joined.count(b"\x00") == len(keys) - 1:
            return joined.decode().split("\x00")
        return list(map(bytes.decode, keys))
    except UnicodeDecodeError:
        return None


def decode_map(data: bytes, n: int, kind: str) -> dict[str, Any] | None:
    """The ``{key: value}`` of a serialized ``LiteralMap`` of ``n`` canonical ``kind`` primitives, or None.

    The map entries are read in wire order without building a protobuf map (hashing every key is what
    makes parsing maps slow): all entries concatenated parse as one message with ``repeated key`` and
    ``repeated value``; the per-entry sizes prove each entry is exactly ``key`` then ``value``.
    """
    if n == 0:
        return None
    entries = list(_Items.FromString(data).items)
    fields = _EntryFields.FromString(b"".join(entries))
    keys = list(fields.key)
    literals = list(fields.value)
    if len(entries) != n or len(keys) != n or len(literals) != n:
        return None
    if list(map(len, entries)) != _entry_sizes(list(map(len, keys)), list(map(len, literals))):
        return None
    if set(map(getitem, entries, repeat(0))) != {0x0A}:
        return None
    values = _DECODERS[kind](_Items(items=literals).SerializeToString(), n)
    names = _decode_keys(keys)
    if values is None or names is None:
        return None
    return dict(zip(names, values))
