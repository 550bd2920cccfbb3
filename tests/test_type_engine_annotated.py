"""``Annotated[T, ...]``: FlyteAnnotation data in the LiteralType, HashMethod on literals, markers ignored.

Expected LiteralTypes, literals and messages come from flytekit 1.16.31 (``TypeEngine.to_literal_type`` /
``to_literal`` with ``flytekit.core.annotation.FlyteAnnotation`` and ``flytekit.HashMethod``); where
annotated.py's docstring states a deliberate difference, the test says so.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Dict, List

from google.protobuf import text_format

from flyte_entrypoint.core.type_engine.annotated import (
    BatchSize,
    FlyteAnnotation,
    HashMethod,
    annotation_data,
    hash_method,
    is_annotated,
    split_annotated,
)
from flyte_entrypoint.core.type_engine.engine import literal_type_of, to_literal


def text(message: Any) -> str:
    return text_format.MessageToString(message, as_one_line=True)


def lt_text(tp: Any) -> str:
    return text(literal_type_of(tp).unwrap())


def lt_error(tp: Any) -> str:
    return str(literal_type_of(tp).failure())


def lit_text(value: Any, tp: Any) -> str:
    return text(to_literal(value, tp).unwrap().value)


def h(value: Any) -> str:
    return f"h{value}"


def test_flyte_annotation_data_becomes_the_annotation_struct_as_json() -> None:
    data = {"unit": "s", "n": 3, 5: [1, "x"], "nested": {"a": None, "b": True}}
    assert lt_text(Annotated[int, FlyteAnnotation(data)]) == (
        'simple: INTEGER annotation { annotations { fields { key: "5" value { list_value { values { number_value: 1.0 }'
        ' values { string_value: "x" } } } } fields { key: "n" value { number_value: 3.0 } } fields { key: "nested"'
        ' value { struct_value { fields { key: "a" value { null_value: NULL_VALUE } } fields { key: "b" value {'
        ' bool_value: true } } } } } fields { key: "unit" value { string_value: "s" } } } }'
    )


def test_non_finite_floats_are_kept() -> None:
    assert lt_text(Annotated[int, FlyteAnnotation({"a": float("nan")})]) == (
        'simple: INTEGER annotation { annotations { fields { key: "a" value { number_value: nan } } } }'
    )


def test_other_metadata_and_nesting_do_not_matter() -> None:
    expected = (
        'simple: INTEGER annotation { annotations { fields { key: "a" value { number_value: 1.0 } } } }'
    )
    assert lt_text(Annotated[int, "doc", FlyteAnnotation({"a": 1})]) == expected
    assert lt_text(Annotated[Annotated[int, FlyteAnnotation({"a": 1})], "x"]) == expected
    assert lt_text(Annotated[int, "doc", BatchSize(3)]) == "simple: INTEGER"


def test_annotations_of_elements_and_of_the_container_are_separate() -> None:
    tp = Annotated[List[Annotated[int, FlyteAnnotation({"inner": 1})]], FlyteAnnotation({"outer": 1})]
    assert lt_text(tp) == (
        'collection_type { simple: INTEGER annotation { annotations { fields { key: "inner" value { number_value: 1.0 }'
        ' } } } } annotation { annotations { fields { key: "outer" value { number_value: 1.0 } } } }'
    )


def test_two_flyte_annotations_are_an_error() -> None:
    assert lt_error(Annotated[int, FlyteAnnotation({"a": 1}), FlyteAnnotation({"b": 2})]) == (
        "More than one FlyteAnnotation used within a type hint; at most one is allowed"
    )


def test_the_cache_key_metadata_key_is_reserved() -> None:
    assert lt_error(Annotated[int, FlyteAnnotation({"cache-key-metadata": 1})]) == (
        "FlyteAnnotation cannot contain the reserved key `cache-key-metadata`"
    )


def test_data_that_json_or_the_struct_cannot_hold_is_an_error() -> None:
    # flytekit: TypeError / ValueError / ParseError with the same texts
    assert lt_error(Annotated[int, FlyteAnnotation({"a": {1, 2}})]) == (
        "FlyteAnnotation data is not JSON-serializable: Object of type set is not JSON serializable"
    )
    circular: dict[str, Any] = {}
    circular["c"] = circular
    assert lt_error(Annotated[int, FlyteAnnotation(circular)]) == (
        "FlyteAnnotation data is not JSON-serializable: Circular reference detected"
    )
    assert lt_error(Annotated[int, FlyteAnnotation({"a": 10**400})]) == (
        "FlyteAnnotation data is not JSON-serializable: Failed to parse JSON: OverflowError: int too large to "
        "convert to float."
    )


def test_a_dataclass_keeps_its_msgpack_annotation_merged_with_the_users() -> None:
    # flytekit raises for a FlyteAnnotation on a dataclass; ours merges (the transformer's keys win)
    @dataclasses.dataclass
    class DC:
        x: int

    lt = literal_type_of(Annotated[DC, FlyteAnnotation({"a": 1})]).unwrap()
    assert text(lt.annotation) == (
        'annotations { fields { key: "a" value { number_value: 1.0 } } fields { key: "cache-key-metadata" value {'
        ' struct_value { fields { key: "serialization-format" value { string_value: "msgpack" } } } } } }'
    )


def test_hash_method_sets_the_literal_hash_on_values_elements_and_dict_values() -> None:
    assert lit_text(3, Annotated[int, HashMethod(h)]) == 'scalar { primitive { integer: 3 } } hash: "h3"'
    assert lit_text([1, 2], List[Annotated[int, HashMethod(h)]]) == (
        'collection { literals { scalar { primitive { integer: 1 } } hash: "h1" }'
        ' literals { scalar { primitive { integer: 2 } } hash: "h2" } }'
    )
    assert lit_text({"k": 1}, Dict[str, Annotated[int, HashMethod(h)]]) == (
        'map { literals { key: "k" value { scalar { primitive { integer: 1 } } hash: "h1" } } }'
    )


def test_the_first_hash_method_wins() -> None:
    tp = Annotated[int, HashMethod(h), HashMethod(lambda v: "second")]
    assert lit_text(3, tp) == 'scalar { primitive { integer: 3 } } hash: "h3"'


# -- flytekit's own marker objects are recognised by class name and shape ---------------------------------


def _named(name: str, **attrs: Any) -> Any:
    """A stand-in for flytekit's FlyteAnnotation / HashMethod (flytekit is not importable here)."""
    return type(name, (), attrs)()


def test_flytekit_shaped_markers_are_recognised() -> None:
    foreign_annotation = _named("FlyteAnnotation", data={"a": 1})
    foreign_hash = _named("HashMethod", calculate=lambda self, v: f"f{v}")
    assert annotation_data((foreign_annotation,)) == {"a": 1}
    assert hash_method(("doc", foreign_hash)) is foreign_hash
    assert lit_text(3, Annotated[int, foreign_hash]) == 'scalar { primitive { integer: 3 } } hash: "f3"'


def test_lookalikes_with_the_wrong_name_or_shape_are_ignored() -> None:
    assert annotation_data((_named("FlyteAnnotation", data="not a dict"),)) is None
    assert annotation_data((_named("Other", data={"a": 1}),)) is None
    assert hash_method((_named("HashMethod", calculate="not callable"),)) is None
    assert hash_method((_named("Other", calculate=lambda self, v: "x"),)) is None
    assert annotation_data(()) is None
    assert hash_method(("doc", 1)) is None


def test_annotation_data_is_a_copy() -> None:
    data = {"a": 1}
    got = annotation_data(("doc", FlyteAnnotation(data)))
    assert got == {"a": 1} and got is not data


# -- the helpers and the marker objects ----------------------------------------------------------------


def test_split_annotated() -> None:
    assert split_annotated(Annotated[int, "a", 2]) == (int, ("a", 2))
    assert split_annotated(List[int]) == (List[int], ())
    assert is_annotated(Annotated[int, "a"])
    assert not is_annotated(int)
    assert not is_annotated(List[int])


def test_markers_keep_and_show_what_they_were_given() -> None:
    assert FlyteAnnotation({"a": 1}).data == {"a": 1}
    assert repr(FlyteAnnotation({"a": 1})) == "FlyteAnnotation({'a': 1})"
    assert HashMethod(h).calculate(4) == "h4"
    assert repr(HashMethod(h)) == f"HashMethod({h!r})"
    assert BatchSize(7).val == 7
    assert repr(BatchSize(7)) == "BatchSize(7)"
