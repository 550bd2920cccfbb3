"""flytekit's iterator types (``flytekit.types.iterator``): ``JSON`` and lazy iterators over inputs.

* ``Iterator[JSON]`` (``JSON`` is flytekit's alias: a dict, list, bool, float, int or str) is one JSON-lines file
  (blob format ``jsonl``, LiteralType metadata ``{"format": "json iterator"}``). A task returns any iterable of JSON
  values (an empty one is an error, as in flytekit); a task receiving one gets a :class:`JSONIterator` over the
  file's bytes (read with the inputs) that yields one value per line.
* ``Iterator[T]`` for any other ``T`` is a collection of ``T`` (flytekit's ``Typed Iterator``); a task receiving one
  gets a :class:`FlyteIterator`, which converts each element only when it is reached (``len()`` works).

The classes are pure and live with their transformer (``core/type_engine/iterators.py``); this module is their
public name.
"""

from __future__ import annotations

from flyte_entrypoint.core.type_engine.iterators import (
    JSON,
    FlyteIterator,
    JSONCollection,
    JSONIterator,
    JSONScalar,
)

__all__ = ["JSON", "FlyteIterator", "JSONCollection", "JSONIterator", "JSONScalar"]
