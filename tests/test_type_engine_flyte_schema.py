"""The legacy ``FlyteSchema`` type (core/type_engine/flyte_schema.py) against flytekit 1.16.31's FlyteSchema Transformer.

Expected values were taken from flytekit 1.16.31 (``.oracle-venv``): ``TypeEngine.to_literal_type`` of the same
``FlyteSchema[kwtypes(...)]`` declarations, ``FlyteSchemaTransformer.to_python_value`` of the same literals, and
``TypeEngine.to_literal`` of a DataFrame (which writes one parquet file ``00000`` into ``<raw prefix>/<random>``). The
names and bytes our engine plans are checked against what pandas writes and what the context's seed names.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

import msgpack
import numpy as np
import pandas as pd
import pytest
from flyteidl.core import literals_pb2, types_pb2
from google.protobuf import struct_pb2, text_format
from returns.result import Failure, Success

from flyte_entrypoint.core.type_engine import flyte_schema as fs
from flyte_entrypoint.core.type_engine.dataframe import kwtypes
from flyte_entrypoint.core.type_engine.engine import (
    ConversionContext,
    ConversionError,
    Sink,
    Upload,
    UploadBytes,
    literal_type_of,
    to_literal,
    to_python,
)
from flyte_entrypoint.flyte_schema import FlyteSchema, SchemaOpenMode

CTX = ConversionContext(raw_output_prefix="s3://b/raw", local_sandbox="/sandbox", name_seed="cd" * 16)


def lt_text(tp: Any) -> str:
    return text_format.MessageToString(literal_type_of(tp).unwrap(), as_one_line=True)


def error(result: Any) -> ConversionError:
    assert isinstance(result, Failure), result
    err = result.failure()
    assert isinstance(err, ConversionError)
    return err


def hex_names(count: int) -> list[str]:
    """The names a fresh sink hands out for CTX, in order (the seed's contract, not a recorded output)."""
    sink = Sink(CTX)
    return [sink.unique_hex() for _ in range(count)]


# -- literal types: flytekit's TypeEngine.to_literal_type -------------------------------------------------


def test_python_column_types() -> None:
    tp = FlyteSchema[kwtypes(a=int, b=float, c=bool, d=str, e=datetime.datetime, f=datetime.timedelta)]
    assert lt_text(tp) == (
        'schema { columns { name: "a" } columns { name: "b" type: FLOAT } columns { name: "c" type: BOOLEAN }'
        ' columns { name: "d" type: STRING } columns { name: "e" type: DATETIME } columns { name: "f" type: DURATION } }'
    )


def test_numpy_column_types() -> None:
    tp = FlyteSchema[
        kwtypes(
            i32=np.int32, i64=np.int64, u32=np.uint32, u64=np.uint64, f32=np.float32, f64=np.float64, b=np.bool_,
            dt=np.datetime64, td=np.timedelta64, by=np.bytes_, s=np.str_, o=np.object_,
        )
    ]
    assert lt_text(tp) == (
        'schema { columns { name: "i32" } columns { name: "i64" } columns { name: "u32" } columns { name: "u64" }'
        ' columns { name: "f32" type: FLOAT } columns { name: "f64" type: FLOAT } columns { name: "b" type: BOOLEAN }'
        ' columns { name: "dt" type: DATETIME } columns { name: "td" type: DURATION } columns { name: "by" type: STRING }'
        ' columns { name: "s" type: STRING } columns { name: "o" type: STRING } }'
    )


def test_each_column_type_alone() -> None:
    """One column at a time, so a lost entry cannot hide behind the default (INTEGER is 0, the proto default)."""
    col = types_pb2.SchemaType.SchemaColumn
    expected = {
        int: col.INTEGER, float: col.FLOAT, bool: col.BOOLEAN, str: col.STRING, datetime.datetime: col.DATETIME,
        datetime.timedelta: col.DURATION, np.int32: col.INTEGER, np.int64: col.INTEGER, np.uint32: col.INTEGER,
        np.uint64: col.INTEGER, np.float32: col.FLOAT, np.float64: col.FLOAT, np.bool_: col.BOOLEAN,
        np.datetime64: col.DATETIME, np.timedelta64: col.DURATION, np.bytes_: col.STRING, np.str_: col.STRING,
        np.object_: col.STRING,
    }
    for py_type, column_type in expected.items():
        lt = literal_type_of(FlyteSchema[kwtypes(x=py_type)]).unwrap()
        assert [(c.name, c.type) for c in lt.schema.columns] == [("x", column_type)], py_type
        assert fs.schema_type(FlyteSchema[kwtypes(x=py_type)]).columns[0].type == column_type


def test_numpy_1s_bool_is_boolean_too() -> None:
    """numpy 1 names ``numpy.bool_`` ``bool_`` (numpy 2: ``bool``); flytekit maps ``np.bool_`` to BOOLEAN under both.
    Columns are matched by module and name, so a class named as numpy 1's stands in for it here (numpy 2 installed)."""
    numpy1_bool = type("bool_", (), {"__module__": "numpy"})
    st = fs.schema_type(FlyteSchema[kwtypes(flag=numpy1_bool)])
    assert [(c.name, c.type) for c in st.columns] == [("flag", types_pb2.SchemaType.SchemaColumn.BOOLEAN)]


def test_plain_flyte_schema_has_no_columns() -> None:
    lt = literal_type_of(FlyteSchema).unwrap()
    assert lt.WhichOneof("type") == "schema"
    assert lt_text(FlyteSchema) == "schema { }"


@pytest.mark.parametrize("bad", [complex, np.int8, list])
def test_an_unsupported_column_type_is_flytekits_assertion(bad: type) -> None:
    err = error(literal_type_of(FlyteSchema[kwtypes(a=bad)]))
    assert err.kind == "AssertionError"
    assert err.message == f"type {bad} is currently not supported by FlyteSchema"


def test_the_transformer_is_named_as_flytekits() -> None:
    assert fs.FLYTE_SCHEMA.name == "FlyteSchema Transformer"
    assert fs.FLYTE_SCHEMA.handles(FlyteSchema[kwtypes(a=int)]) is True
    assert fs.FLYTE_SCHEMA.handles(int) is False


# -- outputs ------------------------------------------------------------------------------------------------


def test_a_written_schema_is_uploaded_as_a_folder_to_its_remote_path() -> None:
    tp = FlyteSchema[kwtypes(a=int)]
    value = tp(local_path="/work/local/schema", remote_path="s3://b/given")
    converted = to_literal(value, tp, CTX).unwrap()
    assert converted.value.scalar.schema.uri == "s3://b/given"
    assert [(c.name, c.type) for c in converted.value.scalar.schema.type.columns] == [("a", 0)]
    assert converted.uploads == (Upload(local_path="/work/local/schema", remote="s3://b/given", is_directory=True),)


def test_a_schema_without_remote_path_goes_under_the_raw_prefix_by_its_folder_name() -> None:
    """flytekit: ``join(raw_output_prefix, random, get_file_tail(local_path))`` when ``remote_path`` is empty."""
    value = FlyteSchema(local_path="/work/local/myschema", remote_path="s3://b/unused")
    value.remote_path = ""
    converted = to_literal(value, FlyteSchema, CTX).unwrap()
    expected = f"s3://b/raw/{hex_names(1)[0]}/myschema"
    assert converted.value.scalar.schema.uri == expected
    assert converted.uploads == (Upload(local_path="/work/local/myschema", remote=expected, is_directory=True),)


def test_a_read_only_schema_never_opened_is_returned_as_its_uri_without_upload() -> None:
    value = FlyteSchema(local_path="/work/never", remote_path="s3://b/in", supported_mode=SchemaOpenMode.READ)
    converted = to_literal(value, FlyteSchema, CTX).unwrap()
    assert converted.value.scalar.schema.uri == "s3://b/in"
    assert converted.uploads == ()


def test_a_read_only_schema_that_was_downloaded_is_uploaded_again() -> None:
    value = FlyteSchema(local_path="/work/fetched", remote_path="s3://b/in", supported_mode=SchemaOpenMode.READ)
    value._downloaded = True
    converted = to_literal(value, FlyteSchema, CTX).unwrap()
    assert converted.uploads == (Upload(local_path="/work/fetched", remote="s3://b/in", is_directory=True),)


def test_a_dataframe_is_one_parquet_file_00000_in_a_new_folder() -> None:
    tp = FlyteSchema[kwtypes(a=int, b=str)]
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    converted = to_literal(frame, tp, CTX).unwrap()
    folder = f"s3://b/raw/{hex_names(1)[0]}"
    assert converted.value.scalar.schema.uri == folder
    assert [(c.name, c.type) for c in converted.value.scalar.schema.type.columns] == [
        ("a", types_pb2.SchemaType.SchemaColumn.INTEGER),
        ("b", types_pb2.SchemaType.SchemaColumn.STRING),
    ]
    (upload,) = converted.uploads
    assert isinstance(upload, UploadBytes)
    assert upload.remote == folder + "/00000"
    pd.testing.assert_frame_equal(pd.read_parquet(io.BytesIO(upload.data)), frame)


def test_a_value_that_is_neither_schema_nor_pandas_frame_is_refused_as_flytekit_does() -> None:
    err = error(to_literal([1, 2], FlyteSchema, CTX))
    assert err.kind == "TypeTransformerFailedError"
    assert err.message == "DataFrames of type <class 'list'> are not supported currently"


def test_only_pandas_data_frames_are_written() -> None:
    """A class named DataFrame from another package, or a pandas class of another name, is not a pandas frame."""
    other = type("DataFrame", (), {"__module__": "polars.dataframe.frame"})
    err = error(to_literal(other(), FlyteSchema, CTX))
    assert err.message == f"DataFrames of type {other} are not supported currently"
    err = error(to_literal(pd.Series([1]), FlyteSchema, CTX))
    assert err.message == f"DataFrames of type {pd.Series} are not supported currently"


def test_a_pandas_frame_from_a_pandas_submodule_is_written() -> None:
    """Before pandas 3 ``DataFrame.__module__`` is ``pandas.core.frame``: the package is the first dotted part."""
    old_style = type("DataFrame", (pd.DataFrame,), {"__module__": "pandas.core.frame"})
    converted = to_literal(old_style({"a": [5]}), FlyteSchema, CTX).unwrap()
    (upload,) = converted.uploads
    assert pd.read_parquet(io.BytesIO(upload.data))["a"].tolist() == [5]


def test_a_frame_parquet_cannot_hold_fails_naming_parquet_and_the_cause() -> None:
    frame = pd.DataFrame({"a": [object()]})
    err = error(to_literal(frame, FlyteSchema, CTX))
    assert err.message.startswith("could not write the dataframe as parquet: Arrow")
    assert isinstance(err.__cause__, Exception)


# -- inputs: flytekit's FlyteSchemaTransformer.to_python_value ----------------------------------------------


def schema_literal(uri: str) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.schema.uri = uri
    return lit


def read(lit: literals_pb2.Literal, tp: Any = FlyteSchema) -> Any:
    result = to_python(lit, tp, CTX)
    assert isinstance(result, Success), result
    return result.unwrap()


def test_a_schema_literal_is_a_read_only_schema_of_the_declared_class() -> None:
    tp = FlyteSchema[kwtypes(a=int)]
    value = read(schema_literal("s3://b/in"), tp)
    assert type(value) is tp
    assert value.remote_path == "s3://b/in"
    assert value.supported_mode == SchemaOpenMode.READ
    assert value.local_path == f"/sandbox/{hex_names(1)[0]}"


def test_a_structured_dataset_literal_is_read_by_its_uri() -> None:
    lit = literals_pb2.Literal()
    lit.scalar.structured_dataset.uri = "s3://b/sd"
    assert read(lit).remote_path == "s3://b/sd"


def test_a_dataclass_attribute_in_msgpack_is_read_by_its_remote_path() -> None:
    lit = literals_pb2.Literal()
    lit.scalar.binary.value = msgpack.dumps({"remote_path": "s3://b/x"})
    lit.scalar.binary.tag = "msgpack"
    value = read(lit)
    assert (value.remote_path, value.supported_mode) == ("s3://b/x", SchemaOpenMode.READ)


def test_a_dataclass_attribute_in_a_struct_is_read_by_its_remote_path() -> None:
    lit = literals_pb2.Literal()
    lit.scalar.generic.update({"remote_path": "s3://b/g"})
    assert read(lit).remote_path == "s3://b/g"


@pytest.mark.parametrize("payload", [{"other": 1}, {"remote_path": None}, {"remote_path": 3}, [1]])
def test_a_msgpack_attribute_without_a_string_path_is_flytekits_value_error(payload: Any) -> None:
    """flytekit: ``ValueError("FlyteSchema's path should not be None")`` for a missing path (it crashes on a list, and
    takes a number as a path; we refuse both with its message)."""
    lit = literals_pb2.Literal()
    lit.scalar.binary.value = msgpack.dumps(payload)
    lit.scalar.binary.tag = "msgpack"
    err = error(to_python(lit, FlyteSchema, CTX))
    assert (err.kind, err.message) == ("ValueError", "FlyteSchema's path should not be None")


def test_a_struct_attribute_without_a_path_is_flytekits_value_error() -> None:
    lit = literals_pb2.Literal()
    lit.scalar.generic.CopyFrom(struct_pb2.Struct())
    lit.scalar.generic.update({"x": 1})
    err = error(to_python(lit, FlyteSchema, CTX))
    assert (err.kind, err.message) == ("ValueError", "FlyteSchema's path should not be None")


def test_msgpack_map_keys_must_be_strings_as_in_flytekit() -> None:
    """flytekit unpacks with msgpack's default ``strict_map_key=True``: an int key is a ValueError."""
    lit = literals_pb2.Literal()
    lit.scalar.binary.value = msgpack.dumps({1: 2, "remote_path": "s3://b/x"})
    lit.scalar.binary.tag = "msgpack"
    err = error(to_python(lit, FlyteSchema, CTX))
    assert "int is not allowed for map key" in str(err)


def other_literals() -> list[literals_pb2.Literal]:
    primitive = literals_pb2.Literal()
    primitive.scalar.primitive.integer = 1
    collection = literals_pb2.Literal()
    collection.collection.SetInParent()
    blob = literals_pb2.Literal()
    blob.scalar.blob.uri = "s3://b/file"
    return [primitive, collection, blob, literals_pb2.Literal()]


@pytest.mark.parametrize("lit", other_literals(), ids=["primitive", "collection", "blob", "empty"])
def test_any_other_literal_is_flytekits_assertion(lit: literals_pb2.Literal) -> None:
    err = error(to_python(lit, FlyteSchema, CTX))
    assert (err.kind, err.message) == ("AssertionError", "Can only convert a literal schema to a FlyteSchema")


def test_round_trip_through_the_literal_keeps_the_uri_and_columns() -> None:
    tp = FlyteSchema[kwtypes(t=datetime.datetime, ok=bool)]
    lit = to_literal(tp(local_path="/l", remote_path="s3://b/rt"), tp, CTX).unwrap().value
    assert lit.scalar.schema.type == fs.schema_type(tp)
    value = read(lit, tp)
    assert (type(value), value.remote_path) == (tp, "s3://b/rt")
