"""``flyte-entrypoint explain`` says what a real run then does: the same files, the same exit code.

Each scenario runs ``explain`` on a container command line, then the real ``pyflyte-execute`` /
``pyflyte-map-execute`` with the same args and environment, and checks the prediction against what the
run left under its output prefix (file names, the error file pattern under the distributed error
strategy, the worker, the map element, and the exit code).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from flyteidl.core import errors_pb2, literals_pb2

BIN = Path(sys.executable).parent
TOOL = str(BIN / "flyte-entrypoint")

TASKS = textwrap.dedent(
    """
    from flyte_entrypoint import task, map_task

    @task
    def add(a: int, b: int) -> int:
        return a + b

    @task
    def boom(a: int) -> int:
        raise ValueError(f"bad value {a}")

    @task
    def square(x: int) -> int:
        return x * x

    squares = map_task(square)
    """
)


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("FLYTE", "_F_", "BATCH_JOB_", "PYTHONPATH"))
    }
    return {**env, **extra}


@pytest.fixture()
def work(tmp_path: Path) -> Path:
    (tmp_path / "tasks.py").write_text(TASKS)
    return tmp_path


def _inputs(path: Path, **values: Any) -> str:
    lm = literals_pb2.LiteralMap()
    for name, value in values.items():
        if isinstance(value, list):
            for v in value:
                lm.literals[name].collection.literals.add().scalar.primitive.integer = v
        else:
            lm.literals[name].scalar.primitive.integer = value
    path.write_bytes(lm.SerializeToString())
    return str(path)


def _files(prefix: Path) -> list[str]:
    return sorted(p.name for p in prefix.iterdir() if p.is_file()) if prefix.is_dir() else []


def explain_then_run(
    work: Path, command: str, task_args: list[str], env: dict[str, str]
) -> tuple[dict[str, Any], int, list[str]]:
    args = ["--inputs", str(work / "inputs.pb"), "--output-prefix", str(work / "out"), *task_args]
    env_flags = [f"--env={k}={v}" for k, v in env.items()]
    proc = subprocess.run(
        [TOOL, "explain", *env_flags, "--", command, *args],
        cwd=work,
        capture_output=True,
        text=True,
        env=_env({}),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert not (work / "out").exists(), "explain wrote something"
    run = subprocess.run(
        [str(BIN / command), *args], cwd=work, capture_output=True, text=True, env=_env(env), timeout=60
    )
    return record, run.returncode, _files(work / "out")


PLAIN = ["--", "task-module", "tasks", "task-name"]


def test_success(work: Path) -> None:
    _inputs(work / "inputs.pb", a=1, b=2)
    record, code, files = explain_then_run(work, "pyflyte-execute", [*PLAIN, "add"], {})
    assert record["certain_error"] is None
    assert files == record["files"]["on_success"] == ["outputs.pb"]
    assert code == record["exit_code"]["success"] == 0


@pytest.mark.parametrize("fail_on_error", [False, True])
def test_task_error(work: Path, fail_on_error: bool) -> None:
    _inputs(work / "inputs.pb", a=1)
    env = {"FLYTE_FAIL_ON_ERROR": "true"} if fail_on_error else {}
    record, code, files = explain_then_run(work, "pyflyte-execute", [*PLAIN, "boom"], env)
    assert len(files) == 1 and re.match(record["error_file"]["pattern"], files[0])
    assert files == record["files"]["on_error"] == ["error.pb"]
    assert code == record["exit_code"]["error"] == (1 if fail_on_error else 0)


def test_distributed_error_strategy(work: Path) -> None:
    _inputs(work / "inputs.pb", a=1)
    env = {"FLYTE_INTERNAL_DIST_ERROR_STRATEGY": "Earliest", "FLYTE_INTERNAL_WORKER_NAME": "worker-3"}
    record, code, files = explain_then_run(work, "pyflyte-execute", [*PLAIN, "boom"], env)
    assert record["error_file"]["name"] == "error-<uuid>.pb"
    assert len(files) == 1 and re.match(record["error_file"]["pattern"], files[0]), files
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString((work / "out" / files[0]).read_bytes())
    assert doc.error.worker == record["worker"] == "worker-3"
    assert code == record["exit_code"]["error"] == 0
    assert any("worker-3" in sentence for sentence in record["words"])


MAP = [
    "--resolver",
    "flyte_entrypoint.ArrayNodeMapTaskResolver",
    "--",
    "vars",
    "",
    "resolver",
    "flyte_entrypoint.default_task_resolver",
    "task-module",
    "tasks",
    "task-name",
    "squares",
]


def test_map_element(work: Path) -> None:
    _inputs(work / "inputs.pb", x=[5, 6, 7])
    env = {"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "MY_INDEX", "MY_INDEX": "1"}
    record, code, files = explain_then_run(work, "pyflyte-map-execute", MAP, env)
    assert record["map"]["index"] == 1 and record["map"]["element"] == {"x": 6}
    assert files == record["files"]["on_success"] and code == 0
    lm = literals_pb2.LiteralMap()
    lm.ParseFromString((work / "out" / "outputs.pb").read_bytes())
    assert lm.literals["o0"].scalar.primitive.integer == 36


def test_map_index_out_of_range_is_a_certain_error(work: Path) -> None:
    _inputs(work / "inputs.pb", x=[5])
    env = {"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "MY_INDEX", "MY_INDEX": "0", "BATCH_JOB_ARRAY_INDEX_OFFSET": "3"}
    record, code, files = explain_then_run(work, "pyflyte-map-execute", MAP, env)
    assert "out of range" in record["certain_error"]
    assert files == record["files"]["on_error"] and code == record["exit_code"]["error"]


def test_unloadable_task_is_a_certain_error(work: Path) -> None:
    _inputs(work / "inputs.pb", a=1)
    record, code, files = explain_then_run(work, "pyflyte-execute", [*PLAIN, "no_such_task"], {})
    assert "no_such_task" in record["certain_error"] and record["task"] is None
    assert files == record["files"]["on_error"] and code == record["exit_code"]["error"]


def test_a_pasted_fast_execute_command_line(work: Path) -> None:
    _inputs(work / "inputs.pb", a=1, b=2)
    line = (
        "pyflyte-fast-execute --additional-distribution s3://b/code.tar.gz --dest-dir /root -- "
        f"pyflyte-execute --inputs {work / 'inputs.pb'} --output-prefix {work / 'out'} "
        "--raw-output-data-prefix s3://b/raw --resolver flyte_entrypoint.default_task_resolver "
        "-- task-module tasks task-name add"
    )
    proc = subprocess.run(
        [TOOL, "explain", line], cwd=work, capture_output=True, text=True, env=_env({}), timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["fast_execute"]["additional_distribution"] == "s3://b/code.tar.gz"
    assert record["task"]["name"] == "tasks.add" and record["raw_output_prefix"] == "s3://b/raw"
    text = subprocess.run(
        [TOOL, "explain", "--text", line], cwd=work, capture_output=True, text=True, env=_env({}), timeout=60
    )
    assert text.stdout.splitlines()[0].startswith("pyflyte-execute loads task tasks.add (a: int, b: int)")
