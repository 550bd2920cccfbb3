"""What an error document says (``core.errors``): its timestamp, its message layout, the exception names it
shows, the error code of a user exception, and the distributed-strategy names.

Expected values: PROTOCOL.md §3.2 (classification), §3.3 (codes), §3.4 (message layout), §3.5 (timestamp),
§3.6 (distributed strategy), Q26 (an exception whose ``__str__`` raises); flytekit 1.16's entrypoint for
``IgnoreOutputs`` raised while loading the task; Python's own text for exception chaining.
"""

from __future__ import annotations

import traceback
from typing import Any

import pytest
from flyteidl.core import errors_pb2

from flyte_entrypoint.core import errors as e
from flyte_entrypoint.core import run as m
from flyte_entrypoint.core.exceptions import FlyteException, FlyteRecoverableException, IgnoreOutputs
from flyte_entrypoint.core.secrets_rules import InvalidSecretNameError, SecretNotFoundError, SecretsError
from flyte_entrypoint.core.task import task
from flyte_entrypoint.schemas.execution import CheckpointUnavailable
from flyte_entrypoint.schemas.invocation import Invocation, TaskArgs

NON_RECOVERABLE, RECOVERABLE = errors_pb2.ContainerError.NON_RECOVERABLE, errors_pb2.ContainerError.RECOVERABLE
USER, SYSTEM = 1, 2


@task
def add(a: int, b: int) -> int:
    return a + b


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("__str__ exploded")


def _captured(exc: BaseException, storage: e.StorageFailure | None = None) -> e.CapturedError:
    try:
        raise exc
    except BaseException as caught:
        return e.CapturedError(caught, "".join(traceback.format_exception(caught)), storage)


def _inv(env: dict[str, str] | None = None, **flags: Any) -> Invocation:
    args = TaskArgs(
        inputs="s3://b/in/inputs.pb",
        output_prefix="s3://b/out",
        raw_output_data_prefix="s3://b/raw",
        resolver_args=("task-module", "m", "task-name", "add"),
        **flags,
    )
    return Invocation(args, env or {}, now=100.0, uuid_hex="ab" * 16, name_seed="cd" * 16)


def _doc(command: m.Command) -> errors_pb2.ErrorDocument:
    assert isinstance(command, m.WriteOutputs)
    ((_name, data),) = command.files.items()
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString(data)
    return doc


def _running() -> m.Run:
    run, _ = m.start(_inv())
    run, _ = m.receive(run, m.TaskLoaded(add, 1.0))
    run, _cmd = m.receive(run, m.InputsRead(b"", 1.0))
    return run


# ------------------------------------------------------------------------------------------ timestamp (§3.5)
def test_a_flyte_exceptions_own_timestamp_is_the_documents() -> None:
    """Observed in flytekit: ``FlyteException("with ts", timestamp=1700000000.25)`` -> 1700000000 s, 250000000 ns."""
    _, cmd = m.receive(_running(), m.TaskRaised(_captured(FlyteException("with ts", timestamp=1700000000.25)), 5.5))
    doc = _doc(cmd)
    assert (doc.error.timestamp.seconds, doc.error.timestamp.nanos) == (1700000000, 250000000)
    assert doc.error.code == "UnknownFlyteException"


def test_without_its_own_timestamp_the_document_has_the_time_it_was_built() -> None:
    _, cmd = m.receive(_running(), m.TaskRaised(_captured(FlyteRecoverableException("again")), 5.5))
    assert (_doc(cmd).error.timestamp.seconds, _doc(cmd).error.timestamp.nanos) == (5, 500000000)
    assert e.error_timestamp(ValueError("x"), 7.0) == 7.0
    assert e.error_timestamp(FlyteException("x", timestamp=3.0), 7.0) == 3.0


@pytest.mark.parametrize("stamp", [1.1234567899, 1700000000.999999, 2.0, 0.5])
def test_nanos_are_the_truncated_fraction(stamp: float) -> None:
    """§3.5: ``seconds = int(ts)``, ``nanos = int((ts - int(ts)) * 1e9)``."""
    doc = e.ErrorReport("SYSTEM", "m", RECOVERABLE, SYSTEM, stamp).to_proto()
    assert (doc.error.timestamp.seconds, doc.error.timestamp.nanos) == (int(stamp), int((stamp - int(stamp)) * 1e9))


# ------------------------------------------------------------------------------------------ message layout (§3.4)
def test_message_layout_indents_every_non_blank_line_of_the_trace_and_the_summary() -> None:
    captured = e.CapturedError(ValueError("bad\n\nvalue"), "Traceback (most recent call last):\n\nValueError: bad\n")
    assert e.format_error_message(captured) == (
        "Trace:\n\n"
        "    Traceback (most recent call last):\n\n    ValueError: bad\n"
        "\nMessage:\n\n"
        "    ValueError: bad\n\n    value"
    )


def test_an_unprintable_exception_is_system_recoverable_with_a_placeholder_text() -> None:
    """Q26: flytekit fails while building the message, so the document is SYSTEM, RECOVERABLE; we also render
    a placeholder instead of the text (``<unprintable Name object>``), whatever the phase."""
    for phase in e.Phase:
        report = e.classify(phase, _captured(Unprintable()), 1.0, "")
        assert (report.code, report.kind, report.origin) == ("SYSTEM", RECOVERABLE, SYSTEM)
        assert report.message.endswith("\nMessage:\n\n    Unprintable: <unprintable Unprintable object>")
    assert e.safe_str(ValueError("fine")) == "fine"


@pytest.mark.parametrize(
    "exc",
    [
        CheckpointUnavailable("no checkpoint"),
        SecretsError("x"),
        SecretNotFoundError("x"),
        InvalidSecretNameError("x"),
    ],
)
def test_our_subclasses_of_flytekits_builtins_show_the_builtins_name(exc: Exception) -> None:
    """flytekit raises ``NotImplementedError`` (no checkpoint) and ``ValueError`` (secrets) for these."""
    expected = "NotImplementedError" if isinstance(exc, NotImplementedError) else "ValueError"
    assert e.display_name(exc) == expected
    assert e.format_error_message(_captured(exc)).endswith(f"\nMessage:\n\n    {expected}: {exc}")


def test_other_exceptions_show_their_unqualified_class_name() -> None:
    assert e.display_name(Unprintable()) == "Unprintable"
    assert e.display_name(KeyError("k")) == "KeyError"


# ------------------------------------------------------------------------------------------ storage names
def test_a_renamed_storage_failure_is_chained_as_python_chains_an_exception_raised_while_handling() -> None:
    original = _captured(OSError("reset by peer"))
    failure = e.StorageFailure(e.StorageFault.DOWNLOAD, "s3://b/in/inputs.pb", "Failed to get data from s3://b/in/inputs.pb")
    renamed = e.as_flyte_storage_error(e.CapturedError(original.exception, original.trace, failure))
    assert renamed.exception.__context__ is original.exception and renamed.exception.__cause__ is None
    line = "".join(traceback.format_exception_only(type(renamed.exception), renamed.exception))
    assert renamed.trace == (
        original.trace + "\nDuring handling of the above exception, another exception occurred:\n\n" + line
    )
    assert line == (
        "flyte_entrypoint.core.exceptions.FlyteDownloadDataException: SYSTEM:DownloadDataError: "
        "error=Failed to get data from s3://b/in/inputs.pb\n"
    )
    assert renamed.storage is None


# ------------------------------------------------------------------------------------------ user codes (§3.3)
class _StrBroken:
    def __str__(self) -> str:
        raise RuntimeError("no")


def _with_code(code: object) -> Exception:
    exc = Exception("x")
    exc.error_code = code  # type: ignore[attr-defined]
    return exc


@pytest.mark.parametrize(
    ("code", "expected"),
    [("MY:Code", "MY:Code"), (42, "42"), (1.5, "1.5"), (None, "USER:RuntimeError"), (_StrBroken(), "USER:RuntimeError")],
)
def test_user_error_code(code: object, expected: str) -> None:
    """A str as is, an int as its decimal string; flytekit crashes on other types (Q3): we use ``str`` and
    fall back to ``USER:RuntimeError`` when even that fails."""
    assert e.user_error_code(_with_code(code)) == expected


# ------------------------------------------------------------------------------------------ classification (§3.2)
def test_ignore_outputs_while_loading_the_task_writes_nothing_and_exits_0() -> None:
    """flytekit wraps a load failure as a user exception, and a user-scoped ``IgnoreOutputs`` returns."""
    run, _ = m.start(_inv())
    done, cmd = m.receive(run, m.TaskLoadFailed(_captured(IgnoreOutputs("skip")), 1.0))
    assert isinstance(cmd, m.Exit) and cmd.code == 0 and done.state is m.State.DONE and not done.wrote_error


def test_ignore_outputs_outside_user_code_is_a_system_recoverable_document() -> None:
    """§3.2: ``IgnoreOutputs`` raised outside user code is any other exception: SYSTEM, RECOVERABLE."""
    run, _ = m.start(_inv())
    run, _ = m.receive(run, m.TaskLoaded(add, 1.0))
    _, cmd = m.receive(run, m.InputsReadFailed(_captured(IgnoreOutputs("x")), 2.0))
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.kind, doc.error.origin) == ("SYSTEM", RECOVERABLE, SYSTEM)
    assert not e.is_ignore_outputs(e.Phase.PLATFORM, IgnoreOutputs())
    assert e.is_ignore_outputs(e.Phase.LOAD, IgnoreOutputs())


def test_a_load_failure_is_the_users_error() -> None:
    """§3.2: a task that cannot be loaded: its own code (usually USER:RuntimeError), origin USER."""
    report = e.classify(e.Phase.LOAD, _captured(ModuleNotFoundError("No module named 'wf'")), 1.0, "")
    assert (report.code, report.kind, report.origin) == ("USER:RuntimeError", NON_RECOVERABLE, USER)
    report = e.classify(e.Phase.LOAD, _captured(FlyteRecoverableException("later")), 1.0, "")
    assert (report.code, report.kind, report.origin) == ("USER:Recoverable", RECOVERABLE, USER)


def test_an_invalid_array_index_is_system_non_recoverable() -> None:
    """§3.2: an invalid ``BATCH_JOB_ARRAY_INDEX_OFFSET`` in the map task: SYSTEM, NON_RECOVERABLE."""
    _, cmd = m.start(_inv({"BATCH_JOB_ARRAY_INDEX_OFFSET": "x"}, map_task=True))
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.kind, doc.error.origin) == ("SYSTEM", NON_RECOVERABLE, SYSTEM)


# ------------------------------------------------------------------------------------------ distributed (§3.6)
@pytest.mark.parametrize(
    ("env", "name", "worker"),
    [
        ({"FLYTE_INTERNAL_DIST_ERROR_STRATEGY": "x", "FLYTE_INTERNAL_WORKER_NAME": "w-long"}, "error-" + "ab" * 16 + ".pb", "w-long"),
        ({"_F_DES": "x", "_F_WN": "w-short"}, "error-" + "ab" * 16 + ".pb", "w-short"),
        ({"FLYTE_INTERNAL_WORKER_NAME": "w"}, "error.pb", ""),
        ({}, "error.pb", ""),
    ],
)
def test_distributed_strategy_names_the_file_and_the_worker(env: dict[str, str], name: str, worker: str) -> None:
    assert e.error_file_name(env, "ab" * 16) == name
    assert e.worker_name(env) == worker
