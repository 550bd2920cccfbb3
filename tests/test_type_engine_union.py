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

from flyte_entrypoint.core.type_engine import outputs, registry
from flyte_entrypoint.core.type_engine.annotated import FlyteAnnotation
from flyte_entrypoint.core.type_engine.engine import (
    ConversionContext,
    ConversionError,
    Engine,
    Sink,
    Upload,
    literal_type_of,
    to_literal,
    to_python,
)
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


class _Loose:
    """A user type whose transformer reads any literal (so it ties with every scalar variant)."""


class _LooseTransformer:
    name = "Loose"

    def handles(self, tp: Any) -> bool:
        return tp is _Loose

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        return types_pb2.LiteralType(simple=types_pb2.STRUCT)

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        raise TypeError("never written")

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        return _Loose()


@pytest.mark.parametrize(
    ("tp", "source", "expected"),
    [
        (int, "scalar { primitive { integer: 3 } }", 3),
        (float, "scalar { primitive { float_value: 2.5 } }", 2.5),
        (str, 'scalar { primitive { string_value: "s" } }', "s"),
        (bool, "scalar { primitive { boolean: true } }", True),
        (
            datetime.datetime,
            "scalar { primitive { datetime { } } }",
            datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc),
        ),
        (
            datetime.timedelta,
            "scalar { primitive { duration { seconds: 5 } } }",
            datetime.timedelta(seconds=5),
        ),
        (type(None), "scalar { none_type { } }", None),
    ],
)
def test_a_plain_literal_goes_to_the_variant_of_its_own_kind_when_another_also_reads_it(
    tp: Any, source: str, expected: Any
) -> None:
    # flytekit: "Ambiguous choice of variant for union type. Both ... and Loose transformers match"
    engine = Engine([_LooseTransformer(), *registry._transformers()])
    for union in (Union[_Loose, tp], Union[tp, _Loose]):
        assert to_python(literal(source), union, engine=engine).unwrap() == expected
    failure = to_python(literal("collection { }"), Union[_Loose, List[int]], engine=engine).failure()
    assert (
        failure.message
        == "Ambiguous choice of variant for union type. Both Loose and Typed List transformers match"
    )


def test_a_dataclass_variants_stored_type_has_only_the_tag_as_structure() -> None:
    # flytekit 1.16.31: the union literal's type.structure is exactly { tag: "Object-Dataclass-Transformer" }
    got = to_literal(A(1), Optional[A]).unwrap().value
    assert text(got.scalar.union.type.structure) == 'tag: "Object-Dataclass-Transformer"'


def test_a_builtin_generic_variant_accepts_an_instance_of_its_origin() -> None:
    assert written([1], Union[list[int], str]) == (
        "scalar { union { value { collection { literals { scalar { primitive { integer: 1 } } } } } type {"
        ' collection_type { simple: INTEGER } structure { tag: "Typed List" } } } }'
    )


def test_variant_plans_are_cached_per_engine_and_union_type() -> None:
    engine = registry._LazyEngine()
    other = registry._LazyEngine()
    first, second = Union[int, str], Union[float, None]
    plan = UNION._plan(first, engine)
    assert UNION._plan(second, engine) is not plan
    assert UNION._plan(first, other) is not plan
    assert UNION._plan(first, engine) is plan
    assert [v.tp for v in plan] == [int, str]


def test_an_int_out_of_range_matches_no_variant() -> None:
    # flytekit 1.16.31 builds a literal protobuf cannot serialize (it fails later, writing outputs.pb); ours says
    # no variant fits, in flytekit's words for that
    assert str(to_literal(2**64, Union[int, str]).failure()) == (
        "Cannot convert from 18446744073709551616 to typing.Union[int, str]"
    )


class _StrictFile:
    """A user type whose transformer plans an upload before it checks the value (absolute paths only)."""


class _StrictFileTransformer:
    name = "StrictFile"

    def handles(self, tp: Any) -> bool:
        return tp is _StrictFile

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        return types_pb2.LiteralType(blob=types_pb2.BlobType())

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        remote = f"s3://b/{sink.unique_hex()}"
        if not str(value).startswith("/"):
            raise ConversionError("not an absolute path")
        sink.plan_upload(Upload(str(value), remote))
        out = literals_pb2.Literal()
        out.scalar.blob.uri = remote
        return out

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        return literal.scalar.blob.uri


def test_a_name_a_discarded_variant_used_is_never_handed_out_again() -> None:
    engine = Engine([_StrictFileTransformer(), *registry._transformers()])
    tp = List[Union[_StrictFile, int]]
    alone = to_literal(["/abs"], tp, engine=engine).unwrap().uploads
    after_a_discarded_attempt = to_literal([5, "/abs"], tp, engine=engine).unwrap().uploads
    assert [u.local_path for u in after_a_discarded_attempt] == ["/abs"]
    assert after_a_discarded_attempt[0].remote != alone[0].remote


def test_a_tagged_value_its_variant_cannot_read_is_flytekits_type_error() -> None:
    source = (
        'scalar { union { value { scalar { primitive { string_value: "s" } } } type { simple: INTEGER structure {'
        ' tag: "int" } } } }'
    )
    assert read_failure(source, Union[int, str]) == (
        "TypeError",
        f"Cannot convert from {literal(source)} to typing.Union[int, str] (using tag int)",
    )


def test_a_name_a_variant_not_chosen_used_is_never_handed_out_again() -> None:
    # "/x" fits both variants; str wins (the exact match), and the name the file variant drew stays used
    engine = Engine([_StrictFileTransformer(), *registry._transformers()])
    sig = outputs.OutputSignature(("o0", "o1"), (Union[_StrictFile, str], _StrictFile))
    plain = outputs.OutputSignature(("o0", "o1"), (int, _StrictFile))
    after = outputs.outputs_to_literal_map(("/x", "/y"), sig, "t", engine=engine).unwrap()
    alone = outputs.outputs_to_literal_map((1, "/y"), plain, "t", engine=engine).unwrap()
    assert after.value.literals["o0"].scalar.union.value.scalar.primitive.string_value == "/x"
    assert [u.local_path for u in after.uploads] == ["/y"]
    assert after.uploads[0].remote != alone.uploads[0].remote


def test_to_literal_called_directly_writes_the_union_literal() -> None:
    engine = Engine(registry._transformers())
    lit = UNION.to_literal(3, Union[int, str], engine, Sink(ConversionContext()))
    assert text(lit) == INT3


def test_an_untagged_union_literal_prefers_the_variants_its_stored_type_fits() -> None:
    # stored FLOAT: the float variant reads the integer literal first (without it, int would win by kind)
    source = "scalar { union { value { scalar { primitive { integer: 3 } } } type { simple: FLOAT } } }"
    got = to_python(literal(source), Union[int, float]).unwrap()
    assert (got, type(got)) == (3.0, float)


def test_a_dataclass_variant_in_the_literal_type_has_only_the_tag_as_structure() -> None:
    # flytekit 1.16.31: variants { simple: STRUCT metadata {...} annotation {...} structure { tag: "Object-..." } }
    variant = literal_type_of(Optional[A]).unwrap().union_type.variants[0]
    assert text(variant.structure) == 'tag: "Object-Dataclass-Transformer"'
    assert variant.HasField("metadata") and variant.HasField("annotation")
