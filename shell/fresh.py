"""Fresh names and private scratch directories, without importing ``uuid`` or ``tempfile`` at start-up.

Why: every task run (and every element of a map task) needs one random id for its error-file name, one seed
for the names the type engine derives, and one private scratch directory.  ``uuid`` and ``tempfile`` would
cost ten modules on the start-up path (``tempfile`` pulls in ``random``, ``shutil``, ``bz2``, ``lzma``, ...)
for what ``os.urandom`` and ``os.mkdir`` do.

Contract:

* :func:`uuid4_hex` returns 32 lower-case hex digits in the shape of ``uuid.uuid4().hex``: 122 random bits
  from ``os.urandom`` with the version nibble ``4`` and the RFC 4122 variant bits ``10``, so
  ``uuid.UUID(hex=value).version == 4`` (error documents are named ``error-<uuid4 hex>.pb``, as flytekit
  names them).
* :func:`make_temp_dir` creates a new directory, mode ``0o700``, named ``<prefix><random>`` in the first
  usable directory of ``TMPDIR``, ``TEMP``, ``TMP``, ``/tmp``, ``/var/tmp``, ``/usr/tmp`` and the current
  directory (``tempfile.gettempdir``'s order), and returns its absolute path.  Like ``tempfile.mkdtemp``
  it never reuses an existing directory; when no candidate is usable it leaves the error to
  ``tempfile.mkdtemp`` (imported only then), so the message is the standard one.
"""

from __future__ import annotations

import os

__all__ = ["make_temp_dir", "uuid4_hex"]

_ATTEMPTS = 100


def uuid4_hex() -> str:
    """A random version-4 UUID as 32 hex digits (``uuid.uuid4().hex``'s format)."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # variant RFC 4122
    return raw.hex()


def _candidates() -> list[str]:
    dirs = [os.environ[name] for name in ("TMPDIR", "TEMP", "TMP") if os.environ.get(name)]
    dirs += ["/tmp", "/var/tmp", "/usr/tmp"]
    try:
        dirs.append(os.getcwd())
    except OSError:
        pass
    return dirs


def make_temp_dir(prefix: str) -> str:
    """A new private (``0o700``) directory ``<tmp>/<prefix><random>``; its absolute path."""
    for base in _candidates():
        for _ in range(_ATTEMPTS):
            path = os.path.abspath(os.path.join(base, prefix + os.urandom(6).hex()))
            try:
                os.mkdir(path, 0o700)
            except FileExistsError:
                continue
            except OSError:
                break  # not usable (missing, read-only, not a directory): try the next candidate
            return path
    import tempfile

    return tempfile.mkdtemp(prefix=prefix)
