"""The ``ctx`` StructuredDataset handlers receive: ``ctx.file_access``, over the run's data access.

The type engine (``core/type_engine/structured.py``) encodes and decodes with the built-in handlers in memory and
plans the bytes' uploads and reads (the shell carries them out with the other conversion I/O). What is left for
this module is the I/O a *handler* does when it is called with a ``ctx``: an encoder or decoder user code
registered (called by the type engine with the ``handler_context`` the shell supplies), and the lazy
``StructuredDataset.open(...).all()`` the task's code calls at run time.
"""

from __future__ import annotations

import os
from typing import Any

from flyte_entrypoint.core import paths
from flyte_entrypoint.files import BlobDownloadError, data_access

__all__ = ["FileAccess", "HandlerContext", "handler_context"]


def _storage() -> Any:
    return data_access().storage  # type: ignore[attr-defined]


# ---- the ctx handlers receive ----------------------------------------------------------------------------


class FileAccess:
    """The part of flytekit's ``FileAccessProvider`` that StructuredDataset handlers use, over the run's data access,
    plus the two byte-level reads and one write the built-in handlers' ``encode``/``decode`` use."""

    @property
    def raw_output_prefix(self) -> str:
        prefix = str(getattr(data_access(), "raw_output_prefix", ""))
        return prefix if prefix.endswith("/") else prefix + "/"

    def get_random_string(self) -> str:
        return data_access().random_name()

    def join(self, *parts: str) -> str:
        first, *rest = parts
        return paths.join(first, *rest)

    def is_remote(self, path: str) -> bool:
        return paths.is_remote(str(path))

    def get_random_remote_directory(self) -> str:
        return data_access().new_remote_path()

    def get_random_remote_path(self, file_path_or_file_name: str | None = None) -> str:
        return data_access().new_remote_path(paths.basename(file_path_or_file_name or ""))

    def get_random_local_path(self, file_path_or_file_name: str | None = None) -> str:
        return data_access().new_local_path(os.path.basename(file_path_or_file_name or ""))

    def get_random_local_directory(self) -> str:
        path = data_access().new_local_path()
        os.makedirs(path, exist_ok=True)
        return path

    def get_data(self, remote_path: str, local_path: str, is_multipart: bool = False, **_: Any) -> str:
        """Fetch into exactly ``local_path`` (handlers read it right after), like flytekit's ``get_data``."""
        storage = _storage()
        if is_multipart:
            os.makedirs(local_path, exist_ok=True)
            storage.get_dir(remote_path, local_path)
        else:
            os.makedirs(os.path.dirname(local_path) or ".", exist_ok=True)
            storage.get_file(remote_path, local_path)
        return local_path

    def put_data(self, local_path: str, remote_path: str, is_multipart: bool = False, **_: Any) -> str:
        storage = _storage()
        local_path = paths.strip_file_scheme(str(local_path))
        if is_multipart:
            storage.put_dir(local_path, remote_path)
        else:
            storage.put_file(local_path, remote_path)
        return remote_path

    def download_directory(self, remote_path: str, local_path: str, **_: Any) -> str:
        return self.get_data(remote_path, local_path, is_multipart=True)

    def download(self, remote_path: str, local_path: str, **_: Any) -> str:
        return self.get_data(remote_path, local_path, is_multipart=False)

    def upload(self, file_path: str, to_path: str, **_: Any) -> str:
        return self.put_data(file_path, to_path, is_multipart=False)

    def upload_directory(self, local_path: str, remote_path: str, **_: Any) -> str:
        return self.put_data(local_path, remote_path, is_multipart=True)

    def put_bytes(self, uri: str, data: bytes) -> None:
        """Write ``data`` at ``uri`` (a built-in encoder called by user code)."""
        _storage().put_bytes(uri, data)

    def get_bytes(self, uri: str) -> bytes:
        """The bytes at ``uri`` (the built-in csv decoder)."""
        data: bytes = _storage().get_bytes(uri)
        return data

    def get_dataset_files(self, uri: str) -> dict[str, bytes]:
        """Every file under ``uri`` (relative name -> bytes; ``""`` when ``uri`` is one file): the parquet decoders."""
        from flyte_entrypoint.core.type_engine.engine import BlobRead
        from flyte_entrypoint.shell.blob_io import fetch_blobs

        read = BlobRead(uri, is_directory=True)
        files = fetch_blobs(_storage(), [read])[read]
        if files is None:
            raise BlobDownloadError(uri, "", "it does not exist", error_code="USER:ValueError")
        return dict(files)

    def get_file_tail(self, file_path_or_file_name: str) -> str:
        return os.path.basename(str(file_path_or_file_name).rstrip("/"))

    def local_copy(self, uri: str, is_multipart: bool) -> str:
        """``uri`` as a local path: itself when local, else a download (a folder when ``is_multipart``)."""
        if paths.is_local(uri):
            return paths.strip_file_scheme(uri)
        access = data_access()
        if is_multipart:
            return access.download(uri, access.new_local_path(), True)
        return access.download(uri, access.new_local_path(paths.basename(uri) or "data"), False)


class HandlerContext:
    """``ctx`` for handlers: ``ctx.file_access`` (flytekit's handlers only use that)."""

    def __init__(self) -> None:
        self.file_access = FileAccess()


_CONTEXT = HandlerContext()


def handler_context() -> HandlerContext:
    return _CONTEXT
