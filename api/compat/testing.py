"""flytekit's ``flytekit.testing``: ``task_mock`` and ``patch`` replace a task's body while a test runs.

A mocked task called directly or from a workflow run (``flyte_entrypoint.compat.workflows``) returns what
its ``MagicMock`` returns; the record itself is never modified (records are immutable).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any
from unittest.mock import MagicMock

from flyte_entrypoint.compat.workflows import MOCKS
from flyte_entrypoint.schemas.task import LOCAL_CALL_HOOK
from flyte_entrypoint.shell.secret_store import SecretsManager

__all__ = ["SecretsManager", "patch", "task_mock"]


def _direct_hook(entity: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    mock = MOCKS.get(id(entity))
    if mock is not None:
        return mock(*args, **kwargs)
    token = LOCAL_CALL_HOOK.set(None)
    try:
        return entity(*args, **kwargs)
    finally:
        LOCAL_CALL_HOOK.reset(token)


@contextlib.contextmanager
def task_mock(t: Any) -> Iterator[MagicMock]:
    """``with task_mock(t) as m: m.return_value = ...``: calls of ``t`` go to ``m`` inside the block."""
    mock = MagicMock()
    previous = MOCKS.get(id(t))
    MOCKS[id(t)] = mock
    token = LOCAL_CALL_HOOK.set(_direct_hook) if LOCAL_CALL_HOOK.get() is None else None
    try:
        yield mock
    finally:
        if token is not None:
            LOCAL_CALL_HOOK.reset(token)
        if previous is None:
            MOCKS.pop(id(t), None)
        else:
            MOCKS[id(t)] = previous


def patch(target: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``@patch(t)`` on a test function: the test receives the mock as its last positional argument."""

    def decorator(test: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(test)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with task_mock(target) as mock:
                return test(*args, mock, **kwargs)

        return wrapper

    return decorator
