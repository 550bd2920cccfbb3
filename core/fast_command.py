"""Pure rules of ``pyflyte-fast-execute``: the follow-up command, its environment, its exit status, and
the error document written when the code archive cannot be installed (PROTOCOL §6, Q6, Q7, Q8, Q12).

Laws (``property_tests/test_archive_laws.py``):

* **insert once**: :func:`rewrite_task_command` inserts the four ``--dynamic-*`` args at most once, right
  before the first ``--resolver`` option ahead of ``--``, and keeps every other arg in order; a
  ``--resolver`` after ``--`` is a resolver arg and never gets them; without a distribution nothing is
  inserted;
* **idempotent**: rewriting a rewritten command changes nothing;
* **exit status**: :func:`exit_status_for` is the child's code, or ``128+S`` for a signal S, always 0..255;
* **PYTHONPATH**: :func:`child_pythonpath` ends with the destination, after the existing value when there
  is one;
* **run mode**: only our own two commands ever run in process.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

import attrs

from flyte_entrypoint.core.errors import NON_RECOVERABLE, ORIGIN_SYSTEM, RECOVERABLE, ErrorReport

RESOLVER_FLAG = "--resolver"
DISTRO_FLAG = "--dynamic-addl-distro"
DEST_DIR_FLAG = "--dynamic-dest-dir"
OUTPUT_PREFIX_FLAG = "--output-prefix"
END_OF_OPTIONS = "--"

MODE_ENV = "FLYTE_ENTRYPOINT_FAST_EXECUTE_MODE"
OWN_COMMANDS = frozenset({"pyflyte-execute", "pyflyte-map-execute"})


# --------------------------------------------------------------------------------------------------
# The follow-up command
# --------------------------------------------------------------------------------------------------


def _is_resolver_option(arg: str) -> bool:
    return arg == RESOLVER_FLAG or arg.startswith(RESOLVER_FLAG + "=")


def options_end(cmd: Sequence[str]) -> int:
    """Index of the first bare ``--`` (everything after it is a positional resolver arg), or ``len(cmd)``."""
    for i, arg in enumerate(cmd):
        if arg == END_OF_OPTIONS:
            return i
    return len(cmd)


def resolver_index(cmd: Sequence[str]) -> int | None:
    """Index of the first ``--resolver`` (or ``--resolver=x``) that is an option, i.e. before the first ``--``.

    ``cmd[0]`` is the program, never an option.
    """
    end = options_end(cmd)
    for i in range(1, end):
        if _is_resolver_option(cmd[i]):
            return i
    return None


def rewrite_task_command(
    cmd: Sequence[str], distribution: str | None, dest_dir: str | None
) -> tuple[str, ...]:
    """Insert ``--dynamic-addl-distro <d> --dynamic-dest-dir <dest>`` once, right before the resolver option.

    Differences from flytekit, deliberately (PROTOCOL §13):
    * Q6: only before the first ``--resolver`` that precedes the resolver args' ``--``; a ``--resolver``
      among the resolver args is left alone. ``--resolver=x`` counts as the option too.
    * Q7: nothing is inserted without a distribution (flytekit put ``None`` into argv and crashed).
    * Idempotent: when the same four args already sit right before the resolver, nothing is added.
    A command without a resolver option is returned unchanged.
    """
    if distribution is None or dest_dir is None:
        return tuple(cmd)
    at = resolver_index(cmd)
    if at is None:
        return tuple(cmd)
    insert = (DISTRO_FLAG, distribution, DEST_DIR_FLAG, dest_dir)
    if at >= len(insert) and tuple(cmd[at - len(insert) : at]) == insert:
        return tuple(cmd)
    return (*cmd[:at], *insert, *cmd[at:])


def output_prefix_of(cmd: Sequence[str]) -> str | None:
    """The follow-up command's ``--output-prefix`` value (the last one, as click takes it), if any."""
    end = options_end(cmd)
    found: str | None = None
    i = 1
    while i < end:
        arg = cmd[i]
        if arg == OUTPUT_PREFIX_FLAG and i + 1 < end:
            found = cmd[i + 1]
            i += 2
            continue
        if arg.startswith(OUTPUT_PREFIX_FLAG + "="):
            found = arg[len(OUTPUT_PREFIX_FLAG) + 1 :]
        i += 1
    return found or None


def program_name(cmd: Sequence[str]) -> str:
    """The basename of ``argv[0]`` (``/venv/bin/pyflyte-execute`` -> ``pyflyte-execute``)."""
    if not cmd:
        return ""
    return cmd[0].rstrip("/").rpartition("/")[2]


def child_pythonpath(existing: str | None, dest_realpath: str, pathsep: str) -> str:
    """``PYTHONPATH`` for the follow-up command: the destination **appended**, as flytekit does.

    An empty existing value counts as unset (flytekit would produce ``:<dest>``, whose empty entry
    silently adds the current directory to ``sys.path``).
    """
    if not existing:
        return dest_realpath
    return existing + pathsep + dest_realpath


def exit_status_for(returncode: int) -> int:
    """The child's exit code, or ``128 + S`` when signal S killed it (``returncode == -S``; Q12)."""
    if returncode < 0:
        return 128 + (-returncode)
    return returncode


class RunMode(str, enum.Enum):
    INPROCESS = "inprocess"
    SUBPROCESS = "subprocess"


DEFAULT_RUN_MODE = RunMode.INPROCESS


def run_mode(env_value: str | None, cmd: Sequence[str], default: RunMode = DEFAULT_RUN_MODE) -> RunMode:
    """In-process only for our own commands; anything else is always a subprocess.

    ``env_value`` is ``FLYTE_ENTRYPOINT_FAST_EXECUTE_MODE`` (``inprocess`` / ``subprocess``; anything else
    falls back to ``default``).
    """
    if program_name(cmd) not in OWN_COMMANDS:
        return RunMode.SUBPROCESS
    value = (env_value or "").strip().lower()
    if value == RunMode.INPROCESS.value:
        return RunMode.INPROCESS
    if value == RunMode.SUBPROCESS.value:
        return RunMode.SUBPROCESS
    return default


# --------------------------------------------------------------------------------------------------
# Failure before the task command runs
# --------------------------------------------------------------------------------------------------


class FastExecuteFailure(str, enum.Enum):
    """What went wrong while installing the code archive; the value is the error code's suffix."""

    BAD_DESTINATION = "FastExecuteBadDestination"
    DOWNLOAD_FAILED = "FastExecuteDownloadFailed"
    UNRECOGNIZED_DISTRIBUTION = "FastExecuteUnrecognizedDistribution"
    ARCHIVE_UNREADABLE = "FastExecuteArchiveUnreadable"
    ARCHIVE_REFUSED = "FastExecuteArchiveRefused"
    EXTRACTION_FAILED = "FastExecuteExtractionFailed"
    BAD_CONFIGURATION = "FastExecuteBadConfiguration"


_RECOVERABLE = frozenset(
    {
        FastExecuteFailure.DOWNLOAD_FAILED,  # network, throttling, eventual consistency
        FastExecuteFailure.ARCHIVE_UNREADABLE,  # most often a truncated download
        FastExecuteFailure.EXTRACTION_FAILED,  # disk full / node-local I/O trouble
    }
)


@attrs.frozen
class FastExecuteError:
    failure: FastExecuteFailure
    message: str
    trace: str = ""  # a rendered traceback, when an exception caused it

    @property
    def code(self) -> str:
        return f"SYSTEM:{self.failure.value}"

    @property
    def recoverable(self) -> bool:
        return self.failure in _RECOVERABLE


def _indent(text: str) -> str:
    return "".join(("    " + line) if line.strip() else line for line in text.splitlines(keepends=True))


def fast_execute_error_report(error: FastExecuteError, now: float, worker: str = "") -> ErrorReport:
    """The ErrorDocument fields: origin SYSTEM, ``SYSTEM:FastExecute*`` code, kind by failure class.

    The message uses flytekit's layout (``Trace:`` section only when there is a traceback).
    """
    message = f"Message:\n\n{_indent(error.message)}"
    if error.trace:
        message = f"Trace:\n\n{_indent(error.trace)}\n{message}"
    kind = RECOVERABLE if error.recoverable else NON_RECOVERABLE
    return ErrorReport(error.code, message, kind, ORIGIN_SYSTEM, now, worker)
