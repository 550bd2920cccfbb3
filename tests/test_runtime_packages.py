"""``_F_RUNTIME_PACKAGES``: pure rules, the state machine, and pip through the real CLI (local wheel, no network)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from flyteidl.core import errors_pb2, literals_pb2

from flyte_entrypoint.core import reports
from flyte_entrypoint.core import run as m
from flyte_entrypoint.core.errors import ORIGIN_SYSTEM, ORIGIN_USER, RECOVERABLE
from flyte_entrypoint.core.runtime_packages import pip_install_command, requested_packages
from flyte_entrypoint.schemas.invocation import Invocation, TaskArgs

EXECUTE = str(Path(sys.executable).parent / "pyflyte-execute")
MISSING = "fe-runtime-probe-does-not-exist"


# ---------------------------------------------------------------------------------- pure rules
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ()),
        ("", ()),
        ("  ", ()),
        ("a", ("a",)),
        ("a==1.0  b>=2\tc", ("a==1.0", "b>=2", "c")),  # flytekit splits on " " only: "a  b" breaks pip
        ("--no-index /x/y.whl", ("--no-index", "/x/y.whl")),
    ],
)
def test_requested_packages(value: str | None, expected: tuple[str, ...]) -> None:
    env = {} if value is None else {"_F_RUNTIME_PACKAGES": value}
    assert requested_packages(env) == expected


def test_pip_command() -> None:
    assert pip_install_command("/py", ("a", "b")) == ("/py", "-m", "pip", "install", "a", "b")


def _inv(env: dict[str, str]) -> Invocation:
    args = TaskArgs(
        inputs="/in.pb", output_prefix="/out", resolver_args=("task-module", "m", "task-name", "t")
    )
    return Invocation(args, env, now=1700000000.0, uuid_hex="ab" * 16)


def test_machine_installs_before_loading() -> None:
    run, cmd = m.start(_inv({"_F_RUNTIME_PACKAGES": "a b"}))
    assert cmd == m.InstallPackages(("a", "b"))
    run, cmd = m.receive(run, m.PackagesInstalled())
    assert isinstance(cmd, m.LoadTask)


def test_machine_without_packages_loads_at_once() -> None:
    _, cmd = m.start(_inv({}))
    assert isinstance(cmd, m.LoadTask)


def test_machine_pip_failure_is_a_user_error_document() -> None:
    run, _ = m.start(_inv({"_F_RUNTIME_PACKAGES": "nope"}))
    run, cmd = m.receive(
        run, m.PackagesInstallFailed(1, "ERROR: No matching distribution found for nope", 5.5)
    )
    assert isinstance(cmd, m.WriteOutputs) and list(cmd.files) == ["error.pb"]
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString(cmd.files["error.pb"])
    assert doc.error.code == "USER:RuntimePackagesInstallFailed"
    assert doc.error.kind == RECOVERABLE and doc.error.origin == ORIGIN_USER
    assert "'pip install nope' exited with code 1" in doc.error.message
    assert "No matching distribution found for nope" in doc.error.message
    assert doc.error.timestamp.seconds == 5
    run, cmd = m.receive(run, m.OutputsWritten())
    assert cmd == m.Exit(0, "error document written")


def test_pip_report_keeps_the_tail_and_names_a_signal() -> None:
    output = "\n".join(f"line {i}" for i in range(100))
    report = reports.runtime_packages_failed(("x",), -15, output, 1.0)
    assert "killed by signal 15" in report.message
    assert "line 99" in report.message and "line 10\n" not in report.message
    assert "(60 earlier lines omitted)" in report.message


# ---------------------------------------------------------------------------------- a local wheel
def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(directory: Path, module: str, value: str) -> Path:
    """A minimal pure-python wheel (built by hand: no build backend, no network)."""
    dist = module.replace("_", "-")
    files = {
        f"{module}/__init__.py": f"VALUE = {value!r}\n".encode(),
        f"{module}-0.1.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n".encode(),
        f"{module}-0.1.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: flyte-entrypoint-tests\n"
        b"Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record_name = f"{module}-0.1.dist-info/RECORD"
    record = "\n".join([*(_record_line(n, d) for n, d in files.items()), f"{record_name},,"]) + "\n"
    path = directory / f"{module}-0.1-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        zf.writestr(record_name, record)
    return path


TASKS = textwrap.dedent(
    """
    import pathlib, time
    pathlib.Path("module-imported").write_text("yes")
    import fe_runtime_probe
    from flyte_entrypoint import task

    @task
    def probe() -> str:
        return fe_runtime_probe.VALUE

    @task
    def sleepy() -> None:
        pathlib.Path("task-started").write_text("yes")
        time.sleep(60)
    """
)


@pytest.fixture()
def rtwork(tmp_path: Path) -> Path:
    (tmp_path / "rtwf.py").write_text(TASKS)
    (tmp_path / "in.pb").write_bytes(literals_pb2.LiteralMap().SerializeToString())
    build_wheel(tmp_path, "fe_runtime_probe", "from-the-wheel")
    return tmp_path


def _env(rtwork: Path, packages: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE", "_F_", "PIP_"))}
    env.update(
        {
            "_F_RUNTIME_PACKAGES": packages,
            "PYTHONPATH": str(rtwork / "site"),  # pip --target installs here (never into the dev venv)
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_INPUT": "1",
        }
    )
    return env


def _args(task: str, *extra: str) -> list[str]:
    return [EXECUTE, "--inputs", "in.pb", "--output-prefix", "out", "--raw-output-data-prefix", "raw", *extra,
            "--", "task-module", "rtwf", "task-name", task]  # fmt: skip


def _good_packages(rtwork: Path) -> str:
    return f"--no-index --target {rtwork / 'site'} {rtwork / 'fe_runtime_probe-0.1-py3-none-any.whl'}"


def test_cli_installs_before_the_task_module_is_imported(rtwork: Path) -> None:
    proc = subprocess.run(
        _args("probe"),
        cwd=rtwork,
        env=_env(rtwork, _good_packages(rtwork)),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    out = literals_pb2.LiteralMap()
    out.ParseFromString((rtwork / "out" / "outputs.pb").read_bytes())
    assert out.literals["o0"].scalar.primitive.string_value == "from-the-wheel"
    assert "pip: " in proc.stderr and "Successfully installed fe-runtime-probe-0.1" in proc.stderr  # logged


def test_cli_pip_failure_writes_a_user_error_and_skips_the_task(rtwork: Path) -> None:
    proc = subprocess.run(
        _args("probe"),
        cwd=rtwork,
        env=_env(rtwork, f"--no-index {MISSING}"),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString((rtwork / "out" / "error.pb").read_bytes())
    assert doc.error.code == "USER:RuntimePackagesInstallFailed"
    assert doc.error.kind == RECOVERABLE and doc.error.origin == ORIGIN_USER
    assert MISSING in doc.error.message
    assert not (rtwork / "module-imported").exists()  # the task was never loaded


def test_cli_pip_failure_with_fail_on_error_exits_1(rtwork: Path) -> None:
    env = _env(rtwork, f"--no-index {MISSING}") | {"FLYTE_FAIL_ON_ERROR": "true"}
    proc = subprocess.run(_args("probe"), cwd=rtwork, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 1
    assert (rtwork / "out" / "error.pb").exists()


def test_cli_dry_run_installs_nothing_q21(rtwork: Path) -> None:
    # --test: the task module is imported for the plan, so the probe module must already be importable
    (rtwork / "site").mkdir()
    (rtwork / "site" / "fe_runtime_probe.py").write_text("VALUE = 'preinstalled'\n")
    proc = subprocess.run(
        _args("probe", "--test"),
        cwd=rtwork,
        env=_env(rtwork, f"--no-index --target {rtwork / 'site2'} {MISSING}"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout[proc.stdout.index("{") :])
    assert plan["runtime_packages"] == ["--no-index", "--target", str(rtwork / "site2"), MISSING]
    assert plan["steps"][0].startswith("pip install")
    assert "pip:" not in proc.stderr
    assert not (rtwork / "site2").exists() and not (rtwork / "out").exists()


def test_cli_sigterm_still_works_after_the_install_q5(rtwork: Path) -> None:
    """flytekit leaves its pip SIGTERM forwarder installed, so the task ignores SIGTERM afterwards."""
    proc = subprocess.Popen(
        _args("sleepy"),
        cwd=rtwork,
        env=_env(rtwork, _good_packages(rtwork)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not (rtwork / "task-started").exists():
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the task never started"
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=20)  # the task would sleep 60 s if SIGTERM were ignored
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 143
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString((rtwork / "out" / "error.pb").read_bytes())
    assert doc.error.code == "SYSTEM:Terminated" and doc.error.origin == ORIGIN_SYSTEM


def test_run_pip_restores_the_previous_sigterm_handler() -> None:
    from flyte_entrypoint.shell.runtime_packages import run_pip

    def mine(signum: int, frame: object) -> None:
        pass

    previous = signal.signal(signal.SIGTERM, mine)
    try:
        result = run_pip(["--no-index", "--disable-pip-version-check", MISSING])
        assert result.returncode != 0
        assert MISSING in result.output
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_sigterm_during_pip_is_forwarded_then_redelivered(tmp_path: Path) -> None:
    """A SIGTERM while pip runs stops pip, and once the old handler is back it gets the signal too."""
    import threading

    from flyte_entrypoint.shell.runtime_packages import run_pip

    fake_python = tmp_path / "fake-python"
    fake_python.write_text("#!/bin/sh\necho installing slowly\nexec sleep 30\n")
    fake_python.chmod(0o755)
    received: list[int] = []

    def mine(signum: int, frame: object) -> None:
        received.append(signum)

    previous = signal.signal(signal.SIGTERM, mine)
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGTERM))
    try:
        timer.start()
        started = time.monotonic()
        result = run_pip(["anything"], python=str(fake_python))
        assert time.monotonic() - started < 15
        assert result.returncode == -signal.SIGTERM
        assert "installing slowly" in result.output
        assert received == [signal.SIGTERM]  # re-delivered to the restored handler
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        timer.cancel()
        signal.signal(signal.SIGTERM, previous)
