"""``@task`` and ``map_task``: functions in, immutable task records out."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, overload

from pyrsistent import pmap
from returns.result import Failure, Success

from flyte_entrypoint.core.interface import InterfaceError, extract_interface
from flyte_entrypoint.schemas.task import Interface, MapTaskRecord, TaskRecord


def _validate_types(name: str, interface: Interface) -> None:
    """Fail at decoration time, naming the parameter and the type, if the engine cannot carry it."""
    from flyte_entrypoint.core.types.engine import literal_type_of

    checks = [(f"input {v.name!r}", v.python_type) for v in interface.inputs]
    checks += [(f"output {v.name!r}", v.python_type) for v in interface.outputs]
    for what, tp in checks:
        result = literal_type_of(tp)
        if isinstance(result, Failure):
            raise InterfaceError(f"Task {name}: {what} has unsupported type {tp!r}: {result.failure()}")


def make_task(fn: Callable[..., Any], *, is_dynamic: bool = False, **config: Any) -> TaskRecord:
    """Build the record for ``fn``; raises ``InterfaceError`` for an untyped or unsupported signature."""
    name = f"{fn.__module__}.{fn.__name__}"
    result = extract_interface(fn)
    if not isinstance(result, Success):
        raise result.failure()
    interface = result.unwrap()
    _validate_types(name, interface)
    enable_deck = bool(config.pop("enable_deck", False))
    disable_deck = config.pop("disable_deck", None)
    if disable_deck is not None:
        enable_deck = not disable_deck
    record = TaskRecord(
        name=name,
        function=fn,
        interface=interface,
        enable_deck=enable_deck,
        is_async=inspect.iscoroutinefunction(fn),
        config=pmap(config),
        is_dynamic=is_dynamic,
    )
    return record


@overload
def task(_fn: Callable[..., Any]) -> TaskRecord: ...


@overload
def task(_fn: None = None, **config: Any) -> Callable[[Callable[..., Any]], TaskRecord]: ...


def task(_fn: Callable[..., Any] | None = None, **config: Any) -> Any:
    """Decorate a typed function as a Flyte task (``@task`` or ``@task(retries=3, ...)``).

    The flytekit decorator arguments (cache, retries, requests, container_image, ...) are accepted and
    kept on the record; the container entrypoint only needs ``enable_deck``.
    """
    if _fn is not None:
        return make_task(_fn, **config)
    return lambda fn: make_task(fn, **config)


@overload
def dynamic(_fn: Callable[..., Any]) -> TaskRecord: ...


@overload
def dynamic(_fn: None = None, **config: Any) -> Callable[[Callable[..., Any]], TaskRecord]: ...


def dynamic(_fn: Callable[..., Any] | None = None, **config: Any) -> Any:
    """flytekit's ``@dynamic``, accepted so that modules declaring dynamic tasks still import.

    The record is flagged ``is_dynamic``; *running* it in the container yields a
    ``SYSTEM:DynamicNotSupported`` error document (NON_RECOVERABLE): a dynamic task compiles a workflow
    at run time (a ``DynamicJobSpec``), which flyte-entrypoint does not do. Called as plain Python, the
    function just runs.
    """
    if _fn is not None:
        return make_task(_fn, is_dynamic=True, **config)
    return lambda fn: make_task(fn, is_dynamic=True, **config)


def map_task(
    target: TaskRecord | functools.partial[Any],
    concurrency: int | None = None,
    min_success_ratio: float | None = None,
    **_ignored: Any,
) -> MapTaskRecord:
    """A map task over ``target``; a ``functools.partial`` binds scalar inputs that are not mapped."""
    bound: dict[str, Any] = {}
    inner: Any = target
    if isinstance(target, functools.partial):
        if target.args:
            raise TypeError("map_task: functools.partial may bind keyword arguments only")
        bound = dict(target.keywords)
        inner = target.func
    if not isinstance(inner, TaskRecord):
        raise TypeError(f"map_task expects a task (or a partial of one), got {type(inner).__name__}")
    unknown = set(bound) - {v.name for v in inner.interface.inputs}
    if unknown:
        raise TypeError(f"map_task: {inner.name} has no inputs named {sorted(unknown)}")
    return MapTaskRecord(inner, frozenset(bound), concurrency, min_success_ratio, pmap(bound))
