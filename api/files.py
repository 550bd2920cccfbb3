"""``FlyteFile`` and ``FlyteDirectory``: path-like handles on blobs, downloaded lazily.

The classes are plain data plus one dependency, the run's **data access** (:class:`DataAccess`):

* The type engine (``core/type_engine/blob.py``, pure) creates the instances a task receives, without importing
  this module (the annotation is the class it builds). An input blob becomes an instance whose ``remote_source``
  is the blob's URI and whose local path is a deterministic path under the run's sandbox directory; nothing is
  fetched then.
* The first ``__fspath__`` / ``download()`` / ``open()`` *by the task's code* fetches the data through
  :func:`data_access`. The shell installs the run's accessor (``flyte_entrypoint.shell.blob_io``, built on the
  run's ``Storage``) with :func:`install_data_access` before the task runs. If none is installed (task functions
  called from a plain script or a test), a default one configured from the process environment is built on first
  use: this module imports the shell then (an ordinary import: the api sits above the shell).
* Uploading is not done here at all: returning a file from a task makes the type engine *plan* an upload, which
  the shell carries out before ``outputs.pb`` is written.

Differences from flytekit 1.16 (deliberate):

* ``open(mode)`` returns the file object itself (usable in a ``with`` block as with flytekit's context manager,
  and also without one). Reading a remote file downloads it once to the local path and opens that copy, so
  repeated opens do not hit the store again; writing to a remote file streams to the store. A local file with a
  ``remote_path`` is opened locally (flytekit opens the remote destination).
* ``FlyteDirectory("s3://...")`` built by user code downloads lazily like a ``FlyteFile`` (flytekit returns the
  URI unchanged from ``__fspath__``); its output literal is the same (the URI, no upload).
* ``FlyteDirectory / "name"`` downloads the directory first, so the returned path exists.
* ``FlyteFile[...]`` / ``FlyteDirectory[...]`` return the same class for the same format each time.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterator
from typing import IO, Any, ClassVar, Protocol, TypeVar

from flyte_entrypoint.core import paths

__all__ = [
    "BlobDownloadError",
    "DataAccess",
    "FileExt",
    "FlyteDirectory",
    "FlyteFile",
    "data_access",
    "install_data_access",
]

T = TypeVar("T")

_WRITE_MODE_CHARS = frozenset("wax+")


# ---------------------------------------------------------------------------------------------------------
# The hook
# ---------------------------------------------------------------------------------------------------------


class DataAccess(Protocol):
    """What the user-facing handles need from the outside world when the task's code opens them.

    The type engine never uses it (it plans its reads and uploads as commands, see
    ``core/type_engine/engine.py``); the shell provides the implementation (``shell/blob_io.StorageDataAccess``).
    """

    def download(self, uri: str, local_path: str, is_directory: bool) -> str:
        """Fetch ``uri`` (a file, or a directory's contents) to ``local_path``; raise ``BlobDownloadError``.

        Returns the local path actually used: ``local_path``, unless it already holds other data (then a fresh
        path), so two handles can never share a download location."""
        ...

    def open_remote(self, uri: str, mode: str) -> IO[Any]:
        """A streaming file object on a remote ``uri`` (used to write remote files)."""
        ...

    def new_local_path(self, name: str = "") -> str:
        """A fresh local path ``<sandbox>/<random>/<name>`` (``<sandbox>/<random>`` without a name)."""
        ...

    def new_remote_path(self, name: str = "") -> str:
        """A fresh remote path ``<raw output prefix>/<random>/<name>`` (without ``/<name>`` when empty)."""
        ...

    def random_name(self) -> str:
        """A random 32-hex name."""
        ...

    def list_files(self, uri: str) -> list[str]:
        """Every file below ``uri`` (local or remote), recursively, as full paths/URIs."""
        ...

    def make_parent_dirs(self, local_path: str) -> None:
        """Create the local directories above ``local_path`` (a local file about to be written)."""
        ...


class FileExt:
    """A file extension with dots in it, for ``FlyteFile[Annotated[str, FileExt("tar.gz")]]`` (as flytekit)."""

    def __init__(self, ext: str) -> None:
        self._ext = ext

    def __str__(self) -> str:
        return self._ext

    def __repr__(self) -> str:
        return self._ext


class BlobDownloadError(FileNotFoundError):
    """A blob a task opened could not be fetched (for example, its URI does not exist). Names the URI.

    ``error_code`` is the class code of the exception flytekit raises for the same failure, so the error
    document of a task that lets it escape has flytekit's code: ``USER:ValueError``
    (``FlyteDataNotFoundException``) for a blob that does not exist, else ``SYSTEM:DownloadDataError``.
    """

    def __init__(
        self, uri: str, local_path: str, reason: str, error_code: str = "SYSTEM:DownloadDataError"
    ) -> None:
        super().__init__(f"Could not download {uri} to {local_path}: {reason}")
        self.uri = uri
        self.local_path = local_path
        self.reason = reason
        self.error_code = error_code

    def __str__(self) -> str:
        return str(self.args[0])


_ACCESS: DataAccess | None = None


def install_data_access(access: DataAccess | None) -> DataAccess | None:
    """Make ``access`` the accessor every FlyteFile/FlyteDirectory/FlyteSchema/StructuredDataset opened by task code
    uses (``None`` uninstalls); returns the old one. The shell calls it for each run."""
    global _ACCESS
    previous = _ACCESS
    _ACCESS = access
    return previous


def data_access() -> DataAccess:
    """The run's accessor; without one, a default built from the process environment (created once)."""
    global _ACCESS
    if _ACCESS is None:
        from flyte_entrypoint.shell import blob_io  # only when a handle's data is touched outside a run

        _ACCESS = blob_io.default_access()
    return _ACCESS


# ---------------------------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------------------------


def _as_str(path: Any) -> str:
    """A str for a str or an ``os.PathLike`` (``pathlib.Path``...)."""
    if isinstance(path, str):
        return path
    fspath = getattr(type(path), "__fspath__", None)
    if fspath is None:
        raise TypeError(f"expected a str or an os.PathLike path, got {type(path).__name__}: {path!r}")
    out = fspath(path)
    if isinstance(out, bytes):
        out = out.decode()
    if not isinstance(out, str):
        raise TypeError(f"__fspath__ of {type(path).__name__} returned {type(out).__name__}, not str")
    return out


def _format_of(item: Any) -> str:
    """flytekit's format spelling: ``"csv"``, ``TypeVar("csv")`` (str ``~csv``), ``".csv"`` all give ``csv``;
    ``Annotated[str, FileExt("csv")]`` gives the extension's text."""
    if typing.get_origin(item) is typing.Annotated:
        args = typing.get_args(item)
        if args[0] is not str:
            raise ValueError("Underlying type of File Extension must be of type <str>")
        text = str(args[1])
    else:
        text = str(item)
    return text.strip().lstrip("~").lstrip(".")


def _is_write_mode(mode: str) -> bool:
    return any(c in _WRITE_MODE_CHARS for c in mode)


# ---------------------------------------------------------------------------------------------------------
# FlyteFile
# ---------------------------------------------------------------------------------------------------------


class FlyteFile(typing.Generic[T]):
    """A file, local or in blob storage. ``FlyteFile["csv"]`` declares the blob format ``csv``.

    * As a task **input**: ``remote_source`` is the blob URI, ``path`` a local path that exists once the file is
      downloaded, which happens on the first ``open()``, ``download()`` or ``os.fspath()``.
    * As a task **output**: a local file is uploaded to ``<raw output prefix>/<random>/<file name>`` (or to
      ``remote_path`` if given; ``remote_path=False`` means no upload and the local path becomes the URI), a
      remote URI is passed on unchanged, and a file that came in as an input keeps its original URI.
    """

    _format: ClassVar[str] = ""
    _variants: ClassVar[dict[tuple[type[Any], str], type[Any]]] = {}

    def __init__(
        self,
        path: Any,
        downloader: Callable[[], Any] | None = None,
        remote_path: Any = None,
        metadata: dict[str, str] | None = None,
    ) -> None:
        self.path: Any = path
        self.metadata = metadata
        self._downloader = downloader
        self._downloaded = False
        self._remote_path: Any = remote_path
        self._remote_source: str | None = None
        text = _as_str(path)
        self._local_path: str | None = text
        if paths.is_remote(text):
            self._remote_source = text
            self._local_path = None  # chosen when it is downloaded
            self._downloader = None  # as flytekit: a remote path always downloads through the hook

    # ---- construction helpers ------------------------------------------------------------------------------
    @classmethod
    def _from_remote(
        cls, uri: str, local_path: str, metadata: dict[str, str] | None = None
    ) -> FlyteFile[Any]:
        """An input: data at ``uri``, fetched to ``local_path`` on first use (used by the type engine)."""
        ff = cls(local_path, metadata=metadata)
        ff._remote_source = uri
        ff._local_path = local_path
        return ff

    @classmethod
    def extension(cls) -> str:
        return cls._format

    def __class_getitem__(cls, item: Any) -> Any:
        return _variant(cls, FlyteFile, item)

    @classmethod
    def new_remote_file(cls, name: str | None = None, alt: str | None = None) -> FlyteFile[Any]:
        """A new file in the raw output prefix, to be written with ``open("w")``/``open("wb")``.

        The path is flytekit's: ``<raw output prefix>/<name>`` (``<random>`` without a name), with the bucket
        replaced by ``alt`` when given. On a local raw output prefix the parent folders are created when the file
        is opened for writing.
        """
        return cls(_custom_remote_path(name, alt))

    @classmethod
    def from_source(cls, source: Any) -> FlyteFile[Any]:
        """A file whose data is at ``source`` (a URI), downloaded on first use."""
        text = _as_str(source)
        if paths.is_remote(text):
            return cls._from_remote(text, data_access().new_local_path(paths.basename(text)))
        return cls(text)

    # ---- properties --------------------------------------------------------------------------------------
    @property
    def downloaded(self) -> bool:
        return self._downloaded

    @property
    def remote_path(self) -> Any:
        return self._remote_path

    @property
    def remote_source(self) -> str | None:
        """The blob URI this file was created from (task inputs, remote paths), else None."""
        return self._remote_source

    # ---- data access -------------------------------------------------------------------------------------
    def _ensure_local(self) -> str:
        return _fetch(self, is_directory=False)

    def __fspath__(self) -> str:
        return self._ensure_local()

    def download(self) -> str:
        """Fetch the data (once) and return the local path."""
        return self._ensure_local()

    def open(self, mode: str = "r", cache_type: str | None = None, cache_options: Any = None) -> IO[Any]:
        """Open the file. Reading a remote file downloads it first; writing to a remote file streams to it."""
        del cache_type, cache_options
        if _is_write_mode(mode):
            if self._remote_source is not None and self._downloader is None:
                return data_access().open_remote(self._remote_source, mode)
            if self._remote_source is None:
                # a local file about to be written (new_remote_file / new_file on a local raw output prefix):
                # its folder may not exist yet
                local = paths.strip_file_scheme(self._ensure_local())
                data_access().make_parent_dirs(local)
                return open(local, mode)
        return open(paths.strip_file_scheme(self._ensure_local()), mode)

    # ---- pydantic: how a field of this type inside a BaseModel is validated, serialized and described ----------
    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from flyte_entrypoint.core.type_engine import pydantic_model

        return pydantic_model.leaf_core_schema(cls)

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> Any:
        from flyte_entrypoint.core.type_engine import pydantic_model

        return pydantic_model.leaf_json_schema(cls)

    # ---- dunders -----------------------------------------------------------------------------------------
    def __reduce__(self) -> tuple[Any, ...]:
        """Picklable even for the ``FlyteFile[fmt]`` classes, which are made on the fly."""
        return _reduce(self, FlyteFile)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FlyteFile):
            return (
                self.path == other.path
                and self._remote_path == other._remote_path
                and self.extension() == other.extension()
            )
        return bool(self.path == other)

    def __hash__(self) -> int:
        return hash(str(self.path))

    def __repr__(self) -> str:
        return str(self.path)

    def __str__(self) -> str:
        return str(self.path)


# ---------------------------------------------------------------------------------------------------------
# FlyteDirectory
# ---------------------------------------------------------------------------------------------------------


class FlyteDirectory(typing.Generic[T]):
    """A directory, local or in blob storage (a multipart blob). ``FlyteDirectory["parquet"]`` sets the format.

    * As a task **input**: ``remote_source`` is the URI; the contents are fetched into ``path`` on first use.
    * As a task **output**: a local directory's *contents* are uploaded to ``<raw output prefix>/<random>`` (or to
      ``remote_directory``; ``remote_directory=False`` means no upload), a remote URI is passed on unchanged, and
      a directory that came in as an input keeps its original URI.
    """

    _format: ClassVar[str] = ""
    _variants: ClassVar[dict[tuple[type[Any], str], type[Any]]] = {}

    def __init__(
        self,
        path: Any,
        downloader: Callable[[], Any] | None = None,
        remote_directory: Any = None,
    ) -> None:
        self.path: Any = path
        self._downloader = downloader
        self._downloaded = False
        self._remote_directory: Any = remote_directory
        self._remote_source: str | None = None
        text = _as_str(path)
        self._local_path: str | None = text
        if paths.is_remote(text) and downloader is None:
            self._remote_source = text
            self._local_path = None

    @classmethod
    def _from_remote(cls, uri: str, local_path: str) -> FlyteDirectory[Any]:
        fd = cls(local_path)
        fd._remote_source = uri
        fd._local_path = local_path
        return fd

    @classmethod
    def extension(cls) -> str:
        return cls._format

    def __class_getitem__(cls, item: Any) -> Any:
        return _variant(cls, FlyteDirectory, item)

    @classmethod
    def new_remote(cls, stem: str | None = None, alt: str | None = None) -> FlyteDirectory[Any]:
        """A new directory in the raw output prefix: ``<prefix>/<random>``, or ``<prefix>/<stem>`` (as flytekit)."""
        if stem and "." in paths.basename(stem):
            raise ValueError("Stem should not have a file extension.")
        return cls(_custom_remote_path(stem, alt))

    @classmethod
    def from_source(cls, source: Any) -> FlyteDirectory[Any]:
        text = _as_str(source)
        if paths.is_remote(text):
            return cls._from_remote(text, data_access().new_local_path())
        return cls(text)

    @property
    def downloaded(self) -> bool:
        return self._downloaded

    @property
    def remote_directory(self) -> Any:
        return self._remote_directory

    @property
    def remote_source(self) -> str | None:
        return self._remote_source

    @property
    def sep(self) -> str:
        return "/"

    def _ensure_local(self) -> str:
        return _fetch(self, is_directory=True)

    def __fspath__(self) -> str:
        return self._ensure_local()

    def download(self) -> str:
        return self._ensure_local()

    def new_file(self, name: str | None = None) -> FlyteFile[Any]:
        """A FlyteFile for ``name`` (random if not given) inside this directory; nothing is created."""
        return FlyteFile(paths.join(_as_str(self.path), name or data_access().random_name()))

    def new_dir(self, name: str | None = None) -> FlyteDirectory[Any]:
        return FlyteDirectory(paths.join(_as_str(self.path), name or data_access().random_name()))

    def crawl(self, maxdepth: int | None = None, topdown: bool = True) -> Iterator[tuple[str, str]]:
        """``(base, relative path)`` of every file below the directory, without downloading anything."""
        del topdown
        base = self._remote_source or _as_str(self.path)
        for full in data_access().list_files(base):
            rel = paths.relative_key(paths.strip_file_scheme(base), paths.strip_file_scheme(full))
            if rel is None:
                continue
            if maxdepth is not None and rel.count("/") >= maxdepth:
                continue
            yield base, rel

    @classmethod
    def listdir(cls, directory: FlyteDirectory[Any]) -> list[FlyteFile[Any] | FlyteDirectory[Any]]:
        """The files and sub-directories directly inside ``directory``, as lazy handles (nothing downloaded)."""
        base = directory._remote_source or _as_str(directory.path)
        out: list[FlyteFile[Any] | FlyteDirectory[Any]] = []
        seen_dirs: set[str] = set()
        for _, rel in directory.crawl():
            head, _, rest = rel.partition("/")
            full = paths.join(base, head)
            if rest:
                if head not in seen_dirs:
                    seen_dirs.add(head)
                    out.append(FlyteDirectory(full))
            else:
                out.append(FlyteFile(full))
        return out

    # ---- pydantic: how a field of this type inside a BaseModel is validated, serialized and described ----------
    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from flyte_entrypoint.core.type_engine import pydantic_model

        return pydantic_model.leaf_core_schema(cls)

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> Any:
        from flyte_entrypoint.core.type_engine import pydantic_model

        return pydantic_model.leaf_json_schema(cls)

    def __truediv__(self, other: Any) -> Any:
        import pathlib

        return pathlib.Path(self._ensure_local()) / other

    def __reduce__(self) -> tuple[Any, ...]:
        return _reduce(self, FlyteDirectory)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FlyteDirectory):
            return (
                self.path == other.path
                and self._remote_directory == other._remote_directory
                and self.extension() == other.extension()
            )
        return bool(self.path == other)

    def __hash__(self) -> int:
        return hash(str(self.path))

    def __repr__(self) -> str:
        return str(self.path)

    def __str__(self) -> str:
        return str(self.path)


def _custom_remote_path(stem: str | None, alt: str | None) -> str:
    """flytekit's ``generate_new_custom_path``: ``<raw output prefix>/<stem or random>``, bucket replaced by ``alt``."""
    access = data_access()
    fresh = access.new_remote_path()  # <raw output prefix>/<random>
    prefix, _, random_part = fresh.rstrip("/").rpartition("/")
    if alt and paths.is_remote(prefix):  # a bucket to replace (flytekit mangles local paths here)
        scheme, rest = paths.split_scheme(prefix)
        if scheme is not None:
            _, sep, tail = rest.partition("/")
            prefix = f"{scheme}://{alt}{sep}{tail}"
    return f"{prefix}/{stem}" if stem else f"{prefix}/{random_part}"


def _base_class(cls: type[Any], root: type[Any]) -> type[Any]:
    """The class a format variant derives from (``FlyteFile["csv"]["x"]`` formats the plain class)."""
    while cls is not root and cls.__dict__.get("__origin__") is not None:
        cls = cls.__dict__["__origin__"]
    return cls


def _variant(cls: type[Any], root: type[FlyteFile[Any]] | type[FlyteDirectory[Any]], item: Any) -> Any:
    """``cls[item]``: the variant of ``cls`` for the format ``item``, made once per base class and format."""
    if item is None:
        return cls
    fmt = _format_of(item)
    if fmt == "":
        return cls
    base = _base_class(cls, root)
    key = (base, fmt)
    variants = root._variants
    found = variants.get(key)
    if found is None:
        found = type(f"{base.__name__}[{fmt}]", (base,), {"_format": fmt, "__origin__": base})
        found.__module__ = base.__module__
        variants[key] = found
    return found


def _fetch(handle: FlyteFile[Any] | FlyteDirectory[Any], is_directory: bool) -> str:
    """``handle``'s local path, after fetching its data once (through its downloader, else the hook)."""
    if not handle._downloaded:
        if handle._downloader is not None:
            handle._downloader()
        elif handle._remote_source is not None:
            access = data_access()
            if handle._local_path is None:
                if is_directory:
                    handle._local_path = access.new_local_path()
                else:
                    handle._local_path = access.new_local_path(paths.basename(handle._remote_source))
            handle._local_path = access.download(handle._remote_source, handle._local_path, is_directory)
        handle._downloaded = True
    assert handle._local_path is not None
    return handle._local_path


def _reduce(handle: FlyteFile[Any] | FlyteDirectory[Any], root: type[Any]) -> tuple[Any, ...]:
    """``__reduce__`` for a FlyteFile/FlyteDirectory: restored through the plain class and the format."""
    base = _base_class(type(handle), root)
    return (_restore, (base, type(handle).extension(), dict(handle.__dict__)))


def _restore(base: type[Any], fmt: str, state: dict[str, Any]) -> Any:
    """Unpickle a FlyteFile/FlyteDirectory (of format ``fmt``) without calling ``__init__``."""
    cls: Any = base[fmt] if fmt else base
    obj = object.__new__(cls)
    obj.__dict__.update(state)
    return obj
