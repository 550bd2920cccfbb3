"""Which path the map codec takes (``core/type_engine/fastwire.py``), with protobuf as the reference for the bytes.

``encode_map``/``decode_map`` of float and bool maps whose keys are ASCII and of one length are built and read
column by column (``_encode_uniform_map``/``_decode_uniform_map``: no per-entry object, the speed path of
``Dict[str, float]`` outputs); every other map goes entry by entry.  Both must give protobuf's bytes, so a
broken strided path is invisible through ``encode_map`` alone (it falls back to the entry path): these tests
pin that the strided path itself answers, and answers protobuf's deterministic serialization (how flytekit
writes ``outputs.pb``), for every layout it accepts, and declines the layouts it cannot write.
"""

from __future__ import annotations

from typing import Any

import pytest
from flyteidl.core import literals_pb2

from flyte_entrypoint.core.type_engine import fastwire
from flyte_entrypoint.testing import same_value

VALUES = {"float_value": [0.5, -0.0, float("inf"), 1e300, 5e-324], "boolean": [True, False, True, True, False]}
# the longest key whose entry still has one-byte length prefixes (entry < 128 bytes): float entries are
# 0a <len> 0a <klen> <key> 12 0d 0a 0b 0a 09 11 <8 bytes>, bool entries 0a <len> 0a <klen> <key> 12 06 0a 04 0a 02 20 <1 byte>
LONGEST_KEY = {"float_value": 127 - 2 - 7 - 8, "boolean": 127 - 2 - 7 - 1}


def protobuf_map(value: dict[str, Any], kind: str) -> bytes:
    """flytekit's ``outputs.pb`` form of the map: ``LiteralMap.SerializeToString(deterministic=True)``."""
    lm = literals_pb2.LiteralMap()
    for k, v in value.items():
        setattr(lm.literals[k].scalar.primitive, kind, v)
    return lm.SerializeToString(deterministic=True)


def keyed(keys: list[str], kind: str) -> dict[str, Any]:
    return dict(zip(keys, VALUES[kind] * (len(keys) // 5 + 1)))


@pytest.mark.parametrize("kind", list(VALUES))
@pytest.mark.parametrize("key_len", [1, 2, 9, 40])
@pytest.mark.parametrize("n", [1, 2, 5, 300])
def test_ascii_keys_of_one_length_are_written_column_by_column(kind: str, key_len: int, n: int) -> None:
    value = keyed([f"{i:0{key_len}d}"[-key_len:] if key_len > 3 else chr(33 + i % 90) * key_len for i in range(n)], kind)
    keys = sorted(value)
    expected = protobuf_map(value, kind)
    assert fastwire._encode_uniform_map(keys, [value[k] for k in keys], kind) == expected
    assert fastwire.encode_map(value, kind) == expected
    for count in (len(value), None):
        decoded = fastwire._decode_uniform_map(expected, count, kind)
        assert decoded is not None and same_value(decoded, value)


@pytest.mark.parametrize("kind", list(VALUES))
def test_the_longest_keys_of_the_strided_layout(kind: str) -> None:
    """Entries of 127 bytes are the last with one-byte length prefixes; one key byte more and the entry path
    writes the two-byte prefix protobuf writes."""
    for key_len, strided in ((LONGEST_KEY[kind], True), (LONGEST_KEY[kind] + 1, False)):
        value = keyed([c * key_len for c in "abc"], kind)
        keys = sorted(value)
        expected = protobuf_map(value, kind)
        assert expected[1] == (127 if strided else 128)  # the first entry's length prefix
        uniform = fastwire._encode_uniform_map(keys, [value[k] for k in keys], kind)
        assert uniform == (expected if strided else None)
        assert fastwire.encode_map(value, kind) == expected
        assert (fastwire._decode_uniform_map(expected, 3, kind) is not None) is strided


@pytest.mark.parametrize("kind", list(VALUES))
@pytest.mark.parametrize(
    "keys",
    [
        ["ab", "c", "def"],  # three lengths adding up to 3 x 2
        ["a", "bc"],
        ["bb", "é1"],  # one length in characters, not in UTF-8 bytes
        ["é", "ü"],
    ],
)
def test_keys_of_other_lengths_or_not_ascii_take_the_entry_path(kind: str, keys: list[str]) -> None:
    value = keyed(keys, kind)
    ordered = sorted(value)
    assert fastwire._encode_uniform_map(ordered, [value[k] for k in ordered], kind) is None
    expected = protobuf_map(value, kind)
    assert fastwire.encode_map(value, kind) == expected
    decoded = fastwire.decode_map(expected, len(value), kind)
    assert decoded is not None and same_value(decoded, value)


def test_the_strided_path_declines_values_of_the_other_kind() -> None:
    assert fastwire._encode_uniform_map(["a", "b"], [1.0, 2.0], "boolean") is None
    assert fastwire._encode_uniform_map(["a", "b"], [True, False], "float_value") is None
    assert fastwire._encode_uniform_map(["a", "b"], [1.0, 2], "float_value") is None


@pytest.mark.parametrize("kind", ["float_value", "boolean", "integer", "string_value"])
def test_the_empty_key(kind: str) -> None:
    """``{"": v}``: protobuf writes the empty key as ``0a 00``; the codec writes and reads the same."""
    v = {"float_value": 2.5, "boolean": True, "integer": 3, "string_value": "s"}[kind]
    expected = protobuf_map({"": v}, kind)
    assert expected[2:4] == b"\x0a\x00"
    assert fastwire.encode_map({"": v}, kind) == expected
    assert fastwire.decode_map(expected, 1, kind) == {"": v}
    assert fastwire.decode_map(expected, None, kind) == {"": v}


@pytest.mark.parametrize("keys", [["a1", "b2", "c3"], ["a\x00", "\x00b", "cc"], ["\x00\x00", "\x00\x01"], ["x"]])
def test_the_strided_reader_gives_exactly_the_keys_of_the_records(keys: list[str]) -> None:
    """One key per record, in wire order, NUL characters included (protobuf keeps them in string keys)."""
    value = keyed(keys, "boolean")
    data = protobuf_map(value, "boolean")
    size = len(data) // len(keys)
    assert fastwire._uniform_keys(data, len(keys[0]), size, len(keys)) == sorted(keys)
    decoded = fastwire._decode_uniform_map(data, None, "boolean")
    assert decoded is not None and same_value(decoded, value)
    assert list(decoded) == sorted(keys)


@pytest.mark.parametrize("kind", list(VALUES))
def test_the_strided_reader_declines_a_record_with_another_head(kind: str) -> None:
    """Every record must start with the same ``0a <entry len> 0a <key len>`` and hold the same value head: a
    record whose head differs (a longer entry, another field) is not the strided layout, whatever protobuf
    makes of it."""
    value = keyed(["k1", "k2", "k3"], kind)
    data = protobuf_map(value, kind)
    size = len(data) // 3
    assert fastwire._decode_uniform_map(data, 3, kind) is not None
    for offset in range(size - (8 if kind == "float_value" else 1)):  # every byte but the payload and the key
        if offset in (4, 5):
            continue
        corrupted = bytearray(data)
        corrupted[size + offset] ^= 0x40
        assert fastwire._decode_uniform_map(bytes(corrupted), 3, kind) is None, offset
        assert fastwire._decode_uniform_map(bytes(corrupted), None, kind) is None, offset


@pytest.mark.parametrize("kind", ["integer", "float_value", "boolean", "string_value"])
def test_prefix_free_declines_keys_that_protobuf_orders_otherwise(kind: str) -> None:
    """protobuf's deterministic serialization (upb) writes ``"ab"`` before ``"a"``; ``encode_map`` writes key
    order, the same map but not the same bytes.  ``prefix_free=True`` (for callers that splice the bytes into
    ``outputs.pb``) therefore declines such keys, and keeps every map whose keys are prefix-free."""
    v = {"float_value": 2.5, "boolean": True, "integer": 3, "string_value": "s"}[kind]
    tied = {"a": v, "ab": v, "b": v}
    expected = protobuf_map(tied, kind)
    assert expected.index(b"\x0a\x02ab") < expected.index(b"\x0a\x01a\x12")
    assert fastwire.encode_map(tied, kind, prefix_free=True) is None
    written = fastwire.encode_map(tied, kind)
    assert written is not None and written != expected
    assert literals_pb2.LiteralMap.FromString(written).SerializeToString(deterministic=True) == expected
    for free in ({"a": v, "bc": v, "d": v}, {"ba": v, "ab": v}, {"b": v, "abc": v, "c": v}, {"x": v}):
        assert fastwire.encode_map(free, kind, prefix_free=True) == protobuf_map(free, kind)
