"""flytekit's workflow-building names, for modules written for flytekit.

Declaring (``@workflow``, ``Workflow()``, ``conditional``, ``create_node``, gates) has no side effects:
it builds immutable records. *Calling* a workflow runs it as plain Python, in flytekit's local-execution
order: each task call runs its task at once, its inputs and outputs passing through the type engine
(:mod:`flyte_entrypoint.compat.local_values`); values inside the workflow body are :class:`Promise`
wrappers (so ``x.is_true()``, ``node >> other``, ``.with_overrides(...)``, ``result.field`` work as in
flytekit), unwrapped before a task body sees them and at the workflow's return; a branch of a
``conditional`` that is not taken does not run its tasks.
"""

from __future__ import annotations

import collections
import enum
import functools
import inspect
import typing
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

import attrs

from flyte_entrypoint.schemas.task import LOCAL_CALL_HOOK, MapTaskRecord, TaskRecord


class WorkflowFailurePolicy(enum.Enum):
    FAIL_IMMEDIATELY = 0
    FAIL_AFTER_EXECUTABLE_NODES_COMPLETE = 1


# ---------------------------------------------------------------------------------------------- promises


class Promise:
    """A value inside a running workflow body (flytekit's Promise, evaluated eagerly)."""

    __slots__ = ("_value", "_var")

    def __init__(self, value: Any, var: str = "o0") -> None:
        self._value = value
        self._var = var

    @property
    def val(self) -> Any:
        return self._value

    @property
    def var(self) -> str:
        return self._var

    def is_true(self) -> bool:
        return self._value is True

    def is_false(self) -> bool:
        return self._value is False

    def is_none(self) -> bool:
        return self._value is None

    def with_overrides(self, *args: Any, **kwargs: Any) -> Promise:
        return self

    def __rshift__(self, other: Any) -> Any:
        return other

    def __bool__(self) -> bool:
        raise ValueError(
            "Flytekit does not support Unary expressions or performing truth value testing; use is_true(), "
            "is_false() or a comparison inside conditional(...)"
        )

    def __getattr__(self, name: str) -> Promise:
        if name.startswith("__"):
            raise AttributeError(name)
        return Promise(getattr(self._value, name), f"{self._var}.{name}")

    def __getitem__(self, key: Any) -> Promise:
        return Promise(self._value[key], f"{self._var}[{key!r}]")

    def __iter__(self) -> Iterator[Any]:
        raise TypeError("a task output cannot be iterated inside a workflow body (as in flytekit)")

    def __eq__(self, other: object) -> bool:
        return bool(self._value == unwrap(other))

    def __ne__(self, other: object) -> bool:
        return bool(self._value != unwrap(other))

    def __lt__(self, other: Any) -> bool:
        return bool(self._value < unwrap(other))

    def __le__(self, other: Any) -> bool:
        return bool(self._value <= unwrap(other))

    def __gt__(self, other: Any) -> bool:
        return bool(self._value > unwrap(other))

    def __ge__(self, other: Any) -> bool:
        return bool(self._value >= unwrap(other))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Promise({self._var}={self._value!r})"


class VoidPromise:
    """The result of a task without outputs inside a workflow body (supports ``>>``)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def with_overrides(self, *args: Any, **kwargs: Any) -> VoidPromise:
        return self

    def __rshift__(self, other: Any) -> Any:
        return other

    def __repr__(self) -> str:
        return f"VoidPromise({self.name})"


def unwrap(value: Any) -> Any:
    """Promises → their values, through lists, tuples and dicts."""
    if isinstance(value, Promise):
        return value._value
    if isinstance(value, VoidPromise | Node):
        return None if isinstance(value, VoidPromise) else value.value()
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(unwrap(v) for v in value)
    if isinstance(value, tuple):
        return type(value)(*(unwrap(v) for v in value))
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    return value


class _Skipped:
    """The 'output' of a task in a conditional branch that was not taken."""

    def __repr__(self) -> str:
        return "<skipped branch>"

    def with_overrides(self, *args: Any, **kwargs: Any) -> _Skipped:
        return self

    def __getattr__(self, name: str) -> _Skipped:
        if name.startswith("__"):
            raise AttributeError(name)
        return self


SKIPPED = _Skipped()
MOCKS: dict[int, Any] = {}
"""id(task) -> mock, filled by ``flytekit.testing.task_mock``/``patch`` while a test runs."""
_BRANCH: ContextVar[Conditional | None] = ContextVar("flyte_entrypoint_compat_branch", default=None)


def _output_names(entity: Any) -> tuple[str, ...]:
    task = entity.task if isinstance(entity, MapTaskRecord) else entity
    interface = getattr(task, "interface", None)
    return tuple(v.name for v in interface.outputs) if interface is not None else ("o0",)


@functools.lru_cache(maxsize=256)
def _outputs_tuple(tuple_name: str, names: tuple[str, ...]) -> Any:
    return collections.namedtuple(tuple_name, names)


def _wrap(entity: Any, result: Any) -> Any:
    """A task's outputs as flytekit's local execution hands them to the workflow body: one promise, or a
    named tuple of promises when the task declares a NamedTuple (even of one field: ``out.slope``)."""
    names = _output_names(entity)
    if not names:
        return VoidPromise(getattr(entity, "name", "?"))
    task = entity.task if isinstance(entity, MapTaskRecord) else entity
    tuple_name = getattr(getattr(task, "interface", None), "output_tuple_name", None)
    if len(names) == 1:
        single = result[0] if tuple_name and isinstance(result, tuple) else result
        promise = Promise(single, names[0])
        return _outputs_tuple(tuple_name, names)(promise) if tuple_name else promise
    wrapped = [Promise(v, n) for v, n in zip(result, names)]
    return _outputs_tuple(tuple_name, names)(*wrapped) if tuple_name else tuple(wrapped)


def _wrap_value(value: Any) -> Any:
    """A sub-workflow's result inside a workflow body: tuples become tuples of promises."""
    if isinstance(value, tuple):
        items = [Promise(v, f"o{i}") for i, v in enumerate(value)]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    return Promise(value)


def _call_entity(entity: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The hook task calls go through while a workflow body runs."""
    branch = _BRANCH.get()
    if branch is not None and not branch.active:
        return SKIPPED
    plain_args = tuple(unwrap(a) for a in args)
    plain_kwargs = {k: unwrap(v) for k, v in kwargs.items()}
    mock = MOCKS.get(id(entity))
    if mock is not None:
        return _wrap(entity, mock(*plain_args, **plain_kwargs))
    if isinstance(entity, MapTaskRecord):
        from flyte_entrypoint.compat import local_values

        token = LOCAL_CALL_HOOK.set(None)
        try:
            result = local_values.map_elements(entity, plain_kwargs)
        finally:
            LOCAL_CALL_HOOK.reset(token)
        return Promise(result)
    if isinstance(entity, TaskRecord) and entity.is_dynamic:
        return _wrap(entity, unwrap(entity.function(*plain_args, **plain_kwargs)))  # a workflow-like body
    typed = isinstance(entity, TaskRecord) and not plain_args
    if typed:
        from flyte_entrypoint.compat import local_values

        plain_kwargs = local_values.task_inputs(entity, plain_kwargs)
    token = LOCAL_CALL_HOOK.set(None)  # a task body sees plain values and calls tasks as plain functions
    try:
        result = entity.function(*plain_args, **plain_kwargs)
    finally:
        LOCAL_CALL_HOOK.reset(token)
    if typed:
        if inspect.isawaitable(result):
            result = _await(result)
        result = local_values.task_outputs(entity, result)
    return _wrap(entity, result)


def _await(awaitable: Any) -> Any:
    import asyncio

    async def wait() -> Any:
        return await awaitable

    return asyncio.run(wait())


def _run_body(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    token = LOCAL_CALL_HOOK.set(_call_entity)
    try:
        result = fn(*[Promise(a, f"i{i}") for i, a in enumerate(args)],
                    **{k: Promise(v, k) for k, v in kwargs.items()})
    finally:
        LOCAL_CALL_HOOK.reset(token)
    return unwrap(result)


# ---------------------------------------------------------------------------------------------- workflows


@attrs.frozen
class WorkflowRecord:
    """A declared workflow. Calling it runs it as plain Python (flytekit's local execution order)."""

    name: str
    function: Callable[..., Any]
    failure_policy: WorkflowFailurePolicy | None = None
    interruptible: bool = False
    on_failure: Any = None
    docs: Any = None
    pickle_untyped: bool = False
    default_options: Any = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        defaults = _defaults(self.function)
        merged = {**defaults, **kwargs}
        outer = LOCAL_CALL_HOOK.get()
        if outer is not None and outer is not _call_entity:  # e.g. awaited inside an @eager workflow
            return outer(self, args, kwargs)
        if outer is not None:  # a sub-workflow inside a running workflow body
            branch = _BRANCH.get()
            if branch is not None and not branch.active:
                return SKIPPED
            value = _run_body(self.function, tuple(unwrap(a) for a in args),
                              {k: unwrap(v) for k, v in merged.items()})
            return _wrap_value(value)
        try:
            return _run_body(self.function, args, merged)
        except Exception:
            if self.on_failure is not None:
                self.on_failure(**merged)
            raise

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]


def _defaults(fn: Callable[..., Any]) -> dict[str, Any]:
    import inspect

    return {
        p.name: p.default
        for p in inspect.signature(fn).parameters.values()
        if p.default is not inspect.Parameter.empty
    }


def workflow(
    _workflow_function: Callable[..., Any] | None = None,
    failure_policy: WorkflowFailurePolicy | None = None,
    interruptible: bool = False,
    on_failure: Any = None,
    docs: Any = None,
    pickle_untyped: bool = False,
    default_options: Any = None,
) -> Any:
    """flytekit's ``@workflow`` / ``@workflow(...)``: a :class:`WorkflowRecord`, no side effects."""

    def wrap(fn: Callable[..., Any]) -> WorkflowRecord:
        return WorkflowRecord(
            f"{fn.__module__}.{fn.__name__}", fn, failure_policy, interruptible, on_failure, docs,
            pickle_untyped, default_options,
        )

    return wrap(_workflow_function) if _workflow_function is not None else wrap


def reference_workflow(project: str, domain: str, name: str, version: str) -> Callable[..., Any]:
    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise TypeError(f"reference workflow {project}/{domain}/{name}@{version} runs on a Flyte backend only")

        return refuse

    return wrap


@attrs.define
class _Ref:
    """A reference to a workflow input or a node output inside an imperative workflow."""

    node: int | None
    name: str


class Node:
    """``create_node(entity, **inputs)`` or ``Workflow.add_entity``: outputs by name, ``>>`` ordering."""

    def __init__(self, entity: Any, result: Any) -> None:
        self.entity = entity
        self._result = result
        names = _output_names(entity)
        if isinstance(result, VoidPromise) or not names:
            self.outputs: dict[str, Any] = {}
        elif len(names) == 1:
            self.outputs = {names[0]: result}
        else:
            self.outputs = dict(zip(names, result))

    def value(self) -> Any:
        return self._result

    def __getattr__(self, name: str) -> Any:
        outputs = self.__dict__.get("outputs", {})
        if name in outputs:
            return outputs[name]
        raise AttributeError(name)

    def with_overrides(self, *args: Any, **kwargs: Any) -> Node:
        return self

    def __rshift__(self, other: Any) -> Any:
        return other


def create_node(entity: Any, *args: Any, **kwargs: Any) -> Node:
    """flytekit's ``create_node``: runs the entity now (inside a running workflow body) and names its outputs."""
    return Node(entity, entity(*args, **kwargs))


class ImperativeWorkflow:
    """flytekit's ``Workflow(name=...)`` built with ``add_workflow_input`` / ``add_entity`` / ``add_workflow_output``.

    Calling it evaluates the nodes in the order they were added.
    """

    def __init__(self, name: str, failure_policy: WorkflowFailurePolicy | None = None,
                 interruptible: bool = False) -> None:
        self.name = name
        self.failure_policy = failure_policy
        self.interruptible = interruptible
        self._inputs: dict[str, Any] = {}
        self._nodes: list[tuple[Any, dict[str, Any]]] = []
        self._outputs: dict[str, Any] = {}

    @property
    def inputs(self) -> dict[str, _Ref]:
        return {k: _Ref(None, k) for k in self._inputs}

    def add_workflow_input(self, name: str, python_type: Any) -> _Ref:
        self._inputs[name] = python_type
        return _Ref(None, name)

    def add_entity(self, entity: Any, **kwargs: Any) -> _ImperativeNode:
        self._nodes.append((entity, kwargs))
        return _ImperativeNode(len(self._nodes) - 1, entity)

    add_task = add_entity
    add_subwf = add_entity
    add_launch_plan = add_entity

    def add_workflow_output(self, output_name: str, p: Any, python_type: Any = None) -> None:
        self._outputs[output_name] = p

    def __call__(self, **kwargs: Any) -> Any:
        results: list[Any] = []

        def resolve(value: Any) -> Any:
            if isinstance(value, _Ref):
                if value.node is None:
                    return kwargs[value.name]
                return results[value.node].outputs[value.name]
            if isinstance(value, list):
                return [resolve(v) for v in value]
            if isinstance(value, dict):
                return {k: resolve(v) for k, v in value.items()}
            return value

        def body() -> Any:
            for entity, node_kwargs in self._nodes:
                results.append(Node(entity, entity(**{k: resolve(v) for k, v in node_kwargs.items()})))
            outs = [resolve(v) for v in self._outputs.values()]
            if not outs:
                return None
            return outs[0] if len(outs) == 1 else tuple(outs)

        return _run_body(body, (), {})


class _ImperativeNode:
    def __init__(self, index: int, entity: Any) -> None:
        self._index = index
        self._entity = entity

    @property
    def outputs(self) -> dict[str, _Ref]:
        return {n: _Ref(self._index, n) for n in _output_names(self._entity)}

    def __getattr__(self, name: str) -> _Ref:
        if name in _output_names(self.__dict__["_entity"]):
            return _Ref(self.__dict__["_index"], name)
        raise AttributeError(name)

    def __rshift__(self, other: Any) -> Any:
        return other


# ---------------------------------------------------------------------------------------------- conditional


class Conditional:
    """``conditional(name).if_(c).then(x).elif_(c).then(y).else_().then(z)`` (or ``.fail(msg)``).

    Evaluated eagerly, as flytekit's local execution does: the first true condition's branch runs; the tasks
    of every other branch are skipped (they are called, but do not run).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.taken = False
        self.active = False
        self.value: Any = None
        self._outer = _BRANCH.get()

    def _open(self, condition: Any, is_else: bool = False) -> _Case:
        outer_active = self._outer is None or self._outer.active
        truth = True if is_else else _truth(condition)
        self.active = outer_active and not self.taken and truth
        _BRANCH.set(self)
        return _Case(self, is_else)

    def if_(self, condition: Any) -> _Case:
        return self._open(condition)

    def elif_(self, condition: Any) -> _Case:
        return self._open(condition)

    def else_(self) -> _Case:
        return self._open(None, is_else=True)

    def _close(self) -> None:
        _BRANCH.set(self._outer)


def _truth(condition: Any) -> bool:
    if isinstance(condition, Promise):
        raise ValueError(f"a condition must be a comparison or is_true()/is_false()/is_none(), got {condition!r}")
    return bool(condition)


class _Case:
    def __init__(self, conditional: Conditional, is_else: bool) -> None:
        self._c = conditional
        self._else = is_else

    def then(self, value: Any) -> Any:
        c = self._c
        if c.active:
            c.taken = True
            c.value = value
        c.active = False
        c._close()  # reopened by the next elif_/else_; a section without else_ leaves nothing set
        if self._else:
            return c.value if c.taken else SKIPPED
        return c

    def fail(self, message: str) -> Any:
        c = self._c
        was_active = c.active
        c.active = False
        c._close()
        if was_active:
            raise ValueError(message)
        return c.value if c.taken else SKIPPED


def conditional(name: str) -> Conditional:
    return Conditional(name)


# ---------------------------------------------------------------------------------------------- gates


def sleep(duration: Any) -> VoidPromise:
    """A timer gate: nothing to wait for in a local run (flytekit's local execution does not wait either)."""
    return VoidPromise(f"sleep({duration})")


def approve(upstream_item: Any, name: str, timeout: Any) -> Any:
    """An approval gate: a local run approves and passes the upstream value on."""
    return upstream_item


def wait_for_input(name: str, timeout: Any, expected_type: type) -> Any:
    """A signal gate: a local run asks on the terminal, as flytekit does; without a terminal it fails clearly."""
    import sys

    if not sys.stdin.isatty():
        raise RuntimeError(f"wait_for_input({name!r}) needs a value typed on a terminal in a local run")
    raw = input(f"[Input Gate] Waiting for input @{name} of type {expected_type}: ")
    caster = typing.cast(Callable[[str], Any], expected_type)
    return Promise(caster(raw), name)
