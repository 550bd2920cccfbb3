"""Importing user code: resolver objects/classes and the tasks they load."""

from __future__ import annotations

import functools
import importlib
import os
import traceback
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from returns.result import Failure

from flyte_entrypoint.schemas.task import MapTaskRecord, TaskRecord


def _is_ours(filename: str) -> bool:
    if filename.startswith("<frozen importlib"):
        return True
    path = os.path.abspath(filename)
    return any(path.startswith(d + os.sep) for d in _our_source_dirs())


@functools.lru_cache(maxsize=1)
def _our_source_dirs() -> tuple[str, ...]:
    import flyte_entrypoint
    import flyte_entrypoint.core
    import flyte_entrypoint.schemas
    import flyte_entrypoint.shell

    dirs: list[str] = []
    for mod in (flyte_entrypoint, flyte_entrypoint.core, flyte_entrypoint.schemas, flyte_entrypoint.shell):
        dirs.extend(os.path.abspath(p) for p in getattr(mod, "__path__", []))
    return tuple(dirs)


def user_traceback(tb: TracebackType | None) -> TracebackType | None:
    """Drop our own leading frames so the trace starts where the user's code does."""
    while tb is not None and _is_ours(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    return tb


def render_trace(exc: BaseException) -> str:
    """The traceback text of ``exc`` (reads source lines: hence in the shell), user frames only."""
    tb = user_traceback(exc.__traceback__)
    return "".join(traceback.format_exception(type(exc), exc, tb))


LEGACY_MAP_TASK_RESOLVER = "flytekit.core.legacy_map_task.MapTaskResolver"

UNSUPPORTED_RESOLVERS: dict[str, str] = {
    LEGACY_MAP_TASK_RESOLVER: (
        f"{LEGACY_MAP_TASK_RESOLVER} (flytekit's legacy, pre-ArrayNode map task) is not supported by "
        "flyte-entrypoint: declare the map task with map_task(...), whose container command runs "
        "pyflyte-map-execute with ArrayNodeMapTaskResolver, and register it again"
    ),
}


class UnsupportedResolverError(ImportError):
    """A resolver that flyte-entrypoint deliberately does not implement (reported as a USER load failure)."""


def load_object(path: str) -> Any:
    """``pkg.module.attr`` → the attribute (split at the last dot, as flytekit does)."""
    if path in UNSUPPORTED_RESOLVERS:
        raise UnsupportedResolverError(UNSUPPORTED_RESOLVERS[path])
    module_name, _, attr = path.rpartition(".")
    if not module_name:
        raise ValueError(f"Expected a dotted path 'module.attribute', got {path!r}")
    module = importlib.import_module(module_name)
    try:
        return getattr(module, attr)
    except AttributeError:
        raise AttributeError(f"module {module_name!r} has no attribute {attr!r}") from None


class DefaultTaskResolver:
    """Loads ``task-module <module> task-name <name>``: import the module, take the attribute."""

    def name(self) -> str:
        return "DefaultTaskResolver"

    def location(self) -> str:
        return "flyte_entrypoint.default_task_resolver"

    def load_task(self, loader_args: Sequence[str]) -> TaskRecord:
        from flyte_entrypoint.core import loader_args as grammar

        parsed = grammar.parse_default(loader_args)
        if isinstance(parsed, Failure):
            raise ValueError(parsed.failure())
        target = parsed.unwrap()
        module_name, task_name = target.module, target.name
        module = importlib.import_module(module_name)
        try:
            found = getattr(module, task_name)
        except AttributeError:
            raise AttributeError(f"module {module_name!r} has no attribute {task_name!r}") from None
        if isinstance(found, MapTaskRecord):
            return found.task
        if not isinstance(found, TaskRecord):
            from flyte_entrypoint.shell.python_task import PythonTask

            if isinstance(found, PythonTask):  # a seed-API task object: the driver adapts it
                return found  # type: ignore[return-value]
            raise TypeError(
                f"{module_name}.{task_name} is a {type(found).__name__}, not a task: decorate it with "
                "flyte_entrypoint.task"
            )
        return found

    def loader_args(self, task: TaskRecord) -> list[str]:
        from flyte_entrypoint.core import loader_args as grammar

        return grammar.default_args(task.name)


class ArrayNodeMapTaskResolver:
    """``vars <bound names> resolver <inner resolver> <inner args...>`` → a map task over the inner task."""

    def name(self) -> str:
        return "ArrayNodeMapTaskResolver"

    def location(self) -> str:
        return "flyte_entrypoint.ArrayNodeMapTaskResolver"

    def load_task(self, loader_args: Sequence[str], max_concurrency: int | None = None) -> MapTaskRecord:
        from flyte_entrypoint.core import loader_args as grammar

        parsed = grammar.parse_map(loader_args)
        if isinstance(parsed, Failure):
            raise ValueError(parsed.failure())
        target = parsed.unwrap()
        inner_resolver = load_object(target.inner_resolver)
        inner = inner_resolver.load_task(list(target.inner_args))
        return MapTaskRecord(inner, target.bound_inputs, concurrency=max_concurrency)

    def loader_args(self, task: MapTaskRecord) -> list[str]:
        from flyte_entrypoint.core import loader_args as grammar

        inner = DefaultTaskResolver()
        return grammar.map_args(task.bound_inputs, inner.location(), inner.loader_args(task.task))


default_task_resolver = DefaultTaskResolver()
