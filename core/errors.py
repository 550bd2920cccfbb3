"""Error documents: which code/kind/origin a failure gets, its message text and its file name.

Everything here is a pure function of values the shell captured: the exception object, its already
rendered traceback text (rendering reads source files, so the shell does it), the time and a uuid.

Laws (``property_tests/test_error_document_laws.py`` and ``property_tests/test_entrypoint_rules_laws.py``):

* **classification** (PROTOCOL §3.2): :func:`classify` answers every phase and exception: the user's phases
  (loading, the task) give origin USER, the exception's own code, RECOVERABLE exactly for
  ``FlyteRecoverableException``; input/output conversion and the environment give ``SYSTEM``,
  NON_RECOVERABLE; every other phase ``SYSTEM``, RECOVERABLE; an exception whose ``__str__`` raises is
  ``SYSTEM``, RECOVERABLE in every phase, with a placeholder text (Q26);
* **timestamp** (§3.5): a ``FlyteException``'s own timestamp wins; the document holds ``int(ts)`` seconds and
  ``int((ts - int(ts)) * 1e9)`` nanoseconds;
* **message layout** (§3.4): ``Trace:``, the trace and ``Message:``, every non-blank line indented by four
  spaces; un-indenting the last section gives ``Name: str`` back;
* **storage names**: :func:`as_flyte_storage_error` renames exactly the captured storage failures to
  flytekit's three classes, keeps the original trace as the start of the new one, and is idempotent;
* **codes and names**: :func:`user_error_code` is total and a string (``USER:RuntimeError`` without a code);
  the error file is ``error.pb``, or ``error-<uuid>.pb`` exactly when a distributed strategy is set.
"""

from __future__ import annotations

import enum
import textwrap
from collections.abc import Mapping
from typing import Any

import attrs

from flyte_entrypoint.core.env import get_one_of
from flyte_entrypoint.core.exceptions import FlyteException, FlyteRecoverableException, IgnoreOutputs

DEFAULT_USER_CODE = "USER:RuntimeError"
ERROR_FILE_NAME = "error.pb"

NON_RECOVERABLE = 0
RECOVERABLE = 1
ORIGIN_USER = 1
ORIGIN_SYSTEM = 2


class Phase(enum.Enum):
    """Where a failure happened; this, not wrapper exceptions, decides the classification."""

    LOAD = "load"  # importing the resolver / loading the task: the user's code or configuration
    USER_CODE = "user_code"  # the task function itself
    DOWNLOAD_INPUTS = "download_inputs"  # fetching inputs.pb or offloaded literals
    CONVERT_INPUTS = "convert_inputs"  # literal -> python (incl. map-task element selection)
    CONVERT_OUTPUTS = "convert_outputs"  # python -> literal
    UPLOAD_DATA = "upload_data"  # files/directories an output refers to
    WRITE_OUTPUTS = "write_outputs"  # outputs.pb (or an offloaded literal) could not be stored
    PLATFORM = "platform"  # anything else inside the entrypoint (e.g. offloading limits)
    ENVIRONMENT = "environment"  # invalid environment for this run (e.g. a bad array index)


class StorageFault(enum.Enum):
    """What a storage failure was, as the shell observed it (a fact, not a classification)."""

    NOT_FOUND = "not_found"  # the object to read does not exist
    DOWNLOAD = "download"  # any other read failure
    UPLOAD = "upload"  # any write failure


@attrs.frozen
class StorageFailure:
    fault: StorageFault
    uri: str  # the remote side
    message: str  # the storage error's text (flytekit's "Failed to get data from ..." wording)


@attrs.frozen
class CapturedError:
    """An exception as the shell caught it: the object plus its traceback already rendered.

    ``storage`` is set when the exception is a storage failure; the core then decides how it is named
    in the error document (:func:`as_flyte_storage_error`).
    """

    exception: BaseException
    trace: str
    storage: StorageFailure | None = None


_DURING_HANDLING = "\nDuring handling of the above exception, another exception occurred:\n\n"


def as_flyte_storage_error(captured: CapturedError) -> CapturedError:
    """A storage failure under flytekit's names, so error documents read the same:
    not found -> ``FlyteDataNotFoundException``, other reads -> ``FlyteDownloadDataException``, writes ->
    ``FlyteUploadDataException``. The original stays in the trace as the exception being handled (as
    when the renamed exception is raised in an ``except`` block: ``__context__``, not ``__cause__``,
    which ``str()`` of a FlyteException would append). Anything else is returned unchanged."""
    from flyte_entrypoint.core import exceptions as fx

    failure = captured.storage
    if failure is None:
        return captured
    wrapped: Exception
    if failure.fault is StorageFault.NOT_FOUND:
        wrapped = fx.FlyteDataNotFoundException(failure.uri)
    elif failure.fault is StorageFault.DOWNLOAD:
        wrapped = fx.FlyteDownloadDataException(failure.message)
    else:
        wrapped = fx.FlyteUploadDataException(failure.message)
    wrapped.__context__ = captured.exception
    import traceback

    trace = (
        captured.trace + _DURING_HANDLING + "".join(traceback.format_exception_only(type(wrapped), wrapped))
    )
    return CapturedError(wrapped, trace)


@attrs.frozen
class ErrorReport:
    """The fields of a flyteidl ``ContainerError``; ``to_proto`` builds the ErrorDocument."""

    code: str
    message: str
    kind: int
    origin: int
    timestamp: float
    worker: str = ""

    def to_proto(self) -> Any:
        from flyteidl.core import errors_pb2

        seconds = int(self.timestamp)
        nanos = int((self.timestamp - seconds) * 1_000_000_000)
        doc = errors_pb2.ErrorDocument()
        err = doc.error
        err.code = self.code
        err.message = self.message
        err.kind = self.kind
        err.origin = self.origin
        err.timestamp.seconds = seconds
        err.timestamp.nanos = nanos
        err.worker = self.worker
        return doc


def safe_str(exc: BaseException) -> str:
    """``str(exc)``, or a placeholder when the exception's own ``__str__`` raises (Q26)."""
    try:
        return str(exc)
    except Exception:
        return f"<unprintable {type(exc).__name__} object>"


def _str_is_broken(exc: BaseException) -> bool:
    try:
        str(exc)
    except Exception:
        return True
    return False


def user_error_code(exc: BaseException) -> str:
    """flytekit's code lookup: ``exc.error_code``, else ``type(exc).error_code``, else USER:RuntimeError.

    A str is used as is and an int becomes its decimal string. flytekit crashes on any other type and
    loses the error (Q3); we use ``str(value)`` instead so the document is still written.
    """
    code: Any = None
    try:
        code = exc.error_code  # type: ignore[attr-defined]
    except AttributeError:
        try:
            code = type(exc).error_code  # type: ignore[attr-defined]
        except AttributeError:
            code = None
    except Exception:
        code = None
    if code is None:
        return DEFAULT_USER_CODE
    if isinstance(code, str):
        return code
    try:  # an int becomes its decimal string; any other value its str()
        return str(code)
    except Exception:
        return DEFAULT_USER_CODE


# Our exception classes that flytekit raises as plain builtins: the ``Message:`` line names the builtin,
# as flytekit's does (task code catching the builtin keeps working: they subclass it). Keyed by
# ``module.qualname`` so no module has to be imported to ask.
_FLYTEKIT_DISPLAY_NAMES: Mapping[str, str] = {
    "flyte_entrypoint.schemas.execution.CheckpointUnavailable": "NotImplementedError",
    "flyte_entrypoint.core.secrets_rules.SecretsError": "ValueError",
    "flyte_entrypoint.core.secrets_rules.SecretNotFoundError": "ValueError",
    "flyte_entrypoint.core.secrets_rules.InvalidSecretNameError": "ValueError",
}


def display_name(exc: BaseException) -> str:
    """The exception name on the ``Message:`` line: flytekit's builtin where ours is a subclass of it."""
    cls = type(exc)
    return _FLYTEKIT_DISPLAY_NAMES.get(f"{cls.__module__}.{cls.__qualname__}", cls.__name__)


def format_error_message(captured: CapturedError) -> str:
    """flytekit's layout: ``Trace:\\n\\n<indented traceback>\\nMessage:\\n\\n<indented Name: str>``."""
    exc = captured.exception
    trace = textwrap.indent(captured.trace, "    ")
    summary = textwrap.indent(f"{display_name(exc)}: {safe_str(exc)}", "    ")
    return f"Trace:\n\n{trace}\nMessage:\n\n{summary}"


def error_timestamp(exc: BaseException, now: float) -> float:
    """A FlyteException's own timestamp wins; otherwise the time the document is built."""
    if isinstance(exc, FlyteException) and exc.timestamp is not None:
        return float(exc.timestamp)
    return now


def is_ignore_outputs(phase: Phase, exc: BaseException) -> bool:
    """``IgnoreOutputs`` from user code (or the loader) means: write nothing, exit 0."""
    return phase in (Phase.LOAD, Phase.USER_CODE) and isinstance(exc, IgnoreOutputs)


def classify(phase: Phase, captured: CapturedError, now: float, worker: str) -> ErrorReport:
    """The error document flytekit 1.16 writes for a failure in ``phase`` (PROTOCOL §3.2)."""
    exc = captured.exception
    message = format_error_message(captured)
    stamp = error_timestamp(exc, now)
    if _str_is_broken(exc):
        return ErrorReport("SYSTEM", message, RECOVERABLE, ORIGIN_SYSTEM, stamp, worker)
    if phase in (Phase.LOAD, Phase.USER_CODE):
        kind = RECOVERABLE if isinstance(exc, FlyteRecoverableException) else NON_RECOVERABLE
        return ErrorReport(user_error_code(exc), message, kind, ORIGIN_USER, stamp, worker)
    if phase in (Phase.CONVERT_INPUTS, Phase.CONVERT_OUTPUTS, Phase.ENVIRONMENT):
        return ErrorReport("SYSTEM", message, NON_RECOVERABLE, ORIGIN_SYSTEM, stamp, worker)
    return ErrorReport("SYSTEM", message, RECOVERABLE, ORIGIN_SYSTEM, stamp, worker)


def distributed_error_strategy(env: Mapping[str, str]) -> str:
    return get_one_of(env, "FLYTE_INTERNAL_DIST_ERROR_STRATEGY", "_F_DES")


def error_file_name(env: Mapping[str, str], uuid_hex: str) -> str:
    """``error.pb``, or ``error-<uuid hex>.pb`` when a distributed error strategy is set."""
    if distributed_error_strategy(env):
        return f"error-{uuid_hex}.pb"
    return ERROR_FILE_NAME


def worker_name(env: Mapping[str, str]) -> str:
    """The worker recorded in error documents; only meaningful under a distributed strategy."""
    if not distributed_error_strategy(env):
        return ""
    return get_one_of(env, "FLYTE_INTERNAL_WORKER_NAME", "_F_WN")
