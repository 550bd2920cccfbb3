"""Dataclasses and untyped dicts (``core/type_engine/dataclass_transformers.py`` and the modules it builds on, ``core/type_engine/json_schema.py``): PROTOCOL 10.5, 10.6,
10.9 (old format) and 10.10 (reading), error messages, the bulk list path."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import os
import pathlib
import sys
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set, Tuple, Union

import msgpack
import pytest
from flyteidl.core import literals_pb2, types_pb2
from google.protobuf import json_format, struct_pb2, text_format
from returns.result import Failure, Success

from flyte_entrypoint.core.type_engine import builtin_codec, msgpack_wire
from flyte_entrypoint.core.type_engine.dataclass_transformers import (
    DataclassTransformer,
    UntypedDictTransformer,
)
from flyte_entrypoint.core.type_engine.engine import (
    ConversionContext,
    ConversionError,
    Engine,
    Sink,
    UnsupportedTypeError,
    literal_type_of,
    to_literal,
    to_python,
)
from flyte_entrypoint.core.type_engine.msgpack_wire import decode_msgpack_literal
from flyte_entrypoint.files import FlyteDirectory, FlyteFile

# --------------------------------------------------------------------------------------------- engine


def _engine() -> Engine:
    """The registry's engine once it lists our transformers; until then ours plus the scalar ones."""
    from flyte_entrypoint.core.type_engine import registry

    transformers = list(registry.ENGINE.transformers)
    complete = any(isinstance(t, DataclassTransformer) for t in transformers) and any(
        t.handles(int) for t in transformers
    )
    if complete:
        return registry.ENGINE
    from flyte_entrypoint.core.type_engine import simple

    others = [t for t in transformers if not isinstance(t, (DataclassTransformer, UntypedDictTransformer))]
    return Engine([*others, UntypedDictTransformer(), *simple.SIMPLE_TRANSFORMERS, DataclassTransformer()])


ENGINE = _engine()
CsvFile = FlyteFile["csv"]  # not inside an annotation: ruff would unquote "csv" there (UP037)
DC = DataclassTransformer()
UD = UntypedDictTransformer()
OLD = ConversionContext(use_old_dc_format=True)
NEW = ConversionContext()


def lit_of(value: Any, tp: Any, context: ConversionContext = NEW) -> literals_pb2.Literal:
    result = to_literal(value, tp, context, engine=ENGINE)
    assert isinstance(result, Success), result
    return typing.cast(literals_pb2.Literal, result.unwrap().value)


def py_of(literal: literals_pb2.Literal, tp: Any) -> Any:
    result = to_python(literal, tp, engine=ENGINE)
    assert isinstance(result, Success), result
    return result.unwrap()


def error_of(result: Any) -> ConversionError:
    assert isinstance(result, Failure), result
    exc = result.failure()
    assert isinstance(exc, ConversionError)
    return exc


def binary(data: bytes, tag: str = "msgpack") -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.binary.value = data
    lit.scalar.binary.tag = tag
    return lit


def struct_lit(obj: dict[str, Any]) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.generic.update(obj)
    return lit


# --------------------------------------------------------------------------------------------- types


@dataclass
class Inner:
    n: int


@dataclass
class Point:
    x: int
    tags: List[str]
    label: Optional[str] = None
    inner: Inner = field(default_factory=lambda: Inner(7))


@dataclass
class Flat:
    i: int
    f: float
    s: str
    b: bool = False


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


@dataclass
class Rich:
    when: datetime.datetime
    day: datetime.date
    span: datetime.timedelta
    color: Color
    blob: bytes
    pair: Tuple[int, str]
    ints: Set[int]
    rest: Tuple[float, ...] = ()
    anything: Any = None


@dataclass
class Node:
    value: int
    children: List[Node] = field(default_factory=list)


MSGPACK_ANNOTATION = """annotation { annotations { fields { key: "cache-key-metadata" value { struct_value {
  fields { key: "serialization-format" value { string_value: "msgpack" } } } } } } }"""

# ------------------------------------------------------------------------------------------- 10.5 dict


def test_untyped_dict_literal_type_is_struct_with_msgpack_annotation() -> None:
    expected = text_format.Parse("simple: STRUCT " + MSGPACK_ANNOTATION, types_pb2.LiteralType())
    for tp in (dict, typing.Dict, Dict[int, str], Dict[Any, Any], Dict[float, Inner]):
        assert literal_type_of(tp, engine=ENGINE).unwrap() == expected


@pytest.mark.parametrize(
    ("tp", "owned"),
    [
        (dict, True),
        (typing.Dict, True),
        (Dict[int, str], True),
        (Dict[Any, Any], True),
        (Dict[str, int], False),  # a typed map: the collections transformer's
        (Dict[str, Any], False),
        (list, False),
        (Point, False),
    ],
)
def test_untyped_dict_handles(tp: Any, owned: bool) -> None:
    assert UD.handles(tp) is owned


def test_untyped_dict_bytes_match_protocol() -> None:
    lit = lit_of({"a": 1, "b": [1, 2], "c": {"d": "e"}}, dict)
    assert lit.scalar.binary.tag == "msgpack"
    assert lit.scalar.binary.value == b"\x83\xa1a\x01\xa1b\x92\x01\x02\xa1c\x81\xa1d\xa1e"
    assert lit.hash == "" and not lit.metadata


def test_untyped_dict_encoding_details() -> None:
    value = {1: "x", "f": 1.0, "n": None, "t": True, "bb": b"\x00", "tu": [1, 2]}
    data = lit_of(value, dict).scalar.binary.value
    assert data == msgpack.packb(value, use_bin_type=True)
    assert b"\xcb\x3f\xf0\x00\x00\x00\x00\x00\x00" in data  # 1.0 as float64
    assert b"\xc4\x01\x00" in data  # bytes as bin 8 (use_bin_type)
    assert py_of(binary(data), dict) == value  # int keys survive (strict_map_key=False)


def test_untyped_dict_requires_exactly_a_dict() -> None:
    from collections import OrderedDict

    for bad in ([("a", 1)], OrderedDict(a=1), "x"):
        assert "Expected a dict" in str(error_of(to_literal(bad, dict, engine=ENGINE)))


def test_dict_with_non_str_key_type_converts_keys_and_values() -> None:
    lit = lit_of({1: Inner(2)}, Dict[int, Inner])
    assert msgpack.unpackb(lit.scalar.binary.value, strict_map_key=False) == {1: {"n": 2}}
    assert py_of(lit, Dict[int, Inner]) == {1: Inner(2)}
    # mashumaro-style coercion on the way in
    assert py_of(binary(msgpack.packb({"1": 5})), Dict[int, str]) == {1: "5"}


def test_untyped_dict_unencodable_value_names_the_key() -> None:
    err = error_of(to_literal({"a": [1, object()]}, dict, engine=ENGINE))
    assert err.path == '["a"][1]'
    assert "can not serialize" in err.message


# ------------------------------------------------------------------------------------- 10.6 dataclass

POINT_SCHEMA = {
    "additionalProperties": False,
    "properties": {
        "inner": {
            "additionalProperties": False,
            "properties": {"n": {"type": "integer"}},
            "required": ["n"],
            "title": "Inner",
            "type": "object",
        },
        "label": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
        "tags": {"items": {"type": "string"}, "type": "array"},
        "x": {"type": "integer"},
    },
    "required": ["x", "tags"],
    "title": "Point",
    "type": "object",
}


def test_dataclass_literal_type_parts() -> None:
    lt = literal_type_of(Point, engine=ENGINE).unwrap()
    assert lt.simple == types_pb2.STRUCT
    assert json_format.MessageToDict(lt.metadata) == POINT_SCHEMA
    assert lt.annotation == text_format.Parse(MSGPACK_ANNOTATION, types_pb2.LiteralType()).annotation
    fields = lt.structure.dataclass_type
    assert fields["x"] == types_pb2.LiteralType(simple=types_pb2.INTEGER)
    inner = fields["inner"]
    assert inner.simple == types_pb2.STRUCT
    assert json_format.MessageToDict(inner.metadata) == POINT_SCHEMA["properties"]["inner"]  # type: ignore[index]
    assert inner.structure.dataclass_type["n"] == types_pb2.LiteralType(simple=types_pb2.INTEGER)
    assert lt.structure.tag == ""


def test_dataclass_type_takes_each_field_type_from_the_engine() -> None:
    lt = literal_type_of(Flat, engine=ENGINE).unwrap()
    assert dict(lt.structure.dataclass_type) == {
        "i": types_pb2.LiteralType(simple=types_pb2.INTEGER),
        "f": types_pb2.LiteralType(simple=types_pb2.FLOAT),
        "s": types_pb2.LiteralType(simple=types_pb2.STRING),
        "b": types_pb2.LiteralType(simple=types_pb2.BOOLEAN),
    }


def test_fields_without_a_literal_type_are_left_out_of_dataclass_type() -> None:
    class Opaque:
        pass

    @dataclass
    class WithOpaque:
        a: int
        o: Opaque

    lt = DC.literal_type(WithOpaque, Engine([*ENGINE.transformers]))
    assert "a" in lt.structure.dataclass_type and "o" not in lt.structure.dataclass_type
    assert not lt.HasField("metadata")  # mashumaro cannot build a schema for it either


def test_literal_type_is_a_fresh_message() -> None:
    a = DC.literal_type(Point, ENGINE)
    a.structure.tag = "mutated"
    assert DC.literal_type(Point, ENGINE).structure.tag == ""


def test_dataclass_bytes_match_protocol() -> None:
    lit = lit_of(Point(x=3, tags=["a"], label=None), Point)
    expected = bytes.fromhex(
        "84 a1 78 03 a4 74 61 67 73 91 a1 61 a5 6c 61 62 65 6c c0 a5 69 6e 6e 65 72 81 a1 6e 07"
    )
    assert lit.scalar.binary.value == expected
    assert lit.scalar.binary.tag == "msgpack"
    assert py_of(lit, Point) == Point(x=3, tags=["a"])


def test_scalars_are_written_as_they_are() -> None:
    # an int in a float field stays an int (mashumaro passes scalars through); reading makes it a float
    data = lit_of(Flat(i=1, f=3, s="s"), Flat).scalar.binary.value  # type: ignore[arg-type]
    assert msgpack.unpackb(data) == {"i": 1, "f": 3, "s": "s", "b": False}
    back = py_of(binary(data), Flat)
    assert back == Flat(1, 3.0, "s") and type(back.f) is float


def test_rich_field_encodings() -> None:
    value = Rich(
        when=datetime.datetime(2024, 1, 2, 3, 4, 5, 6),
        day=datetime.date(2024, 2, 29),
        span=datetime.timedelta(seconds=1.5),
        color=Color.GREEN,
        blob=b"\x00\xff",
        pair=(1, "p"),
        ints={3},
        rest=(0.5,),
        anything={"k": [1]},
    )
    data = lit_of(value, Rich).scalar.binary.value
    assert msgpack.unpackb(data) == {
        "when": "2024-01-02T03:04:05.000006",
        "day": "2024-02-29",
        "span": 1.5,
        "color": "green",
        "blob": b"\x00\xff",
        "pair": [1, "p"],
        "ints": [3],
        "rest": [0.5],
        "anything": {"k": [1]},
    }
    assert py_of(binary(data), Rich) == value


def test_recursive_dataclass_round_trips_and_has_a_literal_type() -> None:
    tree = Node(1, [Node(2), Node(3, [Node(4)])])
    assert py_of(lit_of(tree, Node), Node) == tree
    lt = DC.literal_type(Node, ENGINE)
    schema = json_format.MessageToDict(lt.metadata)
    assert schema["$ref"] == "#/$defs/Node" and "Node" in schema["$defs"]


def test_string_annotations_are_resolved() -> None:
    module = types.ModuleType("struct_test_future_module")
    sys.modules[module.__name__] = module
    try:
        exec(
            "from __future__ import annotations\n"
            "from dataclasses import dataclass\n"
            "from typing import List, Optional\n"
            "@dataclass\n"
            "class Later:\n"
            "    xs: List[int]\n"
            "    o: Optional[float] = None\n",
            module.__dict__,
        )
        later = module.__dict__["Later"]
        value = later(xs=[1, 2], o=1)
        back = py_of(lit_of(value, later), later)
        assert back == value and type(back.o) is float
        assert DC.literal_type(later, ENGINE).structure.dataclass_type["o"] is not None
    finally:
        del sys.modules[module.__name__]


# ------------------------------------------------------------------------------------- 10.10 reading


def test_reading_coerces_ignores_unknown_keys_and_fills_defaults() -> None:
    data = msgpack.packb({"x": 3.0, "tags": ["a", 1], "unknown": {"deep": [1]}})
    assert py_of(binary(data), Point) == Point(x=3, tags=["a", "1"], label=None, inner=Inner(7))


def test_explicit_none_for_an_optional_field_with_another_default_is_kept() -> None:
    @dataclass
    class D:
        o: Optional[int] = 5

    assert py_of(binary(msgpack.packb({"o": None})), D) == D(o=None)
    assert py_of(binary(msgpack.packb({})), D) == D(o=5)


def test_union_field_decoding_follows_mashumaro_order() -> None:
    @dataclass
    class U:
        u: Union[int, List[int], Inner, str, None]

    def read(v: Any) -> Any:
        return py_of(binary(msgpack.packb({"u": v})), U).u

    assert read(5) == 5
    assert read("x") == "x"
    assert read([1, 2]) == [1, 2]
    assert read({"n": 1}) == Inner(1)
    assert read(None) is None
    assert read(2.5) == 2  # no exact match: the first coercion (int) wins


def test_missing_required_field_is_an_error_naming_the_path() -> None:
    err = error_of(to_python(binary(msgpack.packb({"x": 1, "tags": [], "inner": {}})), Point, engine=ENGINE))
    assert err.path == ".inner.n"
    assert "Point" in err.message and "'inner.n'" in err.message and "missing" in err.message


def test_wrong_field_value_is_an_error_naming_the_path_and_type() -> None:
    @dataclass
    class Holder:
        points: List[Point]

    payload = {"points": [{"x": 1, "tags": []}, {"x": 2, "tags": [], "inner": {"n": [1]}}]}
    err = error_of(to_python(binary(msgpack.packb(payload)), Holder, engine=ENGINE))
    assert err.path == ".points[1].inner.n"
    assert "Holder" in err.message and "expected int" in err.message
    err = error_of(to_python(binary(msgpack.packb({"x": "zz", "tags": []})), Point, engine=ENGINE))
    assert err.path == ".x" and "expected int" in err.message and "'zz'" in err.message


def test_wrong_shape_is_an_error_naming_the_dataclass() -> None:
    for payload in ([1, 2], "text", 5):
        err = error_of(to_python(binary(msgpack.packb(payload)), Point, engine=ENGINE))
        assert "Point" in err.message


@pytest.mark.parametrize("data", [b"\xc1", b"\x84\xa1x", b"\x81\xa1x\x01extra", b""])
def test_corrupt_msgpack_is_a_conversion_error(data: bytes) -> None:
    err = error_of(to_python(binary(data), Point, engine=ENGINE))
    assert "Point" in err.message and "msgpack" in err.message


def test_unsupported_binary_tag_and_wrong_literal_kind() -> None:
    assert "unsupported binary format" in str(
        error_of(to_python(binary(b"\x80", tag="json"), Point, engine=ENGINE))
    )
    lit = literals_pb2.Literal()
    lit.scalar.primitive.integer = 1
    assert "integer" not in str(error_of(to_python(lit, Point, engine=ENGINE))) or True
    assert "primitive" in str(error_of(to_python(lit, Point, engine=ENGINE)))
    assert "collection" in str(error_of(to_python(literals_pb2.Literal(collection={}), dict, engine=ENGINE)))


# ----------------------------------------------------------------------------------------- writing


def test_writing_a_non_dataclass_fails() -> None:
    err = error_of(to_literal(5, Point, engine=ENGINE))
    assert "Point" in err.message


def test_writing_none_fails() -> None:
    assert isinstance(to_literal(None, Point, engine=ENGINE), Failure)
    assert isinstance(to_literal(None, dict, engine=ENGINE), Failure)


def test_unencodable_field_value_names_the_path_and_declared_type() -> None:
    err = error_of(to_literal(Point(x=1, tags=["a"], inner=Inner(object())), Point, engine=ENGINE))  # type: ignore[arg-type]
    assert err.path == ".inner.n" and "expected int" in err.message and "Point" in err.message
    err = error_of(
        to_literal(
            Rich(
                datetime.datetime.now(), "not a date", datetime.timedelta(), Color.RED, b"", (1, "a"), set()
            ),
            Rich,
            engine=ENGINE,
        )
    )  # type: ignore[arg-type]
    assert err.path == ".day"


def test_a_subclass_instance_is_written_with_the_declared_fields() -> None:
    @dataclass
    class Sub(Inner):
        extra: int = 0

    assert py_of(lit_of(Sub(1, 2), Inner), Inner) == Inner(1)


def test_a_dict_for_a_dataclass_is_written_as_is_when_the_keys_fit() -> None:
    lit = lit_of({"i": 1, "f": 2.0, "s": "x", "b": True}, Flat)
    assert lit.scalar.binary.value == msgpack.packb({"i": 1, "f": 2.0, "s": "x", "b": True})
    assert "misses" in str(error_of(to_literal({"i": 1}, Flat, engine=ENGINE)))
    assert "unknown" in str(
        error_of(to_literal({"i": 1, "f": 1.0, "s": "", "b": True, "z": 0}, Flat, engine=ENGINE))
    )


def test_write_in_place_equals_to_literal() -> None:
    sink = Sink(ConversionContext())
    for value, tp, t in ((Point(1, ["a"]), Point, DC), ({"a": [1]}, dict, UD)):
        target = literals_pb2.Literal()
        t.write(value, tp, ENGINE, sink, target)  # type: ignore[attr-defined]
        assert target == t.to_literal(value, tp, ENGINE, sink)


# ---------------------------------------------------------------------------------- 10.9 old format


def test_old_format_dataclass_is_a_struct() -> None:
    lit = lit_of(Flat(i=1, f=2.5, s="x"), Flat, OLD)
    expected = struct_pb2.Struct()
    expected.update({"i": 1.0, "f": 2.5, "s": "x", "b": False})
    assert lit.scalar.generic == expected
    assert not lit.metadata
    assert py_of(lit, Flat) == Flat(1, 2.5, "x")
    assert type(py_of(lit, Flat).i) is int  # doubles turned back into ints for int fields


def test_old_format_untyped_dict_has_json_metadata() -> None:
    lit = lit_of({"a": 1, 2: [True]}, dict, OLD)
    assert dict(lit.metadata) == {"format": "json"}
    assert json_format.MessageToDict(lit.scalar.generic) == {"a": 1.0, "2": [True]}
    assert py_of(lit, dict) == {"a": 1.0, "2": [True]}


def test_old_format_bytes_are_base64_and_dates_iso() -> None:
    value = Rich(
        datetime.datetime(2024, 1, 2),
        datetime.date(2024, 1, 3),
        datetime.timedelta(1),
        Color.RED,
        b"ab",
        (1, "a"),
        {2},
    )
    lit = lit_of(value, Rich, OLD)
    as_dict = json_format.MessageToDict(lit.scalar.generic)
    assert as_dict["blob"] == "YWI=\n" and as_dict["when"] == "2024-01-02T00:00:00"
    assert py_of(lit, Rich) == value


def test_struct_literals_are_read_whatever_the_flag() -> None:
    lit = struct_lit({"x": 3.0, "tags": ["t"], "inner": {"n": 2.0}})
    assert py_of(lit, Point) == Point(3, ["t"], None, Inner(2))
    pickled = struct_lit({"pickle_file": "s3://b/k"})
    pickled.metadata["format"] = "pickle"
    assert "pickle" in str(error_of(to_python(pickled, dict, engine=ENGINE)))


def test_old_format_unencodable_value_is_an_error() -> None:
    err = error_of(to_literal({"s": {1, 2}}, dict, OLD, engine=ENGINE))
    assert "JSON" in err.message


# -------------------------------------------------------------------------- attribute-access helper


def test_decode_msgpack_literal_simple_types_need_exact_types() -> None:
    assert decode_msgpack_literal(binary(msgpack.packb(3)), int) == 3
    assert decode_msgpack_literal(binary(msgpack.packb("s")), str) == "s"
    assert decode_msgpack_literal(binary(msgpack.packb(True)), bool) is True
    with pytest.raises(ConversionError, match="expected exactly float"):
        decode_msgpack_literal(binary(msgpack.packb(3)), float)
    with pytest.raises(ConversionError, match="expected exactly int"):
        decode_msgpack_literal(binary(msgpack.packb(True)), int)


def test_decode_msgpack_literal_dates_and_containers() -> None:
    dt = datetime.datetime(2024, 1, 2, 3, 4, 5)
    assert decode_msgpack_literal(binary(msgpack.packb(dt.isoformat())), datetime.datetime) == dt
    assert decode_msgpack_literal(binary(msgpack.packb("2024-01-02")), datetime.date) == datetime.date(
        2024, 1, 2
    )
    assert decode_msgpack_literal(binary(msgpack.packb(1.5)), datetime.timedelta) == datetime.timedelta(
        seconds=1.5
    )
    assert decode_msgpack_literal(binary(msgpack.packb([1, 2.0])), List[int]) == [1, 2]
    assert decode_msgpack_literal(binary(msgpack.packb({"a": [{"n": 1}]})), Dict[str, List[Inner]]) == {
        "a": [Inner(1)]
    }
    assert decode_msgpack_literal(binary(msgpack.packb(None)), Optional[int]) is None
    with pytest.raises(ConversionError) as info:
        decode_msgpack_literal(binary(msgpack.packb([1, "x"])), List[int])
    assert info.value.path == "[1]"


def test_is_msgpack_literal() -> None:
    assert msgpack_wire.is_msgpack_literal(binary(b"\x80"))
    assert not msgpack_wire.is_msgpack_literal(struct_lit({}))
    assert not msgpack_wire.is_msgpack_literal(literals_pb2.Literal())


# ------------------------------------------------------------------------------------------- bulk


def test_bulk_list_paths_equal_the_per_element_ones() -> None:
    sink = Sink(ConversionContext())
    values = [Point(i, [str(i)] * (i % 3), None if i % 2 else "l", Inner(i)) for i in range(300)]
    values.append(Point(10**6, ["x" * 20000]))  # multi-byte varint lengths
    bulk = DC.to_literal_list(values, Point, ENGINE, sink)
    each = literals_pb2.Literal()
    each.collection.literals.extend(DC.to_literal(v, Point, ENGINE, sink) for v in values)
    assert bulk == each
    assert bulk.SerializeToString() == each.SerializeToString()
    assert DC.to_python_list(bulk, Point, ENGINE, sink) == values


def test_bulk_list_handles_mixed_elements_and_old_format() -> None:
    sink = Sink(ConversionContext())
    values = [Inner(1), {"n": 2}, Inner(3)]
    bulk = DC.to_literal_list(values, Inner, ENGINE, sink)
    assert DC.to_python_list(bulk, Inner, ENGINE, sink) == [Inner(1), Inner(2), Inner(3)]
    old = DC.to_literal_list(values, Inner, ENGINE, Sink(OLD))
    assert all(x.scalar.HasField("generic") for x in old.collection.literals)
    assert DC.to_python_list(old, Inner, ENGINE, sink) == [Inner(1), Inner(2), Inner(3)]


def test_bulk_list_errors_carry_the_index() -> None:
    sink = Sink(ConversionContext())
    with pytest.raises(ConversionError) as info:
        DC.to_literal_list([Inner(1), Inner(object())], Inner, ENGINE, sink)  # type: ignore[arg-type]
    assert info.value.path == "[1].n"
    coll = DC.to_literal_list([Inner(1), Inner(2)], Inner, ENGINE, sink)
    coll.collection.literals[1].scalar.binary.value = msgpack.packb({"m": 1})
    with pytest.raises(ConversionError) as info:
        DC.to_python_list(coll, Inner, ENGINE, sink)
    assert info.value.path == "[1].n"
    coll.collection.literals[0].scalar.binary.value = b"\xc1"
    with pytest.raises(ConversionError) as info:
        DC.to_python_list(coll, Inner, ENGINE, sink)
    assert info.value.path == "[0]"


def test_unsupported_field_type_is_reported() -> None:
    class Opaque:
        pass

    @dataclass
    class Bad:
        o: Opaque

    err = error_of(to_literal(Bad(Opaque()), Bad, engine=ENGINE))
    assert isinstance(err, UnsupportedTypeError) or "not supported" in err.message


def test_dataclass_fields_listing_matches_dataclasses_module() -> None:
    @dataclass
    class WithInitFalse:
        a: int
        b: int = field(init=False, default=9)

    lit = lit_of(WithInitFalse(1), WithInitFalse)
    assert msgpack.unpackb(lit.scalar.binary.value) == {"a": 1, "b": 9}  # written...
    assert py_of(lit, WithInitFalse) == WithInitFalse(1)  # ...but not passed to __init__
    assert [f.name for f in dataclasses.fields(WithInitFalse)] == ["a", "b"]


# ------------------------------------------------------------------- FlyteFile / FlyteDirectory fields


def test_files_inside_a_dataclass_go_through_the_engine(tmp_path: Any) -> None:
    @dataclass
    class WithFiles:
        f: FlyteFile
        d: FlyteDirectory
        local: Optional[FlyteFile] = None
        csvs: List[CsvFile] = field(default_factory=list)

    local = tmp_path / "hello.txt"
    local.write_text("hi")
    value = WithFiles(
        f=FlyteFile("s3://b/k/x.txt"),
        d=FlyteDirectory("s3://b/dir"),
        local=FlyteFile(str(local)),
        csvs=[CsvFile("s3://b/a.csv")],
    )
    result = to_literal(value, WithFiles, ConversionContext(raw_output_prefix="s3://raw"), engine=ENGINE)
    converted = result.unwrap()
    stored = msgpack.unpackb(converted.value.scalar.binary.value)
    assert stored["f"] == {"path": "s3://b/k/x.txt"} and stored["d"] == {"path": "s3://b/dir"}
    assert stored["csvs"] == [{"path": "s3://b/a.csv"}]
    (upload,) = converted.uploads
    assert upload.local_path == str(local) and stored["local"] == {"path": upload.remote}
    assert upload.remote.startswith("s3://raw/") and upload.remote.endswith("/hello.txt")

    back = to_python(
        converted.value, WithFiles, ConversionContext(local_sandbox=str(tmp_path)), engine=ENGINE
    )
    got = back.unwrap()
    assert got.f.remote_source == "s3://b/k/x.txt" and got.d.remote_source == "s3://b/dir"
    assert got.local.remote_source == upload.remote and got.csvs[0].remote_source == "s3://b/a.csv"
    assert type(got.csvs[0]) is CsvFile

    lt = literal_type_of(WithFiles, engine=ENGINE).unwrap()
    assert lt.structure.dataclass_type["d"].blob.dimensionality == types_pb2.BlobType.MULTIPART
    schema = json_format.MessageToDict(lt.metadata)
    assert schema["properties"]["f"]["title"] == "FlyteFile" and "required" not in schema["properties"]["f"]
    assert schema["properties"]["d"]["title"] == "FlyteDirectory"


def test_a_file_field_without_engine_context_is_a_clear_error() -> None:
    @dataclass
    class OneFile:
        f: FlyteFile

    with pytest.raises(ConversionError, match="engine's context"):
        builtin_codec.to_builtins(OneFile(FlyteFile("s3://b/k")), OneFile)


def test_literal_and_pathlike_fields() -> None:
    @dataclass
    class Misc:
        mode: typing.Literal["r", "w"]
        where: pathlib.PurePosixPath
        anywhere: os.PathLike  # type: ignore[type-arg]

    value = Misc("w", pathlib.PurePosixPath("/a/b"), pathlib.PurePosixPath("/c"))
    data = lit_of(value, Misc).scalar.binary.value
    assert msgpack.unpackb(data) == {"mode": "w", "where": "/a/b", "anywhere": "/c"}
    back = py_of(binary(data), Misc)
    assert back.mode == "w" and back.where == pathlib.PurePosixPath("/a/b") and str(back.anywhere) == "/c"
    err = error_of(to_literal(Misc("x", value.where, value.anywhere), Misc, engine=ENGINE))  # type: ignore[arg-type]
    assert err.path == ".mode"


def test_a_none_default_lets_none_through_whatever_the_type() -> None:
    @dataclass
    class NoneDefaults:
        when: datetime.datetime = None  # type: ignore[assignment]
        n: int = None  # type: ignore[assignment]

    data = lit_of(NoneDefaults(), NoneDefaults).scalar.binary.value
    assert msgpack.unpackb(data) == {"when": None, "n": None}
    assert py_of(binary(data), NoneDefaults) == NoneDefaults()
    schema = json_format.MessageToDict(DC.literal_type(NoneDefaults, ENGINE).metadata)
    assert schema["properties"]["when"] == {"type": "string", "format": "date-time", "default": None}


def test_write_list_fills_the_target_like_to_literal_list() -> None:
    sink = Sink(ConversionContext())
    for values in ([], [Inner(1), Inner(2)]):
        target = literals_pb2.Literal()
        DC.write_list(values, Inner, ENGINE, sink, target)
        assert target == DC.to_literal_list(values, Inner, ENGINE, sink)
        assert target.HasField("collection")
        assert target.SerializeToString() == lit_of(values, List[Inner]).SerializeToString()


def test_small_varint_table_matches_the_encoder() -> None:
    from flyte_entrypoint.core.type_engine.varint import SMALL_VARINTS as _SMALL_VARINTS
    from flyte_entrypoint.core.type_engine.varint import varint as _varint

    assert len(_SMALL_VARINTS) == 1 << 14
    assert all(_SMALL_VARINTS[i] == _varint(i) for i in range(1 << 14))
