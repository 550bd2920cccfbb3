"""Laws of the legacy ``FlyteSchema`` transformer (core/type_engine/flyte_schema.py), over random column sets.

* **Columns in order.** The literal type of ``FlyteSchema[kwtypes(**cols)]`` lists exactly ``cols``' names in
  declaration order, each with flytekit 1.16's column type for its python type.
* **Round trip.** A schema returned as an output and read back as an input is a read-only schema of the same class at
  the same URI; the literal's schema type is the declared one.
* **Deterministic.** The same value and seed plan the same literal and uploads.
* **Total.** Any literal converts to a schema or fails as a ``ConversionError`` (never an escaping exception).
"""

from __future__ import annotations

import datetime
from typing import Any

from flyteidl.core import literals_pb2, types_pb2
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Failure, Success

from flyte_entrypoint.core.type_engine.dataframe import kwtypes
from flyte_entrypoint.core.type_engine.engine import (
    ConversionContext,
    ConversionError,
    literal_type_of,
    to_literal,
    to_python,
)
from flyte_entrypoint.flyte_schema import FlyteSchema, SchemaOpenMode

_COL = types_pb2.SchemaType.SchemaColumn
# flytekit 1.16.31's FlyteSchemaTransformer._SUPPORTED_TYPES (python part)
FLYTEKIT_COLUMNS = {
    int: _COL.INTEGER,
    float: _COL.FLOAT,
    bool: _COL.BOOLEAN,
    str: _COL.STRING,
    datetime.datetime: _COL.DATETIME,
    datetime.timedelta: _COL.DURATION,
}

names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=6)
columns = st.dictionaries(names, st.sampled_from(list(FLYTEKIT_COLUMNS)), min_size=1, max_size=5)
uris = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789/", min_size=1, max_size=20).map(lambda p: "s3://b/" + p)
seeds = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)


@given(columns)
@settings(max_examples=60, deadline=None)
def test_columns_are_declared_in_order_with_flytekits_types(cols: dict[str, type]) -> None:
    lt = literal_type_of(FlyteSchema[kwtypes(**cols)]).unwrap()
    assert [(c.name, c.type) for c in lt.schema.columns] == [(n, FLYTEKIT_COLUMNS[t]) for n, t in cols.items()]


@given(columns, uris, seeds)
@settings(max_examples=60, deadline=None)
def test_an_output_schema_reads_back_at_its_uri(cols: dict[str, type], uri: str, seed: str) -> None:
    tp = FlyteSchema[kwtypes(**cols)]
    ctx = ConversionContext(raw_output_prefix="s3://b/raw", local_sandbox="/sandbox", name_seed=seed)
    value = tp(local_path="/local/schema", remote_path=uri)
    first = to_literal(value, tp, ctx).unwrap()
    assert to_literal(value, tp, ctx).unwrap() == first
    assert first.value.scalar.schema.type == literal_type_of(tp).unwrap().schema
    back = to_python(first.value, tp, ctx).unwrap()
    assert (type(back), back.remote_path, back.supported_mode) == (tp, uri, SchemaOpenMode.READ)


@given(st.binary(max_size=40))
@settings(max_examples=100, deadline=None)
def test_any_literal_converts_or_fails_as_a_conversion_error(data: bytes) -> None:
    try:
        lit = literals_pb2.Literal.FromString(data)
    except Exception:
        lit = literals_pb2.Literal()
        lit.scalar.binary.value = data
    result: Any = to_python(lit, FlyteSchema, ConversionContext())
    if isinstance(result, Failure):
        assert isinstance(result.failure(), ConversionError)
    else:
        assert isinstance(result, Success)
        assert isinstance(result.unwrap(), FlyteSchema)
