"""The bulk wire codecs (``core/type_engine/fastwire.py``) at their edges, with protobuf as the reference.

The contract (fastwire's docstring): an encoder returns protobuf's own serialization of the collection/map
(deterministic: map entries in key order) or None when it does not apply; a decoder returns exactly the
values protobuf parses or None for anything that is not the canonical record shape. These tests pin the
edges the generated laws (``property_tests/test_map_codec_laws.py``, ``test_optional_list_codec_laws.py``,
``test_type_engine_laws.py``, ``test_wire_laws.py``) rarely draw: empty inputs, exact-type checks, length
prefixes of one, two and three bytes, the limits of the fixed-size map layout, and malformed maps.
"""

from __future__ import annotations

from typing import Any

import pytest
from flyteidl.core import literals_pb2, types_pb2
from google.protobuf.message import DecodeError

from flyte_entrypoint.core.type_engine import fastwire
from flyte_entrypoint.testing import same_value

KINDS = {"integer": 7, "float_value": 0.5, "string_value": "s", "boolean": True}


def collection(values: list[Any], kind: str) -> bytes:
    coll = literals_pb2.LiteralCollection()
    for v in values:
        setattr(coll.literals.add().scalar.primitive, kind, v)
    return coll.SerializeToString()


def literal_map(value: dict[str, Any], kind: str) -> literals_pb2.LiteralMap:
    lm = literals_pb2.LiteralMap()
    for k, v in value.items():
        setattr(lm.literals[k].scalar.primitive, kind, v)
    return lm


@pytest.mark.parametrize("kind", list(KINDS))
def test_empty_inputs_are_declined(kind: str) -> None:
    """Nothing to gain: the caller writes or reads an empty collection/map itself."""
    assert fastwire.encode_collection([], kind) is None
    assert fastwire.encode_map({}, kind) is None
    assert fastwire.decode_collection(b"", None, kind) is None
    assert fastwire.decode_map(b"", None, kind) is None
    one = collection([KINDS[kind]], kind)
    assert fastwire.decode_collection(one, 0, kind) is None
    assert fastwire.decode_map(literal_map({"k": KINDS[kind]}, kind).SerializeToString(), 0, kind) is None


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        ("integer", [1, True]),
        ("integer", [1, 2.0]),
        ("integer", [2**63]),
        ("integer", [-(2**63) - 1]),
        ("float_value", [1.0, 2]),
        ("boolean", [True, 1]),
        ("string_value", ["a", b"b"]),
        ("string_value", ["\ud800"]),  # a lone surrogate cannot be UTF-8
    ],
)
def test_values_not_all_of_the_exact_type_are_declined(kind: str, values: list[Any]) -> None:
    assert fastwire.encode_collection(values, kind) is None
    assert fastwire.encode_map({f"k{i}": v for i, v in enumerate(values)}, kind) is None


def test_int64_limits_are_encoded() -> None:
    values = [-(2**63), 2**63 - 1, 0, -1, 1]
    data = fastwire.encode_collection(values, "integer")
    assert data == collection(values, "integer")
    assert fastwire.decode_collection(data, None, "integer") == values


@pytest.mark.parametrize("size", [0, 1, 127, 128, 16383, 16384, 70000])
def test_strings_of_every_length_prefix_size(size: int) -> None:
    values = ["x" * size, "é" * (size // 2), "y"]
    data = fastwire.encode_collection(values, "string_value")
    assert data == collection(values, "string_value")
    assert fastwire.decode_collection(data, len(values), "string_value") == values
    as_map = {f"k{i}": v for i, v in enumerate(values)}
    encoded = fastwire.encode_map(as_map, "string_value")
    assert encoded == literal_map(as_map, "string_value").SerializeToString(deterministic=True)
    assert fastwire.decode_map(encoded, None, "string_value") == as_map


@pytest.mark.parametrize("kind", ["integer", "float_value", "boolean"])
@pytest.mark.parametrize("key_size", [1, 100, 109, 110, 111, 112, 116, 117, 118, 119, 127, 128, 200, 20000])
def test_map_keys_of_every_length(kind: str, key_size: int) -> None:
    """Entries of fixed-size values with keys of one length are built column by column while every length
    prefix fits one byte (an entry under 128 bytes); past that, and for mixed lengths, entry by entry."""
    value = {c * key_size: KINDS[kind] for c in "abc"}
    expected = literal_map(value, kind).SerializeToString(deterministic=True)
    assert fastwire.encode_map(value, kind) == expected
    for n in (None, 3):
        decoded = fastwire.decode_map(expected, n, kind)
        assert decoded is not None and same_value(decoded, value)
    mixed = {**value, "z": KINDS[kind]}
    assert fastwire.encode_map(mixed, kind) == literal_map(mixed, kind).SerializeToString(deterministic=True)


@pytest.mark.parametrize("kind", ["float_value", "boolean"])
def test_non_ascii_keys_of_one_length(kind: str) -> None:
    value = {"é" + str(i): KINDS[kind] for i in range(5)}
    encoded = fastwire.encode_map(value, kind)
    assert encoded == literal_map(value, kind).SerializeToString(deterministic=True)
    decoded = fastwire.decode_map(encoded, len(value), kind)
    assert decoded is not None and same_value(decoded, value)


def test_maps_are_written_in_key_order_whatever_the_dict_order() -> None:
    value = {"b": 2, "a": 1, "c": 3}
    assert fastwire.encode_map(value, "integer") == literal_map(value, "integer").SerializeToString(deterministic=True)
    assert fastwire.encode_map({1: 2}, "integer") is None  # only str keys


@pytest.mark.parametrize("flag", [2, 0x58, 0x7F])
def test_bools_other_than_0_and_1_are_left_to_protobuf(flag: int) -> None:
    """A bool written as 2 is ``True`` to protobuf, but not the canonical record: the codec declines."""
    data = bytearray(collection([True, False], "boolean"))
    assert data[7] == 1
    data[7] = flag
    assert fastwire.decode_collection(bytes(data), 2, "boolean") is None
    lm = bytearray(literal_map({"k": True}, "boolean").SerializeToString())
    assert lm[-1] == 1
    lm[-1] = flag
    assert fastwire.decode_map(bytes(lm), 1, "boolean") is None


def test_repeated_keys_are_left_to_protobuf() -> None:
    one = literal_map({"k": 1.0}, "float_value").SerializeToString()
    two = literal_map({"k": 2.0}, "float_value").SerializeToString()
    assert fastwire.decode_map(one + two, 2, "float_value") is None
    assert fastwire.decode_map(one + two, None, "float_value") is None
    s1 = literal_map({"k": "x"}, "string_value").SerializeToString()
    assert fastwire.decode_map(s1 + s1, None, "string_value") is None


def _entry(payload: bytes) -> bytes:
    return b"\x0a" + bytes([len(payload)]) + payload


LITERAL = literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=1)))
VALUE = b"\x12" + bytes([LITERAL.ByteSize()]) + LITERAL.SerializeToString()


@pytest.mark.parametrize(
    "data",
    [
        b"\x12\x00",  # not field 1 at the top level
        _entry(VALUE),  # no key
        _entry(VALUE + b"\x0a\x01k"),  # the value before the key
        _entry(b"\x0a\x01k"),  # no value
        _entry(b"\x0a\x01k" + VALUE + b"\x18\x01"),  # an unknown field after the value
        _entry(b"\x0a\x01\xff" + VALUE),  # a key that is not UTF-8
        _entry(b"\x0a\x05k" + VALUE),  # a key running into the value
        _entry(b"\x0a\x01k" + VALUE)[:-1],  # cut short
        b"\x0a\xff",  # a length prefix running past the end
        b"\x0a" + b"\xff" * 11,  # a length prefix longer than 10 bytes
        b"\x0a\x00",  # an empty entry
    ],
)
def test_map_entries_declines_all_but_the_plain_layout(data: bytes) -> None:
    assert fastwire.map_entries(data) is None


def test_map_entries_reads_the_plain_layout() -> None:
    data = _entry(b"\x0a\x01k" + VALUE) + _entry(b"\x0a\x02k2" + VALUE)
    size = len(_entry(b"\x0a\x01k" + VALUE))
    # (key, entry start, entry end, literal start, literal end): the literal follows 0a <len> 0a <klen> <key> 12 <len>
    assert fastwire.map_entries(data) == [
        ("k", 0, size, 2 + 3 + 2, size),
        ("k2", size, len(data), size + 2 + 4 + 2, len(data)),
    ]
    assert fastwire.map_entries(b"") == []


@pytest.mark.parametrize("data", [b"", b"\x12", b"\x0a\x00", b"\x12\x05\x00", b"\x12\x00\x00", b"\x22\x00"])
def test_literal_payload_declines_what_is_not_one_whole_collection_or_map(data: bytes) -> None:
    assert fastwire.literal_payload(data, 0, len(data)) is None


def test_literal_payload_and_head_of_empty_and_small_payloads() -> None:
    found = fastwire.literal_payload(b"\x1a\x00", 0, 2)
    assert found is not None and found[0] == "map" and bytes(found[1]) == b""
    assert fastwire.literal_head("collection", 0) == literals_pb2.Literal(
        collection=literals_pb2.LiteralCollection()
    ).SerializeToString()
    assert fastwire.literal_head("map", 300) == b"\x1a\xac\x02"


@pytest.mark.parametrize(
    "values", [[None], [None, None], [1, None, -1], [2**63 - 1, None, -(2**63)], [5] * 3]
)
def test_optional_ints_with_and_without_a_count(values: list[Any]) -> None:
    data = fastwire.encode_optional_ints(values)
    assert data is not None
    for n in (None, len(values)):
        assert fastwire.decode_optional_ints(data, n) == values
    assert fastwire.decode_optional_ints(data, len(values) + 1) is None
    assert fastwire.decode_optional_ints(data, 0) is None


def test_optional_ints_decline_empty_and_out_of_range() -> None:
    assert fastwire.encode_optional_ints([]) is None
    assert fastwire.encode_optional_ints([2**63]) is None
    assert fastwire.encode_optional_ints([None, -(2**63) - 1]) is None
    assert fastwire.decode_optional_ints(b"", None) is None
    assert fastwire.decode_optional_ints(b"\x00", None) is None


def _protobuf_map(data: bytes, kind: str) -> dict[str, Any] | None:
    try:
        lm = literals_pb2.LiteralMap.FromString(data)
    except Exception:
        return None
    return {k: getattr(v.scalar.primitive, kind) for k, v in lm.literals.items()}


@pytest.mark.parametrize("kind", list(KINDS))
def test_truncated_maps_and_collections_are_declined(kind: str) -> None:
    """A cut serialized map/collection: the codec never raises; it declines what protobuf cannot parse and
    whatever does not hold the expected count, and otherwise reads what protobuf reads (a cut at an entry
    boundary is a smaller map)."""
    whole_map = literal_map({"key": KINDS[kind], "other": KINDS[kind]}, kind).SerializeToString(deterministic=True)
    whole_coll = collection([KINDS[kind]] * 3, kind)
    for cut in range(1, len(whole_map)):
        assert fastwire.decode_map(whole_map[:cut], 2, kind) is None
        decoded = fastwire.decode_map(whole_map[:cut], None, kind)
        assert decoded is None or decoded == _protobuf_map(whole_map[:cut], kind)
    for cut in range(1, len(whole_coll)):
        assert fastwire.decode_collection(whole_coll[:cut], 3, kind) is None
        decoded_list = fastwire.decode_collection(whole_coll[:cut], None, kind)
        assert decoded_list is None or decoded_list == [KINDS[kind]] * len(decoded_list)
    assert fastwire.decode_map(whole_map[:-1], None, kind) is None
    assert fastwire.decode_collection(whole_coll[:-1], None, kind) is None


def test_optional_ints_decline_a_varint_longer_than_ten_bytes() -> None:
    """An ``Optional[int]`` record whose varint has 11 bytes (every length prefix grown by one): protobuf refuses
    to parse it, so the codec declines instead of raising (the per-element path then reports the error)."""
    union = literals_pb2.Union(
        value=literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=-1))),
        type=types_pb2.LiteralType(simple=types_pb2.INTEGER, structure=types_pb2.TypeStructure(tag="int")),
    )
    coll = literals_pb2.LiteralCollection(literals=[literals_pb2.Literal(scalar=literals_pb2.Scalar(union=union))])
    record = coll.SerializeToString()
    assert fastwire.decode_optional_ints(record, 1) == [-1]
    ten = bytes.fromhex("ffffffffffffffffff01")  # -1: a ten-byte varint
    heads, tail = record.split(ten)
    assert len(heads) == 13 and heads[-1] == 0x08  # six tags and their one-byte lengths, then the int's tag
    grown = bytes(b + 1 if i % 2 else b for i, b in enumerate(heads[:-1])) + heads[-1:]
    data = grown + bytes.fromhex("ffffffffffffffffff8100") + tail
    with pytest.raises(DecodeError):
        literals_pb2.LiteralCollection.FromString(data)
    assert fastwire.decode_optional_ints(data, None) is None
    assert fastwire.decode_optional_ints(data, 1) is None


def test_ints_decline_a_varint_longer_than_ten_bytes() -> None:
    """A record whose varint has 11 bytes (every length prefix grown by one): protobuf refuses to parse it, so
    the codec declines instead of raising."""
    record = collection([-1], "integer")
    ten = bytes.fromhex("ffffffffffffffffff01")  # -1: a ten-byte varint
    heads, tail = record.split(ten)
    assert heads == bytes.fromhex("0a0f0a0d0a0b08") and tail == b""
    data = bytes.fromhex("0a100a0e0a0c08") + bytes.fromhex("ffffffffffffffffff8100")
    with pytest.raises(DecodeError):
        literals_pb2.LiteralCollection.FromString(data)
    assert fastwire.decode_collection(data, None, "integer") is None
    assert fastwire.decode_collection(data, 1, "integer") is None


@pytest.mark.parametrize("size", [120, 121, 122, 123, 124])
def test_map_values_around_a_two_byte_length_prefix(size: int) -> None:
    """A string value of 122 bytes makes a 128-byte literal, the first whose length prefix takes two bytes."""
    value = {"k": "x" * size, "kk": "y"}
    lm = literals_pb2.LiteralMap()
    for k, v in value.items():
        lm.literals[k].scalar.primitive.string_value = v
    assert (lm.literals["k"].ByteSize() >= 128) is (size >= 122)
    for data in (lm.SerializeToString(), lm.SerializeToString(deterministic=True)):
        assert fastwire.decode_map(data, 2, "string_value") == value
        assert fastwire.decode_map(data, None, "string_value") == value



def test_length_prefixes_longer_than_five_bytes_are_declined() -> None:
    """protobuf reads a length prefix in at most five bytes and refuses a longer (overlong) one as corrupt;
    ``map_entries`` and ``literal_payload`` decline it too, and read the five-byte one as protobuf does."""
    five, six = b"\x81" + b"\x80" * 3 + b"\x00", b"\x81" + b"\x80" * 4 + b"\x00"  # both the length 1
    accepted = _entry(b"\x0a" + five + b"k" + VALUE)
    assert list(literals_pb2.LiteralMap.FromString(accepted).literals) == ["k"]
    size = len(accepted)
    assert fastwire.map_entries(accepted) == [("k", 0, size, size - len(VALUE) + 2, size)]
    for prefix in (six, b"\x81" + b"\x80" * 8 + b"\x00"):
        refused = _entry(b"\x0a" + prefix + b"k" + VALUE)
        with pytest.raises(DecodeError):
            literals_pb2.LiteralMap.FromString(refused)
        assert fastwire.map_entries(refused) is None
    empty_five, empty_six = b"\x80" * 4 + b"\x00", b"\x80" * 5 + b"\x00"
    for tag, which in ((b"\x12", "collection"), (b"\x1a", "map")):
        assert literals_pb2.Literal.FromString(tag + empty_five).WhichOneof("value") == which
        found = fastwire.literal_payload(tag + empty_five, 0, 6)
        assert found is not None and found[0] == which and bytes(found[1]) == b""
        with pytest.raises(DecodeError):
            literals_pb2.Literal.FromString(tag + empty_six)
        assert fastwire.literal_payload(tag + empty_six, 0, 7) is None


def test_literal_payload_of_an_empty_literal_at_the_end_of_the_bytes() -> None:
    """The last entry of a map may hold an empty ``Literal`` (``12 00``): it holds no collection or map."""
    data = _entry(b"\x0a\x01k\x12\x00")
    assert fastwire.map_entries(data) == [("k", 0, 7, 7, 7)]
    assert literals_pb2.LiteralMap.FromString(data).literals["k"].WhichOneof("value") is None
    assert fastwire.literal_payload(data, 7, 7) is None
