"""``pandas.DataFrame`` <-> flytekit's StructuredDataset literal (parquet), as flytekit 1.16.

* **Type.** ``pd.DataFrame`` -> ``structured_dataset_type { }``. ``Annotated[pd.DataFrame, kwtypes(a=int, b=str)]``
  (any dict / OrderedDict, or a class whose ``__annotations__`` name the columns; nested dicts and dataclasses are
  flattened to ``a.b``) adds ``columns { name literal_type }``; a ``str`` annotation is the storage format. Union
  tag ``StructuredDataset Transformer``.
* **Output.** ``scalar { structured_dataset { uri: "<raw prefix>/<hex32>" metadata { structured_dataset_type {
  columns... format: "parquet" } } } }``; the data is one parquet file ``<uri>/00000``.
* **Input.** The parquet dataset at the URI is read into a DataFrame, keeping only the declared columns (the
  annotation's, else the incoming literal's, as flytekit's decoder does). A ``binary`` msgpack / ``generic``
  Struct ``{"uri": ...}`` (dataclass attribute access) and an old ``schema`` literal are read too.

**Where the I/O happens (the one transformer that is partly shell-side).** This module decides everything that is
a pure function of the value's type: the LiteralType, the literal, the remote URI, the local staging path and the
upload. Writing the parquet file and reading a dataset are done by ``shell/dataframe_io.py``, reached through the
data-access hook of ``flyte_entrypoint.files`` (installed by the shell). So unlike the other transformers, a
dataframe conversion performs I/O while it runs: output conversion writes ``<sandbox>/<hex32>/00000`` (then the
planned upload sends the directory up with the other outputs), input conversion downloads and parses the
dataset. A failure there is reported as a conversion error. pandas is never imported here: the type is
recognised by name, and the value by ``isinstance`` against the class the task itself annotated with.

Only the parquet format is supported (flytekit also has CSV and plugin formats); another format string in the
annotation is rejected when the task is decorated.
"""

from __future__ import annotations

import dataclasses
import datetime
import typing
from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from flyte_entrypoint.core import paths
from flyte_entrypoint.core.types.engine import ConversionError, Engine, Sink, Upload

__all__ = [
    "DATAFRAME",
    "PARQUET",
    "DataFrameTransformer",
    "dataframe_columns",
    "is_dataframe_type",
    "kwtypes",
    "structured_dataset_literal",
    "structured_dataset_type",
]

PARQUET = "parquet"
PARQUET_FILE_NAME = f"{0:05}"
_SUPPORTED_FORMATS = ("", PARQUET)
_MSGPACK = "msgpack"

_SIMPLE_COLUMNS: dict[Any, int] = {
    int: types_pb2.INTEGER,
    float: types_pb2.FLOAT,
    bool: types_pb2.BOOLEAN,
    str: types_pb2.STRING,
    datetime.datetime: types_pb2.DATETIME,
    datetime.timedelta: types_pb2.DURATION,
}
# numpy scalar types, by name (numpy is not imported here)
_NUMPY_COLUMNS: dict[str, int] = {
    "int32": types_pb2.INTEGER,
    "int64": types_pb2.INTEGER,
    "uint32": types_pb2.INTEGER,
    "uint64": types_pb2.INTEGER,
    "float32": types_pb2.FLOAT,
    "float64": types_pb2.FLOAT,
    "bool_": types_pb2.BOOLEAN,
    "bool": types_pb2.BOOLEAN,
    "datetime64": types_pb2.DATETIME,
    "timedelta64": types_pb2.DURATION,
    "bytes_": types_pb2.STRING,
    "str_": types_pb2.STRING,
    "object_": types_pb2.STRING,
}


def kwtypes(**columns: Any) -> dict[str, Any]:
    """Column declarations for ``Annotated[pd.DataFrame, kwtypes(a=int, b=str)]`` (flytekit's helper)."""
    return dict(columns)


def _is_pandas_dataframe_class(tp: Any) -> bool:
    if not isinstance(tp, type):
        return False
    for klass in tp.__mro__:
        module = getattr(klass, "__module__", "") or ""
        if klass.__name__ == "DataFrame" and (module == "pandas" or module.startswith("pandas.")):
            return True
    return False


def _split(tp: Any) -> tuple[Any, tuple[Any, ...]]:
    if typing.get_origin(tp) is typing.Annotated:
        args = typing.get_args(tp)
        return args[0], tuple(args[1:])
    return tp, ()


def is_dataframe_type(tp: Any) -> bool:
    """``pandas.DataFrame`` (or a subclass), possibly ``Annotated``; recognised without importing pandas."""
    return _is_pandas_dataframe_class(_split(tp)[0])


def _flatten(columns: dict[str, Any], parent: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in columns.items():
        name = f"{parent}.{key}" if parent else str(key)
        if isinstance(value, dict):
            out.update(_flatten(value, name))
        elif dataclasses.is_dataclass(value):
            out.update(_flatten({f.name: f.type for f in dataclasses.fields(value)}, name))
        else:
            out[name] = value
    return out


def dataframe_columns(tp: Any) -> tuple[dict[str, Any] | None, str]:
    """``(columns or None, format)`` from ``Annotated`` metadata, with flytekit's precedence rules."""
    _, metadata = _split(tp)
    columns: dict[str, Any] | None = None
    fmt = ""
    for item in metadata:
        if hasattr(item, "__annotations__") and not isinstance(item, (dict, str)):
            columns = dict(item.__annotations__)
        elif isinstance(item, dict):
            columns = dict(item)
        elif isinstance(item, str):
            if fmt != "":
                raise ConversionError(f"A format was already specified {fmt}, cannot use {item}")
            fmt = item
        elif (type(item).__module__ or "").startswith("pyarrow") and type(item).__name__ == "Schema":
            raise ConversionError("an arrow Schema annotation on a DataFrame is not supported by flyte-entrypoint")
    return columns, fmt


def _column_type(tp: Any) -> types_pb2.LiteralType:
    lt = types_pb2.LiteralType()
    if tp in _SIMPLE_COLUMNS:
        lt.simple = _SIMPLE_COLUMNS[tp]
        return lt
    if isinstance(tp, type) and getattr(tp, "__module__", "") == "numpy" and tp.__name__ in _NUMPY_COLUMNS:
        lt.simple = _NUMPY_COLUMNS[tp.__name__]
        return lt
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is list and args:
        lt.collection_type.CopyFrom(_column_type(args[0]))
        return lt
    if origin is dict and len(args) == 2:
        lt.map_value_type.CopyFrom(_column_type(args[1]))
        return lt
    raise ConversionError(f"type {tp} is currently not supported by StructuredDataset")


def structured_dataset_type(columns: dict[str, Any] | None, fmt: str) -> types_pb2.StructuredDatasetType:
    sdt = types_pb2.StructuredDatasetType()
    for name, col_tp in _flatten(columns or {}).items():
        col = sdt.columns.add()
        col.name = name
        col.literal_type.CopyFrom(_column_type(col_tp))
    sdt.format = fmt
    return sdt


def structured_dataset_literal(uri: str, sdt: types_pb2.StructuredDatasetType) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    sd = lit.scalar.structured_dataset
    sd.uri = uri
    sd.metadata.structured_dataset_type.CopyFrom(sdt)
    return lit


def _access() -> Any:
    from flyte_entrypoint.files import data_access

    return data_access()


class DataFrameTransformer:
    """``pandas.DataFrame`` as a parquet StructuredDataset (see the module docstring for the I/O split)."""

    name = "StructuredDataset Transformer"

    def handles(self, tp: Any) -> bool:
        return is_dataframe_type(tp)

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        columns, fmt = dataframe_columns(tp)
        if fmt not in _SUPPORTED_FORMATS:
            raise ConversionError(
                f"StructuredDataset format {fmt!r} is not supported by flyte-entrypoint (only 'parquet')"
            )
        lt = types_pb2.LiteralType()
        lt.structured_dataset_type.CopyFrom(structured_dataset_type(columns, fmt))
        return lt

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        base, _ = _split(tp)
        if not isinstance(value, base):
            raise ConversionError(f"Expected a {base.__module__}.{base.__qualname__}, got {type(value)}")
        sdt = self.literal_type(tp, engine).structured_dataset_type
        sdt.format = PARQUET
        hex32 = sink.unique_hex()
        local_dir = paths.join(sink.context.local_sandbox, hex32)
        uri = paths.join(sink.context.raw_output_prefix, hex32)
        try:
            _access().write_dataframe(value, paths.join(local_dir, PARQUET_FILE_NAME))
        except ConversionError:
            raise
        except Exception as exc:
            raise ConversionError(f"could not write the dataframe as parquet: {type(exc).__name__}: {exc}") from exc
        sink.plan_upload(Upload(local_path=local_dir, remote=uri, is_directory=True))
        return structured_dataset_literal(uri, sdt)

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        if literal.WhichOneof("value") != "scalar":
            raise ConversionError(f"Cannot convert a {literal.WhichOneof('value')} literal to a DataFrame")
        scalar = literal.scalar
        kind = scalar.WhichOneof("value")
        declared, _ = dataframe_columns(tp)
        wanted: list[str] | None = list(_flatten(declared)) if declared else None
        if kind == "structured_dataset":
            sd = scalar.structured_dataset
            uri = sd.uri
            fmt = sd.metadata.structured_dataset_type.format
            if wanted is None:
                incoming = [c.name for c in sd.metadata.structured_dataset_type.columns]
                wanted = incoming or None
        elif kind == "schema":
            uri, fmt = scalar.schema.uri, PARQUET
            if wanted is None:
                wanted = [c.name for c in scalar.schema.type.columns] or None
        elif kind in ("binary", "generic"):
            uri, fmt = self._uri_from_idl(scalar)
        else:
            raise ConversionError(f"Cannot convert a scalar {kind} literal to a DataFrame")
        if fmt not in _SUPPORTED_FORMATS:
            raise ConversionError(f"Cannot read a StructuredDataset in format {fmt!r} (only 'parquet' is supported)")
        try:
            return _access().read_dataframe(uri, wanted)
        except ConversionError:
            raise
        except Exception as exc:
            raise ConversionError(f"could not read the parquet dataset at {uri}: {type(exc).__name__}: {exc}") from exc

    @staticmethod
    def _uri_from_idl(scalar: literals_pb2.Scalar) -> tuple[str, str]:
        obj: Any
        if scalar.WhichOneof("value") == "binary":
            if scalar.binary.tag != _MSGPACK:
                raise ConversionError(f"Unsupported binary format: `{scalar.binary.tag}`")
            import msgpack

            obj = msgpack.loads(scalar.binary.value, strict_map_key=False)
        else:
            from google.protobuf import json_format

            obj = json_format.MessageToDict(scalar.generic)
        if not isinstance(obj, dict) or not isinstance(obj.get("uri"), str):
            raise ConversionError("StructuredDataset's uri and file format should not be None")
        fmt = obj.get("file_format") or PARQUET
        return obj["uri"], str(fmt)


DATAFRAME = DataFrameTransformer()
