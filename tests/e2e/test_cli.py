"""`pyflyte-execute` end to end, through the real console script in a subprocess, on local folders."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from flyteidl.core import errors_pb2, literals_pb2

BIN = Path(sys.executable).parent
EXECUTE = str(BIN / "pyflyte-execute")

TASKS = textwrap.dedent(
    """
    import sys, time
    from typing import NamedTuple
    from flyte_entrypoint import task, current_context, IgnoreOutputs, FlyteRecoverableException

    @task
    def add(a: int, b: int) -> int:
        return a + b

    class Out(NamedTuple):
        total: int
        label: str

    @task
    def named(a: int) -> Out:
        return Out(a * 2, "x")

    @task
    def void() -> None:
        pass

    @task
    def exits(code: int) -> int:
        sys.exit(code)

    @task
    def boom(a: int) -> int:
        raise ValueError(f"bad value {a}")

    class Coded(Exception):
        error_code = "MY_CODE"

    @task
    def coded() -> None:
        raise Coded("with a code")

    class FloatCoded(Exception):
        error_code = 4.5

    @task
    def float_coded() -> None:
        raise FloatCoded("float code")

    @task
    def ignore() -> int:
        raise IgnoreOutputs("nothing to see")

    @task
    def ctx() -> str:
        c = current_context()
        return f"{c.execution_id.name}|{c.task_id}|{c.raw_output_prefix}|{c.output_metadata_prefix}"

    @task
    def sleepy() -> None:
        time.sleep(30)
    """
)


@pytest.fixture()
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "wf.py").write_text(TASKS)
    return tmp_path


def _inputs(path: Path, **values: int) -> str:
    lm = literals_pb2.LiteralMap()
    for k, v in values.items():
        lm.literals[k].scalar.primitive.integer = v
    path.write_bytes(lm.SerializeToString())
    return str(path)


def _run(
    workdir: Path,
    task: str,
    *extra: str,
    env: dict[str, str] | None = None,
    inputs: str | None = None,
    raw: str | None = "raw",
) -> subprocess.CompletedProcess[str]:
    args = [
        EXECUTE,
        "--inputs",
        inputs or _inputs(workdir / "inputs.pb"),
        "--output-prefix",
        str(workdir / "out"),
    ]
    if raw is not None:
        args += ["--raw-output-data-prefix", str(workdir / raw) if not raw.startswith("{{") else raw]
    args += [
        *extra,
        "--resolver",
        "flyte_entrypoint.default_task_resolver",
        "--",
        "task-module",
        "wf",
        "task-name",
        task,
    ]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE", "_F_"))}
    full_env.update(env or {})
    return subprocess.run(args, cwd=workdir, capture_output=True, text=True, env=full_env, timeout=60)


def _outputs(workdir: Path) -> literals_pb2.LiteralMap:
    lm = literals_pb2.LiteralMap()
    lm.ParseFromString((workdir / "out" / "outputs.pb").read_bytes())
    return lm


def _error(workdir: Path, name: str = "error.pb") -> errors_pb2.ContainerError:
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString((workdir / "out" / name).read_bytes())
    return doc.error


def test_add(workdir: Path) -> None:
    proc = _run(workdir, "add", inputs=_inputs(workdir / "in.pb", a=2, b=40))
    assert proc.returncode == 0, proc.stderr
    assert _outputs(workdir).literals["o0"].scalar.primitive.integer == 42
    assert sorted(os.listdir(workdir / "out")) == ["outputs.pb"]
    assert proc.stdout == "\n"  # flytekit's click.echo("")


def test_named_tuple_outputs(workdir: Path) -> None:
    proc = _run(workdir, "named", inputs=_inputs(workdir / "in.pb", a=5))
    assert proc.returncode == 0, proc.stderr
    lm = _outputs(workdir)
    assert lm.literals["total"].scalar.primitive.integer == 10
    assert lm.literals["label"].scalar.primitive.string_value == "x"


def test_void_writes_an_empty_outputs_file(workdir: Path) -> None:
    assert _run(workdir, "void").returncode == 0
    assert (workdir / "out" / "outputs.pb").read_bytes() == b""


def test_user_exception_writes_error_pb_and_exits_0(workdir: Path) -> None:
    proc = _run(workdir, "boom", inputs=_inputs(workdir / "in.pb", a=1))
    assert proc.returncode == 0
    err = _error(workdir)
    assert (err.code, err.kind, err.origin) == ("USER:RuntimeError", 0, 1)
    assert err.message.startswith("Trace:\n\n    Traceback (most recent call last):\n")
    first_frame = err.message.split("\n")[3]
    assert "wf.py" in first_frame, "the trace must start at the user's code"
    assert err.message.endswith("\nMessage:\n\n    ValueError: bad value 1")
    assert abs(err.timestamp.seconds - time.time()) < 60


def test_fail_on_error_exits_1(workdir: Path) -> None:
    proc = _run(workdir, "boom", env={"FLYTE_FAIL_ON_ERROR": "true"}, inputs=_inputs(workdir / "in.pb", a=1))
    assert proc.returncode == 1
    assert (workdir / "out" / "error.pb").exists()


def test_error_code_class_attribute_and_float_code(workdir: Path) -> None:
    _run(workdir, "coded")
    assert _error(workdir).code == "MY_CODE"
    proc = _run(workdir, "float_coded")
    assert proc.returncode == 0  # flytekit crashes here and loses the error (Q3)
    assert _error(workdir).code == "4.5"


def test_distributed_error_file_name(workdir: Path) -> None:
    _run(workdir, "boom", env={"_F_DES": "1", "_F_WN": "worker-3"}, inputs=_inputs(workdir / "in.pb", a=1))
    (name,) = os.listdir(workdir / "out")
    assert name.startswith("error-") and name.endswith(".pb") and len(name) == len("error-.pb") + 32
    assert _error(workdir, name).worker == "worker-3"


def test_ignore_outputs_writes_nothing(workdir: Path) -> None:
    proc = _run(workdir, "ignore")
    assert proc.returncode == 0
    assert not (workdir / "out").exists() or os.listdir(workdir / "out") == []


def test_sys_exit_code_passes_through(workdir: Path) -> None:
    proc = _run(workdir, "exits", inputs=_inputs(workdir / "in.pb", code=3))
    assert proc.returncode == 3


def test_resolver_import_failure_is_an_error_document(workdir: Path) -> None:
    args = [
        EXECUTE,
        "--inputs",
        _inputs(workdir / "in.pb"),
        "--output-prefix",
        str(workdir / "out"),
        "--raw-output-data-prefix",
        str(workdir / "raw"),
        "--resolver",
        "no_such_module.resolver",
        "--",
        "task-module",
        "wf",
        "task-name",
        "add",
    ]
    proc = subprocess.run(args, cwd=workdir, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0  # flytekit: traceback, exit 1, nothing written (Q2)
    err = _error(workdir)
    assert err.origin == 1 and "ModuleNotFoundError: No module named 'no_such_module'" in err.message


def test_missing_task_attribute_is_a_user_error(workdir: Path) -> None:
    proc = _run(workdir, "not_there")
    assert proc.returncode == 0
    err = _error(workdir)
    assert (err.code, err.origin) == ("USER:RuntimeError", 1)
    assert "AttributeError" in err.message


def test_missing_inputs_file_is_system_recoverable(workdir: Path) -> None:
    proc = _run(workdir, "add", inputs=str(workdir / "nope.pb"))
    assert proc.returncode == 0
    err = _error(workdir)
    assert (err.code, err.kind, err.origin) == ("SYSTEM", 1, 2)


def test_raw_prefix_placeholder_does_not_crash(workdir: Path) -> None:
    proc = _run(workdir, "add", raw="{{.rawOutputDataPrefix}}", inputs=_inputs(workdir / "in.pb", a=1, b=1))
    assert proc.returncode == 0, proc.stderr  # flytekit: AttributeError, exit 1 (Q1)
    assert _outputs(workdir).literals["o0"].scalar.primitive.integer == 2


def test_unwritable_output_prefix_exits_1_with_one_json_line(workdir: Path) -> None:
    blocker = workdir / "blocker"
    blocker.write_text("a file, not a directory")
    args = [
        EXECUTE,
        "--inputs",
        _inputs(workdir / "in.pb", a=1, b=1),
        "--output-prefix",
        str(blocker / "out"),
        "--raw-output-data-prefix",
        str(workdir / "raw"),
        "--",
        "task-module",
        "wf",
        "task-name",
        "add",
    ]
    proc = subprocess.run(args, cwd=workdir, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("{"))
    assert json.loads(line)["event"] == "output prefix not writable"


def test_current_context_from_env(workdir: Path) -> None:
    env = {
        "FLYTE_INTERNAL_EXECUTION_ID": "exec1",
        "_F_TK_PRJ": "tproj",
        "_F_TK_DM": "tdom",
        "_F_TK_NM": "wf.ctx",
        "_F_TK_V": "v1",
    }
    proc = _run(workdir, "ctx", env=env)
    assert proc.returncode == 0, proc.stderr
    value = _outputs(workdir).literals["o0"].scalar.primitive.string_value
    assert value == f"exec1|TASK:tproj:tdom:wf.ctx:v1|{workdir / 'raw'}|{workdir / 'out'}"


def test_dry_run_prints_the_plan_and_touches_nothing(workdir: Path) -> None:
    proc = _run(workdir, "add", "--test", inputs=str(workdir / "never-read.pb"))
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout[proc.stdout.index("{") :])
    assert plan["task"]["name"] == "wf.add"
    assert plan["inputs"] == str(workdir / "never-read.pb")
    assert plan["files_on_success"] == ["outputs.pb"] and plan["files_on_error"] == ["error.pb"]
    assert set(plan["task"]["inputs"]) == {"a", "b"}
    assert not (workdir / "out").exists()


def test_missing_required_flag_is_a_one_line_click_error(workdir: Path) -> None:
    proc = subprocess.run([EXECUTE, "--inputs", "x"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Error: Missing option '--output-prefix'." in proc.stderr
    assert "Traceback" not in proc.stderr


def test_python_dash_m_passes_through(workdir: Path) -> None:
    args = [
        sys.executable,
        "-m",
        "flyte_entrypoint",
        "pyflyte-execute",
        "--inputs",
        _inputs(workdir / "in.pb", a=1, b=2),
        "--output-prefix",
        str(workdir / "out"),
        "--raw-output-data-prefix",
        str(workdir / "raw"),
        "--resolver",
        "flyte_entrypoint.default_task_resolver",
        "--",
        "task-module",
        "wf",
        "task-name",
        "add",
    ]
    proc = subprocess.run(args, cwd=workdir, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert _outputs(workdir).literals["o0"].scalar.primitive.integer == 3


def test_sigterm_kills_with_143(workdir: Path) -> None:
    args = [
        EXECUTE,
        "--inputs",
        _inputs(workdir / "in.pb"),
        "--output-prefix",
        str(workdir / "out"),
        "--raw-output-data-prefix",
        str(workdir / "raw"),
        "--",
        "task-module",
        "wf",
        "task-name",
        "sleepy",
    ]
    proc = subprocess.Popen(args, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.5)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) in (143, -signal.SIGTERM)
