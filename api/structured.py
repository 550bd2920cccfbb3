"""``StructuredDataset`` and its encoder/decoder registry, as ``flytekit.types.structured`` 1.16 has them.

* :class:`StructuredDataset` wraps a dataframe (``dataframe=``) or names data already stored (``uri=``,
  ``file_format=``). A task *input* of this type is not read until the task asks: ``sd.open(pd.DataFrame).all()``
  (or ``.iter()``) decodes the data then, with the columns the task declared, through the run's handler context.
* The registry (:class:`StructuredDatasetTransformerEngine`, :class:`StructuredDatasetEncoder` /
  :class:`StructuredDatasetDecoder`, the built-in pandas/pyarrow handlers) is plain data the type engine consults,
  so it lives in the core (``core/type_engine/dataset_handlers.py``); these are the same objects under their
  public names.
* :data:`StructuredDatasetType` is the protobuf message itself (``flyteidl.core.types_pb2``), which has the fields
  and nested ``DatasetColumn`` flytekit's model has; handlers receive and return protobuf messages
  (``literals_pb2.StructuredDataset``); a returned object with ``to_flyte_idl()`` (a flytekit model) is accepted.

The ``ctx`` handed to handlers has a ``file_access`` attribute with the part of flytekit's ``FileAccessProvider``
that handlers use (``raw_output_prefix``, ``get_random_string``, ``join``, ``is_remote``,
``get_random_remote_directory``, ``get_random_local_path``, ``get_random_local_directory``, ``put_data``,
``get_data``); the shell provides it (``shell/dataframe_io.py``). While an output is encoded by a handler user code
registered, the wrapper it receives has ``uri`` set to a local staging folder: the handler writes there and the
type engine uploads the folder to its destination (``<raw output prefix>/<hex32>``, or the ``uri=`` the task gave)
with the other outputs. The built-in handlers are not called for outputs at all: the type engine encodes the
dataframe in memory and plans the bytes' upload.

This module imports neither pandas nor pyarrow.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from flyte_entrypoint.core.type_engine.dataset_handlers import (
    CSV,
    GENERIC_FORMAT,
    PARQUET,
    DuplicateHandlerError,
    StructuredDatasetDecoder,
    StructuredDatasetEncoder,
    StructuredDatasetTransformerEngine,
    register_arrow_handlers,
    register_csv_handlers,
    register_pandas_handlers,
)

__all__ = [
    "CSV",
    "GENERIC_FORMAT",
    "PARQUET",
    "DuplicateHandlerError",
    "StructuredDataset",
    "StructuredDatasetDecoder",
    "StructuredDatasetEncoder",
    "StructuredDatasetMetadata",
    "StructuredDatasetTransformerEngine",
    "StructuredDatasetType",
    "handler_context",
    "register_arrow_handlers",
    "register_csv_handlers",
    "register_pandas_handlers",
]

StructuredDatasetType = types_pb2.StructuredDatasetType
StructuredDatasetMetadata = literals_pb2.StructuredDatasetMetadata


def handler_context() -> Any:
    """The ``ctx`` handlers receive, over the run's data access (the shell's; the api sits above it)."""
    from flyte_entrypoint.shell import dataframe_io

    return dataframe_io.handler_context()


class StructuredDataset:
    """A dataset: a dataframe to write (``dataframe=``), or data already stored (``uri=``, ``file_format=``).

    As a task input it holds the incoming literal (``literal``) and the columns this task declared
    (``metadata``); ``open(df_type).all()`` reads it then. Returned from a task, a wrapper that came in as an
    input is passed on as the same literal.
    """

    def __init__(
        self,
        dataframe: Any = None,
        uri: str | None = None,
        metadata: literals_pb2.StructuredDatasetMetadata | None = None,
        **kwargs: Any,
    ) -> None:
        self._dataframe = dataframe
        self.uri = uri
        self.file_format: str = kwargs.get("file_format", GENERIC_FORMAT)
        self._metadata = metadata
        self._literal_sd: literals_pb2.StructuredDataset | None = None
        self._dataframe_type: Any = None
        self._already_uploaded = False

    @classmethod
    def columns(cls) -> dict[str, type]:
        return {}

    @classmethod
    def column_names(cls) -> list[str]:
        return list(cls.columns())

    @property
    def dataframe(self) -> Any:
        return self._dataframe

    @property
    def metadata(self) -> literals_pb2.StructuredDatasetMetadata | None:
        return self._metadata

    @property
    def literal(self) -> literals_pb2.StructuredDataset | None:
        return self._literal_sd

    def open(self, dataframe_type: Any) -> StructuredDataset:
        """Choose the dataframe class ``all()`` / ``iter()`` return."""
        self._dataframe_type = dataframe_type
        return self

    def _stored(self) -> tuple[literals_pb2.StructuredDataset, literals_pb2.StructuredDatasetMetadata]:
        if self._dataframe_type is None:
            raise ValueError("No dataframe type set. Use open() to set the local dataframe type you want to use.")
        if self._literal_sd is None and self.uri is not None and self._dataframe is None:
            sd = literals_pb2.StructuredDataset(uri=self.uri)
            sd.metadata.structured_dataset_type.format = self.file_format or GENERIC_FORMAT
            self._literal_sd = sd
        if self._literal_sd is None:
            raise ValueError(f"{self!r} holds no stored data to read (no uri, or a dataframe that was never written)")
        metadata = self._metadata if self._metadata is not None else self._literal_sd.metadata
        return self._literal_sd, metadata

    def all(self) -> Any:
        """The whole dataset as one dataframe of the type given to ``open``."""
        if self._dataframe is not None and isinstance(self._dataframe, self._dataframe_type or ()):
            return self._dataframe
        sd, metadata = self._stored()
        return StructuredDatasetTransformerEngine.open_as(handler_context(), sd, self._dataframe_type, metadata)

    def iter(self) -> Iterator[Any]:
        """The dataset as an iterator of dataframes (a decoder that returns one frame gives a one-item iterator)."""
        sd, metadata = self._stored()
        return StructuredDatasetTransformerEngine.iter_as(handler_context(), sd, self._dataframe_type, metadata)

    def _points_to_directory(self) -> bool:
        """Is ``uri`` a local folder? Asked by the type engine when it writes a wrapper made with a local ``uri=``
        (the literal of a folder's upload ends in ``/``, as flytekit's); the one fact about the disk it needs."""
        import os

        from flyte_entrypoint.core import paths

        return bool(self.uri) and os.path.isdir(paths.strip_file_scheme(str(self.uri)).rstrip("/"))

    def __repr__(self) -> str:
        return f"StructuredDataset(uri={self.uri!r}, file_format={self.file_format!r})"

    # ---- pydantic: how a field of this type inside a BaseModel is validated, serialized and described ----------
    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from flyte_entrypoint.core.type_engine import pydantic_model

        return pydantic_model.leaf_core_schema(cls)

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> Any:
        from flyte_entrypoint.core.type_engine import pydantic_model

        return pydantic_model.leaf_json_schema(cls)
