"""``@task`` and ``map_task``: functions in, immutable task records out.

Laws (``property_tests/test_task_record_laws.py``):

* **record**: ``task(**kw)(fn)`` is named ``<fn's module>.<fn's name>``, keeps ``fn`` and the interface
  ``extract_interface`` reads off it, and keeps every keyword but the deck switches in ``config``;
  ``disable_deck``, when given, decides ``enable_deck`` (its negation); ``dynamic`` only adds ``is_dynamic``;
* **keywords**: exactly flytekit 1.16's ``task`` keywords (:data:`TASK_KEYWORDS`) are accepted, any other
  name is a ``ValueError`` naming it;
* **pickle fallback**: :func:`with_pickle_fallback` is the identity on a type the engine carries, is
  idempotent, and always gives a type the engine carries;
* **map_task**: a ``functools.partial``'s keywords are the bound inputs and must be inputs of the task.
"""

from __future__ import annotations

import functools
import inspect
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, overload

import attrs
from pyrsistent import pmap
from returns.result import Failure, Success

from flyte_entrypoint.core.interface import InterfaceError, extract_interface
from flyte_entrypoint.schemas.task import Interface, MapTaskRecord, TaskRecord

TASK_KEYWORDS: frozenset[str] = frozenset(
    {
        # flytekit 1.16 ``task`` parameters, in its order
        "task_config", "cache", "retries", "interruptible", "deprecated", "timeout", "container_image",
        "environment", "requests", "limits", "secret_requests", "execution_mode", "node_dependency_hints",
        "task_resolver", "docs", "disable_deck", "enable_deck", "deck_fields", "pod_template",
        "pod_template_name", "accelerator", "pickle_untyped", "shared_memory", "resources", "labels",
        "annotations",
        # popped from flytekit's **kwargs (deprecated spellings of ``cache=Cache(...)``)
        "cache_serialize", "cache_version", "cache_ignore_input_vars",
    }
)
"""Every keyword flytekit 1.16's ``@task`` accepts; any other is an error, as in flytekit."""


def check_keywords(config: Mapping[str, Any]) -> None:
    """Refuse a keyword flytekit's ``@task`` does not take, with flytekit's message (it prints the leftover
    ``kwargs.keys()``, so the text reads ``dict_keys([...])``)."""
    unknown = {k: v for k, v in config.items() if k not in TASK_KEYWORDS}
    if unknown:
        raise ValueError(f"Unrecognized argument(s) for task: {unknown.keys()}")


def _validate_types(name: str, interface: Interface) -> None:
    """Fail at decoration time, naming the parameter and the type, if the engine cannot carry it."""
    from flyte_entrypoint.core.type_engine.engine import literal_type_of

    checks = [(f"input {v.name!r}", v.python_type) for v in interface.inputs]
    checks += [(f"output {v.name!r}", v.python_type) for v in interface.outputs]
    for what, tp in checks:
        result = literal_type_of(tp)
        if isinstance(result, Failure):
            raise InterfaceError(f"Task {name}: {what} has unsupported type {tp!r}: {result.failure()}")


def with_pickle_fallback(tp: Any) -> Any:
    """flytekit's fallback: every part of ``tp`` the engine cannot carry travels as a pickle.

    Containers keep their structure (``List[Model]`` is a collection of pickles, ``Optional[Model]`` a
    union with a pickle variant), as flytekit encodes them; a supported type is returned unchanged.
    """
    from flyte_entrypoint.core.type_engine.engine import literal_type_of

    if isinstance(literal_type_of(tp), Success):
        return tp
    # only now: the pickle transformer's module imports hashlib (OpenSSL), ~3 MiB and milliseconds of start-up
    from flyte_entrypoint.core.type_engine.pickled import AllowPickle

    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is list and len(args) == 1:
        return list[with_pickle_fallback(args[0])]  # type: ignore[misc]
    if origin is dict and len(args) == 2 and args[0] is str:
        return dict[str, with_pickle_fallback(args[1])]  # type: ignore[misc]
    if origin in (typing.Union, types.UnionType) and args:
        return typing.Union[tuple(with_pickle_fallback(a) for a in args)]
    if origin is typing.Annotated:
        return typing.Annotated.__class_getitem__((*args, AllowPickle))
    return typing.Annotated[tp, AllowPickle]


def _untyped_type() -> Any:
    """``pickle_untyped=True``: an unannotated parameter or return travels as a pickle (flytekit's ``Any``)."""
    from flyte_entrypoint.core.type_engine.pickled import AllowPickle

    return typing.Annotated[typing.Any, AllowPickle]


def _pickled(interface: Interface) -> Interface:
    return attrs.evolve(
        interface,
        inputs=tuple(attrs.evolve(v, python_type=with_pickle_fallback(v.python_type)) for v in interface.inputs),
        outputs=tuple(
            attrs.evolve(v, python_type=with_pickle_fallback(v.python_type)) for v in interface.outputs
        ),
    )


def make_task(
    fn: Callable[..., Any], *, is_dynamic: bool = False, pickle_fallback: bool = False, **config: Any
) -> TaskRecord:
    """Build the record for ``fn``; raises ``InterfaceError`` for an untyped or unsupported signature.

    ``pickle_fallback`` is flytekit's semantics (modules written for flytekit, see
    ``flyte_entrypoint.compat``): a type the engine does not support is pickled instead of refused.
    Native modules opt in per parameter with ``Annotated[T, AllowPickle]``.
    """
    check_keywords(config)
    name = f"{fn.__module__}.{fn.__name__}"
    result = extract_interface(fn, untyped=_untyped_type() if config.get("pickle_untyped") else None)
    if not isinstance(result, Success):
        raise result.failure()
    interface = result.unwrap()
    if pickle_fallback:
        interface = _pickled(interface)
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
