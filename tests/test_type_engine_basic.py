"""The base type engine: PROTOCOL.md 10.1-10.4, 10.7 and 10.10 as worked examples, errors, and our choices.

Byte-level agreement with flytekit itself is checked in ``tests/differential/test_types_oracle.py``; these
tests pin the documented encodings without needing the oracle.
"""

from __future__ import annotations

import collections
import datetime
import enum
import typing
from typing import Annotated, Any, Dict, List, NamedTuple, Optional, Tuple, Union

import pytest
from flyteidl.core import literals_pb2, types_pb2
from google.protobuf import text_format
from returns.result import Failure, Success

from flyte_entrypoint.core.type_engine import fastwire, outputs, registry
from flyte_entrypoint.core.type_engine.annotated import FlyteAnnotation, HashMethod
from flyte_entrypoint.core.type_engine.engine import (
    ConversionContext,
    ConversionError,
    Engine,
    Sink,
    UnsupportedTypeError,
    Upload,
    literal_type_of,
    to_literal,
    to_python,
)


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Numbered(enum.Enum):
    ONE = 1


class Out(NamedTuple):
    total: int
    label: str


class One(NamedTuple):
    only: int


def lt_text(tp: Any) -> str:
    return text_format.MessageToString(literal_type_of(tp).unwrap(), as_one_line=True)


def lit(value: Any, tp: Any) -> literals_pb2.Literal:
    return to_literal(value, tp).unwrap().value


def lit_text(value: Any, tp: Any) -> str:
    return text_format.MessageToString(lit(value, tp), as_one_line=True)


def error(result: Any) -> ConversionError:
    assert isinstance(result, Failure), result
    exc = result.failure()
    assert isinstance(exc, ConversionError)
    return exc


def back(value: Any, tp: Any) -> Any:
    return to_python(lit(value, tp), tp).unwrap()


def primitive(**fields: Any) -> literals_pb2.Literal:
    out = literals_pb2.Literal()
    for k, v in fields.items():
        if k == "datetime":
            out.scalar.primitive.datetime.FromDatetime(v)
        else:
            setattr(out.scalar.primitive, k, v)
    return out


# -- 10.1 scalars ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tp,value,lt,literal",
    [
        (int, 42, "simple: INTEGER", "scalar { primitive { integer: 42 } }"),
        (float, 3.5, "simple: FLOAT", "scalar { primitive { float_value: 3.5 } }"),
        (str, "hello", "simple: STRING", 'scalar { primitive { string_value: "hello" } }'),
        (bool, True, "simple: BOOLEAN", "scalar { primitive { boolean: true } }"),
        (bool, False, "simple: BOOLEAN", "scalar { primitive { boolean: false } }"),
        (
            datetime.datetime,
            datetime.datetime(2024, 1, 2, 3, 4, 5, 123456),
            "simple: DATETIME",
            "scalar { primitive { datetime { seconds: 1704164645 nanos: 123456000 } } }",
        ),
        (
            datetime.datetime,
            datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
            "simple: DATETIME",
            "scalar { primitive { datetime { seconds: 1704157445 } } }",
        ),
        (
            datetime.date,
            datetime.date(2024, 1, 2),
            "simple: DATETIME",
            "scalar { primitive { datetime { seconds: 1704153600 } } }",
        ),
        (
            datetime.timedelta,
            datetime.timedelta(days=1, seconds=3, microseconds=500),
            "simple: DURATION",
            "scalar { primitive { duration { seconds: 86403 nanos: 500000 } } }",
        ),
        (type(None), None, "simple: NONE", "scalar { none_type { } }"),
        (Annotated[int, "meta"], 5, "simple: INTEGER", "scalar { primitive { integer: 5 } }"),
    ],
)
def test_scalar_encodings(tp: Any, value: Any, lt: str, literal: str) -> None:
    assert lt_text(tp) == lt
    assert lit_text(value, tp) == literal


def test_none_literal_type_has_explicit_simple_field() -> None:
    # SimpleType NONE is 0; it is in a oneof, so it must still be on the wire
    assert literal_type_of(type(None)).unwrap().SerializeToString() == b"\x08\x00"


def test_flyte_annotation_and_hash_method() -> None:
    assert lt_text(Annotated[int, FlyteAnnotation({"foo": "bar"})]) == (
        'simple: INTEGER annotation { annotations { fields { key: "foo" value { string_value: "bar" } } } }'
    )
    hashed = lit(5, Annotated[int, HashMethod(lambda v: f"h{v}")])
    assert text_format.MessageToString(hashed, as_one_line=True) == 'scalar { primitive { integer: 5 } } hash: "h5"'


def test_flyte_annotation_rules() -> None:
    two = Annotated[int, FlyteAnnotation({"a": 1}), FlyteAnnotation({"b": 2})]
    assert "More than one FlyteAnnotation" in str(error(literal_type_of(two)))
    reserved = Annotated[int, FlyteAnnotation({"cache-key-metadata": 1})]
    assert "reserved" in str(error(literal_type_of(reserved)))


def test_strict_output_types() -> None:
    # flytekit's words (error documents are compared with flytekit's)
    assert str(error(to_literal(3, float))) == "Expected value of type <class 'float'> but got '3' of type <class 'int'>"
    assert str(error(to_literal(True, int))) == "Expected value of type <class 'int'> but got 'True' of type <class 'bool'>"
    assert "but got '5' of type <class 'str'>" in str(error(to_literal("5", int)))
    assert "<class 'datetime.date'>" in str(error(to_literal(datetime.datetime(2024, 1, 1), datetime.date)))
    overflow = error(to_literal(2**63, int))
    assert (overflow.kind, overflow.message) == ("ValueError", "Value out of range: 9223372036854775808")
    assert str(error(to_literal(None, int))) == (
        "Python value cannot be None, expected <class 'int'>/Flyte Serialized object (LiteralType):\n  simple: 1"
    )
    tuple_error = error(to_literal((1, 2), int))
    assert tuple_error.kind == "AssertionError" and "got a tuple - (1, 2)." in tuple_error.message


# -- 10.10 reading ----------------------------------------------------------------------------------------------


def test_reading_rules() -> None:
    assert to_python(primitive(integer=3), float).unwrap() == 3.0
    assert type(to_python(primitive(integer=3), float).unwrap()) is float
    assert to_python(primitive(float_value=3.9), int).unwrap() == 3
    assert isinstance(to_python(primitive(integer=3), str), Failure)
    assert isinstance(to_python(primitive(integer=1), bool), Failure)
    tz = datetime.timezone(datetime.timedelta(hours=-5))
    late = primitive(datetime=datetime.datetime(2024, 1, 2, 23, 30, tzinfo=tz))
    assert to_python(late, datetime.datetime).unwrap() == datetime.datetime(
        2024, 1, 3, 4, 30, tzinfo=datetime.timezone.utc
    )
    assert to_python(late, datetime.datetime).unwrap().tzinfo is datetime.timezone.utc
    assert to_python(late, datetime.date).unwrap() == datetime.date(2024, 1, 3)
    assert str(error(to_python(primitive(string_value="blue"), Color))) == "'blue' is not a valid Color"
    assert str(error(to_python(primitive(integer=3), str))) == (
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      integer: 3"
        " to <class 'str'>"
    )
    assert str(error(to_python(primitive(string_value="3"), int))).endswith("string_value: 3 to int")


def test_naive_datetime_round_trips_as_utc() -> None:
    naive = datetime.datetime(2024, 1, 2, 3, 4, 5)
    assert back(naive, datetime.datetime) == naive.replace(tzinfo=datetime.timezone.utc)


# -- 10.2 unions --------------------------------------------------------------------------------------------------


def test_optional_and_union_encodings() -> None:
    assert lt_text(Optional[int]) == (
        'union_type { variants { simple: INTEGER structure { tag: "int" } } '
        'variants { simple: NONE structure { tag: "none" } } }'
    )
    assert lit_text(5, Optional[int]) == (
        "scalar { union { value { scalar { primitive { integer: 5 } } } "
        'type { simple: INTEGER structure { tag: "int" } } } }'
    )
    assert lit_text(None, Optional[int]) == (
        'scalar { union { value { scalar { none_type { } } } type { simple: NONE structure { tag: "none" } } } }'
    )
    assert lit_text("x", Union[int, str]) == (
        'scalar { union { value { scalar { primitive { string_value: "x" } } } '
        'type { simple: STRING structure { tag: "str" } } } }'
    )
    assert lt_text(int | None) == lt_text(Optional[int])


def test_union_tags_are_transformer_names() -> None:
    tp = Union[int, float, str, bool, None, datetime.datetime, datetime.date, datetime.timedelta, List[int], Dict[str, int], Color]
    tags = [v.structure.tag for v in literal_type_of(tp).unwrap().union_type.variants]
    assert tags == [
        "int", "float", "str", "bool", "none", "datetime", "date", "timedelta", "Typed List", "Typed Dict",
        "DefaultEnumTransformer",
    ]  # fmt: skip


def test_union_variant_order_is_kept_even_though_python_unions_compare_equal() -> None:
    first = literal_type_of(Union[int, str]).unwrap()
    second = literal_type_of(Union[str, int]).unwrap()
    assert [v.simple for v in first.union_type.variants] == [types_pb2.INTEGER, types_pb2.STRING]
    assert [v.simple for v in second.union_type.variants] == [types_pb2.STRING, types_pb2.INTEGER]


def test_union_matching() -> None:
    assert "Ambiguous choice of variant" in str(error(to_literal([], Union[List[int], List[str]])))
    assert str(error(to_literal(1.5, Union[int, str]))) == "Value 1.5 is not of type typing.Union[int, str]"
    assert str(error(to_literal(True, Optional[str]))) == "Value True is not of type typing.Optional[str]"
    assert str(error(to_literal(5, Union[List[int], str]))) == "Cannot convert from 5 to typing.Union[typing.List[int], str]"
    assert error(to_literal([], Union[List[int], List[str]])).kind == "TypeError"
    # a bare str matching both str and an enum picks str (1.16.31)
    assert lit(value="red", tp=Union[Color, str]).scalar.union.type.structure.tag == "str"
    assert lit(Color.RED, Union[Color, str]).scalar.union.type.structure.tag == "DefaultEnumTransformer"
    assert back(True, Union[int, bool]) is True
    assert back(1, Union[int, float]) == 1 and type(back(1, Union[int, float])) is int


def _union_literal(value: literals_pb2.Literal, stored: types_pb2.LiteralType | None, tag: str | None) -> Any:
    out = literals_pb2.Literal()
    out.scalar.union.value.CopyFrom(value)
    if stored is not None:
        out.scalar.union.type.CopyFrom(stored)
        if tag is not None:
            out.scalar.union.type.structure.tag = tag
    return out


def test_union_reading_with_tags() -> None:
    string = types_pb2.LiteralType(simple=types_pb2.STRING)
    assert to_python(_union_literal(primitive(string_value="x"), string, "str"), Union[int, str]).unwrap() == "x"
    assert isinstance(to_python(_union_literal(primitive(string_value="x"), string, "int"), Union[int, str]), Failure)
    # a union literal for a plain target is an error, as in flytekit
    assert isinstance(to_python(_union_literal(primitive(string_value="x"), string, "str"), str), Failure)


def test_union_reading_improvements_over_flytekit() -> None:
    integer = types_pb2.LiteralType(simple=types_pb2.INTEGER)
    # no tag: decoded from the value inside (flytekit cannot decode these)
    assert to_python(_union_literal(primitive(integer=7), integer, None), Union[int, str]).unwrap() == 7
    assert to_python(_union_literal(primitive(integer=7), None, None), Optional[int]).unwrap() == 7
    # several variants accept a plain literal: the exact kind wins (flytekit: ambiguous)
    assert type(to_python(primitive(integer=3), Union[int, float]).unwrap()) is int
    assert to_python(primitive(float_value=3.5), Union[int, float]).unwrap() == 3.5
    assert to_python(primitive(string_value="red"), Union[str, Color]).unwrap() == "red"
    # and stays ambiguous when the kind does not decide
    when = primitive(datetime=datetime.datetime(2024, 1, 2))
    assert "Ambiguous" in str(error(to_python(when, Union[datetime.datetime, datetime.date])))


def test_plain_literal_for_optional() -> None:
    assert to_python(primitive(integer=3), Optional[int]).unwrap() == 3
    none = literals_pb2.Literal()
    none.scalar.none_type.SetInParent()
    assert to_python(none, Optional[int]).unwrap() is None


# -- 10.3 enums --------------------------------------------------------------------------------------------------


def test_enum() -> None:
    assert lt_text(Color) == 'enum_type { values: "red" values: "green" }'
    assert lit_text(Color.GREEN, Color) == 'scalar { primitive { string_value: "green" } }'
    assert lit_text("red", Color) == 'scalar { primitive { string_value: "red" } }'
    assert back(Color.GREEN, Color) is Color.GREEN
    assert "Only Enums with str values" in str(error(literal_type_of(Numbered)))
    assert str(error(to_literal("purple", Color))) == "Value purple is not in Enum <enum 'Color'>"
    assert back(Color.RED, Annotated[Color, "doc"]) is Color.RED


# -- 10.4 lists and dicts ------------------------------------------------------------------------------------------


def test_collections() -> None:
    assert lt_text(List[int]) == "collection_type { simple: INTEGER }"
    assert lt_text(list[list[int]]) == "collection_type { collection_type { simple: INTEGER } }"
    assert lt_text(Dict[str, int]) == "map_value_type { simple: INTEGER }"
    assert lit_text([1, 2], List[int]) == (
        "collection { literals { scalar { primitive { integer: 1 } } } literals { scalar { primitive { integer: 2 } } } }"
    )
    assert lit_text([], List[int]) == "collection { }"
    assert lit_text({}, Dict[str, int]) == "map { }"
    assert lit_text({"a": 1}, Dict[str, int]) == 'map { literals { key: "a" value { scalar { primitive { integer: 1 } } } } }'
    assert back([[1], [2, 3], []], List[List[int]]) == [[1], [2, 3], []]
    assert back({"x": [{"y": 1.5}]}, Dict[str, List[Dict[str, float]]]) == {"x": [{"y": 1.5}]}


def test_collection_errors_name_the_element() -> None:
    assert str(error(to_literal([1, 2, 3, "x"], List[int]))) == (
        "[3]: Expected value of type <class 'int'> but got 'x' of type <class 'str'>"
    )
    none_inside = error(to_literal({"k": [1, None]}, Dict[str, List[int]]))
    assert none_inside.path == '["k"][1]' and none_inside.message.startswith("Python value cannot be None")
    assert str(error(to_literal({1, 2}, List[int]))) == "Expected a list"
    assert str(error(to_literal({1, 2}, list[int]))) == "Value '{1, 2}' is not of container type <class 'list'>"
    assert error(to_literal([(1, 2)], List[List[int]])).kind == "AssertionError"
    assert str(error(to_literal({1: 2}, Dict[str, int]))) == "Flyte MapType expects all keys to be strings"
    big = [1] * 40 + [2**64] + [1]
    assert str(error(to_literal(big, List[int]))) == "[40]: Value out of range: 18446744073709551616"
    assert error(to_literal([0.5] * 30 + [1], List[float])).path == "[30]"
    bad = literals_pb2.Literal()
    for i in range(20):
        bad.collection.literals.add().CopyFrom(primitive(integer=i))
    bad.collection.literals.add().CopyFrom(primitive(string_value="x"))
    assert str(error(to_python(bad, List[int]))).startswith("[20]: Cannot convert literal Flyte Serialized object")
    assert "is not a collection" in str(error(to_python(primitive(integer=1), List[int])))


@pytest.mark.parametrize(
    "elem,values",
    [
        (int, [0, 1, -1, 127, 128, 2**63 - 1, -(2**63)] * 5),
        (float, [0.0, -0.0, 1.5, float("inf"), 1e-300] * 5),
        (str, ["", "a", "é" * 70, "x" * 300] * 5),
        (bool, [True, False] * 10),
    ],
)
def test_bulk_and_per_element_paths_write_the_same_bytes(elem: Any, values: list[Any]) -> None:
    tp = List[elem]  # type: ignore[valid-type]
    whole = lit(values, tp)
    one_by_one = literals_pb2.Literal()
    one_by_one.collection.SetInParent()
    for v in values:
        one_by_one.collection.literals.add().CopyFrom(lit(v, elem))
    assert whole.SerializeToString() == one_by_one.SerializeToString()
    assert fastwire.decode_collection(whole.collection.SerializeToString(), len(values), fastwire.KINDS[[int, float, str, bool].index(elem)]) is not None
    assert back(values, tp) == values


def test_unsupported_types_are_named() -> None:
    class Plain:
        pass

    for tp in (Plain, list, typing.List, Tuple[int, str], set[int]):
        exc = error(literal_type_of(tp))
        assert isinstance(exc, UnsupportedTypeError)
        assert "is not supported" in str(exc)


# -- 10.7 outputs and interfaces -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "annotation,names",
    [
        (None, ()),
        (type(None), ()),
        (int, ("o0",)),
        (Tuple[int, str], ("o0", "o1")),
        (tuple[int, List[int]], ("o0", "o1")),
        ((int, str), ("o0", "o1")),
        (Tuple[()], ()),
        (Out, ("total", "label")),
        (One, ("only",)),
    ],
)
def test_output_names(annotation: Any, names: tuple[str, ...]) -> None:
    assert outputs.output_signature(annotation).unwrap().names == names


@pytest.mark.parametrize("annotation", [Tuple[int], (int,), Tuple[int, ...], tuple, collections.namedtuple("Bare", "a b")])
def test_rejected_output_annotations(annotation: Any) -> None:
    assert isinstance(outputs.output_signature(annotation), Failure)


def _outputs(annotation: Any, value: Any) -> Any:
    return outputs.outputs_to_literal_map(value, outputs.output_signature(annotation).unwrap(), "wf.t")


def test_output_maps() -> None:
    lm = _outputs(Out, Out(10, "x")).unwrap().value
    assert text_format.MessageToString(lm, as_one_line=True).count("key:") == 2
    assert lm.literals["total"].scalar.primitive.integer == 10
    assert _outputs(One, One(3)).unwrap().value.literals["only"].scalar.primitive.integer == 3
    assert _outputs(One, 3).unwrap().value.literals["only"].scalar.primitive.integer == 3
    assert len(_outputs(None, 5).unwrap().value.literals) == 0
    assert _outputs(Optional[int], None).unwrap().value.literals["o0"].scalar.WhichOneof("value") == "union"


def test_output_errors() -> None:
    tuple_error = _outputs(int, (1, 2)).failure()
    assert tuple_error.is_tuple_error
    assert tuple_error.message == "Output(o0) in task 'wf.t' received a tuple (1, 2), instead of <class 'int'>"
    conv = _outputs(Out, Out("x", 10)).failure()
    assert conv.message.split("\n")[:2] == [
        "Failed to convert outputs of task 'wf.t' at position total.",
        "Failed to convert type <class 'str'> to type <class 'int'>.",
    ]
    assert conv.output == "total" and conv.path == "total"
    nested = _outputs(Tuple[int, List[int]], (1, [1, "x"])).failure()
    assert nested.path == "o1[1]"
    assert "at position 1." in nested.message
    assert "returned 1 values" in _outputs(Tuple[int, int], [1]).failure().message


def test_typed_interface() -> None:
    iface = outputs.typed_interface({"a": int}, outputs.output_signature(Out).unwrap()).unwrap()
    assert iface.inputs.variables["a"].description == "a"
    assert iface.outputs.variables["total"].description == "total"
    assert iface.outputs.variables["label"].type.simple == types_pb2.STRING
    empty = outputs.typed_interface({}, outputs.OutputSignature()).unwrap()
    assert empty.HasField("inputs") and empty.HasField("outputs")
    described = outputs.variable_map({"a": int}, {"a": "the count"}).unwrap()
    assert described.variables["a"].description == "the count"


def test_literal_map_to_values() -> None:
    lm = _outputs(Out, Out(10, "x")).unwrap().value
    assert outputs.literal_map_to_values(lm, {"total": int, "label": str}).unwrap() == {"total": 10, "label": "x"}
    assert isinstance(outputs.literal_map_to_values(lm, {"total": int}), Failure)
    failed = outputs.literal_map_to_values(lm, {"total": str, "label": str}).failure()
    assert failed.path == "total"


# -- engine mechanics ----------------------------------------------------------------------------------------


class _FakeFile:
    """A test transformer that plans an upload, to watch union attempts keep or drop their side effects."""

    name = "FakeFile"

    def handles(self, tp: Any) -> bool:
        return tp is _FakeFile

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        return types_pb2.LiteralType(blob=types_pb2.BlobType())

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        sink.plan_upload(Upload(str(value), f"s3://b/{sink.unique_hex()}"))
        if not str(value).startswith("/"):
            raise ConversionError("not a path")
        out = literals_pb2.Literal()
        out.scalar.blob.uri = str(value)
        return out

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        return literal.scalar.blob.uri


def test_union_keeps_only_the_chosen_variants_uploads() -> None:
    engine = Engine([_FakeFile(), *registry._transformers()])
    chosen = to_literal("/tmp/x", Union[_FakeFile, int], engine=engine).unwrap()
    assert [u.local_path for u in chosen.uploads] == ["/tmp/x"]
    dropped = to_literal(3, Union[_FakeFile, int], engine=engine).unwrap()
    assert dropped.uploads == ()
    names = [u.remote for u in to_literal(["/a", "/b"], List[Union[_FakeFile, int]], engine=engine).unwrap().uploads]
    assert len(set(names)) == 2


def test_conversion_is_total() -> None:
    class Explodes:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

        def __eq__(self, other: object) -> bool:
            raise RuntimeError("no eq")

        __hash__ = object.__hash__

    assert isinstance(to_literal(Explodes(), int), Failure)
    assert isinstance(to_literal(Explodes(), Color), Failure)
    assert isinstance(to_literal(5, Annotated[int, HashMethod(lambda v: 1 / 0)]), Failure)
    assert isinstance(to_python(literals_pb2.Literal(), Union[int, str]), Failure)


def test_context_is_passed_through() -> None:
    ctx = ConversionContext(raw_output_prefix="s3://bucket/raw", name_seed="ab" * 16)
    assert isinstance(to_literal(1, int, ctx), Success)
