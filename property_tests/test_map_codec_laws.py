"""Laws of the bulk map codec (``fastwire.encode_map`` / ``decode_map``) for ``Dict[str, float|str|int|bool]``.

The generic path builds a protobuf map entry by entry (``literals[k].scalar.primitive.<kind> = v``); the
codec works on the wire bytes.  The laws tie the two together on hypothesis-generated maps (unicode keys,
long keys and values, NaN/inf/-0.0, empty and one-entry maps):

* encoding: ``encode_map(d)`` parses to the generic ``LiteralMap`` and serializes (deterministically, as
  ``outputs.pb`` is written) to the same bytes, with its entries in code point order of the keys; or it is
  None for what it declines; with ``prefix_free=True`` it is exactly that deterministic serialization when no
  key is a proper prefix of another, and None otherwise;
* float/bool maps with ASCII keys of one length are written and read by the strided path itself;
* decoding: ``decode_map`` of the generic map's bytes, in protobuf's own (hash) order or in key order, is
  the dict the generic path reads;
* through the engine: ``to_literal`` of a dict is the generic literal, and ``to_python`` gives it back.
"""

from __future__ import annotations

from typing import Any, Dict

from flyteidl.core import literals_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flyte_entrypoint.core.type_engine import fastwire
from flyte_entrypoint.core.type_engine.engine import to_literal, to_python
from flyte_entrypoint.testing import same_value

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_KIND = {float: "float_value", str: "string_value", int: "integer", bool: "boolean"}

_keys = st.one_of(
    st.text(max_size=12), st.text(min_size=120, max_size=140), st.from_regex(r"key-[0-9]{7}", fullmatch=True)
)
_values: dict[type, st.SearchStrategy[Any]] = {
    float: st.one_of(
        st.floats(), st.sampled_from([float("nan"), float("inf"), float("-inf"), -0.0, 0.0, 5e-324])
    ),
    str: st.one_of(st.text(max_size=20), st.text(min_size=130, max_size=150)),
    int: st.integers(min_value=-(2**63), max_value=2**63 - 1),
    bool: st.booleans(),
}


@st.composite
def maps(draw: st.DrawFn, min_size: int = 0) -> tuple[type, dict[str, Any]]:
    elem = draw(st.sampled_from([float, str, int, bool]))
    value = draw(st.dictionaries(_keys, _values[elem], min_size=min_size, max_size=60))
    return elem, value


def _generic(value: dict[str, Any], kind: str) -> literals_pb2.LiteralMap:
    lm = literals_pb2.LiteralMap()
    for k, v in value.items():
        setattr(lm.literals[k].scalar.primitive, kind, v)
    return lm


@SETTINGS
@given(maps())
def test_encode_is_the_deterministic_serialization(case: tuple[type, dict[str, Any]]) -> None:
    elem, value = case
    data = fastwire.encode_map(value, _KIND[elem])
    if not value:
        assert data is None  # nothing to gain: the caller writes an empty map itself
        return
    parsed = literals_pb2.LiteralMap.FromString(data)
    assert parsed.SerializeToString(deterministic=True) == _generic(value, _KIND[elem]).SerializeToString(
        deterministic=True
    )
    assert _keys_in_wire_order(data) == sorted(value)
    spliceable = fastwire.encode_map(value, _KIND[elem], prefix_free=True)
    prefix_free = not any(a != b and b.startswith(a) for a in value for b in value)
    assert spliceable == (generic_bytes(value, _KIND[elem]) if prefix_free else None)


def generic_bytes(value: dict[str, Any], kind: str) -> bytes:
    return _generic(value, kind).SerializeToString(deterministic=True)


def _keys_in_wire_order(data: bytes) -> list[str]:
    out: list[str] = []
    pos = 0
    while pos < len(data):
        size, pos = _varint_at(data, pos + 1)
        entry = data[pos : pos + size]
        key_len, start = _varint_at(entry, 1)
        out.append(entry[start : start + key_len].decode())
        pos += size
    return out


def _varint_at(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if byte < 0x80:
            return value, pos
        shift += 7


@SETTINGS
@given(maps(min_size=1))
def test_decode_reads_what_the_generic_path_reads(case: tuple[type, dict[str, Any]]) -> None:
    elem, value = case
    generic = _generic(value, _KIND[elem])
    for data in (generic.SerializeToString(), generic.SerializeToString(deterministic=True)):
        decoded = fastwire.decode_map(data, len(value), _KIND[elem])
        assert decoded is not None
        assert same_value(decoded, value)
        assert all(type(v) is elem for v in decoded.values())


@SETTINGS
@given(maps())
def test_engine_round_trip_through_the_codec(case: tuple[type, dict[str, Any]]) -> None:
    elem, value = case
    tp = Dict[str, elem]  # type: ignore[valid-type]
    literal = to_literal(value, tp).unwrap().value
    assert literal.WhichOneof("value") == "map"
    assert literal.map.SerializeToString(deterministic=True) == _generic(
        value, _KIND[elem]
    ).SerializeToString(deterministic=True)
    assert same_value(to_python(literal, tp).unwrap(), value)


@SETTINGS
@given(maps(min_size=1), st.data())
def test_decode_declines_or_agrees_on_other_kinds(
    case: tuple[type, dict[str, Any]], data: st.DataObject
) -> None:
    """A map of one kind read as another: the codec declines (the per-element path then reports the error)."""
    elem, value = case
    other = data.draw(st.sampled_from([t for t in _KIND if t is not elem]))
    decoded = fastwire.decode_map(_generic(value, _KIND[elem]).SerializeToString(), len(value), _KIND[other])
    assert decoded is None


@st.composite
def uniform_maps(draw: st.DrawFn) -> tuple[type, dict[str, Any]]:
    """Float/bool maps whose keys all have one length: the strided path (ASCII) or its refusal (non-ASCII)."""
    elem = draw(st.sampled_from([float, bool]))
    length = draw(st.integers(min_value=1, max_value=40))
    alphabet = draw(
        st.sampled_from(
            [st.characters(min_codepoint=0, max_codepoint=127), st.characters(blacklist_categories=["Cs"])]
        )
    )
    keys = st.text(alphabet=alphabet, min_size=length, max_size=length)
    value = draw(st.dictionaries(keys, _values[elem], min_size=1, max_size=60))
    return elem, value


@SETTINGS
@given(uniform_maps())
def test_uniform_maps_agree_with_the_generic_path(case: tuple[type, dict[str, Any]]) -> None:
    elem, value = case
    kind = _KIND[elem]
    generic = _generic(value, kind)
    data = fastwire.encode_map(value, kind)
    assert data is not None
    assert data == generic.SerializeToString(deterministic=True)  # equal-length keys: no prefix ties
    for wire in (generic.SerializeToString(), data):
        decoded = fastwire.decode_map(wire, len(value), kind)
        assert decoded is not None and same_value(decoded, value)
    if "".join(value).isascii():  # the strided path itself answers, both ways
        keys = sorted(value)
        assert fastwire._encode_uniform_map(keys, [value[k] for k in keys], kind) == data
        assert fastwire._decode_uniform_map(data, len(value), kind) is not None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(uniform_maps(), st.data())
def test_decoders_on_corrupted_map_bytes(case: tuple[type, dict[str, Any]], data: st.DataObject) -> None:
    """Flip bytes of a map's wire form: whatever protobuf still parses, the codec reads the same or declines."""
    elem, value = case
    raw = bytearray(_generic(value, _KIND[elem]).SerializeToString(deterministic=True))
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        raw[data.draw(st.integers(min_value=0, max_value=len(raw) - 1))] = data.draw(st.integers(0, 255))
    try:
        parsed = literals_pb2.LiteralMap.FromString(bytes(raw))
    except Exception:
        return
    for other in (float, bool, str, int):
        decoded = fastwire.decode_map(bytes(raw), len(parsed.literals), _KIND[other])
        if decoded is None:
            continue
        assert set(decoded) == set(parsed.literals)
        for k, lit in parsed.literals.items():
            assert lit.scalar.primitive.WhichOneof("value") == _KIND[other]
            assert same_value(decoded[k], getattr(lit.scalar.primitive, _KIND[other]))
