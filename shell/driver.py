"""Carries out the core's commands: the only part of a run that touches files, imports and the clock."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from flyte_entrypoint.core import run as machine
from flyte_entrypoint.core.errors import CapturedError, StorageFailure, StorageFault
from flyte_entrypoint.schemas.invocation import Invocation, TaskArgs
from flyte_entrypoint.schemas.task import MapTaskRecord, TaskRecord
from flyte_entrypoint.shell import logs
from flyte_entrypoint.shell.fresh import make_temp_dir, uuid4_hex
from flyte_entrypoint.shell.loader import ArrayNodeMapTaskResolver, load_object, render_trace

if TYPE_CHECKING:
    from flyte_entrypoint.shell.deck import DeckRecorder
    from flyte_entrypoint.shell.storage import Storage
    from flyte_entrypoint.shell.user_params import ExecutionParameters


class RunResources:
    """The resources of one run, as one typed record handed to the shell's helpers (the execution context,
    decks, the signal handler, the last-resort rescue) instead of the whole driver: the environment, the
    invocation, the run's private scratch directory, the storage (created on first use, so a run that
    never touches storage never imports fsspec), the deck recorder and the logger."""

    def __init__(
        self,
        env: Mapping[str, str],
        invocation: Invocation,
        root: str,
        decks: DeckRecorder,
        log: logging.Logger,
        storage: Storage | None = None,
        user_space_params: ExecutionParameters | None = None,
    ) -> None:
        self.env = env
        self.user_space_params = user_space_params  # _dispatch_execute: the ctx's current_context()
        self.invocation = invocation
        self.root = root  # private scratch directory of this run
        self.decks = decks
        self.log = log
        self._storage = storage

    @property
    def storage(self) -> Storage:
        if self._storage is None:
            from flyte_entrypoint.shell.storage import Storage

            self._storage = Storage.from_env(self.env)
        return self._storage

    def scratch(self, name: str) -> str:
        """A path inside the run's scratch directory (not created)."""
        return os.path.join(self.root, name)


def _storage_failure(exc: BaseException) -> StorageFailure | None:
    """What kind of storage failure ``exc`` is (a fact the core names in the error document)."""
    from flyte_entrypoint.shell.storage import DataNotFound, StorageError, UploadError

    if not isinstance(exc, StorageError):
        return None
    if isinstance(exc, DataNotFound):
        fault = StorageFault.NOT_FOUND
    elif isinstance(exc, UploadError):
        fault = StorageFault.UPLOAD
    else:
        fault = StorageFault.DOWNLOAD
    return StorageFailure(fault, exc.uri, str(exc))


def _exited(stop: SystemExit) -> machine.TaskExited:
    code = stop.code
    if code is None or isinstance(code, int):
        return machine.TaskExited(code)
    return machine.TaskExited(None, str(code))


def _capture(exc: BaseException) -> CapturedError:
    return CapturedError(exc, render_trace(exc), _storage_failure(exc))


def _ensure_cwd_importable() -> None:
    """Put the working directory first on ``sys.path`` (flytekit appends it, Q13: ours shadows
    installed packages with the user's own modules, which is what a task author expects)."""
    cwd = os.getcwd()
    real = os.path.realpath(cwd)
    if any(os.path.realpath(p or ".") == real for p in sys.path[:1]):
        return
    sys.path[:] = [p for p in sys.path if os.path.realpath(p or ".") != real]
    sys.path.insert(0, cwd)


Handler = Callable[[machine.Run, Any], machine.Event]


class Driver:
    """One run: builds the invocation, then loops ``command -> event`` until the core says Exit.

    It decides nothing: every failure it sees is reported to the core as an event (a failure the
    core has no other name for as ``InternalError``), and the core's ``Exit`` is the exit code.
    """

    def __init__(self, args: TaskArgs, env: dict[str, str] | None = None) -> None:
        from flyte_entrypoint.shell.blob_io import API_CLASSES, HANDLER_CONTEXT
        from flyte_entrypoint.shell.deck import DeckRecorder

        self.args = args
        self.env = dict(os.environ) if env is None else env
        self.root = make_temp_dir("flyte-")
        self.invocation = Invocation(
            args=args,
            env=self.env,
            now=time.time(),
            uuid_hex=uuid4_hex(),
            name_seed=uuid4_hex(),
            sandbox_dir=os.path.join(self.root, "sandbox"),
            conversion_classes=API_CLASSES,
            handler_context=HANDLER_CONTEXT,
        )
        # phase timings, user decks, values: deck.html for enable_deck tasks
        self.resources = RunResources(self.env, self.invocation, self.root, DeckRecorder(), logs.logger())
        self._handlers: dict[type, Handler] = {
            machine.InstallPackages: self._install_packages,
            machine.LoadTask: self._load_task,
            machine.ReadInputs: self._read_inputs,
            machine.ReadLiterals: self._read_literals,
            machine.ReadBlobs: self._read_blobs,
            machine.RunTask: self._run_task,
            machine.UploadData: self._upload_data,
            machine.WriteOutputs: self._write_outputs,
            machine.WriteDeck: self._write_deck,
        }

    @property
    def storage(self) -> Storage:
        return self.resources.storage

    # ------------------------------------------------------------------ running
    def run(self) -> int:
        _ensure_cwd_importable()
        run, command = machine.start(self.invocation)
        from flyte_entrypoint.shell import blob_io

        blob_io.install(
            lambda: self.resources.storage, self.invocation.sandbox_dir, run.config.raw_output_prefix
        )
        if self.args.test:
            return self._dry_run(run.config)
        from flyte_entrypoint.shell import deck

        decks = self.resources.decks
        while not isinstance(command, machine.Exit):
            with decks.phase(deck.command_label(command)):
                event = self.perform(run, command)
            with decks.phase(deck.event_label(event)):
                run, command = self._receive(run, event)
            del event  # an event may hold fetched bytes: not kept alive while the next command runs
        return self._exit(command)

    def _receive(self, run: machine.Run, event: machine.Event) -> tuple[machine.Run, machine.Command]:
        try:
            return machine.receive(run, event)
        except Exception as exc:  # a bug: the core still decides what to write
            return machine.receive(run, machine.InternalError(_capture(exc), time.time()))

    def _exit(self, command: machine.Exit) -> int:
        log = self.resources.log
        if command.message is not None:
            sys.stderr.write(command.message + "\n")
        if command.diagnostic:
            fields = dict(command.diagnostic)
            logs.structured_error(log, fields.pop("event", "run failed"), **fields)
        if command.code != 0 or command.reason != "outputs written":
            log.info("run finished: %s (exit %d)", command.reason, command.code)
        return command.code

    def perform(self, run: machine.Run, command: machine.Command) -> machine.Event:
        """Carry out ``command``; anything unexpected is reported as ``InternalError``."""
        try:
            return self._handlers[type(command)](run, command)
        except Exception as exc:
            return machine.InternalError(_capture(exc), time.time())

    def _install_packages(self, run: machine.Run, cmd: machine.InstallPackages) -> machine.Event:
        from flyte_entrypoint.shell.runtime_packages import refresh_import_system, run_pip

        result = run_pip(cmd.packages)
        if result.returncode != 0:
            return machine.PackagesInstallFailed(result.returncode, result.output, time.time())
        refresh_import_system()
        return machine.PackagesInstalled()

    def _resolve_task(self, cmd: machine.LoadTask) -> TaskRecord | MapTaskRecord:
        resolver = load_object(cmd.resolver)
        if cmd.instantiate and isinstance(resolver, type):
            resolver = resolver()
        if isinstance(resolver, ArrayNodeMapTaskResolver):
            # only ours records --max-concurrency; retrying on TypeError would import user code twice
            return resolver.load_task(list(cmd.loader_args), max_concurrency=self.args.max_concurrency)
        task: TaskRecord | MapTaskRecord = resolver.load_task(list(cmd.loader_args))
        return task

    def _load_task(self, run: machine.Run, cmd: machine.LoadTask) -> machine.Event:
        try:
            task = self._resolve_task(cmd)
            if not isinstance(task, machine.AnyTask):  # a PythonTask subclass instance (seed API)
                from flyte_entrypoint.shell.python_task import adapt_loaded

                task = adapt_loaded(task)
        except SystemExit as stop:
            return _exited(stop)
        except Exception as exc:
            return machine.TaskLoadFailed(_capture(exc), time.time())
        return machine.TaskLoaded(task, time.time())

    def _read_inputs(self, run: machine.Run, cmd: machine.ReadInputs) -> machine.Event:
        try:
            data = self.resources.storage.get_bytes(cmd.uri)
        except Exception as exc:
            return machine.InputsReadFailed(_capture(exc), time.time())
        return machine.InputsRead(data, time.time())

    def _read_literals(self, run: machine.Run, cmd: machine.ReadLiterals) -> machine.Event:
        from pyrsistent import pmap

        try:
            fetched = {uri: self.resources.storage.get_bytes(uri) for uri in cmd.uris}
        except Exception as exc:
            return machine.InputsReadFailed(_capture(exc), time.time())
        return machine.LiteralsRead(pmap(fetched), time.time())

    def _read_blobs(self, run: machine.Run, cmd: machine.ReadBlobs) -> machine.Event:
        from pyrsistent import pmap

        from flyte_entrypoint.shell.blob_io import fetch_blobs

        try:
            fetched = fetch_blobs(self.resources.storage, cmd.reads)
        except Exception as exc:
            return machine.InputsReadFailed(_capture(exc), time.time())
        return machine.BlobsRead(pmap(fetched), time.time())

    def _run_task(self, run: machine.Run, cmd: machine.RunTask) -> machine.Event:
        from flyte_entrypoint.shell import signals
        from flyte_entrypoint.shell.context import using_context
        from flyte_entrypoint.shell.deck import install_publisher
        from flyte_entrypoint.shell.output_metadata import MetadataCell, using_cell
        from flyte_entrypoint.shell.runtime import build_context, call_task

        resources = self.resources
        params = build_context(resources, run.config, cmd.task)
        metadata = MetadataCell()
        resources.decks.record_inputs(cmd.kwargs)
        install_publisher(resources, run.config.output_prefix, cmd.task if cmd.publish_deck else None)
        signals.prepare_terminated_document()

        def on_sigterm(name: str, number: int, stack: str) -> int:
            """Runs on the signal path: the core decides what to write and the exit code."""
            state, command = machine.receive(run, machine.Terminated(name, number, stack, time.time()))
            while not isinstance(command, machine.Exit):
                state, command = machine.receive(state, self.perform(state, command))
            sys.stderr.write(f"flyte-entrypoint: {name} received while the task ran: {command.reason}\n")
            return self._exit(command)

        outcome: BaseException | None = None
        value: Any = None
        with using_context(params), using_cell(metadata), signals.error_document_on_sigterm(on_sigterm):
            try:
                value = call_task(cmd.task, dict(cmd.kwargs))
            except SystemExit as stop:
                return _exited(stop)
            except (Exception, KeyboardInterrupt) as exc:
                outcome = exc
        if outcome is not None:
            return machine.TaskRaised(_capture(outcome), time.time())
        resources.decks.record_output(value)
        return machine.TaskReturned(value, time.time(), metadata.tracker)

    def _upload_data(self, run: machine.Run, cmd: machine.UploadData) -> machine.Event:
        from flyte_entrypoint.shell.blob_io import perform_uploads

        try:
            perform_uploads(self.resources.storage, cmd.uploads)
        except Exception as exc:
            return machine.DataUploadFailed(_capture(exc), time.time())
        return machine.DataUploaded()

    def _write_outputs(self, run: machine.Run, cmd: machine.WriteOutputs) -> machine.Event:
        from flyte_entrypoint.core.paths import join

        try:
            for name in machine.write_order(cmd.files):
                self.resources.storage.put_bytes(join(cmd.prefix, name), cmd.files[name])
        except Exception as exc:
            self.resources.log.warning("could not write to %s: %s: %s", cmd.prefix, type(exc).__name__, exc)
            return machine.OutputsWriteFailed(_capture(exc), time.time())
        return machine.OutputsWritten()

    def _write_deck(self, run: machine.Run, cmd: machine.WriteDeck) -> machine.Event:
        resources = self.resources
        ok = resources.decks.write(resources.storage, cmd.prefix, cmd.task, cmd.succeeded, resources.log)
        return machine.DeckWritten(ok)

    # ------------------------------------------------------------------ --test
    def _dry_run(self, config: machine.RunConfig) -> int:
        from flyte_entrypoint.core.plan import describe_plan

        task: TaskRecord | MapTaskRecord | None = None
        load_error = None
        try:
            task = self._resolve_task(
                machine.LoadTask(config.resolver, config.loader_args, config.args.map_task)
            )
        except Exception as exc:
            load_error = f"{type(exc).__name__}: {exc}"
        plan = describe_plan(config, task, load_error)
        import json

        sys.stdout.write(json.dumps(plan, indent=2, sort_keys=True) + "\n")
        sys.stdout.flush()
        return 0
