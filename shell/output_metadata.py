"""``add_output_metadata``: task code tags an output value; the tags land in its literal's ``metadata``.

The run's tracker is an immutable record (``schemas.output_metadata``) held in a small cell; the cell is
in a context variable, so async task code and helper threads share it with the driver, which hands
the final tracker to the core with ``TaskReturned``.

    @task
    def train() -> Model:
        model = fit()
        return add_output_metadata(model, {"accuracy": "0.93"})
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

from flyte_entrypoint.core import output_metadata as omt
from flyte_entrypoint.schemas.output_metadata import OutputMetadata, OutputMetadataTracker

T = TypeVar("T")


class MetadataCell:
    """Holds the current tracker of one run; ``add`` swaps in a new one under a lock."""

    def __init__(self) -> None:
        self._tracker = omt.EMPTY
        self._lock = threading.Lock()

    @property
    def tracker(self) -> OutputMetadataTracker:
        return self._tracker

    def add(self, obj: Any, items: OutputMetadata | Mapping[str, str]) -> None:
        with self._lock:
            self._tracker = omt.add(self._tracker, obj, items)


_CELL: contextvars.ContextVar[MetadataCell | None] = contextvars.ContextVar(
    "flyte_entrypoint_output_metadata", default=None
)
_LOCAL = MetadataCell()  # outside a run: tags are accepted and kept here (nothing reads them)


@contextlib.contextmanager
def using_cell(cell: MetadataCell) -> Iterator[MetadataCell]:
    token = _CELL.set(cell)
    try:
        yield cell
    finally:
        _CELL.reset(token)


def current_cell() -> MetadataCell:
    cell = _CELL.get()
    return cell if cell is not None else _LOCAL


def add_output_metadata(
    obj: T, metadata: OutputMetadata | Mapping[str, str] | None = None, **items: str
) -> T:
    """Attach ``metadata`` (and/or keyword ``items``) to the output literal made from ``obj``; returns ``obj``.

    Keys and values must be ``str``. ``obj`` is matched by identity when the task returns it.
    """
    merged: dict[str, str] = {}
    if metadata is not None:
        merged.update(omt.metadata_of(metadata).items)
    merged.update(items)
    current_cell().add(obj, merged)
    return obj
