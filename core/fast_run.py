"""``pyflyte-fast-execute`` as a pure state machine: download -> verify -> plan extraction -> extract ->
run -> exit, with the same contract as the task commands.

The shell (``shell/fast_execute.py``) carries out each command and reports what happened; every
outcome is decided here, in :data:`TRANSITIONS`:

* which step comes next, and whether an archive that is already in place is skipped;
* which member headers refuse the archive (``core.archive.plan_extraction``);
* what a failure is called (``SYSTEM:FastExecute<What>``), whether it is RECOVERABLE, and its message;
* the follow-up command, its ``PYTHONPATH`` and how it runs (in process or as a subprocess);
* the exit status: the follow-up command's (``128+S`` when signal S killed it; 127/126 when it cannot
  be started). A failure before it runs writes an error document under its ``--output-prefix`` and
  exits **0** (Flyte reads documents only after exit 0; flytekit exits 1 and writes nothing); 1 only
  with ``FLYTE_FAIL_ON_ERROR``, or when nothing could be written (no ``--output-prefix``, or the
  store refused the document: then with one JSON line on stderr, :attr:`Exit.diagnostic`).

Laws (``property_tests/test_fast_run_laws.py``): every run ends in exactly one Exit; the task command
never runs after a failure; a written document means exit 0 unless ``FLYTE_FAIL_ON_ERROR``, and nothing
written (no ``--output-prefix``) means exit 1.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import Any

import attrs
from pyrsistent import PMap, pmap
from returns.result import Failure

from flyte_entrypoint.core import archive as arc
from flyte_entrypoint.core import env as envrules
from flyte_entrypoint.core import fast_command as fc
from flyte_entrypoint.core import paths
from flyte_entrypoint.core.errors import error_file_name, worker_name

NO_COMMAND_EXIT = 2  # click's usage-error status
NOT_FOUND_EXIT, NOT_EXECUTABLE_EXIT = 127, 126  # the shell's statuses for a program it cannot start


def _to_pmap(value: Mapping[str, str]) -> PMap[str, str]:
    return value if isinstance(value, PMap) else pmap(dict(value))


@attrs.frozen
class FastInvocation:
    """The outside world of one ``pyflyte-fast-execute``, read once by the shell."""

    distribution: str | None
    dest_dir: str | None
    task_command: tuple[str, ...]
    env: PMap[str, str] = attrs.field(factory=pmap, converter=_to_pmap)
    cwd: str = "."
    now: float = 0.0
    uuid_hex: str = "0" * 32
    pathsep: str = ":"


# ---------------------------------------------------------------- commands (core -> shell)
@attrs.frozen
class Download:
    """Download ``uri`` into a private directory inside ``dest`` (which must be an existing directory).
    With ``keep_as``, move it to ``<dest>/<keep_as>`` and keep it (a notebook pickle)."""

    uri: str
    dest: str
    keep_as: str | None = None


@attrs.frozen
class Verify:
    """Hash the downloaded archive; take the destination's lock; is its done-marker there?"""

    dest: str


@attrs.frozen
class ReadMembers:
    """Read the archive's member headers; stop after the first one past ``limits`` (the count, a member's
    size, the total size), which the plan refuses anyway: a hostile archive is not read to its end."""

    limits: arc.ArchiveLimits


@attrs.frozen
class Extract:
    """Carry ``plan`` out in a staging directory, move it into ``dest``, write the marker of ``sha256``."""

    plan: arc.ExtractionPlan
    dest: str
    sha256: str


@attrs.frozen
class RunCommand:
    """Run the task command: in this interpreter or as a subprocess; ``sys_path`` is the destination
    (realpath) to add where ``PYTHONPATH`` puts it, ``pythonpath`` the new ``PYTHONPATH`` (None: as is)."""

    command: tuple[str, ...]
    mode: fc.RunMode
    pythonpath: str | None
    sys_path: str | None


@attrs.frozen
class ReportFailure:
    """Log ``error``; write ``document`` to ``uri`` when there is one."""

    error: fc.FastExecuteError
    uri: str | None
    document: bytes


@attrs.frozen
class Exit:
    code: int
    reason: str = ""
    diagnostic: PMap[str, str] | None = None


Command = Download | Verify | ReadMembers | Extract | RunCommand | ReportFailure | Exit


# ---------------------------------------------------------------- events (shell -> core)
@attrs.frozen
class Started:
    """The first event: the shell resolved ``dest_dir``'s realpath (``None`` without a destination)."""

    dest_realpath: str | None


@attrs.frozen
class NotADirectory:
    pass


@attrs.frozen
class Downloaded:
    pass


@attrs.frozen
class DownloadFailed:
    not_found: bool
    detail: str
    trace: str = ""


@attrs.frozen
class Verified:
    sha256: str
    already_extracted: bool


@attrs.frozen
class MembersRead:
    """The member headers; ``complete`` is False when reading stopped at a member past the limits."""

    members: tuple[arc.Member, ...]
    complete: bool = True


@attrs.frozen
class Unreadable:
    """The archive's bytes are not a readable tar (stream) archive: most often a truncated download."""

    detail: str
    trace: str = ""


@attrs.frozen
class Extracted:
    pass


@attrs.frozen
class ExtractFailed:
    """Writing failed (disk, permissions); ``moving``: while moving the staged tree into place."""

    detail: str
    trace: str = ""
    moving: bool = False


@attrs.frozen
class CommandFinished:
    returncode: int  # the child's status (negative: killed by that signal) or the in-process exit code


@attrs.frozen
class SpawnFailed:
    not_found: bool
    detail: str


@attrs.frozen
class FailureReported:
    written: bool
    detail: str = ""


@attrs.frozen
class InternalError:
    """A step failed in a way no other event describes (e.g. an unwritable destination)."""

    detail: str
    trace: str = ""


Event = (
    Started
    | NotADirectory
    | Downloaded
    | DownloadFailed
    | Verified
    | MembersRead
    | Unreadable
    | Extracted
    | ExtractFailed
    | CommandFinished
    | SpawnFailed
    | FailureReported
    | InternalError
)


# ---------------------------------------------------------------- state
class State(enum.Enum):
    START = "start"
    DOWNLOADING = "downloading the code"
    VERIFYING = "verifying the archive"
    PLANNING = "planning the extraction"
    EXTRACTING = "extracting"
    RUNNING = "running the task command"
    REPORTING = "reporting a failure"
    DONE = "done"


@attrs.frozen
class FastRun:
    invocation: FastInvocation
    state: State = State.START
    dest: str | None = None  # realpath of the destination
    sha256: str = ""
    limits: arc.ArchiveLimits = attrs.field(factory=arc.ArchiveLimits)
    failed: fc.FastExecuteError | None = None


Outcome = tuple[FastRun, Command]


def _uri(run: FastRun) -> str:
    assert run.invocation.distribution is not None
    return run.invocation.distribution


def _fail(run: FastRun, failure: fc.FastExecuteFailure, message: str, trace: str = "") -> Outcome:
    inv = run.invocation
    error = fc.FastExecuteError(failure, message, trace)
    prefix = fc.output_prefix_of(inv.task_command)
    uri = paths.join(prefix, error_file_name(inv.env, inv.uuid_hex)) if prefix is not None else None
    document = b""
    if uri is not None:
        report = fc.fast_execute_error_report(error, inv.now, worker_name(inv.env))
        document = report.to_proto().SerializeToString()
    return attrs.evolve(run, state=State.REPORTING, failed=error), ReportFailure(error, uri, document)


def _archive_fail(run: FastRun, failure: fc.FastExecuteFailure, message: str, trace: str) -> Outcome:
    """Failures inside the archive name it, so the message says which archive."""
    return _fail(run, failure, f"{message} [archive: {_uri(run)}]", trace)


def _run_command(run: FastRun) -> Outcome:
    inv = run.invocation
    command = fc.rewrite_task_command(inv.task_command, inv.distribution, destination(inv))
    pythonpath = None
    if run.dest is not None:
        pythonpath = fc.child_pythonpath(inv.env.get("PYTHONPATH"), run.dest, inv.pathsep)
    mode = fc.run_mode(inv.env.get(fc.MODE_ENV), command)
    return attrs.evolve(run, state=State.RUNNING), RunCommand(command, mode, pythonpath, run.dest)


# ---------------------------------------------------------------- transitions
def _on_started(run: FastRun, event: Started) -> Outcome:
    inv = run.invocation
    if not inv.task_command:
        exit_ = Exit(NO_COMMAND_EXIT, "no task command given (expected: -- pyflyte-execute ...)")
        return attrs.evolve(run, state=State.DONE), exit_
    run = attrs.evolve(run, dest=event.dest_realpath)
    if inv.distribution is None:
        return _run_command(run)
    uri = inv.distribution
    kind = arc.distribution_kind(uri)
    if kind == "unknown":
        message = (
            f"Unrecognized additional distribution format for {uri} "
            "(expected *.tar.gz, *.tgz, or a notebook pickle named pkl.gz)"
        )
        return _fail(run, fc.FastExecuteFailure.UNRECOGNIZED_DISTRIBUTION, message)
    limits = arc.archive_limits_from_env(inv.env)
    if isinstance(limits, Failure):
        return _fail(run, fc.FastExecuteFailure.BAD_CONFIGURATION, limits.failure())
    assert event.dest_realpath is not None
    keep_as = arc.NOTEBOOK_PICKLE_NAME if kind == "pkl.gz" else None
    command = Download(uri, event.dest_realpath, keep_as)
    return attrs.evolve(run, state=State.DOWNLOADING, limits=limits.unwrap()), command


def _on_not_a_directory(run: FastRun, _event: NotADirectory) -> Outcome:
    message = (
        "Destination path is required to download distribution and it should be a directory: "
        f"{run.invocation.dest_dir or run.dest!r}"
    )
    return _fail(run, fc.FastExecuteFailure.BAD_DESTINATION, message)


def _on_downloaded(run: FastRun, _event: Downloaded) -> Outcome:
    if arc.distribution_kind(_uri(run)) == "pkl.gz":
        return _run_command(run)
    assert run.dest is not None
    return attrs.evolve(run, state=State.VERIFYING), Verify(run.dest)


def _on_download_failed(run: FastRun, event: DownloadFailed) -> Outcome:
    uri = _uri(run)
    if event.not_found:
        message = f"task execution code was not found: {uri}"
    else:
        message = f"could not download the task code from {uri}: {event.detail}"
    return _fail(run, fc.FastExecuteFailure.DOWNLOAD_FAILED, message, event.trace)


def _on_verified(run: FastRun, event: Verified) -> Outcome:
    run = attrs.evolve(run, sha256=event.sha256)
    if event.already_extracted:
        return _run_command(run)
    return attrs.evolve(run, state=State.PLANNING), ReadMembers(run.limits)


def _on_unreadable(run: FastRun, event: Unreadable) -> Outcome:
    message = f"the code archive cannot be read: {event.detail}"
    return _archive_fail(run, fc.FastExecuteFailure.ARCHIVE_UNREADABLE, message, event.trace)


def past_limits(limits: arc.ArchiveLimits, members: tuple[arc.Member, ...] | list[arc.Member]) -> bool:
    """Whether the headers read so far already exceed ``limits`` (the shell stops reading there; the plan
    refuses the archive at that member)."""
    total = sum(max(m.size, 0) for m in members if m.type == "file")
    last = members[-1] if members else None
    too_big = last is not None and last.type == "file" and last.size > limits.max_member_bytes
    return len(members) > limits.max_members or too_big or total > limits.max_total_bytes


def _on_members(run: FastRun, event: MembersRead) -> Outcome:
    result = arc.plan_extraction(iter(event.members), run.limits)
    if isinstance(result, Failure):
        refusal: arc.ArchiveRefused = result.failure()
        return _archive_fail(run, fc.FastExecuteFailure.ARCHIVE_REFUSED, refusal.message(), "")
    if not event.complete:  # never extract part of an archive, whatever the reason reading stopped
        message = "reading the member headers stopped before the end of the archive"
        return _archive_fail(run, fc.FastExecuteFailure.ARCHIVE_REFUSED, message, "")
    assert run.dest is not None
    return attrs.evolve(run, state=State.EXTRACTING), Extract(result.unwrap(), run.dest, run.sha256)


def _on_extracted(run: FastRun, _event: Extracted) -> Outcome:
    return _run_command(run)


def _on_extract_failed(run: FastRun, event: ExtractFailed) -> Outcome:
    if event.moving:
        message = f"could not move the extracted code into {run.dest}: {event.detail}"
    else:
        message = f"extracting the code archive failed: {event.detail}"
    return _archive_fail(run, fc.FastExecuteFailure.EXTRACTION_FAILED, message, event.trace)


def _on_internal(run: FastRun, event: InternalError) -> Outcome:
    return _fail(run, fc.FastExecuteFailure.EXTRACTION_FAILED, event.detail, event.trace)


def _on_finished(run: FastRun, event: CommandFinished) -> Outcome:
    return attrs.evolve(run, state=State.DONE), Exit(
        fc.exit_status_for(event.returncode), "task command finished"
    )


def _on_spawn_failed(run: FastRun, event: SpawnFailed) -> Outcome:
    code = NOT_FOUND_EXIT if event.not_found else NOT_EXECUTABLE_EXIT
    return attrs.evolve(run, state=State.DONE), Exit(
        code, f"cannot run {run.invocation.task_command[0]!r}: {event.detail}"
    )


def _on_reported(run: FastRun, event: FailureReported) -> Outcome:
    done = attrs.evolve(run, state=State.DONE)
    if event.written:
        fail_on_error = envrules.str2bool(run.invocation.env.get(envrules.FLYTE_FAIL_ON_ERROR))
        return done, Exit(1 if fail_on_error else 0, "error document written")
    if not event.detail:  # no --output-prefix: nothing to write to
        return done, Exit(1, "the task command has no --output-prefix: no error document")
    prefix = fc.output_prefix_of(run.invocation.task_command) or ""
    diagnostic = pmap({"event": "output prefix not writable", "output_prefix": prefix, "error": event.detail})
    return done, Exit(1, f"could not write the error document: {event.detail}", diagnostic)


@attrs.frozen
class Transition:
    handler: Callable[[FastRun, Any], Outcome]
    targets: frozenset[State]


def _t(handler: Callable[[FastRun, Any], Outcome], *targets: State) -> Transition:
    return Transition(handler, frozenset(targets))


_R = State.REPORTING
_INSTALLING = (State.DOWNLOADING, State.VERIFYING, State.PLANNING, State.EXTRACTING)

TRANSITIONS: Mapping[tuple[State, type], Transition] = {
    (State.START, Started): _t(_on_started, State.DOWNLOADING, State.RUNNING, _R, State.DONE),
    (State.DOWNLOADING, NotADirectory): _t(_on_not_a_directory, _R),
    (State.DOWNLOADING, Downloaded): _t(_on_downloaded, State.VERIFYING, State.RUNNING),
    (State.DOWNLOADING, DownloadFailed): _t(_on_download_failed, _R),
    (State.VERIFYING, Verified): _t(_on_verified, State.PLANNING, State.RUNNING),
    (State.PLANNING, MembersRead): _t(_on_members, State.EXTRACTING, _R),
    (State.PLANNING, Unreadable): _t(_on_unreadable, _R),
    (State.EXTRACTING, Extracted): _t(_on_extracted, State.RUNNING),
    (State.EXTRACTING, Unreadable): _t(_on_unreadable, _R),
    (State.EXTRACTING, ExtractFailed): _t(_on_extract_failed, _R),
    (State.RUNNING, CommandFinished): _t(_on_finished, State.DONE),
    (State.RUNNING, SpawnFailed): _t(_on_spawn_failed, State.DONE),
    (State.REPORTING, FailureReported): _t(_on_reported, State.DONE),
    **{(s, InternalError): _t(_on_internal, _R) for s in _INSTALLING},
}


class UnexpectedEvent(RuntimeError):
    pass


def start(invocation: FastInvocation, dest_realpath: str | None) -> Outcome:
    """The first command; ``dest_realpath``: the destination (``--dest-dir``, else the cwd when there is
    a distribution), resolved by the shell; ``None`` without either."""
    return receive(FastRun(invocation), Started(dest_realpath))


def destination(invocation: FastInvocation) -> str | None:
    """Where the code goes: ``--dest-dir``, else the cwd when there is a distribution (as flytekit)."""
    if invocation.dest_dir:
        return invocation.dest_dir
    return invocation.cwd if invocation.distribution is not None else None


def receive(run: FastRun, event: Event | Started) -> Outcome:
    transition = TRANSITIONS.get((run.state, type(event)))
    if transition is None:
        raise UnexpectedEvent(f"event {type(event).__name__} is not expected in state {run.state.name}")
    new, command = transition.handler(run, event)
    if new.state not in transition.targets:
        raise UnexpectedEvent(f"{run.state.name} + {type(event).__name__} led to {new.state.name}")
    return new, command
