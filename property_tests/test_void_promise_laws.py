"""Laws of ``core/void_promise.py`` (stated in its docstring), for any task name and operand."""

from __future__ import annotations

import operator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flyte_entrypoint.core.void_promise import VoidPromise

OPERATORS = [operator.eq, operator.and_, operator.or_, operator.le, operator.ge, operator.gt, operator.lt, operator.add]
OPERANDS = st.one_of(st.none(), st.integers(), st.text(), st.builds(VoidPromise, st.text()))


@given(name=st.text(), op=st.sampled_from(OPERATORS), other=OPERANDS)
def test_every_operator_refuses_naming_the_task(name: str, op: Any, other: Any) -> None:
    with pytest.raises(AssertionError) as info:
        op(VoidPromise(name), other)
    assert str(info.value) == f"Task {name} returns nothing, NoneType return cannot be used"


@given(name=st.text(), other=OPERANDS)
def test_chaining_returns_the_right_side_and_overrides_the_promise(name: str, other: Any) -> None:
    vp = VoidPromise(name)
    assert (vp >> other) is other
    assert vp.with_overrides(name="x") is vp
