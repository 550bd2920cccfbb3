"""``current_context().checkpoint``: flytekit's ``SyncCheckpoint`` over our ``Storage`` (PROTOCOL §7).

Contract (flytekit's, with two deliberate fixes):

* ``prev_exists()`` - a previous checkpoint location was given (no remote check).
* ``restore(path=None)`` - download the previous attempt's checkpoint into ``path`` (a directory;
  default: a private ``prev_cp`` dir) and return it as a ``Path``; ``None`` when there is no previous
  checkpoint. Idempotent **per directory**: a second restore into the same directory returns it
  without downloading again, a restore into a *different* directory downloads into that one
  (flytekit returns the first directory whatever is asked, Q22).
* ``save(path | str | IOBase)`` - a directory's contents go under the destination prefix, a file to
  ``<dest>/<file name>``, a stream's bytes to ``<dest>/_dst_cp``.
* ``write(bytes)`` - same as saving a ``BytesIO``.
* ``read()`` - restore (cached), then: no entry -> ``None``, one file -> its bytes, more than one ->
  ``ValueError("Expected exactly one checkpoint - found <n>")``.

``read()``/``restore()`` always describe the **previous** attempt's checkpoint (this attempt's input);
``write()``/``save()`` go to this attempt's destination. So ``read()`` after ``write()`` in the same
attempt still returns the previous attempt's data: checkpoints flow from one attempt to the next.

A missing or unreadable previous checkpoint (the location does not exist, is a file, or cannot be
downloaded) is an **empty** state, not a crash: a warning is logged, ``restore()`` returns an empty
directory and ``read()`` returns ``None``. The download goes to a staging directory first, so a
failed restore never leaves a partial checkpoint behind.

Not thread-safe for concurrent saves (neither is flytekit's); restores are serialized by a lock.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from returns.result import Failure

from flyte_entrypoint.core import checkpoint_rules as rules

logger = logging.getLogger("flyte_entrypoint.checkpoint")


class SyncCheckpoint:
    """Synchronous checkpointing for one task attempt.

    ``storage`` is a ``shell.storage.Storage``; ``checkpoint_path`` is this attempt's destination,
    ``prev_checkpoint`` the previous attempt's (``None``/``""``: none); ``local_dir`` is a private scratch
    directory (created on first use, removed by ``cleanup()``).
    """

    SRC_LOCAL_FOLDER = rules.RESTORE_DIR_NAME
    TMP_DST_PATH = rules.STREAM_FILE_NAME

    def __init__(self, checkpoint_dest: str, checkpoint_src: str | None = None) -> None:
        """flytekit's constructor: storage configured from ``os.environ``, a private temporary scratch dir."""
        from flyte_entrypoint.shell.storage import Storage

        self._setup(Storage.from_env(os.environ), checkpoint_dest, checkpoint_src, tempfile.mkdtemp(prefix="flyte-cp-"))

    @classmethod
    def over(
        cls, storage: Any, checkpoint_path: str, prev_checkpoint: str | None, local_dir: str
    ) -> SyncCheckpoint:
        """A checkpoint over an existing ``Storage`` (the run's), with ``local_dir`` as scratch directory."""
        cp = cls.__new__(cls)
        cp._setup(storage, checkpoint_path, prev_checkpoint, local_dir)
        return cp

    def _setup(self, storage: Any, checkpoint_path: str, prev_checkpoint: str | None, local_dir: str) -> None:
        self._storage = storage
        self._dest = checkpoint_path
        self._src = rules.previous_source(prev_checkpoint)
        self._local_dir = local_dir
        self._restored: dict[str, Path] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ flytekit's API
    def prev_exists(self) -> bool:
        return self._src is not None

    def restore(self, path: str | os.PathLike[str] | None = None) -> Path | None:
        if self._src is None:
            return None
        if path is None:
            target = Path(self._scratch()) / rules.RESTORE_DIR_NAME
            target.mkdir(parents=True, exist_ok=True)
        else:
            target = Path(path)
        if not target.is_dir():
            raise ValueError(rules.RESTORE_TARGET_NOT_A_DIRECTORY)
        key = rules.restore_key(os.path.abspath(target))
        with self._lock:
            cached = self._restored.get(key)
            if cached is not None:
                return cached
            self._download_into(self._src, target)
            self._restored[key] = target
            return target

    def save(self, cp: Any) -> None:
        if isinstance(cp, (str, os.PathLike)):
            local = Path(cp)
            if local.is_dir():
                self._storage.put_dir(str(local), self._dest)
            else:
                self._storage.put_file(str(local), rules.saved_file_uri(self._dest, local.name))
            return
        if not isinstance(cp, io.IOBase):
            raise rules.invalid_save_target(cp)
        data = cp.read()
        if isinstance(data, str):  # a text stream: store its UTF-8 bytes
            data = data.encode("utf-8")
        self._storage.put_bytes(rules.stream_uri(self._dest), bytes(data))

    def read(self) -> bytes | None:
        restored = self.restore()
        if restored is None:
            return None
        entries = [rules.Entry(p.name, p.is_file()) for p in sorted(restored.iterdir())]
        result = rules.single_checkpoint(entries)
        if isinstance(result, Failure):
            raise result.failure()
        chosen = result.unwrap()
        if chosen is None:
            return None
        return (restored / chosen.name).read_bytes()

    def write(self, b: bytes) -> None:
        self.save(io.BytesIO(b))

    # ------------------------------------------------------------------ housekeeping
    def cleanup(self) -> None:
        """Remove the private scratch directory (restored checkpoints in it go with it)."""
        shutil.rmtree(self._local_dir, ignore_errors=True)

    def __repr__(self) -> str:
        return f"SyncCheckpoint(dest={self._dest!r}, src={self._src!r})"

    def _scratch(self) -> str:
        os.makedirs(self._local_dir, exist_ok=True)
        return self._local_dir

    def _download_into(self, source: str, target: Path) -> None:
        """Download ``source`` into ``target`` via a staging dir; any failure leaves ``target`` as it was."""
        staging = tempfile.mkdtemp(prefix="restore-", dir=self._scratch())
        try:
            try:
                self._storage.get_dir(source, staging)
            except Exception as exc:  # missing or corrupt previous checkpoint: start from an empty state
                logger.warning(
                    "Previous checkpoint %s could not be restored (%s: %s); starting from an empty checkpoint",
                    source,
                    type(exc).__name__,
                    exc,
                )
                return
            for entry in os.listdir(staging):
                dst = target / entry
                if dst.is_dir() and not dst.is_symlink():
                    shutil.copytree(os.path.join(staging, entry), dst, dirs_exist_ok=True)
                    continue
                if dst.exists() or dst.is_symlink():
                    dst.unlink()
                shutil.move(os.path.join(staging, entry), dst)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
