"""Laws of map-task element selection, on the pure run machine (``core.run.start``/``receive``).

For any mapped lists, bound value and array environment, a map-task run

* selects exactly element ``offset + index`` of every mapped input, at literal level (the other elements may be
  literals of any kind: they are never converted), and passes bound inputs through unchanged;
* turns an unusable index (negative, past the end of any mapped input, not an integer, named variable missing)
  into a SYSTEM, NON_RECOVERABLE error document: never an exception;
* writes the sub-task's plain output for that one element.

The expected index below is the rule of PROTOCOL 5.3 as a rewrite should have it (Q10, Q27): one function,
``OFFSET`` (unset or blank = 0) plus the value of the variable named by ``BATCH_JOB_ARRAY_INDEX_VAR_NAME``.
"""

from __future__ import annotations

import functools
from typing import Any

from flyteidl.core import errors_pb2, execution_pb2, literals_pb2
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from flyte_entrypoint.core import run as m
from flyte_entrypoint.core.task import map_task, task
from flyte_entrypoint.schemas.invocation import Invocation, TaskArgs

VAR_NAME = "BATCH_JOB_ARRAY_INDEX_VAR_NAME"
OFFSET = "BATCH_JOB_ARRAY_INDEX_OFFSET"
INDEX_VAR = "FLYTE_K8S_ARRAY_INDEX"
NOT_INTS = ("", " ", "abc", "1.5", "0x1", "--1", "1 2", "None")
int64 = st.integers(-(2**63), 2**63 - 1)


@task
def element(a: int, b: str, c: str) -> str:
    return f"{c}{a}{b}"


@task
def single(a: int) -> int:
    return a


# ---------------------------------------------------------------------------------------------------- literals
def _int(v: int) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.primitive.integer = v
    return lit


def _str(v: str) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.primitive.string_value = v
    return lit


def _coll(items: list[literals_pb2.Literal]) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.collection.SetInParent()
    for item in items:
        lit.collection.literals.add().CopyFrom(item)
    return lit


@st.composite
def garbage_literal(draw: st.DrawFn) -> literals_pb2.Literal:
    """A literal of a kind no mapped element of these tasks accepts (or any kind at all)."""
    kind = draw(st.sampled_from(["float", "bool", "none", "map", "collection", "blob"]))
    lit = literals_pb2.Literal()
    if kind == "float":
        lit.scalar.primitive.float_value = draw(st.floats(allow_nan=False))
    elif kind == "bool":
        lit.scalar.primitive.boolean = draw(st.booleans())
    elif kind == "none":
        lit.scalar.none_type.SetInParent()
    elif kind == "map":
        lit.map.literals["k"].CopyFrom(_int(draw(int64)))
    elif kind == "collection":
        lit.collection.SetInParent()
    else:
        lit.scalar.blob.uri = "s3://nowhere/x"
    return lit


def _inputs(**literals: literals_pb2.Literal) -> bytes:
    lm = literals_pb2.LiteralMap()
    for name, lit in literals.items():
        lm.literals[name].CopyFrom(lit)
    return lm.SerializeToString()


# ---------------------------------------------------------------------------------------------------- environments
def expected_index(env: dict[str, str]) -> int | None:
    """``offset + index``, or None when the environment does not give a usable (non-negative) index."""
    raw_offset = env.get(OFFSET, "")
    try:
        offset = int(raw_offset) if raw_offset.strip() else 0
        name = env.get(VAR_NAME, "")
        if not name:
            index = offset
        else:
            raw = env.get(name)
            if raw is None:
                return None
            index = offset + int(raw)
    except ValueError:
        return None
    return index if index >= 0 else None


_int_text = st.integers(-3, 9).map(str)
_maybe_int_text = st.one_of(_int_text, _int_text, _int_text, st.sampled_from(NOT_INTS))


@st.composite
def array_env(draw: st.DrawFn) -> dict[str, str]:
    env: dict[str, str] = {}
    offset = draw(st.one_of(st.none(), _maybe_int_text))
    if offset is not None:
        env[OFFSET] = offset
    if draw(st.booleans()):  # what the ArrayNode sets
        env[VAR_NAME] = INDEX_VAR
        value = draw(st.one_of(st.none(), _maybe_int_text, _maybe_int_text))
        if value is not None:
            env[INDEX_VAR] = value
    return env


def _valid_env(offset: int, index: int) -> dict[str, str]:
    return {VAR_NAME: INDEX_VAR, INDEX_VAR: str(index), OFFSET: str(offset)}


# ---------------------------------------------------------------------------------------------------- driving
def _invocation(env: dict[str, str], bound: str = "c") -> Invocation:
    args = TaskArgs(
        inputs="s3://bucket/in/inputs.pb",
        output_prefix="s3://bucket/out",
        raw_output_data_prefix="s3://bucket/raw",
        resolver="flyte_entrypoint.ArrayNodeMapTaskResolver",
        resolver_args=(
            "vars",
            bound,
            "resolver",
            "flyte_entrypoint.default_task_resolver",
            "task-module",
            "m",
        ),
        map_task=True,
    )
    return Invocation(args, env, now=1700000000.0, uuid_hex="ab" * 16, name_seed="cd" * 16)


def drive_to_run(env: dict[str, str], loaded: Any, inputs: bytes) -> tuple[m.Run, m.Command]:
    """start -> TaskLoaded -> InputsRead; stops early at the first command that is not the expected next one."""
    run, cmd = m.start(_invocation(env))
    if not isinstance(cmd, m.LoadTask):
        return run, cmd
    assert cmd.instantiate, "map-execute names a resolver class"
    run, cmd = m.receive(run, m.TaskLoaded(loaded, 1.0))
    assert cmd == m.ReadInputs("s3://bucket/in/inputs.pb")
    return m.receive(run, m.InputsRead(inputs, 2.0))


def assert_system_error(run: m.Run, cmd: m.Command, fragment: str) -> None:
    assert isinstance(cmd, m.WriteOutputs), cmd
    assert cmd.prefix == "s3://bucket/out"
    assert set(cmd.files) == {"error.pb"}
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString(cmd.files["error.pb"])
    err = doc.error
    assert err.code == "SYSTEM"
    assert err.kind == errors_pb2.ContainerError.NON_RECOVERABLE
    assert err.origin == execution_pb2.ExecutionError.SYSTEM
    assert fragment in err.message
    run, cmd = m.receive(run, m.OutputsWritten())
    assert cmd == m.Exit(0, "error document written")


_a_values = st.lists(int64, max_size=6)
_b_values = st.lists(st.text(max_size=5), max_size=6)


# ---------------------------------------------------------------------------------------------------- laws
@settings(max_examples=300, deadline=None)
@given(_a_values, _b_values, st.text(max_size=5), array_env(), st.booleans())
@example([1, 2, 3], ["a", "b", "c"], "z", {VAR_NAME: INDEX_VAR, INDEX_VAR: "1", OFFSET: "1"}, False)
@example([1, 2, 3], ["a", "b", "c"], "z", {VAR_NAME: INDEX_VAR, INDEX_VAR: "0", OFFSET: "-1"}, False)
@example([1, 2, 3], ["a", "b", "c"], "z", {VAR_NAME: INDEX_VAR}, False)
@example([1, 2, 3], ["a", "b", "c"], "z", {VAR_NAME: INDEX_VAR, INDEX_VAR: "1", OFFSET: ""}, True)
@example([1, 2], ["a", "b", "c"], "z", {VAR_NAME: INDEX_VAR, INDEX_VAR: "2"}, False)
def test_selects_offset_plus_index_of_every_mapped_input(
    a: list[int], b: list[str], c: str, env: dict[str, str], from_partial: bool
) -> None:
    loaded = map_task(functools.partial(element, c="partial value")) if from_partial else map_task(element)
    if not from_partial:
        loaded = type(loaded)(loaded.task, frozenset({"c"}))  # as the resolver builds it from ``vars c``
    inputs = _inputs(a=_coll([_int(v) for v in a]), b=_coll([_str(v) for v in b]), c=_str(c))
    run, cmd = drive_to_run(env, loaded, inputs)
    k = expected_index(env)
    event("unusable index" if k is None else "past the end" if k >= min(len(a), len(b)) else "selected")
    if k is None:
        assert_system_error(run, cmd, "ValueError: ")
        assert run.task is None, "a bad index is reported before the task is loaded"
    elif k >= min(len(a), len(b)):
        assert_system_error(run, cmd, f"array index {k} is out of range")
    else:
        assert isinstance(cmd, m.RunTask), cmd
        assert cmd.task is element
        # bound: the inputs.pb value, unchanged (a partial's own value is for local runs only, as in flytekit)
        assert dict(cmd.kwargs) == {"a": a[k], "b": b[k], "c": c}


@settings(max_examples=200, deadline=None)
@given(st.data(), st.integers(1, 6), st.integers(0, 3))
def test_only_the_selected_element_is_converted(data: st.DataObject, size: int, offset: int) -> None:
    index = data.draw(st.integers(0, size - 1))
    offset = min(offset, index)
    selected = data.draw(int64)
    elements = [data.draw(garbage_literal()) for _ in range(size)]
    elements[index] = _int(selected)
    _run, cmd = drive_to_run(_valid_env(offset, index - offset), map_task(single), _inputs(a=_coll(elements)))
    assert isinstance(cmd, m.RunTask), cmd
    assert dict(cmd.kwargs) == {"a": selected}


@settings(max_examples=100, deadline=None)
@given(st.lists(int64, min_size=1, max_size=6), st.data())
def test_the_output_is_the_single_elements_literal(values: list[int], data: st.DataObject) -> None:
    k = data.draw(st.integers(0, len(values) - 1))
    run, cmd = drive_to_run(_valid_env(0, k), map_task(single), _inputs(a=_coll([_int(v) for v in values])))
    assert isinstance(cmd, m.RunTask) and dict(cmd.kwargs) == {"a": values[k]}
    run, cmd = m.receive(run, m.TaskReturned(cmd.task(**cmd.kwargs), 3.0))
    assert isinstance(cmd, m.WriteOutputs) and set(cmd.files) == {"outputs.pb"}
    out = literals_pb2.LiteralMap()
    out.ParseFromString(cmd.files["outputs.pb"])
    assert dict(out.literals) == {"o0": _int(values[k])}  # the element, not a collection
    run, cmd = m.receive(run, m.OutputsWritten())
    assert cmd == m.Exit(0, "outputs written")


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        garbage_literal().filter(lambda lit: lit.WhichOneof("value") != "collection"),
        int64.map(_int),
    ),
    st.integers(0, 3),
)
def test_a_mapped_input_that_is_not_a_collection_is_a_system_error(lit: literals_pb2.Literal, k: int) -> None:
    run, cmd = drive_to_run(_valid_env(0, k), map_task(single), _inputs(a=lit))
    assert_system_error(run, cmd, "Expected a list of literals for a")


@settings(max_examples=100, deadline=None)
@given(st.lists(int64, max_size=4), st.sampled_from(["a", "b", "c"]), st.integers(0, 3))
def test_a_missing_map_task_input_is_a_system_error(a: list[int], missing: str, k: int) -> None:
    literals = {"a": _coll([_int(v) for v in a]), "b": _coll([_str("x")] * len(a)), "c": _str("c")}
    del literals[missing]
    run, cmd = drive_to_run(_valid_env(0, k), map_task(element), _inputs(**literals))
    assert_system_error(run, cmd, f"map task input {missing!r} is missing")
