"""``flyte-entrypoint`` (show, make, explain, run, replay) through its console script, in subprocesses,
on local folders and on the S3 test server.

Expected values come from the spec (issue 13's JSON conventions, protobuf messages parsed independently
here) or from the real entrypoint's files; never from the tool's own earlier output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from flyteidl.core import dynamic_job_pb2, errors_pb2, literals_pb2

BIN = Path(sys.executable).parent
TOOL = str(BIN / "flyte-entrypoint")
EXECUTE = str(BIN / "pyflyte-execute")

TASKS = textwrap.dedent(
    """
    import datetime, enum, os
    from dataclasses import dataclass
    from typing import Optional
    from flyte_entrypoint import task, map_task, current_context

    class Color(enum.Enum):
        RED = "red"
        GREEN = "green"

    @dataclass
    class Point:
        x: int
        y: float
        label: Optional[str] = None

    @task
    def add(a: int, b: int = 10) -> int:
        return a + b

    @task
    def boom(a: int) -> int:
        raise ValueError(f"bad value {a}")

    @task
    def shift(when: datetime.datetime, by: datetime.timedelta, color: Color, p: Point) -> tuple[datetime.datetime, Color, Point]:
        return when + by, color, Point(p.x + 1, p.y * 2, p.label)

    @task
    def env_value(name: str) -> str:
        return os.environ.get(name, "")

    @task
    def square(x: int, k: int) -> int:
        if x < 0:
            raise ValueError(f"negative {x}")
        return x * x * k

    squares = map_task(square)

    @task
    def chatty(a: int) -> int:
        current_context().logging.warning("chatty says %d", a)
        return a
    """
)


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("FLYTE", "_F_", "BATCH_JOB_", "PYTHONPATH"))
    }
    return {**env, **(extra or {})}


def tool(
    cwd: Path, *args: str, env: dict[str, str] | None = None, check: int | None = 0
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([TOOL, *args], cwd=cwd, capture_output=True, text=True, env=_env(env), timeout=120)
    if check is not None:
        assert proc.returncode == check, (
            f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        )
    return proc


def tool_json(cwd: Path, *args: str, env: dict[str, str] | None = None, check: int | None = 0) -> Any:
    return json.loads(tool(cwd, *args, env=env, check=check).stdout)


@pytest.fixture()
def work(tmp_path: Path) -> Path:
    (tmp_path / "tasks.py").write_text(TASKS)
    return tmp_path


def _literal_map(path: Path) -> literals_pb2.LiteralMap:
    lm = literals_pb2.LiteralMap()
    lm.ParseFromString(path.read_bytes())
    return lm


def _assert_one_line_usage_error(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr


# ------------------------------------------------------------------------------------------------ help/usage
@pytest.mark.parametrize("sub", ["show", "make", "explain", "run", "replay"])
def test_every_subcommand_has_help(work: Path, sub: str) -> None:
    proc = tool(work, sub, "--help")
    assert proc.stdout.startswith(f"Usage: flyte-entrypoint {sub}")


@pytest.mark.parametrize(
    "args",
    [
        ["show"],
        ["show", "x.pb", "--no-such-flag"],
        ["make", "{}"],
        ["make", "--task", "tasks:add", "--type", "int", "1"],
        ["make", "--type", "__import__('os').system('true')", "1"],
        ["make", "--type", "int", "{not json"],
        ["run", "tasks:add", "--map", "2"],
        ["explain", "--", "pyflyte-execute", "--inputs", "x"],
        ["nonsense"],
    ],
)
def test_usage_errors_are_one_line_and_exit_2(work: Path, args: list[str]) -> None:
    _assert_one_line_usage_error(tool(work, *args, check=None))


def test_failures_are_one_line_exit_1_without_traceback(work: Path) -> None:
    proc = tool(work, "show", str(work / "missing.pb"), check=1)
    assert proc.stderr.strip() == f"flyte-entrypoint show: error: {work / 'missing.pb'}: no such file"
    proc = tool(work, "make", "--task", "tasks:add", '{"a": "one"}', check=1)
    assert len(proc.stderr.strip().splitlines()) == 1 and "expected int, got a string" in proc.stderr


# ------------------------------------------------------------------------------------------------ show
def test_show_detects_each_kind_by_content_even_under_misleading_names(work: Path) -> None:
    lm = literals_pb2.LiteralMap()
    lm.literals["a"].scalar.primitive.integer = 3
    lm.literals["b"].collection.literals.add().scalar.primitive.string_value = "x"
    (work / "error.pb").write_bytes(lm.SerializeToString())  # a LiteralMap named like an error document
    doc = errors_pb2.ErrorDocument()
    doc.error.code = "USER:RuntimeError"
    doc.error.message = "Trace:\n\n  ...\n\nMessage:\n\n    ValueError: bad value 1"
    doc.error.kind = errors_pb2.ContainerError.RECOVERABLE
    doc.error.origin = 1  # USER
    (work / "outputs.pb").write_bytes(doc.SerializeToString())  # and the other way round
    lit = literals_pb2.Literal()
    lit.scalar.blob.uri = "s3://bucket/data.csv"
    lit.scalar.blob.metadata.type.format = "csv"
    (work / "o0_offloaded_metadata.pb").write_bytes(lit.SerializeToString())
    spec = dynamic_job_pb2.DynamicJobSpec()
    spec.nodes.add().id = "n0"
    spec.tasks.add().id.name = "wf.t1"
    spec.min_successes = 1
    (work / "futures.pb").write_bytes(spec.SerializeToString())
    (work / "empty.pb").write_bytes(b"")

    def kind(name: str) -> tuple[str, Any]:
        out = tool_json(work, "show", "--with-kind", str(work / name))
        return out["kind"], out["value"]

    assert kind("error.pb") == ("literal_map", {"a": 3, "b": ["x"]})
    k, value = kind("outputs.pb")
    assert k == "error_document"
    assert (value["code"], value["kind"], value["origin"], value["summary"]) == (
        "USER:RuntimeError",
        "RECOVERABLE",
        "USER",
        "ValueError: bad value 1",
    )
    assert kind("o0_offloaded_metadata.pb") == (
        "literal",
        {"uri": "s3://bucket/data.csv", "format": "csv", "dimensionality": "SINGLE"},
    )
    k, value = kind("futures.pb")
    assert k == "dynamic_job_spec" and value["nodes"] == ["n0"] and value["tasks"] == ["wf.t1"]
    assert kind("empty.pb") == ("literal_map", {})
    (work / "junk.pb").write_bytes(b"\xff\xfe not protobuf")
    assert "not a Flyte file" in tool(work, "show", str(work / "junk.pb"), check=1).stderr


def test_show_proto_is_protobuf_json(work: Path) -> None:
    lm = literals_pb2.LiteralMap()
    lm.literals["x"].scalar.primitive.float_value = 1.5
    (work / "in.pb").write_bytes(lm.SerializeToString())
    assert tool_json(work, "show", "--proto", str(work / "in.pb")) == {
        "literals": {"x": {"scalar": {"primitive": {"float_value": 1.5}}}}
    }


def test_show_union_and_nested_conventions(work: Path) -> None:
    lm = literals_pb2.LiteralMap()
    u = lm.literals["maybe"].scalar.union
    u.value.scalar.primitive.integer = 4
    u.type.structure.tag = "int"
    m = lm.literals["m"].map.literals
    m["k"].scalar.none_type.SetInParent()
    m["when"].scalar.primitive.datetime.FromJsonString("2024-01-02T03:04:05Z")
    m["nan"].scalar.primitive.float_value = float("nan")
    (work / "x.pb").write_bytes(lm.SerializeToString())
    assert tool_json(work, "show", str(work / "x.pb")) == {
        "m": {"k": None, "nan": "nan", "when": "2024-01-02T03:04:05Z"},
        "maybe": {"tag": "int", "value": 4},
    }


# ------------------------------------------------------------------------------------------------ make + show
def test_make_then_show_round_trips_through_the_interface(work: Path) -> None:
    values = {
        "when": "2024-02-29T23:30:00Z",
        "by": "5400s",
        "color": "green",
        "p": {"x": 1, "y": 2.5, "label": None},
    }
    made = tool_json(work, "make", "--task", "tasks:shift", json.dumps(values), "-o", str(work / "inputs.pb"))
    assert made["written"] == str(work / "inputs.pb")
    assert tool_json(work, "show", "--task", "tasks:shift", str(work / "inputs.pb")) == values
    # @file.json gives the same bytes
    (work / "v.json").write_text(json.dumps(values))
    tool(work, "make", "--task", "tasks:shift", "@v.json", "-o", str(work / "again.pb"))
    assert (work / "again.pb").read_bytes() == (work / "inputs.pb").read_bytes()


def test_make_fills_defaults_and_rejects_unknown_inputs(work: Path) -> None:
    tool(work, "make", "--task", "tasks:add", '{"a": 1}', "-o", str(work / "in.pb"))
    assert {k: v.scalar.primitive.integer for k, v in _literal_map(work / "in.pb").literals.items()} == {
        "a": 1,
        "b": 10,
    }
    proc = tool(work, "make", "--task", "tasks:add", '{"a": 1, "zzz": 2}', check=1)
    assert "no input named 'zzz'" in proc.stderr


def test_make_single_literal_from_a_type_expression(work: Path) -> None:
    tool(work, "make", "--type", "dict[str, float]", '{"x": 1, "y": 2.5}', "-o", str(work / "lit.pb"))
    lit = literals_pb2.Literal()
    lit.ParseFromString((work / "lit.pb").read_bytes())
    assert {k: v.scalar.primitive.float_value for k, v in lit.map.literals.items()} == {"x": 1.0, "y": 2.5}
    assert tool_json(work, "show", str(work / "lit.pb")) == {"x": 1.0, "y": 2.5}


# ------------------------------------------------------------------------------------------------ run
def test_run_prints_outputs_and_typed_values(work: Path) -> None:
    out = tool_json(
        work,
        "run",
        "tasks:shift",
        "--inputs",
        '{"when": "2024-01-01T00:00:00Z", "by": 90, "color": "red", "p": {"x": 1, "y": 1.5}}',
    )
    assert out["exit_code"] == 0 and out["files"] == ["outputs.pb"] and out["work"] is None
    assert out["values"] == {
        "o0": "2024-01-01T00:01:30Z",
        "o1": "red",
        "o2": {"x": 2, "y": 3.0, "label": None},
    }
    assert out["outputs"]["o1"] == "red"


def test_run_error_prints_the_error_document_and_exits_1(work: Path) -> None:
    out = tool_json(work, "run", "tasks:boom", "--inputs", '{"a": 7}', "--keep", check=1)
    assert out["outputs"] is None and out["files"] == ["error.pb"]
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString((Path(out["work"]) / "out" / "error.pb").read_bytes())
    assert out["error"]["code"] == doc.error.code
    assert out["error"]["summary"] == "ValueError: bad value 7"
    assert "Message:" in doc.error.message and "ValueError: bad value 7" in doc.error.message


def test_run_env_and_work_folder(work: Path) -> None:
    out = tool_json(
        work,
        "run",
        "tasks:env_value",
        "--inputs",
        '{"name": "MY_VAR"}',
        "--env",
        "MY_VAR=hello",
        "--work",
        "w",
    )
    assert out["values"] == {"o0": "hello"}
    assert (
        _literal_map(work / "w" / "out" / "outputs.pb").literals["o0"].scalar.primitive.string_value
        == "hello"
    )


def test_run_map_fans_out_and_gathers(work: Path) -> None:
    out = tool_json(
        work, "run", "tasks:squares", "--inputs", '{"x": [1, 2, 3], "k": [1, 1, 10]}', "--map", "2"
    )
    assert out["outputs"] == {"o0": [1, 4, 90]}
    assert [e["index"] for e in out["elements"]] == [0, 1, 2]
    failed = tool_json(
        work, "run", "tasks:squares", "--inputs", '{"x": [1, -2], "k": [1, 1]}', "--map", "2", check=1
    )
    assert failed["failed"] == [1] and failed["elements"][1]["error"]["summary"] == "ValueError: negative -2"


def test_log_format_json_and_text(work: Path) -> None:
    proc = tool(work, "--log-format", "json", "run", "tasks:chatty", "--inputs", '{"a": 5}')
    lines = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith("{")]
    assert any(line.get("message") == "chatty says 5" for line in lines), proc.stderr
    proc = tool(work, "run", "tasks:chatty", "--inputs", '{"a": 5}')  # not a tty, not in a container: text
    assert "chatty says 5" in proc.stderr and not any(x.startswith("{") for x in proc.stderr.splitlines())


# ------------------------------------------------------------------------------------------------ replay
def _record(work: Path, task: str, inputs: str, env: dict[str, str] | None = None) -> tuple[Path, list[str]]:
    """A 'downloaded execution': inputs.pb and what the real pyflyte-execute wrote, in one folder."""
    rec = work / f"rec-{task}"
    rec.mkdir()
    tool(work, "make", "--task", f"tasks:{task}", inputs, "-o", str(rec / "inputs.pb"))
    args = [
        "--inputs",
        "s3://cluster/inputs.pb",
        "--output-prefix",
        "s3://cluster/out",
        "--",
        "task-module",
        "tasks",
        "task-name",
        task,
    ]
    subprocess.run(
        [EXECUTE, "--inputs", str(rec / "inputs.pb"), "--output-prefix", str(rec), *args[4:]],
        cwd=work,
        env=_env(env),
        check=True,
        capture_output=True,
        timeout=60,
    )
    return rec, ["pyflyte-execute", *args]


def test_replay_agrees_on_outputs_and_on_errors(work: Path) -> None:
    rec, args = _record(work, "add", '{"a": 1, "b": 2}')
    out = tool_json(work, "replay", str(rec), "--", *args)
    assert out["same"] is True and out["differences"] == [] and out["replayed"]["outputs"] == {"o0": 3}
    rec, args = _record(work, "boom", '{"a": 2}')
    out = tool_json(work, "replay", str(rec), "--quiet", "--", " ".join(args))  # one pasted string
    assert out["same"] is True and out["recorded"]["error"]["summary"] == "ValueError: bad value 2"


def test_replay_reports_a_difference_with_exit_1(work: Path) -> None:
    rec, args = _record(work, "env_value", '{"name": "MY_VAR"}', env={"MY_VAR": "then"})
    out = tool_json(work, "replay", str(rec), "--env", "MY_VAR=now", "--", *args, check=1)
    assert out["same"] is False
    assert out["differences"] == [
        {"path": "outputs.o0", "recorded": "then", "replayed": "now", "what": "changed"}
    ]
    proc = tool(work, "replay", str(work / "nothing-here"), "--", *args, check=2)
    assert "no outputs.pb or error document" in proc.stderr


def test_replay_compares_offloaded_outputs_by_their_literals(work: Path) -> None:
    offload = {"_F_L_MIN_SIZE_MB": "0"}
    rec, args = _record(work, "add", '{"a": 1, "b": 2}', env=offload)
    assert (rec / "o0_offloaded_metadata.pb").exists()  # outputs.pb names this run's folder
    same = tool_json(work, "replay", str(rec), *[f"--env={k}={v}" for k, v in offload.items()], "--", *args)
    assert same["same"] is True and same["replayed"]["outputs"] == {"o0": 3}
    rec, args = _record(work, "env_value", '{"name": "MY_VAR"}', env={**offload, "MY_VAR": "then"})
    out = tool_json(
        work, "replay", str(rec), "--env", "MY_VAR=now", "--env", "_F_L_MIN_SIZE_MB=0", "--", *args, check=1
    )
    assert out["differences"] == [
        {"path": "outputs.o0", "recorded": "then", "replayed": "now", "what": "changed"}
    ]


# ------------------------------------------------------------------------------------------------ S3
def test_make_show_run_on_s3(work: Path, s3: Any) -> None:
    uri = s3.uri("exec", "inputs.pb")
    tool(work, "make", "--task", "tasks:add", '{"a": 4, "b": 5}', "-o", uri, env=s3.env)
    assert tool_json(work, "show", uri, env=s3.env) == {"a": 4, "b": 5}
    out = tool_json(
        work, "run", "tasks:add", "--inputs", '{"a": 4, "b": 5}', "--work", s3.uri("run"), env=s3.env
    )
    assert out["values"] == {"o0": 9}
    body = s3.client().get_object(Bucket=s3.bucket, Key="run/out/outputs.pb")["Body"].read()
    lm = literals_pb2.LiteralMap()
    lm.ParseFromString(body)
    assert lm.literals["o0"].scalar.primitive.integer == 9
    assert tool_json(work, "show", s3.uri("run", "out", "outputs.pb"), env=s3.env) == {"o0": 9}


def test_log_format_applies_to_the_container_commands_too(work: Path) -> None:
    lm = literals_pb2.LiteralMap()
    lm.literals["a"].scalar.primitive.integer = 3
    (work / "in.pb").write_bytes(lm.SerializeToString())
    args = [
        "--inputs",
        str(work / "in.pb"),
        "--output-prefix",
        str(work / "out"),
        "--",
        "task-module",
        "tasks",
    ]
    args += ["task-name", "chatty"]
    as_json = subprocess.run(
        [sys.executable, "-m", "flyte_entrypoint", "--log-format", "json", "pyflyte-execute", *args],
        cwd=work,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        check=True,
    )
    assert any(
        json.loads(x).get("message") == "chatty says 3"
        for x in as_json.stderr.splitlines()
        if x.startswith("{")
    )
    in_container = (
        subprocess.run(  # no flag: the container rule (JSON when FLYTE_INTERNAL_EXECUTION_ID is set)
            [TOOL, "pyflyte-execute", *args],
            cwd=work,
            capture_output=True,
            text=True,
            env=_env({"FLYTE_INTERNAL_EXECUTION_ID": "x1"}),
            timeout=60,
            check=True,
        )
    )
    assert any(
        json.loads(x).get("message") == "chatty says 3"
        for x in in_container.stderr.splitlines()
        if x.startswith("{")
    )
    as_text = subprocess.run(
        [TOOL, "--log-format=text", "pyflyte-execute", *args],
        cwd=work,
        capture_output=True,
        text=True,
        env=_env({"FLYTE_INTERNAL_EXECUTION_ID": "x1"}),
        timeout=60,
        check=True,
    )
    assert "chatty says 3" in as_text.stderr and not any(
        x.startswith("{") for x in as_text.stderr.splitlines()
    )


def test_show_offloaded_outputs_and_their_literal_files(work: Path) -> None:
    out = tool_json(
        work, "run", "tasks:add", "--inputs", '{"a": 2, "b": 3}', "--work", "w", "--env", "_F_L_MIN_SIZE_MB=0"
    )
    assert out["files"] == ["o0_offloaded_metadata.pb", "outputs.pb"]
    prefix = work / "w" / "out"
    offloaded = tool_json(work, "show", str(prefix / "outputs.pb"))["o0"]["offloaded"]
    assert offloaded["uri"] == "w/out/o0_offloaded_metadata.pb"  # the run's output prefix was relative
    shown = tool_json(work, "show", "--with-kind", str(prefix / "o0_offloaded_metadata.pb"))
    assert (shown["kind"], shown["value"]) == ("literal", 5)
    assert tool_json(work, "show", "--task", "tasks:add", str(prefix / "o0_offloaded_metadata.pb")) == 5


def test_explain_and_replay_on_s3(work: Path, s3: Any) -> None:
    run = tool_json(
        work, "run", "tasks:add", "--inputs", '{"a": 1, "b": 1}', "--work", s3.uri("run"), env=s3.env
    )
    assert run["values"] == {"o0": 2}
    command = (
        f"pyflyte-execute --inputs {s3.uri('run', 'inputs.pb')} --output-prefix {s3.uri('elsewhere')} "
        "-- task-module tasks task-name add"
    )
    record = tool_json(work, "explain", command, env=s3.env)
    assert record["inputs_view"] == {"a": 1, "b": 1} and record["certain_error"] is None
    replay = tool_json(
        work,
        "replay",
        s3.uri("run", "out"),
        "--inputs",
        s3.uri("run", "inputs.pb"),
        "--",
        command,
        env=s3.env,
    )
    assert replay["same"] is True and replay["replayed"]["outputs"] == {"o0": 2}


def test_replay_of_a_map_element(work: Path) -> None:
    rec = work / "rec-map"
    tool(
        work,
        "make",
        "--task",
        "tasks:squares",
        '{"x": [1, 2, 3], "k": [2, 2, 2]}',
        "-o",
        str(rec / "inputs.pb"),
    )
    command = [
        "pyflyte-map-execute", "--inputs", "s3://c/inputs.pb", "--output-prefix", "s3://c/out",
        "--resolver", "flyte_entrypoint.ArrayNodeMapTaskResolver", "--", "vars", "", "resolver",
        "flyte_entrypoint.default_task_resolver", "task-module", "tasks", "task-name", "squares",
    ]  # fmt: skip
    subprocess.run(
        [str(BIN / command[0]), "--inputs", str(rec / "inputs.pb"), "--output-prefix", str(rec), *command[5:]],
        cwd=work, env=_env({"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "I", "I": "2"}), check=True, capture_output=True,
    )  # fmt: skip
    assert tool_json(work, "show", str(rec / "outputs.pb")) == {"o0": 18}
    same = tool_json(work, "replay", str(rec), "--index", "2", "--", *command)
    assert same["same"] is True and same["replayed"]["outputs"] == {"o0": 18}
    other = tool_json(work, "replay", str(rec), "--index", "0", "--", *command, check=1)
    assert other["differences"] == [{"path": "outputs.o0", "recorded": 18, "replayed": 2, "what": "changed"}]
