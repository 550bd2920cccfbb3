"""Unions (``Union``, ``Optional``, ``A | B``) as flytekit 1.16's ``UnionTransformer`` (PROTOCOL.md 10.2).

Expected literal types, literals and messages come from flytekit 1.16.31 (``TypeEngine.to_literal_type`` /
``to_literal`` / ``to_python_value``); where union.py's docstring states a deliberate difference (untagged union
literals, a plain literal several variants accept), the test says what flytekit does instead.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
from typing import Annotated, Any, Dict, List, Optional, Union

import pytest
from flyteidl.core import literals_pb2, types_pb2
from google.protobuf import text_format

from flyte_entrypoint.core.type_engine import registry
from flyte_entrypoint.core.type_engine.annotated import FlyteAnnotation
from flyte_entrypoint.core.type_engine.engine import Engine, Sink, literal_type_of, to_literal, to_python
from flyte_entrypoint.core.type_engine.union import UNION, are_types_castable, is_union_type


class Color(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class A:
    x: int


@dataclasses.dataclass
class B:
    x: int


def text(message: Any) -> str:
    return text_format.MessageToString(message, as_one_line=True)


def literal(source: str) -> literals_pb2.Literal:
    return text_format.Parse(source, literals_pb2.Literal())


def lt(source: str) -> types_pb2.LiteralType:
    return text_format.Parse(source, types_pb2.LiteralType())


def written(value: Any, tp: Any) -> str:
    return text(to_literal(value, tp).unwrap().value)


def read_failure(source: str, tp: Any) -> tuple[str, str]:
    failure = to_python(literal(source), tp).failure()
    return failure.kind, failure.message


INT3 = 'scalar { union { value { scalar { primitive { integer: 3 } } } type { simple: INTEGER structure { tag: "int" } } } }'


def test_the_literal_type_keeps_each_variants_annotation_and_replaces_its_structure_with_the_tag() -> None:
    tp = Union[int, Annotated[str, FlyteAnnotation({"a": 1})], List[int], None]
    assert text(literal_type_of(tp).unwrap()) == (
        'union_type { variants { simple: INTEGER structure { tag: "int" } } variants { simple: STRING annotation {'
        ' annotations { fields { key: "a" value { number_value: 1.0 } } } } structure { tag: "str" } } variants {'
        ' collection_type { simple: INTEGER } structure { tag: "Typed List" } } variants { simple: NONE structure {'
        ' tag: "none" } } }'
    )


# -- writing ---------------------------------------------------------------------------------------------

WRITES = [
    (
        "red",
        Union[Color, str],
        'scalar { union { value { scalar { primitive { string_value: "red" } } } type { simple: STRING structure { tag: "str" } } } }',
    ),
    (
        Color.RED,
        Union[Color, str],
        'scalar { union { value { scalar { primitive { string_value: "red" } } } type { enum_type { values: "red" } structure { tag: "DefaultEnumTransformer" } } } }',
    ),
    (3, Union[int, float], INT3),
    (
        3.0,
        Union[int, float],
        'scalar { union { value { scalar { primitive { float_value: 3.0 } } } type { simple: FLOAT structure { tag: "float" } } } }',
    ),
    (
        [1],
        Union[List[int], Dict[str, int]],
        'scalar { union { value { collection { literals { scalar { primitive { integer: 1 } } } } } type { collection_type { simple: INTEGER } structure { tag: "Typed List" } } } }',
    ),
    (
        {"a": 1},
        Union[List[int], Dict[str, int]],
        'scalar { union { value { map { literals { key: "a" value { scalar { primitive { integer: 1 } } } } } } type { map_value_type { simple: INTEGER } structure { tag: "Typed Dict" } } } }',
    ),
    (
        None,
        Optional[int],
        'scalar { union { value { scalar { none_type { } } } type { simple: NONE structure { tag: "none" } } } }',
    ),
]


@pytest.mark.parametrize(("value", "tp", "expected"), WRITES)
def test_writes(value: Any, tp: Any, expected: str) -> None:
    assert written(value, tp) == expected


WRITE_FAILURES = [
    (
        True,
        Union[int, str],
        "TypeTransformerFailedError",
        "Cannot convert from True to typing.Union[int, str]",
    ),
    ("x", Union[int, float], "TypeTransformerFailedError", "Value x is not of type typing.Union[int, float]"),
    (
        5,
        Union[List[int], str],
        "TypeTransformerFailedError",
        "Cannot convert from 5 to typing.Union[typing.List[int], str]",
    ),
    (
        A(1),
        Union[A, B],
        "TypeError",
        "Ambiguous choice of variant for union type.\n"
        f"Potential types: [{A!r}, {B!r}]\n"
        "These types are structurally the same, because it's attributes have the same names and associated types.",
    ),
]


@pytest.mark.parametrize(("value", "tp", "kind", "message"), WRITE_FAILURES)
def test_write_failures(value: Any, tp: Any, kind: str, message: str) -> None:
    failure = to_literal(value, tp).failure()
    assert (failure.kind, failure.message) == (kind, message)


# -- reading ---------------------------------------------------------------------------------------------


def test_reads() -> None:
    assert to_python(literal(INT3), Union[int, str]).unwrap() == 3
    assert to_python(literal("scalar { primitive { integer: 3 } }"), Union[int, str]).unwrap() == 3
    nested = (
        "scalar { union { value { scalar { primitive { integer: 3 } } } type { union_type { variants { simple: INTEGER"
        ' structure { tag: "int" } } } structure { tag: "int" } } } }'
    )
    assert to_python(literal(nested), Union[int, str]).unwrap() == 3
    assert to_python(
        literal("collection { literals { scalar { primitive { integer: 3 } } } }"),
        Union[List[int], List[str]],
    ).unwrap() == [3]
    listed = 'scalar { union { value { collection { literals { scalar { primitive { integer: 3 } } } } } type { collection_type { simple: INTEGER } structure { tag: "Typed List" } } } }'
    assert to_python(literal(listed), Union[List[int], List[float]]).unwrap() == [3]
    mapped = 'scalar { union { value { map { literals { key: "a" value { scalar { primitive { integer: 3 } } } } } } type { map_value_type { simple: INTEGER } structure { tag: "Typed Dict" } } } }'
    assert to_python(literal(mapped), Union[Dict[str, int], List[int]]).unwrap() == {"a": 3}
    enum_as_str = 'scalar { union { value { scalar { primitive { string_value: "red" } } } type { enum_type { values: "red" } structure { tag: "str" } } } }'
    assert to_python(literal(enum_as_str), Union[int, str]).unwrap() == "red"


def _in_union(stored: str, tag: str) -> str:
    return f'scalar {{ union {{ value {{ scalar {{ primitive {{ integer: 3 }} }} }} type {{ {stored} structure {{ tag: "{tag}" }} }} }} }}'


def test_a_tag_or_stored_type_that_does_not_fit_is_flytekits_type_error() -> None:
    for stored, tag in (("simple: INTEGER", "str"), ("simple: STRING", "int")):
        source = _in_union(stored, tag)
        kind, message = read_failure(source, Union[int, str])
        assert kind == "TypeError"
        assert message == f"Cannot convert from {literal(source)} to typing.Union[int, str] (using tag {tag})"


def test_a_plain_literal_no_variant_reads_is_flytekits_type_error() -> None:
    source = "scalar { primitive { boolean: true } }"
    assert read_failure(source, Union[int, str]) == (
        "TypeError",
        f"Cannot convert from {literal(source)} to typing.Union[int, str] (using tag None)",
    )


def test_still_ambiguous_reads_name_both_transformers() -> None:
    assert read_failure("scalar { primitive { datetime { } } }", Union[datetime.datetime, datetime.date]) == (
        "TypeError",
        "Ambiguous choice of variant for union type. Both datetime and date transformers match",
    )
    assert read_failure(INT3, Union[int, Annotated[int, "x"]]) == (
        "TypeError",
        "Ambiguous choice of variant for union type. Both int and int transformers match",
    )


def test_a_plain_literal_of_one_kind_goes_to_the_variant_of_that_kind() -> None:
    # flytekit: "Ambiguous choice of variant for union type. Both int and float transformers match" and
    # "... Both DefaultEnumTransformer and str transformers match"
    got = to_python(literal("scalar { primitive { integer: 3 } }"), Union[int, float]).unwrap()
    assert (got, type(got)) == (3, int)
    assert (
        to_python(literal('scalar { primitive { string_value: "red" } }'), Union[Color, str]).unwrap()
        == "red"
    )
    got = to_python(literal("scalar { primitive { float_value: 3.0 } }"), Union[float, int]).unwrap()
    assert (got, type(got)) == (3.0, float)


def test_an_untagged_union_literal_is_read_from_its_value() -> None:
    # flytekit fails on all of these (it hands the union wrapper itself to every variant)
    no_structure = (
        "scalar { union { value { scalar { primitive { integer: 3 } } } type { simple: INTEGER } } }"
    )
    empty_tag = "scalar { union { value { scalar { primitive { integer: 3 } } } type { simple: INTEGER structure { } } } }"
    no_type = "scalar { union { value { scalar { primitive { integer: 3 } } } } }"
    for source in (no_structure, empty_tag, no_type):
        got = to_python(literal(source), Union[float, int])
        assert (got.unwrap(), type(got.unwrap())) == (3, int), source
    # the stored type only orders the attempts: a value it cannot describe is still read by the variant that can
    wrong_stored = (
        'scalar { union { value { scalar { primitive { string_value: "s" } } } type { simple: INTEGER } } }'
    )
    assert to_python(literal(wrong_stored), Union[int, str]).unwrap() == "s"


def test_an_untagged_union_literal_nothing_reads_names_the_missing_tag() -> None:
    for source, shown in (
        (
            "scalar { union { value { scalar { primitive { boolean: true } } } type { simple: BOOLEAN } } }",
            "None",
        ),
        (
            "scalar { union { value { scalar { primitive { boolean: true } } } type { simple: BOOLEAN structure { } } } }",
            "",
        ),
    ):
        kind, message = read_failure(source, Union[int, str])
        assert kind == "TypeError"
        assert (
            message == f"Cannot convert from {literal(source)} to typing.Union[int, str] (using tag {shown})"
        )


# -- which variants a value may even try (flytekit's assert_type) -------------------------------------------


def test_a_value_no_variant_loosely_accepts_is_refused_before_trying() -> None:
    assert (
        str(to_literal([1], Union[int, str]).failure()) == "Value [1] is not of type typing.Union[int, str]"
    )
    assert str(to_literal((), Union[list[int], str]).failure()).startswith("Tuples are not a supported type")
    assert (
        str(to_literal({1}, Union[list[int], str]).failure())
        == "Value {1} is not of type typing.Union[list[int], str]"
    )
    assert str(
        to_literal("blue", Union[Color, int]).failure()
    ) == "Value blue is not of type typing.Union[tests.test_type_engine_union.Color, int]".replace(
        "tests.test_type_engine_union", __name__
    )


def test_a_custom_transformers_loosely_accepts_decides_for_its_variant() -> None:
    class Picky:
        name = "Picky"

        def handles(self, tp: Any) -> bool:
            return tp is Picky

        def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
            return types_pb2.LiteralType(simple=types_pb2.STRING)

        def loosely_accepts(self, value: Any, tp: Any) -> bool:
            return value == "ok"

        def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
            out = literals_pb2.Literal()
            out.scalar.primitive.string_value = str(value)
            return out

        def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
            return literal.scalar.primitive.string_value

    engine = Engine([Picky(), *registry._transformers()])
    assert text(to_literal("ok", Union[Picky, int], engine=engine).unwrap().value) == (
        'scalar { union { value { scalar { primitive { string_value: "ok" } } } type { simple: STRING structure {'
        ' tag: "Picky" } } } }'
    )
    assert str(to_literal("no", Union[Picky, int], engine=engine).failure()).startswith(
        "Value no is not of type"
    )


def test_an_enum_variant_whose_values_cannot_be_compared_does_not_accept() -> None:
    class Odd(str):
        def __eq__(self, other: object) -> bool:
            raise RuntimeError("no comparison")

        __hash__ = str.__hash__

    assert str(to_literal(Odd("red"), Union[Color, int]).failure()).startswith("Value red is not of type")


# -- the helpers -----------------------------------------------------------------------------------------


def test_is_union_type() -> None:
    assert is_union_type(Union[int, str]) and is_union_type(int | None) and is_union_type(Optional[int])
    assert not is_union_type(int) and not is_union_type(List[int])
    assert UNION.handles(int | str) and not UNION.handles(int)
    assert UNION.name == "Typed Union" and UNION.accepts_none


INTEGER, STRING, FLOAT = "simple: INTEGER", "simple: STRING", "simple: FLOAT"


@pytest.mark.parametrize(
    ("upstream", "downstream", "castable"),
    [
        (INTEGER, INTEGER, True),
        (INTEGER, FLOAT, False),
        ('simple: INTEGER structure { tag: "x" } metadata { }', INTEGER, True),
        ("simple: INTEGER annotation { annotations { } }", INTEGER, True),
        ("union_type { variants { simple: INTEGER } variants { simple: INTEGER } }", INTEGER, True),
        ("union_type { variants { simple: INTEGER } variants { simple: STRING } }", INTEGER, False),
        (INTEGER, "union_type { variants { simple: STRING } variants { simple: INTEGER } }", True),
        (FLOAT, "union_type { variants { simple: STRING } variants { simple: INTEGER } }", False),
        ("collection_type { simple: INTEGER }", "collection_type { simple: INTEGER }", True),
        ("collection_type { simple: INTEGER }", "collection_type { simple: STRING }", False),
        ("collection_type { simple: INTEGER }", INTEGER, False),
        ("map_value_type { simple: INTEGER }", "map_value_type { simple: INTEGER }", True),
        ("map_value_type { simple: INTEGER }", "map_value_type { simple: STRING }", False),
        ("map_value_type { simple: INTEGER }", "collection_type { simple: INTEGER }", False),
        ('enum_type { values: "a" }', STRING, True),
        ('enum_type { values: "a" }', INTEGER, False),
        ('enum_type { values: "a" }', "collection_type { simple: STRING }", False),
        ('enum_type { values: "a" }', 'enum_type { values: "a" }', True),
        ('enum_type { values: "a" }', 'enum_type { values: "b" }', False),
    ],
)
def test_are_types_castable(upstream: str, downstream: str, castable: bool) -> None:
    assert are_types_castable(lt(upstream), lt(downstream)) is castable


SD = 'structured_dataset_type { format: "parquet" columns { name: "a" literal_type { simple: INTEGER } } }'


@pytest.mark.parametrize(
    ("downstream", "castable"),
    [
        (SD, True),
        (SD.replace('"parquet"', '"csv"'), False),
        (SD.replace('name: "a"', 'name: "b"'), False),
        (SD.replace("simple: INTEGER", "simple: STRING"), False),
        (
            SD[:-2] + ' columns { name: "b" literal_type { simple: INTEGER } } }',
            False,
        ),
        (SD.replace('format: "parquet"', 'format: "parquet" external_schema_type: "arrow"'), False),
        (SD.replace('format: "parquet"', 'format: "parquet" external_schema_bytes: "x"'), False),
        (INTEGER, False),
    ],
)
def test_structured_dataset_types_are_castable_only_when_they_agree(downstream: str, castable: bool) -> None:
    assert are_types_castable(lt(SD), lt(downstream)) is castable
