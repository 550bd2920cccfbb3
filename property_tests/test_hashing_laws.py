"""Laws of ``core.hashing.compute_hash_string`` (PROTOCOL §11), and agreement with flytekit's.

The differential test draws literals with hypothesis, then sends all of them to flytekit 1.16.31 (the
oracle venv) in ONE subprocess running ``tests/differential/oracle_hash.py``.
"""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flyteidl.core import literals_pb2 as L
from flyteidl.core import types_pb2 as T
from google.protobuf import json_format, struct_pb2
from google.protobuf.message import Message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flyte_entrypoint.core.hashing import canonical_json, compute_hash, compute_hash_string

ROOT = Path(__file__).resolve().parents[1]
ORACLE_PYTHON = ROOT / ".oracle-venv" / "bin" / "python"
ORACLE_HASH = ROOT / "tests" / "differential" / "oracle_hash.py"

# ------------------------------------------------------------------------------------------ strategies

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
SHORT = st.text("abcXYZ_09é", max_size=6)


@st.composite
def timestamps(draw: st.DrawFn) -> Any:
    from google.protobuf.timestamp_pb2 import Timestamp

    # RFC 3339 range protobuf accepts: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999999Z
    return Timestamp(
        seconds=draw(st.integers(-62135596800, 253402300799)), nanos=draw(st.integers(0, 999_999_999))
    )


@st.composite
def durations(draw: st.DrawFn) -> Any:
    from google.protobuf.duration_pb2 import Duration

    seconds = draw(st.integers(-315576000000, 315576000000))
    nanos = draw(st.integers(0, 999_999_999))
    if seconds < 0 or (seconds == 0 and draw(st.booleans())):
        nanos = -nanos
    return Duration(seconds=seconds, nanos=nanos)


def _prim(**kwargs: Any) -> L.Literal:
    return L.Literal(scalar=L.Scalar(primitive=L.Primitive(**kwargs)))


primitives = st.one_of(
    INT64.map(lambda i: _prim(integer=i)),
    st.floats(allow_nan=False).map(lambda f: _prim(float_value=f)),
    TEXT.map(lambda s: _prim(string_value=s)),
    st.booleans().map(lambda b: _prim(boolean=b)),
    timestamps().map(lambda t: _prim(datetime=t)),
    durations().map(lambda d: _prim(duration=d)),
)

json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False, allow_infinity=False) | TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(SHORT, children, max_size=3),
    max_leaves=8,
)


def _struct(d: dict[str, Any]) -> L.Literal:
    s = struct_pb2.Struct()
    s.update(d)
    return L.Literal(scalar=L.Scalar(generic=s))


other_scalars = st.one_of(
    st.just(L.Literal(scalar=L.Scalar(none_type=L.Void()))),
    st.builds(
        lambda v, t: L.Literal(scalar=L.Scalar(binary=L.Binary(value=v, tag=t))),
        st.binary(max_size=16),
        st.sampled_from(["msgpack", "", "pickle"]),
    ),
    st.builds(
        lambda fmt, dim, uri: L.Literal(
            scalar=L.Scalar(
                blob=L.Blob(metadata=L.BlobMetadata(type=T.BlobType(format=fmt, dimensionality=dim)), uri=uri)
            )
        ),
        st.sampled_from(["", "csv", "parquet"]),
        st.sampled_from(list(T.BlobType.BlobDimensionality.values())),
        TEXT,
    ),
    st.dictionaries(SHORT, json_values, max_size=4).map(_struct),
    st.builds(
        lambda node, msg: L.Literal(scalar=L.Scalar(error=T.Error(failed_node_id=node, message=msg))),
        SHORT,
        TEXT,
    ),
)


def _with_extras(lit: L.Literal, hash_: str, metadata: dict[str, str]) -> L.Literal:
    out = L.Literal()
    out.CopyFrom(lit)
    out.hash = hash_
    out.metadata.update(metadata)
    return out


def _union(lit: L.Literal, simple: int) -> L.Literal:
    return L.Literal(scalar=L.Scalar(union=L.Union(value=lit, type=T.LiteralType(simple=simple))))


def _extend(children: st.SearchStrategy[L.Literal]) -> st.SearchStrategy[L.Literal]:
    return st.one_of(
        st.lists(children, max_size=3).map(lambda xs: L.Literal(collection=L.LiteralCollection(literals=xs))),
        st.dictionaries(SHORT, children, max_size=3).map(lambda d: L.Literal(map=L.LiteralMap(literals=d))),
        st.builds(_union, children, st.sampled_from(list(T.SimpleType.values()))),
        st.builds(_with_extras, children, SHORT, st.dictionaries(SHORT, SHORT, max_size=2)),
    )


literals: st.SearchStrategy[L.Literal] = st.recursive(primitives | other_scalars, _extend, max_leaves=10)
literal_maps = st.dictionaries(SHORT, literals, max_size=4).map(lambda d: L.LiteralMap(literals=d))

# -------------------------------------------------------------------------------------- worked examples

WORKED = [
    (
        _prim(integer=5),
        '{"scalar":{"primitive":{"integer":"5"}}}',
        "cYKTze5b8iG4rY2Y9rldkkylAdyrUs/xjI6KmK97YQU=",
    ),
    (
        _prim(string_value="5"),
        '{"scalar":{"primitive":{"stringValue":"5"}}}',
        "0H7mUeDAOO4flCjz9dRdg4suD+4jq+Ye22O4Irl3KrA=",
    ),
    (
        _prim(integer=0),
        '{"scalar":{"primitive":{"integer":"0"}}}',
        "nPFRT5p7/FDPVoqeE9JlAoRPmICaz09C7j/DyqzyeLk=",
    ),
    (
        _prim(string_value="é"),
        '{"scalar":{"primitive":{"stringValue":"\\u00e9"}}}',
        "kTLJAjdcByzJFq/yOwNlVezU13CEAD2Q4jZ81x1dw3w=",
    ),
    (
        L.LiteralMap(literals={"b": _prim(integer=5), "a": _prim(string_value="5")}),
        '{"literals":{"a":{"scalar":{"primitive":{"stringValue":"5"}}},"b":{"scalar":{"primitive":{"integer":"5"}}}}}',
        "jFCllFwSrUaJ0ysyoXy3d/R1p/X15tT0tW7nhb4j8nU=",
    ),
]


@pytest.mark.parametrize(("message", "canonical", "expected"), WORKED)
def test_worked_examples(message: Message, canonical: str, expected: str) -> None:
    assert canonical_json(message) == canonical
    assert compute_hash_string(message) == expected


def test_other_canonical_forms() -> None:
    binary = L.Literal(scalar=L.Scalar(binary=L.Binary(value=b"\x81\xa1a\x01", tag="msgpack")))
    assert canonical_json(binary) == '{"scalar":{"binary":{"tag":"msgpack","value":"gaFhAQ=="}}}'
    blob = L.Literal(
        scalar=L.Scalar(
            blob=L.Blob(
                metadata=L.BlobMetadata(type=T.BlobType(format="csv", dimensionality=T.BlobType.MULTIPART)),
                uri="s3://b/k",
            )
        )
    )
    assert (
        canonical_json(blob)
        == '{"scalar":{"blob":{"metadata":{"type":{"dimensionality":"MULTIPART","format":"csv"}},"uri":"s3://b/k"}}}'
    )
    assert canonical_json(L.Literal(scalar=L.Scalar(none_type=L.Void()))) == '{"scalar":{"noneType":{}}}'
    assert canonical_json(L.Literal(collection=L.LiteralCollection())) == '{"collection":{}}'
    assert canonical_json(_prim(boolean=False)) == '{"scalar":{"primitive":{"boolean":false}}}'
    assert canonical_json(_prim(float_value=2.0)) == '{"scalar":{"primitive":{"floatValue":2.0}}}'
    assert canonical_json(_prim(float_value=1e20)) == '{"scalar":{"primitive":{"floatValue":1e+20}}}'


def test_unmappable_message_is_a_value_error() -> None:
    from google.protobuf.timestamp_pb2 import Timestamp

    with pytest.raises(ValueError, match="Failed to marshal"):
        compute_hash_string(_prim(datetime=Timestamp(seconds=2**62)))


# ---------------------------------------------------------------------------------------------- laws


@given(literals)
def test_shape_is_base64_of_a_sha256(lit: L.Literal) -> None:
    h = compute_hash_string(lit)
    assert len(h) == 44
    assert base64.b64decode(h, validate=True) == compute_hash(lit)


@given(literals)
def test_deterministic_and_independent_of_the_wire_copy(lit: L.Literal) -> None:
    copy = L.Literal()
    copy.ParseFromString(lit.SerializeToString())
    assert compute_hash_string(lit) == compute_hash_string(lit) == compute_hash_string(copy)


@given(st.lists(st.tuples(SHORT, literals), max_size=5, unique_by=lambda kv: kv[0]), st.randoms())
def test_equal_messages_hash_equal(items: list[tuple[str, L.Literal]], rnd: Any) -> None:
    """Map insertion order is not part of a message's value, so it must not change the hash."""
    shuffled = list(items)
    rnd.shuffle(shuffled)
    a = L.LiteralMap(literals=dict(items))
    b = L.LiteralMap(literals=dict(shuffled))
    assert a == b
    assert compute_hash_string(a) == compute_hash_string(b)


@given(literals)
def test_canonical_json_is_sorted_compact_message_to_dict(lit: L.Literal) -> None:
    text = canonical_json(lit)
    assert json.loads(text) == json_format.MessageToDict(lit)
    assert text == json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))


@given(INT64, INT64)
def test_distinct_integers_hash_apart(a: int, b: int) -> None:
    assert (compute_hash_string(_prim(integer=a)) == compute_hash_string(_prim(integer=b))) == (a == b)


# -------------------------------------------------------------------------------------- differential


def _collect(strategy: st.SearchStrategy[Any], n: int) -> list[Any]:
    found: list[Any] = []

    @settings(max_examples=n, database=None, suppress_health_check=list(HealthCheck), deadline=None)
    @given(strategy)
    def draw(x: Any) -> None:
        found.append(x)

    draw()
    return found


def _oracle_hashes(messages: list[Message]) -> list[Any]:
    if not ORACLE_PYTHON.exists():
        pytest.fail(f"oracle venv missing: {ORACLE_PYTHON} (run scripts/setup-oracle.sh)")
    request = {
        "messages": [
            [type(m).__name__, base64.b64encode(m.SerializeToString()).decode("ascii")] for m in messages
        ]
    }
    proc = subprocess.run(
        [str(ORACLE_PYTHON), str(ORACLE_HASH)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    hashes: list[Any] = json.loads(proc.stdout)["hashes"]
    return hashes


def _ours(message: Message) -> Any:
    try:
        return compute_hash_string(message)
    except ValueError as e:
        return {"error": type(e).__name__}


def test_agrees_with_flytekit_on_generated_literals() -> None:
    from google.protobuf.timestamp_pb2 import Timestamp

    messages: list[Message] = [m for m, _, _ in WORKED]
    messages += _collect(literals, 300)
    messages += _collect(literal_maps, 100)
    messages += [
        _prim(float_value=float("nan")),
        _prim(float_value=float("inf")),
        _prim(float_value=-0.0),
        _prim(datetime=Timestamp(seconds=2**62)),  # both sides: ValueError
    ]
    theirs = _oracle_hashes(messages)
    mismatches: list[tuple[str, Any, Any]] = []
    ours_of: Callable[[Message], Any] = _ours
    for message, expected in zip(messages, theirs, strict=True):
        mine = ours_of(message)
        if mine != expected:
            mismatches.append((str(message)[:300], mine, expected))
    assert not mismatches, mismatches[:5]
