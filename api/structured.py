"""``StructuredDataset`` and its encoder/decoder registry, as ``flytekit.types.structured`` 1.16 has them.

* :class:`StructuredDataset` wraps a dataframe (``dataframe=``) or names data already stored (``uri=``,
  ``file_format=``). A task *input* of this type is not read until the task asks: ``sd.open(pd.DataFrame).all()``
  (or ``.iter()``) decodes the data then, with the columns the task declared.
* :class:`StructuredDatasetEncoder` / :class:`StructuredDatasetDecoder` turn one dataframe class into stored data
  of one format and back; :meth:`StructuredDatasetTransformerEngine.register` adds them with flytekit's rules
  (protocol ``None`` means every storage protocol, default formats per dataframe class, duplicates refused unless
  ``override``). Handlers for ``pandas.DataFrame`` (parquet and csv) and ``pyarrow.Table`` (parquet) are built in;
  they are registered the first time a conversion needs a handler for that class, so neither library is imported
  by a task that does not use it.
* :data:`StructuredDatasetType` is the protobuf message itself (``flyteidl.core.types_pb2``), which has the fields
  and nested ``DatasetColumn`` flytekit's model has; handlers receive and return protobuf messages
  (``literals_pb2.StructuredDataset``); a returned object with ``to_flyte_idl()`` (a flytekit model) is accepted.

The ``ctx`` handed to handlers has a ``file_access`` attribute with the part of flytekit's ``FileAccessProvider``
that handlers use (``raw_output_prefix``, ``get_random_string``, ``join``, ``is_remote``,
``get_random_remote_directory``, ``get_random_local_path``, ``get_random_local_directory``, ``put_data``,
``get_data``); the shell provides it (``shell/dataframe_io.py``). While an output is encoded, the wrapper a handler
receives has ``uri`` set to a local staging folder: the handler writes there and the type engine uploads the folder
to its destination (``<raw output prefix>/<hex32>``, or the ``uri=`` the task gave) with the other outputs.

This module does no I/O itself and imports neither pandas nor pyarrow.
"""

from __future__ import annotations

import abc
import importlib
import types
from collections.abc import Iterator
from typing import Any, ClassVar, Generic, TypeVar

from flyteidl.core import literals_pb2, types_pb2

from flyte_entrypoint.core import paths
from flyte_entrypoint.core.type_engine import recognize

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

T = TypeVar("T")
DF = TypeVar("DF")

PARQUET = "parquet"
CSV = "csv"
GENERIC_FORMAT = ""
FSSPEC = "fsspec"  # the protocol key of handlers registered for every protocol (protocol=None)

StructuredDatasetType = types_pb2.StructuredDatasetType
StructuredDatasetMetadata = literals_pb2.StructuredDatasetMetadata


def handler_context() -> Any:
    """The ``ctx`` handlers receive (made by the shell on first use, over the installed data-access hook)."""
    module = importlib.import_module("flyte_entrypoint.shell.dataframe_io")
    return module.handler_context()


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



class _HandlerKey:
    """What a registered encoder or decoder is looked up by: its dataframe class, protocol and format."""

    def __init__(self, python_type: Any, protocol: str | None, supported_format: str | None) -> None:
        self._python_type = python_type
        self._protocol = protocol.replace("://", "") if protocol else None
        self._supported_format = supported_format or ""

    @property
    def python_type(self) -> Any:
        return self._python_type

    @property
    def protocol(self) -> str | None:
        return self._protocol

    @property
    def supported_format(self) -> str:
        return self._supported_format


class StructuredDatasetEncoder(_HandlerKey, abc.ABC, Generic[T]):
    """Writes one dataframe class as stored data of one format (``supported_format``; ``""`` = any)."""

    def __init__(self, python_type: type[T], protocol: str | None = None, supported_format: str | None = None) -> None:
        _HandlerKey.__init__(self, python_type, protocol, supported_format)

    @abc.abstractmethod
    def encode(
        self, ctx: Any, structured_dataset: StructuredDataset, structured_dataset_type: types_pb2.StructuredDatasetType
    ) -> Any:
        """Write ``structured_dataset.dataframe``; return the ``literals_pb2.StructuredDataset`` describing it."""


class StructuredDatasetDecoder(_HandlerKey, abc.ABC, Generic[DF]):
    """Reads stored data of one format into one dataframe class (or an iterator of them)."""

    def __init__(
        self,
        python_type: type[DF],
        protocol: str | None = None,
        supported_format: str | None = None,
        additional_protocols: list[str] | None = None,
    ) -> None:
        del additional_protocols
        _HandlerKey.__init__(self, python_type, protocol, supported_format)

    @abc.abstractmethod
    def decode(
        self,
        ctx: Any,
        flyte_value: literals_pb2.StructuredDataset,
        current_task_metadata: literals_pb2.StructuredDatasetMetadata,
    ) -> Any:
        """Read ``flyte_value.uri`` keeping the columns of ``current_task_metadata`` (all when it has none)."""


class DuplicateHandlerError(ValueError):
    """A handler for the same (dataframe class, protocol, format) is registered already."""


Handler = StructuredDatasetEncoder[Any] | StructuredDatasetDecoder[Any]


class StructuredDatasetTransformerEngine:
    """The registry of encoders and decoders (class-level, as flytekit's), and the lookups the type engine uses."""

    ENCODERS: ClassVar[dict[Any, dict[str, dict[str, StructuredDatasetEncoder[Any]]]]] = {}
    DECODERS: ClassVar[dict[Any, dict[str, dict[str, StructuredDatasetDecoder[Any]]]]] = {}
    DEFAULT_PROTOCOLS: ClassVar[dict[Any, str]] = {}
    DEFAULT_FORMATS: ClassVar[dict[Any, str]] = {}
    Renderers: ClassVar[dict[Any, Any]] = {}

    @classmethod
    def register(
        cls,
        h: Handler,
        default_for_type: bool = False,
        override: bool = False,
        default_format_for_type: bool = False,
        default_storage_for_type: bool = False,
    ) -> None:
        """Add an encoder or decoder (flytekit's rules; see the module docstring)."""
        if not isinstance(h, (StructuredDatasetEncoder, StructuredDatasetDecoder)):
            raise TypeError(f"We don't support this type of handler {h}")
        if h.protocol is None:
            if default_for_type:
                raise ValueError(f"Registering SD handler {h} with all protocols should never have default specified.")
            try:
                cls.register_for_protocol(h, FSSPEC, False, override, default_format_for_type, default_storage_for_type)
            except DuplicateHandlerError:
                pass  # flytekit skips a duplicate generic registration silently
        elif h.protocol == "":
            raise ValueError(f"Use None instead of empty string for registering handler {h}")
        else:
            cls.register_for_protocol(
                h, h.protocol, default_for_type, override, default_format_for_type, default_storage_for_type
            )

    @classmethod
    def register_for_protocol(
        cls,
        h: Handler,
        protocol: str,
        default_for_type: bool,
        override: bool,
        default_format_for_type: bool,
        default_storage_for_type: bool,
    ) -> None:
        if protocol == "/":
            protocol = "file"
        top: dict[Any, dict[str, dict[str, Any]]] = (
            cls.ENCODERS if isinstance(h, StructuredDatasetEncoder) else cls.DECODERS
        )
        lowest = top.setdefault(h.python_type, {}).setdefault(protocol, {})
        if h.supported_format in lowest and not override:
            raise DuplicateHandlerError(
                f"Already registered a handler for {(h.python_type, protocol, h.supported_format)}"
            )
        lowest[h.supported_format] = h
        if h.python_type not in recognize.EXTRA_DATAFRAME_TYPES:
            recognize.EXTRA_DATAFRAME_TYPES.add(h.python_type)
            # the class may have been resolved to another transformer already (numpy.ndarray): as flytekit's
            # register_additional_type(override=True), the dataset transformer owns it from now on
            from flyte_entrypoint.core.type_engine.engine import default_engine

            default_engine().forget()
        wants_format = (default_format_for_type or default_for_type) and h.supported_format != GENERIC_FORMAT
        if wants_format and (h.python_type not in cls.DEFAULT_FORMATS or override):
            cls.DEFAULT_FORMATS[h.python_type] = h.supported_format
        wants_storage = default_storage_for_type or default_for_type
        if wants_storage and (h.python_type not in cls.DEFAULT_PROTOCOLS or override):
            cls.DEFAULT_PROTOCOLS[h.python_type] = protocol

    @classmethod
    def register_renderer(cls, python_type: Any, renderer: Any) -> None:
        cls.Renderers[python_type] = renderer

    # ---- lookups ---------------------------------------------------------------------------------------------

    @classmethod
    def _finder(cls, handler_map: dict[Any, Any], df_type: Any, protocol: str, fmt: str) -> Any:
        """flytekit's search: exact (type, protocol, format); else the any-protocol handlers by format, generic
        format, default format or the only one; else the protocol's generic / default / only handler."""
        _ensure_builtin_handlers(df_type)
        try:
            return handler_map[df_type][protocol][fmt]
        except KeyError:
            pass
        default_format = cls.DEFAULT_FORMATS.get(df_type)
        generic = specific = single = None
        fss = handler_map.get(df_type, {}).get(FSSPEC)
        if fss is not None:
            if fmt in fss:
                generic = fss[fmt]
            elif GENERIC_FORMAT in fss:
                generic = fss[GENERIC_FORMAT]
            elif default_format and default_format in fss and fmt == GENERIC_FORMAT:
                generic = fss[default_format]
            elif len(fss) == 1 and fmt == GENERIC_FORMAT:
                single = next(iter(fss.values()))
        by_protocol = handler_map.get(df_type, {}).get(protocol)
        if by_protocol is not None:
            if GENERIC_FORMAT in by_protocol:
                specific = by_protocol[GENERIC_FORMAT]
            elif default_format and default_format in by_protocol:
                specific = by_protocol[default_format]
            elif len(by_protocol) == 1:
                single = next(iter(by_protocol.values()))
        found = specific or generic or single
        if found is None:
            raise ValueError(f"Failed to find a handler for {df_type}, protocol [{protocol}], fmt ['{fmt}']")
        return found

    @classmethod
    def get_encoder(cls, df_type: Any, protocol: str, fmt: str) -> StructuredDatasetEncoder[Any]:
        found: StructuredDatasetEncoder[Any] = cls._finder(cls.ENCODERS, df_type, protocol, fmt)
        return found

    @classmethod
    def get_decoder(cls, df_type: Any, protocol: str, fmt: str) -> StructuredDatasetDecoder[Any]:
        found: StructuredDatasetDecoder[Any] = cls._finder(cls.DECODERS, df_type, protocol, fmt)
        return found

    @classmethod
    def open_as(
        cls,
        ctx: Any,
        sd: literals_pb2.StructuredDataset,
        df_type: Any,
        updated_metadata: literals_pb2.StructuredDatasetMetadata,
    ) -> Any:
        """Decode the stored dataset ``sd`` into one ``df_type`` (a decoder giving an iterator is an error)."""
        decoder = cls.get_decoder(df_type, paths.scheme_of(sd.uri), sd.metadata.structured_dataset_type.format)
        result = decoder.decode(ctx, sd, updated_metadata)
        if isinstance(result, types.GeneratorType):
            raise ValueError(f"Decoder {decoder} returned iterator {result} but whole value requested from {sd}")
        return result

    @classmethod
    def iter_as(
        cls,
        ctx: Any,
        sd: literals_pb2.StructuredDataset,
        df_type: Any,
        updated_metadata: literals_pb2.StructuredDatasetMetadata,
    ) -> Iterator[Any]:
        decoder = cls.get_decoder(df_type, paths.scheme_of(sd.uri), sd.metadata.structured_dataset_type.format)
        result = decoder.decode(ctx, sd, updated_metadata)
        if isinstance(result, Iterator):
            return result
        return iter((result,))

    @classmethod
    def has_handlers(cls, df_type: Any) -> bool:
        """Is ``df_type`` a dataframe class with an encoder or a decoder (built in or registered)?"""
        if _builtin_kind(df_type) is not None:
            return True
        return df_type in cls.ENCODERS or df_type in cls.DECODERS


# ---- the built-in handlers: registered on first use ------------------------------------------------------


def _builtin_kind(tp: Any) -> str | None:
    """``pandas`` / ``pyarrow`` for ``pandas.DataFrame`` / ``pyarrow.Table`` (recognised by name, not imported)."""
    if not isinstance(tp, type):
        return None
    module = tp.__module__ or ""
    if tp.__name__ == "DataFrame" and (module == "pandas" or module.startswith("pandas.")):
        return "pandas"
    if tp.__name__ == "Table" and (module == "pyarrow" or module.startswith("pyarrow.")):
        return "pyarrow"
    return None


_REGISTERED: set[str] = set()


def _register_once(kind: str) -> None:
    if kind in _REGISTERED:
        return
    _REGISTERED.add(kind)
    module = importlib.import_module("flyte_entrypoint.shell.dataframe_io")
    for handler in module.builtin_handlers(kind):
        StructuredDatasetTransformerEngine.register(handler, default_format_for_type=True)


def _ensure_builtin_handlers(df_type: Any) -> None:
    kind = _builtin_kind(df_type)
    if kind == "pandas":
        register_pandas_handlers()
        register_csv_handlers()
    elif kind == "pyarrow":
        register_arrow_handlers()


def register_pandas_handlers() -> None:
    """pandas.DataFrame <-> parquet (the default format for pandas). Imports pandas."""
    _register_once("pandas")


def register_csv_handlers() -> None:
    """pandas.DataFrame <-> csv (``<uri>/.csv``, as flytekit writes it). Imports pandas."""
    register_pandas_handlers()
    _register_once("csv")


def register_arrow_handlers() -> None:
    """pyarrow.Table <-> parquet. Imports pyarrow."""
    _register_once("pyarrow")
