"""Laws of the wire-level builders (``core/type_engine/varint.py``, the framing helpers of ``fastwire.py``).

Each builder writes pieces of serialized protobuf messages by hand; protobuf itself is the reference:

* ``varint(n)`` is the payload protobuf writes for ``n`` in a ``uint64`` field, for every ``0 <= n < 2**64``,
  and ``SMALL_VARINTS[n]`` is ``varint(n)`` (its table of the one- and two-byte ones);
* ``literal_head(which, len(p)) + p`` is protobuf's serialization of a ``Literal`` holding only that
  collection/map, and ``literal_payload`` gives ``p`` back from it (and declines anything else);
* ``map_entry_head(key, len(lit)) + lit`` is one ``LiteralMap`` entry exactly as protobuf writes it, and
  ``map_entries`` of a serialized map finds each entry's key and bounds (every entry parses alone);
* ``msgpack_wire.collection_of_binaries(payloads)`` is protobuf's serialization of the collection of
  ``binary`` msgpack literals holding them, whatever the sizes of the length prefixes;
* the bulk decoders read a collection/map ``n=None`` ("as many as the bytes hold") exactly as with the count,
  and decline an empty payload; the encoders never decline a non-empty list/map of exact-type values (within
  int64 for ints), for lists longer than one encoding chunk too.
"""

from __future__ import annotations

from typing import Any

from flyteidl.core import literals_pb2
from google.protobuf import descriptor_pb2
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from flyte_entrypoint.core.type_engine import fastwire
from flyte_entrypoint.core.type_engine.varint import SMALL_VARINTS, varint
from flyte_entrypoint.testing import same_value

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_KIND = {int: "integer", float: "float_value", str: "string_value", bool: "boolean"}
_values: dict[type, st.SearchStrategy[Any]] = {
    int: st.integers(min_value=-(2**63), max_value=2**63 - 1),
    float: st.floats(),
    str: st.one_of(st.text(max_size=10), st.text(min_size=120, max_size=140)),
    bool: st.booleans(),
}


def _uint64_payload(n: int) -> bytes:
    """protobuf's bytes for ``n`` in a uint64 field (``UninterpretedOption.positive_int_value``, field 4), untagged."""
    data = descriptor_pb2.UninterpretedOption(positive_int_value=n).SerializeToString()
    assert data[0] == 0x20
    return data[1:]


@SETTINGS
@given(
    st.one_of(
        st.integers(min_value=0, max_value=2**64 - 1),
        st.integers(min_value=0, max_value=1 << 15),
        st.sampled_from([0, 0x7F, 0x80, 0x3FFF, 0x4000, 2**21 - 1, 2**21, 2**63, 2**64 - 1]),
    )
)
def test_varint_is_protobufs_encoding(n: int) -> None:
    assert varint(n) == _uint64_payload(n)
    if n < len(SMALL_VARINTS):
        assert SMALL_VARINTS[n] == varint(n)


def test_small_varints_table_covers_exactly_the_two_byte_varints() -> None:
    assert len(SMALL_VARINTS) == 1 << 14
    assert [len(SMALL_VARINTS[i]) for i in (0, 0x7F, 0x80, 0x3FFF)] == [1, 1, 2, 2]
    assert len(varint(1 << 14)) == 3


@st.composite
def _literals(draw: st.DrawFn) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    kind = draw(st.sampled_from(["integer", "string_value", "float_value"]))
    value = draw(_values[{"integer": int, "string_value": str, "float_value": float}[kind]])
    setattr(lit.scalar.primitive, kind, value)
    return lit


@st.composite
def _payloads(draw: st.DrawFn) -> tuple[str, literals_pb2.Literal]:
    """A Literal holding only a collection or only a map (sizes past one- and two-byte length prefixes)."""
    which = draw(st.sampled_from(["collection", "map"]))
    items = draw(st.lists(_literals(), max_size=draw(st.sampled_from([3, 40]))))
    big = draw(st.sampled_from([0, 200, 20000]))
    lit = literals_pb2.Literal()
    if which == "collection":
        lit.collection.SetInParent()
        lit.collection.literals.extend(items)
        if big:
            lit.collection.literals.add().scalar.primitive.string_value = "x" * big
    else:
        lit.map.SetInParent()
        for i, item in enumerate(items):
            lit.map.literals[f"k{i}"].CopyFrom(item)
        if big:
            lit.map.literals["big"].scalar.primitive.string_value = "y" * big
    return which, lit


@SETTINGS
@given(_payloads())
def test_literal_head_frames_a_payload_as_protobuf_does(case: tuple[str, literals_pb2.Literal]) -> None:
    which, lit = case
    payload = getattr(lit, which).SerializeToString(deterministic=True)
    whole = lit.SerializeToString(deterministic=True)
    assert fastwire.literal_head(which, len(payload)) + payload == whole
    prefix = b"pre"
    found = fastwire.literal_payload(prefix + whole + b"post", len(prefix), len(prefix) + len(whole))
    assert found is not None
    assert found[0] == which and bytes(found[1]) == payload


@SETTINGS
@given(_payloads(), st.sampled_from(["hash", "metadata", "short", "long", "scalar"]))
def test_literal_payload_declines_anything_but_one_collection_or_map(
    case: tuple[str, literals_pb2.Literal], spoil: str
) -> None:
    _, lit = case
    data = lit.SerializeToString(deterministic=True)
    if spoil == "hash":
        lit.hash = "h"
        data = lit.SerializeToString(deterministic=True)
    elif spoil == "metadata":
        lit.metadata["k"] = "v"
        data = lit.SerializeToString(deterministic=True)
    elif spoil == "short":
        data = data[:-1]
    elif spoil == "long":
        data = data + b"\x00"
    else:
        data = literals_pb2.Literal(scalar=literals_pb2.Scalar()).SerializeToString() + data
    assert fastwire.literal_payload(data, 0, len(data)) is None


@SETTINGS
@given(st.text(max_size=200), _literals(), st.sampled_from([0, 200, 20000]))
def test_map_entry_head_frames_one_entry_as_protobuf_does(key: str, lit: literals_pb2.Literal, pad: int) -> None:
    if pad:
        lit.metadata["pad"] = "p" * pad
    one = literals_pb2.LiteralMap()
    one.literals[key].CopyFrom(lit)
    literal = lit.SerializeToString(deterministic=True)
    assert fastwire.map_entry_head(key, len(literal)) + literal == one.SerializeToString(deterministic=True)


@SETTINGS
@given(st.dictionaries(st.text(max_size=150), _literals(), max_size=20), st.sampled_from([0, 200, 20000]))
def test_map_entries_finds_every_entry(value: dict[str, literals_pb2.Literal], pad: int) -> None:
    lm = literals_pb2.LiteralMap()
    for k, lit in value.items():
        lm.literals[k].CopyFrom(lit)
    if pad:
        lm.literals["padded"].scalar.primitive.string_value = "z" * pad
    data = lm.SerializeToString()
    entries = fastwire.map_entries(data)
    assert entries is not None
    assert sorted(e[0] for e in entries) == sorted(lm.literals)  # each key once, in wire order
    position = 0
    for key, start, end, value_start, value_end in entries:
        assert start == position  # the entries tile the map
        position = end
        alone = literals_pb2.LiteralMap.FromString(data[start:end])
        assert list(alone.literals) == [key] and alone.literals[key] == lm.literals[key]
        assert literals_pb2.Literal.FromString(data[value_start:value_end]) == lm.literals[key]
        assert value_end == end
    assert position == len(data)


@st.composite
def _lists(draw: st.DrawFn, min_size: int = 1) -> tuple[type, list[Any]]:
    elem = draw(st.sampled_from([int, float, str, bool]))
    return elem, draw(st.lists(_values[elem], min_size=min_size, max_size=30))


@SETTINGS
@given(_lists())
def test_decoding_without_a_count_reads_as_many_as_the_bytes_hold(case: tuple[type, list[Any]]) -> None:
    elem, values = case
    kind = _KIND[elem]
    coll = literals_pb2.LiteralCollection()
    for v in values:
        setattr(coll.literals.add().scalar.primitive, kind, v)
    data = coll.SerializeToString()
    assert fastwire.encode_collection(values, kind) == data
    for n in (None, len(values)):
        decoded = fastwire.decode_collection(data, n, kind)
        assert decoded is not None and same_value(decoded, values)
    assert fastwire.decode_collection(data, len(values) + 1, kind) is None
    assert fastwire.decode_collection(data, len(values) - 1, kind) is None
    assert fastwire.decode_collection(b"", None, kind) is None
    keyed = {f"key{i:04d}": v for i, v in enumerate(values)}
    lm = literals_pb2.LiteralMap()
    for k, v in keyed.items():
        setattr(lm.literals[k].scalar.primitive, kind, v)
    for wire in (lm.SerializeToString(), lm.SerializeToString(deterministic=True)):
        for n in (None, len(keyed)):
            got = fastwire.decode_map(wire, n, kind)
            assert got is not None and same_value(got, keyed)
        assert fastwire.decode_map(wire, len(keyed) + 1, kind) is None
    assert fastwire.decode_map(b"", None, kind) is None


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([int, float, str, bool]), st.integers(min_value=4097, max_value=9000), st.data())
def test_lists_longer_than_one_chunk_are_still_encoded_and_read(elem: type, n: int, data: st.DataObject) -> None:
    """Ints are encoded in chunks of 4096 values and decoded 64 KiB at a time: the chunk seams must not show."""
    seed = data.draw(st.lists(_values[elem], min_size=1, max_size=8))
    values = [seed[i % len(seed)] for i in range(n)]
    kind = _KIND[elem]
    coll = literals_pb2.LiteralCollection()
    for v in values:
        setattr(coll.literals.add().scalar.primitive, kind, v)
    wire = coll.SerializeToString()
    assert fastwire.encode_collection(values, kind) == wire
    for count in (None, n):
        decoded = fastwire.decode_collection(wire, count, kind)
        assert decoded is not None and same_value(decoded, values)


_PAYLOAD_SIZES = st.one_of(
    st.integers(min_value=1, max_value=300),  # msgpack never packs a value into nothing
    st.integers(min_value=16360, max_value=16400),  # the two- to three-byte length prefixes of each level
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PAYLOAD_SIZES, max_size=4), st.binary(min_size=1, max_size=1))
@example([2**21 - 20, 2**21 + 5], b"x")  # four-byte length prefixes
@example([16366, 16369, 16372, 16384], b"x")  # literal, scalar, binary and payload lengths of exactly 16384
def test_collection_of_binaries_is_protobufs_serialization(sizes: list[int], fill: bytes) -> None:
    """``msgpack_wire.collection_of_binaries``: the collection of ``binary`` msgpack literals, framed by hand."""
    from flyte_entrypoint.core.type_engine.msgpack_wire import collection_of_binaries

    payloads = [fill * n for n in sizes]
    lit = literals_pb2.Literal()
    lit.collection.SetInParent()
    for p in payloads:
        binary = lit.collection.literals.add().scalar.binary
        binary.value = p
        binary.tag = "msgpack"
    assert collection_of_binaries(payloads) == lit.SerializeToString()
