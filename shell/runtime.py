"""Calling the user's function (sync or async) inside a fully built execution context."""

from __future__ import annotations

import inspect
import os
from typing import TYPE_CHECKING, Any

from flyte_entrypoint.core.execution_state import build_execution_parameters
from flyte_entrypoint.schemas.execution import ExecutionParameters
from flyte_entrypoint.schemas.task import TaskRecord

if TYPE_CHECKING:
    from flyte_entrypoint.core.run import RunConfig
    from flyte_entrypoint.shell.driver import RunResources


class _Lazy:
    """Creates a service (stats client, secrets manager) on first attribute access only."""

    def __init__(self, factory: Any) -> None:
        self._factory = factory
        self._value: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._value is None:
            self._value = self._factory()
        return getattr(self._value, name)


def build_context(resources: RunResources, config: RunConfig, task: TaskRecord) -> ExecutionParameters:
    """The ``current_context()`` of ``task``'s run: the parameters ``_dispatch_execute`` was given (its
    ``ctx.user_space_params``), else built from the environment."""
    import logging

    given = resources.user_space_params
    if given is not None:
        return given.with_enable_deck(task.enable_deck).build().with_deck_book(resources.decks.book)
    env = resources.env
    workdir = resources.scratch("user_workspace")
    os.makedirs(workdir, exist_ok=True)

    def stats() -> Any:
        from flyte_entrypoint.shell.stats import build_stats

        return build_stats(env)

    def secrets() -> Any:
        from flyte_entrypoint.shell.secret_store import SecretsManager

        return SecretsManager(env)

    checkpoint = None
    if config.checkpoint_path is not None:
        from flyte_entrypoint.shell.checkpoint import SyncCheckpoint

        checkpoint = SyncCheckpoint.over(
            resources.storage,
            config.checkpoint_path,
            config.prev_checkpoint,
            resources.scratch("checkpoint"),
        )
    from flyte_entrypoint.shell.user_params import ExecutionParameters as UserParams

    return build_execution_parameters(
        env,
        resources.invocation.now,
        workdir,
        raw_output_prefix=config.args.raw_output_data_prefix
        if config.raw_output_prefix_given
        else config.raw_output_prefix,
        output_metadata_prefix=config.output_prefix,
        record_type=UserParams,
        stats=_Lazy(stats),
        logging=logging.getLogger("user_space"),
        secrets=_Lazy(secrets),
        checkpoint_object=checkpoint,
        enable_deck=task.enable_deck,
        deck_book=resources.decks.book,
    )


async def _await(awaitable: Any) -> Any:
    return await awaitable


def _run_coroutine(coro: Any) -> Any:
    """Run to completion on a fresh event loop (closed afterwards); from inside a running loop, on a
    helper thread. The caller's context variables (``current_context()``) go along in both cases."""
    import asyncio
    import contextvars

    main = coro if inspect.iscoroutine(coro) else _await(coro)  # asyncio.run takes coroutines only
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main)
    import concurrent.futures

    context = contextvars.copy_context()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="flyte-async-task") as pool:
        return pool.submit(context.run, asyncio.run, main).result()


def call_task(task: TaskRecord, kwargs: dict[str, Any]) -> Any:
    result = task.function(**kwargs)
    if inspect.isawaitable(result):
        return _run_coroutine(result)
    return result
