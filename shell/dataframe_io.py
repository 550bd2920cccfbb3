"""The built-in StructuredDataset handlers (pandas parquet and csv, pyarrow parquet) and the handlers' ``ctx``.

The type engine (``core/type_engine/structured.py``) is pure up to the handler call: it decides the literal type, the
destination URI, the local staging folder and the upload. The handlers here are the I/O step: an encoder writes
the dataframe into the staging folder it is given as ``structured_dataset.uri`` (the engine then uploads the folder
with the other outputs); a decoder fetches the stored data through the data-access hook
(``flyte_entrypoint.files.data_access()``) and parses it. pandas and pyarrow are imported only inside these
functions, when a task uses them.

Files are laid out as flytekit 1.16's handlers lay them out: parquet as one file ``<uri>/00000`` (pandas with
``coerce_timestamps="us"``, ``allow_truncated_timestamps=False``, the index as pandas keeps it), csv as
``<uri>/.csv`` without the index. Readers accept a folder of parquet files or a single file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from flyte_entrypoint.core import paths
from flyte_entrypoint.files import data_access
from flyte_entrypoint.structured import (
    CSV,
    PARQUET,
    StructuredDataset,
    StructuredDatasetDecoder,
    StructuredDatasetEncoder,
)

__all__ = [
    "PARQUET_FILE_NAME",
    "FileAccess",
    "HandlerContext",
    "builtin_handlers",
    "handler_context",
    "read_parquet",
    "write_parquet",
]

PARQUET_FILE_NAME = f"{0:05}"
CSV_FILE_NAME = ".csv"


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


# ---- the ctx handlers receive ----------------------------------------------------------------------------


class FileAccess:
    """The part of flytekit's ``FileAccessProvider`` that StructuredDataset handlers use, over the data hook."""

    @property
    def raw_output_prefix(self) -> str:
        prefix = str(getattr(data_access(), "raw_output_prefix", ""))
        return prefix if prefix.endswith("/") else prefix + "/"

    def get_random_string(self) -> str:
        return data_access().random_name()

    def join(self, *parts: str) -> str:
        first, *rest = parts
        return paths.join(first, *rest)

    def is_remote(self, path: str) -> bool:
        return paths.is_remote(str(path))

    def get_random_remote_directory(self) -> str:
        return data_access().new_remote_path()

    def get_random_remote_path(self, file_path_or_file_name: str | None = None) -> str:
        return data_access().new_remote_path(paths.basename(file_path_or_file_name or ""))

    def get_random_local_path(self, file_path_or_file_name: str | None = None) -> str:
        return data_access().new_local_path(os.path.basename(file_path_or_file_name or ""))

    def get_random_local_directory(self) -> str:
        path = data_access().new_local_path()
        os.makedirs(path, exist_ok=True)
        return path

    def get_data(self, remote_path: str, local_path: str, is_multipart: bool = False, **_: Any) -> str:
        """Fetch into exactly ``local_path`` (handlers read it right after), like flytekit's ``get_data``."""
        storage = data_access().storage  # type: ignore[attr-defined]
        if is_multipart:
            os.makedirs(local_path, exist_ok=True)
            storage.get_dir(remote_path, local_path)
        else:
            os.makedirs(os.path.dirname(local_path) or ".", exist_ok=True)
            storage.get_file(remote_path, local_path)
        return local_path

    def put_data(self, local_path: str, remote_path: str, is_multipart: bool = False, **_: Any) -> str:
        storage = data_access().storage  # type: ignore[attr-defined]
        local_path = paths.strip_file_scheme(str(local_path))
        if is_multipart:
            storage.put_dir(local_path, remote_path)
        else:
            storage.put_file(local_path, remote_path)
        return remote_path

    def download_directory(self, remote_path: str, local_path: str, **_: Any) -> str:
        return self.get_data(remote_path, local_path, is_multipart=True)

    def download(self, remote_path: str, local_path: str, **_: Any) -> str:
        return self.get_data(remote_path, local_path, is_multipart=False)

    def upload(self, file_path: str, to_path: str, **_: Any) -> str:
        return self.put_data(file_path, to_path, is_multipart=False)

    def upload_directory(self, local_path: str, remote_path: str, **_: Any) -> str:
        return self.put_data(local_path, remote_path, is_multipart=True)

    def get_file_tail(self, file_path_or_file_name: str) -> str:
        return os.path.basename(str(file_path_or_file_name).rstrip("/"))

    def local_copy(self, uri: str, is_multipart: bool) -> str:
        """``uri`` as a local path: itself when local, else a download (a folder when ``is_multipart``)."""
        if paths.is_local(uri):
            return paths.strip_file_scheme(uri)
        access = data_access()
        if is_multipart:
            return access.download(uri, access.new_local_path(), True)
        return access.download(uri, access.new_local_path(paths.basename(uri) or "data"), False)


class HandlerContext:
    """``ctx`` for handlers: ``ctx.file_access`` (flytekit's handlers only use that)."""

    def __init__(self) -> None:
        self.file_access = FileAccess()


_CONTEXT = HandlerContext()


def handler_context() -> HandlerContext:
    return _CONTEXT


def _columns(metadata: Any) -> list[str] | None:
    sdt = getattr(metadata, "structured_dataset_type", None)
    names = [c.name for c in sdt.columns] if sdt is not None else []
    return names or None


def _result(uri: str, sdt: types_pb2.StructuredDatasetType, fmt: str) -> literals_pb2.StructuredDataset:
    out = literals_pb2.StructuredDataset(uri=uri)
    out.metadata.structured_dataset_type.CopyFrom(sdt)
    out.metadata.structured_dataset_type.format = fmt
    return out


def _staging(ctx: HandlerContext, sd: StructuredDataset) -> str:
    uri = sd.uri or ctx.file_access.join(ctx.file_access.raw_output_prefix, ctx.file_access.get_random_string())
    os.makedirs(paths.strip_file_scheme(uri), exist_ok=True)
    return uri


# ---- pandas ----------------------------------------------------------------------------------------------


class PandasToParquetEncodingHandler(StructuredDatasetEncoder[Any]):
    def __init__(self) -> None:
        super().__init__(_pandas().DataFrame, None, PARQUET)

    def encode(self, ctx: Any, structured_dataset: StructuredDataset, structured_dataset_type: Any) -> Any:
        uri = _staging(ctx, structured_dataset)
        write_parquet(structured_dataset.dataframe, os.path.join(paths.strip_file_scheme(uri), PARQUET_FILE_NAME))
        return _result(uri, structured_dataset_type, PARQUET)


class ParquetToPandasDecodingHandler(StructuredDatasetDecoder[Any]):
    def __init__(self) -> None:
        super().__init__(_pandas().DataFrame, None, PARQUET)

    def decode(self, ctx: Any, flyte_value: Any, current_task_metadata: Any) -> Any:
        return data_access().read_dataframe(flyte_value.uri, _columns(current_task_metadata))


class PandasToCSVEncodingHandler(StructuredDatasetEncoder[Any]):
    def __init__(self) -> None:
        super().__init__(_pandas().DataFrame, None, CSV)

    def encode(self, ctx: Any, structured_dataset: StructuredDataset, structured_dataset_type: Any) -> Any:
        uri = _staging(ctx, structured_dataset)
        structured_dataset.dataframe.to_csv(os.path.join(paths.strip_file_scheme(uri), CSV_FILE_NAME), index=False)
        return _result(uri, structured_dataset_type, CSV)


class CSVToPandasDecodingHandler(StructuredDatasetDecoder[Any]):
    def __init__(self) -> None:
        super().__init__(_pandas().DataFrame, None, CSV)

    def decode(self, ctx: Any, flyte_value: Any, current_task_metadata: Any) -> Any:
        fa = ctx.file_access
        local = fa.local_copy(paths.join(flyte_value.uri, CSV_FILE_NAME), is_multipart=False)
        return _pandas().read_csv(local, usecols=_columns(current_task_metadata))


# ---- pyarrow ---------------------------------------------------------------------------------------------


def _pyarrow_parquet() -> Any:
    import pyarrow.parquet as pq

    return pq


class ArrowToParquetEncodingHandler(StructuredDatasetEncoder[Any]):
    def __init__(self) -> None:
        import pyarrow

        super().__init__(pyarrow.Table, None, PARQUET)

    def encode(self, ctx: Any, structured_dataset: StructuredDataset, structured_dataset_type: Any) -> Any:
        uri = _staging(ctx, structured_dataset)
        path = os.path.join(paths.strip_file_scheme(uri), PARQUET_FILE_NAME)
        _pyarrow_parquet().write_table(structured_dataset.dataframe, path)
        return _result(uri, structured_dataset_type, structured_dataset_type.format)


class ParquetToArrowDecodingHandler(StructuredDatasetDecoder[Any]):
    def __init__(self) -> None:
        import pyarrow

        super().__init__(pyarrow.Table, None, PARQUET)

    def decode(self, ctx: Any, flyte_value: Any, current_task_metadata: Any) -> Any:
        files = [flyte_value.uri] if paths.is_local(flyte_value.uri) else data_access().list_files(flyte_value.uri)
        multipart = files != [flyte_value.uri]
        local = ctx.file_access.local_copy(flyte_value.uri, is_multipart=multipart)
        return _pyarrow_parquet().read_table(local, columns=_columns(current_task_metadata))


def builtin_handlers(kind: str) -> list[Any]:
    """The handlers of one built-in family, in flytekit's registration order (encoder, decoder)."""
    if kind == "pandas":
        return [PandasToParquetEncodingHandler(), ParquetToPandasDecodingHandler()]
    if kind == "csv":
        return [PandasToCSVEncodingHandler(), CSVToPandasDecodingHandler()]
    if kind == "pyarrow":
        return [ArrowToParquetEncodingHandler(), ParquetToArrowDecodingHandler()]
    raise ValueError(f"no built-in StructuredDataset handlers named {kind!r}")
