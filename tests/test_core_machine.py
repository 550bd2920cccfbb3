"""The run state machine, driven purely: events in, commands out. No files, no processes."""

from __future__ import annotations

import traceback

import pytest
from flyteidl.core import errors_pb2, literals_pb2

from flyte_entrypoint.core import run as m
from flyte_entrypoint.core.errors import CapturedError
from flyte_entrypoint.core.exceptions import FlyteRecoverableException, IgnoreOutputs
from flyte_entrypoint.core.task import map_task, task
from flyte_entrypoint.schemas.invocation import Invocation, TaskArgs


@task
def add(a: int, b: int) -> int:
    return a + b


@task
def nothing() -> None:
    return None


def _inv(env: dict[str, str] | None = None, **flags: object) -> Invocation:
    base: dict[str, object] = dict(
        inputs="s3://b/in/inputs.pb",
        output_prefix="s3://b/out",
        raw_output_data_prefix="s3://b/raw",
        resolver="flyte_entrypoint.default_task_resolver",
        resolver_args=("task-module", "m", "task-name", "add"),
    )
    base.update(flags)
    return Invocation(TaskArgs(**base), env or {}, now=1700000000.5, uuid_hex="ab" * 16, name_seed="cd" * 16)


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


def test_success_path_commands_in_order() -> None:
    run, cmd = m.start(_inv())
    assert cmd == m.LoadTask(
        "flyte_entrypoint.default_task_resolver", ("task-module", "m", "task-name", "add"), False
    )
    run, cmd = m.receive(run, m.TaskLoaded(add))
    assert cmd == m.ReadInputs("s3://b/in/inputs.pb")
    run, cmd = m.receive(run, m.InputsRead(_inputs(a=2, b=3), 1.0))
    assert isinstance(cmd, m.RunTask) and dict(cmd.kwargs) == {"a": 2, "b": 3}
    run, cmd = m.receive(run, m.TaskReturned(5, 2.0))
    assert isinstance(cmd, m.WriteOutputs) and cmd.prefix == "s3://b/out"
    out = literals_pb2.LiteralMap()
    out.ParseFromString(cmd.files["outputs.pb"])
    assert out.literals["o0"].scalar.primitive.integer == 5
    run, cmd = m.receive(run, m.OutputsWritten())
    assert cmd == m.Exit(0, "outputs written")


def test_void_task_writes_empty_outputs() -> None:
    run, _ = m.start(_inv())
    run, _ = m.receive(run, m.TaskLoaded(nothing))
    run, _ = m.receive(run, m.InputsRead(b"", 1.0))
    run, cmd = m.receive(run, m.TaskReturned(None, 2.0))
    assert isinstance(cmd, m.WriteOutputs) and dict(cmd.files) == {"outputs.pb": b""}


def test_user_error_document_and_fail_on_error_exit() -> None:
    run, _ = m.start(_inv({"FLYTE_FAIL_ON_ERROR": "True"}))
    run, _ = m.receive(run, m.TaskLoaded(add))
    run, _ = m.receive(run, m.InputsRead(_inputs(a=1, b=2), 1.0))
    run, cmd = m.receive(run, m.TaskRaised(_captured(ValueError("bad value 1")), 1234.25))
    doc = _doc(cmd)
    assert doc.error.code == "USER:RuntimeError"
    assert doc.error.kind == errors_pb2.ContainerError.NON_RECOVERABLE
    assert doc.error.origin == 1
    assert doc.error.message.endswith("\nMessage:\n\n    ValueError: bad value 1")
    assert (doc.error.timestamp.seconds, doc.error.timestamp.nanos) == (1234, 250000000)
    _, cmd = m.receive(run, m.OutputsWritten())
    assert cmd.code == 1


def test_recoverable_and_ignore_outputs() -> None:
    run, _ = m.start(_inv())
    run, _ = m.receive(run, m.TaskLoaded(add))
    run, _ = m.receive(run, m.InputsRead(_inputs(a=1, b=2), 1.0))
    _, cmd = m.receive(run, m.TaskRaised(_captured(FlyteRecoverableException("again")), 1.0))
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.kind) == ("USER:Recoverable", errors_pb2.ContainerError.RECOVERABLE)
    assert doc.error.message.endswith("FlyteRecoverableException: USER:Recoverable: error=again")
    _, cmd = m.receive(run, m.TaskRaised(_captured(IgnoreOutputs("x")), 1.0))
    assert isinstance(cmd, m.Exit) and cmd.code == 0


def test_distributed_error_name_and_worker() -> None:
    run, _ = m.start(_inv({"_F_DES": "1", "_F_WN": "worker-3"}))
    run, _ = m.receive(run, m.TaskLoaded(add))
    run, _ = m.receive(run, m.InputsRead(_inputs(a=1, b=2), 1.0))
    _, cmd = m.receive(run, m.TaskRaised(_captured(RuntimeError("x")), 1.0))
    assert isinstance(cmd, m.WriteOutputs)
    assert list(cmd.files) == ["error-" + "ab" * 16 + ".pb"]
    assert _doc(cmd).error.worker == "worker-3"


def test_output_conversion_error_is_system_non_recoverable() -> None:
    run, _ = m.start(_inv())
    run, _ = m.receive(run, m.TaskLoaded(add))
    run, _ = m.receive(run, m.InputsRead(_inputs(a=1, b=2), 1.0))
    _, cmd = m.receive(run, m.TaskReturned("five", 1.0))
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.kind, doc.error.origin) == ("SYSTEM", 0, 2)
    assert "Failed to convert outputs of task" in doc.error.message


def test_tuple_for_single_output_is_flytekits_type_error() -> None:
    run, _ = m.start(_inv())
    run, _ = m.receive(run, m.TaskLoaded(add))
    run, _ = m.receive(run, m.InputsRead(_inputs(a=1, b=2), 1.0))
    _, cmd = m.receive(run, m.TaskReturned((1, 2), 1.0))
    assert _doc(cmd).error.message.endswith(
        f"TypeError: Output(o0) in task '{add.name}' received a tuple (1, 2), instead of <class 'int'>"
    )


def test_missing_inputs_file_is_system_recoverable() -> None:
    run, _ = m.start(_inv())
    run, _ = m.receive(run, m.TaskLoaded(add))
    _, cmd = m.receive(run, m.InputsReadFailed(_captured(FileNotFoundError("gone")), 1.0))
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.kind, doc.error.origin) == ("SYSTEM", 1, 2)


def test_extra_input_is_system_error() -> None:
    run, _ = m.start(_inv())
    run, _ = m.receive(run, m.TaskLoaded(add))
    _, cmd = m.receive(run, m.InputsRead(_inputs(a=1, b=2, c=3), 1.0))
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.kind, doc.error.origin) == ("SYSTEM", 0, 2)
    assert "Received more input values 3 than allowed by the input spec 2" in doc.error.message


def test_zero_loader_args_writes_error_instead_of_crashing() -> None:
    _run, cmd = m.start(_inv(resolver_args=()))
    doc = _doc(cmd)
    assert doc.error.code == "SYSTEM" and "Resolver args cannot be <1" in doc.error.message


def test_raw_prefix_placeholder_falls_back_under_output_prefix() -> None:
    run, _ = m.start(_inv(raw_output_data_prefix="{{.rawOutputDataPrefix}}"))
    assert run.config.raw_output_prefix == "s3://b/out/raw"
    assert run.config.raw_output_prefix_given is False


def test_map_task_selects_element_at_literal_level() -> None:
    mapped = map_task(add)
    env = {"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "IDX", "IDX": "1", "BATCH_JOB_ARRAY_INDEX_OFFSET": "1"}
    run, cmd = m.start(_inv(env, map_task=True))
    assert cmd.instantiate is True
    run, _ = m.receive(run, m.TaskLoaded(mapped))
    lm = literals_pb2.LiteralMap()
    for name in ("a", "b"):
        for v in (10, 20, 30):
            lm.literals[name].collection.literals.add().scalar.primitive.integer = v
    run, cmd = m.receive(run, m.InputsRead(lm.SerializeToString(), 1.0))
    assert isinstance(cmd, m.RunTask) and dict(cmd.kwargs) == {"a": 30, "b": 30}


@pytest.mark.parametrize(
    "env",
    [
        {"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "IDX"},
        {"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "IDX", "IDX": "x"},
        {"BATCH_JOB_ARRAY_INDEX_OFFSET": "-1"},
    ],
)
def test_bad_array_index_is_an_error_document(env: dict[str, str]) -> None:
    _, cmd = m.start(_inv(env, map_task=True))
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.origin) == ("SYSTEM", 2)


def test_unexpected_event_is_a_programming_error() -> None:
    run, _ = m.start(_inv())
    with pytest.raises(RuntimeError):
        m.receive(run, m.OutputsWritten())


def test_map_task_offloaded_output_has_the_element_type_and_outputs_pb_is_written_last() -> None:
    from flyteidl.core import types_pb2

    mapped = map_task(add)
    env = {"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "IDX", "IDX": "0", "_F_L_MIN_SIZE_MB": "0"}
    run, _ = m.start(_inv(env, map_task=True))
    run, _ = m.receive(run, m.TaskLoaded(mapped))
    lm = literals_pb2.LiteralMap()
    for name in ("a", "b"):
        lm.literals[name].collection.literals.add().scalar.primitive.integer = 2
    run, _ = m.receive(run, m.InputsRead(lm.SerializeToString(), 1.0))
    _, cmd = m.receive(run, m.TaskReturned(4, 2.0))
    assert isinstance(cmd, m.WriteOutputs)
    assert m.write_order(cmd.files) == ("o0_offloaded_metadata.pb", "outputs.pb")
    out = literals_pb2.LiteralMap()
    out.ParseFromString(cmd.files["outputs.pb"])
    meta = out.literals["o0"].offloaded_metadata
    assert meta.inferred_type == types_pb2.LiteralType(simple=types_pb2.INTEGER)
    assert meta.uri == "s3://b/out/o0_offloaded_metadata.pb"
    stored = literals_pb2.Literal()
    stored.ParseFromString(cmd.files["o0_offloaded_metadata.pb"])
    assert stored.scalar.primitive.integer == 4
