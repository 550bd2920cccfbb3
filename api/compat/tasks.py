"""flytekit's task-declaring names with flytekit's semantics, on flyte-entrypoint's task records.

The difference from ``flyte_entrypoint.task`` is deliberate and only this: a module written for flytekit
chose flytekit's behaviour, so (1) a type the engine does not support falls back to pickle, as flytekit
does (``FLYTE_ENTRYPOINT_COMPAT_PICKLE=0`` turns that off for an image), and (2) a task that still cannot
be supported does not fail its module's import: it becomes an :class:`UnsupportedTask` that fails when
it is run, with a clear error document. Both go through the one ``make_task``.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from typing import Any

from flyte_entrypoint.compat.runtime import pickle_fallback_enabled
from flyte_entrypoint.core.interface import InterfaceError
from flyte_entrypoint.core.task import check_keywords, make_task
from flyte_entrypoint.schemas.task import InputVar, Interface, OutputVar, TaskRecord, UnsupportedTask

_HEAVY_MARK = "__flyte_entrypoint_not_supported__"


def _heavy_reason(fn: Callable[..., Any]) -> str | None:
    """A parameter typed with a heavy integration placeholder (``flytekit.extras.pytorch`` ...)."""
    try:
        hints = typing.get_type_hints(fn)
    except Exception:
        return None  # make_task reports unresolvable hints
    for name, tp in hints.items():
        reason = getattr(tp, _HEAVY_MARK, None)
        if isinstance(reason, str):
            return f"{'output' if name == 'return' else 'input ' + repr(name)}: {reason}"
    return None


def declare(fn: Callable[..., Any], *, is_dynamic: bool = False, **config: Any) -> TaskRecord | UnsupportedTask:
    """A task record with flytekit's semantics, or the deferred failure (never an exception for types)."""
    check_keywords(config)
    name = f"{fn.__module__}.{fn.__name__}"
    heavy = _heavy_reason(fn)
    if heavy is not None:
        return UnsupportedTask(name, heavy, fn, config)
    try:
        return make_task(fn, is_dynamic=is_dynamic, pickle_fallback=pickle_fallback_enabled(), **config)
    except InterfaceError as exc:
        return UnsupportedTask(name, str(exc), fn, config)


def task(_task_function: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
    """flytekit's ``@task`` / ``@task(...)``: every flytekit 1.16 keyword is accepted and kept."""
    if _task_function is not None:
        return declare(_task_function, **kwargs)
    check_keywords(kwargs)
    return lambda fn: declare(fn, **kwargs)


def dynamic(_task_function: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
    """flytekit's ``@dynamic``: the module imports, running it writes ``SYSTEM:DynamicNotSupported``."""
    if _task_function is not None:
        return declare(_task_function, is_dynamic=True, **kwargs)
    check_keywords(kwargs)
    return lambda fn: declare(fn, is_dynamic=True, **kwargs)


def eager(_fn: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
    """flytekit's ``@eager`` workflow-in-a-task: imports, and runs as plain Python as in flytekit's local
    execution (task calls inside it are awaited; see ``compat.eager``); running it in a container
    needs Flyte remote access for its sub-executions, which this entrypoint does not have."""

    def wrap(fn: Callable[..., Any]) -> UnsupportedTask:
        from flyte_entrypoint.compat.eager import eager_runner

        return UnsupportedTask(
            f"{fn.__module__}.{fn.__name__}",
            "@eager tasks launch sub-executions through FlyteRemote; flyte-entrypoint does not run them",
            eager_runner(fn),
            {k: v for k, v in kwargs.items() if k != "remote"},
        )

    return wrap(_fn) if _fn is not None else wrap


def reference_task(project: str, domain: str, name: str, version: str) -> Callable[[Callable[..., Any]], Any]:
    """A task registered elsewhere: declaring it has no effect; it only runs on a Flyte backend."""

    def wrap(fn: Callable[..., Any]) -> UnsupportedTask:
        return UnsupportedTask(
            name,
            f"reference task {project}/{domain}/{name}@{version} runs on the Flyte backend, not in this process",
            None,
            {"project": project, "domain": domain, "version": version},
        )

    return wrap


def _interface(inputs: Mapping[str, Any] | None, outputs: Mapping[str, Any] | None) -> Interface:
    return Interface(
        tuple(InputVar(k, v) for k, v in (inputs or {}).items()),
        tuple(OutputVar(k, v) for k, v in (outputs or {}).items()),
    )


def Echo(name: str, inputs: Mapping[str, Any] | None = None, **kwargs: Any) -> TaskRecord:
    """flytekit's ``Echo`` task: its outputs are its inputs (Flyte runs it in propeller, not a container)."""
    names = list(inputs or {})

    def echo(**values: Any) -> Any:
        if not names:
            return None
        if len(names) == 1:
            return values[names[0]]
        return tuple(values[n] for n in names)

    outputs = {f"o{i}": tp for i, tp in enumerate((inputs or {}).values())}
    return TaskRecord(name, echo, _interface(inputs, outputs), task_type="echo", config=kwargs)


class _NotRunHere:
    """Base of task kinds that are declared in Python but executed by something else than this entrypoint."""

    task_type = "unknown"
    why = ""

    def __init__(self, name: str, **kwargs: Any) -> None:
        self.name = name
        self.config = dict(kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"{type(self).__name__} {self.name!r} cannot run in this process: {self.why}")

    def as_unsupported(self) -> UnsupportedTask:
        return UnsupportedTask(self.name, f"{type(self).__name__}: {self.why}")


class ContainerTask(_NotRunHere):
    """flytekit's ``ContainerTask``: Flyte runs the given image and command directly, not pyflyte-execute."""

    task_type = "raw-container"
    why = "a ContainerTask runs its own image and command on the Flyte backend, never through pyflyte-execute"

    def __init__(self, name: str, image: str | None = None, command: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(name, image=image, command=command, **kwargs)


class SQLTask(_NotRunHere):
    """flytekit's ``SQLTask`` base: executed by a backend plugin (or a task-template executor)."""

    task_type = "sql"
    why = "SQL tasks are executed by a backend plugin, not by pyflyte-execute"

    def __init__(self, name: str, query_template: str = "", **kwargs: Any) -> None:
        super().__init__(name, query_template=query_template, **kwargs)


class BaseSensor(_NotRunHere):
    task_type = "sensor"
    why = "sensors are run by the Flyte agent service, not by pyflyte-execute"


class FileSensor(BaseSensor):
    """flytekit's ``FileSensor``: importable and declarable; the agent service runs it."""
