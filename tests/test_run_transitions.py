"""The run machine's transitions that the happy path does not cross: offloaded inputs and their failures,
big inputs read from the wire bytes, uploads before ``outputs.pb``, the dynamic-task refusal, the order
files are written in, and what ``configure`` decides from flags and the environment.

Expected values come from PROTOCOL.md (§2.2 offloading, §3.2 classification), flytekit 1.16's
``entrypoint.py`` (the resolver-args message) and the README (default resolvers, dynamic tasks).
"""

from __future__ import annotations

import pkgutil
import traceback
import typing

import pytest
from flyteidl.core import errors_pb2, literals_pb2
from pyrsistent import pmap

from flyte_entrypoint.core import run as m
from flyte_entrypoint.core.errors import CapturedError, StorageFailure, StorageFault
from flyte_entrypoint.core.literal_maps import WIRE_MIN_BYTES
from flyte_entrypoint.core.task import dynamic, map_task, task
from flyte_entrypoint.core.type_engine.blob import UploadSourceMissing
from flyte_entrypoint.core.type_engine.engine import Upload
from flyte_entrypoint.files import FlyteFile
from flyte_entrypoint.schemas.invocation import Invocation, TaskArgs

NON_RECOVERABLE, RECOVERABLE = errors_pb2.ContainerError.NON_RECOVERABLE, errors_pb2.ContainerError.RECOVERABLE
USER, SYSTEM = 1, 2
OFFLOADED_A = "s3://b/in/a_offloaded_metadata.pb"


@task
def add(a: int, b: int) -> int:
    return a + b


@task(enable_deck=True)
def decked(a: int, b: int) -> int:
    return a + b


@dynamic
def fan_out(a: int, b: int) -> int:
    return a + b


@task
def total(xs: list[int]) -> int:
    return sum(xs)


@task
def make_file() -> FlyteFile:
    return FlyteFile("/tmp/a.txt")


class Late(typing.NamedTuple):
    zeta: int
    alpha: int


@task
def late_names(a: int) -> Late:
    return Late(a, a)


def _inv(env: dict[str, str] | None = None, **flags: object) -> Invocation:
    base: dict[str, object] = dict(
        inputs="s3://b/in/inputs.pb",
        output_prefix="s3://b/out",
        raw_output_data_prefix="s3://b/raw",
        resolver="flyte_entrypoint.default_task_resolver",
        resolver_args=("task-module", "m", "task-name", "add"),
    )
    base.update(flags)
    return Invocation(TaskArgs(**base), env or {}, now=100.0, uuid_hex="ab" * 16, name_seed="cd" * 16)


def _captured(exc: BaseException, storage: StorageFailure | None = None) -> CapturedError:
    try:
        raise exc
    except BaseException as caught:
        return CapturedError(caught, "".join(traceback.format_exception(caught)), storage)


def _int(value: int) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.primitive.integer = value
    return lit


def _doc(command: m.Command) -> errors_pb2.ErrorDocument:
    assert isinstance(command, m.WriteOutputs)
    ((_name, data),) = command.files.items()
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString(data)
    return doc


def _loaded(the_task: object, env: dict[str, str] | None = None, **flags: object) -> m.Run:
    run, _ = m.start(_inv(env, **flags))
    run, cmd = m.receive(run, m.TaskLoaded(the_task, 1.0))  # type: ignore[arg-type]
    assert cmd == m.ReadInputs("s3://b/in/inputs.pb")
    return run


def _offloaded_inputs() -> bytes:
    """``a`` offloaded (PROTOCOL §2.2: a literal carrying ``offloaded_metadata``), ``b`` inline."""
    lm = literals_pb2.LiteralMap()
    lm.literals["a"].offloaded_metadata.uri = OFFLOADED_A
    lm.literals["a"].offloaded_metadata.size_bytes = 3
    lm.literals["b"].scalar.primitive.integer = 2
    return lm.SerializeToString()


def _returned(the_task: object, value: object, env: dict[str, str] | None = None) -> tuple[m.Run, m.Command]:
    run = _loaded(the_task, env)
    lm = literals_pb2.LiteralMap()
    for name in ("a",) if the_task is late_names else ():
        lm.literals[name].CopyFrom(_int(7))
    run, cmd = m.receive(run, m.InputsRead(lm.SerializeToString(), 2.0))
    assert isinstance(cmd, m.RunTask)
    return m.receive(run, m.TaskReturned(value, 3.0))


# ------------------------------------------------------------------------------------ offloaded inputs
def test_offloaded_inputs_are_fetched_and_substituted_before_the_task_runs() -> None:
    run, cmd = m.receive(_loaded(add), m.InputsRead(_offloaded_inputs(), 2.0))
    assert cmd == m.ReadLiterals((OFFLOADED_A,)) and run.state is m.State.READING_LITERALS
    run, cmd = m.receive(run, m.LiteralsRead(pmap({OFFLOADED_A: _int(40).SerializeToString()}), 3.0))
    assert isinstance(cmd, m.RunTask) and dict(cmd.kwargs) == {"a": 40, "b": 2}
    assert run.state is m.State.RUNNING


def test_an_offloaded_input_that_cannot_be_fetched_is_flytekits_download_error() -> None:
    """PROTOCOL §3.2: a download failure is ``FlyteDownloadDataException``: SYSTEM, RECOVERABLE."""
    run, _ = m.receive(_loaded(add), m.InputsRead(_offloaded_inputs(), 2.0))
    failure = StorageFailure(StorageFault.DOWNLOAD, OFFLOADED_A, f"Failed to get data from {OFFLOADED_A}")
    run, cmd = m.receive(run, m.InputsReadFailed(_captured(OSError("reset"), failure), 3.0))
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.kind, doc.error.origin) == ("SYSTEM", RECOVERABLE, SYSTEM)
    assert "FlyteDownloadDataException" in doc.error.message.split("Message:")[1]
    assert doc.error.timestamp.seconds == 3
    _, cmd = m.receive(run, m.OutputsWritten())
    assert cmd == m.Exit(0, "error document written")


@pytest.mark.parametrize(
    "fetched", [{}, {OFFLOADED_A: b"\xff\xfe garbage"}], ids=["not fetched", "not a Literal"]
)
def test_an_offloaded_input_that_is_not_a_literal_is_an_input_conversion_error(fetched: dict[str, bytes]) -> None:
    """flytekit 1.16 (observed, oracle venv): the offloaded literal is parsed while the input is converted, so a
    corrupt one is ``TypeTransformerFailedError``: SYSTEM, NON_RECOVERABLE, origin SYSTEM."""
    run, _ = m.receive(_loaded(add), m.InputsRead(_offloaded_inputs(), 2.0))
    run, cmd = m.receive(run, m.LiteralsRead(pmap(fetched), 3.0))
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.kind, doc.error.origin) == ("SYSTEM", NON_RECOVERABLE, SYSTEM)
    assert "offloaded literal for input 'a'" in doc.error.message
    assert run.state is m.State.WRITING_ERROR and run.wrote_error


# ------------------------------------------------------------------------------------ big inputs
def test_big_inputs_read_from_the_wire_bytes_reach_the_task() -> None:
    xs = list(range(WIRE_MIN_BYTES // 2))
    lm = literals_pb2.LiteralMap()
    for x in xs:
        lm.literals["xs"].collection.literals.add().scalar.primitive.integer = x
    data = lm.SerializeToString()
    assert len(data) >= WIRE_MIN_BYTES
    _run, cmd = m.receive(_loaded(total), m.InputsRead(data, 2.0))
    assert isinstance(cmd, m.RunTask) and list(cmd.kwargs) == ["xs"]
    assert list(cmd.kwargs["xs"]) == xs


# ------------------------------------------------------------------------------------ uploads
def test_output_files_are_uploaded_before_outputs_pb_is_written() -> None:
    run, cmd = _returned(make_file, FlyteFile("/tmp/a.txt", remote_path="s3://other/exact.txt"))
    assert cmd == m.UploadData((Upload("/tmp/a.txt", "s3://other/exact.txt", False),))
    assert run.state is m.State.UPLOADING
    run, cmd = m.receive(run, m.DataUploaded())
    assert isinstance(cmd, m.WriteOutputs) and list(cmd.files) == ["outputs.pb"]
    out = literals_pb2.LiteralMap()
    out.ParseFromString(cmd.files["outputs.pb"])
    assert out.literals["o0"].scalar.blob.uri == "s3://other/exact.txt"
    _, cmd = m.receive(run, m.OutputsWritten())
    assert cmd == m.Exit(0, "outputs written")


def test_an_output_file_that_does_not_exist_is_an_output_conversion_error() -> None:
    """flytekit converts (and uploads) outputs inside the task: a missing file is SYSTEM, NON_RECOVERABLE."""
    run, _ = _returned(make_file, FlyteFile("/tmp/a.txt", remote_path="s3://other/exact.txt"))
    _, cmd = m.receive(run, m.DataUploadFailed(_captured(UploadSourceMissing("/tmp/a.txt", False)), 4.0))
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.kind, doc.error.origin) == ("SYSTEM", NON_RECOVERABLE, SYSTEM)
    assert doc.error.message.endswith("UploadSourceMissing: Error converting /tmp/a.txt because it's not a file.")


def test_a_refused_upload_is_flytekits_upload_error() -> None:
    """PROTOCOL §3.2: ``FlyteUploadDataException`` during conversion: SYSTEM, RECOVERABLE."""
    run, _ = _returned(make_file, FlyteFile("/tmp/a.txt", remote_path="s3://other/exact.txt"))
    failure = StorageFailure(StorageFault.UPLOAD, "s3://other/exact.txt", "Failed to put data ... 403")
    _, cmd = m.receive(run, m.DataUploadFailed(_captured(PermissionError("403"), failure), 4.0))
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.kind, doc.error.origin) == ("SYSTEM", RECOVERABLE, SYSTEM)
    assert doc.error.message.endswith("FlyteUploadDataException: SYSTEM:UploadDataError: error=Failed to put data ... 403")


# ------------------------------------------------------------------------------------ outputs.pb last
def test_outputs_pb_is_written_after_offloaded_files_whose_names_sort_after_it() -> None:
    """README: offloaded files before ``outputs.pb``, whatever the outputs are called (``zeta`` > ``outputs``)."""
    _, cmd = _returned(late_names, Late(5, 6), {"_F_L_MIN_SIZE_MB": "0"})
    assert isinstance(cmd, m.WriteOutputs)
    assert set(cmd.files) == {"outputs.pb", "alpha_offloaded_metadata.pb", "zeta_offloaded_metadata.pb"}
    assert m.write_order(cmd.files) == (
        "alpha_offloaded_metadata.pb",
        "zeta_offloaded_metadata.pb",
        "outputs.pb",
    )


def test_write_order_puts_outputs_pb_last_and_the_rest_in_name_order() -> None:
    files = {"outputs.pb": b"", "zz.pb": b"", "p.pb": b"", "a.pb": b""}
    assert m.write_order(files) == ("a.pb", "p.pb", "zz.pb", "outputs.pb")
    assert m.write_order({"zz.pb": b"", "a.pb": b""}) == ("a.pb", "zz.pb")


def test_an_output_over_the_offloading_maximum_is_flytekits_system_error() -> None:
    """PROTOCOL §2.2: ``size >= max`` is ``ValueError("Literal <k> is too large ...")``: SYSTEM, RECOVERABLE."""
    _, cmd = _returned(add, 3, {"_F_L_MIN_SIZE_MB": "0", "_F_L_MAX_SIZE_MB": "0"})
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.kind, doc.error.origin) == ("SYSTEM", RECOVERABLE, SYSTEM)
    assert "ValueError: Literal o0 is too large to be offloaded. Max literal size is 0" in doc.error.message


# ------------------------------------------------------------------------------------ refusals before loading
def test_invalid_offloading_limits_are_a_system_document_before_loading() -> None:
    """PROTOCOL §2.2: non-integer limits raise: SYSTEM (RECOVERABLE, as any other exception in the try)."""
    run, cmd = m.start(_inv({"_F_L_MIN_SIZE_MB": "ten"}))
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.kind, doc.error.origin) == ("SYSTEM", RECOVERABLE, SYSTEM)
    assert "_F_L_MIN_SIZE_MB" in doc.error.message and run.state is m.State.WRITING_ERROR


def test_no_resolver_args_is_flytekits_value_error() -> None:
    """flytekit's ``_execute_task``: ``ValueError(f"Resolver args cannot be <1, got {resolver_args}")``."""
    _, cmd = m.start(_inv(resolver_args=()))
    assert _doc(cmd).error.message.endswith("\nMessage:\n\n    ValueError: Resolver args cannot be <1, got ()")


def test_a_dynamic_task_is_refused_with_a_non_recoverable_document() -> None:
    """README: a ``@dynamic`` task in a container writes ``SYSTEM:DynamicNotSupported`` (NON_RECOVERABLE)."""
    run, _ = m.start(_inv())
    run, cmd = m.receive(run, m.TaskLoaded(fan_out, 7.0))
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.kind, doc.error.origin) == ("SYSTEM:DynamicNotSupported", NON_RECOVERABLE, SYSTEM)
    assert doc.error.timestamp.seconds == 7
    assert run.task is fan_out and run.state is m.State.WRITING_ERROR
    _, cmd = m.receive(run, m.OutputsWritten())  # no deck for a dynamic task
    assert cmd == m.Exit(0, "error document written")


# ------------------------------------------------------------------------------------ configure
def test_without_resolver_the_default_resolvers_are_used_and_they_exist() -> None:
    """README Q2: a missing ``--resolver`` defaults to ``flyte_entrypoint.default_task_resolver`` (map-execute:
    ``flyte_entrypoint.ArrayNodeMapTaskResolver``); both names import."""
    _, cmd = m.start(_inv(resolver=None))
    assert isinstance(cmd, m.LoadTask) and cmd.resolver == "flyte_entrypoint.default_task_resolver"
    assert not cmd.instantiate
    _, cmd = m.start(_inv(resolver=None, map_task=True))
    assert isinstance(cmd, m.LoadTask) and cmd.resolver == "flyte_entrypoint.ArrayNodeMapTaskResolver"
    assert cmd.instantiate
    for name in ("flyte_entrypoint.default_task_resolver", "flyte_entrypoint.ArrayNodeMapTaskResolver"):
        assert pkgutil.resolve_name(name) is not None
    _, cmd = m.start(_inv(resolver="my.resolver"))
    assert isinstance(cmd, m.LoadTask) and cmd.resolver == "my.resolver"


@pytest.mark.parametrize(
    ("prefix", "raw"), [("s3://b/out", "s3://b/out/raw"), ("s3://b/out/", "s3://b/out/raw")]
)
def test_the_raw_output_fallback_is_joined_under_the_output_prefix(prefix: str, raw: str) -> None:
    run, _ = m.start(_inv(output_prefix=prefix, raw_output_data_prefix=None))
    assert run.config.raw_output_prefix == raw == run.config.conversion.raw_output_prefix


@pytest.mark.parametrize(("value", "old"), [(None, False), ("", False), ("false", False), ("1", True), ("yes", True)])
def test_the_old_dataclass_format_is_off_unless_flyte_use_old_dc_format_is_set(value: str | None, old: bool) -> None:
    """flytekit's ``FLYTE_USE_OLD_DC_FORMAT`` is a config boolean that defaults to False (msgpack dataclasses)."""
    env = {} if value is None else {"FLYTE_USE_OLD_DC_FORMAT": value}
    run, _ = m.start(_inv(env))
    assert run.config.conversion.use_old_dc_format is old


@pytest.mark.parametrize(("value", "code"), [("true", 1), ("t", 1), ("1", 1), ("T", 1), ("yes", 0), ("0", 0), (None, 0)])
def test_fail_on_error_takes_flytekits_str2bool_words(value: str | None, code: int) -> None:
    """flytekit's ``str2bool``: only ``true``/``t``/``1`` (any case) make a written document exit 1."""
    env = {} if value is None else {"FLYTE_FAIL_ON_ERROR": value}
    run, cmd = m.start(_inv(env, resolver_args=()))
    _, cmd = m.receive(run, m.OutputsWritten())
    assert isinstance(cmd, m.Exit) and cmd.code == code


def test_a_map_task_under_plain_execute_runs_element_0() -> None:
    """flytekit's ``_compute_array_job_index`` without the array-index variables is 0."""
    run = _loaded(map_task(add))
    lm = literals_pb2.LiteralMap()
    for name in ("a", "b"):
        for v in (10, 20):
            lm.literals[name].collection.literals.add().scalar.primitive.integer = v
    _, cmd = m.receive(run, m.InputsRead(lm.SerializeToString(), 2.0))
    assert isinstance(cmd, m.RunTask) and dict(cmd.kwargs) == {"a": 10, "b": 10}


# ------------------------------------------------------------------------------------ user phases
def test_user_code_and_loading_keep_their_own_exception_even_when_it_looks_like_storage() -> None:
    """Only failures of the entrypoint's own reads and writes get flytekit's storage names; an exception
    the user's code (or module) raised is reported as itself (PROTOCOL §3.2: USER, its own code)."""
    failure = StorageFailure(StorageFault.NOT_FOUND, "s3://x", "not there")
    error = _captured(FileNotFoundError("mine"), failure)
    run, _ = m.start(_inv())
    _, cmd = m.receive(run, m.TaskLoadFailed(error, 2.0))
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.origin) == ("USER:RuntimeError", USER)
    assert doc.error.message.endswith("FileNotFoundError: mine")
    run, _ = m.receive(_loaded(add), m.InputsRead(b"", 2.0))
    _, cmd = m.receive(run, m.TaskRaised(error, 3.0))
    doc = _doc(cmd)
    assert (doc.error.code, doc.error.origin) == ("USER:RuntimeError", USER)
    assert doc.error.message.endswith("FileNotFoundError: mine")


# ------------------------------------------------------------------------------------ late failures
def test_a_failure_while_writing_the_deck_keeps_the_runs_exit() -> None:
    run = _loaded(decked)
    lm = literals_pb2.LiteralMap()
    lm.literals["a"].CopyFrom(_int(1))
    lm.literals["b"].CopyFrom(_int(2))
    run, _ = m.receive(run, m.InputsRead(lm.SerializeToString(), 2.0))
    run, _ = m.receive(run, m.TaskReturned(3, 3.0))
    run, cmd = m.receive(run, m.OutputsWritten())
    assert isinstance(cmd, m.WriteDeck) and run.state is m.State.WRITING_DECK
    done, cmd = m.receive(run, m.InternalError(_captured(RuntimeError("deck broke")), 4.0))
    assert cmd == m.Exit(0, "outputs written") and done.state is m.State.DONE


def test_terminated_after_the_document_exits_128_plus_the_signal() -> None:
    run, cmd = m.receive(_loaded(add), m.Terminated("SIGINT", 2, "", 2.0))
    assert _doc(cmd).error.code == "SYSTEM:Terminated"
    _, cmd = m.receive(run, m.OutputsWritten())
    assert cmd == m.Exit(130, "terminated: error document written")


def test_sys_exit_with_a_text_exits_1_and_prints_it() -> None:
    run, _ = m.start(_inv())
    _, cmd = m.receive(run, m.TaskExited(None, "stop here"))
    assert cmd == m.Exit(1, "the task called sys.exit with a message", message="stop here")


def test_a_handler_that_leads_outside_its_row_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The table names every state a transition may lead to; a handler that goes elsewhere is a bug."""
    row = m.TRANSITIONS[(m.State.START, Invocation)]
    monkeypatch.setitem(m.TRANSITIONS, (m.State.START, Invocation), m.Transition(row.handler, frozenset({m.State.DONE})))  # type: ignore[index]
    with pytest.raises(m.UnexpectedEvent, match="START \\+ Invocation led to LOADING, not in the table"):
        m.start(_inv())
