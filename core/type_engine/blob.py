"""``FlyteFile`` / ``FlyteDirectory`` / ``os.PathLike`` <-> blob literals (PROTOCOL 10.8), as flytekit 1.16.

Pure: nothing is read, written or checked on disk here.

* **Types.** ``FlyteFile[fmt]`` and ``os.PathLike`` -> ``blob { format: fmt }`` (SINGLE); ``FlyteDirectory[fmt]``
  -> ``blob { format: fmt dimensionality: MULTIPART }``. Union tags ``FlyteFilePath`` / ``FlyteDirectory``.
* **Outputs.** A local file is *planned* as an :class:`Upload` to ``<raw prefix>/<hex32>/<basename>`` (a directory:
  its contents to ``<raw prefix>/<hex32>``) and the literal already carries that URI; the shell uploads before it
  writes ``outputs.pb`` (a ``.gz`` file goes up with ``Content-Encoding: gzip``, which ``Storage.put_file`` does
  by default). A remote URI is kept verbatim; a file that came from an input keeps its source URI;
  ``remote_path=<uri>`` uploads to exactly that URI; ``remote_path=False`` means no upload and the local path is
  the URI; for a declared ``os.PathLike`` nothing is uploaded.
* **Inputs.** A blob becomes an instance of the declared class with ``remote_source=<uri>`` and a local path
  ``<sandbox>/<hex32>/<basename>`` (a directory: ``<sandbox>/<hex32>``); the data is fetched when the task's code
  first uses it, by the class itself (``flyte_entrypoint.files``, through the run's accessor). A local URI is
  used in place (no download). A ``binary`` msgpack or a ``generic`` Struct holding ``{"path": ...}`` (dataclass
  attribute access) is read too. The classes are recognised by name (``recognize.is_file_class``): the annotation
  is the class to build; for an ``os.PathLike`` input the ``FlyteFile`` class comes from
  ``ConversionContext.classes`` (the core does not import the api package).

**Existence of local sources.** flytekit checks that a local file/directory returned for an output exists while
it converts; the core cannot look at the disk, so the check moves to the upload step: the shell
(``shell/blob_io.perform_uploads``) verifies every planned source *before* uploading anything and raises
:class:`UploadSourceMissing` (message as flytekit's), which the run machine classifies like a conversion error
(SYSTEM, NON_RECOVERABLE). Likewise a *local* input URI that does not exist fails when the task opens it, not
during input conversion.

Laws (``property_tests/test_blob_laws.py``; flytekit's literal shapes and messages: ``tests/test_type_engine_blob.py``,
``tests/test_types_blob.py``):

* **Where outputs go**: a local file is planned to ``<raw>/<hex32>/<basename>``, a local directory to
  ``<raw>/<hex32>``; a remote URI passes through untouched, with no upload.
* **Identity for inputs returned**: an input returned as an output is the same literal (URI, format, metadata).
* **Inputs are lazy**: a remote input gets a local path under the sandbox and nothing is read.
* **Deterministic, distinct names**: names are a function of the seed; values converted together never share one.
* **Format spelling**: ``FlyteFile["csv"]`` and ``FlyteFile[".csv"]`` are one class declaring the format ``csv``.
"""

from __future__ import annotations

from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from flyte_entrypoint.core import paths
from flyte_entrypoint.core.type_engine.engine import ConversionError, Engine, Sink, Upload
from flyte_entrypoint.core.type_engine.recognize import is_directory_class, is_file_class, is_instance

__all__ = [
    "DIRECTORY",
    "FILE",
    "DirectoryTransformer",
    "FileTransformer",
    "UploadSourceMissing",
    "blob_literal",
    "blob_literal_type",
    "is_pathlike_type",
]

SINGLE = types_pb2.BlobType.SINGLE
MULTIPART = types_pb2.BlobType.MULTIPART
MSGPACK_TAG = "msgpack"


class UploadSourceMissing(ValueError):
    """A local file/directory an output refers to does not exist (detected by the shell before uploading)."""

    def __init__(self, local_path: str, is_directory: bool) -> None:
        if is_directory:
            message = f"Expected a directory. {local_path} is not a directory"
        else:
            message = f"Error converting {local_path} because it's not a file."
        super().__init__(message)
        self.local_path = local_path
        self.is_directory = is_directory


# ---------------------------------------------------------------------------------------------------------
# Pure helpers
# ---------------------------------------------------------------------------------------------------------


def is_pathlike_type(tp: Any) -> bool:
    """``os.PathLike`` itself (recognised by name: this module may not import ``os``)."""
    return (
        isinstance(tp, type)
        and getattr(tp, "__module__", None) == "os"
        and getattr(tp, "__qualname__", None) == "PathLike"
    )


def blob_literal_type(fmt: str, multipart: bool) -> types_pb2.LiteralType:
    lt = types_pb2.LiteralType()
    lt.blob.format = fmt
    lt.blob.dimensionality = MULTIPART if multipart else SINGLE
    return lt


def blob_literal(uri: str, fmt: str, multipart: bool, metadata: dict[str, str] | None = None) -> literals_pb2.Literal:
    """``scalar { blob { metadata { type { ... } } uri } }`` (+ literal metadata)."""
    lit = literals_pb2.Literal()
    blob = lit.scalar.blob
    blob.metadata.type.format = fmt
    blob.metadata.type.dimensionality = MULTIPART if multipart else SINGLE
    blob.uri = uri
    if metadata:
        for k, v in metadata.items():
            lit.metadata[str(k)] = str(v)
    return lit


def _path_text(value: Any) -> str | None:
    """A str for a str / ``os.PathLike`` value (``pathlib.Path``...), else None."""
    if isinstance(value, str):
        return value
    fspath = getattr(type(value), "__fspath__", None)
    if fspath is None:
        return None
    out: Any = fspath(value)
    if isinstance(out, bytes):
        out = out.decode()
    return out if isinstance(out, str) else None


def _format_of(tp: Any) -> str:
    """The format of a ``FlyteFile``/``FlyteDirectory`` class (every one has ``extension()``)."""
    return str(tp.extension())


def _dict_from_idl(literal: literals_pb2.Literal) -> dict[str, Any] | None:
    """``{"path": ..., "metadata": ...}`` from a msgpack ``binary`` or a ``generic`` Struct, else None."""
    scalar = literal.scalar
    kind = scalar.WhichOneof("value") if literal.WhichOneof("value") == "scalar" else None
    if kind == "binary":
        if scalar.binary.tag != MSGPACK_TAG:
            raise ConversionError(f"Unsupported binary format: `{scalar.binary.tag}`")
        import msgpack

        try:
            decoded = msgpack.loads(scalar.binary.value, strict_map_key=False)
        except Exception as exc:
            raise ConversionError(f"cannot decode the msgpack value: {exc}") from None
        if not isinstance(decoded, dict):
            raise ConversionError(f"expected a msgpack map with a 'path', got {type(decoded).__name__}")
        return decoded
    if kind == "generic":
        from google.protobuf import json_format

        return dict(json_format.MessageToDict(scalar.generic))
    return None


def _path_of(as_dict: dict[str, Any], owner: str) -> str:
    """The ``path`` of a ``{"path": ...}`` map read for ``owner`` (``FlyteFile``/``FlyteDirectory``)."""
    path = as_dict.get("path")
    if not isinstance(path, str):
        raise ConversionError(f"{owner}'s path should not be None", kind="ValueError")
    return path


def _blob_of(literal: literals_pb2.Literal, tp: Any, dimensionality: int, noun: str) -> literals_pb2.Blob:
    """``literal``'s blob, which must have ``dimensionality`` (else it "is not a ``noun``")."""
    if literal.WhichOneof("value") != "scalar" or literal.scalar.WhichOneof("value") != "blob":
        raise ConversionError(f"Cannot convert from a {_kind(literal)} literal to {tp!r}: expected a blob")
    blob = literal.scalar.blob
    if blob.metadata.type.dimensionality != dimensionality:
        raise ConversionError(f"{blob.uri} is not a {noun}.")
    return blob


def file_class(sink: Sink) -> Any:
    """The ``FlyteFile`` class the caller supplied (``ConversionContext.classes``), for ``os.PathLike`` inputs."""
    cls = sink.context.classes.get("FlyteFile")
    if cls is None:
        raise ConversionError(
            "an os.PathLike input becomes a FlyteFile: ConversionContext.classes has no 'FlyteFile' class"
        )
    return cls


def _sandbox_path(sink: Sink, *parts: str) -> str:
    return paths.join(sink.context.local_sandbox, sink.unique_hex(), *[p for p in parts if p])


def _raw_path(sink: Sink, *parts: str) -> str:
    return paths.join(sink.context.raw_output_prefix, sink.unique_hex(), *[p for p in parts if p])


# ---------------------------------------------------------------------------------------------------------
# FlyteFile / os.PathLike
# ---------------------------------------------------------------------------------------------------------


class FileTransformer:
    """``FlyteFile`` (and its format variants and subclasses) and ``os.PathLike``: SINGLE blobs."""

    name = "FlyteFilePath"

    def handles(self, tp: Any) -> bool:
        return is_file_class(tp) or is_pathlike_type(tp)

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        return blob_literal_type("" if is_pathlike_type(tp) else _format_of(tp), multipart=False)

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        if value is None:
            raise ConversionError("None value cannot be converted to a file.")
        pathlike = is_pathlike_type(tp)
        fmt = "" if pathlike else _format_of(tp)
        if is_instance(value, is_file_class):
            meta = value.metadata
            if value.remote_source is not None:
                return blob_literal(value.remote_source, fmt, False, meta)
            source = _path_text(value.path)
            if source is None:
                raise ConversionError(f"FlyteFile.path must be a str or an os.PathLike, got {value.path!r}")
            target = value.remote_path
            if target is False or paths.is_remote(source) or pathlike:
                return blob_literal(source, fmt, False, meta)
            remote = _path_text(target) if target else None
            return blob_literal(self._plan(source, remote, sink), fmt, False, meta)
        source = None if is_instance(value, is_directory_class) else _path_text(value)  # a FlyteDirectory is no file
        if source is None:
            raise ConversionError(f"Expected FlyteFile or os.PathLike object, received {type(value)}")
        if pathlike or paths.is_remote(source):
            return blob_literal(source, fmt, False)
        return blob_literal(self._plan(source, None, sink), fmt, False)

    @staticmethod
    def _plan(source: str, remote: str | None, sink: Sink) -> str:
        local = paths.strip_file_scheme(source)
        name = paths.basename(local)
        if not name:
            raise ConversionError(f"Error converting {source} because it's not a file.")
        uri = remote if remote is not None else _raw_path(sink, name)
        sink.plan_upload(Upload(local_path=local, remote=uri, is_directory=False))
        return uri

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        as_dict = _dict_from_idl(literal)
        if as_dict is not None:
            path = _path_of(as_dict, "FlyteFile")
            meta = as_dict.get("metadata")
            return self._make(path, tp, sink, dict(meta) if isinstance(meta, dict) else None)
        blob = _blob_of(literal, tp, SINGLE, "file")
        return self._make(blob.uri, tp, sink, dict(literal.metadata) or None)

    @staticmethod
    def _make(uri: str, tp: Any, sink: Sink, metadata: dict[str, str] | None) -> Any:
        cls: Any = file_class(sink) if is_pathlike_type(tp) else tp
        if not paths.is_remote(uri):
            return cls(uri, metadata=metadata)
        local = _sandbox_path(sink, paths.basename(uri))
        return cls._from_remote(uri, local, metadata)


# ---------------------------------------------------------------------------------------------------------
# FlyteDirectory
# ---------------------------------------------------------------------------------------------------------


class DirectoryTransformer:
    """``FlyteDirectory`` (and its format variants and subclasses): MULTIPART blobs."""

    name = "FlyteDirectory"

    def handles(self, tp: Any) -> bool:
        return is_directory_class(tp)

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        return blob_literal_type(_format_of(tp), multipart=True)

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        if value is None:
            raise ConversionError("None value cannot be converted to a directory.")
        fmt = _format_of(tp)
        if is_instance(value, is_directory_class):
            if value.remote_source is not None:
                return blob_literal(value.remote_source, fmt, True)
            source = _path_text(value.path)
            if source is None:
                raise ConversionError(f"FlyteDirectory.path must be a str or an os.PathLike, got {value.path!r}")
            target = value.remote_directory
            if paths.is_remote(source) or (target is False):
                return blob_literal(source, fmt, True)
            remote = _path_text(target) if target else None
            return blob_literal(self._plan(source, remote, sink), fmt, True)
        source = None if is_instance(value, is_file_class) else _path_text(value)  # a FlyteFile is no directory
        if source is None:
            raise ConversionError(
                f"Expected FlyteDirectory or os.PathLike object, received {type(value)}", kind="AssertionError"
            )
        if paths.is_remote(source):
            return blob_literal(source, fmt, True)
        return blob_literal(self._plan(source, None, sink), fmt, True)

    @staticmethod
    def _plan(source: str, remote: str | None, sink: Sink) -> str:
        uri = remote if remote is not None else _raw_path(sink)
        sink.plan_upload(Upload(local_path=paths.strip_file_scheme(source), remote=uri, is_directory=True))
        return uri

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        as_dict = _dict_from_idl(literal)
        if as_dict is not None:
            return self._make(_path_of(as_dict, "FlyteDirectory"), tp, sink)
        blob = _blob_of(literal, tp, MULTIPART, "directory")
        return self._make(blob.uri, tp, sink)

    @staticmethod
    def _make(uri: str, tp: Any, sink: Sink) -> Any:
        cls: Any = tp
        if not paths.is_remote(uri):
            return cls(uri, remote_directory=False)
        return cls._from_remote(uri, _sandbox_path(sink))


def _kind(literal: literals_pb2.Literal) -> str:
    which = literal.WhichOneof("value")
    if which == "scalar":
        return f"scalar {literal.scalar.WhichOneof('value')}"
    return str(which)


FILE = FileTransformer()
DIRECTORY = DirectoryTransformer()
