"""Column declarations -> ``StructuredDatasetType`` (``core/type_engine/dataframe.py``), against flytekit 1.16.31.

Every expected message below is what flytekit 1.16.31 (``.oracle-venv``) gives for the same annotation
(``TypeEngine.to_literal_type(...)``), written in protobuf text format; the error texts are flytekit's ``ValueError``
messages. No storage, no dataframe values: these are the types only. (No ``from __future__ import annotations``
here: the column classes below must keep real types in their annotations, as a user's module without it does.)
"""


import dataclasses
import datetime
import typing
from typing import Annotated, Any

import pytest
from flyteidl.core import types_pb2
from google.protobuf import text_format
from returns.result import Failure

from flyte_entrypoint.core.type_engine import dataframe
from flyte_entrypoint.core.type_engine.dataframe import dataframe_columns, kwtypes, structured_dataset_type
from flyte_entrypoint.core.type_engine.engine import ConversionError, literal_type_of

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")
pa = pytest.importorskip("pyarrow")


def sdt(text: str) -> types_pb2.LiteralType:
    return text_format.Parse(f"structured_dataset_type {{ {text} }}", types_pb2.LiteralType())


def col(name: str, body: str) -> str:
    return f'columns {{ name: "{name}" literal_type {{ {body} }} }}'


@dataclasses.dataclass
class Inner:
    x: int
    y: str


class ClassColumns:
    a: int
    b: float


def function_columns(a: int, b: str) -> float:
    raise AssertionError


class AnnotatedDict(dict):  # type: ignore[type-arg]
    """A dict whose class has annotations: flytekit reads the annotations, not the items."""

    x: int


FLYTEKIT = {
    "every python scalar": (
        Annotated[
            pd.DataFrame,
            kwtypes(i=int, f=float, b=bool, s=str, dt=datetime.datetime, td=datetime.timedelta),
        ],
        col("i", "simple: INTEGER") + col("f", "simple: FLOAT") + col("b", "simple: BOOLEAN")
        + col("s", "simple: STRING") + col("dt", "simple: DATETIME") + col("td", "simple: DURATION"),
    ),
    "every numpy scalar": (
        Annotated[
            pd.DataFrame,
            kwtypes(i32=np.int32, i64=np.int64, u32=np.uint32, u64=np.uint64, f32=np.float32, f64=np.float64,
                    b=np.bool_, dt=np.datetime64, td=np.timedelta64, by=np.bytes_, st=np.str_, ob=np.object_),
        ],
        col("i32", "simple: INTEGER") + col("i64", "simple: INTEGER") + col("u32", "simple: INTEGER")
        + col("u64", "simple: INTEGER") + col("f32", "simple: FLOAT") + col("f64", "simple: FLOAT")
        + col("b", "simple: BOOLEAN") + col("dt", "simple: DATETIME") + col("td", "simple: DURATION")
        + col("by", "simple: STRING") + col("st", "simple: STRING") + col("ob", "simple: STRING"),
    ),
    "nested dicts, a dataclass, lists and maps": (
        Annotated[
            pd.DataFrame,
            {"a": {"b": int, "c": {"d": str}}, "e": Inner, "l": list[list[int]], "m": dict[str, list[float]]},
        ],
        col("a.b", "simple: INTEGER") + col("a.c.d", "simple: STRING") + col("e.x", "simple: INTEGER")
        + col("e.y", "simple: STRING") + col("l", "collection_type { collection_type { simple: INTEGER } }")
        + col("m", "map_value_type { collection_type { simple: FLOAT } }"),
    ),
    "a class's annotations": (
        Annotated[pd.DataFrame, ClassColumns], col("a", "simple: INTEGER") + col("b", "simple: FLOAT")
    ),
    "a dataclass as the declaration": (
        Annotated[pd.DataFrame, Inner], col("x", "simple: INTEGER") + col("y", "simple: STRING")
    ),
    "a function's annotations": (
        Annotated[pd.DataFrame, function_columns],
        col("a", "simple: INTEGER") + col("b", "simple: STRING") + col("return", "simple: FLOAT"),
    ),
    "a dict subclass with annotations": (Annotated[pd.DataFrame, AnnotatedDict(y=str)], col("x", "simple: INTEGER")),
    "a format": (Annotated[pd.DataFrame, "csv"], 'format: "csv"'),
    "columns and a format": (Annotated[pd.DataFrame, kwtypes(a=int), "parquet"], col("a", "simple: INTEGER") + 'format: "parquet"'),
    "nested Annotated": (
        Annotated[Annotated[pd.DataFrame, kwtypes(a=int)], "csv"], col("a", "simple: INTEGER") + 'format: "csv"'
    ),
    "the last columns win": (Annotated[pd.DataFrame, {"a": int}, {"b": str}], col("b", "simple: STRING")),
    "other metadata is ignored": (Annotated[pd.DataFrame, 3, kwtypes(a=int)], col("a", "simple: INTEGER")),
    "no columns": (Annotated[pd.DataFrame, {}], ""),
    "a bare dataframe": (pd.DataFrame, ""),
    "an arrow schema": (
        Annotated[pd.DataFrame, pa.schema([("a", pa.int64()), ("b", pa.string())])],
        'external_schema_type: "arrow" external_schema_bytes: "a: int64\\nb: string"',
    ),
}


@pytest.mark.parametrize("case", sorted(FLYTEKIT))
def test_the_literal_type_is_flytekits(case: str) -> None:
    tp, expected = FLYTEKIT[case]
    assert literal_type_of(tp).unwrap() == sdt(expected)


@pytest.mark.parametrize(
    ("tp", "message"),
    [
        (Annotated[pd.DataFrame, "csv", "parquet"], "A format was already specified csv, cannot use parquet"),
        (
            Annotated[pd.DataFrame, pa.schema([("a", pa.int64())]), pa.schema([("b", pa.int64())])],
            "Arrow schema was already found a: int64, cannot use b: int64",
        ),
    ],
)
def test_a_format_or_schema_given_twice_is_flytekits_error(tp: Any, message: str) -> None:
    got = literal_type_of(tp)
    assert isinstance(got, Failure) and message in str(got.failure())


@pytest.mark.parametrize(
    "column", [complex, dict, typing.List, np.int8, typing.Optional[int], tuple[int, str], list, "int"]
)
def test_column_types_flytekit_does_not_support_are_refused(column: Any) -> None:
    """flytekit: ``AssertionError: type ... is currently not supported by StructuredDataset`` (``AttributeError``
    for a bare ``typing.List``): no message either way."""
    with pytest.raises(ConversionError, match="is currently not supported by StructuredDataset"):
        structured_dataset_type({"x": column}, "")


def test_the_columns_format_and_schema_come_back_separately() -> None:
    schema = pa.schema([("a", pa.int64())])
    assert dataframe_columns(pd.DataFrame) == (None, "", None)
    assert dataframe_columns(Annotated[pd.DataFrame, schema, "csv", {"a": int}]) == ({"a": int}, "csv", schema)
    assert dataframe_columns(Annotated[pd.DataFrame, kwtypes(b=str)]) == ({"b": str}, "", None)
    columns, _, _ = dataframe_columns(Annotated[pd.DataFrame, kwtypes(b=str)])
    assert type(columns) is dict  # a copy: the annotation's own dict is never handed out


def test_something_named_schema_outside_pyarrow_is_not_a_schema() -> None:
    Schema = type("Schema", (), {"__module__": "mylib"})
    Other = type("Other", (), {"__module__": "pyarrow.lib"})
    assert dataframe_columns(Annotated[pd.DataFrame, Schema(), Other()]) == (None, "", None)


def test_the_message_carries_the_format_and_the_columns_in_order() -> None:
    got = structured_dataset_type({"z": int, "a": {"m": str}}, "parquet")
    assert got == sdt(col("z", "simple: INTEGER") + col("a.m", "simple: STRING") + 'format: "parquet"').structured_dataset_type
    assert structured_dataset_type(None, "") == types_pb2.StructuredDatasetType()


def test_numpy_types_are_recognised_by_name_without_importing_numpy() -> None:
    fake = type("int64", (), {"__module__": "not_numpy"})
    with pytest.raises(ConversionError):
        structured_dataset_type({"x": fake}, "")
    assert "numpy" not in dataframe.__dict__


def test_kwtypes_keeps_the_order_given() -> None:
    assert list(kwtypes(b=int, a=str).items()) == [("b", int), ("a", str)]
