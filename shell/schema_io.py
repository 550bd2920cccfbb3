"""Reading and writing the local folder of a ``FlyteSchema`` (parquet files ``00000``, ``00001``...), with pandas.

``FlyteSchema.open()`` (``flyte_entrypoint.flyte_schema``) returns these; pandas is imported on first use.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

__all__ = ["SchemaReader", "SchemaWriter"]


class SchemaReader:
    """Reads the parquet files of a local schema folder (``00000``, ``00001``..., hidden files skipped)."""

    def __init__(self, from_path: str, cols: dict[str, type] | None, fmt: Any) -> None:
        self._from_path = from_path
        self._columns = cols
        self._fmt = fmt

    @property
    def from_path(self) -> str:
        return self._from_path

    @property
    def column_names(self) -> list[str] | None:
        return list(self._columns) if self._columns else None

    def _files(self) -> list[str]:
        with os.scandir(self._from_path) as entries:
            return [e.path for e in entries if not e.name.startswith(".") and e.is_file()]

    def _read(self, *files: str) -> Any:
        import pandas

        frames = [
            pandas.read_parquet(f, columns=self.column_names, engine="pyarrow") for f in files if os.path.getsize(f) > 0
        ]
        if len(frames) == 1:
            return frames[0]
        if frames:
            return pandas.concat(frames)
        return pandas.DataFrame()

    def iter(self) -> Iterator[Any]:
        for f in self._files():
            yield self._read(f)

    def all(self) -> Any:
        return self._read(*self._files())


class SchemaWriter:
    """Writes frames into a local schema folder, one parquet file per frame, named ``00000``, ``00001``..."""

    def __init__(self, to_path: str, cols: dict[str, type] | None, fmt: Any) -> None:
        self._to_path = to_path
        self._columns = cols
        self._fmt = fmt
        self._next = 0

    @property
    def to_path(self) -> str:
        return self._to_path

    @property
    def column_names(self) -> list[str] | None:
        return list(self._columns) if self._columns else None

    def write(self, *dfs: Any, **kwargs: Any) -> None:
        os.makedirs(self._to_path, exist_ok=True)
        for df in dfs:
            path = os.path.join(self._to_path, f"{self._next:05}")
            self._next += 1
            df.to_parquet(path, coerce_timestamps="us", allow_truncated_timestamps=False, **kwargs)
