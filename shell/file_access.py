"""``FileAccessProvider``: flytekit's data-persistence object, over our one storage edge (``shell.storage``).

Plugin and task code written for flytekit reaches storage through
``FlyteContextManager.current_context().file_access``; this class gives that code flytekit's methods and
errors while every byte still moves through :class:`~flyte_entrypoint.shell.storage.Storage` (retries,
``FLYTE_AWS_*``/``FLYTE_GCP_*``/``FLYTE_AZURE_*`` settings, execution metadata, local paths without
fsspec). Path naming follows flytekit: ``<raw output prefix>/<32 hex>/<tail>`` for random remote paths,
``<local sandbox>/local_flytekit/<32 hex>/<tail>`` for local ones.

Contract (flytekit 1.16's):

* ``put_data(local, remote, is_multipart)`` returns ``remote``; a directory's *contents* go under
  ``remote``. Any failure is ``FlyteUploadDataException("Failed to put data from ... (recursive=...)")``.
* ``get_data(remote, local, is_multipart)`` creates ``local``'s parent; a missing source is
  ``FlyteDataNotFoundException``, any other failure ``FlyteDownloadDataException``.
* ``put_raw_data(lpath, upload_prefix=None, file_name=None, ...)`` writes
  ``{raw output prefix}/{upload_prefix or random}/{file_name or tail or random}`` from a path (file or
  folder), ``bytes``, a binary reader or a ``StringIO``; returns the path written.
* every ``async_*`` method is the same operation, awaited on a worker thread (the storage edge is
  synchronous), so it never blocks the caller's event loop.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import pathlib
import uuid
from typing import Any

from flyte_entrypoint.core import paths

logger = logging.getLogger("flyte_entrypoint.file_access")

_LOCAL_SUBDIR = "local_flytekit"


def _protocol(path: str) -> str:
    """fsspec's convention: ``"file"`` for plain paths, otherwise the scheme (flytekit's ``get_protocol``)."""
    return paths.scheme_of(str(path))


class FileAccessProvider:
    """Persist data to and from the durable store (flytekit's ``FileAccessProvider``).

    ``data_config`` may be a :class:`~flyte_entrypoint.shell.storage.StorageConfig` (used as is); anything
    else (e.g. flytekit's ``DataConfig``) is kept as given and the storage settings are read from the
    environment. ``execution_metadata`` is attached to every remote upload when given.
    """

    def __init__(
        self,
        local_sandbox_dir: str | os.PathLike[str],
        raw_output_prefix: str,
        data_config: Any | None = None,
        execution_metadata: dict[str, str] | None = None,
    ) -> None:
        if local_sandbox_dir is None or local_sandbox_dir == "":
            raise ValueError("FileAccessProvider needs to be created with a valid local_sandbox_dir")
        from flyte_entrypoint.shell.storage import Storage, StorageConfig

        self._local_sandbox_dir = pathlib.Path(os.path.join(local_sandbox_dir, _LOCAL_SUBDIR))
        self._local_sandbox_dir.mkdir(parents=True, exist_ok=True)
        config = data_config if isinstance(data_config, StorageConfig) else StorageConfig.from_env(os.environ)
        if execution_metadata is not None:
            import dataclasses

            config = dataclasses.replace(config, execution_metadata=dict(execution_metadata))
        self._data_config = data_config if data_config is not None else config
        self._execution_metadata = execution_metadata
        self._storage: Any = Storage(config)
        raw = str(raw_output_prefix)
        self._raw_output_prefix = raw if raw.endswith("/") else raw + "/"
        self._local_fs: Any = None

    @classmethod
    def _over(cls, storage: Any, local_sandbox_dir: str, raw_output_prefix: str) -> FileAccessProvider:
        """The provider of a running task: the run's own ``Storage`` (no second client, same settings)."""
        provider = cls.__new__(cls)
        provider._local_sandbox_dir = pathlib.Path(os.path.join(local_sandbox_dir, _LOCAL_SUBDIR))
        provider._local_sandbox_dir.mkdir(parents=True, exist_ok=True)
        provider._data_config = storage.config
        provider._execution_metadata = None
        provider._storage = storage
        raw = str(raw_output_prefix)
        provider._raw_output_prefix = raw if raw.endswith("/") else raw + "/"
        provider._local_fs = None
        return provider

    # ---- properties ---------------------------------------------------------------------------------
    @property
    def raw_output_prefix(self) -> str:
        return self._raw_output_prefix

    @property
    def data_config(self) -> Any:
        return self._data_config

    @property
    def raw_output_fs(self) -> Any:
        """The filesystem of the raw output prefix."""
        return self.get_filesystem(_protocol(self._raw_output_prefix))

    @property
    def local_sandbox_dir(self) -> os.PathLike[str]:
        """This provider's private local directory (``<local_sandbox_dir>/local_flytekit``)."""
        return self._local_sandbox_dir

    @property
    def local_access(self) -> Any:
        if self._local_fs is None:
            self._local_fs = self.get_filesystem("file")
        return self._local_fs

    # ---- filesystems --------------------------------------------------------------------------------
    def get_filesystem(
        self,
        protocol: str | None = None,
        anonymous: bool = False,
        path: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """The fsspec filesystem for ``protocol`` (the raw output prefix's when None), configured like the
        storage edge; ``file`` is a local filesystem that creates parent directories."""
        if not protocol:
            return self.raw_output_fs
        if protocol == "file":
            from fsspec.implementations.local import LocalFileSystem

            kwargs["auto_mkdir"] = True
            return LocalFileSystem(**kwargs)
        return self._storage.filesystem(protocol, anonymous, **kwargs)

    def get_filesystem_for_path(self, path: str = "", anonymous: bool = False, **kwargs: Any) -> Any:
        return self.get_filesystem(_protocol(path), anonymous=anonymous, path=path, **kwargs)

    async def get_async_filesystem_for_path(
        self, path: str = "", anonymous: bool = False, **kwargs: Any
    ) -> Any:
        protocol = _protocol(path)
        if protocol == "file":
            return self.get_filesystem(protocol, anonymous=anonymous, path=path, **kwargs)
        loop = asyncio.get_running_loop()
        return self.get_filesystem(
            protocol, anonymous=anonymous, path=path, asynchronous=True, loop=loop, **kwargs
        )

    # ---- pure path helpers --------------------------------------------------------------------------
    @staticmethod
    def is_remote(path: str | os.PathLike[str]) -> bool:
        """Deprecated in flytekit: anything with a scheme other than ``file``."""
        return paths.is_remote(str(path))

    @staticmethod
    def strip_file_header(path: str, trim_trailing_sep: bool = False) -> str:
        """Drops the first ``file://`` (flytekit ignores ``trim_trailing_sep`` too)."""
        if path.startswith("file://"):
            return path.replace("file://", "", 1)
        return path

    @staticmethod
    def recursive_paths(f: str, t: str) -> tuple[str, str]:
        """Both paths with a trailing separator; a local ``f`` only when it is an existing directory."""
        if _protocol(f) == "file":
            if os.path.isdir(FileAccessProvider.strip_file_header(f)):
                f = os.path.join(f, "")
        else:
            f = os.path.join(f, "")
        return f, os.path.join(t, "")

    def sep(self, file_system: Any | None) -> str:
        if file_system is None:
            return os.sep
        protocol = file_system.protocol
        if protocol == "file" or (isinstance(protocol, (tuple, list)) and "file" in protocol):
            return os.sep
        return str(file_system.sep)

    @staticmethod
    def get_random_string() -> str:
        return uuid.uuid4().hex

    @staticmethod
    def get_file_tail(file_path_or_file_name: str) -> str:
        return os.path.split(file_path_or_file_name)[1]

    def join(self, *args: str, unstrip: bool = False, fs: Any | None = None) -> str:
        """``args`` joined with the filesystem's separator (one trailing separator of the first dropped)."""
        if len(args) == 0:
            raise ValueError("Must provide at least one argument")
        sep = "/" if fs is None else str(fs.sep)
        base, tails = args[0], list(args[1:])
        if base.endswith(sep):
            base = base[:-1]
        joined = sep.join([base, *tails])
        if unstrip:
            joined = str((fs or self.raw_output_fs).unstrip_protocol(joined))
        return joined

    def generate_new_custom_path(
        self, fs: Any | None = None, alt: str | None = None, stem: str | None = None
    ) -> str:
        """``<raw output prefix>/<stem or random>``; ``alt`` replaces the bucket (the third ``/`` part)."""
        sep = "/" if fs is None else str(fs.sep)
        parts = self.raw_output_prefix.split(sep)[:-1]
        if alt:
            parts[2] = alt
        parts.append(stem if stem else self.get_random_string())
        return sep.join(parts)

    def get_random_local_path(self, file_path_or_file_name: str | None = None) -> str:
        """A new path in the local sandbox, keeping the leaf name of ``file_path_or_file_name`` if given."""
        key = self.get_random_string()
        tail = os.path.split(file_path_or_file_name)[1] if file_path_or_file_name else ""
        if tail:
            return os.path.join(self._local_sandbox_dir, key, tail)
        return os.path.join(self._local_sandbox_dir, key)

    def get_random_local_directory(self) -> str:
        directory = self.get_random_local_path(None)
        pathlib.Path(directory).mkdir(parents=True, exist_ok=True)
        return directory

    def get_random_remote_path(self, file_path_or_file_name: str | None = None) -> str:
        if file_path_or_file_name:
            return self.join(
                self.raw_output_prefix, self.get_random_string(), self.get_file_tail(file_path_or_file_name)
            )
        return self.join(self.raw_output_prefix, self.get_random_string())

    def get_random_remote_directory(self) -> str:
        return self.join(self.raw_output_prefix, self.get_random_string())

    # ---- data ---------------------------------------------------------------------------------------
    def exists(self, path: str) -> bool:
        return bool(self._storage.exists(path))

    def _get_sync(self, from_path: str, to_path: str, recursive: bool) -> str:
        local = self.strip_file_header(to_path)
        if recursive:
            os.makedirs(local, exist_ok=True)
            self._storage.get_dir(from_path, local)
        else:
            self._storage.get_file(from_path, local)
        return to_path

    async def get(self, from_path: str, to_path: str, recursive: bool = False, **kwargs: Any) -> str:
        """Copy ``from_path`` to the local ``to_path`` (a directory's contents when ``recursive``)."""
        from flyte_entrypoint.core.exceptions import FlyteDataNotFoundException
        from flyte_entrypoint.shell.storage import DataNotFound

        try:
            return await asyncio.to_thread(self._get_sync, from_path, to_path, recursive)
        except DataNotFound as exc:
            raise FlyteDataNotFoundException(from_path) from exc

    def get_data(self, remote_path: str, local_path: str, is_multipart: bool = False, **kwargs: Any) -> Any:
        from flyte_entrypoint.core.exceptions import FlyteDataNotFoundException, FlyteDownloadDataException
        from flyte_entrypoint.shell.storage import DataNotFound

        try:
            pathlib.Path(self.strip_file_header(local_path)).parent.mkdir(parents=True, exist_ok=True)
            return self._get_sync(remote_path, local_path, is_multipart)
        except DataNotFound as exc:
            raise FlyteDataNotFoundException(remote_path) from exc
        except Exception as ex:
            raise FlyteDownloadDataException(
                f"Failed to get data from {remote_path} to {local_path} (recursive={is_multipart}).\n\n"
                f"Original exception: {ex}"
            ) from ex

    async def async_get_data(
        self, remote_path: str, local_path: str, is_multipart: bool = False, **kwargs: Any
    ) -> Any:
        return await asyncio.to_thread(self.get_data, remote_path, local_path, is_multipart, **kwargs)

    def _put(self, from_path: str, to_path: str, recursive: bool = False) -> str:
        from flyte_entrypoint.core.exceptions import FlyteAssertion

        source = self.strip_file_header(from_path)
        if recursive:
            if not os.path.isdir(source):
                raise FlyteAssertion(f"Source path {source} is not a directory")
            self._storage.put_dir(source, to_path)
        else:
            self._storage.put_file(source, to_path)
        return to_path

    def put_data(
        self, local_path: str | os.PathLike[str], remote_path: str, is_multipart: bool = False, **kwargs: Any
    ) -> str:
        """Upload a file (or a directory's contents with ``is_multipart``) to ``remote_path``; returns it."""
        from flyte_entrypoint.core.exceptions import FlyteUploadDataException

        local = str(local_path)
        try:
            self._put(local, remote_path, recursive=is_multipart)
            return remote_path
        except Exception as ex:
            raise FlyteUploadDataException(
                f"Failed to put data from {local} to {remote_path} (recursive={is_multipart}).\n\n"
                f"Original exception: {ex}"
            ) from ex

    async def async_put_data(
        self, local_path: str | os.PathLike[str], remote_path: str, is_multipart: bool = False, **kwargs: Any
    ) -> str:
        return await asyncio.to_thread(self.put_data, local_path, remote_path, is_multipart, **kwargs)

    def put_raw_data(
        self,
        lpath: Any,
        upload_prefix: str | None = None,
        file_name: str | None = None,
        read_chunk_size_bytes: int = 1024,
        encoding: str = "utf-8",
        skip_raw_data_prefix: bool = False,
        **kwargs: Any,
    ) -> str:
        """Write ``lpath`` under the raw output prefix (see the module docstring); returns the path written."""
        from flyte_entrypoint.core.exceptions import FlyteAssertion

        upload_prefix = self.get_random_string() if upload_prefix is None else upload_prefix
        to_path = (
            self.join(self.raw_output_prefix, upload_prefix) if not skip_raw_data_prefix else upload_prefix
        )
        is_path = isinstance(lpath, (str, os.PathLike))
        if file_name:
            to_path = self.join(to_path, file_name)
        elif is_path:
            to_path = self.join(to_path, self.get_file_tail(str(lpath)))
        else:
            to_path = self.join(to_path, self.get_random_string())
        if is_path:
            p = pathlib.Path(lpath)
            if not p.exists():
                raise FlyteAssertion(f"File {lpath} does not exist")
            if p.is_symlink():
                raise FlyteAssertion(f"File {lpath} is a symlink, can't upload")
            return self._put(str(lpath), to_path, recursive=p.is_dir())
        if isinstance(lpath, bytes):
            self._storage.put_bytes(to_path, lpath)
            return to_path
        if isinstance(lpath, (io.BufferedReader, io.BytesIO, io.StringIO)):
            if not lpath.readable():
                raise FlyteAssertion("Buffered reader must be readable")
            lpath.seek(0)
            chunks: list[bytes] = []
            while data := lpath.read(read_chunk_size_bytes):
                chunks.append(data.encode(encoding) if isinstance(data, str) else data)
            self._storage.put_bytes(to_path, b"".join(chunks))
            return to_path
        raise FlyteAssertion(f"Unsupported lpath type {type(lpath)}")

    async def async_put_raw_data(
        self,
        lpath: Any,
        upload_prefix: str | None = None,
        file_name: str | None = None,
        read_chunk_size_bytes: int = 1024,
        encoding: str = "utf-8",
        skip_raw_data_prefix: bool = False,
        **kwargs: Any,
    ) -> str:
        return await asyncio.to_thread(
            self.put_raw_data,
            lpath,
            upload_prefix,
            file_name,
            read_chunk_size_bytes,
            encoding,
            skip_raw_data_prefix,
            **kwargs,
        )

    def download_directory(self, remote_path: str, local_path: str, **kwargs: Any) -> Any:
        """Downloads the directory ``remote_path`` into ``local_path``."""
        return self.get_data(remote_path, local_path, is_multipart=True)

    def download(self, remote_path: str, local_path: str, **kwargs: Any) -> Any:
        """Downloads the file ``remote_path`` to ``local_path``."""
        return self.get_data(remote_path, local_path, **kwargs)

    def upload(self, file_path: str, to_path: str, **kwargs: Any) -> Any:
        return self.put_data(file_path, to_path, **kwargs)

    def upload_directory(self, local_path: str, remote_path: str, **kwargs: Any) -> Any:
        return self.put_data(local_path, remote_path, is_multipart=True, **kwargs)
