"""``pyflyte-fast-execute``: install the fast-registered code archive, then run the task command.

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
   ``--output-prefix`` when it has one, and the exit status is 1; the task command does not run.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
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

from returns.result import Failure, Success

from flyte_entrypoint.core import archive as arc
from flyte_entrypoint.core import fast_command as fc
from flyte_entrypoint.core import paths
from flyte_entrypoint.core.errors import error_file_name, worker_name

logger = logging.getLogger("flyte_entrypoint.fast_execute")

LOCK_NAME = ".flyte-fast-execute.lock"
MARKER_PREFIX = ".flyte-fast-execute-"
MARKER_SUFFIX = ".done"
STAGING_PREFIX = ".flyte-fast-execute-staging-"
DOWNLOAD_PREFIX = ".flyte-fast-execute-download-"
FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
_COPY_BUFSIZE = 1024 * 1024


class FastExecuteProblem(Exception):
    """Installing the code failed; ``error`` says how (and how to report it)."""

    def __init__(self, error: fc.FastExecuteError) -> None:
        super().__init__(error.message)
        self.error = error


def _problem(
    failure: fc.FastExecuteFailure, message: str, exc: BaseException | None = None
) -> FastExecuteProblem:
    trace = "".join(traceback.format_exception(exc)) if exc is not None else ""
    return FastExecuteProblem(fc.FastExecuteError(failure, message, trace))


# --------------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------------


def run_fast_execute(
    additional_distribution: str | None,
    dest_dir: str | None,
    task_execute_cmd: Sequence[str],
    env: Mapping[str, str] | None = None,
) -> int:
    """Install the code (if any), run the task command, return the exit status to use."""
    environ: Mapping[str, str] = os.environ if env is None else env
    cmd = tuple(task_execute_cmd)
    if not cmd:
        logger.error("pyflyte-fast-execute: no task command given (expected: -- pyflyte-execute ...)")
        return 2
    if additional_distribution is not None and not dest_dir:
        dest_dir = os.getcwd()
    if additional_distribution is not None:
        assert dest_dir is not None
        try:
            install_distribution(additional_distribution, dest_dir, environ)
        except FastExecuteProblem as problem:
            report_failure(problem.error, cmd, environ)
            return 1
        except Exception as e:  # e.g. an unwritable destination: still report it, not just crash
            report_failure(
                _problem(fc.FastExecuteFailure.EXTRACTION_FAILED, f"{type(e).__name__}: {e}", e).error,
                cmd,
                environ,
            )
            return 1

    new_cmd = fc.rewrite_task_command(cmd, additional_distribution, dest_dir)
    child_env = dict(environ)
    if dest_dir is not None:
        child_env["PYTHONPATH"] = fc.child_pythonpath(
            environ.get("PYTHONPATH"), os.path.realpath(dest_dir), os.pathsep
        )
    mode = fc.run_mode(environ.get(fc.MODE_ENV), new_cmd)
    if mode is fc.RunMode.INPROCESS:
        return run_in_process(new_cmd, child_env, dest_dir)
    return run_subprocess(new_cmd, child_env)


# --------------------------------------------------------------------------------------------------
# Installing the distribution
# --------------------------------------------------------------------------------------------------


def install_distribution(uri: str, dest_dir: str, env: Mapping[str, str]) -> None:
    if not os.path.isdir(dest_dir):
        raise _problem(
            fc.FastExecuteFailure.BAD_DESTINATION,
            "Destination path is required to download distribution and it should be a directory: "
            f"{dest_dir!r}",
        )
    kind = arc.distribution_kind(uri)
    if kind == "unknown":
        raise _problem(
            fc.FastExecuteFailure.UNRECOGNIZED_DISTRIBUTION,
            f"Unrecognized additional distribution format for {uri} "
            "(expected *.tar.gz, *.tgz, or a notebook pickle named pkl.gz)",
        )
    limits = arc.archive_limits_from_env(env)
    if isinstance(limits, Failure):
        raise _problem(fc.FastExecuteFailure.BAD_CONFIGURATION, limits.failure())
    dest = os.path.realpath(dest_dir)
    download_dir = tempfile.mkdtemp(prefix=DOWNLOAD_PREFIX, dir=dest)
    try:
        local = os.path.join(download_dir, paths.basename(uri) or "distribution")
        _download(uri, local, env)
        if kind == "pkl.gz":
            os.replace(local, os.path.join(dest, arc.NOTEBOOK_PICKLE_NAME))
            return
        try:
            install_archive(local, dest, limits.unwrap())
        except FastExecuteProblem as problem:
            error = problem.error
            raise FastExecuteProblem(
                fc.FastExecuteError(error.failure, f"{error.message} [archive: {uri}]", error.trace)
            ) from problem
    finally:
        shutil.rmtree(download_dir, ignore_errors=True)


def _download(uri: str, local: str, env: Mapping[str, str]) -> None:
    from flyte_entrypoint.shell.storage import DataNotFound, Storage

    started = time.monotonic()
    try:
        Storage.from_env(env).get_file(uri, local)
    except DataNotFound as e:
        raise _problem(
            fc.FastExecuteFailure.DOWNLOAD_FAILED, f"task execution code was not found: {uri}", e
        ) from e
    except Exception as e:
        raise _problem(
            fc.FastExecuteFailure.DOWNLOAD_FAILED, f"could not download the task code from {uri}: {e}", e
        ) from e
    logger.info("downloaded %s in %.3f s", uri, time.monotonic() - started)


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


def install_archive(archive_path: str, dest: str, limits: arc.ArchiveLimits) -> bool:
    """Extract ``archive_path`` into ``dest`` (a realpath) unless it already is; True if extracted now."""
    sha = sha256_of(archive_path)
    with dest_lock(dest):
        marker = marker_path(dest, sha)
        if os.path.exists(marker):
            logger.info("code archive %s is already extracted in %s", sha, dest)
            return False
        _remove_stale_staging(dest)
        staging = tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=dest)
        try:
            tree = os.path.join(staging, "tree")
            os.mkdir(tree)
            started = time.monotonic()
            plan = extract_to(archive_path, tree, limits)
            for name in os.listdir(dest):  # this archive's marker is written once the tree is in place
                if name.startswith(MARKER_PREFIX) and name.endswith(MARKER_SUFFIX):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(os.path.join(dest, name))
            trash = os.path.join(staging, "trash")
            os.mkdir(trash)
            try:
                merge_into(tree, dest, trash)
            except OSError as e:
                raise _problem(
                    fc.FastExecuteFailure.EXTRACTION_FAILED,
                    f"could not move the extracted code into {dest}: {e}",
                    e,
                ) from e
            _write_marker(marker, sha)
            logger.info(
                "extracted %d members (%d bytes) into %s in %.3f s",
                plan.member_count,
                plan.total_bytes,
                dest,
                time.monotonic() - started,
            )
            return True
        finally:
            shutil.rmtree(staging, ignore_errors=True)


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


def plan_archive(
    tar: tarfile.TarFile, limits: arc.ArchiveLimits
) -> tuple[arc.ExtractionPlan, list[tarfile.TarInfo]]:
    """Read the headers lazily into the core's decision; raise a refusal or read problem."""
    infos: list[tarfile.TarInfo] = []

    def members() -> Iterator[arc.Member]:
        for info in tar:
            infos.append(info)
            yield _member_of(info)

    try:
        result = arc.plan_extraction(members(), limits)
    except _READ_ERRORS as e:
        raise _problem(
            fc.FastExecuteFailure.ARCHIVE_UNREADABLE, f"the code archive cannot be read: {e}", e
        ) from e
    if isinstance(result, Failure):
        refusal: arc.ArchiveRefused = result.failure()
        raise _problem(fc.FastExecuteFailure.ARCHIVE_REFUSED, refusal.message())
    assert isinstance(result, Success)
    return result.unwrap(), infos


def _open_archive(archive_path: str) -> tarfile.TarFile:
    try:
        return tarfile.open(archive_path, mode="r:*")
    except _READ_ERRORS as e:
        raise _problem(
            fc.FastExecuteFailure.ARCHIVE_UNREADABLE, f"the code archive cannot be read: {e}", e
        ) from e


def extract_to(archive_path: str, root: str, limits: arc.ArchiveLimits) -> arc.ExtractionPlan:
    """Check every member, then carry the plan out below ``root`` (an empty directory)."""
    with _open_archive(archive_path) as tar:
        plan, infos = plan_archive(tar, limits)
        try:
            apply_plan(plan, infos, tar, root)
        except (tarfile.TarError, EOFError, zlib.error) as e:
            raise _problem(
                fc.FastExecuteFailure.ARCHIVE_UNREADABLE, f"the code archive cannot be read: {e}", e
            ) from e
        except OSError as e:
            raise _problem(
                fc.FastExecuteFailure.EXTRACTION_FAILED, f"extracting the code archive failed: {e}", e
            ) from e
    return plan


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
# Reporting a failure
# --------------------------------------------------------------------------------------------------


def report_failure(error: fc.FastExecuteError, cmd: Sequence[str], env: Mapping[str, str]) -> None:
    """Log the failure; upload an ErrorDocument to the task command's ``--output-prefix`` if it has one."""
    logger.error("pyflyte-fast-execute: %s: %s", error.code, error.message)
    prefix = fc.output_prefix_of(cmd)
    if prefix is None:
        return
    report = fc.fast_execute_error_report(error, time.time(), worker_name(env))
    uri = paths.join(prefix, error_file_name(env, uuid.uuid4().hex))
    try:
        from flyte_entrypoint.shell.storage import Storage

        Storage.from_env(env).put_bytes(uri, report.to_proto().SerializeToString())
    except Exception as e:
        logger.error("pyflyte-fast-execute: could not write the error document to %s: %s", uri, e)


# --------------------------------------------------------------------------------------------------
# Running the task command
# --------------------------------------------------------------------------------------------------


def _spawn_error_status(e: OSError) -> int:
    return 127 if isinstance(e, FileNotFoundError) else 126


def run_subprocess(cmd: Sequence[str], env: Mapping[str, str]) -> int:
    """Run ``cmd`` as a child, forwarding TERM/INT/HUP; the child's code, or 128+S if signal S killed it."""
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
        try:
            proc = subprocess.Popen(list(cmd), env=dict(env))
        except OSError as e:
            logger.error("pyflyte-fast-execute: cannot run %r: %s", cmd[0], e)
            return _spawn_error_status(e)
        child.append(proc)
        for signum in early:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signum)
        returncode = proc.wait()
    finally:
        for signum_, handler in previous.items():
            signal.signal(signum_, handler)
    return int(fc.exit_status_for(returncode))


def _extend_sys_path(dest_real: str, old_pythonpath: str | None) -> None:
    """Put ``dest_real`` where a child's ``PYTHONPATH`` would have put it: after the existing entries."""
    if dest_real in sys.path:
        return
    old = [os.path.abspath(p) for p in (old_pythonpath or "").split(os.pathsep) if p]
    positions = [i for i, entry in enumerate(sys.path) if os.path.abspath(entry or ".") in old]
    sys.path.insert(max(positions) + 1 if positions else min(1, len(sys.path)), dest_real)


def run_in_process(cmd: Sequence[str], env: Mapping[str, str], dest_dir: str | None) -> int:
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
    if dest_dir is not None:
        _extend_sys_path(os.path.realpath(dest_dir), old_pythonpath)
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
