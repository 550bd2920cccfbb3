"""Laws of the task boundary (``core.literal_maps``), as its docstring states them (the wire-path and map-selection
laws it names are in ``test_wire_inputs_laws.py`` and ``test_map_laws.py``).

* **round trip**: what a task returns, written as ``outputs.pb`` and read back as the input of a task that takes
  the same type, is the value it returned;
* **offloading round trip**: ``offload_outputs`` keeps every output: reading its ``outputs.pb`` back with
  ``replace_offloaded`` (the files fetched from the URIs ``offloaded_uris`` lists) gives the map it was given;
  outputs below the minimum stay inline, and with offloading off the only file is ``outputs.pb``;
* **offload policy**: on exactly when ``_F_L_MIN_SIZE_MB`` is present; any value is an answer (a Failure for a
  non-integer), never an exception;
* **no partial calls**: more literals than declared inputs, or a name the task does not declare, is a Failure
  (``ValueError``), never keyword arguments.
"""

from __future__ import annotations

from typing import Any, Optional

from flyteidl.core import literals_pb2
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Failure, Success

from flyte_entrypoint.core import literal_maps as lm
from flyte_entrypoint.core.task import task
from flyte_entrypoint.core.type_engine.engine import ConversionContext

CTX = ConversionContext(raw_output_prefix="s3://b/raw", local_sandbox="/sandbox", name_seed="ab" * 16)
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
FLOATS = st.floats(allow_nan=False)

CASES: list[tuple[Any, st.SearchStrategy[Any]]] = [
    (int, st.integers(-(2**63), 2**63 - 1)),
    (str, TEXT),
    (float, FLOATS),
    (bool, st.booleans()),
    (list[int], st.lists(st.integers(-(2**63), 2**63 - 1), max_size=5)),
    (dict[str, float], st.dictionaries(TEXT, FLOATS, max_size=4)),
    (Optional[int], st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1))),
    (list[dict[str, list[str]]], st.lists(st.dictionaries(TEXT, st.lists(TEXT, max_size=2), max_size=2), max_size=3)),
]


def _tasks(tp: Any) -> tuple[Any, Any]:
    def produce() -> Any:
        raise AssertionError("never called")

    def consume(x: Any) -> None:
        raise AssertionError("never called")

    produce.__annotations__ = {"return": tp}
    consume.__annotations__ = {"x": tp, "return": None}
    return task(produce), task(consume)


TASKS = {i: _tasks(tp) for i, (tp, _) in enumerate(CASES)}


@st.composite
def returned(draw: st.DrawFn) -> tuple[int, Any]:
    i = draw(st.integers(0, len(CASES) - 1))
    return i, draw(CASES[i][1])


@settings(max_examples=150)
@given(returned())
def test_round_trip(case: tuple[int, Any]) -> None:
    i, value = case
    produce, consume = TASKS[i]
    literal_map, uploads = lm.outputs_to_literals(produce, value, CTX).unwrap()
    assert uploads == ()
    files = lm.offload_outputs(literal_map, produce, lm.OffloadPolicy(), "s3://b/out", is_map_task=False).unwrap()
    assert list(files) == ["outputs.pb"]
    inputs = literals_pb2.LiteralMap.FromString(files["outputs.pb"])
    inputs.literals["x"].CopyFrom(inputs.literals.pop("o0"))
    assert lm.inputs_to_python(consume, inputs, None, CTX).unwrap() == {"x": value}


@task
def three(a: int, b: str, c: list[int]) -> tuple[int, str, list[int]]:
    return a, b, c


@settings(max_examples=100)
@given(
    st.integers(), TEXT, st.lists(st.integers(-(2**63), 2**63 - 1), max_size=40),
    st.integers(0, 400), st.sampled_from(["s3://b/out", "s3://b/out/"]),
)
def test_offloading_round_trip(a: int, b: str, c: list[int], min_bytes: int, prefix: str) -> None:
    a = max(min(a, 2**63 - 1), -(2**63))
    literal_map, _ = lm.outputs_to_literals(three, (a, b, c), CTX).unwrap()
    policy = lm.OffloadPolicy(True, min_bytes, 10**9)
    files = lm.offload_outputs(literal_map, three, policy, prefix, is_map_task=False).unwrap()
    outputs = literals_pb2.LiteralMap.FromString(files["outputs.pb"])
    uris = lm.offloaded_uris(outputs)
    by_uri = {f"s3://b/out/{name}": data for name, data in files.items() if name != "outputs.pb"}
    assert sorted(uris) == sorted(by_uri)
    for name, literal in literal_map.literals.items():
        assert (literal.ByteSize() >= min_bytes) is (f"s3://b/out/{name}_offloaded_metadata.pb" in uris)
    assert lm.replace_offloaded(outputs, by_uri).unwrap() == literal_map
    if uris:  # a missing file is a Failure, not a half-replaced map
        assert isinstance(lm.replace_offloaded(outputs, {}), Failure)


@given(st.dictionaries(st.sampled_from(["_F_L_MIN_SIZE_MB", "_F_L_MAX_SIZE_MB", "OTHER"]), st.one_of(TEXT, st.integers(0, 99).map(str))))
def test_offload_policy(env: dict[str, str]) -> None:
    policy = lm.offload_policy(env)
    if "_F_L_MIN_SIZE_MB" not in env:
        assert policy == Success(lm.OffloadPolicy())
    elif isinstance(policy, Success):
        assert policy.unwrap().enabled
        assert policy.unwrap().min_bytes == int(env["_F_L_MIN_SIZE_MB"] or "10") * lm.MIB
    else:
        assert "_F_L_MIN_SIZE_MB" in policy.failure()


@task
def two(a: int, b: int = 3) -> int:
    return a + b


@given(st.lists(st.sampled_from(["a", "b", "c", "z"]), unique=True, min_size=1))
def test_no_partial_calls(names: list[str]) -> None:
    inputs = literals_pb2.LiteralMap()
    for name in names:
        inputs.literals[name].scalar.primitive.integer = 1
    result = lm.inputs_to_python(two, inputs, None, CTX)
    if set(names) <= {"a", "b"}:
        assert result.unwrap() == {n: 1 for n in names}  # a missing input is left to python's defaults
    else:
        assert isinstance(result, Failure) and isinstance(result.failure(), ValueError)
