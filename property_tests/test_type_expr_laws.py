"""Laws of ``core/type_expr.py`` (stated in its docstring).

* totality: any text parses to a Success or a Failure, never an exception;
* round trip: every type the grammar writes parses back from its text (the expected type is built with
  ``typing`` from the same parts, never with the parser);
* ``A | B``, ``Union[A, B]`` and, for ``B = None``, ``Optional[A]`` are the same type.
"""

from __future__ import annotations

import datetime
import typing
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from flyte_entrypoint.core.type_expr import TypeExpressionError, parse_type
from flyte_entrypoint.files import FlyteDirectory, FlyteFile

CLASSES = {"FlyteFile": FlyteFile, "FlyteDirectory": FlyteDirectory}

_LEAVES: list[tuple[str, Any]] = [
    ("int", int),
    ("float", float),
    ("typing.Any", typing.Any),
    ("str", str),
    ("bool", bool),
    ("bytes", bytes),
    ("None", None),
    ("datetime", datetime.datetime),
    ("datetime.date", datetime.date),
    ("timedelta", datetime.timedelta),
    ("dict", dict),
    ("FlyteFile", FlyteFile),
    ('FlyteDirectory["csv"]', FlyteDirectory["csv"]),
]


def _compound(inner: st.SearchStrategy[tuple[str, Any]]) -> st.SearchStrategy[tuple[str, Any]]:
    def list_of(item: tuple[str, Any], spelling: str) -> tuple[str, Any]:
        return f"{spelling}[{item[0]}]", list[item[1]]  # type: ignore[name-defined]

    def dict_of(value: tuple[str, Any], spelling: str) -> tuple[str, Any]:
        return f"{spelling}[str, {value[0]}]", dict[str, value[1]]  # type: ignore[name-defined]

    def optional(item: tuple[str, Any]) -> tuple[str, Any]:
        return f"typing.Optional[{item[0]}]", typing.Optional[item[1]]

    def union(items: list[tuple[str, Any]]) -> tuple[str, Any]:
        return f"Union[{', '.join(t for t, _ in items)}]", typing.Union[tuple(tp for _, tp in items)]

    def bar(a: tuple[str, Any], b: tuple[str, Any]) -> tuple[str, Any]:
        return f"{a[0]} | {b[0]}", typing.Union[a[1], b[1]]

    return st.one_of(
        st.builds(list_of, inner, st.sampled_from(["list", "List", "typing.List"])),
        st.builds(dict_of, inner, st.sampled_from(["dict", "Dict"])),
        st.builds(optional, inner),
        st.builds(union, st.lists(inner, min_size=1, max_size=3)),
        st.builds(bar, inner, inner),
    )


TYPES = st.recursive(st.sampled_from(_LEAVES), _compound, max_leaves=6)


@given(TYPES)
def test_round_trip(case: tuple[str, Any]) -> None:
    text, tp = case
    assert parse_type(text, CLASSES) == Success(tp)


@given(TYPES, TYPES)
def test_bar_union_and_optional_agree(a: tuple[str, Any], b: tuple[str, Any]) -> None:
    bar = parse_type(f"{a[0]} | {b[0]}", CLASSES)
    assert bar == parse_type(f"Union[{a[0]}, {b[0]}]", CLASSES)
    assert parse_type(f"{a[0]} | None", CLASSES) == parse_type(f"Optional[{a[0]}]", CLASSES)
    assert isinstance(bar, Success)


_TOKENS = ["int", "list", "Dict", "Optional", "Union", "FlyteFile", "[", "]", ",", "|", "(", ")", '"csv"', "1", ".", " ", "os", "lambda"]


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # ast.parse warns about text such as "1int"
@given(st.one_of(st.text(), st.lists(st.sampled_from(_TOKENS), max_size=12).map("".join)))
def test_totality(text: str) -> None:
    result = parse_type(text, CLASSES)
    assert isinstance(result, Success) or (
        isinstance(result, Failure) and isinstance(result.failure(), TypeExpressionError)
    )
