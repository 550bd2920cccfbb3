"""Column declarations and ``StructuredDatasetType`` messages for dataframe types (flytekit 1.16's rules).

``Annotated[T, kwtypes(a=int, b=str)]`` (any dict / OrderedDict, or any object with ``__annotations__``: a class, a
dataclass, a function; nested dicts and dataclasses are flattened to ``a.b``) declares columns; a ``str`` is the
storage format; a ``pyarrow.Schema`` is an external schema. :func:`structured_dataset_type` builds the message with
flytekit's column types (python scalars, numpy scalar types by name, lists and dicts of them). The transformer that
uses these is ``structured.py``.

Laws (``property_tests/test_structured_dataset_laws.py``; flytekit's values in ``tests/test_type_engine_dataframe.py``):

* **Flattening.** Declaring ``{"a": {"b": T}}`` or a dataclass ``a`` with field ``b: T`` gives the same columns as
  ``{"a.b": T}``; the columns keep the declaration order.
* **Last declaration wins.** Of several column declarations the last one counts; a format or a schema given twice is
  a ``ConversionError`` (flytekit's ``ValueError`` messages).
* **Agreement with flytekit.** The message equals flytekit 1.16's ``_get_dataset_type`` for every supported column
  type; a column type flytekit does not support is a ``ConversionError``, never a message.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import typing
from typing import Any

from flyteidl.core import types_pb2

from flyte_entrypoint.core.type_engine.engine import ConversionError

__all__ = ["dataframe_columns", "dataset_columns", "kwtypes", "structured_dataset_type"]

_SIMPLE_COLUMNS: dict[Any, int] = {
    int: types_pb2.INTEGER,
    float: types_pb2.FLOAT,
    bool: types_pb2.BOOLEAN,
    str: types_pb2.STRING,
    datetime.datetime: types_pb2.DATETIME,
    datetime.timedelta: types_pb2.DURATION,
}
# numpy scalar types, by name without numpy's trailing "_" (numpy is not imported here; numpy 2 names bool_ "bool")
_NUMPY_COLUMNS: dict[str, int] = {
    "int32": types_pb2.INTEGER,
    "int64": types_pb2.INTEGER,
    "uint32": types_pb2.INTEGER,
    "uint64": types_pb2.INTEGER,
    "float32": types_pb2.FLOAT,
    "float64": types_pb2.FLOAT,
    "bool": types_pb2.BOOLEAN,
    "datetime64": types_pb2.DATETIME,
    "timedelta64": types_pb2.DURATION,
    "bytes": types_pb2.STRING,
    "str": types_pb2.STRING,
    "object": types_pb2.STRING,
}


def kwtypes(**columns: Any) -> collections.OrderedDict[str, Any]:
    """Column declarations for ``Annotated[pd.DataFrame, kwtypes(a=int, b=str)]`` (flytekit's helper)."""
    return collections.OrderedDict(columns)


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

    (Python flattens nested ``Annotated`` itself: ``Annotated[Annotated[T, cols], "csv"]`` is ``Annotated[T, cols,
    "csv"]``.)"""
    metadata = typing.get_args(tp)[1:] if typing.get_origin(tp) is typing.Annotated else ()
    columns: dict[str, Any] | None = None
    fmt = ""
    schema: Any = None
    for item in metadata:
        if hasattr(item, "__annotations__"):
            columns = dict(item.__annotations__)
        elif isinstance(item, dict):
            columns = dict(item)
        elif isinstance(item, str):
            if fmt != "":
                raise ConversionError(f"A format was already specified {fmt}, cannot use {item}")
            fmt = item
        elif type(item).__module__.startswith("pyarrow") and type(item).__name__ == "Schema":
            if schema is not None:
                raise ConversionError(f"Arrow schema was already found {schema}, cannot use {item}")
            schema = item
    return columns, fmt, schema


def _numpy_name(tp: Any) -> str | None:
    """A numpy scalar type's name without the trailing ``_`` (``bytes_`` -> ``bytes``); None for anything else."""
    if isinstance(tp, type) and tp.__module__ == "numpy":
        return tp.__name__.removesuffix("_")
    return None


def _column_type(tp: Any) -> types_pb2.LiteralType:
    lt = types_pb2.LiteralType()
    if tp in _SIMPLE_COLUMNS:
        lt.simple = _SIMPLE_COLUMNS[tp]
        return lt
    name = _numpy_name(tp)
    if name in _NUMPY_COLUMNS:
        lt.simple = _NUMPY_COLUMNS[name]
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


def dataset_columns(columns: dict[str, Any] | None) -> list[types_pb2.StructuredDatasetType.DatasetColumn]:
    """The declared columns as ``DatasetColumn`` messages: flattened, in declaration order."""
    return [
        types_pb2.StructuredDatasetType.DatasetColumn(name=name, literal_type=_column_type(col_tp))
        for name, col_tp in _flatten(columns or {}).items()
    ]


def structured_dataset_type(columns: dict[str, Any] | None, fmt: str) -> types_pb2.StructuredDatasetType:
    return types_pb2.StructuredDatasetType(columns=dataset_columns(columns), format=fmt)
