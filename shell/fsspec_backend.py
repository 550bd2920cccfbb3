"""The fsspec backend of :class:`~flyte_entrypoint.shell.storage.Storage`: every location that is not local.

s3fs for ``s3``/``s3a``, gcsfs for ``gs``/``gcs``, adlfs for ``abfs``/``abfss``/``az`` (optional extras),
configured from :class:`~flyte_entrypoint.core.storage_config.StorageConfig`; whatever fsspec knows for the
rest (``memory``, ``http``...). This module and fsspec are imported only when a run first touches a
remote location (``Storage.backend``), never at start-up.

Behaviour follows flytekit 1.16's ``FileAccessProvider`` (PROTOCOL sections 4 and 12), with one retry
budget (README, "Storage retry policy"):

* every request is made once by us; the retries are the library's: botocore's ``standard`` mode with the
  budget's attempts and timeouts (s3fs's own loop switched off: ``StorageConfig.filesystem_attributes``);
  gcsfs's fixed schedule with the budget's per-try timeouts; azure-storage's retry policy set to the budget
  (``StorageConfig.client_retry_policy``);
* the one exception, S3 only: botocore retries a request but not the body read after it, so a download
  whose response body is cut (:func:`is_cut_body`) is requested again, as a single try, within the same
  budget (``RetryBudget.may_reread``: at most ``attempts - 1`` times, only while a whole try still fits in
  the budget's seconds since the download started);
* a failed authenticated download of something that exists is retried once anonymously (a permission
  error only). A failure the library already retried (an exhausted budget, connection trouble, a cut body:
  :func:`is_transient`) is neither probed for existence nor tried again anonymously: that would spend a
  second budget;
* a failed download whose source does not exist is :class:`~flyte_entrypoint.shell.storage.DataNotFound`;
* uploads carry the execution metadata and content settings of ``StorageConfig.upload_kwargs``;
* filesystems are cached per (protocol, anonymous); listings and existence checks drop fsspec's listing
  cache first, since another process may have written below the location since.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from flyte_entrypoint.core import paths
from flyte_entrypoint.core.storage_config import (
    Implementation,
    SocketTimeouts,
    StorageConfig,
    content_encoding_for,
    implementation_for,
)
from flyte_entrypoint.shell.storage import (
    MEMORY,
    DataNotFound,
    DownloadError,
    FilesystemFactory,
    MissingStorageExtra,
    StorageError,
    UploadError,
    describe,
    ensure_parent,
    walk_files,
)

if TYPE_CHECKING:  # pragma: no cover
    from fsspec import AbstractFileSystem

__all__ = ["FsspecBackend", "is_cut_body", "is_transient"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

Op = Callable[["AbstractFileSystem", str], T]

_TRANSIENT_NAME_PARTS = ("Connection", "Timeout", "Payload", "IncompleteRead", "Streaming", "Disconnected")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and its causes (``__cause__``, else ``__context__``), each once."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _library_error(exc: BaseException, modules: tuple[str, ...], name_parts: tuple[str, ...]) -> bool:
    """An exception of one of the HTTP libraries ``modules`` whose class name has one of ``name_parts``."""
    name = type(exc).__name__
    module = type(exc).__module__ or ""
    return module.startswith(modules) and any(part in name for part in name_parts)


_TRANSIENT_MODULES = ("botocore", "aiobotocore", "aiohttp", "urllib3")


def is_transient(exc: BaseException) -> bool:
    """A failure the library's retries already covered (exhausted budget, connection trouble, a cut body):
    probing or retrying it again would spend a second budget."""
    return any(
        "reached max retries" in describe(e)
        or _library_error(e, _TRANSIENT_MODULES, _TRANSIENT_NAME_PARTS)
        or isinstance(e, (TimeoutError, ConnectionError))
        for e in _chain(exc)
    )


_CUT_BODY_NAME_PARTS = ("Payload", "IncompleteRead", "ResponseStreaming")


def is_cut_body(exc: BaseException) -> bool:
    """A response body that ended before its ``Content-Length`` (or whose connection broke mid-body): aiohttp's
    ``ClientPayloadError`` (what s3fs surfaces), botocore's ``ResponseStreamingError``/``IncompleteReadError``,
    urllib3's or http.client's ``IncompleteRead``."""
    return any(_library_error(e, (*_TRANSIENT_MODULES, "http.client"), _CUT_BODY_NAME_PARTS) for e in _chain(exc))


def _client_value(value: Any) -> Any:
    """A configuration value as the library takes it: :class:`SocketTimeouts` become aiohttp's
    ``ClientTimeout`` (no total, so a long transfer that keeps moving is not cut short)."""
    if isinstance(value, SocketTimeouts):
        import aiohttp

        return aiohttp.ClientTimeout(total=None, sock_connect=value.connect, sock_read=value.read)
    return value


def _set_client_retry_policy(fs: AbstractFileSystem, settings: dict[str, Any]) -> None:
    """Set ``settings`` on the retry policy of ``fs``'s storage client (adlfs: the azure-storage
    ``BlobServiceClient`` it builds without forwarding retry settings; its pipeline holds this policy)."""
    if not settings:
        return
    client = getattr(fs, "service_client", None)
    policy = getattr(getattr(client, "_config", None), "retry_policy", None)
    if policy is None:
        logger.debug("no retry policy on %r: the library's default retries apply", client)
        return
    for name, value in settings.items():
        setattr(policy, name, value)


def _guess_content_type(name: str) -> str | None:
    import mimetypes

    return mimetypes.guess_type(name)[0]


class FsspecBackend:
    """A :class:`~flyte_entrypoint.shell.storage.StorageBackend` over fsspec filesystems."""

    def __init__(self, config: StorageConfig, filesystem_factory: FilesystemFactory | None = None) -> None:
        self.config = config
        self._factory = filesystem_factory
        self._filesystems: dict[tuple[str, bool, bool], AbstractFileSystem] = {}

    # ---- gets ---------------------------------------------------------------------------------------------

    def get_bytes(self, uri: str) -> bytes:
        return bytes(self._download(uri, MEMORY, False, lambda fs, p: fs.cat_file(p)))

    def get_file(self, uri: str, local_path: str) -> None:
        dst = paths.strip_file_scheme(local_path)

        def op(fs: AbstractFileSystem, p: str) -> None:
            ensure_parent(dst)
            existed = os.path.exists(dst)
            try:
                fs.get_file(p, dst)
            except BaseException:
                if not existed:  # do not leave a partial download behind
                    try:
                        os.remove(dst)
                    except OSError:
                        pass
                raise

        self._download(uri, local_path, False, op)

    def get_dir(self, uri: str, local_dir: str) -> None:
        dst = paths.strip_file_scheme(local_dir)

        def op(fs: AbstractFileSystem, p: str) -> None:
            _, files = self._remote_files(fs, p)
            if not files:
                if fs.isdir(p):  # an existing but empty "directory" (e.g. a placeholder object)
                    os.makedirs(dst, exist_ok=True)
                    return
                if fs.isfile(p):
                    raise NotADirectoryError(f"Source path {uri} is a file, not a directory")
                raise FileNotFoundError(uri)
            rpaths: list[str] = []
            lpaths: list[str] = []
            for remote, rel in files:
                if not paths.is_safe_relative(rel):
                    raise ValueError(f"Refusing to download {remote!r}: its key escapes {uri}")
                target = os.path.join(dst, *rel.split("/"))
                ensure_parent(target)
                rpaths.append(remote)
                lpaths.append(target)
            os.makedirs(dst, exist_ok=True)
            fs.get(rpaths, lpaths)

        self._download(uri, local_dir, True, op)

    # ---- puts ---------------------------------------------------------------------------------------------

    def put_bytes(
        self, uri: str, data: bytes, content_type: str | None = None, content_encoding: str | None = None
    ) -> None:
        kwargs = self.config.upload_kwargs(
            paths.scheme_of(uri), content_type or _guess_content_type(uri), content_encoding
        )
        self._upload(MEMORY, uri, False, lambda fs, p: fs.pipe_file(p, data, **kwargs))

    def put_file(
        self, local_path: str, uri: str, content_type: str | None = None, content_encoding: str | None = None
    ) -> None:
        src = paths.strip_file_scheme(local_path)
        encoding = content_encoding_for(src, content_encoding)
        kwargs = self.config.upload_kwargs(paths.scheme_of(uri), content_type, encoding)

        def op(fs: AbstractFileSystem, p: str) -> None:
            if not os.path.isfile(src):
                if os.path.isdir(src):
                    raise IsADirectoryError(f"Source path {local_path} is a directory, not a file")
                raise FileNotFoundError(f"[Errno 2] No such file or directory: '{src}'")
            fs.put_file(src, p, **kwargs)

        self._upload(local_path, uri, False, op)

    def put_dir(self, local_dir: str, uri: str) -> None:
        src = paths.strip_file_scheme(local_dir)
        kwargs = self.config.upload_kwargs(paths.scheme_of(uri), None, None)

        def op(fs: AbstractFileSystem, p: str) -> None:
            if not os.path.isdir(src):
                raise NotADirectoryError(f"Source path {local_dir} is not a directory")
            lpaths: list[str] = []
            rpaths: list[str] = []
            for local, rel in walk_files(src):
                lpaths.append(local)
                rpaths.append(paths.join(p, rel))
            if lpaths:
                fs.put(lpaths, rpaths, **kwargs)

        self._upload(local_dir, uri, True, op)

    # ---- queries ------------------------------------------------------------------------------------------

    def exists(self, uri: str) -> bool:
        try:
            fs, p = self._resolve(uri)
            fs.invalidate_cache(fs._strip_protocol(p))
            try:
                return bool(fs.exists(p))
            except OSError as e:
                logger.debug("exists(%s) failed (%s); trying anonymously", uri, e)
                anon = self._anonymous(uri)
                if anon is None:
                    raise
                afs, ap = anon
                return bool(afs.exists(ap))
        except StorageError:
            raise
        except Exception as e:
            raise StorageError(
                f"Failed to check whether {uri} exists.\n\nOriginal exception: {describe(e)}", uri
            ) from e

    def list_files(self, uri: str) -> list[str]:
        try:
            fs, p = self._resolve(uri)
            _, files = self._remote_files(fs, p)
            if not files:
                return [uri] if fs.isfile(p) else []
            return sorted(paths.join(uri, rel) for _, rel in files)
        except StorageError:
            raise
        except Exception as e:
            raise StorageError(
                f"Failed to list files under {uri}.\n\nOriginal exception: {describe(e)}", uri
            ) from e

    # ---- filesystems --------------------------------------------------------------------------------------

    def filesystem(self, protocol: str, anonymous: bool = False, **extra: Any) -> AbstractFileSystem:
        """The filesystem used for ``protocol``; with ``extra`` constructor kwargs, a new instance."""
        protocol = protocol.lower()
        impl = implementation_for(protocol)
        if not extra and (self._factory is not None or impl is not None):
            return self._resolve(f"{protocol}://", anonymous)[0]
        if impl is not None and self._factory is None:
            cls = _cloud_filesystem_class(f"{protocol}://", protocol, impl)
            kwargs = self.config.filesystem_kwargs(impl, anonymous, with_budget=False)
            kwargs.update(extra)
            fs: AbstractFileSystem = cls(**kwargs)
            return fs
        import fsspec

        try:
            made: AbstractFileSystem = fsspec.filesystem(protocol, **extra)
        except (ImportError, ValueError) as e:
            raise StorageError(f"No file system available for {protocol}: {describe(e)}", protocol) from e
        return made

    def _resolve(
        self, uri: str, anonymous: bool = False, single_try: bool = False
    ) -> tuple[AbstractFileSystem, str]:
        """The filesystem of ``uri`` (and the path to give it). ``single_try``: one configured with a one-try
        budget (the re-read of a cut body); a factory's filesystems are used as they are."""
        protocol = paths.scheme_of(uri)
        impl = implementation_for(protocol)
        if self._factory is not None or impl is not None:
            key = (protocol, anonymous, single_try and self._factory is None)
            fs = self._filesystems.get(key)
            if fs is None:
                config = self.config.single_try() if key[2] else self.config
                fs = self._new_filesystem(uri, protocol, impl, anonymous, config)
                self._filesystems[key] = fs
            return fs, uri
        import fsspec.core

        try:
            fs, p = fsspec.core.url_to_fs(uri)
        except (ImportError, ValueError) as e:  # ValueError: unknown protocol
            raise StorageError(f"No file system available for {uri}: {describe(e)}", uri) from e
        return fs, p

    def _anonymous(self, uri: str) -> tuple[AbstractFileSystem, str] | None:
        if self._factory is None and implementation_for(paths.scheme_of(uri)) is None:
            return None
        return self._resolve(uri, anonymous=True)

    def _new_filesystem(
        self, uri: str, protocol: str, impl: Implementation | None, anonymous: bool, config: StorageConfig
    ) -> AbstractFileSystem:
        if self._factory is not None:
            return self._factory(protocol, anonymous)
        assert impl is not None  # _resolve only comes here for a configured implementation
        cls = _cloud_filesystem_class(uri, protocol, impl)
        kwargs = {k: _client_value(v) for k, v in config.filesystem_kwargs(impl, anonymous).items()}
        fs: AbstractFileSystem = cls(**kwargs)
        for name, value in config.filesystem_attributes(impl).items():
            setattr(fs, name, value)
        _set_client_retry_policy(fs, config.client_retry_policy(impl))
        return fs

    # ---- one request, with flytekit's error rules ---------------------------------------------------------

    def _download(self, uri: str, destination: str, recursive: bool, op: Op[T]) -> T:
        try:
            fs, p = self._resolve(uri)
            started = time.monotonic()
            rereads = 0
            while True:
                try:
                    return self._download_once(fs, p, uri, op)
                except Exception as e:
                    if not (
                        is_cut_body(e)
                        and self.config.rereads_cut_bodies(implementation_for(paths.scheme_of(uri)))
                        and self.config.budget.may_reread(rereads, time.monotonic() - started)
                    ):
                        raise
                    rereads += 1
                    logger.debug("get %s: the response body was cut (%s); re-read %d", uri, e, rereads)
                    fs, p = self._resolve(uri, single_try=True)
        except (DataNotFound, DownloadError):
            raise
        except Exception as e:  # includes MissingStorageExtra: its message names the extra to install
            raise DownloadError(uri, destination, recursive, e) from e

    def _download_once(self, fs: AbstractFileSystem, p: str, uri: str, op: Op[T]) -> T:
        try:
            return op(fs, p)
        except OSError as e:
            if is_transient(e):  # the budget is spent: no second one for probes or anonymous tries
                raise
            try:
                found = bool(fs.exists(p))
            except Exception:
                found = not isinstance(e, FileNotFoundError)
            if not found:
                raise DataNotFound(uri) from e
            if isinstance(e, (FileNotFoundError, NotADirectoryError, IsADirectoryError)):
                raise
            anon = self._anonymous(uri)
            if anon is None:
                raise
            logger.debug("get %s failed (%s); trying anonymously", uri, e)
            afs, ap = anon
            try:
                return op(afs, ap)
            except Exception:
                raise e from None

    def _upload(self, source: str, uri: str, recursive: bool, op: Op[None]) -> None:
        try:
            fs, p = self._resolve(uri)
            op(fs, p)
        except Exception as e:
            raise UploadError(source, uri, recursive, e) from e

    def _remote_files(self, fs: AbstractFileSystem, p: str) -> tuple[str, list[tuple[str, str]]]:
        """(stripped root, [(remote path, key relative to root)]) for every file strictly below ``p``."""
        root = paths.strip_trailing_sep(fs._strip_protocol(p))
        fs.invalidate_cache(root)  # another process may have written below root since we last listed it
        found = fs.find(root, detail=True)
        out: list[tuple[str, str]] = []
        for name, info in sorted(found.items()):
            if info.get("type") == "directory" or name.endswith("/"):
                continue
            rel = paths.relative_key(root, name)
            if rel is not None:
                out.append((name, rel))
        return root, out


def _cloud_filesystem_class(uri: str, protocol: str, impl: Implementation) -> type[AbstractFileSystem]:
    """The default fsspec implementation for a cloud scheme, or a registered subclass of it (as
    flytekitplugins-async-fsspec registers); an unrelated registered implementation is ignored."""
    import importlib

    from fsspec.registry import registry as fsspec_registry

    try:
        default_cls: type[AbstractFileSystem] = getattr(importlib.import_module(impl.module), impl.class_name)
    except ImportError as e:
        raise MissingStorageExtra(uri, impl.module, impl.extra) from e
    registered = fsspec_registry.get(protocol)
    if registered is not None and isinstance(registered, type) and issubclass(registered, default_cls):
        return registered
    return default_cls
