"""A task run as a pure, table-driven state machine (h11 style).

The shell feeds *events* (what happened) and carries out *commands* (what to do next)::

    run, command = start(invocation)
    while not isinstance(command, Exit):
        event = shell.perform(command)      # the only place with I/O
        run, command = receive(run, event)

Everything that decides an outcome lives here, in one table, :data:`TRANSITIONS`:
``(State, event type) -> Transition(handler, possible next states)``. The README's state diagram is
generated from it (:func:`diagram`). That includes the outcomes that are not the happy path: a
SIGTERM while the task runs (:class:`Terminated` -> the ``SYSTEM:Terminated`` document, exit
``128+S``), a bug inside the entrypoint (:class:`InternalError` -> a SYSTEM document with the trace),
``deck.html`` (:class:`WriteDeck`), and a store that refuses ``outputs.pb`` (:class:`OutputsWriteFailed`
-> the error document naming the storage failure, exit 0; only when that write fails too, exit 1
with one JSON line on stderr, the :attr:`Exit.diagnostic`). Conversion I/O is commands too: the
blobs the input conversion reads eagerly (pickles, arrays, dataframes) are :class:`ReadBlobs` ->
:class:`BlobsRead` (state ``READING_BLOBS``; a storage failure is :class:`InputsReadFailed`), the
bytes and files outputs need are carried by :class:`UploadData`.

Why one file of ~750 lines: as in h11's ``_state.py``, everything that affects the machine lives here
(its vocabulary of commands and events, its states, every transition and the table), so a reader can
check an outcome without leaving the file; splitting the vocabulary out would also cost one more
module at start-up.

Laws (``property_tests/test_run_machine_laws.py``): whatever the events, a run ends in exactly one
:class:`Exit`; it writes at most one error document; ``outputs.pb`` is never written after an error
document, and offloaded literal files are written before it; a run that wrote a document exits 0
(1 under ``FLYTE_FAIL_ON_ERROR``; ``128+S`` after a termination signal).
"""

from __future__ import annotations

import enum
import traceback
from collections.abc import Callable, Mapping
from typing import Any

import attrs
from pyrsistent import PMap, pmap
from returns.result import Failure, Result

from flyte_entrypoint.core import env as envrules
from flyte_entrypoint.core import reports
from flyte_entrypoint.core.array_index import ArrayIndexError, compute_array_job_index
from flyte_entrypoint.core.errors import (
    CapturedError,
    ErrorReport,
    Phase,
    as_flyte_storage_error,
    classify,
    error_file_name,
    is_ignore_outputs,
    worker_name,
)
from flyte_entrypoint.core.literal_maps import (
    OffloadPolicy,
    decode_big_inputs,
    inputs_to_python,
    offload_outputs,
    offload_policy,
    offloaded_uris,
    outputs_to_wire_literals,
    replace_offloaded,
)
from flyte_entrypoint.core.output_metadata import EMPTY as NO_OUTPUT_METADATA
from flyte_entrypoint.core.runtime_packages import requested_packages
from flyte_entrypoint.core.type_engine.engine import (
    BlobData,
    BlobRead,
    BlobsNeeded,
    ConversionContext,
    PlannedUpload,
)
from flyte_entrypoint.schemas.invocation import Invocation, TaskArgs
from flyte_entrypoint.schemas.output_metadata import OutputMetadataTracker
from flyte_entrypoint.schemas.task import MapTaskRecord, TaskRecord

OUTPUT_FILE_NAME = "outputs.pb"
DEFAULT_RESOLVER = "flyte_entrypoint.default_task_resolver"
DEFAULT_MAP_RESOLVER = "flyte_entrypoint.ArrayNodeMapTaskResolver"
RAW_OUTPUT_FALLBACK_DIR = "raw"

AnyTask = TaskRecord | MapTaskRecord


# ---------------------------------------------------------------- commands (core -> shell)
@attrs.frozen
class InstallPackages:
    """``pip install`` the ``_F_RUNTIME_PACKAGES`` arguments before anything of the user's is imported."""

    packages: tuple[str, ...]


@attrs.frozen
class LoadTask:
    resolver: str
    loader_args: tuple[str, ...]
    instantiate: bool  # map-execute names a resolver *class*


@attrs.frozen
class ReadInputs:
    uri: str


@attrs.frozen
class ReadLiterals:
    """Fetch offloaded input literals (``uri -> bytes``)."""

    uris: tuple[str, ...]


@attrs.frozen
class ReadBlobs:
    """Fetch the blobs the input conversion needs (pickles, arrays, dataframes, JSON lines): each file's bytes,
    every file under a folder; ``None`` for one that does not exist (then the conversion fails naming it)."""

    reads: tuple[BlobRead, ...]


@attrs.frozen
class RunTask:
    task: TaskRecord
    kwargs: PMap[str, Any]
    publish_deck: bool = False  # whether ``Deck.publish()`` may write deck.html mid-run


@attrs.frozen
class UploadData:
    """Upload the files/directories/bytes that output literals point to, before outputs.pb exists."""

    uploads: tuple[PlannedUpload, ...]


@attrs.frozen
class WriteOutputs:
    """Write ``files`` (name -> serialized bytes) under ``prefix``; error documents and outputs alike."""

    prefix: str
    files: PMap[str, bytes]


@attrs.frozen
class WriteDeck:
    """Render and upload ``<prefix>/deck.html`` for ``task`` (timeline, user decks; values on success)."""

    prefix: str
    task: TaskRecord
    succeeded: bool


@attrs.frozen
class Exit:
    """Stop with ``code``. ``diagnostic``, when set, is written to stderr as one JSON line (the only trace
    of a run that could not write anything where Flyte looks)."""

    code: int
    reason: str = ""
    diagnostic: PMap[str, str] | None = None
    message: str | None = None  # written to stderr as is (the text a task passed to sys.exit)


Command = (
    InstallPackages
    | LoadTask
    | ReadInputs
    | ReadLiterals
    | ReadBlobs
    | RunTask
    | UploadData
    | WriteOutputs
    | WriteDeck
    | Exit
)


# ---------------------------------------------------------------- events (shell -> core)
@attrs.frozen
class PackagesInstalled:
    pass


@attrs.frozen
class PackagesInstallFailed:
    returncode: int
    output: str
    now: float


@attrs.frozen
class TaskLoaded:
    task: AnyTask
    now: float = 0.0


@attrs.frozen
class TaskLoadFailed:
    error: CapturedError
    now: float


@attrs.frozen
class InputsRead:
    data: bytes
    now: float


@attrs.frozen
class InputsReadFailed:
    error: CapturedError
    now: float


@attrs.frozen
class LiteralsRead:
    data: PMap[str, bytes]
    now: float


@attrs.frozen
class BlobsRead:
    """The data of a :class:`ReadBlobs` (a failure to fetch is :class:`InputsReadFailed`)."""

    data: PMap[BlobRead, BlobData]
    now: float


@attrs.frozen
class TaskReturned:
    value: Any
    now: float
    output_metadata: OutputMetadataTracker = NO_OUTPUT_METADATA


@attrs.frozen
class TaskRaised:
    error: CapturedError
    now: float


@attrs.frozen
class DataUploaded:
    pass


@attrs.frozen
class DataUploadFailed:
    error: CapturedError
    now: float


@attrs.frozen
class OutputsWritten:
    pass


@attrs.frozen
class OutputsWriteFailed:
    error: CapturedError
    now: float = 0.0


@attrs.frozen
class TaskExited:
    """The task (or the module it lives in) called ``sys.exit``: ``code`` is ``SystemExit.code``'s int (None
    for no code), ``text`` its text when it was not an int (Python prints it and exits 1)."""

    code: int | None
    text: str | None = None


@attrs.frozen
class DeckWritten:
    """``deck.html`` was written, or could not be (logged by the shell; never changes the outcome)."""

    ok: bool = True


@attrs.frozen
class Terminated:
    """A termination signal arrived (the shell reports it from its signal handler)."""

    signal_name: str
    signal_number: int
    stack: str
    now: float


@attrs.frozen
class InternalError:
    """Carrying out a command (or reacting to an event) failed in a way no other event describes."""

    error: CapturedError
    now: float


Event = (
    PackagesInstalled
    | PackagesInstallFailed
    | TaskLoaded
    | TaskLoadFailed
    | InputsRead
    | InputsReadFailed
    | LiteralsRead
    | BlobsRead
    | TaskReturned
    | TaskRaised
    | DataUploaded
    | DataUploadFailed
    | OutputsWritten
    | OutputsWriteFailed
    | TaskExited
    | DeckWritten
    | Terminated
    | InternalError
)


# ---------------------------------------------------------------- configuration and state
@attrs.frozen
class RunConfig:
    """Everything the run decides up front from flags and environment (normalized, with fallbacks)."""

    args: TaskArgs
    inputs_uri: str
    output_prefix: str
    raw_output_prefix: str
    raw_output_prefix_given: bool
    checkpoint_path: str | None
    prev_checkpoint: str | None
    resolver: str
    loader_args: tuple[str, ...]
    error_file_name: str
    worker: str
    fail_on_error: bool
    array_index: Result[int, ArrayIndexError] | None
    offload: Result[OffloadPolicy, str]
    conversion: ConversionContext
    runtime_packages: tuple[str, ...] = ()


class State(enum.Enum):
    """Where a run is. Each active state waits for the outcome of the one command it issued."""

    START = "start"
    INSTALLING = "installing packages"
    LOADING = "loading the task"
    READING_INPUTS = "reading inputs.pb"
    READING_LITERALS = "reading offloaded inputs"
    READING_BLOBS = "reading input data"
    RUNNING = "running the task"
    UPLOADING = "uploading output data"
    WRITING_OUTPUTS = "writing outputs"
    WRITING_ERROR = "writing the error document"
    WRITING_DECK = "writing deck.html"
    DONE = "done"


@attrs.frozen
class Run:
    config: RunConfig
    state: State = State.START
    task: AnyTask | None = None
    inputs: Any = None  # the parsed LiteralMap, once read
    decoded_inputs: PMap[str, Any] = attrs.field(factory=pmap)  # big inputs read from the wire bytes
    input_map: Any = None  # the LiteralMap the inputs are converted from (offloaded literals in place)
    blobs: PMap[BlobRead, BlobData] = attrs.field(factory=pmap)  # data of the blobs the conversion read
    pending_files: PMap[str, bytes] = attrs.field(factory=pmap)
    wrote_error: bool = False  # an error document is being (or was) written
    terminated: int | None = None  # the exit code a termination signal asked for
    exit_after: Exit | None = None  # the exit once deck.html is written


def write_order(files: Mapping[str, bytes]) -> tuple[str, ...]:
    """The order to write engine files in: ``outputs.pb`` last, so a reader that sees it never finds it
    pointing at an offloaded literal file that is not there yet."""
    return tuple(sorted(files, key=lambda name: (name == OUTPUT_FILE_NAME, name)))


def _join(prefix: str, name: str) -> str:
    return prefix + name if prefix.endswith("/") else f"{prefix}/{name}"


def configure(invocation: Invocation) -> RunConfig:
    """Normalize flags, apply fallbacks, and decide names that must be fixed before anything runs."""
    args = invocation.args
    env: Mapping[str, str] = invocation.env
    raw = envrules.normalize_raw_output_prefix(args.raw_output_data_prefix)
    raw_prefix = raw if raw is not None else _join(args.output_prefix, RAW_OUTPUT_FALLBACK_DIR)
    default_resolver = DEFAULT_MAP_RESOLVER if args.map_task else DEFAULT_RESOLVER
    use_old = envrules.config_bool(env.get("FLYTE_USE_OLD_DC_FORMAT"))
    return RunConfig(
        args=args,
        inputs_uri=args.inputs,
        output_prefix=args.output_prefix,
        raw_output_prefix=raw_prefix,
        raw_output_prefix_given=raw is not None,
        checkpoint_path=envrules.normalize_checkpoint_path(args.checkpoint_path),
        prev_checkpoint=envrules.normalize_prev_checkpoint(args.prev_checkpoint),
        resolver=args.resolver or default_resolver,
        loader_args=tuple(args.resolver_args),
        error_file_name=error_file_name(env, invocation.uuid_hex),
        worker=worker_name(env),
        fail_on_error=envrules.str2bool(env.get(envrules.FLYTE_FAIL_ON_ERROR)),
        array_index=compute_array_job_index(env) if args.map_task else None,
        offload=offload_policy(env),
        runtime_packages=requested_packages(env),
        conversion=ConversionContext(
            raw_output_prefix=raw_prefix,
            local_sandbox=invocation.sandbox_dir,
            name_seed=invocation.name_seed,
            use_old_dc_format=use_old,
            classes=invocation.conversion_classes,
            handler_context=invocation.handler_context,
        ),
    )


def _minimal_config(invocation: Invocation) -> RunConfig:
    """Just enough configuration to write an error document, for when :func:`configure` itself failed."""
    args = invocation.args
    env: Mapping[str, str] = invocation.env
    return RunConfig(
        args=args,
        inputs_uri=args.inputs,
        output_prefix=args.output_prefix,
        raw_output_prefix=args.output_prefix,
        raw_output_prefix_given=False,
        checkpoint_path=None,
        prev_checkpoint=None,
        resolver=args.resolver or DEFAULT_RESOLVER,
        loader_args=tuple(args.resolver_args),
        error_file_name=error_file_name(env, invocation.uuid_hex),
        worker=worker_name(env),
        fail_on_error=envrules.str2bool(env.get(envrules.FLYTE_FAIL_ON_ERROR)),
        array_index=None,
        offload=Failure("not configured"),
        conversion=ConversionContext(),
    )


# ---------------------------------------------------------------- outcomes shared by several transitions
Outcome = tuple[Run, Command]

_USER_PHASES = (Phase.LOAD, Phase.USER_CODE)


def _synthetic(exc: BaseException) -> CapturedError:
    """An error the core itself detected: its 'traceback' is just the exception line."""
    return CapturedError(exc, "".join(traceback.format_exception_only(type(exc), exc)))


def _inner(task: AnyTask | None) -> TaskRecord | None:
    return None if task is None else task.inner


def _fail(run: Run, phase: Phase, error: CapturedError, now: float) -> Outcome:
    if is_ignore_outputs(phase, error.exception):
        return attrs.evolve(run, state=State.DONE), Exit(0, "IgnoreOutputs raised: nothing is written")
    if phase not in _USER_PHASES:
        error = as_flyte_storage_error(error)
    return _write_error(run, classify(phase, error, now, run.config.worker))


def _write_error(run: Run, report: ErrorReport) -> Outcome:
    data: bytes = report.to_proto().SerializeToString()
    files = pmap({run.config.error_file_name: data})
    new = attrs.evolve(run, state=State.WRITING_ERROR, pending_files=files, wrote_error=True)
    return new, WriteOutputs(run.config.output_prefix, files)


def _write_outputs(run: Run) -> Outcome:
    return attrs.evolve(run, state=State.WRITING_OUTPUTS), WriteOutputs(
        run.config.output_prefix, run.pending_files
    )


def _deck_task(run: Run) -> TaskRecord | None:
    """The task whose deck.html is written after its documents: decks enabled, and not dynamic."""
    inner = _inner(run.task)
    if inner is None or not inner.enable_deck or inner.is_dynamic:
        return None
    return inner


def _finish(run: Run, exit_: Exit) -> Outcome:
    """A document was written: write deck.html first if the task has decks, then exit."""
    inner = _deck_task(run)
    if inner is None or run.terminated is not None:
        return attrs.evolve(run, state=State.DONE), exit_
    command = WriteDeck(run.config.output_prefix, inner, succeeded=not run.wrote_error)
    return attrs.evolve(run, state=State.WRITING_DECK, exit_after=exit_), command


def _unwritable(run: Run, error: CapturedError) -> Exit:
    """Nothing could be written where Flyte looks: exit non-zero, with one JSON line on stderr."""
    failure = error.exception
    try:
        text = f"{type(failure).__name__}: {failure}"
    except Exception:
        text = f"<unprintable {type(failure).__name__}>"
    diagnostic = pmap(
        {"event": "output prefix not writable", "output_prefix": run.config.output_prefix, "error": text}
    )
    code = run.terminated if run.terminated is not None else 1
    return Exit(code, f"could not write to the output prefix {run.config.output_prefix}: {text}", diagnostic)


# ---------------------------------------------------------------- transitions (handlers of the table)
def _on_invocation(run: Run, invocation: Invocation) -> Outcome:
    config = run.config
    now = invocation.now
    if not config.loader_args:
        return _fail(
            run, Phase.ENVIRONMENT, _synthetic(ValueError("Resolver args cannot be <1, got ()")), now
        )
    if isinstance(config.array_index, Failure):
        err = config.array_index.failure()
        return _fail(run, Phase.ENVIRONMENT, _synthetic(ValueError(err.message)), now)
    if isinstance(config.offload, Failure):
        return _fail(run, Phase.PLATFORM, _synthetic(ValueError(config.offload.failure())), now)
    if config.runtime_packages:
        return attrs.evolve(run, state=State.INSTALLING), InstallPackages(config.runtime_packages)
    return _load(run)


def _load(run: Run, _event: object = None) -> Outcome:
    config = run.config
    command = LoadTask(config.resolver, config.loader_args, instantiate=config.args.map_task)
    return attrs.evolve(run, state=State.LOADING), command


def _on_install_failed(run: Run, event: PackagesInstallFailed) -> Outcome:
    config = run.config
    report = reports.runtime_packages_failed(
        config.runtime_packages, event.returncode, event.output, event.now, config.worker
    )
    return _write_error(run, report)


def _on_loaded(run: Run, event: TaskLoaded) -> Outcome:
    inner = _inner(event.task)
    assert inner is not None
    if inner.is_dynamic:
        report = reports.dynamic_not_supported(inner.name, event.now, run.config.worker)
        return _write_error(attrs.evolve(run, task=event.task), report)
    return attrs.evolve(run, state=State.READING_INPUTS, task=event.task), ReadInputs(run.config.inputs_uri)


def _on_load_failed(run: Run, event: TaskLoadFailed) -> Outcome:
    return _fail(run, Phase.LOAD, event.error, event.now)


def _on_inputs_read(run: Run, event: InputsRead) -> Outcome:
    from flyteidl.core import literals_pb2

    split = decode_big_inputs(run.task, event.data)
    data, decoded = split if split is not None else (event.data, {})
    run = attrs.evolve(run, decoded_inputs=pmap(decoded)) if decoded else run
    literal_map = literals_pb2.LiteralMap()
    try:
        literal_map.ParseFromString(data)
    except Exception as exc:
        # Unparseable bytes are most likely a torn download: SYSTEM, RECOVERABLE (as flytekit), a retry may help.
        return _fail(run, Phase.DOWNLOAD_INPUTS, _synthetic(exc), event.now)
    uris = offloaded_uris(literal_map)
    if uris:
        return attrs.evolve(run, state=State.READING_LITERALS, inputs=literal_map), ReadLiterals(uris)
    return _convert_and_run(attrs.evolve(run, inputs=literal_map), literal_map, event.now)


def _on_read_failed(run: Run, event: InputsReadFailed) -> Outcome:
    return _fail(run, Phase.DOWNLOAD_INPUTS, event.error, event.now)


def _on_literals_read(run: Run, event: LiteralsRead) -> Outcome:
    replaced = replace_offloaded(run.inputs, event.data)
    if isinstance(replaced, Failure):
        # flytekit parses an offloaded literal while converting the input: SYSTEM, NON_RECOVERABLE.
        return _fail(run, Phase.CONVERT_INPUTS, _synthetic(replaced.failure()), event.now)
    return _convert_and_run(run, replaced.unwrap(), event.now)


def _convert_and_run(run: Run, literal_map: Any, now: float) -> Outcome:
    assert run.task is not None
    index = None
    if isinstance(run.task, MapTaskRecord):
        index = run.config.array_index.unwrap() if run.config.array_index is not None else 0
    conversion = run.config.conversion
    if run.blobs:
        conversion = attrs.evolve(conversion, blobs=run.blobs)
    converted = inputs_to_python(run.task, literal_map, index, conversion, run.decoded_inputs)
    if isinstance(converted, Failure):
        failure = converted.failure()
        if isinstance(failure, BlobsNeeded):
            wanted = tuple(r for r in failure.reads if r not in run.blobs)
            if wanted:  # each round fetches at least one new blob: the reads end
                new = attrs.evolve(run, state=State.READING_BLOBS, input_map=literal_map)
                return new, ReadBlobs(wanted)
        return _fail(run, Phase.CONVERT_INPUTS, _synthetic(failure), now)
    inner = _inner(run.task)
    assert inner is not None
    command = RunTask(inner, pmap(converted.unwrap()), publish_deck=inner.enable_deck)
    # the fetched blob bytes are not kept while the task runs (a dataframe's parquet would double its memory)
    return attrs.evolve(run, state=State.RUNNING, blobs=pmap(), input_map=None), command


def _on_blobs_read(run: Run, event: BlobsRead) -> Outcome:
    run = attrs.evolve(run, blobs=run.blobs.update(event.data))
    return _convert_and_run(run, run.input_map, event.now)


def _on_returned(run: Run, event: TaskReturned) -> Outcome:
    inner = _inner(run.task)
    assert inner is not None
    result = outputs_to_wire_literals(inner, event.value, run.config.conversion, event.output_metadata)
    if isinstance(result, Failure):
        return _fail(run, Phase.CONVERT_OUTPUTS, _synthetic(result.failure()), event.now)
    literal_map, uploads, wire = result.unwrap()
    policy = run.config.offload.unwrap()
    offloaded = offload_outputs(
        literal_map,
        inner,
        policy,
        run.config.output_prefix,
        is_map_task=isinstance(run.task, MapTaskRecord),
        wire=wire,
    )
    if isinstance(offloaded, Failure):
        return _fail(run, Phase.PLATFORM, _synthetic(offloaded.failure()), event.now)
    new = attrs.evolve(run, pending_files=pmap(offloaded.unwrap()))
    if uploads:
        return attrs.evolve(new, state=State.UPLOADING), UploadData(tuple(uploads))
    return _write_outputs(new)


def _on_raised(run: Run, event: TaskRaised) -> Outcome:
    return _fail(run, Phase.USER_CODE, event.error, event.now)


def _on_exited(run: Run, event: TaskExited) -> Outcome:
    """``sys.exit`` in task code: nothing is written and the process exits with that status, as flytekit
    (Python's rules: no code is 0, a text is printed and is 1)."""
    done = attrs.evolve(run, state=State.DONE)
    if event.text is not None:
        return done, Exit(1, "the task called sys.exit with a message", message=event.text)
    code = event.code if event.code is not None else 0
    return done, Exit(code, f"the task called sys.exit({code})")


def _on_uploaded(run: Run, _event: DataUploaded) -> Outcome:
    return _write_outputs(run)


def _on_upload_failed(run: Run, event: DataUploadFailed) -> Outcome:
    from flyte_entrypoint.core.type_engine.blob import UploadSourceMissing

    # A missing local file is the task's output not converting (flytekit: SYSTEM, NON_RECOVERABLE).
    missing = isinstance(event.error.exception, UploadSourceMissing)
    return _fail(run, Phase.CONVERT_OUTPUTS if missing else Phase.UPLOAD_DATA, event.error, event.now)


def _on_outputs_written(run: Run, _event: OutputsWritten) -> Outcome:
    return _finish(run, Exit(0, "outputs written"))


def _on_outputs_write_failed(run: Run, event: OutputsWriteFailed) -> Outcome:
    # The store refused outputs.pb: say so where Flyte looks (it reads documents only after exit 0).
    return _fail(run, Phase.WRITE_OUTPUTS, event.error, event.now)


def _on_error_written(run: Run, _event: OutputsWritten) -> Outcome:
    if run.terminated is not None:
        return attrs.evolve(run, state=State.DONE), Exit(run.terminated, "terminated: error document written")
    return _finish(run, Exit(1 if run.config.fail_on_error else 0, "error document written"))


def _on_error_write_failed(run: Run, event: OutputsWriteFailed) -> Outcome:
    return attrs.evolve(run, state=State.DONE), _unwritable(run, event.error)


def _on_deck_written(run: Run, _event: DeckWritten) -> Outcome:
    assert run.exit_after is not None
    return attrs.evolve(run, state=State.DONE), run.exit_after


def _on_terminated(run: Run, event: Terminated) -> Outcome:
    """Stopped before any document: the RECOVERABLE ``SYSTEM:Terminated`` document, then exit ``128+S``."""
    report = reports.terminated(
        event.signal_name, event.signal_number, event.stack, event.now, run.config.worker
    )
    return _write_error(attrs.evolve(run, terminated=128 + event.signal_number), report)


def _on_terminated_late(run: Run, event: Terminated) -> Outcome:
    """Stopped while a document (or the deck) was being written: no second document; exit ``128+S``."""
    code = 128 + event.signal_number
    return attrs.evolve(run, state=State.DONE, terminated=code), Exit(
        code, f"terminated by {event.signal_name}"
    )


def _on_internal_error(run: Run, event: InternalError) -> Outcome:
    """A failure inside the entrypoint: a SYSTEM, RECOVERABLE document with the trace."""
    return _write_error(run, classify(Phase.PLATFORM, event.error, event.now, run.config.worker))


def _on_internal_error_late(run: Run, event: InternalError) -> Outcome:
    """The error document itself could not be written (or the deck failed after the documents)."""
    if run.state is State.WRITING_DECK and run.exit_after is not None:
        return attrs.evolve(run, state=State.DONE), run.exit_after
    return attrs.evolve(run, state=State.DONE), _unwritable(run, event.error)


# ---------------------------------------------------------------- the table
@attrs.frozen
class Transition:
    """How a state reacts to one event type: the handler, and every state it may lead to."""

    handler: Callable[[Run, Any], Outcome]
    targets: frozenset[State]


def _t(handler: Callable[[Run, Any], Outcome], *targets: State) -> Transition:
    return Transition(handler, frozenset(targets))


_E, _D = State.WRITING_ERROR, State.DONE  # where failures lead: the error document, or IgnoreOutputs' exit
_BEFORE_DOCUMENTS = (
    State.INSTALLING,
    State.LOADING,
    State.READING_INPUTS,
    State.READING_LITERALS,
    State.READING_BLOBS,
    State.RUNNING,
    State.UPLOADING,
)
_WRITING = (State.WRITING_OUTPUTS, State.WRITING_ERROR, State.WRITING_DECK)

TRANSITIONS: Mapping[tuple[State, type], Transition] = {
    (State.START, Invocation): _t(_on_invocation, State.INSTALLING, State.LOADING, _E),
    (State.INSTALLING, PackagesInstalled): _t(_load, State.LOADING),
    (State.INSTALLING, PackagesInstallFailed): _t(_on_install_failed, _E),
    (State.LOADING, TaskLoaded): _t(_on_loaded, State.READING_INPUTS, _E),
    (State.LOADING, TaskLoadFailed): _t(_on_load_failed, _E, _D),
    (State.LOADING, TaskExited): _t(_on_exited, _D),
    (State.READING_INPUTS, InputsRead): _t(
        _on_inputs_read, State.READING_LITERALS, State.READING_BLOBS, State.RUNNING, _E
    ),
    (State.READING_INPUTS, InputsReadFailed): _t(_on_read_failed, _E),
    (State.READING_LITERALS, LiteralsRead): _t(_on_literals_read, State.READING_BLOBS, State.RUNNING, _E),
    (State.READING_LITERALS, InputsReadFailed): _t(_on_read_failed, _E),
    (State.READING_BLOBS, BlobsRead): _t(_on_blobs_read, State.READING_BLOBS, State.RUNNING, _E),
    (State.READING_BLOBS, InputsReadFailed): _t(_on_read_failed, _E),
    (State.RUNNING, TaskReturned): _t(_on_returned, State.UPLOADING, State.WRITING_OUTPUTS, _E),
    (State.RUNNING, TaskRaised): _t(_on_raised, _E, _D),
    (State.RUNNING, TaskExited): _t(_on_exited, _D),
    (State.UPLOADING, DataUploaded): _t(_on_uploaded, State.WRITING_OUTPUTS),
    (State.UPLOADING, DataUploadFailed): _t(_on_upload_failed, _E),
    (State.WRITING_OUTPUTS, OutputsWritten): _t(_on_outputs_written, State.WRITING_DECK, _D),
    (State.WRITING_OUTPUTS, OutputsWriteFailed): _t(_on_outputs_write_failed, _E),
    (State.WRITING_ERROR, OutputsWritten): _t(_on_error_written, State.WRITING_DECK, _D),
    (State.WRITING_ERROR, OutputsWriteFailed): _t(_on_error_write_failed, _D),
    (State.WRITING_DECK, DeckWritten): _t(_on_deck_written, _D),
    **{(s, Terminated): _t(_on_terminated, _E) for s in _BEFORE_DOCUMENTS},
    **{(s, Terminated): _t(_on_terminated_late, _D) for s in _WRITING},
    **{(s, InternalError): _t(_on_internal_error, _E) for s in (*_BEFORE_DOCUMENTS, State.WRITING_OUTPUTS)},
    **{
        (s, InternalError): _t(_on_internal_error_late, _D) for s in (State.WRITING_ERROR, State.WRITING_DECK)
    },
}


class UnexpectedEvent(RuntimeError):
    """An event the table has no row for: a bug in the shell (reported as an :class:`InternalError`)."""


def _step(run: Run, event: object) -> Outcome:
    transition = TRANSITIONS.get((run.state, type(event)))
    if transition is None:
        raise UnexpectedEvent(f"event {type(event).__name__} is not expected in state {run.state.name}")
    new, command = transition.handler(run, event)
    if new.state not in transition.targets:
        raise UnexpectedEvent(
            f"{run.state.name} + {type(event).__name__} led to {new.state.name}, not in the table"
        )
    return new, command


def start(invocation: Invocation) -> Outcome:
    """The first command of a run."""
    return _step(Run(configure(invocation)), invocation)


def receive(run: Run, event: Event) -> Outcome:
    """The next command, given what just happened (the row of :data:`TRANSITIONS` for it)."""
    return _step(run, event)


def rescue(invocation: Invocation, error: CapturedError) -> Outcome:
    """The run could not even start (a bug in configuring it): write the SYSTEM document if we can."""
    run = Run(_minimal_config(invocation), state=State.LOADING)
    return receive(run, InternalError(error, invocation.now))


# ---------------------------------------------------------------- the diagram (README)
def diagram() -> str:
    """The table as a mermaid state diagram (the README embeds it; a test keeps the two equal)."""
    edges: dict[tuple[State, State], list[str]] = {}
    for (state, event_type), transition in TRANSITIONS.items():
        for target in sorted(transition.targets, key=lambda s: list(State).index(s)):
            labels = edges.setdefault((state, target), [])
            if event_type.__name__ not in labels:
                labels.append(event_type.__name__)
    lines = ["stateDiagram-v2", f"    [*] --> {State.START.name}"]
    for (source, target), labels in edges.items():
        lines.append(f"    {source.name} --> {target.name}: {', '.join(labels)}")
    lines.append(f"    {State.DONE.name} --> [*]")
    return "\n".join(lines) + "\n"
