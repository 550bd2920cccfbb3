"""Storage: the only module that touches fsspec.

Local paths and ``file://`` URIs are served with plain file operations and never import fsspec (importing it
costs ~90 ms of start-up). Every other scheme goes through an fsspec implementation that is imported on first
use: s3fs for ``s3``/``s3a``, gcsfs for ``gs``/``gcs``, adlfs for ``abfs``/``abfss``/``az`` (optional extras),
and whatever fsspec knows for the rest (``memory``, ``http``...).

Behaviour follows flytekit 1.16's ``FileAccessProvider`` (see docs/DESIGN.md and PROTOCOL.md sections 4 and 12):

* configuration comes from the ``FLYTE_AWS_*`` / ``FLYTE_AZURE_*`` / ``FLYTE_PERSISTENCE_*`` variables;
* retries are the storage library's own, with ONE budget (:class:`RetryBudget`: attempts and seconds, from
  ``FLYTE_ENTRYPOINT_STORAGE_MAX_ATTEMPTS`` / ``FLYTE_ENTRYPOINT_STORAGE_TIMEOUT_SECONDS``; by default 4
  attempts within 60 s): for S3, botocore's ``standard`` retry mode with ``total_max_attempts`` and
  per-attempt connect/read timeouts derived from the seconds, and s3fs's own retry loop switched off
  (it would multiply the attempts). Throttling (503 SlowDown), 5xx, connection resets and timeouts are
  retried by botocore; 4xx (403, 404) are not. Nothing of ours loops on top. When the budget is spent the
  failure goes to the run machine, which writes the error document;
* a failed authenticated download of something that exists is retried once anonymously (a permission
  error only: a transient failure that exhausted the budget is not tried again);
* error messages use flytekit's wording (``Failed to get data from <src> to <dst> (recursive=<bool>).`` ...);
* uploads carry the execution metadata (``flyte-execution-{project,domain,launchplan,workflow,name}``) unless
  ``FLYTE_PERSISTENCE_ATTACH_EXECUTION_METADATA`` is false; a file whose name ends in ``.gz`` is uploaded
  with ``Content-Encoding: gzip``.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from flyte_entrypoint.core import paths

if TYPE_CHECKING:  # pragma: no cover
    from fsspec import AbstractFileSystem

__all__ = [
    "AzureSettings",
    "DataNotFound",
    "DownloadError",
    "MissingStorageExtra",
    "S3Settings",
    "Storage",
    "StorageConfig",
    "StorageError",
    "UploadError",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_MAX_ATTEMPTS = 4
DEFAULT_TIMEOUT_SECONDS = 60.0
ENV_MAX_ATTEMPTS = "FLYTE_ENTRYPOINT_STORAGE_MAX_ATTEMPTS"
ENV_TIMEOUT_SECONDS = "FLYTE_ENTRYPOINT_STORAGE_TIMEOUT_SECONDS"
DEFAULT_WRITE_CHUNK_SIZE = 25 * 2**20  # flytekit's _F_P_WRITE_CHUNK_SIZE default

# protocol -> (fsspec implementation "module.Class", the pip extra of this project that provides it)
_CLOUD_IMPLEMENTATIONS: dict[str, tuple[str, str]] = {
    "s3": ("s3fs.S3FileSystem", "s3"),
    "s3a": ("s3fs.S3FileSystem", "s3"),
    "gs": ("gcsfs.GCSFileSystem", "gcs"),
    "gcs": ("gcsfs.GCSFileSystem", "gcs"),
    "abfs": ("adlfs.AzureBlobFileSystem", "abfs"),
    "abfss": ("adlfs.AzureBlobFileSystem", "abfs"),
    "az": ("adlfs.AzureBlobFileSystem", "abfs"),
}
_S3 = frozenset({"s3", "s3a"})
_GCS = frozenset({"gs", "gcs"})
_AZURE = frozenset({"abfs", "abfss", "az"})

FilesystemFactory = Callable[[str, bool], "AbstractFileSystem"]


# ---------------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------------


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


def _describe(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # an exception whose __str__ raises
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
        text = cause if isinstance(cause, str) else _describe(cause)
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
# Configuration (pure: a Mapping in, frozen records out)
# ---------------------------------------------------------------------------------------------------------


def _env_str(env: Mapping[str, str], name: str) -> str | None:
    """flytekit's ``set_if_exists``: an empty value counts as unset."""
    value = env.get(name)
    return value if value else None


def _env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    """flytekit's bool transformer: present and not empty/false/0/off/no (an empty value is false)."""
    if name not in env:
        return default
    value = env[name]
    return bool(value) and value.lower() not in ("false", "0", "off", "no")


def _env_int(env: Mapping[str, str], name: str, default: int | None) -> int | None:
    value = _env_str(env, name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        return default


def _first_of(env: Mapping[str, str], *names: str) -> str:
    """The first non-empty value among ``names`` (an empty long name does not shadow its alias, see Q17)."""
    for name in names:
        value = env.get(name)
        if value:
            return value
    return ""


@dataclass(frozen=True)
class RetryBudget:
    """One budget for every storage request: at most ``attempts`` tries within about ``seconds``.

    botocore's standard mode sleeps at most ``min(2**(n-1), 20)`` s before try ``n+1``; what is left of
    ``seconds`` is split evenly across the tries as the per-try connect (a third, at most 5 s) and read
    timeouts, so a request that hangs or trickles gives up within the budget too.
    """

    attempts: int = DEFAULT_MAX_ATTEMPTS
    seconds: float = DEFAULT_TIMEOUT_SECONDS

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RetryBudget:
        attempts = _env_int(env, ENV_MAX_ATTEMPTS, DEFAULT_MAX_ATTEMPTS) or DEFAULT_MAX_ATTEMPTS
        try:
            seconds = float(env.get(ENV_TIMEOUT_SECONDS) or DEFAULT_TIMEOUT_SECONDS)
        except ValueError:
            seconds = DEFAULT_TIMEOUT_SECONDS
        if seconds != seconds or seconds <= 0:  # NaN or not positive
            seconds = DEFAULT_TIMEOUT_SECONDS
        return cls(max(1, attempts), seconds)

    @property
    def max_backoff_seconds(self) -> float:
        return float(sum(min(2**n, 20) for n in range(self.attempts - 1)))

    @property
    def per_attempt_seconds(self) -> float:
        return max(0.5, (self.seconds - self.max_backoff_seconds) / self.attempts)

    @property
    def connect_timeout(self) -> float:
        return min(5.0, self.per_attempt_seconds / 3)

    @property
    def read_timeout(self) -> float:
        return self.per_attempt_seconds - self.connect_timeout

    def botocore_config(self) -> dict[str, Any]:
        """``botocore.config.Config`` kwargs (through s3fs's ``config_kwargs``)."""
        return {
            "retries": {"mode": "standard", "total_max_attempts": self.attempts},
            "connect_timeout": self.connect_timeout,
            "read_timeout": self.read_timeout,
        }


@dataclass(frozen=True)
class S3Settings:
    endpoint: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    addressing_style: str | None = None
    # Read for completeness; like flytekit, they are not passed on to s3fs (s3fs keeps its own defaults).
    retries: int | None = None
    backoff_seconds: int | None = None
    enable_debug: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> S3Settings:
        return cls(
            endpoint=_env_str(env, "FLYTE_AWS_ENDPOINT"),
            access_key_id=_env_str(env, "FLYTE_AWS_ACCESS_KEY_ID"),
            secret_access_key=_env_str(env, "FLYTE_AWS_SECRET_ACCESS_KEY"),
            addressing_style=_env_str(env, "FLYTE_AWS_ADDRESSING_STYLE"),
            retries=_env_int(env, "FLYTE_AWS_RETRIES", None),
            backoff_seconds=_env_int(env, "FLYTE_AWS_BACKOFF_SECONDS", None),
            enable_debug=_env_bool(env, "FLYTE_AWS_ENABLE_DEBUG", False),
        )

    def filesystem_kwargs(self, anonymous: bool, budget: RetryBudget | None = None) -> dict[str, Any]:
        """s3fs constructor kwargs, as flytekit's ``s3_setup_args``, plus the retry budget (botocore's)."""
        kwargs: dict[str, Any] = {"cache_regions": True}
        if anonymous:
            kwargs["anon"] = True
        else:
            if self.access_key_id:
                kwargs["key"] = self.access_key_id
            if self.secret_access_key:
                kwargs["secret"] = self.secret_access_key
        if self.endpoint:
            kwargs["client_kwargs"] = {"endpoint_url": self.endpoint}
        if self.addressing_style:
            # flytekit sends "virtual" for any value; we honour botocore's three values and keep flytekit's
            # "virtual" for anything else.
            style = self.addressing_style.lower()
            if style not in ("virtual", "path", "auto"):
                style = "virtual"
            kwargs["config_kwargs"] = {"s3": {"addressing_style": style}}
        if budget is not None:
            kwargs["config_kwargs"] = {**kwargs.get("config_kwargs", {}), **budget.botocore_config()}
        return kwargs


@dataclass(frozen=True)
class AzureSettings:
    account_name: str | None = None
    account_key: str | None = None
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AzureSettings:
        return cls(
            account_name=_env_str(env, "FLYTE_AZURE_STORAGE_ACCOUNT_NAME"),
            account_key=_env_str(env, "FLYTE_AZURE_STORAGE_ACCOUNT_KEY"),
            tenant_id=_env_str(env, "FLYTE_AZURE_TENANT_ID"),
            client_id=_env_str(env, "FLYTE_AZURE_CLIENT_ID"),
            client_secret=_env_str(env, "FLYTE_AZURE_CLIENT_SECRET"),
        )

    def filesystem_kwargs(self, anonymous: bool) -> dict[str, Any]:
        """adlfs constructor kwargs, as flytekit's ``azure_setup_args``."""
        kwargs: dict[str, Any] = {}
        for name, value in (
            ("account_name", self.account_name),
            ("account_key", self.account_key),
            ("client_id", self.client_id),
            ("client_secret", self.client_secret),
            ("tenant_id", self.tenant_id),
        ):
            if value:
                kwargs[name] = value
        kwargs["anon"] = anonymous
        return kwargs


def execution_metadata_from_env(env: Mapping[str, str]) -> dict[str, str]:
    """The object metadata flytekit's entrypoint attaches to uploads (values may be empty strings)."""
    return {
        "flyte-execution-project": _first_of(env, "FLYTE_INTERNAL_EXECUTION_PROJECT", "_F_PRJ"),
        "flyte-execution-domain": _first_of(env, "FLYTE_INTERNAL_EXECUTION_DOMAIN", "_F_DM"),
        "flyte-execution-launchplan": _first_of(env, "FLYTE_INTERNAL_EXECUTION_LAUNCHPLAN", "_F_LP"),
        "flyte-execution-workflow": _first_of(env, "FLYTE_INTERNAL_EXECUTION_WORKFLOW", "_F_WF"),
        "flyte-execution-name": _first_of(env, "FLYTE_INTERNAL_EXECUTION_ID", "_F_NM"),
    }


@dataclass(frozen=True)
class StorageConfig:
    s3: S3Settings = field(default_factory=S3Settings)
    azure: AzureSettings = field(default_factory=AzureSettings)
    # None: attach nothing. Otherwise attached to every remote upload (S3 user metadata, GCS metadata).
    execution_metadata: Mapping[str, str] | None = None
    write_chunk_size: int = DEFAULT_WRITE_CHUNK_SIZE
    budget: RetryBudget = field(default_factory=RetryBudget)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> StorageConfig:
        attach = _env_bool(env, "FLYTE_PERSISTENCE_ATTACH_EXECUTION_METADATA", True)
        chunk = _env_int(env, "_F_P_WRITE_CHUNK_SIZE", DEFAULT_WRITE_CHUNK_SIZE)
        return cls(
            s3=S3Settings.from_env(env),
            azure=AzureSettings.from_env(env),
            execution_metadata=execution_metadata_from_env(env) if attach else None,
            write_chunk_size=chunk if chunk and chunk > 0 else DEFAULT_WRITE_CHUNK_SIZE,
            budget=RetryBudget.from_env(env),
        )


# ---------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------


_TRANSIENT_NAME_PARTS = ("Connection", "Timeout", "Payload", "IncompleteRead", "Streaming", "Disconnected")


def _is_transient(exc: BaseException) -> bool:
    """A failure the library's retries already covered (exhausted budget, connection trouble, a cut body):
    probing or retrying it again would spend a second budget."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if "reached max retries" in _describe(current):
            return True
        name = type(current).__name__
        module = type(current).__module__ or ""
        if module.startswith(("botocore", "aiobotocore", "aiohttp", "urllib3")) and any(
            part in name for part in _TRANSIENT_NAME_PARTS
        ):
            return True
        if isinstance(current, (TimeoutError, ConnectionError)):
            return True
        current = current.__cause__ or current.__context__
    return False


def _walk_files(local_dir: str) -> Iterator[tuple[str, str]]:
    """(absolute local path, posix key relative to local_dir) of every file below local_dir, sorted."""
    for dirpath, dirnames, filenames in os.walk(local_dir):
        dirnames.sort()
        rel_dir = os.path.relpath(dirpath, local_dir)
        for name in sorted(filenames):
            rel = name if rel_dir == os.curdir else f"{rel_dir.replace(os.sep, '/')}/{name}"
            yield os.path.join(dirpath, name), rel


def _ensure_parent(path: str) -> None:
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)


def _guess_content_type(name: str) -> str | None:
    import mimetypes

    return mimetypes.guess_type(name)[0]


# ---------------------------------------------------------------------------------------------------------
# Storage
# ---------------------------------------------------------------------------------------------------------


class Storage:
    """Get and put bytes, files and directories, locally or on any fsspec-backed store.

    ``filesystem_factory(protocol, anonymous)``, when given, supplies the fsspec filesystem for every remote
    scheme (tests use it to inject fakes). Every request is made once: retries are the library's (see the
    module docstring), configured from ``config.budget``.
    """

    def __init__(
        self,
        config: StorageConfig | None = None,
        *,
        filesystem_factory: FilesystemFactory | None = None,
    ) -> None:
        self.config = config or StorageConfig()
        self._factory = filesystem_factory
        self._filesystems: dict[tuple[str, bool], AbstractFileSystem] = {}

    @classmethod
    def from_env(cls, env: Mapping[str, str], **kwargs: Any) -> Storage:
        return cls(StorageConfig.from_env(env), **kwargs)

    # ---- public API ---------------------------------------------------------------------------------------

    def get_bytes(self, uri: str) -> bytes:
        dst = "<memory>"
        if paths.is_local(uri):
            try:
                with open(paths.strip_file_scheme(uri), "rb") as fh:
                    return fh.read()
            except FileNotFoundError as e:
                raise DataNotFound(uri) from e
            except Exception as e:
                raise DownloadError(uri, dst, False, e) from e
        data = self._download(uri, dst, False, lambda fs, p: fs.cat_file(p))
        return bytes(data)

    def get_file(self, uri: str, local_path: str) -> None:
        dst = paths.strip_file_scheme(local_path)
        if paths.is_local(uri):
            src = paths.strip_file_scheme(uri)
            if not os.path.exists(src):
                raise DataNotFound(uri)
            try:
                _ensure_parent(dst)
                shutil.copyfile(src, dst)
            except shutil.SameFileError:
                return
            except Exception as e:
                raise DownloadError(uri, local_path, False, e) from e
            return

        def op(fs: AbstractFileSystem, p: str) -> None:
            _ensure_parent(dst)
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
        if paths.is_local(uri):
            src = paths.strip_file_scheme(uri)
            if not os.path.exists(src):
                raise DataNotFound(uri)
            try:
                if not os.path.isdir(src):
                    raise NotADirectoryError(f"Source path {uri} is not a directory")
                shutil.copytree(src, dst, dirs_exist_ok=True)
            except Exception as e:
                raise DownloadError(uri, local_dir, True, e) from e
            return

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
                _ensure_parent(target)
                rpaths.append(remote)
                lpaths.append(target)
            os.makedirs(dst, exist_ok=True)
            fs.get(rpaths, lpaths)

        self._download(uri, local_dir, True, op)

    def put_bytes(
        self,
        uri: str,
        data: bytes,
        content_type: str | None = None,
        content_encoding: str | None = None,
    ) -> None:
        src = "<memory>"
        if paths.is_local(uri):
            dst = paths.strip_file_scheme(uri)
            try:
                _ensure_parent(dst)
                with open(dst, "wb") as fh:
                    fh.write(data)
            except Exception as e:
                raise UploadError(src, uri, False, e) from e
            return
        protocol = paths.scheme_of(uri)
        ctype = content_type or _guess_content_type(uri)
        kwargs = self._upload_kwargs(protocol, ctype, content_encoding, chunked=True)
        self._upload(src, uri, False, lambda fs, p: fs.pipe_file(p, data, **kwargs))

    def put_file(
        self,
        local_path: str,
        uri: str,
        content_type: str | None = None,
        content_encoding: str | None = None,
    ) -> None:
        """Upload one file. ``content_encoding`` defaults to ``gzip`` for a ``.gz`` source (as flytekit's
        FlyteFile upload); pass ``""`` to send none. Without ``content_type``, s3fs guesses it from the name."""
        src = paths.strip_file_scheme(local_path)
        if paths.is_local(uri):
            dst = paths.strip_file_scheme(uri)
            try:
                if os.path.isdir(src):
                    raise IsADirectoryError(f"Source path {local_path} is a directory, not a file")
                _ensure_parent(dst)
                shutil.copyfile(src, dst)
            except shutil.SameFileError:
                return
            except Exception as e:
                raise UploadError(local_path, uri, False, e) from e
            return
        if content_encoding is None and src.endswith(".gz"):
            content_encoding = "gzip"
        protocol = paths.scheme_of(uri)
        kwargs = self._upload_kwargs(protocol, content_type, content_encoding or None, chunked=True)

        def op(fs: AbstractFileSystem, p: str) -> None:
            if not os.path.isfile(src):
                if os.path.isdir(src):
                    raise IsADirectoryError(f"Source path {local_path} is a directory, not a file")
                raise FileNotFoundError(f"[Errno 2] No such file or directory: '{src}'")
            fs.put_file(src, p, **kwargs)

        self._upload(local_path, uri, False, op)

    def put_dir(self, local_dir: str, uri: str) -> None:
        """Upload the contents of ``local_dir`` (recursively) under ``uri``. Empty directories are not kept
        on object stores (there is nothing to upload), as with flytekit."""
        src = paths.strip_file_scheme(local_dir)
        if paths.is_local(uri):
            dst = paths.strip_file_scheme(uri)
            try:
                if not os.path.isdir(src):
                    raise NotADirectoryError(f"Source path {local_dir} is not a directory")
                shutil.copytree(src, dst, dirs_exist_ok=True)
            except Exception as e:
                raise UploadError(local_dir, uri, True, e) from e
            return
        protocol = paths.scheme_of(uri)
        kwargs = self._upload_kwargs(protocol, None, None, chunked=True)

        def op(fs: AbstractFileSystem, p: str) -> None:
            if not os.path.isdir(src):
                raise NotADirectoryError(f"Source path {local_dir} is not a directory")
            lpaths: list[str] = []
            rpaths: list[str] = []
            for local, rel in _walk_files(src):
                lpaths.append(local)
                rpaths.append(paths.join(p, rel))
            if lpaths:
                fs.put(lpaths, rpaths, **kwargs)

        self._upload(local_dir, uri, True, op)

    def exists(self, uri: str) -> bool:
        if paths.is_local(uri):
            return os.path.exists(paths.strip_file_scheme(uri))
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
                f"Failed to check whether {uri} exists.\n\nOriginal exception: {_describe(e)}", uri
            ) from e

    def list_files(self, uri: str) -> list[str]:
        """Every file below ``uri`` (recursively), as full URIs in ``uri``'s own spelling, sorted.
        A file URI lists as itself; a missing location lists as ``[]``."""
        if paths.is_local(uri):
            root = paths.strip_file_scheme(uri)
            if os.path.isfile(root):
                return [uri]
            if not os.path.isdir(root):
                return []
            return sorted(paths.join(uri, rel) for _, rel in _walk_files(root))
        try:
            fs, p = self._resolve(uri)
            root, files = self._remote_files(fs, p)
            if not files:
                return [uri] if fs.isfile(p) else []
            return sorted(paths.join(uri, rel) for _, rel in files)
        except StorageError:
            raise
        except Exception as e:
            raise StorageError(
                f"Failed to list files under {uri}.\n\nOriginal exception: {_describe(e)}", uri
            ) from e

    # ---- remote machinery ---------------------------------------------------------------------------------

    def _download(
        self,
        uri: str,
        destination: str,
        recursive: bool,
        op: Callable[[AbstractFileSystem, str], T],
    ) -> T:
        try:
            fs, p = self._resolve(uri)
            return self._download_once(fs, p, uri, op)
        except (DataNotFound, DownloadError):
            raise
        except Exception as e:  # includes MissingStorageExtra: its message names the extra to install
            raise DownloadError(uri, destination, recursive, e) from e

    def _download_once(
        self,
        fs: AbstractFileSystem,
        p: str,
        uri: str,
        op: Callable[[AbstractFileSystem, str], T],
    ) -> T:
        try:
            return op(fs, p)
        except OSError as e:
            if _is_transient(e):  # the budget is spent: no second one for probes or anonymous tries
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

    def _upload(
        self,
        source: str,
        uri: str,
        recursive: bool,
        op: Callable[[AbstractFileSystem, str], None],
    ) -> None:
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

    def _upload_kwargs(
        self,
        protocol: str,
        content_type: str | None,
        content_encoding: str | None,
        chunked: bool,
    ) -> dict[str, Any]:
        meta = dict(self.config.execution_metadata) if self.config.execution_metadata else None
        kwargs: dict[str, Any] = {}
        if protocol in _S3:
            if meta:
                kwargs["Metadata"] = meta
            if content_type:
                kwargs["ContentType"] = content_type
            if content_encoding:
                kwargs["ContentEncoding"] = content_encoding
            if chunked:
                kwargs["chunksize"] = self.config.write_chunk_size
        elif protocol in _GCS:
            if meta:
                kwargs["metadata"] = meta
            if content_type:
                kwargs["content_type"] = content_type
            if content_encoding:
                kwargs["fixed_key_metadata"] = {"content_encoding": content_encoding}
            if chunked:
                kwargs["chunksize"] = self.config.write_chunk_size
        elif protocol in _AZURE:
            # adlfs sets its own blob metadata on every upload and cannot take ours; content settings only.
            settings = {
                k: v for k, v in (("content_type", content_type), ("content_encoding", content_encoding)) if v
            }
            if settings:
                kwargs["content_settings"] = settings
        return kwargs

    def filesystem(self, protocol: str, anonymous: bool = False, **extra: Any) -> AbstractFileSystem:
        """The fsspec filesystem this storage uses for ``protocol`` (configured from the same settings);
        ``extra`` keyword arguments (``asynchronous=True``, ...) give a new instance with them added."""
        protocol = protocol.lower()
        if not extra and (self._factory is not None or protocol in _CLOUD_IMPLEMENTATIONS):
            return self._resolve(f"{protocol}://", anonymous)[0]
        if protocol in _CLOUD_IMPLEMENTATIONS and self._factory is None:
            cls = _cloud_filesystem_class(f"{protocol}://", protocol)
            if protocol in _S3:
                kwargs = self.config.s3.filesystem_kwargs(anonymous)
            elif protocol in _GCS:
                kwargs = {"token": "anon"} if anonymous else {}
            else:
                kwargs = self.config.azure.filesystem_kwargs(anonymous)
            kwargs.update(extra)
            fs: AbstractFileSystem = cls(**kwargs)
            return fs
        import fsspec

        try:
            made: AbstractFileSystem = fsspec.filesystem(protocol, **extra)
        except (ImportError, ValueError) as e:
            raise StorageError(f"No file system available for {protocol}: {_describe(e)}", protocol) from e
        return made

    def _resolve(self, uri: str, anonymous: bool = False) -> tuple[AbstractFileSystem, str]:
        protocol = paths.scheme_of(uri)
        if self._factory is not None or protocol in _CLOUD_IMPLEMENTATIONS:
            key = (protocol, anonymous)
            fs = self._filesystems.get(key)
            if fs is None:
                fs = self._new_filesystem(uri, protocol, anonymous)
                self._filesystems[key] = fs
            return fs, uri
        import fsspec.core

        try:
            fs, p = fsspec.core.url_to_fs(uri)
        except (ImportError, ValueError) as e:  # ValueError: unknown protocol
            raise StorageError(f"No file system available for {uri}: {_describe(e)}", uri) from e
        return fs, p

    def _anonymous(self, uri: str) -> tuple[AbstractFileSystem, str] | None:
        protocol = paths.scheme_of(uri)
        if self._factory is None and protocol not in _CLOUD_IMPLEMENTATIONS:
            return None
        return self._resolve(uri, anonymous=True)

    def _new_filesystem(self, uri: str, protocol: str, anonymous: bool) -> AbstractFileSystem:
        if self._factory is not None:
            return self._factory(protocol, anonymous)
        cls = _cloud_filesystem_class(uri, protocol)
        kwargs: dict[str, Any]
        if protocol in _S3:
            kwargs = self.config.s3.filesystem_kwargs(anonymous, self.config.budget)
        elif protocol in _GCS:
            kwargs = {"token": "anon"} if anonymous else {}
        else:
            kwargs = self.config.azure.filesystem_kwargs(anonymous)
        fs: AbstractFileSystem = cls(**kwargs)
        if protocol in _S3:
            fs.retries = 1  # s3fs's own loop off: botocore's budget is the one
        return fs


def _cloud_filesystem_class(uri: str, protocol: str) -> type[AbstractFileSystem]:
    """The default fsspec implementation for a cloud scheme, or a registered subclass of it (as
    flytekitplugins-async-fsspec registers); an unrelated registered implementation is ignored."""
    import importlib

    from fsspec.registry import registry as fsspec_registry

    target, extra = _CLOUD_IMPLEMENTATIONS[protocol]
    module_name, class_name = target.rsplit(".", 1)
    try:
        default_cls: type[AbstractFileSystem] = getattr(importlib.import_module(module_name), class_name)
    except ImportError as e:
        raise MissingStorageExtra(uri, module_name, extra) from e
    registered = fsspec_registry.get(protocol)
    if registered is not None and isinstance(registered, type) and issubclass(registered, default_cls):
        return registered
    return default_cls
