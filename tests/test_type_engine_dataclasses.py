"""dataclass_transformers.py: dataclasses and untyped dicts, their list bulk paths, their literal types.

Literal types and union tags come from flytekit 1.16.31 (``TypeEngine.to_literal_type``). For the bulk
``List[T]`` paths (16 or more elements) the law is that they give exactly what the per-element path gives, so
their results and errors are checked against the same list below the threshold (and against flytekit's
per-element rules, tested in test_types_struct.py).
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Annotated, Any, Dict, List, Optional

import msgpack
import pytest
from flyteidl.core import literals_pb2, types_pb2
from google.protobuf import text_format

from flyte_entrypoint.core.type_engine import registry
from flyte_entrypoint.core.type_engine.annotated import FlyteAnnotation
from flyte_entrypoint.core.type_engine.dataclass_transformers import (
    DATACLASS,
    UNTYPED_DICT,
    DataclassTransformer,
)
from flyte_entrypoint.core.type_engine.engine import (
    ConversionContext,
    ConversionError,
    Engine,
    Sink,
    default_engine,
    literal_type_of,
    to_literal,
    to_python,
)
from flyte_entrypoint.files import FlyteFile

SMALL, BIG = 3, 20  # per-element path and bulk path
OLD = ConversionContext(use_old_dc_format=True)
MSGPACK_ANNOTATION = (
    'annotation { annotations { fields { key: "cache-key-metadata" value { struct_value { fields { key:'
    ' "serialization-format" value { string_value: "msgpack" } } } } } } }'
)


@dataclasses.dataclass
class Point:
    x: int


@dataclasses.dataclass
class When:
    t: datetime.datetime


@dataclasses.dataclass
class Empty:
    pass


@dataclasses.dataclass
class Ann:
    x: Annotated[int, FlyteAnnotation({"u": 1})]


@dataclasses.dataclass
class SameShape:
    x: int


@dataclasses.dataclass
class Bigger:
    x: int
    y: int


@dataclasses.dataclass
class WithFile:
    f: FlyteFile


def text(message: Any) -> str:
    return text_format.MessageToString(message, as_one_line=True)


def msgpack_literal(obj: Any, tag: str = "msgpack") -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.binary.value = msgpack.dumps(obj)
    lit.scalar.binary.tag = tag
    return lit


def collection_of(*elements: literals_pb2.Literal) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.collection.SetInParent()
    for e in elements:
        lit.collection.literals.add().CopyFrom(e)
    return lit


def sink() -> Sink:
    return Sink(ConversionContext())


# -- literal types ---------------------------------------------------------------------------------------


def test_an_empty_dataclass_still_has_a_structure() -> None:
    assert text(literal_type_of(Empty).unwrap()) == (
        'simple: STRUCT metadata { fields { key: "additionalProperties" value { bool_value: false } } fields { key:'
        ' "title" value { string_value: "Empty" } } fields { key: "type" value { string_value: "object" } } } '
        + MSGPACK_ANNOTATION
        + " structure { }"
    )


def test_field_types_in_the_structure_drop_annotated_metadata() -> None:
    lt = literal_type_of(Ann).unwrap()
    assert text(lt.structure) == 'dataclass_type { key: "x" value { simple: INTEGER } }'


def test_union_tags_are_flytekits_transformer_names() -> None:
    dc = literal_type_of(Optional[Point]).unwrap().union_type.variants[0]
    untyped = literal_type_of(Optional[dict]).unwrap().union_type.variants[0]
    assert dc.structure.tag == "Object-Dataclass-Transformer"
    assert text(untyped) == "simple: STRUCT " + MSGPACK_ANNOTATION + ' structure { tag: "Typed Dict" }'


class _Raises:
    """A field type whose transformer's literal_type raises the exception it is built with."""

    name = "Raises"

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def handles(self, tp: Any) -> bool:
        return isinstance(tp, type) and issubclass(tp, _Marker)

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        raise self.exc

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        raise self.exc

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        raise self.exc


class _Marker:
    pass


@pytest.mark.parametrize(
    "exc",
    [TypeError("t"), ValueError("v"), RecursionError(), ConversionError("c")],
    ids=lambda e: type(e).__name__,
)
def test_a_field_whose_type_has_no_literal_type_is_left_out(exc: BaseException) -> None:
    @dataclasses.dataclass
    class Partly:
        x: int
        odd: _Marker

    engine = Engine([_Raises(exc), *registry._transformers()])
    lt = DataclassTransformer().literal_type(Partly, engine)
    assert text(lt.structure) == 'dataclass_type { key: "x" value { simple: INTEGER } }'


def test_a_literal_type_that_failed_fails_the_same_way_again() -> None:
    @dataclasses.dataclass
    class Breaks:
        odd: _Marker

    engine = Engine([_Raises(KeyError("k")), *registry._transformers()])
    transformer = DataclassTransformer()
    for _ in range(2):
        with pytest.raises(KeyError):
            transformer.literal_type(Breaks, engine)


# -- writing ---------------------------------------------------------------------------------------------


def test_another_dataclass_with_the_same_fields_is_written_as_the_declared_one() -> None:
    # flytekit 1.16.31: scalar { binary { value: "\201\241x\001" tag: "msgpack" } } for both
    assert to_literal(SameShape(1), Point).unwrap().value.scalar.binary.value == b"\x81\xa1x\x01"
    assert to_literal(SameShape(1), Point, OLD).unwrap().value.scalar.generic.fields["x"].number_value == 1


def test_another_dataclass_with_an_extra_field_is_rejected() -> None:
    # flytekit rejects it too ("Field 'y' is not present in the expected dataclass fields ...")
    assert (
        str(to_literal(Bigger(1, 2), Point).failure())
        == "Expected a Point but got a Bigger with the extra field 'y'"
    )


def test_untyped_dicts_whose_values_need_the_engine_are_written_through_it() -> None:
    got = to_literal({1: FlyteFile("s3://b/k")}, Dict[int, FlyteFile]).unwrap().value
    assert got.scalar.binary.tag == "msgpack"
    assert msgpack.unpackb(got.scalar.binary.value, strict_map_key=False) == {1: {"path": "s3://b/k"}}


def test_an_unhashable_type_is_pythons_type_error() -> None:
    # the codecs are cached per type, so a type that cannot be hashed cannot be converted
    tp = Dict[int, Annotated[int, {"unhashable": "metadata"}]]
    assert str(to_literal({1: 2}, tp).failure()) == "TypeError: unhashable type: 'dict'"


# -- reading ---------------------------------------------------------------------------------------------


def test_a_struct_for_a_dataclass_with_a_file_is_read_through_the_engine() -> None:
    written = to_literal(WithFile(FlyteFile("s3://b/k")), WithFile, OLD).unwrap().value
    assert written.scalar.HasField("generic")
    back = to_python(written, WithFile).unwrap()
    assert back.f.remote_source == "s3://b/k"


def test_a_binary_of_another_format_is_refused() -> None:
    for tp in (dict, Point, WithFile):
        failure = to_python(msgpack_literal({"x": 1}, tag="json"), tp).failure()
        assert "unsupported binary format 'json'" in str(failure), tp


# -- the list bulk paths ---------------------------------------------------------------------------------


NEW = ConversionContext()


def _list_failure(values: list[Any], tp: Any, context: ConversionContext = NEW) -> tuple[str, str]:
    failure = to_literal(values, List[tp], context).failure()
    return failure.message, failure.path


@pytest.mark.parametrize(
    ("bad", "path"),
    [({"y": 1}, "[{i}]"), (When("x"), "[{i}].t")],  # a dict that does not fit; a field the encoder refuses
    ids=["dict", "field"],
)
def test_bulk_write_errors_equal_per_element_ones(bad: Any, path: str) -> None:
    tp = type(bad) if isinstance(bad, When) else Point
    good = When(datetime.datetime(2024, 1, 1)) if tp is When else Point(1)
    small = _list_failure([good] * (SMALL - 1) + [bad], tp)
    big = _list_failure([good] * (BIG - 1) + [bad], tp)
    assert small[1] == path.format(i=SMALL - 1) and big[1] == path.format(i=BIG - 1)
    assert big[0] == small[0]


def test_a_non_dict_among_untyped_dicts_fails_the_same_on_both_paths() -> None:
    small = to_literal([{"a": 1}] * (SMALL - 1) + [5], List[dict]).failure()
    big = to_literal([{"a": 1}] * (BIG - 1) + [5], List[dict]).failure()
    assert (small.message, small.path, big.path) == (
        "Expected a dict for dict, got 5 (int)",
        f"[{SMALL - 1}]",
        f"[{BIG - 1}]",
    )
    assert big.message == small.message


def test_old_format_list_errors_name_the_element() -> None:
    for n in (SMALL, BIG):
        message, path = _list_failure([Point(1)] * (n - 1) + [Bigger(1, 2)], Point, OLD)
        assert (message, path) == ("Expected a Point but got a Bigger with the extra field 'y'", f"[{n - 1}]")


@pytest.mark.parametrize("bad", [{"x": "a"}, [1, 2]], ids=["field", "shape"])
def test_bulk_read_errors_equal_per_element_ones(bad: Any) -> None:
    good = msgpack_literal({"x": 1})
    single = to_python(msgpack_literal(bad), Point).failure()
    for n in (SMALL, BIG):
        failure = to_python(collection_of(*[good] * (n - 1), msgpack_literal(bad)), List[Point]).failure()
        assert failure.message == single.message
        assert failure.path == f"[{n - 1}]" + single.path


@dataclasses.dataclass
class NonNegative:
    x: int

    def __post_init__(self) -> None:
        if self.x < 0:
            raise ValueError("x must be >= 0")


def test_a_failing_post_init_fails_the_same_on_both_read_paths() -> None:
    single = to_python(msgpack_literal({"x": -1}), NonNegative).failure()
    assert single.message.endswith("ValueError: x must be >= 0")
    for n in (SMALL, BIG):
        items = [msgpack_literal({"x": 1})] * (n - 1) + [msgpack_literal({"x": -1})]
        failure = to_python(collection_of(*items), List[NonNegative]).failure()
        assert (failure.message, failure.path) == (single.message, f"[{n - 1}]")


def test_lists_of_untyped_dicts_are_read_as_they_were_packed() -> None:
    for n in (SMALL, BIG):
        values = [{"k": i, 1: [i]} for i in range(n)]
        lit = to_literal(values, List[dict]).unwrap().value
        assert to_python(lit, List[dict]).unwrap() == values


def test_the_list_codecs_called_directly() -> None:
    engine = default_engine()
    with pytest.raises(ConversionError, match=r"^Expected a list of Point, got tuple$"):
        DATACLASS.to_literal_list((Point(1),), Point, engine, sink())
    not_a_collection = literals_pb2.Literal()
    not_a_collection.scalar.primitive.integer = 1
    with pytest.raises(ConversionError, match=r"literal to List\[Point\]: expected a collection$"):
        DATACLASS.to_python_list(not_a_collection, Point, engine, sink())
    lit = UNTYPED_DICT.to_literal_list([{"a": 1}], dict, engine, sink())
    assert UNTYPED_DICT.to_python_list(lit, dict, engine, sink()) == [{"a": 1}]


_STRICT = {"on": False}


@dataclasses.dataclass
class Checked:
    x: int

    def __post_init__(self) -> None:
        if _STRICT["on"] and self.x < 0:
            raise ValueError(f"x must be >= 0, got {self.x}")


@pytest.mark.parametrize("n", [SMALL, BIG])
def test_a_dataclass_refusing_its_value_in_a_list_fails_the_read_naming_the_element(n: int) -> None:
    """flytekit 1.16 (oracle venv) lets the dataclass's own ``__post_init__`` error end the read of a
    ``List[DC]``; it is never skipped. We report it as a conversion error with the element's position
    (README: conversion errors name the position inside nested values) and the dataclass's own message."""
    values = [Checked(i) for i in range(n - 1)] + [Checked(-1)]
    literal = to_literal(values, List[Checked], ConversionContext()).unwrap().value
    _STRICT["on"] = True
    try:
        result = to_python(literal, List[Checked], ConversionContext())
    finally:
        _STRICT["on"] = False
    message = str(result.failure())
    assert f"[{n - 1}]" in message and "ValueError: x must be >= 0, got -1" in message
