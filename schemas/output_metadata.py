"""Metadata a task attaches to its output literals (flytekit's ``OutputMetadataTracker``), as records.

A tracker maps an output *object* (by identity, as flytekit does) to the entries that go into that
output literal's ``metadata`` map. Trackers are immutable: ``core.output_metadata.add`` returns a new
one. Each entry keeps a reference to its object so the identity cannot be reused while tracked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
from pyrsistent import PMap, pmap


def _str_map(value: Mapping[str, str]) -> PMap[str, str]:
    return value if isinstance(value, PMap) else pmap(dict(value))


def _entry_map(value: Mapping[int, TrackedOutput]) -> PMap[int, TrackedOutput]:
    return value if isinstance(value, PMap) else pmap(dict(value))


@attrs.frozen
class OutputMetadata:
    """Entries for one output literal's ``metadata`` map (string keys and values)."""

    items: PMap[str, str] = attrs.field(factory=pmap, converter=_str_map)


@attrs.frozen
class TrackedOutput:
    """An output object and its metadata. The object is compared by identity only."""

    value: Any = attrs.field(eq=False, repr=lambda v: f"<{type(v).__name__} at {id(v):#x}>")
    metadata: OutputMetadata = OutputMetadata()


@attrs.frozen
class OutputMetadataTracker:
    """``id(object) -> TrackedOutput``: a sparse map from output values to their literal metadata.

    flytekit's constructor parameter is ``output_metadata``; ``add``/``with_params`` return new trackers
    (flytekit's ``add`` mutates the tracker in place).
    """

    entries: PMap[int, TrackedOutput] = attrs.field(factory=pmap, converter=_entry_map, alias="output_metadata")

    def add(self, obj: Any, metadata: OutputMetadata) -> OutputMetadataTracker:
        """A tracker where ``obj`` also carries ``metadata``; keys added earlier for ``obj`` are kept unless
        overwritten (flytekit replaces the whole record)."""
        key = id(obj)
        old = self.entries.get(key)
        merged = metadata if old is None else OutputMetadata(old.metadata.items.update(metadata.items))
        return OutputMetadataTracker(self.entries.set(key, TrackedOutput(obj, merged)))

    def get(self, obj: Any) -> OutputMetadata | None:
        """The metadata tracked for ``obj`` (this very object), or ``None``."""
        entry = self.entries.get(id(obj))
        if entry is None or entry.value is not obj:
            return None
        return entry.metadata

    def with_params(self, output_metadata: Mapping[int, TrackedOutput] | None = None) -> OutputMetadataTracker:
        """A copy whose entries are ``output_metadata`` when given (and non-empty)."""
        return OutputMetadataTracker(output_metadata if output_metadata else self.entries)
