"""The pure rules of ``pyflyte-fast-execute`` (``core.fast_command``): which ``--resolver`` and ``--output-prefix``
of the follow-up command count, how it runs, its exit status and the error document of a failed install.

Expected values: PROTOCOL.md §6 (flytekit's rewrite, ``PYTHONPATH`` and exit status), §3.4 (message layout),
§13 Q6/Q7/Q12 (the deliberate differences) and the README's "Fast registration" section (codes and kinds);
click's own rule that the last occurrence of an option wins.
"""

from __future__ import annotations

import pytest
from flyteidl.core import errors_pb2

from flyte_entrypoint.core import fast_command as fc

F = fc.FastExecuteFailure
EXECUTE = "/venv/bin/pyflyte-execute"


# ------------------------------------------------------------------------------------------ options
@pytest.mark.parametrize(
    ("cmd", "end"),
    [
        ((EXECUTE, "--inputs", "i", "--", "task-module", "m"), 3),
        ((EXECUTE, "--inputs", "i"), 3),
        ((EXECUTE, "--", "--"), 1),
        ((), 0),
    ],
)
def test_options_end_at_the_first_bare_double_dash(cmd: tuple[str, ...], end: int) -> None:
    assert fc.options_end(cmd) == end


def test_the_resolver_option_is_the_first_before_the_double_dash_in_either_spelling() -> None:
    assert fc.resolver_index((EXECUTE, "--inputs", "i", "--resolver", "r", "--", "--resolver")) == 3
    assert fc.resolver_index((EXECUTE, "--resolver=r", "--resolver", "s")) == 1
    assert fc.resolver_index((EXECUTE, "--", "--resolver", "r")) is None  # a resolver arg, not the option
    assert fc.resolver_index(("--resolver", "x")) is None  # argv[0] is the program
    assert fc.resolver_index((EXECUTE, "--resolverx", "r")) is None


def test_the_rewrite_inserts_the_four_args_once_right_before_the_resolver() -> None:
    """Q6: once, before the first ``--resolver`` ahead of ``--`` (flytekit: before every one)."""
    cmd = (EXECUTE, "--inputs", "i", "--resolver", "r", "--", "task-module", "--resolver")
    assert fc.rewrite_task_command(cmd, "s3://b/a.tar.gz", "/root") == (
        EXECUTE, "--inputs", "i",
        "--dynamic-addl-distro", "s3://b/a.tar.gz", "--dynamic-dest-dir", "/root",
        "--resolver", "r", "--", "task-module", "--resolver",
    )  # fmt: skip
    assert fc.rewrite_task_command(cmd, None, "/root") == cmd  # Q7: nothing without a distribution
    assert fc.rewrite_task_command(cmd, "s3://b/a.tar.gz", None) == cmd


def test_the_rewrite_is_idempotent_but_other_distributions_are_inserted() -> None:
    once = fc.rewrite_task_command((EXECUTE, "--resolver", "r"), "d", "p")
    assert fc.rewrite_task_command(once, "d", "p") == once
    assert fc.rewrite_task_command(once, "d2", "p") == (
        EXECUTE, "--dynamic-addl-distro", "d", "--dynamic-dest-dir", "p",
        "--dynamic-addl-distro", "d2", "--dynamic-dest-dir", "p", "--resolver", "r",
    )  # fmt: skip
    # exactly four args before the resolver: the check must look at all four, from index 0
    four = ("--dynamic-addl-distro", "d", "--dynamic-dest-dir", "p", "--resolver", "r")
    assert fc.rewrite_task_command(("prog", *four[1:]), "d", "p") == ("prog", *four[1:4], *four[:4], *four[4:])


@pytest.mark.parametrize(
    ("args", "prefix"),
    [
        (("--output-prefix", "s3://a"), "s3://a"),
        (("--output-prefix=s3://a",), "s3://a"),
        (("--output-prefix", "s3://a", "--output-prefix=s3://b"), "s3://b"),  # click: the last one wins
        (("--output-prefix=s3://a", "--output-prefix", "s3://b"), "s3://b"),
        (("--output-prefix",), None),  # no value
        (("--output-prefix", "--", "s3://a"), None),  # the value would be past the options
        (("--", "--output-prefix", "s3://a"), None),
        (("--output-prefix=",), None),
        ((), None),
    ],
)
def test_output_prefix_of_the_follow_up_command(args: tuple[str, ...], prefix: str | None) -> None:
    assert fc.output_prefix_of((EXECUTE, *args)) == prefix


def test_output_prefix_flag_as_the_program_is_not_an_option() -> None:
    assert fc.output_prefix_of(("--output-prefix", "s3://a")) is None


# ------------------------------------------------------------------------------------------ how it runs
@pytest.mark.parametrize(
    ("cmd", "name"),
    [
        ((EXECUTE, "--x"), "pyflyte-execute"),
        (("pyflyte-map-execute",), "pyflyte-map-execute"),
        (("/bin/dir/",), "dir"),
        (("/opt/bin/runX",), "runX"),
        (("/opt/X/",), "X"),
        ((), ""),
    ],
)
def test_program_name_is_the_basename_of_argv0(cmd: tuple[str, ...], name: str) -> None:
    assert fc.program_name(cmd) == name


def test_pythonpath_appends_the_destination() -> None:
    """§6.4: appended after any existing value with the path separator (observed ``/existing:<dest>``)."""
    assert fc.child_pythonpath("/existing", "/dest", ":") == "/existing:/dest"
    assert fc.child_pythonpath("/a;/b", "/dest", ";") == "/a;/b;/dest"
    assert fc.child_pythonpath(None, "/dest", ":") == "/dest"
    assert fc.child_pythonpath("", "/dest", ":") == "/dest"


@pytest.mark.parametrize(("returncode", "status"), [(0, 0), (5, 5), (42, 42), (-15, 143), (-9, 137), (-1, 129)])
def test_exit_status_is_the_childs_or_128_plus_the_signal(returncode: int, status: int) -> None:
    """§6.5 observed 5 and 42; Q12: a signal S gives ``128+S`` (flytekit: ``256-S``)."""
    assert fc.exit_status_for(returncode) == status


@pytest.mark.parametrize(
    ("value", "mode"),
    [
        (None, fc.RunMode.INPROCESS),
        ("", fc.RunMode.INPROCESS),
        ("inprocess", fc.RunMode.INPROCESS),
        (" SubProcess ", fc.RunMode.SUBPROCESS),
        ("subprocess", fc.RunMode.SUBPROCESS),
        (" INPROCESS\n", fc.RunMode.INPROCESS),
        ("threads", fc.RunMode.INPROCESS),
    ],
)
def test_run_mode_of_our_own_commands(value: str | None, mode: fc.RunMode) -> None:
    assert fc.run_mode(value, (EXECUTE,)) is mode
    assert fc.run_mode(value, ("/venv/bin/pyflyte-map-execute",)) is mode


def test_unknown_values_fall_back_to_the_given_default_and_other_programs_are_subprocesses() -> None:
    assert fc.run_mode("threads", (EXECUTE,), default=fc.RunMode.SUBPROCESS) is fc.RunMode.SUBPROCESS
    assert fc.run_mode("inprocess", (EXECUTE,), default=fc.RunMode.SUBPROCESS) is fc.RunMode.INPROCESS
    assert fc.DEFAULT_RUN_MODE is fc.RunMode.INPROCESS
    for program in ("python", "/usr/bin/pyflyte-fast-execute", "bash"):
        assert fc.run_mode("inprocess", (program,)) is fc.RunMode.SUBPROCESS
    assert fc.run_mode("inprocess", ()) is fc.RunMode.SUBPROCESS


# ------------------------------------------------------------------------------------------ the error document
@pytest.mark.parametrize(
    ("failure", "code", "kind"),
    [
        (F.DOWNLOAD_FAILED, "SYSTEM:FastExecuteDownloadFailed", errors_pb2.ContainerError.RECOVERABLE),
        (F.ARCHIVE_UNREADABLE, "SYSTEM:FastExecuteArchiveUnreadable", errors_pb2.ContainerError.RECOVERABLE),
        (F.EXTRACTION_FAILED, "SYSTEM:FastExecuteExtractionFailed", errors_pb2.ContainerError.RECOVERABLE),
        (F.ARCHIVE_REFUSED, "SYSTEM:FastExecuteArchiveRefused", errors_pb2.ContainerError.NON_RECOVERABLE),
        (F.UNRECOGNIZED_DISTRIBUTION, "SYSTEM:FastExecuteUnrecognizedDistribution", errors_pb2.ContainerError.NON_RECOVERABLE),
        (F.BAD_DESTINATION, "SYSTEM:FastExecuteBadDestination", errors_pb2.ContainerError.NON_RECOVERABLE),
        (F.BAD_CONFIGURATION, "SYSTEM:FastExecuteBadConfiguration", errors_pb2.ContainerError.NON_RECOVERABLE),
    ],
)
def test_codes_and_kinds_of_install_failures(failure: fc.FastExecuteFailure, code: str, kind: int) -> None:
    """README "Fast registration": the codes, RECOVERABLE for download/read/extract trouble only."""
    report = fc.fast_execute_error_report(fc.FastExecuteError(failure, "m"), 12.5, "w-1")
    doc = report.to_proto()
    assert (doc.error.code, doc.error.kind, doc.error.origin, doc.error.worker) == (code, kind, 2, "w-1")
    assert (doc.error.timestamp.seconds, doc.error.timestamp.nanos) == (12, 500000000)


def test_the_message_has_flytekits_layout_with_a_trace_section_only_when_there_is_a_trace() -> None:
    """§3.4: 4 spaces before every line that is not blank; blank lines stay empty."""
    without = fc.fast_execute_error_report(fc.FastExecuteError(F.ARCHIVE_REFUSED, "refused\n\nmember ../x"), 1.0)
    assert without.message == "Message:\n\n    refused\n\n    member ../x"
    assert without.worker == ""
    error = fc.FastExecuteError(F.DOWNLOAD_FAILED, "gone", "Traceback (most recent call last):\n  \nOSError: gone\n")
    with_trace = fc.fast_execute_error_report(error, 1.0)
    assert with_trace.message == (
        "Trace:\n\n    Traceback (most recent call last):\n  \n    OSError: gone\n\nMessage:\n\n    gone"
    )
