"""Laws of the base type engine (int/float/str/bool/None/datetimes/Enum/List/Dict/Optional/Union).

* round trip: ``to_python(to_literal(v, T), T)`` is ``v`` (datetimes normalized to UTC, NaN == NaN);
* the union literal of a value records the variant it came from, and reading it back never crosses variants;
* ``literal_type_of`` is deterministic and independent of the engine's caches;
* totality: ``to_literal``/``to_python`` return a ``Result`` for any input, they never raise;
* the bulk list/dict codecs (``fastwire``) agree with the element-by-element path, on valid and on arbitrary
  (even adversarial) collections.
"""

from __future__ import annotations

import datetime
import typing
from typing import Any, Dict, List

from flyteidl.core import literals_pb2
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from returns.result import Failure, Result, Success

from flyte_entrypoint.core.type_engine import containers as coll_mod
from flyte_entrypoint.core.type_engine import fastwire, registry
from flyte_entrypoint.core.type_engine.engine import (
    ConversionContext,
    Engine,
    Sink,
    literal_type_of,
    to_literal,
    to_python,
)
from flyte_entrypoint.testing import (
    expected_round_trip,
    primitive_lists,
    same_value,
    types,
    types_and_values,
    values_of,
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(types_and_values())
def test_round_trip_is_identity(case: tuple[Any, Any]) -> None:
    tp, value = case
    lit = to_literal(value, tp)
    assert isinstance(lit, Success), lit
    back = to_python(lit.unwrap().value, tp)
    assert isinstance(back, Success), back
    assert same_value(back.unwrap(), expected_round_trip(value)), (tp, value, back.unwrap())


@SETTINGS
@given(types_and_values())
def test_literal_survives_serialization(case: tuple[Any, Any]) -> None:
    tp, value = case
    lit = to_literal(value, tp).unwrap().value
    parsed = literals_pb2.Literal.FromString(lit.SerializeToString())
    assert parsed == lit
    assert same_value(to_python(parsed, tp).unwrap(), expected_round_trip(value))


@SETTINGS
@given(types())
def test_literal_type_is_deterministic(tp: Any) -> None:
    first = literal_type_of(tp).unwrap()
    again = literal_type_of(tp).unwrap()
    fresh = literal_type_of(tp, Engine(registry._transformers())).unwrap()
    assert first == again == fresh
    assert first.SerializeToString(deterministic=True) == fresh.SerializeToString(deterministic=True)


@st.composite
def _optionals(draw: st.DrawFn) -> tuple[Any, Any]:
    inner = draw(types(max_depth=2).filter(lambda t: t is not type(None)))  # Optional[None] is just None
    tp = typing.Optional[inner]
    return tp, draw(values_of(tp))


@SETTINGS
@given(_optionals())
def test_optional_outputs_are_union_literals(case: tuple[Any, Any]) -> None:
    tp, value = case
    lit = to_literal(value, tp).unwrap().value
    assert lit.WhichOneof("value") == "scalar" and lit.scalar.WhichOneof("value") == "union"
    assert lit.scalar.union.type.structure.tag


def _anything() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(),
        st.binary(),
        st.datetimes(),
        st.dates(),
        st.timedeltas(),
        st.tuples(st.integers()),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.one_of(st.text(), st.integers()), inner, max_size=3)),
        max_leaves=8,
    )


@SETTINGS
@given(types(), _anything())
def test_to_literal_is_total(tp: Any, value: Any) -> None:
    result = to_literal(value, tp)
    assert isinstance(result, (Success, Failure))
    if isinstance(result, Success):
        assert to_python(result.unwrap().value, tp).map(lambda _: True).value_or(False)


def _random_literal() -> st.SearchStrategy[literals_pb2.Literal]:
    def prim(**kw: Any) -> literals_pb2.Literal:
        lit = literals_pb2.Literal()
        for k, v in kw.items():
            setattr(lit.scalar.primitive, k, v)
        return lit

    leaves = st.one_of(
        st.integers(min_value=-(2**63), max_value=2**63 - 1).map(lambda v: prim(integer=v)),
        st.floats().map(lambda v: prim(float_value=v)),
        st.text().map(lambda v: prim(string_value=v)),
        st.booleans().map(lambda v: prim(boolean=v)),
        st.just(literals_pb2.Literal()),
        st.datetimes().map(lambda d: _with(literals_pb2.Literal(), lambda lit: lit.scalar.primitive.datetime.FromDatetime(d))),
        st.just(_with(literals_pb2.Literal(), lambda lit: lit.scalar.none_type.SetInParent())),
    )

    def extend(inner: st.SearchStrategy[literals_pb2.Literal]) -> st.SearchStrategy[literals_pb2.Literal]:
        def coll(items: List[literals_pb2.Literal]) -> literals_pb2.Literal:
            lit = literals_pb2.Literal()
            lit.collection.SetInParent()
            lit.collection.literals.extend(items)
            return lit

        def union(item: literals_pb2.Literal, tag: str) -> literals_pb2.Literal:
            lit = literals_pb2.Literal()
            lit.scalar.union.value.CopyFrom(item)
            lit.scalar.union.type.structure.tag = tag
            return lit

        def hashed(item: literals_pb2.Literal, h: str) -> literals_pb2.Literal:
            lit = literals_pb2.Literal()
            lit.CopyFrom(item)
            lit.hash = h
            return lit

        return st.one_of(
            st.lists(inner, min_size=1, max_size=4).map(coll),
            st.just(coll([])),
            st.builds(union, inner, st.sampled_from(["int", "str", ""])),
            st.builds(hashed, inner, st.text(max_size=3)),
        )

    return st.recursive(leaves, extend, max_leaves=6)


def _with(lit: literals_pb2.Literal, fn: Any) -> literals_pb2.Literal:
    fn(lit)
    return lit


@SETTINGS
@given(types(), _random_literal())
def test_to_python_is_total(tp: Any, lit: literals_pb2.Literal) -> None:
    assert isinstance(to_python(lit, tp), (Success, Failure))


# -- the bulk codecs against the element-by-element path ----------------------------------------------------

_KIND = {int: "integer", float: "float_value", str: "string_value", bool: "boolean"}


def _slow_collection(values: List[Any], kind: str) -> literals_pb2.Literal:
    elem = {v: k for k, v in _KIND.items()}[kind]
    r = registry.ENGINE.resolve(elem)
    lit = literals_pb2.Literal()
    lit.collection.SetInParent()
    coll_mod._add_primitives(values, kind, lit.collection, r, registry.ENGINE, Sink(ConversionContext()))
    return lit


def _slow_read(lit: literals_pb2.Literal, elem: Any) -> Result[Any, Any]:
    engine = registry.ENGINE
    r = engine.resolve(elem)
    try:
        return Success(coll_mod._read_primitives(lit.collection.literals, _KIND[elem], r, engine, Sink(ConversionContext())))
    except Exception as exc:
        return Failure(exc)


@SETTINGS
@given(primitive_lists())
def test_bulk_list_codec_matches_per_element(case: tuple[Any, List[Any]]) -> None:
    elem, values = case
    kind = _KIND[elem]
    slow = _slow_collection(values, kind)
    data = fastwire.encode_collection(values, kind)
    if values:
        assert data == slow.collection.SerializeToString()
    decoded = fastwire.decode_collection(slow.collection.SerializeToString(), len(values), kind)
    if values:
        assert decoded is not None and same_value(decoded, values)
    assert same_value(to_python(to_literal(values, List[elem]).unwrap().value, List[elem]).unwrap(), values)


@SETTINGS
@given(primitive_lists())
def test_bulk_dict_codec_matches_per_element(case: tuple[Any, List[Any]]) -> None:
    elem, values = case
    kind = _KIND[elem]
    value = {f"k{i}": v for i, v in enumerate(values)}
    data = fastwire.encode_map(value, kind)
    slow = literals_pb2.LiteralMap()
    for k, v in value.items():
        setattr(slow.literals[k].scalar.primitive, kind, v)
    if values:
        assert data is not None
        assert literals_pb2.LiteralMap.FromString(data) == slow
        decoded = fastwire.decode_map(slow.SerializeToString(), len(values), kind)
        assert decoded is not None and same_value(decoded, value)
    tp = Dict[str, elem]  # type: ignore[valid-type]
    assert same_value(to_python(to_literal(value, tp).unwrap().value, tp).unwrap(), value)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_random_literal(), min_size=1, max_size=40), st.sampled_from([int, float, str, bool]))
def test_bulk_decoder_never_disagrees(items: List[literals_pb2.Literal], elem: Any) -> None:
    lit = literals_pb2.Literal()
    lit.collection.literals.extend(items)
    decoded = fastwire.decode_collection(lit.collection.SerializeToString(), len(items), _KIND[elem])
    slow = _slow_read(lit, elem)
    if decoded is not None:
        assert isinstance(slow, Success) and same_value(decoded, slow.unwrap())
    whole = to_python(lit, List[elem])
    assert isinstance(whole, Success) == isinstance(slow, Success)
    if isinstance(slow, Success):
        assert same_value(whole.unwrap(), slow.unwrap())


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(primitive_lists(max_size=40), st.data())
def test_bulk_decoder_on_corrupted_bytes(case: tuple[Any, List[Any]], data: st.DataObject) -> None:
    elem, values = case
    assume(values)
    raw = bytearray(_slow_collection(values, _KIND[elem]).collection.SerializeToString())
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        pos = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
        raw[pos] = data.draw(st.integers(min_value=0, max_value=255))
    coll = literals_pb2.LiteralCollection()
    try:
        coll.ParseFromString(bytes(raw))
    except Exception:
        return
    lit = literals_pb2.Literal()
    lit.collection.CopyFrom(coll)
    n = len(coll.literals)
    for other in (int, float, str, bool):
        decoded = fastwire.decode_collection(coll.SerializeToString(), n, _KIND[other])
        if decoded is not None:
            slow = _slow_read(lit, other)
            assert isinstance(slow, Success) and same_value(decoded, slow.unwrap())


@SETTINGS
@given(st.sampled_from([datetime.datetime, datetime.date, datetime.timedelta]), st.data())
def test_time_values_round_trip_inside_lists(tp: Any, data: st.DataObject) -> None:
    values = data.draw(st.lists(values_of(tp), max_size=5))
    lt = List[tp]  # type: ignore[valid-type]
    back = to_python(to_literal(values, lt).unwrap().value, lt).unwrap()
    assert same_value(back, expected_round_trip(values))
