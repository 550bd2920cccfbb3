"""Laws of the pure parts behind ``flyte-entrypoint`` (``core/literal_view.py``, ``core/json_values.py``,
``core/outcome_diff.py``), over the type engine's own hypothesis strategies.

* the view of every literal is JSON (``allow_nan=False``), and so is its protobuf view where protobuf's
  JSON can hold the message at all (else a Failure that says so);
* ``detect`` finds a LiteralMap in every serialized map of one input, and a Literal in every serialized
  literal (by content, with no name hint);
* JSON round trip: for every type whose union variants JSON can tell apart, the value read back from a
  literal, written as JSON, parsed and read through the type again gives the *same literal bytes*;
* ``diff_values(a, a) == []``, and a changed leaf is reported once, at its path.
"""

from __future__ import annotations

import datetime
import enum
import json
import math
import typing
from typing import Any

from flyteidl.core import literals_pb2
from hypothesis import assume, given
from hypothesis import strategies as st
from returns.result import Success

from flyte_entrypoint.core import literal_view as lv
from flyte_entrypoint.core.json_values import from_json, to_json
from flyte_entrypoint.core.outcome_diff import diff_values
from flyte_entrypoint.core.type_engine.engine import to_literal, to_python
from flyte_entrypoint.testing import types_and_values


def _literal(tp: Any, value: Any) -> literals_pb2.Literal:
    result = to_literal(value, tp)
    assert isinstance(result, Success), result
    return result.unwrap().value


def _one_nan(value: Any) -> Any:
    """``value`` with every NaN the plain ``math.nan`` (JSON's ``"nan"`` carries no sign or payload bits)."""
    if isinstance(value, float) and math.isnan(value):
        return math.nan
    if isinstance(value, list):
        return [_one_nan(v) for v in value]
    if isinstance(value, dict):
        return {k: _one_nan(v) for k, v in value.items()}
    return value


def _json_kinds(tp: Any) -> set[str]:
    if tp is type(None) or tp is None:
        return {"null"}
    if tp is bool:
        return {"bool"}
    if tp is int:
        return {"int"}
    if tp is float:
        return {"float", "string"}  # non-finite floats are strings
    if tp in (str, datetime.datetime, datetime.date) or (isinstance(tp, type) and issubclass(tp, enum.Enum)):
        return {"string"}
    if tp is datetime.timedelta:
        return {"string", "int", "float"}
    origin = typing.get_origin(tp)
    if origin is list:
        return {"array"}
    if origin is dict:
        return {"object"}
    if origin is typing.Union:
        return set().union(*(_json_kinds(v) for v in typing.get_args(tp)))
    return {"other"}


def _json_ambiguous(tp: Any) -> bool:
    """A union with two variants that the same JSON value could stand for (JSON cannot say which)."""
    args = typing.get_args(tp)
    if typing.get_origin(tp) is typing.Union:
        seen: set[str] = set()
        for variant in args:
            kinds = _json_kinds(variant)
            if kinds & seen:
                return True
            seen |= kinds
    return any(_json_ambiguous(a) for a in args)


@given(types_and_values())
def test_the_view_of_every_literal_is_json(case: tuple[Any, Any]) -> None:
    tp, value = case
    literal = _literal(tp, value)
    json.dumps(lv.literal_view(literal), allow_nan=False)
    proto = lv.proto_view(literal)
    if isinstance(proto, Success):
        json.dumps(proto.unwrap(), allow_nan=False)
    else:
        assert "cannot represent" in proto.failure()


@given(types_and_values(), st.sampled_from(["x", "o0", "my_input"]))
def test_detect_finds_maps_and_literals_by_content(case: tuple[Any, Any], name: str) -> None:
    tp, value = case
    literal = _literal(tp, value)
    literal_map = literals_pb2.LiteralMap()
    literal_map.literals[name].CopyFrom(literal)
    found = lv.detect(literal_map.SerializeToString(deterministic=True))
    assert isinstance(found, Success) and found.unwrap().kind == lv.KIND_LITERAL_MAP
    found = lv.detect(literal.SerializeToString(deterministic=True))
    assert isinstance(found, Success) and found.unwrap().kind == lv.KIND_LITERAL, found


@given(types_and_values())
def test_json_round_trip_gives_the_same_literal(case: tuple[Any, Any]) -> None:
    tp, value = case
    assume(not _json_ambiguous(tp))
    literal = _literal(tp, value)
    read = to_python(literal, tp)
    assert isinstance(read, Success), read
    text = json.dumps(to_json(read.unwrap()), allow_nan=False)
    parsed = from_json(json.loads(text), tp)
    assert isinstance(parsed, Success), (text, parsed)
    again = _literal(tp, parsed.unwrap())
    expected = _literal(tp, _one_nan(value))
    assert again.SerializeToString(deterministic=True) == expected.SerializeToString(deterministic=True)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=10,
)


@given(_json)
def test_a_value_does_not_differ_from_itself(value: Any) -> None:
    assert diff_values(value, value) == []


@given(st.dictionaries(st.text(min_size=1, max_size=3), st.integers(), min_size=1))
def test_a_changed_leaf_is_reported_once_at_its_path(value: dict[str, int]) -> None:
    key = sorted(value)[0]
    changed = {**value, key: value[key] + 1}
    assert diff_values({"outputs": value}, {"outputs": changed}) == [
        {"path": f"outputs.{key}", "recorded": value[key], "replayed": value[key] + 1, "what": "changed"}
    ]
