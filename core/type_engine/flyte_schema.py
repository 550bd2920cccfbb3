"""``FlyteSchema`` <-> ``schema`` literals, as flytekit 1.16's ``FlyteSchema Transformer`` (legacy).

* **Type.** ``schema { columns { name type } }`` from ``FlyteSchema[kwtypes(...)]`` (int/float/bool/str/datetime/
  timedelta and numpy scalar types by name; another type is an error, as in flytekit).
* **Output.** A ``FlyteSchema`` object: its local folder is planned as an upload to its ``remote_path`` (a read-only
  schema that was never opened is written as its URI, nothing uploaded). A ``pandas.DataFrame`` returned for a
  FlyteSchema type: its parquet bytes (made in memory) are planned as an ``UploadBytes`` to
  ``<raw prefix>/<hex32>/00000``, the literal's URI is ``<raw prefix>/<hex32>``.
* **Input.** A ``schema`` or ``structured_dataset`` literal (or a dataclass attribute's ``{"remote_path"}``) becomes
  a read-only schema of the declared class (``tp._from_remote``) whose folder the class fetches when the task's
  code first opens it.

The class is recognised by name (``recognize.is_flyte_schema``): the core does not import the api package.

Laws (run in ``property_tests/test_flyte_schema_laws.py``; flytekit's column table and messages pinned in
``tests/test_type_engine_flyte_schema.py``):

* **Columns in order.** The literal type of ``FlyteSchema[kwtypes(**cols)]`` lists ``cols``' names in declaration
  order, each with flytekit 1.16's column type.
* **Round trip.** A schema returned as an output reads back as a read-only schema of the declared class at the same
  URI; its literal carries the declared schema type.
* **Deterministic.** The same value and seed plan the same literal and uploads.
* **Total.** Any literal converts to a schema or fails as a ``ConversionError``.
"""

from __future__ import annotations

from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from flyte_entrypoint.core import paths
from flyte_entrypoint.core.type_engine import frame_codecs
from flyte_entrypoint.core.type_engine.engine import ConversionError, Engine, Sink, Upload
from flyte_entrypoint.core.type_engine.recognize import is_flyte_schema, is_instance

__all__ = ["FLYTE_SCHEMA", "FlyteSchemaTransformer"]

_COL = types_pb2.SchemaType.SchemaColumn
_PY_COLUMNS = {float: _COL.FLOAT, int: _COL.INTEGER, bool: _COL.BOOLEAN, str: _COL.STRING}
_NAMED_COLUMNS = {
    "datetime.datetime": _COL.DATETIME,
    "datetime.timedelta": _COL.DURATION,
    "numpy.int32": _COL.INTEGER,
    "numpy.int64": _COL.INTEGER,
    "numpy.uint32": _COL.INTEGER,
    "numpy.uint64": _COL.INTEGER,
    "numpy.float32": _COL.FLOAT,
    "numpy.float64": _COL.FLOAT,
    "numpy.bool_": _COL.BOOLEAN,
    "numpy.bool": _COL.BOOLEAN,
    "numpy.datetime64": _COL.DATETIME,
    "numpy.timedelta64": _COL.DURATION,
    "numpy.bytes_": _COL.STRING,
    "numpy.str_": _COL.STRING,
    "numpy.object_": _COL.STRING,
}


def _column_type(tp: Any) -> Any:
    if tp in _PY_COLUMNS and isinstance(tp, type):
        return _PY_COLUMNS[tp]
    name = f"{getattr(tp, '__module__', '')}.{getattr(tp, '__qualname__', '')}"
    found = _NAMED_COLUMNS.get(name)
    if found is None:
        raise ConversionError(f"type {tp} is currently not supported by FlyteSchema", kind="AssertionError")
    return found


def schema_type(tp: Any) -> types_pb2.SchemaType:
    st = types_pb2.SchemaType()
    for name, col_tp in tp.columns().items():
        col = st.columns.add()
        col.name = name
        col.type = _column_type(col_tp)
    return st


def _literal(uri: str, st: types_pb2.SchemaType) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.schema.uri = uri
    lit.scalar.schema.type.CopyFrom(st)
    return lit


class FlyteSchemaTransformer:
    name = "FlyteSchema Transformer"

    def handles(self, tp: Any) -> bool:
        return is_flyte_schema(tp)

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        lt = types_pb2.LiteralType()
        lt.schema.CopyFrom(schema_type(tp))
        return lt

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        st = schema_type(tp)
        if is_instance(value, is_flyte_schema):
            remote = value.remote_path or paths.join(
                sink.context.raw_output_prefix, sink.unique_hex(), paths.basename(value.local_path)
            )
            read_only = getattr(value.supported_mode, "value", None) == "r"
            if not (read_only and not value._downloaded):
                sink.plan_upload(Upload(local_path=value.local_path, remote=remote, is_directory=True))
            return _literal(remote, st)
        kind = type(value)
        if not (kind.__name__ == "DataFrame" and kind.__module__.split(".")[0] == "pandas"):
            raise ConversionError(f"DataFrames of type {type(value)} are not supported currently")
        try:
            data = frame_codecs.pandas_parquet_bytes(value)
        except Exception as exc:
            raise ConversionError(f"could not write the dataframe as parquet: {type(exc).__name__}: {exc}") from exc
        remote = paths.join(sink.context.raw_output_prefix, sink.unique_hex())
        sink.plan_bytes(paths.join(remote, frame_codecs.PARQUET_FILE_NAME), data)
        return _literal(remote, st)

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        scalar = literal.scalar
        kind = scalar.WhichOneof("value") if literal.WhichOneof("value") == "scalar" else None
        if kind == "schema":
            uri = scalar.schema.uri
        elif kind == "structured_dataset":
            uri = scalar.structured_dataset.uri
        elif kind in ("binary", "generic"):
            uri = self._uri_from_idl(scalar)
        else:
            raise ConversionError("Can only convert a literal schema to a FlyteSchema", kind="AssertionError")
        local = paths.join(sink.context.local_sandbox, sink.unique_hex())
        return tp._from_remote(local, uri)

    @staticmethod
    def _uri_from_idl(scalar: literals_pb2.Scalar) -> str:
        obj: Any
        if scalar.WhichOneof("value") == "binary":
            import msgpack

            obj = msgpack.loads(scalar.binary.value)  # strict map keys, as flytekit
        else:
            from google.protobuf import json_format

            obj = json_format.MessageToDict(scalar.generic)
        uri = obj.get("remote_path") if isinstance(obj, dict) else None
        if not isinstance(uri, str):
            raise ConversionError("FlyteSchema's path should not be None", kind="ValueError")
        return uri


FLYTE_SCHEMA = FlyteSchemaTransformer()
