"""The run machine's table: every unhappy outcome is a row of it, and the README shows the table as it is."""

from __future__ import annotations

import subprocess
import sys
import traceback
from pathlib import Path

import pytest
from flyteidl.core import errors_pb2, literals_pb2

from flyte_entrypoint.core import loader_args as grammar
from flyte_entrypoint.core import run as m
from flyte_entrypoint.core.errors import (
    CapturedError,
    StorageFailure,
    StorageFault,
    as_flyte_storage_error,
    format_error_message,
)
from flyte_entrypoint.core.secrets_rules import SecretNotFoundError
from flyte_entrypoint.core.task import task
from flyte_entrypoint.schemas.execution import CheckpointUnavailable
from flyte_entrypoint.schemas.invocation import Invocation, TaskArgs

ROOT = Path(__file__).resolve().parent.parent
NONRECOVERABLE, RECOVERABLE = errors_pb2.ContainerError.NON_RECOVERABLE, errors_pb2.ContainerError.RECOVERABLE


@task
def add(a: int, b: int) -> int:
    return a + b


@task(enable_deck=True)
def decked(a: int, b: int) -> int:
    return a + b


def _inv(env: dict[str, str] | None = None) -> Invocation:
    args = TaskArgs(
        inputs="s3://b/in/inputs.pb",
        output_prefix="s3://b/out",
        raw_output_data_prefix="s3://b/raw",
        resolver="flyte_entrypoint.default_task_resolver",
        resolver_args=("task-module", "m", "task-name", "add"),
    )
    return Invocation(args, env or {}, now=100.0, uuid_hex="ab" * 16, name_seed="cd" * 16)


def _captured(exc: BaseException) -> CapturedError:
    try:
        raise exc
    except BaseException as caught:
        return CapturedError(caught, "".join(traceback.format_exception(caught)))


def _inputs(**values: int) -> bytes:
    lm = literals_pb2.LiteralMap()
    for k, v in values.items():
        lm.literals[k].scalar.primitive.integer = v
    return lm.SerializeToString()


def _doc(command: m.Command) -> errors_pb2.ErrorDocument:
    assert isinstance(command, m.WriteOutputs)
    ((_name, data),) = command.files.items()
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString(data)
    return doc


def _running(the_task: object = add, env: dict[str, str] | None = None) -> m.Run:
    run, _ = m.start(_inv(env))
    run, _ = m.receive(run, m.TaskLoaded(the_task))  # type: ignore[arg-type]
    run, cmd = m.receive(run, m.InputsRead(_inputs(a=1, b=2), 1.0))
    assert isinstance(cmd, m.RunTask) and run.state is m.State.RUNNING
    return run


# ------------------------------------------------------------------------------------------ the README
def test_readme_state_diagram_is_generated_from_the_table() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "state_diagram.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert m.diagram() in (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_row_names_the_states_it_may_lead_to_and_done_has_no_rows() -> None:
    assert all(t.targets for t in m.TRANSITIONS.values())
    assert not any(state is m.State.DONE for state, _ in m.TRANSITIONS)
    for state in m.State:
        if state not in (m.State.START, m.State.DONE):
            assert (state, m.Terminated) in m.TRANSITIONS and (state, m.InternalError) in m.TRANSITIONS


def test_an_event_without_a_row_is_refused() -> None:
    run, _ = m.start(_inv())
    with pytest.raises(m.UnexpectedEvent):
        m.receive(run, m.DeckWritten())


# ------------------------------------------------------------------------------------------ outputs.pb refused
def test_outputs_write_failure_writes_a_recoverable_document_naming_the_storage_failure() -> None:
    run = _running()
    run, cmd = m.receive(run, m.TaskReturned(3, 2.0))
    assert isinstance(cmd, m.WriteOutputs) and "outputs.pb" in cmd.files
    failure = StorageFailure(StorageFault.UPLOAD, "s3://b/out/outputs.pb", "Failed to put data ... SlowDown")
    error = CapturedError(OSError("SlowDown"), "Traceback ...\nOSError: SlowDown\n", failure)
    run, cmd = m.receive(run, m.OutputsWriteFailed(error, 3.0))
    doc = _doc(cmd)
    assert list(cmd.files) == ["error.pb"]
    assert (doc.error.code, doc.error.kind, doc.error.origin) == ("SYSTEM", RECOVERABLE, 2)
    assert doc.error.message.endswith(
        "FlyteUploadDataException: SYSTEM:UploadDataError: error=Failed to put data ... SlowDown"
    )
    _, cmd = m.receive(run, m.OutputsWritten())
    assert cmd == m.Exit(0, "error document written")


def test_when_the_error_document_is_refused_too_exit_1_with_one_diagnostic() -> None:
    run = _running()
    run, _ = m.receive(run, m.TaskReturned(3, 2.0))
    run, _ = m.receive(run, m.OutputsWriteFailed(_captured(OSError("500")), 3.0))
    run, cmd = m.receive(run, m.OutputsWriteFailed(_captured(OSError("500 again")), 4.0))
    assert isinstance(cmd, m.Exit) and cmd.code == 1 and run.state is m.State.DONE
    assert cmd.diagnostic is not None
    assert dict(cmd.diagnostic) == {
        "event": "output prefix not writable",
        "output_prefix": "s3://b/out",
        "error": "OSError: 500 again",
    }


# ------------------------------------------------------------------------------------------ SIGTERM, internal errors
def test_terminated_while_running_writes_the_terminated_document_then_exits_143() -> None:
    run, cmd = m.receive(_running(), m.Terminated("SIGTERM", 15, 'File "wf.py", line 1\n', 5.0))
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.kind) == ("SYSTEM:Terminated", RECOVERABLE)
    _, cmd = m.receive(run, m.OutputsWritten())
    assert isinstance(cmd, m.Exit) and cmd.code == 143
    run, _ = m.receive(_running(), m.Terminated("SIGTERM", 15, "", 5.0))
    _, cmd = m.receive(run, m.OutputsWriteFailed(_captured(OSError("no")), 6.0))
    assert isinstance(cmd, m.Exit) and cmd.code == 143 and cmd.diagnostic is not None


def test_terminated_while_writing_writes_no_second_document() -> None:
    run, _ = m.receive(_running(), m.TaskRaised(_captured(ValueError("x")), 2.0))
    assert run.state is m.State.WRITING_ERROR
    _, cmd = m.receive(run, m.Terminated("SIGTERM", 15, "", 3.0))
    assert cmd == m.Exit(143, "terminated by SIGTERM")


def test_internal_error_is_a_system_recoverable_document_with_the_trace() -> None:
    run, cmd = m.receive(_running(), m.InternalError(_captured(KeyError("bug")), 2.0))
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.kind, doc.error.origin) == ("SYSTEM", RECOVERABLE, 2)
    assert "Traceback" in doc.error.message and doc.error.message.endswith("KeyError: 'bug'")
    _, cmd = m.receive(run, m.OutputsWritten())
    assert cmd == m.Exit(0, "error document written")


def test_rescue_writes_the_document_when_the_run_could_not_start() -> None:
    run, cmd = m.rescue(_inv({"_F_DES": "1"}), _captured(RuntimeError("broken")))
    assert isinstance(cmd, m.WriteOutputs) and list(cmd.files) == ["error-" + "ab" * 16 + ".pb"]
    _, cmd = m.receive(run, m.OutputsWritten())
    assert isinstance(cmd, m.Exit) and cmd.code == 0


# ------------------------------------------------------------------------------------------ decks
def test_deck_is_written_after_the_outputs_of_a_deck_task_only() -> None:
    run, _ = m.receive(_running(decked), m.TaskReturned(3, 2.0))
    run, cmd = m.receive(run, m.OutputsWritten())
    assert cmd == m.WriteDeck("s3://b/out", decked, succeeded=True)
    _, cmd = m.receive(run, m.DeckWritten(ok=False))
    assert cmd == m.Exit(0, "outputs written")
    run, _ = m.receive(_running(decked), m.TaskRaised(_captured(ValueError("x")), 2.0))
    _, cmd = m.receive(run, m.OutputsWritten())
    assert cmd == m.WriteDeck("s3://b/out", decked, succeeded=False)
    run, _ = m.receive(_running(add), m.TaskReturned(3, 2.0))
    _, cmd = m.receive(run, m.OutputsWritten())
    assert cmd == m.Exit(0, "outputs written")


def test_ignore_outputs_writes_no_deck() -> None:
    from flyte_entrypoint.core.exceptions import IgnoreOutputs

    _, cmd = m.receive(_running(decked), m.TaskRaised(_captured(IgnoreOutputs()), 2.0))
    assert isinstance(cmd, m.Exit) and cmd.code == 0


# ------------------------------------------------------------------------------------------ compatibility slips
@pytest.mark.parametrize(
    "data", [b"\xff\xfe\x00garbage", _inputs(a=1, b=2)[:-1]], ids=["random", "truncated"]
)
def test_unparseable_inputs_pb_is_system_recoverable(data: bytes) -> None:
    run, _ = m.start(_inv())
    run, _ = m.receive(run, m.TaskLoaded(add))
    _, cmd = m.receive(run, m.InputsRead(data, 1.0))
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.kind, doc.error.origin) == ("SYSTEM", RECOVERABLE, 2)


def test_checkpoint_and_secret_errors_render_flytekits_builtin_names() -> None:
    for exc, name in (
        (CheckpointUnavailable("no checkpoint"), "NotImplementedError"),
        (SecretNotFoundError("x"), "ValueError"),
    ):
        text = format_error_message(_captured(exc))
        assert text.endswith(f"Message:\n\n    {name}: {exc}")


def test_storage_failures_get_flytekits_names_with_the_original_being_handled() -> None:
    original = _captured(FileNotFoundError("gone"))
    failure = StorageFailure(StorageFault.NOT_FOUND, "s3://b/in/inputs.pb", "not there")
    renamed = as_flyte_storage_error(CapturedError(original.exception, original.trace, failure))
    assert type(renamed.exception).__name__ == "FlyteDataNotFoundException"
    assert (
        str(renamed.exception)
        == "USER:ValueError: error=Value error!  Received: s3://b/in/inputs.pb. File not found"
    )
    assert renamed.trace.startswith(original.trace)
    assert "During handling of the above exception, another exception occurred:" in renamed.trace
    assert as_flyte_storage_error(original) is original


# ------------------------------------------------------------------------------------------ loader args
def test_loader_args_grammar_round_trips() -> None:
    assert grammar.parse_default(grammar.default_args("pkg.mod.t")).unwrap() == grammar.DefaultTarget(
        "pkg.mod", "t"
    )
    assert grammar.parse_default(["task-name", "t", "task-module", "m"]).unwrap() == grammar.DefaultTarget(
        "m", "t"
    )
    assert "no value for 'task-name'" in grammar.parse_default(["task-module", "m"]).failure()
    args = grammar.map_args(frozenset({"b", "a"}), "r.x", ["task-module", "m", "task-name", "t"])
    assert args[:4] == ["vars", "a,b", "resolver", "r.x"]
    target = grammar.parse_map(args).unwrap()
    assert (target.bound_inputs, target.inner_resolver, target.inner_args) == (
        frozenset({"a", "b"}),
        "r.x",
        ("task-module", "m", "task-name", "t"),
    )
    assert grammar.parse_map(["vars"]).failure().startswith("map task loader args must be")


# ------------------------------------------------------------------------------------------ sys.exit in task code
def test_sys_exit_in_task_code_writes_nothing_and_exits_with_its_status() -> None:
    _, cmd = m.receive(_running(), m.TaskExited(3))
    assert cmd == m.Exit(3, "the task called sys.exit(3)")
    _, cmd = m.receive(_running(), m.TaskExited(None))
    assert isinstance(cmd, m.Exit) and cmd.code == 0
    _, cmd = m.receive(_running(), m.TaskExited(None, "bye"))
    assert isinstance(cmd, m.Exit) and (cmd.code, cmd.message) == (1, "bye")
    run, _ = m.start(_inv())
    _, cmd = m.receive(run, m.TaskExited(4))  # sys.exit while the task's module is imported
    assert isinstance(cmd, m.Exit) and cmd.code == 4
