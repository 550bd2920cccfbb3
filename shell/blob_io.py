"""The data-access hook behind ``FlyteFile`` / ``FlyteDirectory`` / dataframes / pickles, built on ``Storage``.

``flyte_entrypoint.files`` holds one :class:`~flyte_entrypoint.files.DataAccess`; the driver installs ours at
start-up with :func:`install`::

    blob_io.install(lambda: driver.storage, sandbox_dir, raw_output_prefix)

If nothing was installed (task functions called from a script or a test), :func:`default_access` builds one on
first use from ``os.environ``, a fresh temporary sandbox and the current context's raw output prefix.

Also here: :func:`perform_uploads`, the shell side of the uploads the type engine plans for outputs. It checks
every local source first (``UploadSourceMissing`` for the first that is missing, nothing uploaded), then uploads
files with ``Storage.put_file`` (``.gz`` -> ``Content-Encoding: gzip``) and directories with ``Storage.put_dir``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import IO, Any

from flyte_entrypoint.core import paths
from flyte_entrypoint.core.type_engine.engine import Upload
from flyte_entrypoint.files import BlobDownloadError, DataAccess, install_data_access
from flyte_entrypoint.shell.fresh import make_temp_dir, uuid4_hex

__all__ = ["StorageDataAccess", "check_destinations", "check_sources", "default_access", "install", "perform_uploads"]

FALLBACK_RAW_DIR = "raw"


class _UploadOnClose:
    """A local file object that is uploaded to ``uri`` when closed (a remote file opened for writing)."""

    def __init__(self, access: StorageDataAccess, uri: str, mode: str) -> None:
        self._access = access
        self._uri = uri
        self._local = access.new_local_path(paths.basename(uri) or "blob")
        os.makedirs(os.path.dirname(self._local), exist_ok=True)
        if "a" in mode or "+" in mode:
            try:
                self._local = access.download(uri, self._local, False)
            except BlobDownloadError:
                pass  # appending to / updating a file that does not exist yet
        self._fh: IO[Any] = open(self._local, mode)  # noqa: SIM115 - closed in close()
        self._closed = False

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._fh.close()
        self._access.storage.put_file(self._local, self._uri)

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> _UploadOnClose:
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        if exc_type is None:
            self.close()
        else:  # do not upload a half-written file
            self._closed = True
            self._fh.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fh, name)

    def __iter__(self) -> Any:
        return iter(self._fh)


class StorageDataAccess:
    """:class:`~flyte_entrypoint.files.DataAccess` over a ``Storage`` (created lazily by ``storage_factory``)."""

    def __init__(
        self,
        storage_factory: Callable[[], Any],
        sandbox_dir: str,
        raw_output_prefix: str | Callable[[], str],
    ) -> None:
        self._factory = storage_factory
        self._storage: Any = None
        self.sandbox_dir = sandbox_dir
        self._raw = raw_output_prefix
        self._claimed: dict[str, str] = {}  # local path -> the uri downloaded there

    @property
    def storage(self) -> Any:
        if self._storage is None:
            self._storage = self._factory()
        return self._storage

    @property
    def raw_output_prefix(self) -> str:
        raw = self._raw() if callable(self._raw) else self._raw
        return str(raw)

    # ---- names -------------------------------------------------------------------------------------------
    def random_name(self) -> str:
        return uuid4_hex()

    def new_local_path(self, name: str = "") -> str:
        parts = [self.random_name()] + ([name] if name else [])
        return os.path.join(self.sandbox_dir, *parts)

    def new_remote_path(self, name: str = "") -> str:
        return str(paths.join(self.raw_output_prefix, self.random_name(), name))

    # ---- data --------------------------------------------------------------------------------------------
    def download(self, uri: str, local_path: str, is_directory: bool) -> str:
        from flyte_entrypoint.shell.storage import DataNotFound, StorageError

        owner = self._claimed.get(local_path)
        if (owner is not None and owner != uri) or (owner is None and os.path.lexists(local_path)):
            # taken by other data: never mix two blobs in one place
            local_path = self.new_local_path("" if is_directory else paths.basename(uri))
        self._claimed[local_path] = uri
        try:
            if is_directory:
                os.makedirs(local_path, exist_ok=True)
                self.storage.get_dir(uri, local_path)
            else:
                os.makedirs(os.path.dirname(local_path) or ".", exist_ok=True)
                self.storage.get_file(uri, local_path)
        except DataNotFound as exc:
            raise BlobDownloadError(uri, local_path, "it does not exist", error_code="USER:ValueError") from exc
        except StorageError as exc:
            raise BlobDownloadError(uri, local_path, str(exc)) from exc
        return local_path

    def open_remote(self, uri: str, mode: str) -> IO[Any]:
        if not any(c in mode for c in "wax+"):
            local = self.download(uri, self.new_local_path(paths.basename(uri) or "blob"), False)
            return open(local, mode)
        return _UploadOnClose(self, uri, mode)  # type: ignore[return-value]

    def list_files(self, uri: str) -> list[str]:
        return list(self.storage.list_files(uri))

    def read_bytes(self, uri: str) -> bytes:
        data: bytes = self.storage.get_bytes(uri)
        return data

    def is_directory(self, local_path: str) -> bool:
        return os.path.isdir(local_path)

    def make_parent_dirs(self, local_path: str) -> None:
        os.makedirs(os.path.dirname(local_path) or ".", exist_ok=True)

    def write_bytes(self, local_path: str, data: bytes) -> None:
        os.makedirs(os.path.dirname(local_path) or ".", exist_ok=True)
        with open(local_path, "wb") as fh:
            fh.write(data)

    def write_dataframe(self, value: Any, local_file: str) -> None:
        from flyte_entrypoint.shell import dataframe_io

        dataframe_io.write_parquet(value, local_file)

    def write_array(self, value: Any, local_file: str, allow_pickle: bool) -> None:
        from flyte_entrypoint.shell import array_io

        array_io.save_npy(value, local_file, allow_pickle)

    def read_array(self, uri: str, allow_pickle: bool, mmap_mode: Any) -> Any:
        from flyte_entrypoint.shell import array_io

        local = paths.strip_file_scheme(uri)
        if paths.is_remote(uri):
            local = self.download(uri, self.new_local_path(paths.basename(uri) or "array.npy"), False)
        return array_io.load_npy(local, allow_pickle, mmap_mode)

    def read_dataframe(self, uri: str, columns: Sequence[str] | None) -> Any:
        from flyte_entrypoint.shell import dataframe_io

        if paths.is_local(uri):
            return dataframe_io.read_parquet(paths.strip_file_scheme(uri), columns)
        files = self.list_files(uri)
        if files == [uri]:  # a single parquet file rather than flytekit's directory
            local = self.download(uri, self.new_local_path(paths.basename(uri) or "data.parquet"), False)
        else:
            local = self.download(uri, self.new_local_path(), True)
        return dataframe_io.read_parquet(local, columns)


def install(
    storage_factory: Callable[[], Any], sandbox_dir: str, raw_output_prefix: str | Callable[[], str]
) -> DataAccess | None:
    """Install a :class:`StorageDataAccess` as the hook; returns the previously installed one."""
    access = StorageDataAccess(storage_factory, sandbox_dir, raw_output_prefix)
    return install_data_access(access)


def _context_raw_prefix(fallback: str) -> Callable[[], str]:
    def get() -> str:
        from flyte_entrypoint.shell.context import current_context

        return current_context().raw_output_prefix or fallback

    return get


def default_access() -> StorageDataAccess:
    """A hook for use outside ``pyflyte-execute``: storage from ``os.environ``, a temporary sandbox."""
    from flyte_entrypoint.shell.storage import Storage

    env = dict(os.environ)
    root = make_temp_dir("flyte-data-")
    return StorageDataAccess(
        lambda: Storage.from_env(env),
        os.path.join(root, "sandbox"),
        _context_raw_prefix(os.path.join(root, FALLBACK_RAW_DIR)),
    )


def check_sources(uploads: Iterable[Upload]) -> None:
    """Raise ``UploadSourceMissing`` for the first planned upload whose local source is missing."""
    # imported here, not at start-up: only outputs with files need it
    from flyte_entrypoint.core.type_engine.blob import UploadSourceMissing

    for up in uploads:
        local = paths.strip_file_scheme(up.local_path)
        ok = os.path.isdir(local) if up.is_directory else os.path.isfile(local)
        if not ok:
            raise UploadSourceMissing(up.local_path, up.is_directory)


def check_destinations(uploads: Iterable[Upload]) -> None:
    """Refuse two different sources planned to the same remote location (one would silently overwrite the other)."""
    seen: dict[str, Upload] = {}
    for up in uploads:
        other = seen.setdefault(up.remote, up)
        if other != up:
            raise ValueError(
                f"two outputs would be uploaded to the same location {up.remote}: "
                f"{other.local_path} and {up.local_path}"
            )


def perform_uploads(storage: Any, uploads: Sequence[Upload]) -> None:
    """Carry out the uploads the type engine planned for outputs (sources and destinations are checked first;
    an upload planned twice is done once)."""
    check_sources(uploads)
    check_destinations(uploads)
    for up in dict.fromkeys(uploads):
        if up.is_directory:
            storage.put_dir(up.local_path, up.remote)
        else:
            storage.put_file(up.local_path, up.remote)
