"""Pure operations on ``OutputMetadataTracker`` records: every "change" returns a new tracker.

Supported: plain ``str -> str`` entries, copied into the output literal's ``metadata`` map when the
task returns the tracked object (matched by identity, as flytekit does: small ints and interned
strings are shared objects, so tag only values you created). Not supported: flytekit's artifact
partitions/time partitions and ``SerializableToString`` items (they need the artifact service).

Laws (``property_tests/test_output_metadata_laws.py``): ``add`` never changes the tracker it is given;
``get(add(t, o, m), o)`` holds every entry of ``m`` (later ``add`` calls win key by key); an object
that was not added (even an equal one) has no metadata.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyrsistent import pmap

from flyte_entrypoint.schemas.output_metadata import OutputMetadata, OutputMetadataTracker

EMPTY = OutputMetadataTracker()


def metadata_of(items: OutputMetadata | Mapping[str, str]) -> OutputMetadata:
    """``items`` as an ``OutputMetadata``; ``TypeError`` unless every key and value is a ``str``."""
    if isinstance(items, OutputMetadata):
        return items
    if not isinstance(items, Mapping):
        raise TypeError(f"output metadata must be a mapping of str to str, got {type(items).__name__}")
    for key, value in items.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(
                f"output metadata entries must be str -> str, got {type(key).__name__} -> {type(value).__name__}"
            )
    return OutputMetadata(pmap(dict(items)))


def add(
    tracker: OutputMetadataTracker, obj: Any, items: OutputMetadata | Mapping[str, str]
) -> OutputMetadataTracker:
    """A tracker where ``obj`` also carries ``items`` (validated here; merged by ``tracker.add``)."""
    return tracker.add(obj, metadata_of(items))


def get(tracker: OutputMetadataTracker, obj: Any) -> OutputMetadata | None:
    """The metadata tracked for ``obj`` (this very object), or ``None``."""
    return tracker.get(obj)


def literal_metadata(tracker: OutputMetadataTracker | None, obj: Any) -> Mapping[str, str]:
    """The entries to put into the literal made from ``obj`` (empty when none are tracked)."""
    if tracker is None:
        return {}
    found = get(tracker, obj)
    return dict(found.items) if found is not None else {}
