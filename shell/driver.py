"""Carries out the core's commands: the only part of a run that touches files, imports and the clock."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import uuid
from typing import Any

from flyte_entrypoint.core import run as machine
from flyte_entrypoint.core.errors import CapturedError
from flyte_entrypoint.schemas.invocation import Invocation, TaskArgs
from flyte_entrypoint.shell import logs
from flyte_entrypoint.shell.loader import ArrayNodeMapTaskResolver, load_object, render_trace


def _capture(exc: BaseException) -> CapturedError:
    return CapturedError(exc, render_trace(exc))


def _as_flyte_storage_error(exc: Exception) -> Exception:
    """Storage failures as flytekit names them, so error documents read the same."""
    from flyte_entrypoint.core import exceptions as fx
    from flyte_entrypoint.shell.storage import DataNotFound, DownloadError, UploadError

    if isinstance(exc, DataNotFound):
        wrapped: Exception = fx.FlyteDataNotFoundException(exc.uri)
    elif isinstance(exc, DownloadError):
        wrapped = fx.FlyteDownloadDataException(str(exc))
    elif isinstance(exc, UploadError):
        wrapped = fx.FlyteUploadDataException(str(exc))
    else:
        return exc
    wrapped.__context__ = exc  # shown in the trace; not __cause__, which str() would append
    return wrapped


def _ensure_cwd_importable() -> None:
    """Put the working directory first on ``sys.path`` (flytekit appends it, Q13: ours shadows
    installed packages with the user's own modules, which is what a task author expects)."""
    cwd = os.getcwd()
    real = os.path.realpath(cwd)
    if any(os.path.realpath(p or ".") == real for p in sys.path[:1]):
        return
    sys.path[:] = [p for p in sys.path if os.path.realpath(p or ".") != real]
    sys.path.insert(0, cwd)


class Driver:
    """One run: builds the invocation, then loops ``command -> event`` until the core says Exit."""

    def __init__(self, args: TaskArgs, env: dict[str, str] | None = None) -> None:
        self.args = args
        self.env = dict(os.environ) if env is None else env
        self.root = tempfile.mkdtemp(prefix="flyte-")
        self.invocation = Invocation(
            args=args,
            env=self.env,
            now=time.time(),
            uuid_hex=uuid.uuid4().hex,
            name_seed=uuid.uuid4().hex,
            sandbox_dir=os.path.join(self.root, "sandbox"),
        )
        self._storage: Any = None
        self.log = logs.logger()
        from flyte_entrypoint.shell.deck import DeckRecorder

        self.decks = DeckRecorder()  # phase timings, user decks, values: deck.html for enable_deck tasks

    @property
    def storage(self) -> Any:
        if self._storage is None:
            from flyte_entrypoint.shell.storage import Storage

            self._storage = Storage.from_env(self.env)
        return self._storage

    # ------------------------------------------------------------------ running
    def run(self) -> int:
        _ensure_cwd_importable()
        run, command = machine.start(self.invocation)
        from flyte_entrypoint.shell import blob_io

        blob_io.install(lambda: self.storage, self.invocation.sandbox_dir, run.config.raw_output_prefix)
        if self.args.test:
            return self._dry_run(run.config)
        from flyte_entrypoint.shell import deck

        event: machine.Event | None = None
        while not isinstance(command, machine.Exit):
            with self.decks.phase(deck.command_label(command)):
                event = self.perform(run, command)
            with self.decks.phase(deck.event_label(event)):
                run, command = machine.receive(run, event)
        deck.finish(self, run, event)
        if command.code != 0 or run.wrote_error:
            self.log.info("run finished: %s (exit %d)", command.reason, command.code)
        return command.code

    def perform(self, run: machine.Run, command: machine.Command) -> machine.Event:
        handler = {
            machine.InstallPackages: self._install_packages,
            machine.LoadTask: self._load_task,
            machine.ReadInputs: self._read_inputs,
            machine.ReadLiterals: self._read_literals,
            machine.RunTask: self._run_task,
            machine.UploadData: self._upload_data,
            machine.WriteOutputs: self._write_outputs,
        }[type(command)]
        return handler(run, command)  # type: ignore[operator]

    def _install_packages(self, run: machine.Run, cmd: machine.InstallPackages) -> machine.Event:
        from flyte_entrypoint.shell.runtime_packages import refresh_import_system, run_pip

        result = run_pip(cmd.packages)
        if result.returncode != 0:
            return machine.PackagesInstallFailed(result.returncode, result.output, time.time())
        refresh_import_system()
        return machine.PackagesInstalled()

    def _resolve_task(self, cmd: machine.LoadTask) -> Any:
        resolver = load_object(cmd.resolver)
        if cmd.instantiate and isinstance(resolver, type):
            resolver = resolver()
        if isinstance(resolver, ArrayNodeMapTaskResolver):
            # only ours records --max-concurrency; retrying on TypeError would import user code twice
            return resolver.load_task(list(cmd.loader_args), max_concurrency=self.args.max_concurrency)
        return resolver.load_task(list(cmd.loader_args))

    def _load_task(self, run: machine.Run, cmd: machine.LoadTask) -> machine.Event:
        try:
            task = self._resolve_task(cmd)
            if not isinstance(task, machine.AnyTask):  # a PythonTask subclass instance (seed API)
                from flyte_entrypoint.shell.python_task import adapt_loaded

                task = adapt_loaded(task)
        except Exception as exc:
            return machine.TaskLoadFailed(_capture(exc), time.time())
        return machine.TaskLoaded(task, time.time())

    def _read_inputs(self, run: machine.Run, cmd: machine.ReadInputs) -> machine.Event:
        try:
            data = self.storage.get_bytes(cmd.uri)
        except Exception as exc:
            return machine.InputsReadFailed(_capture(_as_flyte_storage_error(exc)), time.time())
        return machine.InputsRead(data, time.time())

    def _read_literals(self, run: machine.Run, cmd: machine.ReadLiterals) -> machine.Event:
        from pyrsistent import pmap

        try:
            fetched = {uri: self.storage.get_bytes(uri) for uri in cmd.uris}
        except Exception as exc:
            return machine.InputsReadFailed(_capture(_as_flyte_storage_error(exc)), time.time())
        return machine.LiteralsRead(pmap(fetched), time.time())

    def _run_task(self, run: machine.Run, cmd: machine.RunTask) -> machine.Event:
        from flyte_entrypoint.shell import signals
        from flyte_entrypoint.shell.context import using_context
        from flyte_entrypoint.shell.deck import install_publisher
        from flyte_entrypoint.shell.output_metadata import MetadataCell, using_cell
        from flyte_entrypoint.shell.runtime import build_context, call_task

        params = build_context(self, run)
        metadata = MetadataCell()
        self.decks.record_inputs(cmd.kwargs)
        install_publisher(self, run)
        signals.prepare_terminated_document()

        def on_sigterm(name: str, number: int, stack: str) -> None:
            signals.write_terminated_document(self, run, name, number, stack)

        outcome: BaseException | None = None
        value: Any = None
        with using_context(params), using_cell(metadata), signals.error_document_on_sigterm(on_sigterm):
            try:
                value = call_task(cmd.task, dict(cmd.kwargs))
            except (Exception, KeyboardInterrupt) as exc:
                outcome = exc
        if outcome is not None:
            return machine.TaskRaised(_capture(outcome), time.time())
        self.decks.record_output(value)
        return machine.TaskReturned(value, time.time(), metadata.tracker)

    def _upload_data(self, run: machine.Run, cmd: machine.UploadData) -> machine.Event:
        from flyte_entrypoint.shell.blob_io import perform_uploads

        try:
            perform_uploads(self.storage, cmd.uploads)
        except Exception as exc:
            return machine.DataUploadFailed(_capture(_as_flyte_storage_error(exc)), time.time())
        return machine.DataUploaded()

    def _write_outputs(self, run: machine.Run, cmd: machine.WriteOutputs) -> machine.Event:
        from flyte_entrypoint.core.paths import join

        try:
            for name in machine.write_order(cmd.files):
                data = cmd.files[name]
                self.storage.put_bytes(join(cmd.prefix, name), data)
        except Exception as exc:
            logs.structured_error(
                self.log,
                "output prefix not writable",
                output_prefix=cmd.prefix,
                error=f"{type(exc).__name__}: {exc}",
            )
            return machine.OutputsWriteFailed(_capture(exc))
        return machine.OutputsWritten()

    # ------------------------------------------------------------------ --test
    def _dry_run(self, config: machine.RunConfig) -> int:
        from flyte_entrypoint.core.plan import describe_plan

        task: Any = None
        load_error = None
        try:
            task = self._resolve_task(
                machine.LoadTask(config.resolver, config.loader_args, config.args.map_task)
            )
        except Exception as exc:
            load_error = f"{type(exc).__name__}: {exc}"
        plan = describe_plan(config, task, load_error)
        sys.stdout.write(json.dumps(plan, indent=2, sort_keys=True) + "\n")
        sys.stdout.flush()
        return 0
