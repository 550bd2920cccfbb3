"""Error documents for failures that are not exceptions raised by task code.

* ``USER:RuntimePackagesInstallFailed``: ``pip install $_F_RUNTIME_PACKAGES`` exited non-zero before
  the task was loaded (flytekit ignores pip's exit code, Q5);
* ``SYSTEM:DynamicNotSupported``: the task is a ``@dynamic`` task, which needs workflow compilation
  (a ``DynamicJobSpec``) that flyte-entrypoint does not do;
* ``SYSTEM:Terminated``: the process received SIGTERM while user code was running (flytekit writes
  nothing, Q24).

The messages keep flytekit's ``Trace: ... Message: ...`` layout so log tooling treats them alike.

Laws (``property_tests/test_small_rules_laws.py``): ``layout`` indents every non-blank line by four
spaces and un-indenting its two parts gives the trace and the summary back; ``tail(text, n)`` keeps the
last ``n`` lines and says how many it left out.
"""

from __future__ import annotations

import textwrap

from flyte_entrypoint.core.errors import (
    NON_RECOVERABLE,
    ORIGIN_SYSTEM,
    ORIGIN_USER,
    RECOVERABLE,
    ErrorReport,
)

RUNTIME_PACKAGES_FAILED = "USER:RuntimePackagesInstallFailed"
DYNAMIC_NOT_SUPPORTED = "SYSTEM:DynamicNotSupported"
TERMINATED = "SYSTEM:Terminated"

#: How many trailing lines of pip's output the error document keeps (the log has all of it).
PIP_OUTPUT_TAIL_LINES = 40


def layout(trace: str, summary: str) -> str:
    """flytekit's message layout: ``Trace:\\n\\n<indented trace>\\nMessage:\\n\\n<indented summary>``."""
    body = trace if trace.endswith("\n") else trace + "\n"
    return f"Trace:\n\n{textwrap.indent(body, '    ')}\nMessage:\n\n{textwrap.indent(summary, '    ')}"


def tail(text: str, lines: int) -> str:
    """The last ``lines`` lines of ``text`` (all of it when shorter), with a note of what was cut."""
    parts = text.splitlines()
    if len(parts) <= lines:
        return "\n".join(parts)
    return "\n".join([f"... ({len(parts) - lines} earlier lines omitted)", *parts[-lines:]])


def runtime_packages_failed(
    packages: tuple[str, ...], returncode: int, output: str, now: float, worker: str = ""
) -> ErrorReport:
    """pip failed. USER origin (the package list is the user's); RECOVERABLE, because the usual cause in a
    container is a transient index/network failure (a retry of a typo fails again, harmlessly)."""
    how = f"was killed by signal {-returncode}" if returncode < 0 else f"exited with code {returncode}"
    summary = (
        f"RuntimePackagesInstallFailed: installing the runtime packages (_F_RUNTIME_PACKAGES) failed: "
        f"'pip install {' '.join(packages)}' {how}"
    )
    trace = tail(output, PIP_OUTPUT_TAIL_LINES) or "(pip printed nothing)"
    return ErrorReport(RUNTIME_PACKAGES_FAILED, layout(trace, summary), RECOVERABLE, ORIGIN_USER, now, worker)


def dynamic_not_supported(task_name: str, now: float, worker: str = "") -> ErrorReport:
    """A ``@dynamic`` task was asked to run. NON_RECOVERABLE: retrying cannot help."""
    summary = (
        f"DynamicNotSupported: {task_name} is a dynamic task. Dynamic tasks are not supported by "
        "flyte-entrypoint: they compile a workflow at run time (a DynamicJobSpec, futures.pb), which needs "
        "flytekit. Run this task's image with flytekit's pyflyte-execute, or make it a regular task."
    )
    trace = f"(no traceback: {task_name} was loaded but not run)"
    return ErrorReport(
        DYNAMIC_NOT_SUPPORTED, layout(trace, summary), NON_RECOVERABLE, ORIGIN_SYSTEM, now, worker
    )


def terminated(signal_name: str, signal_number: int, stack: str, now: float, worker: str = "") -> ErrorReport:
    """The process was told to stop while user code ran. RECOVERABLE: the pod was evicted, preempted or
    deleted, not failed by its code. ``stack`` is where the main thread was when the signal arrived."""
    summary = (
        f"Terminated: the task process received {signal_name} (signal {signal_number}) while running user "
        f"code and stopped before the task finished (exit code {128 + signal_number})."
    )
    trace = stack or "(no stack available)"
    return ErrorReport(TERMINATED, layout(trace, summary), RECOVERABLE, ORIGIN_SYSTEM, now, worker)
