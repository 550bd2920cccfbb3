"""The driver carries out the machine's unhappy outcomes in process, on local folders (no mocks of storage)."""

from __future__ import annotations

import os
import textwrap
import uuid
from pathlib import Path

import pytest
from flyteidl.core import errors_pb2, literals_pb2

from flyte_entrypoint.schemas.invocation import TaskArgs
from flyte_entrypoint.shell.driver import Driver

MODULE = "driverwf_" + uuid.uuid4().hex[:8]
TASKS = textwrap.dedent(
    """
    import sys
    from flyte_entrypoint import task

    @task
    def add(a: int, b: int) -> int:
        return a + b

    @task
    def leave(a: int, b: int) -> int:
        sys.exit("leaving early")
    """
)


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / f"{MODULE}.py").write_text(TASKS)
    lm = literals_pb2.LiteralMap()
    lm.literals["a"].scalar.primitive.integer = 2
    lm.literals["b"].scalar.primitive.integer = 3
    (tmp_path / "inputs.pb").write_bytes(lm.SerializeToString())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _driver(work: Path, task: str = "add", **env: str) -> Driver:
    args = TaskArgs(
        inputs=str(work / "inputs.pb"),
        output_prefix=str(work / "out"),
        raw_output_data_prefix=str(work / "raw"),
        resolver_args=("task-module", MODULE, "task-name", task),
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE_", "_F_"))}
    return Driver(args, {**base, **env})


def _error(work: Path) -> errors_pb2.ErrorDocument:
    return errors_pb2.ErrorDocument.FromString((work / "out" / "error.pb").read_bytes())


@pytest.mark.parametrize(("env", "code"), [({}, 0), ({"FLYTE_FAIL_ON_ERROR": "true"}, 1)])
def test_a_bug_while_carrying_out_a_command_is_a_system_document(
    work: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], code: int
) -> None:
    def broken(self: Driver, run: object, cmd: object) -> object:
        raise RuntimeError("bug in the shell")

    monkeypatch.setattr(Driver, "_read_inputs", broken)
    assert _driver(work, **env).run() == code
    doc = _error(work)
    assert (doc.error.code, doc.error.kind, doc.error.origin) == (
        "SYSTEM",
        errors_pb2.ContainerError.RECOVERABLE,
        2,
    )
    assert doc.error.message.endswith("RuntimeError: bug in the shell")
    assert not (work / "out" / "outputs.pb").exists()


def test_a_refused_outputs_pb_becomes_the_error_document_and_exit_0(work: Path) -> None:
    (work / "out" / "outputs.pb").mkdir(parents=True)  # the store refuses to write outputs.pb there
    assert _driver(work).run() == 0
    doc = _error(work)
    assert (doc.error.code, doc.error.kind) == ("SYSTEM", errors_pb2.ContainerError.RECOVERABLE)
    assert (
        "FlyteUploadDataException: SYSTEM:UploadDataError: error=Failed to put data from <memory> to"
        in doc.error.message
    )


def test_sys_exit_with_a_message(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _driver(work, "leave").run() == 1
    assert "leaving early" in capsys.readouterr().err
    assert not (work / "out").exists() or not any((work / "out").iterdir())


def test_the_last_resort_writes_the_document(work: Path) -> None:
    from flyte_entrypoint.shell.rescue import write_internal_error

    driver = _driver(work)
    try:
        raise KeyError("before the loop")
    except KeyError as exc:
        assert write_internal_error(driver.resources, exc) == 0
    assert _error(work).error.message.endswith("KeyError: 'before the loop'")


def test_nothing_writable_exits_1_after_one_json_line(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    (work / "out").write_text("a file where the output prefix should be")
    assert _driver(work).run() == 1
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    assert [line["event"] for line in lines] == ["output prefix not writable"]

