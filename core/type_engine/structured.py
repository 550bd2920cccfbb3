"""``StructuredDataset`` and dataframe types <-> ``structured_dataset`` literals, as flytekit 1.16.

One transformer (``StructuredDataset Transformer``, the union tag) owns ``StructuredDataset`` (and subclasses),
``pandas.DataFrame``, ``pyarrow.Table`` and every class with a handler registered in
``StructuredDatasetTransformerEngine`` (``dataset_handlers.py``), possibly ``Annotated`` with columns
(``kwtypes(...)``, a dict, a class's annotations), a format string, a ``pyarrow.Schema`` or a ``HashMethod``.

* **Type.** ``structured_dataset_type { columns... format: <annotation's> }`` (``external_schema_type: "arrow"``
  and the schema's text for a ``pyarrow.Schema``), built by ``dataframe.structured_dataset_type``.
* **Output.** A dataframe goes through the registered encoder found flytekit's way: for a bare dataframe the class's
  default format (parquet for pandas; an annotated format is written to the type, not used to pick the encoder:
  flytekit's quirk), for a ``StructuredDataset(dataframe=...)`` the annotated format (else the default). The
  literal's URI is the destination (``<raw prefix>/<hex32>``, or the wrapper's own ``uri``), its format the
  encoder's. A *built-in* encoder (pandas parquet/csv, pyarrow parquet) encodes in memory and each stored file is
  planned as an ``UploadBytes`` under the destination (``00000``, ``.csv``: flytekit's layout, the same bytes). An
  encoder *user code registered* is user code: it is called with the caller's ``handler_context`` and a wrapper
  (``ConversionContext.classes["StructuredDataset"]`` for a bare dataframe) whose ``uri`` is the local staging
  folder ``<sandbox>/<hex32>``, which is planned as an upload to the destination. A ``StructuredDataset(uri=...)``
  without a dataframe is written as that URI (a local file or folder is uploaded first, to
  ``<raw>/<hex32>/<name>``, a folder's URI ending in ``/`` as flytekit's upload returns it: the wrapper says
  which it is), with the wrapper's ``file_format`` unless the annotation has one. A wrapper that came in as an
  input is passed on as its literal.
* **Input.** For a ``StructuredDataset`` type: a wrapper (the declared class) holding the literal and the columns to
  read (the annotation's, else the literal's), read when the task's code calls ``open(...).all()``. For a
  dataframe type: decoded now by the registered decoder for the URI's protocol and the literal's format; a built-in
  decoder reads the stored files from the sink (``BlobsNeeded`` until the caller fetched them; nothing there is a
  conversion error naming the URI), a user's is called with the caller's ``handler_context``. ``binary`` msgpack /
  ``generic`` ``{"uri", "file_format"}`` (dataclass attribute access) and legacy ``schema`` literals are read too.

No I/O here and no import of the api package: the wrapper class is recognised by name and the registry is
``dataset_handlers.py``.

Laws (``property_tests/test_structured_dataset_laws.py`` unless named; flytekit's literal shapes in
``tests/test_type_engine_structured.py``):

* **Round trip.** A dataframe (bare or wrapped) written, its planned uploads carried out, and read back is the same
  frame (``property_tests/test_rich_types_laws.py``); reading with the bytes supplied equals reading through the
  shell's loop (``property_tests/test_conversion_io_laws.py``).
* **Passed on unchanged.** An input wrapper returned as an output is its incoming literal, whatever the declared
  columns and format of either side; no upload is planned.
* **Columns read.** A wrapper input's columns are the declared ones when there are any, else the literal's; a
  projection read twice is the projection once (``property_tests/test_rich_types_laws.py``).
* **Dictionary round trip.** ``sd_from_dict(sd_to_dict(lit)) == lit`` for a literal with a URI and a format.
"""

from __future__ import annotations

import typing
from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from flyte_entrypoint.core import paths
from flyte_entrypoint.core.type_engine import dataframe
from flyte_entrypoint.core.type_engine.dataset_handlers import (
    GENERIC_FORMAT,
    PARQUET,
    BuiltinDecoder,
    BuiltinEncoder,
    StructuredDatasetTransformerEngine,
    columns_of,
    stored_dataset,
)
from flyte_entrypoint.core.type_engine.engine import (
    PENDING,
    BlobMissing,
    ConversionError,
    Engine,
    Sink,
    Upload,
)
from flyte_entrypoint.core.type_engine.recognize import is_instance, is_structured_dataset_class

__all__ = ["STRUCTURED_DATASET", "StructuredDatasetTransformer", "sd_from_dict", "sd_to_dict"]

_SCHEMA_TO_SIMPLE = {
    types_pb2.SchemaType.SchemaColumn.INTEGER: types_pb2.INTEGER,
    types_pb2.SchemaType.SchemaColumn.FLOAT: types_pb2.FLOAT,
    types_pb2.SchemaType.SchemaColumn.STRING: types_pb2.STRING,
    types_pb2.SchemaType.SchemaColumn.DATETIME: types_pb2.DATETIME,
    types_pb2.SchemaType.SchemaColumn.DURATION: types_pb2.DURATION,
    types_pb2.SchemaType.SchemaColumn.BOOLEAN: types_pb2.BOOLEAN,
}
_Engine = StructuredDatasetTransformerEngine


def _base(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _is_sd_class(tp: Any) -> bool:
    return is_structured_dataset_class(tp)


def _is_sd(value: Any) -> bool:
    return is_instance(value, is_structured_dataset_class)


def _handler_context(sink: Sink) -> Any:
    """The ``ctx`` for a handler user code registered (supplied by the caller: the core has none of its own)."""
    ctx = sink.context.handler_context
    if ctx is None:
        raise ConversionError("a StructuredDataset handler registered by user code needs the caller's handler context")
    return ctx


def _wrapper_class(sink: Sink) -> Any:
    cls = sink.context.classes.get("StructuredDataset")
    if cls is None:
        raise ConversionError("ConversionContext.classes has no 'StructuredDataset' class to wrap the dataframe in")
    return cls


def _as_pb(sd_model: Any) -> literals_pb2.StructuredDataset:
    """A handler's result as the protobuf message (flytekit models are converted with ``to_flyte_idl``)."""
    if isinstance(sd_model, literals_pb2.StructuredDataset):
        return sd_model
    to_idl = getattr(sd_model, "to_flyte_idl", None)
    if callable(to_idl):
        out: literals_pb2.StructuredDataset = to_idl()
        return out
    raise ConversionError(f"a StructuredDataset encoder returned {type(sd_model).__name__}, not a StructuredDataset")


def _literal(sd: literals_pb2.StructuredDataset) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.structured_dataset.CopyFrom(sd)
    return lit


class StructuredDatasetTransformer:
    name = "StructuredDataset Transformer"

    def handles(self, tp: Any) -> bool:
        base = _base(tp)
        return _is_sd_class(base) or (isinstance(base, type) and _Engine.has_handlers(base))

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        columns, fmt, schema = dataframe.dataframe_columns(tp)
        lt = types_pb2.LiteralType()
        sdt = lt.structured_dataset_type
        sdt.CopyFrom(dataframe.structured_dataset_type(columns, fmt))
        if schema is not None:
            sdt.external_schema_type = "arrow"
            sdt.external_schema_bytes = schema.to_string().encode()
        return lt

    # ---- python -> literal -----------------------------------------------------------------------------------

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        base = _base(tp)
        sdt = self.literal_type(tp, engine).structured_dataset_type
        if _is_sd_class(base) and not _is_sd(value):
            raise ConversionError(
                f"Expected a StructuredDataset instance, but got {type(value)} instead."
                f" Did you forget to wrap your dataframe in a StructuredDataset instance?"
            )
        if _is_sd(value):
            if value._literal_sd is not None:
                if value.dataframe is not None and not value._already_uploaded:
                    raise ConversionError(
                        f"Shouldn't have specified both literal {value._literal_sd} and dataframe {value.dataframe}",
                        kind="ValueError",
                    )
                return _literal(value._literal_sd)
            if value.dataframe is None:
                return self._uri_only(value, sdt, sink)
            return self._encode(value, value.dataframe, value.uri, type(value.dataframe), sdt.format, sdt, sink)
        if not isinstance(value, base):
            raise ConversionError(f"Expected a {base.__module__}.{base.__qualname__}, got {type(value)}")
        fmt = _Engine.DEFAULT_FORMATS.get(base, GENERIC_FORMAT)
        return self._encode(None, value, None, base, fmt, sdt, sink)

    def _uri_only(self, value: Any, sdt: types_pb2.StructuredDatasetType, sink: Sink) -> literals_pb2.Literal:
        uri = value.uri
        if not uri:
            raise ConversionError(
                f"If dataframe is not specified, then the uri should be specified. {value}", kind="ValueError"
            )
        if paths.is_local(uri):
            local = paths.strip_file_scheme(uri).rstrip("/")
            is_dir = bool(value._points_to_directory())
            remote = paths.join(sink.context.raw_output_prefix, sink.unique_hex(), paths.basename(local))
            sink.plan_upload(Upload(local_path=local, remote=remote, is_directory=is_dir))
            uri = remote + "/" if is_dir else remote
        if sdt.format == GENERIC_FORMAT and value.file_format != GENERIC_FORMAT:
            sdt.format = value.file_format
        sd = literals_pb2.StructuredDataset(uri=uri)
        sd.metadata.structured_dataset_type.CopyFrom(sdt)
        return _literal(sd)

    def _encode(
        self,
        value: Any,
        frame: Any,
        uri: str | None,
        df_type: Any,
        fmt: str,
        sdt: types_pb2.StructuredDatasetType,
        sink: Sink,
    ) -> literals_pb2.Literal:
        """Write ``frame`` (``value``: its wrapper, None for a bare dataframe) to ``uri`` or a fresh destination."""
        hex32 = sink.unique_hex()
        destination = uri or paths.join(sink.context.raw_output_prefix, hex32)
        protocol = _Engine.DEFAULT_PROTOCOLS.get(df_type) or paths.scheme_of(destination)
        try:
            handler = _Engine.get_encoder(df_type, protocol, fmt)
        except ValueError as exc:
            raise ConversionError(str(exc), kind="ValueError") from None
        if isinstance(handler, BuiltinEncoder):
            try:
                files = handler.files_of(frame)
            except Exception as exc:
                raise ConversionError(
                    f"could not write the dataframe as {handler.supported_format}: {type(exc).__name__}: {exc}"
                ) from exc
            for name, data in files.items():
                sink.plan_bytes(paths.join(destination, name), data)
            return _literal(stored_dataset(destination, sdt, handler.supported_format))
        return self._user_encode(handler, value, frame, destination, hex32, sdt, sink)

    @staticmethod
    def _user_encode(
        handler: Any,
        value: Any,
        frame: Any,
        destination: str,
        hex32: str,
        sdt: types_pb2.StructuredDatasetType,
        sink: Sink,
    ) -> literals_pb2.Literal:
        """A handler user code registered writes into a local staging folder, planned as an upload."""
        staging = paths.join(sink.context.local_sandbox, hex32)
        cls = _wrapper_class(sink) if value is None else type(value)  # flytekit hands the task's own wrapper on
        staged = cls(dataframe=frame, uri=staging, metadata=value.metadata if value is not None else None)
        staged.file_format = value.file_format if value is not None else GENERIC_FORMAT
        try:
            model = _as_pb(handler.encode(_handler_context(sink), staged, sdt))
        except ConversionError:
            raise
        except Exception as exc:
            raise ConversionError(
                f"could not write the dataframe with {type(handler).__name__}: {type(exc).__name__}: {exc}"
            ) from exc
        out = literals_pb2.StructuredDataset()
        out.CopyFrom(model)
        if not out.HasField("metadata") or not out.metadata.HasField("structured_dataset_type"):
            out.metadata.structured_dataset_type.CopyFrom(sdt)
        out.metadata.structured_dataset_type.format = handler.supported_format
        written = paths.strip_file_scheme(out.uri).rstrip("/")
        if written == staging or written.startswith(staging + "/"):
            out.uri = destination + written[len(staging) :]
            sink.plan_upload(Upload(local_path=staging, remote=destination, is_directory=True))
        return _literal(out)

    # ---- literal -> python -----------------------------------------------------------------------------------

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        if literal.WhichOneof("value") != "scalar":
            raise ConversionError(f"Cannot convert a {literal.WhichOneof('value')} literal to {tp}")
        scalar = literal.scalar
        kind = scalar.WhichOneof("value")
        if kind in ("binary", "generic"):
            return self.to_python(sd_literal_from_idl(scalar), tp, engine, sink)
        base = _base(tp)
        declared, _fmt, _schema = dataframe.dataframe_columns(tp)
        if kind == "schema":
            stored = literals_pb2.StructuredDataset(uri=scalar.schema.uri)
            new_sdt = stored.metadata.structured_dataset_type
            if declared:
                new_sdt.columns.extend(dataframe.dataset_columns(declared))
            else:
                for c in scalar.schema.type.columns:
                    col = new_sdt.columns.add()
                    col.name = c.name
                    col.literal_type.simple = _SCHEMA_TO_SIMPLE[c.type]
            new_sdt.format = PARQUET
            metadata = literals_pb2.StructuredDatasetMetadata()
            metadata.CopyFrom(stored.metadata)
            if _is_sd_class(base):
                sd = base(dataframe=None, metadata=metadata)
                sd._literal_sd = stored
                return sd
            return self._open(stored, base, metadata, sink)
        if kind != "structured_dataset":
            raise ConversionError(f"Cannot convert a scalar {kind} literal to {tp}: expected a structured dataset")
        stored = scalar.structured_dataset
        incoming = stored.metadata.structured_dataset_type
        metadata = literals_pb2.StructuredDatasetMetadata()
        new_sdt = metadata.structured_dataset_type
        if declared:
            new_sdt.columns.extend(dataframe.dataset_columns(declared))
        else:
            new_sdt.columns.extend(incoming.columns)
        new_sdt.format = incoming.format
        new_sdt.external_schema_type = incoming.external_schema_type
        new_sdt.external_schema_bytes = incoming.external_schema_bytes
        if _is_sd_class(base):
            sd = base(dataframe=None, metadata=metadata)
            sd._literal_sd = literals_pb2.StructuredDataset()
            sd._literal_sd.CopyFrom(stored)
            sd.file_format = new_sdt.format
            return sd
        return self._open(stored, base, metadata, sink)

    @staticmethod
    def _open(stored: literals_pb2.StructuredDataset, df_type: Any, metadata: Any, sink: Sink) -> Any:
        try:
            decoder = _Engine.get_decoder(
                df_type, paths.scheme_of(stored.uri), stored.metadata.structured_dataset_type.format
            )
            if not isinstance(decoder, BuiltinDecoder):
                return _Engine.open_as(_handler_context(sink), stored, df_type, metadata)
            if decoder.file_name is None:
                files = sink.read_directory(stored.uri)
            else:
                one = sink.read_file(paths.join(stored.uri, decoder.file_name))
                files = None if one is None else {"": one}
            if files is None:
                return PENDING
            return decoder.frame_of(files, columns_of(metadata))
        except BlobMissing as exc:
            raise ConversionError(
                f"could not read the structured dataset at {stored.uri}: {exc.uri} does not exist"
            ) from exc
        except ConversionError:
            raise
        except Exception as exc:
            raise ConversionError(
                f"could not read the structured dataset at {stored.uri}: {type(exc).__name__}: {exc}"
            ) from exc


def sd_literal_from_idl(scalar: literals_pb2.Scalar) -> literals_pb2.Literal:
    """A ``structured_dataset`` literal from a msgpack ``binary`` / ``generic`` ``{"uri", "file_format"}``."""
    obj: Any
    if scalar.WhichOneof("value") == "binary":
        if scalar.binary.tag != "msgpack":
            raise ConversionError(f"Unsupported binary format: `{scalar.binary.tag}`")
        import msgpack

        obj = msgpack.loads(scalar.binary.value)  # flytekit: strict map keys (str or bytes only)
    else:
        from google.protobuf import json_format

        obj = json_format.MessageToDict(scalar.generic)
    if not isinstance(obj, dict):
        raise ConversionError("StructuredDataset's uri and file format should not be None")
    return sd_from_dict(obj)


def sd_from_dict(obj: dict[str, Any]) -> literals_pb2.Literal:
    """flytekit's ``dict_to_structured_dataset``: ``{"uri", "file_format"}`` as a ``structured_dataset`` literal."""
    uri = obj.get("uri")
    if not isinstance(uri, str):
        raise ConversionError("StructuredDataset's uri and file format should not be None", kind="ValueError")
    sd = literals_pb2.StructuredDataset(uri=uri)
    fmt = obj.get("file_format")
    sd.metadata.structured_dataset_type.format = fmt if isinstance(fmt, str) else ""
    return _literal(sd)


def sd_to_dict(literal: literals_pb2.Literal) -> dict[str, Any]:
    """What flytekit's ``_serialize`` stores for a StructuredDataset inside a dataclass / pydantic model."""
    sd = literal.scalar.structured_dataset
    return {"uri": sd.uri, "file_format": sd.metadata.structured_dataset_type.format}


STRUCTURED_DATASET = StructuredDatasetTransformer()
