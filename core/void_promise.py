"""``VoidPromise``: what calling a task with no outputs inside a workflow gives (flytekit's).

It can only be chained (``>>``, ``runs_before``, ``with_overrides``); any comparison or arithmetic is an
``AssertionError`` naming the task, so that code using a void task's "result" fails loudly.

Laws (``property_tests/test_void_promise_laws.py``): for every task name and operand, each of ``==``,
``&``, ``|``, ``<=``, ``>=``, ``>``, ``<``, ``+`` raises ``AssertionError("Task {name} returns nothing,
NoneType return cannot be used")`` (flytekit's text); ``a >> b is b``; ``with_overrides`` returns the
promise itself.
"""

from __future__ import annotations

from typing import Any, NoReturn


class VoidPromise:
    """The result of a task that declares no outputs."""

    def __init__(self, task_name: str, ref: Any | None = None) -> None:
        self._task_name = task_name
        self._ref = ref

    def runs_before(self, *args: Any, **kwargs: Any) -> None:
        """Does nothing: local workflow execution needs the method to exist."""

    @property
    def ref(self) -> Any | None:
        return self._ref

    @property
    def task_name(self) -> str:
        return self._task_name

    def __rshift__(self, other: Any) -> Any:
        if self.ref and getattr(other, "ref", None):
            self.ref.node.runs_before(other.ref.node)
        return other

    def with_overrides(self, *args: Any, **kwargs: Any) -> VoidPromise:
        if self.ref:
            self.ref.node.with_overrides(*args, **kwargs)
        return self

    def _refuse(self, *_: Any) -> NoReturn:
        raise AssertionError(f"Task {self._task_name} returns nothing, NoneType return cannot be used")

    __eq__ = _refuse
    __and__ = _refuse
    __or__ = _refuse
    __le__ = _refuse
    __ge__ = _refuse
    __gt__ = _refuse
    __lt__ = _refuse
    __add__ = _refuse
    __cmp__ = _refuse
    __hash__ = object.__hash__
