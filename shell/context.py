"""``current_context()``: the ExecutionParameters of the running task, held in a context variable."""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import tempfile
from collections.abc import Iterator

from flyte_entrypoint.schemas.execution import ExecutionParameters

_CURRENT: contextvars.ContextVar[ExecutionParameters | None] = contextvars.ContextVar(
    "flyte_entrypoint_current_context", default=None
)


def _local_default() -> ExecutionParameters:
    import logging

    from flyte_entrypoint.shell.deck import DeckBook

    return ExecutionParameters(
        execution_date=datetime.datetime.now(datetime.timezone.utc),
        tmp_dir=tempfile.mkdtemp(prefix="flyte-local-"),
        logging=logging.getLogger("user_space"),
        deck_book=DeckBook(),
    )


def current_context() -> ExecutionParameters:
    """The running task's context; outside a run, a local default (as flytekit gives in plain python)."""
    params = _CURRENT.get()
    if params is None:
        params = _local_default()
        _CURRENT.set(params)
    return params


@contextlib.contextmanager
def using_context(params: ExecutionParameters) -> Iterator[ExecutionParameters]:
    """Make ``params`` the current context for the duration of the block."""
    token = _CURRENT.set(params)
    try:
        yield params
    finally:
        _CURRENT.reset(token)
