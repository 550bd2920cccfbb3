"""The shell side of conversion I/O: the reads and uploads the type engine plans, and the run's data access.

* :func:`fetch_blobs` carries out the reads an input conversion asked for (``BlobsNeeded``): each file's bytes,
  every file under a folder, ``None`` for a blob that does not exist (the engine turns that into a conversion
  error naming the URI); any other storage failure propagates (the run machine writes the storage error
  document). :func:`convert_with_reads` is the loop for callers outside the run machine (``PythonTask``, the
  flytekit-compatible ``TypeEngine``): convert, fetch what was asked, convert again with it.
* :func:`perform_uploads` carries out the uploads planned for outputs. It checks every local source first
  (``UploadSourceMissing`` for the first that is missing, nothing uploaded), then uploads files with
  ``Storage.put_file`` (``.gz`` -> ``Content-Encoding: gzip``), directories with ``Storage.put_dir`` and bytes made
  in memory (``UploadBytes``: pickles, ``.npy``, parquet, JSON lines) with ``Storage.put_bytes``.
* :class:`StorageDataAccess` is what ``FlyteFile``/``FlyteDirectory``/``FlyteSchema`` use when the *task's code*
  opens them; the driver installs one for the run with :func:`install`::

      blob_io.install(lambda: driver.storage, sandbox_dir, raw_output_prefix)

  Outside a run (a script or a test), ``flyte_entrypoint.files`` builds :func:`default_access` on first use from
  ``os.environ``, a fresh temporary sandbox and the current context's raw output prefix.
* :data:`API_CLASSES` gives the type engine the api classes it builds without finding them in an annotation
  (``ConversionContext.classes``), imported on first lookup; :data:`HANDLER_CONTEXT` the ``ctx`` for dataframe
  handlers user code registered; :func:`shell_parts` adds both to a ``ConversionContext``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import IO, Any

from returns.result import Failure, Result

from flyte_entrypoint.core import paths
from flyte_entrypoint.core.type_engine.engine import (
    BlobData,
    BlobRead,
    BlobsNeeded,
    ConversionContext,
    PlannedUpload,
    UploadBytes,
)
from flyte_entrypoint.files import BlobDownloadError, DataAccess, FlyteFile, install_data_access
from flyte_entrypoint.shell.fresh import make_temp_dir, uuid4_hex

__all__ = [
    "API_CLASSES",
    "HANDLER_CONTEXT",
    "StorageDataAccess",
    "check_destinations",
    "check_sources",
    "convert_with_reads",
    "default_access",
    "fetch_blobs",
    "install",
    "perform_uploads",
    "shell_parts",
]

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

    def make_parent_dirs(self, local_path: str) -> None:
        os.makedirs(os.path.dirname(local_path) or ".", exist_ok=True)


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


class _ApiClasses(Mapping[str, Any]):
    """The api classes by name; ``StructuredDataset``'s module is imported on first lookup (a run that converts no
    dataset never imports it; ``flyte_entrypoint.files`` is loaded with this module anyway)."""

    _NAMES = ("FlyteFile", "StructuredDataset")

    def __getitem__(self, name: str) -> Any:
        if name == "FlyteFile":
            return FlyteFile
        if name == "StructuredDataset":
            from flyte_entrypoint.structured import StructuredDataset

            return StructuredDataset
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._NAMES)

    def __len__(self) -> int:
        return len(self._NAMES)


API_CLASSES: Mapping[str, Any] = _ApiClasses()
"""``ConversionContext.classes`` for every conversion the shell starts."""


class _HandlerContext:
    """The ``ctx`` user-registered StructuredDataset handlers get (``shell/dataframe_io.py``), made on first use."""

    @property
    def file_access(self) -> Any:
        from flyte_entrypoint.shell.dataframe_io import handler_context

        return handler_context().file_access


HANDLER_CONTEXT: Any = _HandlerContext()
"""``ConversionContext.handler_context`` for every conversion the shell starts."""


def file_access_context(file_access: Any, *, dataclass_format_from_env: bool = True) -> ConversionContext:
    """The conversion context of python code run outside the container's run (flytekit's ``ctx.file_access``):
    its raw prefix and sandbox, a fresh name seed, ``FLYTE_USE_OLD_DC_FORMAT`` (unless told not to read it), and
    the shell's parts."""
    from flyte_entrypoint.core.env import config_bool

    old = dataclass_format_from_env and config_bool(os.environ.get("FLYTE_USE_OLD_DC_FORMAT"))
    return shell_parts(
        ConversionContext(
            raw_output_prefix=file_access.raw_output_prefix,
            local_sandbox=str(file_access.local_sandbox_dir),
            name_seed=uuid4_hex(),
            use_old_dc_format=old,
        )
    )


def shell_parts(context: ConversionContext) -> ConversionContext:
    """``context`` with the api classes and the handler context the shell supplies (where it has none)."""
    import attrs

    return attrs.evolve(
        context,
        classes=context.classes or API_CLASSES,
        handler_context=context.handler_context if context.handler_context is not None else HANDLER_CONTEXT,
    )


def fetch_blobs(storage: Any, reads: Iterable[BlobRead]) -> dict[BlobRead, BlobData]:
    """The data of ``reads``: bytes for a file, relative path -> bytes for a folder (``""`` if the URI is one
    file), None where nothing exists. Other storage failures raise (``StorageError``)."""
    from flyte_entrypoint.shell.storage import DataNotFound

    out: dict[BlobRead, BlobData] = {}
    for read in reads:
        if not read.is_directory:
            try:
                out[read] = storage.get_bytes(read.uri)
            except DataNotFound:
                out[read] = None
            continue
        files = list(storage.list_files(read.uri))
        if not files:
            out[read] = None
            continue
        base = paths.strip_file_scheme(read.uri)
        found: dict[str, bytes] = {}
        for full in files:
            rel = "" if full == read.uri else paths.relative_key(base, paths.strip_file_scheme(full))
            if rel is None:
                continue
            found[rel] = storage.get_bytes(full)
        out[read] = found
    return out


def convert_with_reads(
    storage: Any,
    context: ConversionContext,
    convert: Callable[[ConversionContext], Result[Any, Any]],
) -> Result[Any, Any]:
    """``convert(context)``, fetching the blobs it asks for (``BlobsNeeded``) and converting again with them until
    it answers. Ends: every round supplies at least one blob the previous one did not have."""
    import attrs

    blobs: dict[BlobRead, BlobData] = dict(context.blobs)
    context = shell_parts(context)
    while True:
        result = convert(context)
        if not isinstance(result, Failure) or not isinstance(result.failure(), BlobsNeeded):
            return result
        wanted = [r for r in result.failure().reads if r not in blobs]
        if not wanted:
            return result
        blobs.update(fetch_blobs(storage, wanted))
        context = attrs.evolve(context, blobs=dict(blobs))


def check_sources(uploads: Iterable[PlannedUpload]) -> None:
    """Raise ``UploadSourceMissing`` for the first planned upload whose local source is missing."""
    # imported here, not at start-up: only outputs with files need it
    from flyte_entrypoint.core.type_engine.blob import UploadSourceMissing

    for up in uploads:
        if isinstance(up, UploadBytes):
            continue
        local = paths.strip_file_scheme(up.local_path)
        ok = os.path.isdir(local) if up.is_directory else os.path.isfile(local)
        if not ok:
            raise UploadSourceMissing(up.local_path, up.is_directory)


def _source(up: PlannedUpload) -> str:
    return f"<{len(up.data)} bytes>" if isinstance(up, UploadBytes) else up.local_path


def check_destinations(uploads: Iterable[PlannedUpload]) -> None:
    """Refuse two different sources planned to the same remote location (one would silently overwrite the other)."""
    seen: dict[str, PlannedUpload] = {}
    for up in uploads:
        other = seen.setdefault(up.remote, up)
        if other != up:
            raise ValueError(
                f"two outputs would be uploaded to the same location {up.remote}: "
                f"{_source(other)} and {_source(up)}"
            )


def perform_uploads(storage: Any, uploads: Sequence[PlannedUpload]) -> None:
    """Carry out the uploads the type engine planned for outputs (sources and destinations are checked first;
    an upload planned twice is done once)."""
    check_sources(uploads)
    check_destinations(uploads)
    for up in dict.fromkeys(uploads):
        if isinstance(up, UploadBytes):
            storage.put_bytes(up.remote, up.data)
        elif up.is_directory:
            storage.put_dir(up.local_path, up.remote)
        else:
            storage.put_file(up.local_path, up.remote)
