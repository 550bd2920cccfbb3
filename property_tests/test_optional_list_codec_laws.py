"""Laws of the bulk codec for ``List[Optional[int]]`` (``fastwire.encode_optional_ints`` / ``decode_optional_ints``).

Every element is a union literal (PROTOCOL.md 10.2). The codec must write exactly the bytes the engine writes
element by element (which the differential tests tie to flytekit's), read back what the per-element path reads,
and decline (None) anything that is not that canonical shape, so the per-element path answers instead.
"""

from __future__ import annotations

from typing import Any, List, Optional

from flyteidl.core import literals_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flyte_entrypoint.core.type_engine import fastwire, registry
from flyte_entrypoint.core.type_engine.engine import ConversionContext, Sink, to_literal, to_python

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
OPT = Optional[int]
values = st.lists(st.one_of(st.none(), st.integers(min_value=-(2**63), max_value=2**63 - 1)), max_size=50)


def _per_element(vals: list[Any]) -> literals_pb2.LiteralCollection:
    coll = literals_pb2.LiteralCollection()
    sink = Sink(ConversionContext())
    for v in vals:
        coll.literals.append(registry.ENGINE.to_literal(v, OPT, sink))
    return coll


@SETTINGS
@given(values)
def test_encode_is_the_per_element_serialization(vals: list[Any]) -> None:
    data = fastwire.encode_optional_ints(vals)
    if not vals:
        assert data is None
        return
    assert data == _per_element(vals).SerializeToString()


@SETTINGS
@given(values)
def test_decode_reads_what_the_per_element_path_reads(vals: list[Any]) -> None:
    coll = _per_element(vals)
    decoded = fastwire.decode_optional_ints(coll.SerializeToString(), len(vals))
    if not vals:
        assert decoded is None
        return
    assert decoded == vals and [type(v) for v in decoded] == [type(v) for v in vals]
    lit = literals_pb2.Literal()
    lit.collection.CopyFrom(coll)
    assert to_python(lit, List[OPT]).unwrap() == vals


@SETTINGS
@given(values)
def test_engine_round_trip(vals: list[Any]) -> None:
    lit = to_literal(vals, List[OPT]).unwrap().value
    assert lit.collection.SerializeToString() == _per_element(vals).SerializeToString()
    assert to_python(lit, List[OPT]).unwrap() == vals


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values.filter(bool), st.data())
def test_decode_on_corrupted_bytes(vals: list[Any], data: st.DataObject) -> None:
    raw = bytearray(_per_element(vals).SerializeToString())
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        raw[data.draw(st.integers(min_value=0, max_value=len(raw) - 1))] = data.draw(st.integers(0, 255))
    try:
        coll = literals_pb2.LiteralCollection.FromString(bytes(raw))
    except Exception:
        return
    decoded = fastwire.decode_optional_ints(coll.SerializeToString(), len(coll.literals))
    if decoded is None:
        return
    lit = literals_pb2.Literal()
    lit.collection.CopyFrom(coll)
    sink = Sink(ConversionContext())
    slow = [registry.ENGINE.to_python(item, OPT, sink) for item in coll.literals]
    assert decoded == slow and [type(v) for v in decoded] == [type(v) for v in slow]


def test_declines_bools_and_other_types() -> None:
    assert fastwire.encode_optional_ints([1] * 20 + [True]) is None
    assert fastwire.encode_optional_ints([1] * 20 + [1.5]) is None
    assert fastwire.encode_optional_ints([1] * 20 + [2**64]) is None
