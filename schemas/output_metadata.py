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
    """``id(object) -> TrackedOutput``: a sparse map from output values to their literal metadata."""

    entries: PMap[int, TrackedOutput] = attrs.field(factory=pmap, converter=_entry_map)
