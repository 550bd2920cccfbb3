"""A task run as a pure state machine (h11 style).

The shell feeds *events* (what happened) and carries out *commands* (what to do next)::

    run, command = start(invocation)
    while not isinstance(command, Exit):
        event = shell.perform(command)      # the only place with I/O
        run, command = receive(run, event)

Every question a test may ask ("with this env and these inputs, which files, which error kind,
which exit code?") is therefore a pure call: feed the events, read the commands.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
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
    classify,
    error_file_name,
    is_ignore_outputs,
    worker_name,
)
from flyte_entrypoint.core.exceptions import TypeTransformerFailedError
from flyte_entrypoint.core.literal_io import (
    OffloadPolicy,
    inputs_to_python,
    offload_outputs,
    offload_policy,
    offloaded_uris,
    outputs_to_literals,
    replace_offloaded,
)
from flyte_entrypoint.core.output_metadata import EMPTY as NO_OUTPUT_METADATA
from flyte_entrypoint.core.runtime_packages import requested_packages
from flyte_entrypoint.core.types.engine import ConversionContext, Upload
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
class RunTask:
    task: TaskRecord
    kwargs: PMap[str, Any]


@attrs.frozen
class UploadData:
    """Upload the files/directories that output literals point to, before outputs.pb exists."""

    uploads: tuple[Upload, ...]


@attrs.frozen
class WriteOutputs:
    """Write ``files`` (name -> serialized bytes) under ``prefix``; error documents and outputs alike."""

    prefix: str
    files: PMap[str, bytes]


@attrs.frozen
class Exit:
    code: int
    reason: str = ""


Command = InstallPackages | LoadTask | ReadInputs | ReadLiterals | RunTask | UploadData | WriteOutputs | Exit


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


Event = (
    PackagesInstalled
    | PackagesInstallFailed
    | TaskLoaded
    | TaskLoadFailed
    | InputsRead
    | InputsReadFailed
    | LiteralsRead
    | TaskReturned
    | TaskRaised
    | DataUploaded
    | DataUploadFailed
    | OutputsWritten
    | OutputsWriteFailed
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


@attrs.frozen
class Run:
    config: RunConfig
    state: str = "start"
    task: AnyTask | None = None
    inputs: Any = None  # the parsed LiteralMap, once read
    pending_files: PMap[str, bytes] = attrs.field(factory=pmap)
    wrote_error: bool = False


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
        ),
    )


def _synthetic(exc: BaseException) -> CapturedError:
    """An error the core itself detected: its 'traceback' is just the exception line."""
    return CapturedError(exc, "".join(traceback.format_exception_only(type(exc), exc)))


def _fail(run: Run, phase: Phase, error: CapturedError, now: float) -> tuple[Run, Command]:
    if is_ignore_outputs(phase, error.exception):
        return attrs.evolve(run, state="done"), Exit(0, "IgnoreOutputs raised: nothing is written")
    report = classify(phase, error, now, run.config.worker)
    return _write_error(run, report)


def _write_error(run: Run, report: ErrorReport) -> tuple[Run, Command]:
    data: bytes = report.to_proto().SerializeToString()
    files = pmap({run.config.error_file_name: data})
    new = attrs.evolve(run, state="writing", pending_files=files, wrote_error=True)
    return new, WriteOutputs(run.config.output_prefix, files)


def start(invocation: Invocation) -> tuple[Run, Command]:
    """The first command of a run."""
    config = configure(invocation)
    run = Run(config)
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
        return attrs.evolve(run, state="installing"), InstallPackages(config.runtime_packages)
    return _load(run)


def _load(run: Run) -> tuple[Run, Command]:
    config = run.config
    command = LoadTask(config.resolver, config.loader_args, instantiate=config.args.map_task)
    return attrs.evolve(run, state="loading"), command


def _inner(task: AnyTask) -> TaskRecord:
    return task.task if isinstance(task, MapTaskRecord) else task


def _convert_and_run(run: Run, literal_map: Any, now: float) -> tuple[Run, Command]:
    assert run.task is not None
    index = None
    if isinstance(run.task, MapTaskRecord):
        index = run.config.array_index.unwrap() if run.config.array_index is not None else 0
    converted = inputs_to_python(run.task, literal_map, index, run.config.conversion)
    if isinstance(converted, Failure):
        return _fail(run, Phase.CONVERT_INPUTS, _synthetic(converted.failure()), now)
    kwargs = converted.unwrap()
    return attrs.evolve(run, state="running"), RunTask(_inner(run.task), pmap(kwargs))


def _on_returned(
    run: Run, value: Any, now: float, metadata: OutputMetadataTracker = NO_OUTPUT_METADATA
) -> tuple[Run, Command]:
    assert run.task is not None
    inner = _inner(run.task)
    result = outputs_to_literals(inner, value, run.config.conversion, metadata)
    if isinstance(result, Failure):
        return _fail(run, Phase.CONVERT_OUTPUTS, _synthetic(result.failure()), now)
    literal_map, uploads = result.unwrap()
    policy = run.config.offload.unwrap()
    offloaded = offload_outputs(
        literal_map, inner, policy, run.config.output_prefix, is_map_task=isinstance(run.task, MapTaskRecord)
    )
    if isinstance(offloaded, Failure):
        return _fail(run, Phase.PLATFORM, _synthetic(offloaded.failure()), now)
    files = pmap(offloaded.unwrap())
    new = attrs.evolve(run, pending_files=files)
    if uploads:
        return attrs.evolve(new, state="uploading"), UploadData(tuple(uploads))
    return attrs.evolve(new, state="writing"), WriteOutputs(run.config.output_prefix, files)


def receive(run: Run, event: Event) -> tuple[Run, Command]:
    """The next command, given what just happened. Unexpected events are a programming error."""
    state = run.state
    if state == "installing" and isinstance(event, PackagesInstalled):
        return _load(run)
    if state == "installing" and isinstance(event, PackagesInstallFailed):
        report = reports.runtime_packages_failed(
            run.config.runtime_packages, event.returncode, event.output, event.now, run.config.worker
        )
        return _write_error(run, report)
    if state == "loading" and isinstance(event, TaskLoaded) and _inner(event.task).is_dynamic:
        report = reports.dynamic_not_supported(_inner(event.task).name, event.now, run.config.worker)
        return _write_error(attrs.evolve(run, task=event.task), report)
    if state == "loading" and isinstance(event, TaskLoaded):
        return attrs.evolve(run, state="reading", task=event.task), ReadInputs(run.config.inputs_uri)
    if state == "loading" and isinstance(event, TaskLoadFailed):
        return _fail(run, Phase.LOAD, event.error, event.now)
    if state == "reading" and isinstance(event, InputsRead):
        from flyteidl.core import literals_pb2

        literal_map = literals_pb2.LiteralMap()
        try:
            literal_map.ParseFromString(event.data)
        except Exception as exc:
            bad = TypeTransformerFailedError(
                f"inputs.pb at {run.config.inputs_uri} is not a LiteralMap: {exc}"
            )
            return _fail(run, Phase.CONVERT_INPUTS, _synthetic(bad), event.now)
        uris = offloaded_uris(literal_map)
        if uris:
            return attrs.evolve(run, state="offloaded", inputs=literal_map), ReadLiterals(uris)
        return _convert_and_run(attrs.evolve(run, inputs=literal_map), literal_map, event.now)
    if state == "reading" and isinstance(event, InputsReadFailed):
        return _fail(run, Phase.DOWNLOAD_INPUTS, event.error, event.now)
    if state == "offloaded" and isinstance(event, LiteralsRead):
        replaced = replace_offloaded(run.inputs, event.data)
        if isinstance(replaced, Failure):
            return _fail(run, Phase.DOWNLOAD_INPUTS, _synthetic(replaced.failure()), event.now)
        return _convert_and_run(run, replaced.unwrap(), event.now)
    if state == "offloaded" and isinstance(event, InputsReadFailed):
        return _fail(run, Phase.DOWNLOAD_INPUTS, event.error, event.now)
    if state == "running" and isinstance(event, TaskReturned):
        return _on_returned(run, event.value, event.now, event.output_metadata)
    if state == "running" and isinstance(event, TaskRaised):
        return _fail(run, Phase.USER_CODE, event.error, event.now)
    if state == "uploading" and isinstance(event, DataUploaded):
        return attrs.evolve(run, state="writing"), WriteOutputs(run.config.output_prefix, run.pending_files)
    if state == "uploading" and isinstance(event, DataUploadFailed):
        from flyte_entrypoint.core.types.blob import UploadSourceMissing

        # A missing local file is the task's output not converting (flytekit: SYSTEM, NON_RECOVERABLE).
        missing = isinstance(event.error.exception, UploadSourceMissing)
        return _fail(run, Phase.CONVERT_OUTPUTS if missing else Phase.UPLOAD_DATA, event.error, event.now)
    if state == "writing" and isinstance(event, OutputsWritten):
        code = 1 if (run.wrote_error and run.config.fail_on_error) else 0
        reason = "error document written" if run.wrote_error else "outputs written"
        return attrs.evolve(run, state="done"), Exit(code, reason)
    if state == "writing" and isinstance(event, OutputsWriteFailed):
        failure = event.error.exception
        return attrs.evolve(run, state="done"), Exit(
            1, f"could not write to the output prefix {run.config.output_prefix}: {type(failure).__name__}: {failure}"
        )
    raise RuntimeError(f"event {type(event).__name__} is not expected in state {state!r}")
