"""SIGTERM while user code runs (Q24): a ``SYSTEM:Terminated`` error document, then exit 143."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from flyteidl.core import errors_pb2, literals_pb2

from flyte_entrypoint.core import reports
from flyte_entrypoint.core.errors import ORIGIN_SYSTEM, RECOVERABLE
from flyte_entrypoint.shell.signals import error_document_on_sigterm

EXECUTE = str(Path(sys.executable).parent / "pyflyte-execute")


# ---------------------------------------------------------------------------------- pure report
def test_terminated_report() -> None:
    report = reports.terminated("SIGTERM", 15, 'File "wf.py", line 3, in sleepy\n', 12.5, "w-1")
    assert (report.code, report.kind, report.origin, report.timestamp, report.worker) == (
        "SYSTEM:Terminated",
        RECOVERABLE,
        ORIGIN_SYSTEM,
        12.5,
        "w-1",
    )
    assert report.message.startswith('Trace:\n\n    File "wf.py", line 3, in sleepy\n')
    assert "received SIGTERM (signal 15)" in report.message and "exit code 143" in report.message


# ---------------------------------------------------------------------------------- the handler, in process
def test_handler_writes_then_exits_and_restores_the_previous_handler() -> None:
    calls: list[tuple[str, int, str]] = []
    exits: list[int] = []
    previous = signal.getsignal(signal.SIGTERM)

    def marker_frame() -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.5)  # the handler runs here (the fake exit hook returns)

    with error_document_on_sigterm(lambda *a: calls.append(a), exit_hook=exits.append):
        marker_frame()
    assert exits == [143]
    ((name, number, stack),) = calls
    assert (name, number) == ("SIGTERM", 15)
    assert "marker_frame" in stack
    assert signal.getsignal(signal.SIGTERM) == previous


def test_a_hanging_write_is_abandoned_after_the_budget() -> None:
    exits: list[int] = []
    release = threading.Event()
    started = time.monotonic()
    with error_document_on_sigterm(lambda *a: release.wait(30), budget=0.2, exit_hook=exits.append):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.5)
    release.set()
    assert exits == [143]
    assert time.monotonic() - started < 5


def test_a_failing_write_still_exits() -> None:
    exits: list[int] = []

    def broken(*args: Any) -> None:
        raise OSError("no bucket")

    with error_document_on_sigterm(broken, exit_hook=exits.append):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.3)
    assert exits == [143]


def test_not_installed_outside_the_main_thread() -> None:
    seen: list[Any] = []

    def worker() -> None:
        with error_document_on_sigterm(lambda *a: None):
            seen.append(signal.getsignal(signal.SIGTERM))

    before = signal.getsignal(signal.SIGTERM)
    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert seen == [before]


# ---------------------------------------------------------------------------------- a real subprocess
TASKS = textwrap.dedent(
    """
    import pathlib, time
    from flyte_entrypoint import task

    @task
    def sleepy(a: int) -> int:
        pathlib.Path("task-started").write_text("yes")
        time.sleep(60)
        return a

    @task
    async def sleepy_async(a: int) -> int:
        import asyncio
        pathlib.Path("task-started").write_text("yes")
        await asyncio.sleep(60)
        return a
    """
)


def _start(workdir: Path, task: str, out: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    lm = literals_pb2.LiteralMap()
    lm.literals["a"].scalar.primitive.integer = 1
    (workdir / "in.pb").write_bytes(lm.SerializeToString())
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE", "_F_"))}
    full_env.update(env or {})
    return subprocess.Popen(
        [EXECUTE, "--inputs", "in.pb", "--output-prefix", out, "--raw-output-data-prefix", str(workdir / "raw"),
         "--", "task-module", "sigwf", "task-name", task],
        cwd=workdir, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _terminate_when_started(workdir: Path, proc: subprocess.Popen[str]) -> tuple[int, float]:
    try:
        deadline = time.monotonic() + 60
        while not (workdir / "task-started").exists():
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the task never started"
            time.sleep(0.05)
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
        return code, time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.fixture()
def sigwork(tmp_path: Path) -> Path:
    (tmp_path / "sigwf.py").write_text(TASKS)
    return tmp_path


@pytest.mark.parametrize("task", ["sleepy", "sleepy_async"])
def test_sigterm_writes_a_terminated_document_and_exits_143(sigwork: Path, task: str) -> None:
    proc = _start(sigwork, task, str(sigwork / "out"))
    code, elapsed = _terminate_when_started(sigwork, proc)
    assert code == 143
    assert elapsed < 10
    assert sorted(os.listdir(sigwork / "out")) == ["error.pb"]
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString((sigwork / "out" / "error.pb").read_bytes())
    assert doc.error.code == "SYSTEM:Terminated"
    assert doc.error.kind == RECOVERABLE and doc.error.origin == ORIGIN_SYSTEM
    assert "SIGTERM (signal 15)" in doc.error.message
    if task == "sleepy":
        assert "in sleepy" in doc.error.message  # where the task was when it was stopped


def test_sigterm_document_uses_the_distributed_file_name(sigwork: Path) -> None:
    proc = _start(sigwork, "sleepy", str(sigwork / "out"), env={"_F_DES": "1", "_F_WN": "worker-7"})
    code, _ = _terminate_when_started(sigwork, proc)
    assert code == 143
    (name,) = os.listdir(sigwork / "out")
    assert name.startswith("error-") and name.endswith(".pb")
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString((sigwork / "out" / name).read_bytes())
    assert doc.error.worker == "worker-7" and doc.error.code == "SYSTEM:Terminated"


def test_sigterm_on_s3(sigwork: Path, s3: Any) -> None:
    proc = _start(sigwork, "sleepy", s3.uri("out"), env=s3.env)
    code, _ = _terminate_when_started(sigwork, proc)
    assert code == 143
    body = s3.client().get_object(Bucket=s3.bucket, Key="out/error.pb")["Body"].read()
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString(body)
    assert doc.error.code == "SYSTEM:Terminated"


def test_unwritable_output_prefix_still_exits_143(sigwork: Path) -> None:
    blocker = sigwork / "blocker"
    blocker.write_text("a file, so nothing can be created below it")
    proc = _start(sigwork, "sleepy", str(blocker / "out"))
    code, elapsed = _terminate_when_started(sigwork, proc)
    assert code == 143 and elapsed < 10
    assert proc.stderr is not None
    lines = [line for line in proc.stderr.read().splitlines() if line.startswith("{")]
    assert [json.loads(line)["event"] for line in lines] == ["output prefix not writable"]
