"""``FlyteFile`` / ``FlyteDirectory`` / ``os.PathLike`` <-> blob literals (``core/type_engine/blob.py``): the exact
literal shapes and messages, beside the behaviour tests of ``tests/test_types_blob.py``.

Expected values are flytekit 1.16's (``flytekit/types/file/file.py``, ``flytekit/types/directory/types.py``):
``scalar { blob { metadata { type { format dimensionality } } uri } }`` with the FlyteFile's ``metadata`` on the
literal (none for a directory); a file's metadata read back from the literal; its messages ``None value cannot be
converted to a file.``, ``Error converting <p> because it's not a file.``, ``Expected a directory. <p> is not a
directory``, ``Expected FlyteFile or os.PathLike object, received <type>`` (TypeTransformerFailedError),
``Expected FlyteDirectory or os.PathLike object, received <type>`` (AssertionError), ``<uri> is not a file.`` /
``<uri> is not a directory.``, ``FlyteFile's path should not be None`` (ValueError), ``Unsupported binary format:
`<tag>```.
"""

from __future__ import annotations

import os
import pathlib
import types
from typing import Any, Optional

import msgpack
import pytest
from flyteidl.core import literals_pb2, types_pb2
from google.protobuf import struct_pb2
from returns.result import Failure

from flyte_entrypoint.core.type_engine import blob as b
from flyte_entrypoint.core.type_engine.engine import (
    ConversionContext,
    ConversionError,
    Sink,
    Upload,
    default_engine,
    literal_type_of,
    to_literal,
    to_python,
)
from flyte_entrypoint.files import FlyteDirectory, FlyteFile
from flyte_entrypoint.shell import blob_io

RAW = "s3://bucket/raw"
CTX = ConversionContext(raw_output_prefix=RAW, local_sandbox="/sandbox", name_seed="5e" * 16, classes=blob_io.API_CLASSES)
SINGLE, MULTIPART = types_pb2.BlobType.SINGLE, types_pb2.BlobType.MULTIPART


def _want(uri: str, fmt: str, dimensionality: int, metadata: dict[str, str] | None = None) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.blob.uri = uri
    lit.scalar.blob.metadata.type.format = fmt
    lit.scalar.blob.metadata.type.dimensionality = dimensionality
    for k, v in (metadata or {}).items():
        lit.metadata[k] = v
    return lit


def _failure(result: Any) -> ConversionError:
    assert isinstance(result, Failure), result
    error = result.failure()
    assert isinstance(error, ConversionError)
    return error


def _msgpack(value: Any, tag: str = "msgpack") -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.binary.value = msgpack.dumps(value)
    lit.scalar.binary.tag = tag
    return lit


class BytesPath:
    """An ``os.PathLike`` whose ``__fspath__`` gives bytes (allowed by ``os.fspath``)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def __fspath__(self) -> Any:
        return self.raw


# ------------------------------------------------------------------------------------------------ helpers
def test_upload_source_missing_messages_are_flytekits() -> None:
    missing = b.UploadSourceMissing("/out/a.txt", is_directory=False)
    assert isinstance(missing, ValueError) and str(missing) == "Error converting /out/a.txt because it's not a file."
    assert (missing.local_path, missing.is_directory) == ("/out/a.txt", False)
    missing = b.UploadSourceMissing("/out/d", is_directory=True)
    assert str(missing) == "Expected a directory. /out/d is not a directory"
    assert (missing.local_path, missing.is_directory) == ("/out/d", True)


def test_os_pathlike_is_recognised_by_module_and_name() -> None:
    assert b.is_pathlike_type(os.PathLike) is True
    assert not b.is_pathlike_type(type("PathLike", (), {"__module__": "mypkg"}))
    assert not b.is_pathlike_type(type("Other", (), {"__module__": "os"}))
    assert not b.is_pathlike_type(types.SimpleNamespace(__module__="os", __qualname__="PathLike"))
    assert not b.is_pathlike_type(int) and not b.is_pathlike_type(pathlib.Path)


def test_blob_literal_and_type_shapes() -> None:
    assert b.blob_literal("s3://x/f", "csv", False) == _want("s3://x/f", "csv", SINGLE)
    assert b.blob_literal("s3://x/d", "", True) == _want("s3://x/d", "", MULTIPART)
    with_meta = b.blob_literal("s3://x/f", "", False, {"n": 1})  # type: ignore[dict-item]
    assert dict(with_meta.metadata) == {"n": "1"}
    assert not b.blob_literal("s3://x/f", "", False, {}).metadata
    want = types_pb2.LiteralType()
    want.blob.format = "parquet"
    want.blob.dimensionality = MULTIPART
    assert b.blob_literal_type("parquet", True) == want
    assert literal_type_of(FlyteDirectory["parquet"]).unwrap() == want


# ------------------------------------------------------------------------------------------------ file outputs
def test_a_file_output_literal_is_flytekits() -> None:
    converted = to_literal(FlyteFile("/out/report.csv", metadata={"k": "v"}), FlyteFile["csv"], CTX).unwrap()
    (up,) = converted.uploads
    assert up == Upload("/out/report.csv", up.remote, False)
    assert converted.value == _want(up.remote, "csv", SINGLE, {"k": "v"})


def test_an_input_file_returned_keeps_its_uri_format_and_metadata() -> None:
    ff = to_python(b.blob_literal("s3://in/x.csv", "csv", False, {"a": "b"}), FlyteFile["csv"], CTX).unwrap()
    converted = to_literal(ff, FlyteFile["csv"], CTX).unwrap()
    assert converted.value == _want("s3://in/x.csv", "csv", SINGLE, {"a": "b"}) and converted.uploads == ()


def test_remote_path_false_and_pathlike_literals_are_flytekits() -> None:
    lit = to_literal(FlyteFile("/tmp/a.txt", remote_path=False), FlyteFile["txt"], CTX).unwrap().value
    assert lit == _want("/tmp/a.txt", "txt", SINGLE)
    lit = to_literal(FlyteFile("/tmp/a.txt", metadata={"m": "1"}), os.PathLike, CTX).unwrap().value
    assert lit == _want("/tmp/a.txt", "", SINGLE, {"m": "1"})
    lit = to_literal(pathlib.Path("/tmp/b.txt"), os.PathLike, CTX).unwrap().value
    assert lit == _want("/tmp/b.txt", "", SINGLE)
    lit = to_literal("s3://x/k.txt", FlyteFile["txt"], CTX).unwrap().value
    assert lit == _want("s3://x/k.txt", "txt", SINGLE)


def test_a_path_given_as_bytes_is_decoded() -> None:
    converted = to_literal(BytesPath(b"/out/raw.bin"), FlyteFile, CTX).unwrap()
    assert converted.uploads[0].local_path == "/out/raw.bin" and converted.value.scalar.blob.uri.endswith("/raw.bin")
    got = to_literal(BytesPath(3), FlyteFile, CTX)
    assert str(_failure(got)) == f"Expected FlyteFile or os.PathLike object, received {BytesPath}"


def test_a_path_with_no_file_name_is_not_a_file() -> None:
    for path in ("/", "file:///"):
        assert str(_failure(to_literal(path, FlyteFile, CTX))) == f"Error converting {path} because it's not a file."


def test_a_flytefile_whose_path_is_not_a_path_is_refused() -> None:
    ff = FlyteFile("/tmp/a.txt")
    ff.path = 3
    assert str(_failure(to_literal(ff, FlyteFile, CTX))) == "FlyteFile.path must be a str or an os.PathLike, got 3"
    fd = FlyteDirectory("/tmp/d")
    fd.path = 3
    got = to_literal(fd, FlyteDirectory, CTX)
    assert str(_failure(got)) == "FlyteDirectory.path must be a str or an os.PathLike, got 3"


def test_wrong_values_for_a_file_are_refused_with_flytekits_messages() -> None:
    error = _failure(to_literal(FlyteDirectory("/d"), FlyteFile, CTX))
    assert str(error) == f"Expected FlyteFile or os.PathLike object, received {FlyteDirectory}"
    assert error.kind == "TypeTransformerFailedError"
    assert str(_failure(to_literal(3, FlyteFile, CTX))) == "Expected FlyteFile or os.PathLike object, received <class 'int'>"


def test_none_is_refused_by_the_transformers_so_optional_takes_none() -> None:
    engine, sink = default_engine(), Sink(CTX)
    with pytest.raises(ConversionError, match=r"^None value cannot be converted to a file\.$"):
        b.FILE.to_literal(None, FlyteFile, engine, sink)
    with pytest.raises(ConversionError, match=r"^None value cannot be converted to a directory\.$"):
        b.DIRECTORY.to_literal(None, FlyteDirectory, engine, sink)
    for tp in (Optional[FlyteFile], Optional[FlyteDirectory]):
        converted = to_literal(None, tp, CTX).unwrap()
        assert converted.value.scalar.union.type.structure.tag == "none" and converted.uploads == ()


# ------------------------------------------------------------------------------------------------ directory outputs
def test_directory_output_literals_are_flytekits() -> None:
    converted = to_literal(FlyteDirectory("/out/d"), FlyteDirectory["csv"], CTX).unwrap()
    (up,) = converted.uploads
    assert up == Upload("/out/d", up.remote, True) and up.remote.startswith(RAW + "/")
    assert converted.value == _want(up.remote, "csv", MULTIPART)
    fd = to_python(b.blob_literal("s3://in/d", "csv", True), FlyteDirectory["csv"], CTX).unwrap()
    again = to_literal(fd, FlyteDirectory["csv"], CTX).unwrap()
    assert again.value == _want("s3://in/d", "csv", MULTIPART) and again.uploads == ()
    lit = to_literal(FlyteDirectory("/out/d", remote_directory=False), FlyteDirectory, CTX).unwrap().value
    assert lit == _want("/out/d", "", MULTIPART)
    remote = to_literal("s3://x/dir", FlyteDirectory["csv"], CTX).unwrap()
    assert remote.value == _want("s3://x/dir", "csv", MULTIPART) and remote.uploads == ()
    lit = to_literal("file:///out/e", FlyteDirectory, CTX).unwrap()
    assert lit.uploads[0] == Upload("/out/e", lit.value.scalar.blob.uri, True)


def test_a_remote_directory_with_a_downloader_is_kept_verbatim() -> None:
    fd = FlyteDirectory("s3://x/made", downloader=lambda: None)
    assert fd.remote_source is None  # made by task code: no source, but its path is remote
    converted = to_literal(fd, FlyteDirectory, CTX).unwrap()
    assert converted.value == _want("s3://x/made", "", MULTIPART) and converted.uploads == ()


def test_wrong_values_for_a_directory_are_flytekits_assertion_error() -> None:
    for value, kind in ((FlyteFile("/f"), FlyteFile), (3, int)):
        error = _failure(to_literal(value, FlyteDirectory, CTX))
        assert str(error) == f"Expected FlyteDirectory or os.PathLike object, received {kind}"
        assert error.kind == "AssertionError"


# ------------------------------------------------------------------------------------------------ inputs
def test_an_input_without_metadata_has_none() -> None:
    assert to_python(b.blob_literal("s3://in/x", "", False), FlyteFile, CTX).unwrap().metadata is None


def test_a_pathlike_input_needs_the_flytefile_class() -> None:
    got = to_python(b.blob_literal("s3://in/x", "", False), os.PathLike, ConversionContext())
    assert str(_failure(got)) == (
        "an os.PathLike input becomes a FlyteFile: ConversionContext.classes has no 'FlyteFile' class"
    )
    local = to_python(b.blob_literal("/data/x", "", False), os.PathLike, CTX).unwrap()
    assert type(local) is FlyteFile and local.path == "/data/x"


@pytest.mark.parametrize(
    ("literal", "kind"),
    [
        (literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=1))), "scalar primitive"),
        (literals_pb2.Literal(collection=literals_pb2.LiteralCollection()), "collection"),
        (literals_pb2.Literal(), "None"),
    ],
)
def test_a_literal_that_is_not_a_blob_is_refused_naming_its_kind(literal: literals_pb2.Literal, kind: str) -> None:
    got = to_python(literal, FlyteFile, CTX)
    assert str(_failure(got)) == f"Cannot convert from a {kind} literal to {FlyteFile!r}: expected a blob"
    got = to_python(literal, FlyteDirectory, CTX)
    assert str(_failure(got)) == f"Cannot convert from a {kind} literal to {FlyteDirectory!r}: expected a blob"


def test_the_dimensionality_must_match_with_flytekits_messages() -> None:
    assert str(_failure(to_python(b.blob_literal("s3://b/d", "", True), FlyteFile, CTX))) == "s3://b/d is not a file."
    got = to_python(b.blob_literal("s3://b/f", "", False), FlyteDirectory, CTX)
    assert str(_failure(got)) == "s3://b/f is not a directory."


# ------------------------------------------------------------------------------------------------ attribute forms
def test_msgpack_and_struct_forms_carry_the_path_and_metadata() -> None:
    ff = to_python(_msgpack({"path": "s3://b/k/f.txt", "metadata": {"a": "b"}, 1: "int key"}), FlyteFile, CTX).unwrap()
    assert ff.remote_source == "s3://b/k/f.txt" and ff.metadata == {"a": "b"}
    ff = to_python(_msgpack({"path": "s3://b/k/g.txt", "metadata": "not a map"}), FlyteFile, CTX).unwrap()
    assert ff.remote_source == "s3://b/k/g.txt" and ff.metadata is None
    fd = to_python(_msgpack({"path": "s3://b/dir"}), FlyteDirectory, CTX).unwrap()
    assert fd.remote_source == "s3://b/dir"
    generic = literals_pb2.Literal()
    generic.scalar.generic.CopyFrom(struct_pb2.Struct())
    generic.scalar.generic.fields["path"].string_value = "s3://b/s.txt"
    generic.scalar.generic.fields["metadata"].struct_value.fields["m"].string_value = "n"
    ff = to_python(generic, FlyteFile, CTX).unwrap()
    assert ff.remote_source == "s3://b/s.txt" and ff.metadata == {"m": "n"}


@pytest.mark.parametrize(("tp", "owner"), [(FlyteFile, "FlyteFile"), (FlyteDirectory, "FlyteDirectory")])
def test_a_map_without_a_path_is_flytekits_value_error(tp: Any, owner: str) -> None:
    for literal in (_msgpack({"metadata": {}}), _msgpack({"path": None})):
        error = _failure(to_python(literal, tp, CTX))
        assert (str(error), error.kind) == (f"{owner}'s path should not be None", "ValueError")


def test_bad_binary_values_are_refused() -> None:
    assert str(_failure(to_python(_msgpack({"path": "x"}, tag="json"), FlyteFile, CTX))) == (
        "Unsupported binary format: `json`"
    )
    garbage = literals_pb2.Literal()
    garbage.scalar.binary.value = b"\xc1"  # never used in msgpack
    garbage.scalar.binary.tag = "msgpack"
    assert str(_failure(to_python(garbage, FlyteFile, CTX))).startswith("cannot decode the msgpack value: ")
    got = to_python(_msgpack(["s3://b/x"]), FlyteDirectory, CTX)
    assert str(_failure(got)) == "expected a msgpack map with a 'path', got list"
