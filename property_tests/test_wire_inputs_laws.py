"""Laws of the wire path for big inputs and outputs (``literal_maps.decode_big_inputs`` / ``outputs_to_wire_literals``).

The run machine reads big bulk-codec inputs straight from the ``inputs.pb`` bytes and writes big bulk-codec
outputs straight into ``outputs.pb``, instead of going through a parsed ``LiteralMap``.  The laws: on
hypothesis-generated input maps (every bulk type, other variables, undeclared names, offloaded literals,
literals with a hash or metadata, unknown fields, repeated keys, truncated bytes) the wire path gives exactly
what the parsed path gives -- the same keyword arguments or the same error, the same offloaded URIs to fetch,
the same parse failure -- and on generated return values the same ``outputs.pb`` bytes (and offloaded files)
or the same error.  The size thresholds are lowered to 0 here so that small generated values take the path.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Dict, List, Optional, Tuple
from unittest import mock

from flyteidl.core import literals_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from returns.result import Failure

from flyte_entrypoint.core import literal_maps
from flyte_entrypoint.core.literal_maps import (
    OffloadPolicy,
    decode_big_inputs,
    inputs_to_python,
    offload_outputs,
    offloaded_uris,
    outputs_to_literals,
    outputs_to_wire_literals,
)
from flyte_entrypoint.core.task import make_task
from flyte_entrypoint.core.type_engine.engine import ConversionContext
from flyte_entrypoint.testing import same_value

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CTX = ConversionContext()


def _inputs_fn(
    xs: List[int],
    fs: List[float],
    ss: List[str],
    bs: List[bool],
    os_: List[Optional[int]],
    df: Dict[str, float],
    ds: Dict[str, str],
    di: Dict[str, int],
    n: int = 0,
) -> int:
    return n


TASK = make_task(_inputs_fn)

_int64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
_ELEMENTS: dict[str, st.SearchStrategy[Any]] = {
    "integer": _int64,
    "float_value": st.floats(),
    "string_value": st.text(max_size=8),
    "boolean": st.booleans(),
}
_LIST_KIND = {"xs": "integer", "fs": "float_value", "ss": "string_value", "bs": "boolean"}
_DICT_KIND = {"df": "float_value", "ds": "string_value", "di": "integer"}
_UNKNOWN = b"\x78\x01"  # field 15, varint 1: a field no Literal/LiteralMap message has


def _primitive(target: literals_pb2.Literal, kind: str, value: Any) -> None:
    setattr(target.scalar.primitive, kind, value)


def _optional_int(target: literals_pb2.Literal, value: int | None) -> None:
    """An ``Optional[int]`` element as flytekit writes it: a union literal with the variant's type and tag."""
    union = target.scalar.union
    if value is None:
        union.value.scalar.none_type.SetInParent()
        union.type.simple = 0
        union.type.structure.tag = "none"
    else:
        union.value.scalar.primitive.integer = value
        union.type.simple = 1
        union.type.structure.tag = "int"


@st.composite
def _literal_for(draw: st.DrawFn, name: str) -> bytes:
    """The serialized literal of one input: mostly the canonical layout, sometimes something else."""
    lit = literals_pb2.Literal()
    shape = draw(st.sampled_from(["canonical"] * 6 + ["hash", "metadata", "offloaded", "scalar", "mixed"]))
    if shape == "offloaded":
        lit.offloaded_metadata.uri = f"s3://bucket/{name}.pb"
        lit.offloaded_metadata.size_bytes = 10
        return lit.SerializeToString()
    if shape == "scalar":
        lit.scalar.primitive.integer = draw(_int64)
        return lit.SerializeToString()
    if name in _LIST_KIND or name == "os_":
        lit.collection.SetInParent()
        size = draw(st.integers(min_value=0, max_value=30))
        for _ in range(size):
            elem = lit.collection.literals.add()
            if name == "os_":
                _optional_int(elem, draw(st.one_of(st.none(), _int64)))
            else:
                _primitive(elem, _LIST_KIND[name], draw(_ELEMENTS[_LIST_KIND[name]]))
        if shape == "mixed" and size:
            lit.collection.literals[-1].scalar.primitive.string_value = "odd one"
    elif name in _DICT_KIND:
        lit.map.SetInParent()
        keys = draw(st.lists(st.text(max_size=6), max_size=30, unique=True))
        for key in keys:
            _primitive(lit.map.literals[key], _DICT_KIND[name], draw(_ELEMENTS[_DICT_KIND[name]]))
        if shape == "mixed" and keys:
            lit.map.literals[keys[0]].scalar.primitive.boolean = True
    else:
        lit.scalar.primitive.integer = draw(_int64)
    if shape == "hash":
        lit.hash = "abc"
    if shape == "metadata":
        lit.metadata["k"] = "v"
    data = lit.SerializeToString(deterministic=True)
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        data += _UNKNOWN
    return data


def _entry(key: str, value: bytes) -> bytes:
    entry = literals_pb2.LiteralMap()
    entry.literals[key].MergeFromString(value)
    return entry.SerializeToString()


@st.composite
def input_maps(draw: st.DrawFn) -> bytes:
    """A serialized inputs map: some declared inputs, maybe undeclared ones, repeats, unknown fields, damage."""
    declared = [v.name for v in TASK.interface.inputs]
    names = draw(st.lists(st.sampled_from(declared), unique=True))
    if draw(st.booleans()):
        names.append(draw(st.sampled_from(["extra", "xs_", ""])))
    pieces = [_entry(name, draw(_literal_for(name if name in declared else "n"))) for name in names]
    if pieces and draw(st.integers(min_value=0, max_value=9)) == 0:
        pieces.append(pieces[0])  # a repeated key: protobuf keeps the last
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        pieces.insert(draw(st.integers(min_value=0, max_value=len(pieces))), _UNKNOWN)
    data = b"".join(draw(st.permutations(pieces)))
    if data and draw(st.integers(min_value=0, max_value=14)) == 0:
        data = data[: draw(st.integers(min_value=0, max_value=len(data) - 1))]  # a torn download
    return data


@contextmanager
def _thresholds_zero() -> Iterator[None]:
    with mock.patch.object(literal_maps, "WIRE_MIN_BYTES", 0), mock.patch.object(literal_maps, "WIRE_MIN_ITEMS", 0):
        yield


def _outcome(result: Any) -> tuple[str, Any]:
    if isinstance(result, Failure):
        return "error", f"{type(result.failure()).__name__}: {result.failure()}"
    return "ok", result.unwrap()


def _same_outcome(a: tuple[str, Any], b: tuple[str, Any]) -> bool:
    if a[0] != b[0]:
        return False
    return a[1] == b[1] if a[0] == "error" else same_value(a[1], b[1])


def _parse(data: bytes) -> tuple[literals_pb2.LiteralMap | None, str | None]:
    try:
        return literals_pb2.LiteralMap.FromString(data), None
    except Exception as exc:
        return None, type(exc).__name__


@SETTINGS
@given(input_maps())
def test_inputs_from_the_wire_are_the_parsed_inputs(data: bytes) -> None:
    parsed, parse_error = _parse(data)
    with _thresholds_zero():
        split = decode_big_inputs(TASK, data)
    if split is None:
        return  # the run parses everything, as before
    rest, decoded = split
    rest_map, rest_error = _parse(rest)
    assert rest_error == parse_error  # a damaged map fails the same way, in the same phase
    if parsed is None or rest_map is None:
        return
    assert sorted(offloaded_uris(rest_map)) == sorted(offloaded_uris(parsed))  # map order is hash order
    assert set(decoded).isdisjoint(rest_map.literals)
    whole = _outcome(inputs_to_python(TASK, parsed, None, CTX))
    wire = _outcome(inputs_to_python(TASK, rest_map, None, CTX, decoded))
    assert _same_outcome(wire, whole), (wire, whole)


def test_a_big_list_is_taken_from_the_wire_with_the_other_inputs_parsed() -> None:
    """At the real threshold: a 20,000-int list (~200 KB) is decoded from the bytes, ``n`` stays a literal."""
    lm = literals_pb2.LiteralMap()
    for i in range(20_000):
        lm.literals["xs"].collection.literals.add().scalar.primitive.integer = i * 7 - 30_000
    lm.literals["n"].scalar.primitive.integer = 5
    data = lm.SerializeToString(deterministic=True)
    split = decode_big_inputs(TASK, data)
    assert split is not None
    rest, decoded = split
    assert list(decoded) == ["xs"]
    assert decoded["xs"] == [i * 7 - 30_000 for i in range(20_000)]
    assert list(literals_pb2.LiteralMap.FromString(rest).literals) == ["n"]


# -- outputs ----------------------------------------------------------------------------------------------


def _one_list(xs: List[int]) -> List[int]:
    return xs


def _one_dict(d: Dict[str, str]) -> Dict[str, str]:
    return d


def _two(a: List[Optional[int]], b: Dict[str, float]) -> Tuple[List[Optional[int]], Dict[str, float]]:
    return a, b


def _three(a: List[str], b: int, c: List[bool]) -> Tuple[List[str], int, List[bool]]:
    return a, b, c


OUTPUT_TASKS = [make_task(f) for f in (_one_list, _one_dict, _two, _three)]
_OUT_VALUES: dict[Any, st.SearchStrategy[Any]] = {
    List[int]: st.lists(_int64, max_size=30),
    Dict[str, str]: st.dictionaries(st.text(max_size=6), st.text(max_size=8), max_size=30),
    List[Optional[int]]: st.lists(st.one_of(st.none(), _int64), max_size=30),
    Dict[str, float]: st.dictionaries(st.text(max_size=6), st.floats(), max_size=30),
    List[str]: st.lists(st.text(max_size=8), max_size=30),
    int: _int64,
    List[bool]: st.lists(st.booleans(), max_size=30),
}
_ODD = st.sampled_from([["x", 1], [1, None, "s"], {"k": 1}, {1: 2.0}, (1, 2), None, 3.5, [True, 2]])


@st.composite
def returned(draw: st.DrawFn) -> tuple[Any, Any]:
    task = draw(st.sampled_from(OUTPUT_TASKS))
    values = []
    for out in task.interface.outputs:
        good = _OUT_VALUES[out.python_type]
        values.append(draw(st.one_of(good, good, good, _ODD)))
    value: Any = values[0] if len(values) == 1 else tuple(values)
    if len(values) > 1 and draw(st.integers(min_value=0, max_value=9)) == 0:
        value = value[:-1]  # too few values
    return task, value


def _files(task: Any, value: Any, policy: OffloadPolicy, wire: bool) -> tuple[str, Any]:
    if wire:
        converted = outputs_to_wire_literals(task, value, CTX)
        if isinstance(converted, Failure):
            return _outcome(converted)
        literal_map, _, pieces = converted.unwrap()
    else:
        converted = outputs_to_literals(task, value, CTX)
        if isinstance(converted, Failure):
            return _outcome(converted)
        literal_map, _ = converted.unwrap()
        pieces = {}
    return _outcome(offload_outputs(literal_map, task, policy, "s3://b/out", False, wire=pieces))


@SETTINGS
@given(returned(), st.sampled_from([OffloadPolicy(), OffloadPolicy(True, 64, 1000), OffloadPolicy(True, 0, 200)]))
def test_outputs_from_the_wire_are_byte_identical(case: tuple[Any, Any], policy: OffloadPolicy) -> None:
    task, value = case
    expected = _files(task, value, policy, wire=False)
    with _thresholds_zero():
        got = _files(task, value, policy, wire=True)
    assert got == expected
