"""``core.reports``: the error documents for failures that are not exceptions from task code.

The layout is flytekit's ``Trace:\\n\\n<4-space indented trace>\\nMessage:\\n\\n<4-space indented summary>``
(PROTOCOL §2); codes, kinds and origins are the ones the README's error table documents.
"""

from __future__ import annotations

from flyte_entrypoint.core import reports
from flyte_entrypoint.core.errors import NON_RECOVERABLE, ORIGIN_SYSTEM, ORIGIN_USER, RECOVERABLE, ErrorReport


def test_layout() -> None:
    assert reports.layout("a\nb", "S: x") == "Trace:\n\n    a\n    b\n\nMessage:\n\n    S: x"
    assert reports.layout("a\n", "S\nT") == "Trace:\n\n    a\n\nMessage:\n\n    S\n    T"
    assert reports.layout("a\n\nb", "S") == "Trace:\n\n    a\n\n    b\n\nMessage:\n\n    S"  # blank lines stay blank


def test_tail() -> None:
    assert reports.tail("a\nb\nc", 3) == "a\nb\nc"
    assert reports.tail("a\nb\nc\n", 5) == "a\nb\nc"
    assert reports.tail("a\nb\nc\nd", 2) == "... (2 earlier lines omitted)\nc\nd"
    assert reports.tail("", 2) == ""
    assert reports.PIP_OUTPUT_TAIL_LINES == 40


def test_runtime_packages_failed() -> None:
    report = reports.runtime_packages_failed(("numpy", "--no-index"), 1, "collecting numpy\nERROR: nope\n", 7.5, "w1")
    assert report == ErrorReport(
        "USER:RuntimePackagesInstallFailed",
        "Trace:\n\n    collecting numpy\n    ERROR: nope\n\nMessage:\n\n    RuntimePackagesInstallFailed: installing the "
        "runtime packages (_F_RUNTIME_PACKAGES) failed: 'pip install numpy --no-index' exited with code 1",
        RECOVERABLE,
        ORIGIN_USER,
        7.5,
        "w1",
    )


def test_runtime_packages_killed_and_silent() -> None:
    report = reports.runtime_packages_failed(("x",), -9, "", 1.0)
    assert report.message.endswith("failed: 'pip install x' was killed by signal 9")
    assert report.message.startswith("Trace:\n\n    (pip printed nothing)\n\nMessage:")
    assert report.worker == ""
    long_output = "\n".join(f"line {i}" for i in range(100))
    message = reports.runtime_packages_failed(("x",), 2, long_output, 1.0).message
    assert "    ... (60 earlier lines omitted)\n    line 60\n" in message and "line 59\n" not in message
    assert "exited with code 2" in message
    assert reports.runtime_packages_failed(("x",), 0, "", 1.0).message.endswith("'pip install x' exited with code 0")


def test_dynamic_not_supported() -> None:
    report = reports.dynamic_not_supported("wf.dyn", 3.0, "w")
    assert (report.code, report.kind, report.origin, report.timestamp, report.worker) == (
        "SYSTEM:DynamicNotSupported",
        NON_RECOVERABLE,
        ORIGIN_SYSTEM,
        3.0,
        "w",
    )
    assert report.message == reports.layout(
        "(no traceback: wf.dyn was loaded but not run)",
        "DynamicNotSupported: wf.dyn is a dynamic task. Dynamic tasks are not supported by flyte-entrypoint: "
        "they compile a workflow at run time (a DynamicJobSpec, futures.pb), which needs flytekit. Run this "
        "task's image with flytekit's pyflyte-execute, or make it a regular task.",
    )
    assert reports.dynamic_not_supported("t", 1.0).worker == ""


def test_terminated() -> None:
    report = reports.terminated("SIGTERM", 15, "File x, line 1", 9.0, "w")
    assert report == ErrorReport(
        "SYSTEM:Terminated",
        reports.layout(
            "File x, line 1",
            "Terminated: the task process received SIGTERM (signal 15) while running user code and stopped "
            "before the task finished (exit code 143).",
        ),
        RECOVERABLE,
        ORIGIN_SYSTEM,
        9.0,
        "w",
    )
    assert "    (no stack available)\n" in reports.terminated("SIGINT", 2, "", 1.0).message
    assert reports.terminated("SIGINT", 2, "", 1.0).worker == ""
