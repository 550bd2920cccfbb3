"""The StructuredDataset encoder/decoder registry and the built-in dataframe handlers, as flytekit 1.16 has them.

* :class:`StructuredDatasetEncoder` / :class:`StructuredDatasetDecoder` turn one dataframe class into stored data
  of one format and back; :meth:`StructuredDatasetTransformerEngine.register` adds them with flytekit's rules
  (protocol ``None`` means every storage protocol, default formats per dataframe class, duplicates refused unless
  ``override``) and ``_finder`` looks them up flytekit's way. The registry is plain data, so it lives in the core,
  where the type engine (``structured.py``) consults it; ``flyte_entrypoint.structured`` re-exports it.
* The built-in handlers (pandas <-> parquet and csv, pyarrow <-> parquet; :class:`BuiltinEncoder` /
  :class:`BuiltinDecoder`) are registered the first time a lookup concerns their dataframe class (neither library
  is imported by a task that does not use it). Each carries a pure codec over the bytes of the stored files
  (``frame_codecs.py``): the type engine uses those and *plans* the uploads and reads (no I/O here). Their
  flytekit-shaped ``encode(ctx, ...)`` / ``decode(ctx, ...)`` move the bytes through the ``ctx`` the caller passes
  (``ctx.file_access.put_bytes`` / ``get_dataset_files``, which the shell's handler context has); the type engine
  never calls them, the api's lazy ``StructuredDataset.open(...).all()`` does.
* A handler registered by user code is user code: the type engine calls its ``encode`` / ``decode`` with the
  ``ctx`` the caller supplied (``ConversionContext.handler_context``), as flytekit does.

Laws (``property_tests/test_structured_dataset_laws.py``; flytekit's answers, scenario by scenario, in
``tests/test_type_engine_dataset_handlers.py``):

* **Exact registrations are found.** Every handler in the registry answers a lookup of its own class, protocol and
  format (an any-protocol handler: for a protocol that has no handlers of its own).
* **Total.** A lookup answers a handler registered for the class, or ``ValueError`` naming class, protocol, format.
* **Deterministic.** The same registrations in the same order answer the same handler to every lookup.
"""

from __future__ import annotations

import abc
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from flyteidl.core import literals_pb2, types_pb2

from flyte_entrypoint.core import paths
from flyte_entrypoint.core.type_engine import frame_codecs, recognize

__all__ = [
    "CSV",
    "GENERIC_FORMAT",
    "PARQUET",
    "BuiltinDecoder",
    "BuiltinEncoder",
    "DuplicateHandlerError",
    "StructuredDatasetDecoder",
    "StructuredDatasetEncoder",
    "StructuredDatasetTransformerEngine",
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
        self, ctx: Any, structured_dataset: Any, structured_dataset_type: types_pb2.StructuredDatasetType
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
        if default_storage_for_type or default_for_type:
            # flytekit's "already specified" check looks the handler's protocol up among the dataframe classes, so it
            # never holds: the latest registration asking for it sets the default storage
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


# ---- the built-in handlers: pure codecs, registered on first use -----------------------------------------


def stored_dataset(uri: str, sdt: types_pb2.StructuredDatasetType, fmt: str) -> literals_pb2.StructuredDataset:
    """The ``StructuredDataset`` a built-in encoder stored at ``uri``: the declared type, in the handler's format."""
    out = literals_pb2.StructuredDataset(uri=uri)
    out.metadata.structured_dataset_type.CopyFrom(sdt)
    out.metadata.structured_dataset_type.format = fmt
    return out


def columns_of(metadata: Any) -> list[str] | None:
    """The column names a reader keeps (``None``: all), from a ``StructuredDatasetMetadata``."""
    sdt = getattr(metadata, "structured_dataset_type", None)
    names = [c.name for c in sdt.columns] if sdt is not None else []
    return names or None


class BuiltinEncoder(StructuredDatasetEncoder[Any]):
    """A built-in encoder: ``files_of(frame)`` gives the stored files (relative name -> bytes), in memory."""

    def __init__(self, python_type: Any, supported_format: str, files_of: Callable[[Any], dict[str, bytes]]) -> None:
        super().__init__(python_type, None, supported_format)
        self.files_of = files_of

    def encode(self, ctx: Any, structured_dataset: Any, structured_dataset_type: Any) -> Any:
        fa = ctx.file_access
        uri = structured_dataset.uri or fa.join(fa.raw_output_prefix, fa.get_random_string())
        for name, data in self.files_of(structured_dataset.dataframe).items():
            fa.put_bytes(paths.join(uri, name), data)
        return stored_dataset(uri, structured_dataset_type, self.supported_format)


class BuiltinDecoder(StructuredDatasetDecoder[Any]):
    """A built-in decoder: ``frame_of(files, columns)`` reads the stored files (relative name -> bytes).

    ``file_name``: the one file it reads under the dataset's URI (csv: ``.csv``), given to ``frame_of`` as
    ``{"": bytes}``; ``None``: every file under it (parquet: a folder of parts, or the URI itself when it names one
    file)."""

    def __init__(
        self,
        python_type: Any,
        supported_format: str,
        frame_of: Callable[[Mapping[str, bytes], Sequence[str] | None], Any],
        file_name: str | None = None,
    ) -> None:
        super().__init__(python_type, None, supported_format)
        self.frame_of = frame_of
        self.file_name = file_name

    def decode(self, ctx: Any, flyte_value: Any, current_task_metadata: Any) -> Any:
        fa = ctx.file_access
        if self.file_name is None:
            files = fa.get_dataset_files(flyte_value.uri)
        else:
            files = {"": fa.get_bytes(paths.join(flyte_value.uri, self.file_name))}
        return self.frame_of(files, columns_of(current_task_metadata))


def builtin_handlers(kind: str) -> list[Any]:
    """The handlers of one built-in family, in flytekit's registration order (encoder, decoder)."""
    if kind == "pandas":
        pd = frame_codecs.pandas()
        return [
            BuiltinEncoder(
                pd.DataFrame, PARQUET, lambda f: {frame_codecs.PARQUET_FILE_NAME: frame_codecs.pandas_parquet_bytes(f)}
            ),
            BuiltinDecoder(pd.DataFrame, PARQUET, frame_codecs.read_pandas_parquet),
        ]
    if kind == "csv":
        pd = frame_codecs.pandas()
        return [
            BuiltinEncoder(pd.DataFrame, CSV, lambda f: {frame_codecs.CSV_FILE_NAME: frame_codecs.pandas_csv_bytes(f)}),
            BuiltinDecoder(
                pd.DataFrame,
                CSV,
                lambda files, columns: frame_codecs.read_pandas_csv(files[""], columns),
                file_name=frame_codecs.CSV_FILE_NAME,
            ),
        ]
    if kind == "pyarrow":
        import pyarrow

        return [
            BuiltinEncoder(
                pyarrow.Table, PARQUET, lambda t: {frame_codecs.PARQUET_FILE_NAME: frame_codecs.arrow_parquet_bytes(t)}
            ),
            BuiltinDecoder(pyarrow.Table, PARQUET, frame_codecs.read_arrow_parquet),
        ]
    raise ValueError(f"no built-in StructuredDataset handlers named {kind!r}")


def _builtin_kind(tp: Any) -> str | None:
    """``pandas`` / ``pyarrow`` for ``pandas.DataFrame`` / ``pyarrow.Table`` (recognised by name, not imported)."""
    if not isinstance(tp, type):
        return None
    package = str(tp.__module__).split(".")[0]
    if tp.__name__ == "DataFrame" and package == "pandas":
        return "pandas"
    if tp.__name__ == "Table" and package == "pyarrow":
        return "pyarrow"
    return None


_REGISTERED: set[str] = set()


def _register_once(kind: str) -> None:
    if kind in _REGISTERED:
        return
    _REGISTERED.add(kind)
    for handler in builtin_handlers(kind):
        StructuredDatasetTransformerEngine.register(handler, default_format_for_type=True)


def _ensure_builtin_handlers(df_type: Any) -> None:
    kind = _builtin_kind(df_type)
    if kind == "pandas":
        register_csv_handlers()  # parquet first, then csv: flytekit's order (parquet is the default format)
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
