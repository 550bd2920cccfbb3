"""Parquet reading and writing for ``pandas.DataFrame`` values (the optional ``pandas`` extra).

The type engine's dataframe transformer (``core/types/dataframe.py``) is pure: it decides the literal, the
remote directory and the upload, and reaches this module through the data-access hook
(``shell/blob_io.StorageDataAccess.write_dataframe`` / ``read_dataframe``) for the two steps that touch files.
pandas and pyarrow are imported here only, on first use, so a run without dataframes never imports them.

Files are written as flytekit's pandas encoder writes them: one file named ``00000`` in the value's directory,
``coerce_timestamps="us"``, ``allow_truncated_timestamps=False``, the index kept as pandas does by default.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

__all__ = ["PARQUET_FILE_NAME", "read_parquet", "write_parquet"]

PARQUET_FILE_NAME = f"{0:05}"


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError(
            "pandas.DataFrame values need pandas and pyarrow: pip install 'flyte-entrypoint[pandas]'"
        ) from exc
    return pandas


def write_parquet(value: Any, local_file: str) -> None:
    """Write ``value`` (a pandas DataFrame) as one parquet file at ``local_file`` (parents are created)."""
    _pandas()
    os.makedirs(os.path.dirname(local_file) or ".", exist_ok=True)
    value.to_parquet(local_file, coerce_timestamps="us", allow_truncated_timestamps=False)


def read_parquet(local_path: str, columns: Sequence[str] | None) -> Any:
    """Read a parquet file, or a directory of parquet files, keeping only ``columns`` when given."""
    pd = _pandas()
    return pd.read_parquet(local_path, columns=list(columns) if columns else None)
