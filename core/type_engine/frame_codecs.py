"""Dataframes <-> the bytes of their stored files, in memory: the built-in codecs of the type engine.

The layout and writer settings are flytekit 1.16's built-in handlers': parquet as one file ``00000`` (pandas with
``coerce_timestamps="us"``, ``allow_truncated_timestamps=False``, the index as pandas keeps it; pyarrow's
``write_table`` defaults), CSV as ``.csv`` without the index. Writing into memory gives the same bytes as writing
the file. Readers take the files of a stored dataset (relative name -> bytes, as the shell fetched them: ``""``
when the URI named one file) and read them as pandas/pyarrow read a folder: hidden files (``.``/``_`` prefixes,
pyarrow's dataset rule) left out, the others in name order, concatenated.

Values in, values out: no file, no storage (the shell fetches and uploads the bytes). pandas and pyarrow are
imported inside the functions, so only a task that uses dataframes imports them.

Laws (``property_tests/test_frame_codec_laws.py``; the bytes are flytekit's: ``tests/test_frame_codecs.py``):

* **Round trip.** ``read_pandas_parquet({"00000": pandas_parquet_bytes(f)}, None)`` equals ``f``; the same for CSV
  and for pyarrow tables; a column subset reads exactly those columns.
* **Split invariance.** Parquet parts read back concatenated in name order, whatever order the mapping has.
* **Folder rule.** ``data_files`` keeps exactly the files with no path part starting with ``.`` or ``_``, by name.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "CSV_FILE_NAME",
    "PARQUET_FILE_NAME",
    "arrow_parquet_bytes",
    "data_files",
    "pandas",
    "pandas_csv_bytes",
    "pandas_parquet_bytes",
    "read_arrow_parquet",
    "read_pandas_csv",
    "read_pandas_parquet",
]

PARQUET_FILE_NAME = f"{0:05}"
CSV_FILE_NAME = ".csv"


def pandas() -> Any:
    """The pandas module, with the install hint flytekit's users expect when it is missing."""
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError(
            "pandas.DataFrame values need pandas and pyarrow: pip install 'flyte-entrypoint[pandas]'"
        ) from exc
    return pd


def pandas_parquet_bytes(frame: Any) -> bytes:
    """A pandas DataFrame as one parquet file (flytekit's writer settings)."""
    pandas()
    buffer = io.BytesIO()
    frame.to_parquet(buffer, coerce_timestamps="us", allow_truncated_timestamps=False)
    return buffer.getvalue()


def pandas_csv_bytes(frame: Any) -> bytes:
    """A pandas DataFrame as CSV without the index (flytekit's CSV encoder)."""
    buffer = io.BytesIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue()


def arrow_parquet_bytes(table: Any) -> bytes:
    """A pyarrow Table as one parquet file."""
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def data_files(files: Mapping[str, bytes]) -> list[bytes]:
    """The data files of a stored dataset in the order a folder is read: hidden ones left out, by name."""
    names = sorted(n for n in files if not any(part[:1] in (".", "_") for part in n.split("/") if part))
    return [files[n] for n in names]


def _columns(columns: Sequence[str] | None) -> list[str] | None:
    return list(columns) if columns else None


def read_arrow_parquet(files: Mapping[str, bytes], columns: Sequence[str] | None) -> Any:
    """The parquet files of a dataset as one pyarrow Table (only ``columns`` when given)."""
    import pyarrow
    import pyarrow.parquet as pq

    parts = data_files(files)
    if not parts:
        raise ValueError("the dataset holds no parquet files")
    tables = [pq.read_table(io.BytesIO(data), columns=_columns(columns)) for data in parts]
    return tables[0] if len(tables) == 1 else pyarrow.concat_tables(tables)


def read_pandas_parquet(files: Mapping[str, bytes], columns: Sequence[str] | None) -> Any:
    """The parquet files of a dataset as one pandas DataFrame (``pd.read_parquet`` of the folder)."""
    pd = pandas()
    parts = data_files(files)
    if len(parts) == 1:
        return pd.read_parquet(io.BytesIO(parts[0]), columns=_columns(columns))
    return read_arrow_parquet(files, columns).to_pandas()


def read_pandas_csv(data: bytes, columns: Sequence[str] | None) -> Any:
    """A CSV file as a pandas DataFrame (only ``columns`` when given)."""
    return pandas().read_csv(io.BytesIO(data), usecols=_columns(columns))
