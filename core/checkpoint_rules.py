"""Pure rules of task checkpointing (flytekit's ``SyncCheckpoint``, PROTOCOL §7).

The shell object (``shell/checkpoint.py``) does the transfers; everything it *decides* is here:
where a saved file or stream lands under the destination prefix, what counts as "no previous
checkpoint", how restore targets are keyed, and what ``read()`` makes of the restored entries.

Laws (``property_tests/test_checkpoint_laws.py``): a saved file lands directly below the destination
under its own base name, a stream as ``_dst_cp``; ``previous_source`` is None exactly for None and
``""``; ``restore_key`` is idempotent, ignores trailing and doubled separators, and two keys are equal
exactly when the normalized paths are; ``single_checkpoint`` is None for no entry, the entry for one
file, and a ``ValueError`` otherwise.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

import attrs
from returns.result import Failure, Result, Success

from flyte_entrypoint.core import paths

#: The directory (inside the checkpoint object's private scratch dir) a ``restore()`` without a path uses.
RESTORE_DIR_NAME = "prev_cp"
#: The object name a ``write(bytes)`` / ``save(stream)`` lands as, under the destination prefix.
STREAM_FILE_NAME = "_dst_cp"

RESTORE_TARGET_NOT_A_DIRECTORY = "Checkpoints can be restored to a directory only."


def previous_source(prev_checkpoint: str | None) -> str | None:
    """The previous attempt's checkpoint location; ``None`` and ``""`` both mean "none" (flytekit's rule)."""
    return prev_checkpoint if prev_checkpoint else None


def saved_file_uri(destination: str, file_name: str) -> str:
    """Where ``save(<file>)`` uploads a file: ``<destination>/<file name>`` (never ``//``)."""
    return paths.join(destination, paths.basename(file_name) or file_name)


def stream_uri(destination: str) -> str:
    """Where ``write(bytes)`` and ``save(<stream>)`` upload: ``<destination>/_dst_cp``."""
    return paths.join(destination, STREAM_FILE_NAME)


def restore_key(local_path: str) -> str:
    """The cache key of a restore target: the normalized absolute path (the shell makes it absolute).

    ``/a/b``, ``/a/b/`` and ``/a/./b`` are the same directory, so restoring into any spelling of it
    twice downloads once. Keying by path (not "the first call wins", as flytekit does, Q22) means a
    restore into a *different* directory downloads again, into that directory.
    """
    normalized = posixpath.normpath(local_path)
    # posixpath keeps a leading "//" (POSIX allows it to be special); treat it as "/".
    if normalized.startswith("//"):
        normalized = "/" + normalized.lstrip("/")
    return normalized


@attrs.frozen
class Entry:
    """One top-level entry of a restored checkpoint directory."""

    name: str
    is_file: bool


def single_checkpoint(entries: Sequence[Entry]) -> Result[Entry | None, ValueError]:
    """What ``read()`` returns for the restored entries: none -> ``None``; one file -> that file.

    More than one entry is flytekit's ``ValueError("Expected exactly one checkpoint - found <n>")``.
    A single *directory* is also an error (flytekit crashes reading it as a file).
    """
    if len(entries) == 0:
        return Success(None)
    if len(entries) > 1:
        return Failure(ValueError(f"Expected exactly one checkpoint - found {len(entries)}"))
    only = entries[0]
    if not only.is_file:
        return Failure(
            ValueError(f"Expected exactly one checkpoint file - found the directory {only.name!r}")
        )
    return Success(only)


def invalid_save_target(value: object) -> ValueError:
    """flytekit's error for ``save()`` of something that is neither a path nor an IO stream."""
    return ValueError(f"Only a valid path or IOBase type (reader) should be provided, received {type(value)}")
