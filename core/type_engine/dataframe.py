"""Column declarations and ``StructuredDatasetType`` messages for dataframe types (flytekit 1.16's rules).

``Annotated[T, kwtypes(a=int, b=str)]`` (any dict / OrderedDict, or a class whose ``__annotations__`` name the
columns; nested dicts and dataclasses are flattened to ``a.b``) declares columns; a ``str`` is the storage format; a
``pyarrow.Schema`` is an external schema. :func:`structured_dataset_type` builds the message with flytekit's
column types (python scalars, numpy scalar types by name, lists and dicts of them). The transformer that uses
these is ``structured.py``.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import typing
from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from flyte_entrypoint.core.type_engine.engine import ConversionError

__all__ = [
    "PARQUET",
    "dataframe_columns",
    "is_dataframe_type",
    "kwtypes",
    "structured_dataset_literal",
    "structured_dataset_type",
]

PARQUET = "parquet"

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


def kwtypes(**columns: Any) -> collections.OrderedDict[str, Any]:
    """Column declarations for ``Annotated[pd.DataFrame, kwtypes(a=int, b=str)]`` (flytekit's helper)."""
    return collections.OrderedDict(columns)


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


def dataframe_columns(tp: Any) -> tuple[dict[str, Any] | None, str, Any]:
    """``(columns or None, format, pyarrow schema or None)`` from ``Annotated`` metadata, flytekit's precedence.

    Nested ``Annotated`` (``Annotated[Annotated[T, cols], HashMethod(f)]``) are flattened first."""
    metadata: tuple[Any, ...] = ()
    while typing.get_origin(tp) is typing.Annotated:
        tp, extra = _split(tp)
        metadata = extra + metadata
    columns: dict[str, Any] | None = None
    fmt = ""
    schema: Any = None
    for item in metadata:
        if (type(item).__module__ or "").startswith("pyarrow") and type(item).__name__ == "Schema":
            if schema is not None:
                raise ConversionError(f"Arrow schema was already found {schema}, cannot use {item}")
            schema = item
        elif hasattr(item, "__annotations__") and not isinstance(item, (dict, str)) and not callable(
            getattr(item, "calculate", None)
        ):
            columns = dict(item.__annotations__)
        elif isinstance(item, dict):
            columns = dict(item)
        elif isinstance(item, str):
            if fmt != "":
                raise ConversionError(f"A format was already specified {fmt}, cannot use {item}")
            fmt = item
    return columns, fmt, schema


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
