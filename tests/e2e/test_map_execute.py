"""`pyflyte-map-execute` end to end: our console script in a subprocess, on local folders and on S3.

The task module is ``tests/differential/wf_map.py`` (copied into each test's working directory), the same
sub-tasks the differential tests run under flytekit. Inputs are hand-built ``LiteralMap``s: the *whole* map-task
input map, mapped inputs as collections and bound inputs as scalars (PROTOCOL 5.2).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from flyteidl.core import errors_pb2, execution_pb2, literals_pb2

BIN = Path(sys.executable).parent
MAP_EXECUTE = str(BIN / "pyflyte-map-execute")
WF_MAP = Path(__file__).resolve().parents[1] / "differential" / "wf_map.py"
MAP_RESOLVER = "flyte_entrypoint.ArrayNodeMapTaskResolver"
TASK_RESOLVER = "flyte_entrypoint.default_task_resolver"
LEGACY_RESOLVER = "flytekit.core.legacy_map_task.MapTaskResolver"

INDEX_VAR = "FLYTE_K8S_ARRAY_INDEX"
VAR_NAME = "BATCH_JOB_ARRAY_INDEX_VAR_NAME"
OFFSET = "BATCH_JOB_ARRAY_INDEX_OFFSET"

SYSTEM = execution_pb2.ExecutionError.SYSTEM
USER = execution_pb2.ExecutionError.USER
NON_RECOVERABLE = errors_pb2.ContainerError.NON_RECOVERABLE


# ---------------------------------------------------------------------------------------------------- literals
def i(v: int) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.primitive.integer = v
    return lit


def f(v: float) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.primitive.float_value = v
    return lit


def s(v: str) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.primitive.string_value = v
    return lit


def coll(*items: literals_pb2.Literal) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.collection.SetInParent()
    for item in items:
        lit.collection.literals.add().CopyFrom(item)
    return lit


def lmap(items: Mapping[str, literals_pb2.Literal]) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.map.SetInParent()
    for k, v in items.items():
        lit.map.literals[k].CopyFrom(v)
    return lit


def inputs_pb(**literals: literals_pb2.Literal) -> bytes:
    lm = literals_pb2.LiteralMap()
    for name, lit in literals.items():
        lm.literals[name].CopyFrom(lit)
    return lm.SerializeToString()


XY = {"x": coll(i(1), i(2), i(3)), "y": coll(s("a"), s("b"), s("c"))}


def index_env(index: int | str | None, offset: str | None = None) -> dict[str, str]:
    env = {VAR_NAME: INDEX_VAR}
    if index is not None:
        env[INDEX_VAR] = str(index)
    if offset is not None:
        env[OFFSET] = offset
    return env


# ---------------------------------------------------------------------------------------------------- running
@pytest.fixture()
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "wf_map.py").write_text(WF_MAP.read_text())
    return tmp_path


def _clean_env(extra: Mapping[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE", "_F_", "BATCH_JOB_"))}
    env.update(extra or {})
    return env


def run_map(
    workdir: Path,
    task: str,
    inputs: bytes | str,
    *extra: str,
    env: Mapping[str, str] | None = None,
    bound: str = "",
    resolver: str = MAP_RESOLVER,
    output_prefix: str | None = None,
    raw_prefix: str | None = None,
    loader_args: list[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    if isinstance(inputs, bytes):
        (workdir / "inputs.pb").write_bytes(inputs)
        inputs = str(workdir / "inputs.pb")
    args = [
        MAP_EXECUTE,
        "--inputs",
        inputs,
        "--output-prefix",
        output_prefix or str(workdir / "out"),
        "--raw-output-data-prefix",
        raw_prefix or str(workdir / "raw"),
        *extra,
        "--resolver",
        resolver,
        "--",
        *(
            loader_args
            if loader_args is not None
            else ["vars", bound, "resolver", TASK_RESOLVER, "task-module", "wf_map", "task-name", task]
        ),
    ]
    return subprocess.run(args, cwd=workdir, capture_output=True, text=True, env=_clean_env(env), timeout=120)


def outputs(workdir: Path) -> dict[str, Any]:
    lm = literals_pb2.LiteralMap()
    lm.ParseFromString((workdir / "out" / "outputs.pb").read_bytes())
    return dict(lm.literals)


def error(workdir: Path, name: str = "error.pb") -> errors_pb2.ContainerError:
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString((workdir / "out" / name).read_bytes())
    return doc.error


def message_line(err: errors_pb2.ContainerError) -> str:
    return err.message.rpartition("\nMessage:\n\n")[2].strip()


def assert_files(workdir: Path, *names: str) -> None:
    out = workdir / "out"
    found = (
        sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) if out.exists() else []
    )
    assert found == sorted(names)


def assert_system_error(workdir: Path, message: str) -> None:
    assert_files(workdir, "error.pb")
    err = error(workdir)
    assert (err.code, err.kind, err.origin) == ("SYSTEM", NON_RECOVERABLE, SYSTEM), err
    assert message_line(err) == message


# ---------------------------------------------------------------------------------------------------- selection
@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (index_env(0), "a1"),
        (index_env(1), "b2"),
        (index_env(2), "c3"),
        (index_env(1, offset="1"), "c3"),
        (index_env(0, offset="2"), "c3"),
        ({OFFSET: "2"}, "c3"),  # no VAR_NAME: the index is the offset
        ({}, "a1"),  # no array env at all: element 0
        (index_env(1, offset=""), "b2"),  # empty offset is 0 (flytekit: SYSTEM error doc)
        (index_env(" 1 ", offset=" 1 "), "c3"),  # surrounding blanks are tolerated
    ],
    ids=[
        "first",
        "middle",
        "last",
        "offset",
        "offset0-index",
        "offset-only",
        "no-env",
        "empty-offset",
        "blanks",
    ],
)
def test_selects_offset_plus_index(workdir: Path, env: dict[str, str], expected: str) -> None:
    proc = run_map(workdir, "mapped", inputs_pb(**XY), env=env)
    assert proc.returncode == 0, proc.stderr
    assert_files(workdir, "outputs.pb")
    assert outputs(workdir) == {"o0": s(expected)}


@pytest.mark.parametrize(("index", "expected"), [(0, "b1"), (2, "b3")])
def test_bound_input_is_passed_unchanged(workdir: Path, index: int, expected: str) -> None:
    proc = run_map(workdir, "mapped", inputs_pb(x=XY["x"], y=s("b")), env=index_env(index), bound="y")
    assert proc.returncode == 0, proc.stderr
    assert outputs(workdir) == {"o0": s(expected)}


def test_bound_input_given_as_a_list_is_a_conversion_error(workdir: Path) -> None:
    run_map(workdir, "mapped", inputs_pb(**XY), env=index_env(1), bound="y")
    err = error(workdir)
    assert (err.code, err.origin) == ("SYSTEM", SYSTEM)
    assert message_line(err).startswith("TypeTransformerFailedError: Error converting input 'y':")


def test_max_concurrency_is_accepted_and_ignored(workdir: Path) -> None:
    proc = run_map(workdir, "mapped", inputs_pb(**XY), "--max-concurrency", "2", env=index_env(1))
    assert proc.returncode == 0, proc.stderr
    assert outputs(workdir) == {"o0": s("b2")}


# ---------------------------------------------------------------------------------------------------- sub-tasks
def test_void_element_writes_an_empty_map(workdir: Path) -> None:
    proc = run_map(workdir, "void_element", inputs_pb(x=XY["x"]), env=index_env(2))
    assert proc.returncode == 0, proc.stderr
    assert outputs(workdir) == {}
    assert "void element 3" in proc.stdout


def test_named_tuple_element_is_keyed_by_field(workdir: Path) -> None:
    xs = coll(coll(f(1.0), f(2.5)), coll(f(0.5)))
    proc = run_map(workdir, "named_total", inputs_pb(xs=xs), env=index_env(0))
    assert proc.returncode == 0, proc.stderr
    assert outputs(workdir) == {"total": f(3.5)}


def test_list_and_dict_elements(workdir: Path) -> None:
    xs = coll(coll(f(1.5)), coll(f(2.0), f(3.0)))
    d = coll(lmap({"a": i(1)}), lmap({"b": i(2), "c": i(3)}))
    proc = run_map(workdir, "per_element", inputs_pb(xs=xs, d=d), env=index_env(1))
    assert proc.returncode == 0, proc.stderr
    assert outputs(workdir) == {"o0": f(10.0)}


def test_raising_element_is_a_user_error(workdir: Path) -> None:
    x = coll(i(1), i(3), i(5))
    assert run_map(workdir, "fails_on_three", inputs_pb(x=x), env=index_env(0)).returncode == 0
    assert outputs(workdir) == {"o0": i(10)}

    shutil.rmtree(workdir / "out")
    proc = run_map(workdir, "fails_on_three", inputs_pb(x=x), env=index_env(1))
    assert proc.returncode == 0, proc.stderr
    assert_files(workdir, "error.pb")
    err = error(workdir)
    assert (err.code, err.kind, err.origin) == ("USER:RuntimeError", NON_RECOVERABLE, USER)
    assert message_line(err) == "ValueError: element 3 is unlucky"
    assert 'wf_map.py", line ' in err.message and "in fails_on_three" in err.message


def test_raising_element_with_fail_on_error_and_distributed_strategy(workdir: Path) -> None:
    env = {**index_env(1), "FLYTE_FAIL_ON_ERROR": "true", "_F_DES": "1", "_F_WN": "worker-7"}
    proc = run_map(workdir, "fails_on_three", inputs_pb(x=coll(i(1), i(3))), env=env)
    assert proc.returncode == 1
    (name,) = [p.name for p in (workdir / "out").iterdir()]
    assert name.startswith("error-") and name.endswith(".pb")
    err = error(workdir, name)
    assert err.worker == "worker-7" and message_line(err) == "ValueError: element 3 is unlucky"


# ---------------------------------------------------------------------------------------------------- only the selected element is converted
@pytest.mark.parametrize("index", [0, 3])
def test_only_the_selected_element_is_converted(workdir: Path, index: int) -> None:
    """Other elements of the wrong literal kind (a string, a map) do not matter. flytekit also selects at
    literal level first: see ``mixed_first``/``mixed_last`` in tests/differential/test_map_oracle.py."""
    x = coll(i(1), s("oops"), lmap({"k": i(2)}), i(4))
    y = coll(s("a"), coll(), f(0.5), s("d"))
    proc = run_map(workdir, "mapped", inputs_pb(x=x, y=y), env=index_env(index))
    assert proc.returncode == 0, proc.stderr
    assert outputs(workdir) == {"o0": s("a1" if index == 0 else "d4")}


@pytest.mark.parametrize(("index", "name"), [(1, "x"), (2, "x")])
def test_a_bad_selected_element_is_a_system_conversion_error(workdir: Path, index: int, name: str) -> None:
    x = coll(i(1), s("oops"), lmap({"k": i(2)}), i(4))
    run_map(workdir, "mapped", inputs_pb(x=x, y=coll(s("a"), s("b"), s("c"), s("d"))), env=index_env(index))
    err = error(workdir)
    assert (err.code, err.kind, err.origin) == ("SYSTEM", NON_RECOVERABLE, SYSTEM)
    assert message_line(err).startswith(f"TypeTransformerFailedError: Error converting input '{name}':")


# ---------------------------------------------------------------------------------------------------- bad indices and input maps
@pytest.mark.parametrize(
    ("env", "message"),
    [
        (index_env(3), "IndexError: array index 3 is out of range for input 'x' with 3 elements"),
        (index_env(1, offset="2"), "IndexError: array index 3 is out of range for input 'x' with 3 elements"),
        (index_env(None), f"ValueError: {VAR_NAME} names '{INDEX_VAR}', but that variable is not set"),
        (index_env(0, offset="-1"), "ValueError: array index must not be negative, got -1"),
        (index_env(-2), "ValueError: array index must not be negative, got -2"),
        (index_env("abc"), f"ValueError: {INDEX_VAR} must be an integer, got 'abc'"),
        (index_env(""), f"ValueError: {INDEX_VAR} must be an integer, got ''"),
        (index_env(1, offset="one"), f"ValueError: {OFFSET} must be an integer, got 'one'"),
    ],
    ids=[
        "past-end",
        "offset-past-end",
        "var-missing",
        "negative",
        "negative-var",
        "not-int",
        "empty-var",
        "bad-offset",
    ],
)
def test_bad_index_is_a_system_error_document(workdir: Path, env: dict[str, str], message: str) -> None:
    proc = run_map(workdir, "mapped", inputs_pb(**XY), env=env)
    assert proc.returncode == 0, proc.stderr
    assert_system_error(workdir, message)


def test_bad_index_with_fail_on_error_exits_1(workdir: Path) -> None:
    proc = run_map(workdir, "mapped", inputs_pb(**XY), env={**index_env("abc"), "FLYTE_FAIL_ON_ERROR": "1"})
    assert proc.returncode == 1
    assert_files(workdir, "error.pb")


@pytest.mark.parametrize(
    ("literals", "message"),
    [
        ({"x": i(1), "y": XY["y"]}, "ValueError: Expected a list of literals for x"),
        ({"x": XY["x"]}, "ValueError: map task input 'y' is missing from the input map"),
        ({**XY, "z": i(1)}, "ValueError: Received more input values 3 than allowed by the input spec 2"),
    ],
    ids=["not-a-list", "missing", "extra"],
)
def test_malformed_input_map_is_a_system_error(
    workdir: Path, literals: dict[str, literals_pb2.Literal], message: str
) -> None:
    run_map(workdir, "mapped", inputs_pb(**literals), env=index_env(1))
    assert_system_error(workdir, message)


def test_missing_bound_input_is_a_system_error(workdir: Path) -> None:
    run_map(workdir, "mapped", inputs_pb(x=XY["x"]), env=index_env(1), bound="y")
    assert_system_error(workdir, "ValueError: map task input 'y' is missing from the input map")


# ---------------------------------------------------------------------------------------------------- command line and loading
def test_missing_resolver_is_a_one_line_click_error(workdir: Path) -> None:
    args = [MAP_EXECUTE, "--inputs", "in.pb", "--output-prefix", str(workdir / "out"), "--", "vars", ""]
    proc = subprocess.run(args, cwd=workdir, capture_output=True, text=True, env=_clean_env({}), timeout=60)
    assert proc.returncode == 2
    error_lines = [line for line in proc.stderr.splitlines() if line.startswith("Error:")]
    assert error_lines == ["Error: Missing option '--resolver'."]
    assert "Traceback" not in proc.stderr
    assert not (workdir / "out").exists()


def test_legacy_map_task_resolver_is_a_user_error_document(workdir: Path) -> None:
    proc = run_map(workdir, "mapped", inputs_pb(**XY), env=index_env(2), resolver=LEGACY_RESOLVER)
    assert proc.returncode == 0, proc.stderr
    assert_files(workdir, "error.pb")  # not <prefix>/2/outputs.pb
    err = error(workdir)
    assert (err.code, err.kind, err.origin) == ("USER:RuntimeError", NON_RECOVERABLE, USER)
    line = message_line(err)
    assert line.startswith(f"UnsupportedResolverError: {LEGACY_RESOLVER} (flytekit's legacy")
    assert "map_task(" in line and "ArrayNodeMapTaskResolver" in line
    assert err.message.startswith("Trace:\n\n")


@pytest.mark.parametrize(
    "loader_args",
    [
        ["task-module", "wf_map", "task-name", "mapped"],  # the plain-task layout
        ["vars", "", "resolver", "no_such_module.resolver", "task-module", "wf_map", "task-name", "mapped"],
        ["vars", "", "resolver", TASK_RESOLVER, "task-module", "wf_map", "task-name", "no_such_task"],
    ],
    ids=["no-vars", "bad-inner-resolver", "no-such-task"],
)
def test_load_failures_are_user_error_documents(workdir: Path, loader_args: list[str]) -> None:
    proc = run_map(workdir, "mapped", inputs_pb(**XY), env=index_env(0), loader_args=loader_args)
    assert proc.returncode == 0, proc.stderr
    err = error(workdir)
    assert (err.code, err.origin) == ("USER:RuntimeError", USER), err


def test_dry_run_prints_the_plan_with_the_index(workdir: Path) -> None:
    never = str(workdir / "never-read.pb")
    proc = run_map(workdir, "mapped", never, "--test", env=index_env(1, offset="1"), bound="y")
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout[proc.stdout.index("{") :])
    assert plan["command"] == "pyflyte-map-execute"
    assert plan["array_index"] == 2
    assert plan["inputs"] == never
    assert plan["task"]["kind"] == "map" and plan["task"]["bound_inputs"] == ["y"]
    assert plan["task"]["name"] == "wf_map.mapped"
    assert not (workdir / "out").exists()


def test_dry_run_reports_a_bad_index_in_the_plan(workdir: Path) -> None:
    proc = run_map(workdir, "mapped", "never-read.pb", "--test", env=index_env(None))
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout[proc.stdout.index("{") :])
    assert "is not set" in plan["array_index"]["error"]
    assert not (workdir / "out").exists()


def test_python_dash_m_runs_map_execute(workdir: Path) -> None:
    (workdir / "inputs.pb").write_bytes(inputs_pb(**XY))
    args = [
        sys.executable,
        "-m",
        "flyte_entrypoint",
        "pyflyte-map-execute",
        "--inputs",
        str(workdir / "inputs.pb"),
        "--output-prefix",
        str(workdir / "out"),
        "--raw-output-data-prefix",
        str(workdir / "raw"),
        "--resolver",
        MAP_RESOLVER,
        "--",
        "vars",
        "",
        "resolver",
        TASK_RESOLVER,
        "task-module",
        "wf_map",
        "task-name",
        "mapped",
    ]
    proc = subprocess.run(
        args, cwd=workdir, capture_output=True, text=True, env=_clean_env(index_env(2)), timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert outputs(workdir) == {"o0": s("c3")}


def test_offloaded_mapped_input_is_fetched_then_indexed(workdir: Path) -> None:
    literal_file = workdir / "x-literal.pb"
    literal_file.write_bytes(XY["x"].SerializeToString())
    x = literals_pb2.Literal()
    x.offloaded_metadata.uri = str(literal_file)
    x.offloaded_metadata.size_bytes = XY["x"].ByteSize()
    x.offloaded_metadata.inferred_type.collection_type.simple = 1  # INTEGER
    proc = run_map(workdir, "mapped", inputs_pb(x=x, y=XY["y"]), env=index_env(1))
    assert proc.returncode == 0, proc.stderr
    assert outputs(workdir) == {"o0": s("b2")}


# ---------------------------------------------------------------------------------------------------- S3
def _s3_get(s3: Any, key: str) -> bytes:
    return bytes(s3.client().get_object(Bucket=s3.bucket, Key=key)["Body"].read())


def _s3_keys(s3: Any, prefix: str) -> list[str]:
    listed = s3.client().list_objects_v2(Bucket=s3.bucket, Prefix=prefix)
    return sorted(obj["Key"] for obj in listed.get("Contents", []))


def test_s3_inputs_and_outputs(workdir: Path, s3: Any) -> None:
    s3.client().put_object(Bucket=s3.bucket, Key="run/inputs.pb", Body=inputs_pb(x=XY["x"], y=s("z")))
    env = {**s3.env, **index_env(1, offset="1")}
    proc = run_map(
        workdir,
        "mapped",
        s3.uri("run/inputs.pb"),
        env=env,
        bound="y",
        output_prefix=s3.uri("run/out/"),
        raw_prefix=s3.uri("run/raw"),
    )
    assert proc.returncode == 0, proc.stderr
    assert _s3_keys(s3, "run/out") == ["run/out/outputs.pb"]
    lm = literals_pb2.LiteralMap()
    lm.ParseFromString(_s3_get(s3, "run/out/outputs.pb"))
    assert dict(lm.literals) == {"o0": s("z3")}
    assert not (workdir / "out").exists()


def test_s3_error_document(workdir: Path, s3: Any) -> None:
    s3.client().put_object(Bucket=s3.bucket, Key="run/inputs.pb", Body=inputs_pb(x=coll(i(3))))
    proc = run_map(
        workdir,
        "fails_on_three",
        s3.uri("run/inputs.pb"),
        env={**s3.env, **index_env(0)},
        output_prefix=s3.uri("run/out"),
        raw_prefix=s3.uri("run/raw"),
    )
    assert proc.returncode == 0, proc.stderr
    assert _s3_keys(s3, "run/out") == ["run/out/error.pb"]
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString(_s3_get(s3, "run/out/error.pb"))
    assert message_line(doc.error) == "ValueError: element 3 is unlucky"
    assert doc.error.origin == USER


def test_s3_index_error_document(workdir: Path, s3: Any) -> None:
    s3.client().put_object(Bucket=s3.bucket, Key="run/inputs.pb", Body=inputs_pb(**XY))
    proc = run_map(
        workdir,
        "mapped",
        s3.uri("run/inputs.pb"),
        env={**s3.env, **index_env(None)},
        output_prefix=s3.uri("run/out"),
        raw_prefix=s3.uri("run/raw"),
    )
    assert proc.returncode == 0, proc.stderr
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString(_s3_get(s3, "run/out/error.pb"))
    assert (doc.error.code, doc.error.origin) == ("SYSTEM", SYSTEM)
