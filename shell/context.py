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
    import logging

    from flyte_entrypoint.shell.deck import DeckBook
    from flyte_entrypoint.shell.user_params import ExecutionParameters as UserParams

    return UserParams(
        execution_date=datetime.datetime.now(datetime.timezone.utc),
        tmp_dir=make_temp_dir("flyte-local-"),
        logging=logging.getLogger("user_space"),
        deck_book=DeckBook(),
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
