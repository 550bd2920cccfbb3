"""str-valued Enums as flytekit 1.16's ``DefaultEnumTransformer`` writes and reads them.

Expected values come from flytekit 1.16.31 (``TypeEngine.to_literal_type`` / ``to_literal`` /
``to_python_value`` on the same enums); where we deliberately differ (enums.py's docstring) the test says so.
"""

from __future__ import annotations

import enum
from typing import Any

import msgpack
from flyteidl.core import literals_pb2
from google.protobuf import text_format

from flyte_entrypoint.core.type_engine.engine import (
    ConversionContext,
    Sink,
    default_engine,
    literal_type_of,
    to_literal,
    to_python,
)
from flyte_entrypoint.core.type_engine.enums import ENUM, EnumTransformer


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"
    CRIMSON = "red"  # an alias: not a value of its own


class Other(enum.Enum):
    R = "red"


class Letters(str, enum.Enum):
    A = "a"


class Mixed(enum.Enum):
    A = "a"
    B = 2


class Empty(enum.Enum):
    pass


def text(message: Any) -> str:
    return text_format.MessageToString(message, as_one_line=True)


def literal(source: str) -> literals_pb2.Literal:
    return text_format.Parse(source, literals_pb2.Literal())


def msgpack_literal(value: Any) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.binary.value = msgpack.dumps(value)
    lit.scalar.binary.tag = "msgpack"
    return lit


def written(value: Any, tp: Any) -> str:
    return text(to_literal(value, tp).unwrap().value)


def test_literal_type_lists_the_values_in_declaration_order_without_aliases() -> None:
    assert text(literal_type_of(Color).unwrap()) == 'enum_type { values: "red" values: "green" }'


def test_a_member_a_matching_str_and_a_member_of_another_enum_with_a_known_value_are_written() -> None:
    assert written(Color.GREEN, Color) == 'scalar { primitive { string_value: "green" } }'
    assert written("red", Color) == 'scalar { primitive { string_value: "red" } }'
    assert written(Other.R, Color) == 'scalar { primitive { string_value: "red" } }'
    assert written(Letters.A, Letters) == 'scalar { primitive { string_value: "a" } }'
    assert written("a", Letters) == 'scalar { primitive { string_value: "a" } }'


def test_a_value_outside_the_enum_is_rejected_naming_it() -> None:
    assert str(to_literal("blue", Color).failure()) == "Value blue is not in Enum <enum 'Color'>"
    assert str(to_literal(3, Color).failure()) == "Value 3 is not in Enum <enum 'Color'>"


def test_a_str_that_cannot_be_compared_is_not_in_the_enum() -> None:
    class Odd(str):
        def __eq__(self, other: object) -> bool:
            raise TypeError("no comparison")

        __hash__ = str.__hash__

    assert str(to_literal(Odd("red"), Color).failure()) == "Value red is not in Enum <enum 'Color'>"


def test_the_union_tag_is_flytekits_transformer_name() -> None:
    assert ENUM.name == "DefaultEnumTransformer"


def test_handles_enum_classes_only() -> None:
    assert ENUM.handles(Color)
    assert ENUM.handles(Letters)
    assert not ENUM.handles(str)
    assert not ENUM.handles(Color.RED)
    assert not ENUM.handles("red")


def test_an_empty_enum_is_rejected_when_its_type_is_used() -> None:
    # flytekit: IndexError; ours names the enum
    assert str(literal_type_of(Empty).failure()) == f"Enum {__name__}.Empty has no members"


def test_an_enum_with_any_non_str_value_is_rejected() -> None:
    # flytekit looks at the first value only (and accepts Mixed); ours checks every value
    assert str(literal_type_of(Mixed).failure()) == (
        f"Only Enums with str values are supported, {__name__}.Mixed has the value 2"
    )


def test_values_are_the_same_tuple_on_every_call() -> None:
    fresh = EnumTransformer()
    assert fresh.values(Color) == ("red", "green")
    assert fresh.values(Color) is fresh.values(Color)


def test_reads_a_string_value_as_the_member() -> None:
    assert to_python(literal('scalar { primitive { string_value: "green" } }'), Color).unwrap() is Color.GREEN


def test_reads_a_msgpack_binary_as_the_member() -> None:
    assert to_python(msgpack_literal("green"), Color).unwrap() is Color.GREEN


def test_reading_an_unknown_value_is_flytekits_value_error() -> None:
    failure = to_python(literal('scalar { primitive { string_value: "blue" } }'), Color).failure()
    assert (str(failure), failure.kind) == ("'blue' is not a valid Color", "ValueError")


def test_reading_another_primitive_reads_none_as_flytekit_does() -> None:
    failure = to_python(literal("scalar { primitive { integer: 1 } }"), Color).failure()
    assert (str(failure), failure.kind) == ("None is not a valid Color", "ValueError")


def test_reading_a_literal_that_is_not_a_scalar_is_flytekits_attribute_error() -> None:
    failure = to_python(literal("collection { }"), Color).failure()
    assert (str(failure), failure.kind) == (
        "'NoneType' object has no attribute 'primitive'",
        "AttributeError",
    )


def test_reading_a_scalar_that_is_not_a_primitive_is_flytekits_attribute_error() -> None:
    failure = to_python(literal("scalar { none_type { } }"), Color).failure()
    assert (str(failure), failure.kind) == (
        "'NoneType' object has no attribute 'string_value'",
        "AttributeError",
    )


def test_to_literal_called_directly_returns_the_written_literal() -> None:
    # the Transformer protocol's to_literal (what a caller outside the engine uses) agrees with write
    engine = default_engine()
    lit = ENUM.to_literal(Color.GREEN, Color, engine, Sink(ConversionContext()))
    assert text(lit) == 'scalar { primitive { string_value: "green" } }'
