"""``@eager`` functions run as plain Python, as flytekit's local execution runs them.

Inside an eager function every task, workflow or map-task call runs at once and hands back an awaitable
(``await t(x=1)`` and ``asyncio.gather(...)`` work); a failure is flytekit's :class:`EagerException`; a
nested eager function is its own coroutine. Called outside an event loop the function runs to completion,
inside one it is a coroutine to await.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from flyte_entrypoint.compat.workflows import WorkflowRecord
from flyte_entrypoint.schemas.task import LOCAL_CALL_HOOK, MapTaskRecord, TaskRecord


class EagerException(Exception):
    """flytekit's error for failures inside ``@eager`` workflows."""



class _Ready:
    """An already computed result that ``await`` hands back (or raises), as eager task calls are awaited."""

    def __init__(self, value: Any = None, error: BaseException | None = None) -> None:
        self._value = value
        self._error = error

    def __await__(self) -> Generator[Any, None, Any]:
        if self._error is not None:
            raise self._error
        return self._value
        yield  # a generator: ``await`` accepts it


def _eager_call(entity: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Inside an ``@eager`` function: run the entity now; the caller awaits the result. Task failures are
    flytekit's ``EagerException``; a nested eager workflow is its own coroutine."""
    if not isinstance(entity, TaskRecord | MapTaskRecord | WorkflowRecord):
        return entity.function(*args, **kwargs)  # a nested @eager: a coroutine
    token = LOCAL_CALL_HOOK.set(None)
    try:
        if isinstance(entity, TaskRecord) and not args:
            from flyte_entrypoint.compat import local_values

            value = local_values.task_outputs(entity, entity.function(**local_values.task_inputs(entity, kwargs)))
        elif isinstance(entity, MapTaskRecord):
            value = entity.run_plain(**kwargs)
        else:
            value = entity(*args, **kwargs)
    except Exception as exc:
        name = getattr(entity, "name", "?")
        error = EagerException(f"Error encountered while executing '{name}':\n  {type(exc).__name__}: {exc}")
        error.__cause__ = exc
        return _Ready(error=error)
    finally:
        LOCAL_CALL_HOOK.reset(token)
    return _Ready(value)


def eager_runner(fn: Callable[..., Any]) -> Callable[..., Any]:
    """How an ``@eager`` function runs as plain Python: task calls inside it are awaitable and run at once;
    called outside an event loop it runs to completion, inside one it is a coroutine to await."""

    async def run(*args: Any, **kwargs: Any) -> Any:
        token = LOCAL_CALL_HOOK.set(_eager_call)
        try:
            return await fn(*args, **kwargs)
        finally:
            LOCAL_CALL_HOOK.reset(token)

    def call(*args: Any, **kwargs: Any) -> Any:
        import asyncio

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(run(*args, **kwargs))
        return run(*args, **kwargs)

    return call
