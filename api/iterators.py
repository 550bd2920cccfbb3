"""flytekit's iterator types (``flytekit.types.iterator``): ``JSON`` and lazy iterators over inputs.

* ``Iterator[JSON]`` (``JSON`` is flytekit's alias: a dict, list, bool, float, int or str) is one JSON-lines file
  (blob format ``jsonl``, LiteralType metadata ``{"format": "json iterator"}``). A task returns any iterable of JSON
  values (an empty one is an error, as in flytekit); a task receiving one gets a :class:`JSONIterator` that fetches
  the file on first use and yields one value per line.
* ``Iterator[T]`` for any other ``T`` is a collection of ``T`` (flytekit's ``Typed Iterator``); a task receiving one
  gets a :class:`FlyteIterator`, which converts each element only when it is reached (``len()`` works).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, Dict, List, Union

__all__ = ["JSON", "FlyteIterator", "JSONCollection", "JSONIterator", "JSONScalar"]

JSONCollection = Union[Dict[str, Any], List[Any]]
JSONScalar = Union[bool, float, int, str]
JSON = Union[JSONCollection, JSONScalar]


class JSONIterator(Iterator[Any]):
    """The values of a JSON-lines blob, one per line, read lazily (the file is fetched on the first ``next()``)."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self._lines: Iterator[str] | None = None
        self._fh: Any = None

    def __iter__(self) -> JSONIterator:
        return self

    def __next__(self) -> Any:
        if self._lines is None:
            from flyte_entrypoint.core import paths
            from flyte_entrypoint.files import data_access

            access = data_access()
            local = paths.strip_file_scheme(self.uri)
            if paths.is_remote(self.uri):
                local = access.download(self.uri, access.new_local_path(paths.basename(self.uri) or "data"), False)
            self._fh = open(local, encoding="utf-8")  # noqa: SIM115 - closed when exhausted
            self._lines = iter(self._fh)
        for line in self._lines:
            if line.strip():
                return json.loads(line)
        self._fh.close()
        raise StopIteration("File handler is exhausted")


class FlyteIterator(Iterator[Any]):
    """The elements of a collection literal, each converted to python only when reached."""

    def __init__(self, length: int, convert: Callable[[int], Any]) -> None:
        self._length = length
        self._convert = convert
        self._index = 0

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> FlyteIterator:
        self._index = 0
        return self

    def __next__(self) -> Any:
        if self._index >= self._length:
            raise StopIteration
        value = self._convert(self._index)
        self._index += 1
        return value
