"""Laws of ``core/type_engine/literal_choices.py``: ``typing.Literal[...]`` is its values' type plus the choices."""

from __future__ import annotations

import typing
from typing import Any, Literal

from hypothesis import given, settings
from hypothesis import strategies as st

from flyte_entrypoint.core.type_engine.engine import ConversionContext, literal_type_of, to_literal, to_python

CTX = ConversionContext()
SETTINGS = settings(max_examples=60, deadline=None)

BASES: dict[type, st.SearchStrategy[Any]] = {
    str: st.text(max_size=8),
    int: st.integers(-(2**53), 2**53),
    float: st.floats(allow_nan=False, allow_infinity=False, width=64),
    bool: st.booleans(),
}


@st.composite
def choices(draw: st.DrawFn) -> tuple[type, tuple[Any, ...]]:
    base = draw(st.sampled_from(sorted(BASES, key=lambda t: t.__name__)))
    values = tuple(draw(st.lists(BASES[base], min_size=1, max_size=4, unique=True)))
    return base, values


@SETTINGS
@given(choices(), st.data())
def test_a_literal_converts_as_its_base_type(spec: tuple[type, tuple[Any, ...]], data: st.DataObject) -> None:
    """Any value of the base type (a choice or not, as in flytekit) is written and read as the base type does."""
    base, values = spec
    tp = Literal[values]  # type: ignore[valid-type]
    value = data.draw(st.one_of(st.sampled_from(values), BASES[base]))
    ours, plain = to_literal(value, tp, CTX).unwrap().value, to_literal(value, base, CTX).unwrap().value
    assert ours.SerializeToString(deterministic=True) == plain.SerializeToString(deterministic=True)
    assert to_python(ours, tp, CTX).unwrap() == to_python(plain, base, CTX).unwrap()


@SETTINGS
@given(choices())
def test_the_literal_type_is_the_base_types_with_the_choices(spec: tuple[type, tuple[Any, ...]]) -> None:
    base, values = spec
    tp = Literal[values]  # type: ignore[valid-type]
    lt = literal_type_of(tp).unwrap()
    assert lt.simple == literal_type_of(base).unwrap().simple
    listed = [v.WhichOneof("kind") for v in lt.annotation.annotations.fields["literal_values"].list_value.values]
    assert len(listed) == len(typing.get_args(tp))  # typing itself folds 0.0 and -0.0
    assert set(listed) == {"string_value" if base is str else "bool_value" if base is bool else "number_value"}
