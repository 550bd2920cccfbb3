"""``pyflyte-fast-execute``'s pure machine (core/fast_run.py) and its exit contract through the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from flyteidl.core import errors_pb2

from flyte_entrypoint.core import archive as arc
from flyte_entrypoint.core import fast_command as fc
from flyte_entrypoint.core import fast_run as fr

FAST_EXECUTE = str(Path(sys.executable).parent / "pyflyte-fast-execute")
TASK = ("pyflyte-execute", "--inputs", "i", "--output-prefix", "s3://b/out", "--resolver", "r", "--", "x")


def _inv(distribution: str | None = "s3://b/code.tar.gz", **env: str) -> fr.FastInvocation:
    return fr.FastInvocation(distribution, "/dest", TASK, env, cwd="/cwd", now=5.0, uuid_hex="ab" * 16)


def test_happy_path_download_verify_plan_extract_run_exit() -> None:
    run, cmd = fr.start(_inv(), "/real/dest")
    assert cmd == fr.Download("s3://b/code.tar.gz", "/real/dest", None)
    run, cmd = fr.receive(run, fr.Downloaded())
    assert cmd == fr.Verify("/real/dest")
    run, cmd = fr.receive(run, fr.Verified("f00", already_extracted=False))
    assert cmd == fr.ReadMembers(arc.ArchiveLimits())
    run, cmd = fr.receive(run, fr.MembersRead((arc.Member("a.py", "file", 1, "", 0o644),)))
    assert isinstance(cmd, fr.Extract) and cmd.sha256 == "f00" and cmd.plan.member_count == 1
    run, cmd = fr.receive(run, fr.Extracted())
    assert isinstance(cmd, fr.RunCommand) and cmd.mode is fc.RunMode.INPROCESS
    assert cmd.command[:7] == (
        "pyflyte-execute",
        "--inputs",
        "i",
        "--output-prefix",
        "s3://b/out",
        "--dynamic-addl-distro",
        "s3://b/code.tar.gz",
    )
    assert cmd.pythonpath == "/real/dest" and cmd.sys_path == "/real/dest"
    _, cmd = fr.receive(run, fr.CommandFinished(-15))
    assert cmd == fr.Exit(143, "task command finished")


def test_an_archive_already_in_place_is_not_read_again() -> None:
    run, _ = fr.start(_inv(), "/d")
    run, _ = fr.receive(run, fr.Downloaded())
    _, cmd = fr.receive(run, fr.Verified("f00", already_extracted=True))
    assert isinstance(cmd, fr.RunCommand)


def test_a_refused_archive_writes_the_document_and_exits_0() -> None:
    run, _ = fr.start(_inv(), "/d")
    run, _ = fr.receive(run, fr.Downloaded())
    run, _ = fr.receive(run, fr.Verified("f00", False))
    run, cmd = fr.receive(run, fr.MembersRead((arc.Member("/etc/passwd", "file", 1, "", 0o644),)))
    assert isinstance(cmd, fr.ReportFailure) and cmd.uri == "s3://b/out/error.pb"
    doc = errors_pb2.ErrorDocument.FromString(cmd.document)
    assert (doc.error.code, doc.error.kind) == (
        "SYSTEM:FastExecuteArchiveRefused",
        errors_pb2.ContainerError.NON_RECOVERABLE,
    )
    assert "[archive: s3://b/code.tar.gz]" in doc.error.message
    _, cmd = fr.receive(run, fr.FailureReported(True))
    assert cmd == fr.Exit(0, "error document written")


def test_fail_on_error_and_unwritable_document_exit_1() -> None:
    run, _ = fr.start(_inv(FLYTE_FAIL_ON_ERROR="true"), "/d")
    run, _ = fr.receive(run, fr.DownloadFailed(True, "gone"))
    _, cmd = fr.receive(run, fr.FailureReported(True))
    assert isinstance(cmd, fr.Exit) and cmd.code == 1
    run, _ = fr.start(_inv(), "/d")
    run, _ = fr.receive(run, fr.DownloadFailed(False, "503"))
    _, cmd = fr.receive(run, fr.FailureReported(False, "OSError: 500"))
    assert isinstance(cmd, fr.Exit) and cmd.code == 1 and cmd.diagnostic is not None


def test_no_command_and_no_distribution() -> None:
    _, cmd = fr.start(fr.FastInvocation("s3://b/c.tar.gz", None, ()), None)
    assert isinstance(cmd, fr.Exit) and cmd.code == 2
    _, cmd = fr.start(fr.FastInvocation(None, None, ("prog",)), None)
    assert cmd == fr.RunCommand(("prog",), fc.RunMode.SUBPROCESS, None, None)


# ------------------------------------------------------------------------------------------ through the CLI
def test_cli_fail_on_error_exits_1_with_the_document(tmp_path: Path) -> None:
    prefix = tmp_path / "out"
    env = {"PATH": str(Path(sys.executable).parent), "FLYTE_FAIL_ON_ERROR": "true"}
    cmd = [
        FAST_EXECUTE,
        "--additional-distribution",
        str(tmp_path / "nope.tar.gz"),
        "--dest-dir",
        str(tmp_path),
    ]
    res = subprocess.run(
        [*cmd, "--", sys.executable, "-c", "pass", "--output-prefix", str(prefix)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 1
    assert (
        errors_pb2.ErrorDocument.FromString((prefix / "error.pb").read_bytes()).error.code
        == "SYSTEM:FastExecuteDownloadFailed"
    )


def test_cli_unwritable_prefix_exits_1_with_one_json_line(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file")
    env = {"PATH": str(Path(sys.executable).parent)}
    cmd = [
        FAST_EXECUTE,
        "--additional-distribution",
        str(tmp_path / "nope.tar.gz"),
        "--dest-dir",
        str(tmp_path),
    ]
    res = subprocess.run(
        [*cmd, "--", sys.executable, "-c", "pass", "--output-prefix", str(blocker / "out")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 1
    lines = [json.loads(line) for line in res.stderr.splitlines() if line.startswith("{")]
    assert [line["event"] for line in lines] == ["output prefix not writable"]


@pytest.mark.parametrize("mode", ["inprocess", "subprocess"])
def test_cli_exit_status_is_the_task_commands(tmp_path: Path, mode: str) -> None:
    env = {"PATH": str(Path(sys.executable).parent), fc.MODE_ENV: mode}
    res = subprocess.run(
        [FAST_EXECUTE, "--", sys.executable, "-c", "raise SystemExit(4)"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 4


def test_reading_stops_past_the_limits_and_an_incomplete_read_is_never_extracted() -> None:
    limits = arc.ArchiveLimits(max_members=2, max_total_bytes=10, max_member_bytes=8)
    f = arc.Member("a.py", "file", 4, "", 0o644)
    assert not fr.past_limits(limits, [f, f])
    assert fr.past_limits(limits, [f, f, f])  # count
    assert fr.past_limits(limits, [arc.Member("big", "file", 9, "", 0o644)])  # one member
    assert fr.past_limits(limits, [f, arc.Member("b", "file", 7, "", 0o644)])  # total
    assert not fr.past_limits(limits, [arc.Member("d", "dir", 99, "", 0o755)])  # only files count
    run, _ = fr.start(_inv(), "/d")
    run, _ = fr.receive(run, fr.Downloaded())
    run, _ = fr.receive(run, fr.Verified("f00", False))
    _, cmd = fr.receive(run, fr.MembersRead((f,), complete=False))
    assert isinstance(cmd, fr.ReportFailure) and cmd.error.failure is fc.FastExecuteFailure.ARCHIVE_REFUSED
