"""Every row of ``pyflyte-fast-execute``'s table (``core.fast_run``) that the happy path does not cross: what each
install failure is called and says, where its document goes, the exits of a command that cannot start, the
notebook pickle, and the stop rule for reading member headers.

Expected values: PROTOCOL.md §6 (flytekit's messages: "Destination path is required ...", "task execution code
was not found", "Unrecognized additional distribution format for <uri>"; ``PYTHONPATH``; the cwd as the default
destination), §3.6 (the distributed error name), the README's "Fast registration" section (codes, kinds, exits
0/1/126/127, one JSON line when the store refuses the document) and the shell's conventions for 126/127.
"""

from __future__ import annotations

import pytest
from flyteidl.core import errors_pb2
from pyrsistent import PMap, pmap

from flyte_entrypoint.core import archive as arc
from flyte_entrypoint.core import fast_command as fc
from flyte_entrypoint.core import fast_run as fr

TASK = ("pyflyte-execute", "--inputs", "i", "--output-prefix", "s3://b/out", "--resolver", "r", "--", "x")
CODE = "s3://b/code.tar.gz"
MODE = "FLYTE_ENTRYPOINT_FAST_EXECUTE_MODE"  # README: overrides in process / subprocess
NON_RECOVERABLE, RECOVERABLE = errors_pb2.ContainerError.NON_RECOVERABLE, errors_pb2.ContainerError.RECOVERABLE


def _inv(distribution: str | None = CODE, task: tuple[str, ...] = TASK, **env: str) -> fr.FastInvocation:
    return fr.FastInvocation(distribution, "/dest", task, env, cwd="/cwd", now=5.25, uuid_hex="ab" * 16)


def _doc(cmd: fr.Command) -> errors_pb2.ErrorDocument:
    assert isinstance(cmd, fr.ReportFailure)
    return errors_pb2.ErrorDocument.FromString(cmd.document)


def _planning(inv: fr.FastInvocation | None = None) -> fr.FastRun:
    run, _ = fr.start(inv or _inv(), "/d")
    run, _ = fr.receive(run, fr.Downloaded())
    run, cmd = fr.receive(run, fr.Verified("f00", already_extracted=False))
    assert isinstance(cmd, fr.ReadMembers) and run.state is fr.State.PLANNING
    return run


def _extracting() -> fr.FastRun:
    run, cmd = fr.receive(_planning(), fr.MembersRead((arc.Member("a.py", "file", 1),)))
    assert isinstance(cmd, fr.Extract) and run.state is fr.State.EXTRACTING
    return run


# ------------------------------------------------------------------------------------------ before downloading
def test_an_unrecognized_distribution_is_refused_before_anything_is_downloaded() -> None:
    run, cmd = fr.start(_inv("s3://b/code.zip"), "/d")
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.kind, doc.error.origin) == (
        "SYSTEM:FastExecuteUnrecognizedDistribution",
        NON_RECOVERABLE,
        2,
    )
    assert "Unrecognized additional distribution format for s3://b/code.zip" in doc.error.message
    assert run.state is fr.State.REPORTING and run.failed is not None


def test_invalid_archive_limits_are_a_configuration_error() -> None:
    _, cmd = fr.start(_inv(FLYTE_ENTRYPOINT_ARCHIVE_MAX_MEMBERS="many"), "/d")
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.kind) == ("SYSTEM:FastExecuteBadConfiguration", NON_RECOVERABLE)
    assert "FLYTE_ENTRYPOINT_ARCHIVE_MAX_MEMBERS" in doc.error.message


def test_archive_limits_from_the_environment_reach_the_header_reader() -> None:
    run = _planning(_inv(FLYTE_ENTRYPOINT_ARCHIVE_MAX_MEMBERS="3"))
    assert run.limits == arc.ArchiveLimits(max_members=3)


def test_a_notebook_pickle_is_kept_and_the_command_runs_without_extracting() -> None:
    run, cmd = fr.start(_inv("s3://b/x/pkl.gz"), "/real")
    assert cmd == fr.Download("s3://b/x/pkl.gz", "/real", "pkl.gz")
    _, cmd = fr.receive(run, fr.Downloaded())
    assert isinstance(cmd, fr.RunCommand) and cmd.sys_path == "/real"


# ------------------------------------------------------------------------------------------ install failures
def test_a_destination_that_is_not_a_directory() -> None:
    run, _ = fr.start(_inv(), "/d")
    _, cmd = fr.receive(run, fr.NotADirectory())
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.kind) == ("SYSTEM:FastExecuteBadDestination", NON_RECOVERABLE)
    assert doc.error.message == (
        "Message:\n\n    Destination path is required to download distribution and it should be a directory: '/dest'"
    )
    inv = fr.FastInvocation(CODE, None, TASK, cwd="/cwd")
    run, _ = fr.start(inv, "/resolved/cwd")
    _, cmd = fr.receive(run, fr.NotADirectory())
    assert _doc(cmd).error.message.endswith("it should be a directory: '/resolved/cwd'")


def test_download_failures_are_recoverable_and_name_the_archive() -> None:
    run, _ = fr.start(_inv(), "/d")
    _, cmd = fr.receive(run, fr.DownloadFailed(True, "404", "Traceback ...\nFileNotFoundError: 404\n"))
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.kind) == ("SYSTEM:FastExecuteDownloadFailed", RECOVERABLE)
    assert doc.error.message.endswith(f"Message:\n\n    task execution code was not found: {CODE}")
    assert doc.error.message.startswith("Trace:\n\n    Traceback ...\n    FileNotFoundError: 404\n")
    _, cmd = fr.receive(run, fr.DownloadFailed(False, "503 SlowDown"))
    assert _doc(cmd).error.message == f"Message:\n\n    could not download the task code from {CODE}: 503 SlowDown"


@pytest.mark.parametrize("extracting", [False, True])
def test_an_unreadable_archive_is_recoverable(extracting: bool) -> None:
    run = _extracting() if extracting else _planning()
    _, cmd = fr.receive(run, fr.Unreadable("unexpected end of data"))
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.kind) == ("SYSTEM:FastExecuteArchiveUnreadable", RECOVERABLE)
    assert doc.error.message == (
        f"Message:\n\n    the code archive cannot be read: unexpected end of data [archive: {CODE}]"
    )


def test_an_archive_whose_headers_were_not_read_to_the_end_is_never_extracted() -> None:
    _, cmd = fr.receive(_planning(), fr.MembersRead((arc.Member("a.py", "file", 1),), complete=False))
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.kind) == ("SYSTEM:FastExecuteArchiveRefused", NON_RECOVERABLE)
    assert doc.error.message == (
        "Message:\n\n    reading the member headers stopped before the end of the archive"
        f" [archive: {CODE}]"
    )


def test_extraction_failures_are_recoverable_and_say_which_step() -> None:
    run = _extracting()
    _, cmd = fr.receive(run, fr.ExtractFailed("ENOSPC"))
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.kind) == ("SYSTEM:FastExecuteExtractionFailed", RECOVERABLE)
    assert doc.error.message == f"Message:\n\n    extracting the code archive failed: ENOSPC [archive: {CODE}]"
    _, cmd = fr.receive(run, fr.ExtractFailed("EXDEV", moving=True))
    assert _doc(cmd).error.message == (
        f"Message:\n\n    could not move the extracted code into /d: EXDEV [archive: {CODE}]"
    )


def test_an_internal_error_while_installing_is_an_extraction_failure_with_its_trace() -> None:
    run, _ = fr.start(_inv(), "/d")
    _, cmd = fr.receive(run, fr.InternalError("PermissionError: /d", "Traceback ...\n"))
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.kind) == ("SYSTEM:FastExecuteExtractionFailed", RECOVERABLE)
    assert doc.error.message == "Trace:\n\n    Traceback ...\n\nMessage:\n\n    PermissionError: /d"
    assert (doc.error.timestamp.seconds, doc.error.timestamp.nanos) == (5, 250000000)


def test_a_refused_archive_has_no_trace_section() -> None:
    _, cmd = fr.receive(_planning(), fr.MembersRead((arc.Member("/etc/passwd", "file", 1),)))
    message = _doc(cmd).error.message
    assert message.startswith("Message:\n\n    ") and "Trace:" not in message
    assert message.endswith(f" [archive: {CODE}]")


def test_no_task_command_is_a_usage_error() -> None:
    """click's usage-error status, 2, and nothing is downloaded."""
    done, cmd = fr.start(_inv(task=()), "/d")
    assert cmd == fr.Exit(2, "no task command given (expected: -- pyflyte-execute ...)")
    assert done.state is fr.State.DONE


def test_a_refused_write_without_an_output_prefix_names_an_empty_prefix() -> None:
    run, _ = fr.start(_inv(task=("pyflyte-execute", "--resolver", "r")), "/d")
    run, _ = fr.receive(run, fr.DownloadFailed(True, "404"))
    _, cmd = fr.receive(run, fr.FailureReported(False, "OSError: 500"))
    assert isinstance(cmd, fr.Exit) and cmd.diagnostic is not None and cmd.diagnostic["output_prefix"] == ""


def test_without_a_trace_the_document_has_only_the_message() -> None:
    run, _ = fr.start(_inv(), "/d")
    _, cmd = fr.receive(run, fr.InternalError("PermissionError: /d"))
    assert _doc(cmd).error.message == "Message:\n\n    PermissionError: /d"


def test_the_invocation_is_an_immutable_record() -> None:
    inv = fr.FastInvocation(CODE, "/dest", TASK, {"A": "1"})
    assert isinstance(inv.env, PMap) and dict(inv.env) == {"A": "1"}
    assert fr.FastInvocation(CODE, "/dest", TASK, inv.env).env is inv.env


# ------------------------------------------------------------------------------------------ where the document goes
def test_the_document_goes_under_the_commands_output_prefix_with_the_distributed_name() -> None:
    """§3.6: ``error-<uuid hex>.pb`` and the worker under a distributed error strategy."""
    run, _ = fr.start(_inv(_F_DES="1", _F_WN="w-2"), "/d")
    _, cmd = fr.receive(run, fr.DownloadFailed(True, "404"))
    assert isinstance(cmd, fr.ReportFailure) and cmd.uri == "s3://b/out/error-" + "ab" * 16 + ".pb"
    assert _doc(cmd).error.worker == "w-2"


def test_without_an_output_prefix_nothing_is_written_and_the_exit_is_1() -> None:
    run, _ = fr.start(_inv(task=("pyflyte-execute", "--resolver", "r")), "/d")
    run, cmd = fr.receive(run, fr.DownloadFailed(True, "404"))
    assert isinstance(cmd, fr.ReportFailure) and (cmd.uri, cmd.document) == (None, b"")
    assert cmd.error.failure is fc.FastExecuteFailure.DOWNLOAD_FAILED
    _, cmd = fr.receive(run, fr.FailureReported(False))
    assert cmd == fr.Exit(1, "the task command has no --output-prefix: no error document")


def test_a_refused_document_exits_1_with_one_diagnostic() -> None:
    run, _ = fr.start(_inv(), "/d")
    run, _ = fr.receive(run, fr.DownloadFailed(True, "404"))
    done, cmd = fr.receive(run, fr.FailureReported(False, "OSError: 500"))
    assert cmd == fr.Exit(
        1,
        "could not write the error document: OSError: 500",
        pmap({"event": "output prefix not writable", "output_prefix": "s3://b/out", "error": "OSError: 500"}),
    )
    assert done.state is fr.State.DONE


@pytest.mark.parametrize(("value", "code"), [("true", 1), ("t", 1), ("1", 1), ("yes", 0), ("", 0)])
def test_fail_on_error_uses_flytekits_str2bool(value: str, code: int) -> None:
    run, _ = fr.start(_inv(FLYTE_FAIL_ON_ERROR=value), "/d")
    run, _ = fr.receive(run, fr.DownloadFailed(True, "404"))
    _, cmd = fr.receive(run, fr.FailureReported(True))
    assert cmd == fr.Exit(code, "error document written")


# ------------------------------------------------------------------------------------------ running the command
def test_a_command_that_cannot_start_exits_127_or_126() -> None:
    run, _ = fr.start(_inv(None), None)
    _, cmd = fr.receive(run, fr.SpawnFailed(True, "No such file"))
    assert cmd == fr.Exit(127, "cannot run 'pyflyte-execute': No such file")
    _, cmd = fr.receive(run, fr.SpawnFailed(False, "Permission denied"))
    assert cmd == fr.Exit(126, "cannot run 'pyflyte-execute': Permission denied")


def test_pythonpath_mode_and_destination_of_the_command() -> None:
    """§6.4: the destination appended to ``PYTHONPATH`` with the path separator; the cwd is the destination
    when only a distribution is given."""
    inv = fr.FastInvocation(None, "/dest", ("python", "x.py"), {"PYTHONPATH": "/a", MODE: "inprocess"}, pathsep=";")
    _, cmd = fr.start(inv, "/real")
    assert cmd == fr.RunCommand(("python", "x.py"), fc.RunMode.SUBPROCESS, "/a;/real", "/real")
    inv = fr.FastInvocation(None, None, TASK, {MODE: "subprocess"})
    _, cmd = fr.start(inv, None)
    assert cmd == fr.RunCommand(TASK, fc.RunMode.SUBPROCESS, None, None)
    _, cmd = fr.start(fr.FastInvocation(None, None, TASK), None)  # our own command: in process by default
    assert cmd == fr.RunCommand(TASK, fc.RunMode.INPROCESS, None, None)
    assert fr.destination(fr.FastInvocation(CODE, None, TASK, cwd="/here")) == "/here"
    assert fr.destination(fr.FastInvocation(CODE, "/there", TASK, cwd="/here")) == "/there"
    assert fr.destination(fr.FastInvocation(None, None, TASK, cwd="/here")) is None
    assert fr.destination(fr.FastInvocation(None, "", TASK, cwd="/here")) is None


def test_the_command_gets_the_distribution_and_the_destination_as_given() -> None:
    run, _ = fr.start(_inv(), "/real")
    run, _ = fr.receive(run, fr.Downloaded())
    _, cmd = fr.receive(run, fr.Verified("f00", already_extracted=True))
    assert isinstance(cmd, fr.RunCommand)
    assert cmd.command == (*TASK[:5], "--dynamic-addl-distro", CODE, "--dynamic-dest-dir", "/dest", *TASK[5:])


# ------------------------------------------------------------------------------------------ reading headers
def _m(size: int, kind: str = "file") -> arc.Member:
    return arc.Member(f"m{size}", kind, size)  # type: ignore[arg-type]


def test_past_limits_stops_at_the_first_member_past_any_limit() -> None:
    limits = arc.ArchiveLimits(max_members=3, max_total_bytes=10, max_member_bytes=6)
    assert not fr.past_limits(limits, [])
    assert not fr.past_limits(limits, [_m(5), _m(5)])  # total exactly at the limit
    assert fr.past_limits(limits, [_m(5), _m(5), _m(1)])  # total past it
    assert not fr.past_limits(limits, [_m(6)])  # a member exactly at its limit
    assert fr.past_limits(limits, [_m(7)])
    assert not fr.past_limits(limits, [_m(7, "dir")])  # only files have sizes that count
    assert not fr.past_limits(limits, [_m(9, "symlink"), _m(5), _m(5)])
    assert not fr.past_limits(limits, [_m(-5), _m(5), _m(5)])  # a negative size adds nothing
    assert not fr.past_limits(limits, [_m(0)] * 3)  # a count exactly at the limit
    assert fr.past_limits(limits, [_m(0)] * 4)
    assert fr.past_limits(limits, [_m(-5), _m(6), _m(5)])  # a negative size counts as 0, not as less
    assert not fr.past_limits(limits, (_m(7, "dir"), _m(1)))  # the size limit is checked on the last member


# ------------------------------------------------------------------------------------------ the table
def test_an_event_without_a_row_and_a_handler_outside_its_row_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    run, _ = fr.start(_inv(), "/d")
    with pytest.raises(fr.UnexpectedEvent, match="event Extracted is not expected in state DOWNLOADING"):
        fr.receive(run, fr.Extracted())
    row = fr.TRANSITIONS[(fr.State.START, fr.Started)]
    monkeypatch.setitem(fr.TRANSITIONS, (fr.State.START, fr.Started), fr.Transition(row.handler, frozenset({fr.State.DONE})))  # type: ignore[index]
    with pytest.raises(fr.UnexpectedEvent, match="START \\+ Started led to DOWNLOADING"):
        fr.start(_inv(), "/d")
