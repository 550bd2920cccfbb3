"""msgpack and protobuf framing of the msgpack transformers (``core/type_engine/msgpack_wire.py``).

Expected values: PROTOCOL.md 10.5/10.6/10.9 (a msgpack ``binary`` literal tagged ``msgpack``, the old format's
``json_format.Parse(json.dumps(obj), Struct())``, the ``cache-key-metadata`` annotation), protobuf's own
serialization for the hand-framed bytes, and mashumaro's coercions (flytekit's ``from_binary_idl``) for reading.
An unpackable leaf is named by its path with the declared type (``expected int``) or, under ``Any``,
``expected 'a msgpack-encodable value'``.
"""

from __future__ import annotations

import datetime
import json
import typing
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple, Union

import msgpack
import pytest
from flyteidl.core import literals_pb2, types_pb2
from google.protobuf import json_format, struct_pb2, text_format

from flyte_entrypoint.core.type_engine import msgpack_wire
from flyte_entrypoint.core.type_engine.engine import ConversionError
from flyte_entrypoint.core.type_engine.msgpack_wire import (
    decode_msgpack,
    decode_msgpack_literal,
    encode_msgpack,
    msgpack_reader,
    msgpack_writer,
)


@dataclass
class In:
    v: Any


@dataclass
class Out:
    a: Any
    inner: In
    t: Tuple[int, Any]
    ints: List[int]
    m: Dict[str, int]
    o: Optional[In] = None
    u: Union[int, str] = 0


BASE: dict[str, Any] = {"a": 1, "inner": In(1), "t": (1, 2), "ints": [1], "m": {"k": 1}}
ENCODABLE = "'a msgpack-encodable value'"
CANNOT = "TypeError: can not serialize 'object' object"


def _encode_error(value: Any, tp: Any) -> ConversionError:
    with pytest.raises(ConversionError) as info:
        encode_msgpack(value, tp)
    return info.value


@pytest.mark.parametrize(
    ("patch", "path", "expected"),
    [
        ({"a": object()}, ".a", ENCODABLE),
        ({"a": {"x": [1, object()]}}, '.a["x"][1]', ENCODABLE),
        ({"inner": In(2**64)}, ".inner.v", ENCODABLE),
        ({"t": (1, object())}, ".t[1]", ENCODABLE),
        ({"ints": [1, 2**70]}, ".ints[1]", "int"),
        ({"m": {"k": -(2**63) - 1}}, '.m["k"]', "int"),
        ({"o": In(object())}, ".o.v", ENCODABLE),
        ({"u": 2**64}, ".u", "Union[int, str]"),
    ],
)
def test_a_leaf_msgpack_cannot_pack_is_named_with_its_declared_type(patch: dict[str, Any], path: str, expected: str) -> None:
    err = _encode_error(Out(**{**BASE, **patch}), Out)
    assert err.path == path
    assert err.message.startswith(f"Cannot encode Out: field '{path[1:]}' expected {expected}, got ")


def test_int_limits_are_msgpacks() -> None:
    """msgpack packs -2**63 .. 2**64-1; only what lies outside is named."""
    for n in (-(2**63), 2**64 - 1):
        assert msgpack.unpackb(encode_msgpack(Out(**{**BASE, "ints": [n]}), Out))["ints"] == [n]
    for bad in (2**64, -(2**63) - 1):
        err = _encode_error(Out(**{**BASE, "ints": [-1000, 1000, -(2**63), 2**64 - 1, bad]}), Out)
        assert err.path == ".ints[4]" and "OverflowError" in err.message


def test_int_keyed_maps_read_back_from_a_literal() -> None:
    lit = _binary(msgpack.packb({1: 2}))
    assert decode_msgpack_literal(lit, Dict[int, int]) == {1: 2}


def test_unpackable_keys_and_values_of_plain_dicts_are_named() -> None:
    err = _encode_error({"a": {"b": object()}}, dict)
    assert err.path == '["a"]["b"]'
    assert err.message.endswith(CANNOT)
    assert _encode_error({1: {"b": object()}}, Dict[int, Any]).path == '[1]["b"]'
    key = object()
    err = _encode_error({"a": {key: 1}}, Dict[str, Any])
    assert err.path == f'["a"]<key {key!r}>'
    assert err.message.endswith(CANNOT)
    assert _encode_error({(1, 2**64): 1}, dict).path == "<key (1, 18446744073709551616)>[1]"


def test_a_leaf_under_a_plain_union_is_expected_as_any_encodable_value() -> None:
    @dataclass
    class U:
        u: Union[List[Any], Dict[str, Any]]

    err = _encode_error(U([object()]), U)
    assert err.path == ".u[0]" and f"expected {ENCODABLE}" in err.message


def test_tuple_items_take_their_declared_position_type() -> None:
    @dataclass
    class T:
        fixed: Tuple[int, str]
        more: Tuple[int, ...]

    assert "expected int" in _encode_error(T((2**64, "a"), ()), T).message
    assert "expected str" in _encode_error(T((1, object()), ()), T).message  # type: ignore[arg-type]
    err = _encode_error(T((1, "a"), (1, 2**64)), T)
    assert err.path == ".more[1]" and "expected int" in err.message


def test_writers_and_readers_are_compiled_once_per_type() -> None:
    assert msgpack_writer(Out) is msgpack_writer(Out)
    assert msgpack_reader(Out) is msgpack_reader(Out)
    unhashable = typing.Annotated[List[int], []]
    assert msgpack_writer(unhashable)([1]) == b"\x91\x01"
    assert msgpack_reader(unhashable)(b"\x91\x01") == [1]


def test_reading_names_corrupt_payloads_and_bad_top_level_values() -> None:
    with pytest.raises(ConversionError) as info:
        decode_msgpack(b"\xc1", Out)
    assert info.value.message.startswith("Cannot decode Out: corrupt msgpack payload (1 bytes): ")
    with pytest.raises(ConversionError) as info:
        decode_msgpack(b"\x01", datetime.date)
    assert info.value.message == (
        "Cannot decode date: expected date, got 1 (int): TypeError: fromisoformat: argument must be str"
    )
    with pytest.raises(ConversionError) as info:
        decode_msgpack(msgpack.packb({"a": 1}), Out)
    assert info.value.path == ".inner"
    assert info.value.message == "Cannot decode Out: required field 'inner' (In) is missing"
    assert decode_msgpack(msgpack.packb({"x": [1]}), Any) == {"x": [1]}
    assert decode_msgpack(msgpack.packb({1: 2}), dict) == {1: 2}  # int keys (strict_map_key=False)


def _binary(data: bytes, tag: str = "msgpack") -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.binary.value = data
    lit.scalar.binary.tag = tag
    return lit


def test_msgpack_literals_of_simple_types_need_exactly_that_type() -> None:
    assert decode_msgpack_literal(_binary(msgpack.packb(3)), int) == 3
    assert decode_msgpack_literal(_binary(msgpack.packb(True)), bool) is True
    with pytest.raises(ConversionError) as info:
        decode_msgpack_literal(_binary(msgpack.packb(3)), float)
    assert info.value.message == "Cannot decode float: the msgpack value 3 is a int, expected exactly float"
    with pytest.raises(ConversionError, match="is a bool, expected exactly int"):
        decode_msgpack_literal(_binary(msgpack.packb(True)), int)
    with pytest.raises(ConversionError, match="is a int, expected exactly str"):
        decode_msgpack_literal(_binary(msgpack.packb(1)), str)
    with pytest.raises(ConversionError, match="is a int, expected exactly bool"):
        decode_msgpack_literal(_binary(msgpack.packb(1)), bool)
    assert decode_msgpack_literal(_binary(msgpack.packb("s")), str) == "s"
    assert decode_msgpack_literal(_binary(msgpack.packb(1.5)), float) == 1.5
    with pytest.raises(ConversionError, match=r"unsupported binary format 'json'"):
        decode_msgpack_literal(_binary(msgpack.packb(3), tag="json"), int)
    assert decode_msgpack_literal(_binary(msgpack.packb("2020-01-02")), datetime.date) == datetime.date(2020, 1, 2)
    assert decode_msgpack_literal(_binary(msgpack.packb([1.0])), List[int]) == [1]


def test_is_msgpack_literal_means_a_binary_scalar() -> None:
    assert msgpack_wire.is_msgpack_literal(_binary(b"\x01", tag="other"))
    assert not msgpack_wire.is_msgpack_literal(literals_pb2.Literal(scalar=literals_pb2.Scalar()))
    assert not msgpack_wire.is_msgpack_literal(literals_pb2.Literal(collection=literals_pb2.LiteralCollection()))


MSGPACK_ANNOTATION = """simple: STRUCT annotation { annotations { fields { key: "cache-key-metadata" value {
  struct_value { fields { key: "serialization-format" value { string_value: "msgpack" } } } } } } }"""


def test_struct_literal_type_carries_the_msgpack_annotation() -> None:
    assert msgpack_wire.struct_literal_type() == text_format.Parse(MSGPACK_ANNOTATION, types_pb2.LiteralType())


def test_binary_literal_is_tagged_msgpack() -> None:
    assert msgpack_wire.binary_literal(b"\x01") == text_format.Parse(
        'scalar { binary { value: "\\001" tag: "msgpack" } }', literals_pb2.Literal()
    )


def test_old_format_struct_literal_is_json_parsed_into_a_struct() -> None:
    obj = {"a": [1, 2.5, "x", None, True], "b": {"c": {}}}
    expected = literals_pb2.Literal()
    json_format.Parse(json.dumps(obj), expected.scalar.generic)
    lit = msgpack_wire.struct_literal(obj, dict)
    assert lit == expected and not lit.metadata
    assert msgpack_wire._struct_literal(obj, dict, {"format": "json"}).metadata == {"format": "json"}


def _circular() -> dict[str, Any]:
    obj: dict[str, Any] = {}
    obj["self"] = obj
    return obj


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ({"s": {1, 2}}, "Cannot encode dict as JSON (old dataclass format): Object of type set is not JSON serializable"),
        ([1], "Cannot encode dict as a Struct: "),
        (_circular(), "Cannot encode dict as JSON (old dataclass format): Circular reference detected"),
    ],
)
def test_old_format_refuses_what_json_or_a_struct_cannot_hold(obj: Any, message: str) -> None:
    with pytest.raises(ConversionError) as info:
        msgpack_wire.struct_literal(obj, dict)
    assert info.value.message.startswith(message)


def test_struct_to_python_reads_as_json_does() -> None:
    struct = struct_pb2.Struct()
    struct.update({"n": 1, "f": 2.5, "s": "x", "b": False, "z": None, "l": [1, {"d": [True]}], "m": {"k": "v"}})
    assert msgpack_wire.struct_to_python(struct) == json.loads(json_format.MessageToJson(struct))
    empty = struct_pb2.Struct()
    empty.fields["unset"].SetInParent()  # a Value with no kind: JSON reads it as null
    assert msgpack_wire.struct_to_python(empty) == {"unset": None}


def test_a_value_msgpack_refuses_without_an_unpackable_leaf_is_named_as_a_whole() -> None:
    """A lone surrogate is a str, but not UTF-8: msgpack refuses the whole value, no leaf is to blame."""
    err = _encode_error({"k": "\ud800"}, dict)
    assert err.path == ""
    assert err.message.startswith("Cannot encode dict: expected dict, got {'k': '\\ud800'} (dict): UnicodeEncodeError: ")


def test_pack_builtins_is_msgpack_with_bin_types_and_names_the_leaf() -> None:
    obj = {"a": [1, b"\x00", 1.5, None, True, "s"]}
    assert msgpack_wire.pack_builtins(obj, dict) == msgpack.packb(obj, use_bin_type=True)
    with pytest.raises(ConversionError) as info:
        msgpack_wire.pack_builtins({"a": [1, object()]}, Dict[str, List[Any]])
    assert info.value.path == '["a"][1]' and info.value.message.endswith(CANNOT)


@dataclass
class Sets:
    s: typing.Set[int]
    f: typing.FrozenSet[int]
    xs: List[int]


def test_items_of_sets_take_the_declared_item_type() -> None:
    err = _encode_error(Sets({2**70}, frozenset(), []), Sets)
    assert err.path == ".s[0]" and "expected int, got" in err.message
    err = _encode_error(Sets(set(), frozenset({2**70}), []), Sets)
    assert err.path == ".f[0]" and "expected int, got" in err.message


def test_a_value_not_of_its_declared_container_is_expected_as_any_encodable_value() -> None:
    err = _encode_error(Sets(set(), frozenset(), {"a": 2**70}), Sets)  # type: ignore[arg-type]
    assert err.path == '.xs["a"]' and f"expected {ENCODABLE}" in err.message
    err = _encode_error(Sets(set(), frozenset(), {2**70: 1}), Sets)  # type: ignore[arg-type]
    assert err.path == ".xs<key 1180591620717411303424>" and f"expected {ENCODABLE}" in err.message


def test_keys_and_values_take_the_declared_key_and_value_types() -> None:
    err = _encode_error({2**70: "a"}, Dict[int, str])
    assert err.path == "<key 1180591620717411303424>" and "expected int, got" in err.message
    err = _encode_error({"a": 2**70}, Dict[str, int])
    assert err.path == '["a"]' and "expected int, got" in err.message


def test_items_beyond_a_fixed_tuple_are_expected_as_any_encodable_value() -> None:
    """A dict written as is for a dataclass (PROTOCOL 10.6) is walked with the declared types to name a leaf."""
    from flyte_entrypoint.core.type_engine.engine import to_literal

    @dataclass
    class T:
        fixed: Tuple[int, str]

    result = to_literal({"fixed": [1, "a", 2**70]}, T)
    err = result.failure()
    assert isinstance(err, ConversionError)
    assert err.path == ".fixed[2]" and f"expected {ENCODABLE}" in err.message


def test_every_kind_msgpack_packs_is_passed_over_when_naming_the_leaf() -> None:
    value = {"a": [b"x", bytearray(b"y"), memoryview(b"z"), 1.5, True, None, "s", 7, object()]}
    assert _encode_error(value, dict).path == '["a"][8]'


def test_a_step_failure_is_named_with_the_encode_verb() -> None:
    err = _encode_error({"k": "x"}, Dict[str, datetime.date])
    assert err.path == '["k"]'
    assert err.message.startswith("Cannot encode Dict[str, datetime.date]: field '[\"k\"]' expected date, got 'x' (str): ")
