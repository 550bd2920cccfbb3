"""Immutable records describing a task: its typed interface and how it was declared."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

import attrs
from pyrsistent import PMap, pmap

_NO_DEFAULT: Any = attrs.make_class("NoDefault", [], frozen=True)()

LOCAL_CALL_HOOK: ContextVar[Callable[[Any, tuple[Any, ...], dict[str, Any]], Any] | None] = ContextVar(
    "flyte_entrypoint_local_call_hook", default=None
)
"""Set only while a workflow runs as plain Python (``flyte_entrypoint.compat.workflows``): task calls go
through it so that branches of a ``conditional`` that are not taken do not run their tasks."""


def _frozen_map(value: Mapping[str, Any]) -> PMap[str, Any]:
    """attrs converter with a concrete type (``pmap`` itself is generic, which mypy cannot bind here)."""
    return pmap(value)


@attrs.frozen
class InputVar:
    name: str
    python_type: Any
    default: Any = _NO_DEFAULT

    @property
    def required(self) -> bool:
        return self.default is _NO_DEFAULT


@attrs.frozen
class OutputVar:
    name: str
    python_type: Any


@attrs.frozen
class Interface:
    """Inputs in parameter order, outputs in declaration order (``o0``.. or NamedTuple fields).

    ``output_tuple_name`` is the NamedTuple's name when the function returns one (a single-field
    NamedTuple's value is then unwrapped with ``[0]``, as flytekit does).
    """

    inputs: tuple[InputVar, ...] = ()
    outputs: tuple[OutputVar, ...] = ()
    output_tuple_name: str | None = None

    def input_named(self, name: str) -> InputVar | None:
        for var in self.inputs:
            if var.name == name:
                return var
        return None


@attrs.frozen
class TaskRecord:
    """A decorated task function. Calling the record runs the function, as plain Python would.

    ``name`` is flytekit's task name, ``<module>.<function name>``. ``config`` keeps every other
    decorator argument (cache, retries, requests, ...): the entrypoint does not act on them, but
    task code written for flytekit passes them and must keep working.
    """

    name: str
    function: Callable[..., Any]
    interface: Interface
    enable_deck: bool = False
    is_async: bool = False
    config: PMap[str, Any] = attrs.field(factory=pmap, converter=_frozen_map)
    task_type: str = "python-task"
    is_dynamic: bool = False  # declared with @dynamic: loadable, but running it is refused (no workflow compiler)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        hook = LOCAL_CALL_HOOK.get()
        if hook is not None:
            return hook(self, args, kwargs)
        return self.function(*args, **kwargs)

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    @property
    def inner(self) -> TaskRecord:
        """The task whose function runs: the record itself (a map task's is its inner task)."""
        return self


@attrs.frozen
class UnsupportedTask:
    """A task declared in a module written for flytekit that this entrypoint cannot run.

    Decorating never fails for such modules (flytekit falls back to pickle and never fails at
    decoration), so the module still imports and its other tasks run; *loading this one* in the
    container fails with ``reason`` (a USER error document). Called as plain Python it still runs.
    """

    name: str
    reason: str
    function: Callable[..., Any] | None = None
    config: PMap[str, Any] = attrs.field(factory=pmap, converter=_frozen_map)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        hook = LOCAL_CALL_HOOK.get()
        if hook is not None and self.function is not None:
            return hook(self, args, kwargs)
        if self.function is None:
            raise TypeError(f"{self.name} cannot run here: {self.reason}")
        return self.function(*args, **kwargs)

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]


@attrs.frozen
class MapTaskRecord:
    """A map task: the inner task run once per element; ``bound_inputs`` stay scalars."""

    task: TaskRecord
    bound_inputs: frozenset[str] = frozenset()
    concurrency: int | None = None
    min_success_ratio: float | None = None
    bound_values: Mapping[str, Any] = attrs.field(factory=pmap, converter=_frozen_map)

    @property
    def name(self) -> str:
        return self.task.name

    @property
    def inner(self) -> TaskRecord:
        """The task run once per element (so ``task.inner`` is the function's task for either record)."""
        return self.task

    def __call__(self, **kwargs: Any) -> Any:
        hook = LOCAL_CALL_HOOK.get()
        if hook is not None:
            return hook(self, (), kwargs)
        return self.run_plain(**kwargs)

    def run_plain(self, **kwargs: Any) -> list[Any]:
        """Plain-python run: map the inner function over the list inputs (bound ones repeated)."""
        lists = {k: v for k, v in kwargs.items() if k not in self.bound_inputs}
        sizes = {len(v) for v in lists.values()}
        if len(sizes) > 1:
            raise ValueError(f"map task inputs have different lengths: {sorted(sizes)}")
        size = sizes.pop() if sizes else 0
        fixed = {**dict(self.bound_values), **{k: v for k, v in kwargs.items() if k in self.bound_inputs}}
        return [self.task.function(**fixed, **{k: v[i] for k, v in lists.items()}) for i in range(size)]
