"""``VoidPromise`` behaves as flytekit 1.16's ``flytekit.core.promise.VoidPromise``.

The expected message is flytekit's text (``promise.py``: "Task {name} returns nothing, NoneType return
cannot be used"); chaining forwards to the node of the reference, as flytekit's ``__rshift__`` and
``with_overrides`` do.
"""

from __future__ import annotations

import operator
from typing import Any

import pytest

from flyte_entrypoint.core.void_promise import VoidPromise

MESSAGE = "Task wf.t1 returns nothing, NoneType return cannot be used"


class _Node:
    """A workflow node that records what the promise asked of it."""

    def __init__(self) -> None:
        self.before: list[Any] = []
        self.overrides: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def runs_before(self, other: Any) -> None:
        self.before.append(other)

    def with_overrides(self, *args: Any, **kwargs: Any) -> None:
        self.overrides.append((args, kwargs))


class _Ref:
    def __init__(self) -> None:
        self.node = _Node()


def test_name_and_reference_are_kept() -> None:
    ref = _Ref()
    vp = VoidPromise("wf.t1", ref)
    assert vp.task_name == "wf.t1"
    assert vp.ref is ref
    assert VoidPromise("wf.t1").ref is None


@pytest.mark.parametrize(
    "op", [operator.eq, operator.and_, operator.or_, operator.le, operator.ge, operator.gt, operator.lt, operator.add]
)
def test_every_comparison_and_arithmetic_fails_naming_the_task(op: Any) -> None:
    with pytest.raises(AssertionError) as info:
        op(VoidPromise("wf.t1"), 1)
    assert str(info.value) == MESSAGE


def test_cmp_refuses_too() -> None:
    with pytest.raises(AssertionError) as info:
        VoidPromise("wf.t1").__cmp__(1)
    assert str(info.value) == MESSAGE


def test_hashable_by_identity_although_eq_refuses() -> None:
    a, b = VoidPromise("wf.t1"), VoidPromise("wf.t1")
    assert hash(a) == object.__hash__(a)
    assert len({a, b}) == 2  # a set of two distinct promises: hashing never calls __eq__ for distinct hashes


def test_runs_before_does_nothing() -> None:
    ref = _Ref()
    assert VoidPromise("wf.t1", ref).runs_before(object(), key=1) is None
    assert ref.node.before == []


def test_rshift_orders_the_nodes_when_both_have_references() -> None:
    a, b = VoidPromise("a", _Ref()), VoidPromise("b", _Ref())
    assert (a >> b) is b
    assert a.ref.node.before == [b.ref.node]
    assert b.ref.node.before == []


@pytest.mark.parametrize("left_ref, right_ref", [(True, False), (False, True), (False, False)])
def test_rshift_without_both_references_only_returns_the_right_side(left_ref: bool, right_ref: bool) -> None:
    a = VoidPromise("a", _Ref() if left_ref else None)
    b = VoidPromise("b", _Ref() if right_ref else None)
    assert (a >> b) is b
    for side in (a, b):
        if side.ref is not None:
            assert side.ref.node.before == []


def test_rshift_onto_a_value_without_ref_attribute() -> None:
    a = VoidPromise("a", _Ref())
    other = object()
    assert (a >> other) is other
    assert a.ref.node.before == []


def test_with_overrides_forwards_to_the_node_and_returns_the_promise() -> None:
    ref = _Ref()
    vp = VoidPromise("wf.t1", ref)
    assert vp.with_overrides(1, name="n") is vp
    assert ref.node.overrides == [((1,), {"name": "n"})]
    bare = VoidPromise("wf.t1")
    assert bare.with_overrides(name="n") is bare
