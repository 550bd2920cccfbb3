"""``current_context()``: the ExecutionParameters of the running task, held in a context variable."""

from __future__ import annotations

import contextlib
import contextvars
import datetime
from collections.abc import Iterator

from flyte_entrypoint.schemas.execution import ExecutionParameters
from flyte_entrypoint.shell.fresh import make_temp_dir

_CURRENT: contextvars.ContextVar[ExecutionParameters | None] = contextvars.ContextVar(
    "flyte_entrypoint_current_context", default=None
)
_LOCAL: contextvars.ContextVar[ExecutionParameters | None] = contextvars.ContextVar(
    "flyte_entrypoint_local_context", default=None
)


def _local_default() -> ExecutionParameters:
    """A local run's context, as flytekit's default one: secrets read in local mode, a working checkpoint
    in a temporary directory (no previous checkpoint)."""
    import logging
    import os

    from flyte_entrypoint.shell.checkpoint import SyncCheckpoint
    from flyte_entrypoint.shell.deck import DeckBook
    from flyte_entrypoint.shell.secret_store import SecretsManager
    from flyte_entrypoint.shell.storage import Storage
    from flyte_entrypoint.shell.user_params import ExecutionParameters as UserParams

    tmp_dir = make_temp_dir("flyte-local-")
    checkpoint = SyncCheckpoint.over(
        Storage.from_env({}), os.path.join(tmp_dir, "checkpoint"), None, os.path.join(tmp_dir, "checkpoint-local")
    )
    return UserParams(
        execution_date=datetime.datetime.now(datetime.timezone.utc),
        tmp_dir=tmp_dir,
        logging=logging.getLogger("user_space"),
        deck_book=DeckBook(),
        secrets=SecretsManager(task_execution=False),
        checkpoint_object=checkpoint,
    )


def running_params() -> ExecutionParameters | None:
    """The parameters of the task run in progress (made current by the driver), else ``None``."""
    return _CURRENT.get()


def current_context() -> ExecutionParameters:
    """The running task's context; outside a run, a local default (as flytekit gives in plain python)."""
    params = _CURRENT.get()
    if params is None:
        params = _LOCAL.get()
    if params is None:
        params = _local_default()
        _LOCAL.set(params)
    return params


@contextlib.contextmanager
def using_context(params: ExecutionParameters) -> Iterator[ExecutionParameters]:
    """Make ``params`` the current context for the duration of the block."""
    token = _CURRENT.set(params)
    try:
        yield params
    finally:
        _CURRENT.reset(token)
