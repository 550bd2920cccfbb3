"""Storage: the one API the entrypoint moves bytes through, its errors, and the local backend.

:class:`Storage` gets and puts bytes, files and directories and answers ``exists`` / ``list_files`` for any
location. It decides nothing itself: :meth:`Storage.backend` is the one place that picks a backend for a
location, by the core's rule (:func:`flyte_entrypoint.core.paths.is_local`):

* plain paths and ``file://`` URIs go to :class:`LocalBackend` (plain file operations, below);
* every other scheme goes to ``shell.fsspec_backend.FsspecBackend`` (s3fs, gcsfs, adlfs, or whatever fsspec
  knows), configured from :class:`~flyte_entrypoint.core.storage_config.StorageConfig` — the pure storage
  configuration: which implementation a scheme needs, its keyword arguments, the retry budget, the
  execution-metadata rules (see that module's docstring and the README's "Storage retry policy").

Both backends implement :class:`StorageBackend` and raise the same errors, with flytekit's wording
(``Failed to get data from <src> to <dst> (recursive=<bool>).`` ...; PROTOCOL sections 4 and 12).

Why the local backend lives here and not in a module of its own: this module is on the start-up path of
every run (``inputs.pb`` in, ``outputs.pb`` out) and the start-up import profile
(``tests/import_profiles``) counts modules; the fsspec backend and the configuration are imported on the
first use of a remote location (or of :attr:`Storage.config`), so a local-only run imports this one module
and never fsspec (importing it costs ~90 ms). The configuration records are re-exported lazily from here
(``StorageConfig``, ``RetryBudget``, ``S3Settings``, ...), so callers keep importing them from
``flyte_entrypoint.shell.storage``; they are the core's objects, not copies.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from flyte_entrypoint.core import paths

if TYPE_CHECKING:  # pragma: no cover
    from fsspec import AbstractFileSystem

    from flyte_entrypoint.core.storage_config import (
        DEFAULT_MAX_ATTEMPTS as DEFAULT_MAX_ATTEMPTS,
    )
    from flyte_entrypoint.core.storage_config import (
        DEFAULT_TIMEOUT_SECONDS as DEFAULT_TIMEOUT_SECONDS,
    )
    from flyte_entrypoint.core.storage_config import (
        DEFAULT_WRITE_CHUNK_SIZE as DEFAULT_WRITE_CHUNK_SIZE,
    )
    from flyte_entrypoint.core.storage_config import ENV_MAX_ATTEMPTS as ENV_MAX_ATTEMPTS
    from flyte_entrypoint.core.storage_config import ENV_TIMEOUT_SECONDS as ENV_TIMEOUT_SECONDS
    from flyte_entrypoint.core.storage_config import AzureSettings as AzureSettings
    from flyte_entrypoint.core.storage_config import GcsSettings as GcsSettings
    from flyte_entrypoint.core.storage_config import RetryBudget as RetryBudget
    from flyte_entrypoint.core.storage_config import S3Settings as S3Settings
    from flyte_entrypoint.core.storage_config import StorageConfig as StorageConfig
    from flyte_entrypoint.core.storage_config import (
        execution_metadata_from_env as execution_metadata_from_env,
    )
    from flyte_entrypoint.shell.fsspec_backend import FsspecBackend

__all__ = [
    "AzureSettings",
    "DataNotFound",
    "DownloadError",
    "GcsSettings",
    "LocalBackend",
    "MissingStorageExtra",
    "RetryBudget",
    "S3Settings",
    "Storage",
    "StorageBackend",
    "StorageConfig",
    "StorageError",
    "UploadError",
]

# The configuration names this module re-exports from core.storage_config on first access (PEP 562).
_CONFIG_NAMES = frozenset(
    {
        "AzureSettings",
        "DEFAULT_MAX_ATTEMPTS",
        "DEFAULT_TIMEOUT_SECONDS",
        "DEFAULT_WRITE_CHUNK_SIZE",
        "ENV_MAX_ATTEMPTS",
        "ENV_TIMEOUT_SECONDS",
        "GcsSettings",
        "RetryBudget",
        "S3Settings",
        "StorageConfig",
        "execution_metadata_from_env",
    }
)


def __getattr__(name: str) -> Any:
    if name in _CONFIG_NAMES:
        from flyte_entrypoint.core import storage_config

        value = getattr(storage_config, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


FilesystemFactory = Callable[[str, bool], "AbstractFileSystem"]
"""``(protocol, anonymous) -> filesystem``: when given, supplies the filesystem of every remote scheme."""


# ---------------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------------



def _copy_file(src: str, dst: str) -> None:
    """Copy one local file (parents made); copying a file onto itself is a no-op.

    ``shutil`` is imported here, where a copy happens: it pulls in bz2, lzma and zlib, which a run's
    start-up path does not need."""
    import shutil

    ensure_parent(dst)
    try:
        shutil.copyfile(src, dst)
    except shutil.SameFileError:
        return


def _copy_tree(src: str, dst: str, named: str) -> None:
    """Copy a local directory into ``dst`` (merging); ``named`` is how the source is named in the error."""
    import shutil

    if not os.path.isdir(src):
        raise NotADirectoryError(f"Source path {named} is not a directory")
    shutil.copytree(src, dst, dirs_exist_ok=True)

class StorageError(Exception):
    """Base class of every storage failure. ``uri`` names the remote side; ``message`` equals ``str(self)``."""

    def __init__(self, message: str, uri: str) -> None:
        super().__init__(message)
        self.message = message
        self.uri = uri

    def __str__(self) -> str:
        return self.message


class DataNotFound(StorageError):
    """The source does not exist. Message as flytekit's ``FlyteDataNotFoundException``."""

    def __init__(self, uri: str) -> None:
        super().__init__(f"Value error!  Received: {uri}. File not found", uri)


def describe(exc: BaseException) -> str:
    """``str(exc)``, even for an exception whose ``__str__`` raises."""
    try:
        return str(exc)
    except Exception:
        return f"<unprintable {type(exc).__name__}>"


class _TransferError(StorageError):
    """A failed copy from ``source`` to ``destination``; ``verb`` is flytekit's name for the direction."""

    def __init__(
        self, verb: str, source: str, destination: str, recursive: bool, cause: BaseException | str, uri: str
    ) -> None:
        self.source = source
        self.destination = destination
        self.recursive = recursive
        self.cause = cause
        text = cause if isinstance(cause, str) else describe(cause)
        super().__init__(
            f"Failed to {verb} data from {source} to {destination} (recursive={recursive}).\n\n"
            f"Original exception: {text}",
            uri,
        )


class DownloadError(_TransferError):
    """Any get failure other than "not found"."""

    def __init__(self, source: str, destination: str, recursive: bool, cause: BaseException | str) -> None:
        super().__init__("get", source, destination, recursive, cause, source)


class UploadError(_TransferError):
    """Any put failure."""

    def __init__(self, source: str, destination: str, recursive: bool, cause: BaseException | str) -> None:
        super().__init__("put", source, destination, recursive, cause, destination)


class MissingStorageExtra(StorageError):
    """The fsspec implementation for a scheme is not installed."""

    def __init__(self, uri: str, module: str, extra: str) -> None:
        super().__init__(
            f"Accessing {uri} needs the '{module}' package, which is not installed. "
            f"Install it with: pip install 'flyte-entrypoint[{extra}]'",
            uri,
        )
        self.module = module
        self.extra = extra


# ---------------------------------------------------------------------------------------------------------
# The backend interface
# ---------------------------------------------------------------------------------------------------------

MEMORY = "<memory>"
"""The source (of ``put_bytes``) or destination (of ``get_bytes``) named in transfer errors."""


class StorageBackend(Protocol):
    """What a backend does for the locations :meth:`Storage.backend` gives it.

    Contract (both backends): a missing source raises :class:`DataNotFound`; any other get failure
    :class:`DownloadError`; any put failure :class:`UploadError`; ``exists``/``list_files`` failures
    :class:`StorageError`. Local destinations get their parent directories created; a failed file download
    leaves no partial file behind. ``list_files`` returns every file below ``uri`` (recursively) as full URIs
    in ``uri``'s own spelling, sorted; a file lists as itself, a missing location as ``[]``.
    """

    def get_bytes(self, uri: str) -> bytes: ...

    def get_file(self, uri: str, local_path: str) -> None: ...

    def get_dir(self, uri: str, local_dir: str) -> None: ...

    def put_bytes(
        self, uri: str, data: bytes, content_type: str | None = None, content_encoding: str | None = None
    ) -> None: ...

    def put_file(
        self, local_path: str, uri: str, content_type: str | None = None, content_encoding: str | None = None
    ) -> None: ...

    def put_dir(self, local_dir: str, uri: str) -> None: ...

    def exists(self, uri: str) -> bool: ...

    def list_files(self, uri: str) -> list[str]: ...


def walk_files(local_dir: str) -> Iterator[tuple[str, str]]:
    """(absolute local path, posix key relative to local_dir) of every file below local_dir, sorted."""
    for dirpath, dirnames, filenames in os.walk(local_dir):
        dirnames.sort()
        rel_dir = os.path.relpath(dirpath, local_dir)
        for name in sorted(filenames):
            rel = name if rel_dir == os.curdir else f"{rel_dir.replace(os.sep, '/')}/{name}"
            yield os.path.join(dirpath, name), rel


def ensure_parent(path: str) -> None:
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)


# ---------------------------------------------------------------------------------------------------------
# The local backend
# ---------------------------------------------------------------------------------------------------------


class LocalBackend:
    """Plain paths and ``file://`` URIs, with plain file operations. Content type and encoding do not apply
    to local files and are ignored; copying a file onto itself is a no-op."""

    def get_bytes(self, uri: str) -> bytes:
        try:
            with open(paths.strip_file_scheme(uri), "rb") as fh:
                return fh.read()
        except FileNotFoundError as e:
            raise DataNotFound(uri) from e
        except Exception as e:
            raise DownloadError(uri, MEMORY, False, e) from e

    def get_file(self, uri: str, local_path: str) -> None:
        src = paths.strip_file_scheme(uri)
        dst = paths.strip_file_scheme(local_path)
        if not os.path.exists(src):
            raise DataNotFound(uri)
        try:
            _copy_file(src, dst)
        except Exception as e:
            raise DownloadError(uri, local_path, False, e) from e

    def get_dir(self, uri: str, local_dir: str) -> None:
        src = paths.strip_file_scheme(uri)
        dst = paths.strip_file_scheme(local_dir)
        if not os.path.exists(src):
            raise DataNotFound(uri)
        try:
            _copy_tree(src, dst, uri)
        except Exception as e:
            raise DownloadError(uri, local_dir, True, e) from e

    def put_bytes(
        self, uri: str, data: bytes, content_type: str | None = None, content_encoding: str | None = None
    ) -> None:
        dst = paths.strip_file_scheme(uri)
        try:
            ensure_parent(dst)
            with open(dst, "wb") as fh:
                fh.write(data)
        except Exception as e:
            raise UploadError(MEMORY, uri, False, e) from e

    def put_file(
        self, local_path: str, uri: str, content_type: str | None = None, content_encoding: str | None = None
    ) -> None:
        src = paths.strip_file_scheme(local_path)
        dst = paths.strip_file_scheme(uri)
        try:
            if os.path.isdir(src):
                raise IsADirectoryError(f"Source path {local_path} is a directory, not a file")
            _copy_file(src, dst)
        except Exception as e:
            raise UploadError(local_path, uri, False, e) from e

    def put_dir(self, local_dir: str, uri: str) -> None:
        src = paths.strip_file_scheme(local_dir)
        dst = paths.strip_file_scheme(uri)
        try:
            _copy_tree(src, dst, local_dir)
        except Exception as e:
            raise UploadError(local_dir, uri, True, e) from e

    def exists(self, uri: str) -> bool:
        return os.path.exists(paths.strip_file_scheme(uri))

    def list_files(self, uri: str) -> list[str]:
        root = paths.strip_file_scheme(uri)
        if os.path.isfile(root):
            return [uri]
        if not os.path.isdir(root):
            return []
        return sorted(paths.join(uri, rel) for _, rel in walk_files(root))


# ---------------------------------------------------------------------------------------------------------
# Storage
# ---------------------------------------------------------------------------------------------------------


class Storage:
    """Get and put bytes, files and directories, locally or on any fsspec-backed store.

    ``config`` (or, through :meth:`from_env`, the environment it is read from on first need) configures
    the fsspec backend. ``filesystem_factory(protocol, anonymous)``, when given, supplies the fsspec
    filesystem for every remote scheme (tests use it to inject fakes). Every request is made once: retries
    are the library's, configured from ``config.budget``.
    """

    def __init__(
        self,
        config: StorageConfig | None = None,
        *,
        filesystem_factory: FilesystemFactory | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._config = config
        # Read once, now (a later change to os.environ does not change this storage).
        self._env = dict(env) if config is None and env is not None else None
        self._factory = filesystem_factory
        self._local = LocalBackend()
        self._fsspec: FsspecBackend | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str], **kwargs: Any) -> Storage:
        return cls(env=env, **kwargs)

    @property
    def config(self) -> StorageConfig:
        """The storage configuration (computed on first access: a local-only run never needs it)."""
        if self._config is None:
            from flyte_entrypoint.core.storage_config import StorageConfig

            self._config = StorageConfig.from_env(self._env) if self._env is not None else StorageConfig()
            self._env = None
        return self._config

    def backend(self, uri: str) -> StorageBackend:
        """The backend of ``uri``: the one place that picks it."""
        if paths.is_local(uri):
            return self._local
        return self._remote()

    def _remote(self) -> FsspecBackend:
        if self._fsspec is None:
            from flyte_entrypoint.shell.fsspec_backend import FsspecBackend

            self._fsspec = FsspecBackend(self.config, self._factory)
        return self._fsspec

    # ---- the API: each call goes to the backend of its remote side --------------------------------------

    def get_bytes(self, uri: str) -> bytes:
        return self.backend(uri).get_bytes(uri)

    def get_file(self, uri: str, local_path: str) -> None:
        self.backend(uri).get_file(uri, local_path)

    def get_dir(self, uri: str, local_dir: str) -> None:
        self.backend(uri).get_dir(uri, local_dir)

    def put_bytes(
        self,
        uri: str,
        data: bytes,
        content_type: str | None = None,
        content_encoding: str | None = None,
    ) -> None:
        """Write ``data`` to ``uri``. Without ``content_type`` it is guessed from the name."""
        self.backend(uri).put_bytes(uri, data, content_type, content_encoding)

    def put_file(
        self,
        local_path: str,
        uri: str,
        content_type: str | None = None,
        content_encoding: str | None = None,
    ) -> None:
        """Upload one file. ``content_encoding`` defaults to ``gzip`` for a ``.gz`` source (as flytekit's
        FlyteFile upload); pass ``""`` to send none. Without ``content_type``, s3fs guesses it from the name."""
        self.backend(uri).put_file(local_path, uri, content_type, content_encoding)

    def put_dir(self, local_dir: str, uri: str) -> None:
        """Upload the contents of ``local_dir`` (recursively) under ``uri``. Empty directories are not kept
        on object stores (there is nothing to upload), as with flytekit."""
        self.backend(uri).put_dir(local_dir, uri)

    def exists(self, uri: str) -> bool:
        return self.backend(uri).exists(uri)

    def list_files(self, uri: str) -> list[str]:
        """Every file below ``uri`` (recursively), as full URIs in ``uri``'s own spelling, sorted.
        A file URI lists as itself; a missing location lists as ``[]``."""
        return self.backend(uri).list_files(uri)

    def filesystem(self, protocol: str, anonymous: bool = False, **extra: Any) -> AbstractFileSystem:
        """The fsspec filesystem this storage uses for ``protocol`` (configured from the same settings);
        ``extra`` keyword arguments (``asynchronous=True``, ...) give a new instance with them added."""
        return self._remote().filesystem(protocol, anonymous, **extra)
