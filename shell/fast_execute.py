"""``pyflyte-fast-execute``: install the fast-registered code archive, then run the task command.

Every decision is the pure machine's (``core/fast_run.py``: download -> verify -> plan extraction ->
extract -> run -> exit); this module carries its commands out and reports what happened.

What happens (PROTOCOL §6; the deliberate differences are Q6, Q7, Q8 and Q12):

1. With ``--additional-distribution``, the destination defaults to the cwd and must be an existing
   directory. ``*.tar.gz`` / ``*.tgz`` archives are downloaded into a private directory inside the
   destination, hashed (sha256), and, under an exclusive ``flock`` on ``<dest>/.flyte-fast-execute.lock``:

   * if ``<dest>/.flyte-fast-execute-<sha256>.done`` exists, this archive is already in place: skip;
   * otherwise every member header is checked by ``core.archive.plan_extraction`` (tarfile ``data``
     filter semantics, stricter; one bad member refuses the whole archive and nothing is written to the
     destination), the plan is carried out in a staging directory inside the destination, and the
     staged tree is moved into place with ``rename``: a new entry is renamed in, an existing file or
     symlink is atomically replaced, an existing real directory is merged into (so files the archive
     does not contain are kept, as ``tar -x`` over an existing tree keeps them), and an entry of the
     other kind (file vs directory) is moved aside first. Then the done marker is written (any other
     archive's marker was removed before the move started).

   The downloaded archive is **deleted** afterwards (flytekit leaves it in the destination, i.e. in the
   task's cwd and on its ``PYTHONPATH``; nothing reads it: dynamic tasks get the remote URI). A
   notebook pickle (basename exactly ``pkl.gz``) is downloaded to ``<dest>/pkl.gz`` and kept: the task
   reads it from there. Extracted files get the extraction time as mtime (not the archive's 1980 stamp),
   so a stale ``__pycache__`` in the destination can never look newer than the new source.

2. The follow-up command is rewritten (``core.fast_command.rewrite_task_command``) and run with the
   destination appended to ``PYTHONPATH``:

   * ``subprocess`` mode (always for other programs; for ours with
     ``FLYTE_ENTRYPOINT_FAST_EXECUTE_MODE=subprocess``): ``Popen`` with SIGTERM, SIGINT and SIGHUP forwarded to the child
     (handlers installed before ``Popen``, restored afterwards; a signal that arrives before the child
     exists is delivered to it as soon as it does); the exit status is the child's code, or ``128+S``
     when signal S killed it;
   * ``inprocess`` mode (the default when the command is our own ``pyflyte-execute`` /
     ``pyflyte-map-execute``; ``FLYTE_ENTRYPOINT_FAST_EXECUTE_MODE=inprocess|subprocess`` overrides):
     ``flyte_entrypoint.shell.cli.main_for`` runs it in this interpreter after the destination is put on
     ``sys.path`` and ``PYTHONPATH``. It saves one interpreter start plus our imports (see
     ``run_in_process``). flytekit needs the subprocess because its fast-execute process may already hold
     the image's copy of the user code; ours never imports user code before the archive is in place.

3. If installing the code fails, an ErrorDocument (origin SYSTEM, code ``SYSTEM:FastExecute<What>``,
   see ``core.fast_command.FastExecuteFailure``) is written to the follow-up command's
   ``--output-prefix`` and the exit status is 0 (Flyte reads the document only after exit 0); 1 with
   ``FLYTE_FAIL_ON_ERROR``, or when nothing could be written (no ``--output-prefix``, or the store
   refused the document). The task command does not run.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import os
import shutil
import signal
import stat
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import traceback
import uuid
import zlib
from collections.abc import Iterator, Mapping, Sequence
from types import FrameType
from typing import Any

from flyte_entrypoint.core import archive as arc
from flyte_entrypoint.core import fast_command as fc
from flyte_entrypoint.core import fast_run as fr
from flyte_entrypoint.core import paths

logger = logging.getLogger("flyte_entrypoint.fast_execute")

LOCK_NAME = ".flyte-fast-execute.lock"
MARKER_PREFIX = ".flyte-fast-execute-"
MARKER_SUFFIX = ".done"
STAGING_PREFIX = ".flyte-fast-execute-staging-"
DOWNLOAD_PREFIX = ".flyte-fast-execute-download-"
FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
_COPY_BUFSIZE = 1024 * 1024


def _trace(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


# --------------------------------------------------------------------------------------------------
# Entry point: the machine's loop
# --------------------------------------------------------------------------------------------------


def run_fast_execute(
    additional_distribution: str | None,
    dest_dir: str | None,
    task_execute_cmd: Sequence[str],
    env: Mapping[str, str] | None = None,
) -> int:
    """Install the code (if any), run the task command, return the exit status the core decided."""
    environ: Mapping[str, str] = os.environ if env is None else env
    invocation = fr.FastInvocation(
        distribution=additional_distribution,
        dest_dir=dest_dir,
        task_command=tuple(task_execute_cmd),
        env=dict(environ),
        cwd=os.getcwd(),
        now=time.time(),
        uuid_hex=uuid.uuid4().hex,
        pathsep=os.pathsep,
    )
    dest = fr.destination(invocation)
    installer = Installer(environ)
    try:
        run, command = fr.start(invocation, os.path.realpath(dest) if dest is not None else None)
        while not isinstance(command, fr.Exit):
            if isinstance(command, fr.RunCommand):
                installer.close()  # the lock and the downloaded archive are released before the task runs
                event: fr.Event = _run_task_command(command, environ)
            elif isinstance(command, fr.ReportFailure):
                installer.close()
                event = report_failure(command, environ)
            else:
                event = installer.perform(command)
            run, command = fr.receive(run, event)
    finally:
        installer.close()
    if command.diagnostic:
        sys.stderr.write(json.dumps({"level": "ERROR", **dict(command.diagnostic)}) + "\n")
    if command.code != 0 and not isinstance(run.failed, fc.FastExecuteError):
        logger.error("pyflyte-fast-execute: %s", command.reason)
    return command.code


class DistributionNotInstalled(Exception):
    """The code archive could not be installed; ``error`` names the failure (its code and kind)."""

    def __init__(self, error: fc.FastExecuteError) -> None:
        super().__init__(error.message)
        self.error = error


def install_distribution(uri: str, dest_dir: str, env: Mapping[str, str] | None = None) -> None:
    """Download and extract ``uri`` into ``dest_dir`` with the machine and checks of
    ``pyflyte-fast-execute``, without running anything (the seed's ``_download_distribution``): the
    machine is driven until it asks to run the follow-up command. Raises
    :class:`DistributionNotInstalled` where the command would have written an error document."""
    environ: Mapping[str, str] = os.environ if env is None else env
    invocation = fr.FastInvocation(
        distribution=uri,
        dest_dir=dest_dir,
        task_command=("pyflyte-execute",),  # never run: reaching RunCommand means installed
        env=dict(environ),
        cwd=os.getcwd(),
        now=time.time(),
        uuid_hex=uuid.uuid4().hex,
        pathsep=os.pathsep,
    )
    installer = Installer(environ)
    try:
        run, command = fr.start(invocation, os.path.realpath(dest_dir))
        while not isinstance(command, fr.RunCommand):
            if isinstance(command, fr.ReportFailure):
                raise DistributionNotInstalled(command.error)
            if isinstance(command, fr.Exit):
                failed = run.failed or fc.FastExecuteError(
                    fc.FastExecuteFailure.BAD_CONFIGURATION, command.reason
                )
                raise DistributionNotInstalled(failed)
            run, command = fr.receive(run, installer.perform(command))
    finally:
        installer.close()


# --------------------------------------------------------------------------------------------------
# Installing the distribution: one method per command, resources held between them
# --------------------------------------------------------------------------------------------------


class Installer:
    """Carries out Download, Verify, ReadMembers and Extract. Holds, between them, the downloaded archive,
    the destination's lock and the open archive; :meth:`close` releases them (the archive is deleted)."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env
        self._stack = contextlib.ExitStack()
        self._local: str | None = None
        self._tar: tarfile.TarFile | None = None
        self._infos: list[tarfile.TarInfo] = []
        self._started = time.monotonic()

    def close(self) -> None:
        self._stack.close()

    def perform(self, command: fr.Command) -> fr.Event:
        try:
            if isinstance(command, fr.Download):
                return self.download(command)
            if isinstance(command, fr.Verify):
                return self.verify(command)
            if isinstance(command, fr.ReadMembers):
                return self.read_members(command)
            if isinstance(command, fr.Extract):
                return self.extract(command)
        except Exception as e:  # e.g. an unwritable destination: still reported, not just a crash
            return fr.InternalError(f"{type(e).__name__}: {e}", _trace(e))
        raise TypeError(f"not an installation command: {command!r}")

    def download(self, command: fr.Download) -> fr.Event:
        from flyte_entrypoint.shell.storage import DataNotFound, Storage

        if not os.path.isdir(command.dest):
            return fr.NotADirectory()
        download_dir = tempfile.mkdtemp(prefix=DOWNLOAD_PREFIX, dir=command.dest)
        self._stack.callback(shutil.rmtree, download_dir, ignore_errors=True)
        local = os.path.join(download_dir, paths.basename(command.uri) or "distribution")
        started = time.monotonic()
        try:
            Storage.from_env(self._env).get_file(command.uri, local)
        except DataNotFound as e:
            return fr.DownloadFailed(True, str(e), _trace(e))
        except Exception as e:
            return fr.DownloadFailed(False, str(e), _trace(e))
        logger.info("downloaded %s in %.3f s", command.uri, time.monotonic() - started)
        if command.keep_as is not None:
            os.replace(local, os.path.join(command.dest, command.keep_as))
        self._local = local
        return fr.Downloaded()

    def verify(self, command: fr.Verify) -> fr.Event:
        assert self._local is not None
        sha = sha256_of(self._local)
        self._stack.enter_context(dest_lock(command.dest))
        done = os.path.exists(marker_path(command.dest, sha))
        if done:
            logger.info("code archive %s is already extracted in %s", sha, command.dest)
        return fr.Verified(sha, done)

    def read_members(self, command: fr.ReadMembers) -> fr.Event:
        assert self._local is not None
        members: list[arc.Member] = []
        try:
            tar = self._stack.enter_context(tarfile.open(self._local, mode="r:*"))  # noqa: SIM115 (held until close)
            complete = True
            for info in tar:
                self._infos.append(info)
                members.append(_member_of(info))
                if fr.past_limits(command.limits, members):
                    complete = False
                    break
        except _READ_ERRORS as e:
            return fr.Unreadable(str(e), _trace(e))
        self._tar = tar
        return fr.MembersRead(tuple(members), complete)

    def extract(self, command: fr.Extract) -> fr.Event:
        assert self._tar is not None
        dest = command.dest
        _remove_stale_staging(dest)
        staging = tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=dest)
        self._stack.callback(shutil.rmtree, staging, ignore_errors=True)
        tree = os.path.join(staging, "tree")
        os.mkdir(tree)
        started = time.monotonic()
        try:
            apply_plan(command.plan, self._infos, self._tar, tree)
        except (tarfile.TarError, EOFError, zlib.error) as e:
            return fr.Unreadable(str(e), _trace(e))
        except OSError as e:
            return fr.ExtractFailed(str(e), _trace(e))
        for name in os.listdir(dest):  # this archive's marker is written once the tree is in place
            if name.startswith(MARKER_PREFIX) and name.endswith(MARKER_SUFFIX):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(os.path.join(dest, name))
        trash = os.path.join(staging, "trash")
        os.mkdir(trash)
        try:
            merge_into(tree, dest, trash)
        except OSError as e:
            return fr.ExtractFailed(str(e), _trace(e), moving=True)
        _write_marker(marker_path(dest, command.sha256), command.sha256)
        logger.info(
            "extracted %d members (%d bytes) into %s in %.3f s",
            command.plan.member_count,
            command.plan.total_bytes,
            dest,
            time.monotonic() - started,
        )
        return fr.Extracted()


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_COPY_BUFSIZE):
            digest.update(chunk)
    return digest.hexdigest()


def marker_path(dest: str, sha: str) -> str:
    return os.path.join(dest, f"{MARKER_PREFIX}{sha}{MARKER_SUFFIX}")


@contextlib.contextmanager
def dest_lock(dest: str) -> Iterator[None]:
    """An exclusive ``flock`` on ``<dest>/.flyte-fast-execute.lock`` (the file itself is never deleted)."""
    fd = os.open(os.path.join(dest, LOCK_NAME), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _remove_stale_staging(dest: str) -> None:
    """Staging dirs left by a process that died while holding the lock (we hold it now, so none is live)."""
    for name in os.listdir(dest):
        if name.startswith(STAGING_PREFIX):
            path = os.path.join(dest, name)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)


def _write_marker(marker: str, sha: str) -> None:
    tmp = f"{marker}.{uuid.uuid4().hex}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(sha + "\n")
    os.replace(tmp, marker)


# --------------------------------------------------------------------------------------------------
# Extraction (plan in the core, writes here)


# --------------------------------------------------------------------------------------------------
# Extraction (plan in the core, writes here)
# --------------------------------------------------------------------------------------------------


def _member_of(info: tarfile.TarInfo) -> arc.Member:
    kind: arc.MemberType
    if info.isreg():
        kind = "file"
    elif info.isdir():
        kind = "dir"
    elif info.issym():
        kind = "symlink"
    elif info.islnk():
        kind = "hardlink"
    elif info.ischr() or info.isblk():
        kind = "device"
    elif info.isfifo():
        kind = "fifo"
    else:
        kind = "other"
    return arc.Member(info.name, kind, info.size, info.linkname, info.mode)


_READ_ERRORS = (tarfile.TarError, EOFError, zlib.error, OSError)


def apply_plan(
    plan: arc.ExtractionPlan, infos: Sequence[tarfile.TarInfo], tar: tarfile.TarFile, root: str
) -> None:
    root = os.path.realpath(root)
    checked_dirs: set[str] = {root}

    def target_of(path: arc.Path) -> str:
        # Defence in depth: the plan never routes through a symlink; make sure the disk agrees.
        parent = os.path.join(root, *path[:-1])
        if parent not in checked_dirs:
            if os.path.realpath(parent) != parent:
                raise OSError(errno.ELOOP, f"refusing to write through a symlinked directory: {parent}")
            checked_dirs.add(parent)
        return os.path.join(parent, path[-1])

    for action in plan.actions:
        target = target_of(action.path)
        if action.kind == "mkdir":
            try:
                os.mkdir(target)
            except FileExistsError:
                if not stat.S_ISDIR(os.lstat(target).st_mode):
                    raise
            continue
        if os.path.lexists(target):
            os.unlink(target)
        if action.kind == "file":
            _write_member(tar, infos[action.index], target, action.mode)
        elif action.kind == "symlink":
            os.symlink(action.link_target, target)
        else:  # hardlink
            source = os.path.join(root, *action.link_source)
            try:
                os.link(source, target, follow_symlinks=False)
            except OSError:
                shutil.copyfile(source, target, follow_symlinks=False)
            if action.mode is not None:
                os.chmod(target, action.mode)


def _write_member(tar: tarfile.TarFile, info: tarfile.TarInfo, target: str, mode: int | None) -> None:
    source = tar.extractfile(info)
    if source is None:  # pragma: no cover - only for non-regular members, which never get here
        raise tarfile.ExtractError(f"no data for {info.name}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(target, flags, 0o600)
    with source, os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(source, out, _COPY_BUFSIZE)
        if mode is not None:
            os.fchmod(out.fileno(), mode)


def merge_into(src: str, dst: str, trash: str) -> None:
    """Move the entries of ``src`` into ``dst`` by rename (see the module docstring). Never follows links."""
    for name in os.listdir(src):
        s = os.path.join(src, name)
        d = os.path.join(dst, name)
        s_is_dir = stat.S_ISDIR(os.lstat(s).st_mode)
        try:
            d_mode: int | None = os.lstat(d).st_mode
        except FileNotFoundError:
            d_mode = None
        if d_mode is None:
            os.rename(s, d)
        elif s_is_dir and stat.S_ISDIR(d_mode):
            merge_into(s, d, trash)
        elif not s_is_dir and not stat.S_ISDIR(d_mode):
            os.replace(s, d)
        else:  # a directory replaces a file/symlink, or the reverse: move the old entry out of the way
            os.rename(d, os.path.join(trash, uuid.uuid4().hex))
            os.rename(s, d)


# --------------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------------
# Reporting a failure
# --------------------------------------------------------------------------------------------------


def report_failure(command: fr.ReportFailure, env: Mapping[str, str]) -> fr.Event:
    """Log the failure; upload the ErrorDocument the core built, when the task command has a prefix."""
    error = command.error
    logger.error("pyflyte-fast-execute: %s: %s", error.code, error.message)
    if command.uri is None:
        return fr.FailureReported(False)
    try:
        from flyte_entrypoint.shell.storage import Storage

        Storage.from_env(env).put_bytes(command.uri, command.document)
    except Exception as e:
        logger.error("pyflyte-fast-execute: could not write the error document to %s: %s", command.uri, e)
        return fr.FailureReported(False, f"{type(e).__name__}: {e}")
    return fr.FailureReported(True)


# --------------------------------------------------------------------------------------------------
# Running the task command
# --------------------------------------------------------------------------------------------------


def _run_task_command(command: fr.RunCommand, environ: Mapping[str, str]) -> fr.Event:
    child_env = dict(environ)
    if command.pythonpath is not None:
        child_env["PYTHONPATH"] = command.pythonpath
    if command.mode is fc.RunMode.INPROCESS:
        return fr.CommandFinished(run_in_process(command.command, child_env, command.sys_path))
    try:
        return fr.CommandFinished(run_subprocess(command.command, child_env))
    except OSError as e:
        logger.error("pyflyte-fast-execute: cannot run %r: %s", command.command[0], e)
        return fr.SpawnFailed(isinstance(e, FileNotFoundError), str(e))


def run_subprocess(cmd: Sequence[str], env: Mapping[str, str]) -> int:
    """Run ``cmd`` as a child, forwarding TERM/INT/HUP; its return code (``-S`` when signal S killed it).
    ``OSError`` when it cannot be started."""
    child: list[subprocess.Popen[bytes]] = []
    early: list[int] = []

    def forward(signum: int, frame: FrameType | None) -> None:
        if child:
            with contextlib.suppress(ProcessLookupError):
                child[0].send_signal(signum)
        else:
            early.append(signum)

    in_main_thread = threading.current_thread() is threading.main_thread()
    previous: dict[int, Any] = {}
    if in_main_thread:
        for sig in FORWARDED_SIGNALS:
            previous[sig] = signal.signal(sig, forward)
    try:
        proc = subprocess.Popen(list(cmd), env=dict(env))
        child.append(proc)
        for signum in early:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signum)
        return proc.wait()
    finally:
        for signum_, handler in previous.items():
            signal.signal(signum_, handler)


def _extend_sys_path(dest_real: str, old_pythonpath: str | None) -> None:
    """Put ``dest_real`` where a child's ``PYTHONPATH`` would have put it: after the existing entries."""
    if dest_real in sys.path:
        return
    old = [os.path.abspath(p) for p in (old_pythonpath or "").split(os.pathsep) if p]
    positions = [i for i, entry in enumerate(sys.path) if os.path.abspath(entry or ".") in old]
    sys.path.insert(max(positions) + 1 if positions else min(1, len(sys.path)), dest_real)


def run_in_process(cmd: Sequence[str], env: Mapping[str, str], dest_real: str | None) -> int:
    """Run our own ``pyflyte-execute`` / ``pyflyte-map-execute`` in this interpreter.

    What a child would have seen is recreated first: ``PYTHONPATH`` (inherited by the task's own
    subprocesses), the destination on ``sys.path`` where ``PYTHONPATH`` would have put it, ``sys.argv``,
    fresh import-finder caches (the destination's listing changed under them), and, when this process
    is PID 1 (where signals left at their default action are ignored), SIGTERM/SIGHUP handlers that
    exit with ``128+S`` like the default action would.
    """
    import importlib

    from flyte_entrypoint.shell.cli import main_for

    old_pythonpath = os.environ.get("PYTHONPATH")
    if "PYTHONPATH" in env:
        os.environ["PYTHONPATH"] = env["PYTHONPATH"]
    if dest_real is not None:
        _extend_sys_path(dest_real, old_pythonpath)
    importlib.invalidate_caches()
    if os.getpid() == 1:
        for sig in (signal.SIGTERM, signal.SIGHUP):
            if signal.getsignal(sig) in (signal.SIG_DFL, None):
                signal.signal(sig, _exit_on_signal)
    sys.argv = [shutil.which(cmd[0], path=env.get("PATH")) or cmd[0], *cmd[1:]]  # as the script would see it
    try:
        return int(main_for(fc.program_name(cmd), list(cmd[1:])))
    except SystemExit as e:
        code = e.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        sys.stderr.write(f"{code}\n")
        return 1


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:  # pragma: no cover - PID 1 only
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(128 + signum)
