"""FlyteFile / FlyteDirectory / os.PathLike / pickle: pure conversions, the lazy hook, the shell side, end to end."""

from __future__ import annotations

import gzip
import io
import os
import pickle
import subprocess
import sys
import textwrap
import typing
from pathlib import Path
from typing import IO, Annotated, Any

import pytest
from flyteidl.core import errors_pb2, literals_pb2, types_pb2
from returns.result import Failure

from flyte_entrypoint.core.errors import ORIGIN_USER
from flyte_entrypoint.core.type_engine.blob import UploadSourceMissing, blob_literal
from flyte_entrypoint.core.type_engine.engine import (
    ConversionContext,
    Upload,
    UploadBytes,
    literal_type_of,
    to_literal,
    to_python,
)
from flyte_entrypoint.core.type_engine.pickled import PYTHON_PICKLE_FORMAT, AllowPickle
from flyte_entrypoint.files import (
    BlobDownloadError,
    FileExt,
    FlyteDirectory,
    FlyteFile,
    data_access,
    install_data_access,
)
from flyte_entrypoint.shell import blob_io
from flyte_entrypoint.shell.storage import Storage

RAW = "s3://bucket/raw"
SANDBOX = "/sandbox"
CTX = ConversionContext(raw_output_prefix=RAW, local_sandbox=SANDBOX, name_seed="ab" * 16, classes=blob_io.API_CLASSES)
HEX = r"[0-9a-f]{32}"


@pytest.fixture(autouse=True)
def _no_leftover_hook() -> Any:
    previous = install_data_access(None)
    yield
    install_data_access(previous)


def lt(tp: Any) -> types_pb2.LiteralType:
    return literal_type_of(tp).unwrap()


def enc(value: Any, tp: Any, ctx: ConversionContext = CTX) -> tuple[literals_pb2.Literal, tuple[Upload, ...]]:
    converted = to_literal(value, tp, ctx).unwrap()
    return converted.value, converted.uploads


def dec(literal: literals_pb2.Literal, tp: Any, ctx: ConversionContext = CTX) -> Any:
    return to_python(literal, tp, ctx).unwrap()


def failure(result: Any) -> str:
    assert isinstance(result, Failure), result
    return str(result.failure())


# =========================================================================================== types


@pytest.mark.parametrize(
    ("tp", "fmt", "multipart"),
    [
        (FlyteFile, "", False),
        (FlyteFile["csv"], "csv", False),
        (FlyteFile[typing.TypeVar("csv")], "csv", False),
        (FlyteFile[".csv"], "csv", False),
        (FlyteFile[Annotated[str, FileExt("tar.gz")]], "tar.gz", False),
        (os.PathLike, "", False),
        (FlyteDirectory, "", True),
        (FlyteDirectory["parquet"], "parquet", True),
        (FlyteDirectory[typing.TypeVar("svg")], "svg", True),
    ],
)
def test_literal_types(tp: Any, fmt: str, multipart: bool) -> None:
    got = lt(tp)
    assert got.WhichOneof("type") == "blob"
    assert got.blob.format == fmt
    assert got.blob.dimensionality == (types_pb2.BlobType.MULTIPART if multipart else types_pb2.BlobType.SINGLE)


def test_format_variants_are_cached_subclasses() -> None:
    assert FlyteFile["csv"] is FlyteFile[typing.TypeVar("csv")] is FlyteFile[".csv"]
    assert issubclass(FlyteFile["csv"], FlyteFile)
    assert FlyteFile["csv"].extension() == "csv" and FlyteFile.extension() == ""
    assert FlyteFile[""] is FlyteFile and FlyteFile[None] is FlyteFile
    assert FlyteDirectory["x"] is not FlyteFile["x"]
    assert FlyteFile["csv"]["json"] is FlyteFile["json"]


def test_instances_are_path_like() -> None:
    ff = FlyteFile("/tmp/a.txt")
    assert isinstance(ff, os.PathLike)
    assert os.fspath(ff) == "/tmp/a.txt"
    assert str(ff) == "/tmp/a.txt" and repr(ff) == "/tmp/a.txt"
    assert ff == FlyteFile("/tmp/a.txt") and ff == "/tmp/a.txt" and hash(ff) == hash("/tmp/a.txt")
    assert isinstance(FlyteDirectory("/tmp/d"), os.PathLike)


def test_union_tags() -> None:
    u = lt(typing.Optional[FlyteFile])
    assert [v.structure.tag for v in u.union_type.variants] == ["FlyteFilePath", "none"]
    u = lt(typing.Union[FlyteDirectory, int])
    assert u.union_type.variants[0].structure.tag == "FlyteDirectory"
    assert u.union_type.variants[0].blob.dimensionality == types_pb2.BlobType.MULTIPART


# =========================================================================================== outputs


def test_local_file_is_planned_for_upload_under_the_raw_prefix() -> None:
    lit, ups = enc("/work/out/hello.txt", FlyteFile)
    uri = lit.scalar.blob.uri
    assert uri.startswith(RAW + "/") and uri.endswith("/hello.txt")
    assert len(uri[len(RAW) + 1 :].split("/")[0]) == 32
    assert ups == (Upload("/work/out/hello.txt", uri, False),)
    assert lit.scalar.blob.metadata.type.dimensionality == types_pb2.BlobType.SINGLE


@pytest.mark.parametrize("value", [Path("/work/out/hello.txt"), FlyteFile("/work/out/hello.txt")])
def test_path_and_flytefile_values_upload_the_same_way(value: Any) -> None:
    lit, ups = enc(value, FlyteFile["txt"])
    assert lit.scalar.blob.metadata.type.format == "txt"
    assert ups[0].local_path == "/work/out/hello.txt" and ups[0].remote == lit.scalar.blob.uri


def test_file_scheme_paths_are_local() -> None:
    lit, ups = enc("file:///work/out/a.csv", FlyteFile)
    assert ups[0].local_path == "/work/out/a.csv"
    assert lit.scalar.blob.uri.startswith(RAW)


@pytest.mark.parametrize("uri", ["s3://b/k/data.csv", "gs://b/x", "https://example.com/f.txt", "abfs://c/p"])
def test_remote_uris_are_kept_verbatim(uri: str) -> None:
    for value in (uri, FlyteFile(uri)):
        lit, ups = enc(value, FlyteFile)
        assert lit.scalar.blob.uri == uri and ups == ()


def test_input_file_keeps_its_source_uri() -> None:
    ff = dec(blob_literal("s3://in/k/x.bin", "", False), FlyteFile)
    lit, ups = enc(ff, FlyteFile)
    assert lit.scalar.blob.uri == "s3://in/k/x.bin" and ups == ()


def test_remote_path_uploads_to_exactly_that_uri() -> None:
    lit, ups = enc(FlyteFile("/tmp/a.txt", remote_path="s3://other/exact.txt"), FlyteFile)
    assert lit.scalar.blob.uri == "s3://other/exact.txt"
    assert ups == (Upload("/tmp/a.txt", "s3://other/exact.txt", False),)


def test_remote_path_false_means_no_upload() -> None:
    lit, ups = enc(FlyteFile("/tmp/a.txt", remote_path=False), FlyteFile)
    assert lit.scalar.blob.uri == "/tmp/a.txt" and ups == ()


@pytest.mark.parametrize("value", ["/tmp/a.txt", Path("/tmp/a.txt"), FlyteFile("/tmp/a.txt")])
def test_pathlike_declared_type_never_uploads(value: Any) -> None:
    lit, ups = enc(value, os.PathLike)
    assert lit.scalar.blob.uri == "/tmp/a.txt" and ups == ()
    assert lit.scalar.blob.metadata.type.format == ""


def test_literal_metadata_round_trips() -> None:
    lit, _ = enc(FlyteFile("s3://b/k", metadata={"owner": "me"}), FlyteFile)
    assert dict(lit.metadata) == {"owner": "me"}
    back = dec(lit, FlyteFile)
    assert back.metadata == {"owner": "me"}


def test_bad_file_values() -> None:
    assert "Python value cannot be None, expected" in failure(to_literal(None, FlyteFile, CTX))
    assert "received <class 'int'>" in failure(to_literal(3, FlyteFile, CTX))
    assert "FlyteDirectory" in failure(to_literal(FlyteDirectory("/d"), FlyteFile, CTX))
    assert "FlyteFile" in failure(to_literal(FlyteFile("/f"), FlyteDirectory, CTX))


def test_local_directory_contents_go_to_a_fresh_prefix() -> None:
    lit, ups = enc("/work/outdir", FlyteDirectory)
    uri = lit.scalar.blob.uri
    assert uri.startswith(RAW + "/") and len(uri[len(RAW) + 1 :]) == 32
    assert ups == (Upload("/work/outdir", uri, True),)
    assert lit.scalar.blob.metadata.type.dimensionality == types_pb2.BlobType.MULTIPART


def test_directory_rules() -> None:
    lit, ups = enc(FlyteDirectory("/d", remote_directory="s3://x/y"), FlyteDirectory)
    assert lit.scalar.blob.uri == "s3://x/y" and ups == (Upload("/d", "s3://x/y", True),)
    lit, ups = enc(FlyteDirectory("/d", remote_directory=False), FlyteDirectory)
    assert lit.scalar.blob.uri == "/d" and ups == ()
    lit, ups = enc("s3://x/dir", FlyteDirectory["csv"])
    assert lit.scalar.blob.uri == "s3://x/dir" and ups == ()
    assert lit.scalar.blob.metadata.type.format == "csv"
    fd = dec(blob_literal("s3://in/dir", "", True), FlyteDirectory)
    lit, ups = enc(fd, FlyteDirectory)
    assert lit.scalar.blob.uri == "s3://in/dir" and ups == ()


def test_names_are_deterministic_per_seed_and_distinct_within_a_value() -> None:
    a = to_literal(["/x/a.txt", "/y/a.txt"], list[FlyteFile], CTX).unwrap()
    b = to_literal(["/x/a.txt", "/y/a.txt"], list[FlyteFile], CTX).unwrap()
    assert a == b
    remotes = [u.remote for u in a.uploads]
    assert len(set(remotes)) == 2
    other = to_literal(["/x/a.txt"], list[FlyteFile], ConversionContext(raw_output_prefix=RAW, name_seed="1" * 32))
    assert other.unwrap().uploads[0].remote not in remotes


# =========================================================================================== inputs


def test_remote_input_becomes_a_lazy_instance_of_the_declared_class() -> None:
    ff = dec(blob_literal("s3://in/k/data.csv", "csv", False), FlyteFile["csv"])
    assert type(ff) is FlyteFile["csv"]
    assert ff.remote_source == "s3://in/k/data.csv"
    assert str(ff.path).startswith(SANDBOX + "/") and str(ff.path).endswith("/data.csv")
    assert not ff.downloaded


def test_local_input_is_used_in_place() -> None:
    ff = dec(blob_literal("/data/in.txt", "", False), FlyteFile)
    assert ff.remote_source is None and ff.path == "/data/in.txt"
    assert os.fspath(ff) == "/data/in.txt"
    fd = dec(blob_literal("/data/dir", "", True), FlyteDirectory)
    assert fd.remote_source is None and fd.remote_directory is False


def test_pathlike_input_is_a_plain_flytefile() -> None:
    ff = dec(blob_literal("s3://in/k", "", False), os.PathLike)
    assert type(ff) is FlyteFile and ff.remote_source == "s3://in/k"


def test_dimensionality_must_match() -> None:
    assert "is not a file" in failure(to_python(blob_literal("s3://b/d", "", True), FlyteFile, CTX))
    assert "is not a directory" in failure(to_python(blob_literal("s3://b/f", "", False), FlyteDirectory, CTX))
    assert "expected a blob" in failure(to_python(literals_pb2.Literal(), FlyteFile, CTX))


def test_dataclass_attribute_forms() -> None:
    import msgpack
    from google.protobuf import struct_pb2

    lit = literals_pb2.Literal()
    lit.scalar.binary.value = msgpack.dumps({"path": "s3://b/k/f.txt"})
    lit.scalar.binary.tag = "msgpack"
    assert dec(lit, FlyteFile).remote_source == "s3://b/k/f.txt"
    lit = literals_pb2.Literal()
    lit.scalar.generic.CopyFrom(struct_pb2.Struct())
    lit.scalar.generic.fields["path"].string_value = "s3://b/dir"
    assert dec(lit, FlyteDirectory).remote_source == "s3://b/dir"
    bad = literals_pb2.Literal()
    bad.scalar.binary.tag = "json"
    assert "Unsupported binary format" in failure(to_python(bad, FlyteFile, CTX))


# =========================================================================================== lazy download


class FakeAccess:
    """Records every call; 'downloads' by writing a marker file."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.calls: list[tuple[Any, ...]] = []
        self.n = 0

    def random_name(self) -> str:
        self.n += 1
        return f"{self.n:032x}"

    def new_local_path(self, name: str = "") -> str:
        return str(self.root / self.random_name() / name) if name else str(self.root / self.random_name())

    def new_remote_path(self, name: str = "") -> str:
        return f"s3://fake/raw/{self.random_name()}" + (f"/{name}" if name else "")

    def download(self, uri: str, local_path: str, is_directory: bool) -> str:
        self.calls.append(("download", uri, local_path, is_directory))
        p = Path(local_path)
        if is_directory:
            (p / "sub").mkdir(parents=True, exist_ok=True)
            (p / "sub" / "f.txt").write_text(uri)
        else:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(uri)
        return local_path

    def open_remote(self, uri: str, mode: str) -> IO[Any]:
        self.calls.append(("open_remote", uri, mode))
        return io.StringIO()

    def list_files(self, uri: str) -> list[str]:
        self.calls.append(("list_files", uri))
        return [f"{uri}/a.txt", f"{uri}/sub/b.txt", f"{uri}/sub/deeper/c.txt"]


@pytest.fixture
def fake(tmp_path: Path) -> FakeAccess:
    access = FakeAccess(tmp_path)
    install_data_access(access)  # type: ignore[arg-type]
    return access


def test_input_is_downloaded_on_first_use_only(fake: FakeAccess, tmp_path: Path) -> None:
    ctx = ConversionContext(raw_output_prefix=RAW, local_sandbox=str(tmp_path / "sb"))
    ff = dec(blob_literal("s3://in/k/data.csv", "", False), FlyteFile, ctx)
    assert fake.calls == []
    with ff.open("r") as fh:
        assert fh.read() == "s3://in/k/data.csv"
    assert ff.downloaded and len(fake.calls) == 1
    assert os.fspath(ff) == str(ff.path) and ff.download() == str(ff.path)
    with open(ff) as fh:
        fh.read()
    assert len(fake.calls) == 1  # cached


def test_directory_input_downloads_on_fspath(fake: FakeAccess, tmp_path: Path) -> None:
    ctx = ConversionContext(raw_output_prefix=RAW, local_sandbox=str(tmp_path / "sb"))
    fd = dec(blob_literal("s3://in/dir", "", True), FlyteDirectory, ctx)
    assert fake.calls == []
    assert os.listdir(fd) == ["sub"]
    assert (fd / "sub" / "f.txt").read_text() == "s3://in/dir"
    assert [c[0] for c in fake.calls] == ["download"]


def test_user_made_remote_file_downloads_lazily_and_writes_stream(fake: FakeAccess) -> None:
    ff = FlyteFile("s3://b/k/x.txt")
    assert ff.remote_source == "s3://b/k/x.txt" and fake.calls == []
    with ff.open("w") as fh:
        fh.write("data")
    assert fake.calls == [("open_remote", "s3://b/k/x.txt", "w")]
    assert Path(ff.download()).read_text() == "s3://b/k/x.txt"
    assert ff.download().endswith("/x.txt")


def test_new_remote_file_and_dir(fake: FakeAccess) -> None:
    ff = FlyteFile.new_remote_file()
    assert ff.remote_source is not None and ff.remote_source.startswith("s3://fake/raw/")
    named = FlyteFile.new_remote_file(name="model.bin")
    assert str(named.path).endswith("/model.bin")
    fd = FlyteDirectory.new_remote()
    assert fd.remote_source is not None and fd.remote_source.startswith("s3://fake/raw/")
    with pytest.raises(ValueError, match="extension"):
        FlyteDirectory.new_remote(stem="x.txt")


def test_listdir_and_crawl_do_not_download(fake: FakeAccess) -> None:
    fd = FlyteDirectory("s3://b/dir")
    assert sorted(rel for _, rel in fd.crawl()) == ["a.txt", "sub/b.txt", "sub/deeper/c.txt"]
    assert [rel for _, rel in fd.crawl(maxdepth=1)] == ["a.txt"]
    entries = FlyteDirectory.listdir(fd)
    assert [(type(e).__name__, str(e.path)) for e in entries] == [
        ("FlyteFile", "s3://b/dir/a.txt"),
        ("FlyteDirectory", "s3://b/dir/sub"),
    ]
    assert not any(c[0] == "download" for c in fake.calls)
    assert str(fd.new_file("n.txt").path) == "s3://b/dir/n.txt"


def test_a_user_downloader_is_called_once() -> None:
    calls: list[int] = []
    ff = FlyteFile("/tmp/x", downloader=lambda: calls.append(1))
    os.fspath(ff)
    os.fspath(ff)
    assert calls == [1]


def test_files_module_does_not_import_fsspec_or_the_shell() -> None:
    code = (
        "import sys, flyte_entrypoint.files as f; from flyte_entrypoint.core.type_engine import registry;"
        "f.FlyteFile['csv']('s3://b/k');"
        "bad = [m for m in ('fsspec', 's3fs', 'pandas', 'pyarrow', 'flyte_entrypoint.shell.storage') if m in sys.modules];"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# =========================================================================================== shell side


@pytest.fixture
def local_access(tmp_path: Path) -> blob_io.StorageDataAccess:
    storage = Storage.from_env({})
    access = blob_io.StorageDataAccess(lambda: storage, str(tmp_path / "sandbox"), str(tmp_path / "raw"))
    install_data_access(access)
    return access


def test_storage_access_downloads_and_names_missing_uris(local_access: blob_io.StorageDataAccess, tmp_path: Path) -> None:
    src = tmp_path / "src.txt"
    src.write_text("payload")
    ff = FlyteFile._from_remote(f"file://{src}", str(tmp_path / "sandbox" / "h" / "src.txt"))
    assert Path(ff.download()).read_text() == "payload"
    missing = FlyteFile._from_remote("file:///nonexistent/x.txt", str(tmp_path / "sandbox" / "m" / "x.txt"))
    with pytest.raises(BlobDownloadError, match=r"/nonexistent/x\.txt") as info:
        missing.open("rb")
    assert isinstance(info.value, FileNotFoundError) and "does not exist" in str(info.value)


def test_two_handles_never_share_a_download_location(local_access: blob_io.StorageDataAccess, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "f.txt").write_text("A")
    (tmp_path / "b" / "f.txt").write_text("B")
    target = str(tmp_path / "sandbox" / "same" / "f.txt")
    one = FlyteFile._from_remote(f"file://{tmp_path}/a/f.txt", target)
    two = FlyteFile._from_remote(f"file://{tmp_path}/b/f.txt", target)
    assert Path(one.download()).read_text() == "A"
    assert Path(two.download()).read_text() == "B"
    assert Path(one.download()).read_text() == "A"


def test_perform_uploads_checks_every_source_first(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("g")
    storage = Storage.from_env({})
    ups = [Upload(str(good), str(tmp_path / "up" / "good.txt")), Upload(str(tmp_path / "nope.txt"), str(tmp_path / "up" / "x"))]
    with pytest.raises(UploadSourceMissing, match=r"nope\.txt because it.s not a file") as info:
        blob_io.perform_uploads(storage, ups)
    assert not (tmp_path / "up").exists()  # nothing was uploaded
    assert not info.value.is_directory
    with pytest.raises(UploadSourceMissing, match="Expected a directory"):
        blob_io.perform_uploads(storage, [Upload(str(good), str(tmp_path / "d"), True)])


def test_perform_uploads_refuses_clashing_destinations(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("a")
    (tmp_path / "b").write_text("b")
    storage = Storage.from_env({})
    dst = str(tmp_path / "up" / "f")
    with pytest.raises(ValueError, match="same location"):
        blob_io.perform_uploads(storage, [Upload(str(tmp_path / "a"), dst), Upload(str(tmp_path / "b"), dst)])
    blob_io.perform_uploads(storage, [Upload(str(tmp_path / "a"), dst), Upload(str(tmp_path / "a"), dst)])
    assert Path(dst).read_text() == "a"


def test_default_access_is_built_from_the_environment() -> None:
    access = data_access()
    assert isinstance(access, blob_io.StorageDataAccess)
    assert os.path.isabs(access.new_local_path("x"))


def test_gz_files_are_uploaded_with_gzip_content_encoding(s3: Any, tmp_path: Path) -> None:
    gz = tmp_path / "data.csv.gz"
    gz.write_bytes(gzip.compress(b"a,b\n1,2\n"))
    lit, ups = enc(str(gz), FlyteFile, ConversionContext(raw_output_prefix=s3.uri("raw"), name_seed="c" * 32))
    blob_io.perform_uploads(Storage.from_env(s3.env), ups)
    key = lit.scalar.blob.uri.split(f"s3://{s3.bucket}/", 1)[1]
    head = s3.client().head_object(Bucket=s3.bucket, Key=key)
    assert head.get("ContentEncoding") == "gzip"


# =========================================================================================== pickle (opt-in)


class Opaque:
    def __init__(self, n: int) -> None:
        self.n = n


def test_unsupported_types_fail_at_decoration_naming_parameter_and_type() -> None:
    from flyte_entrypoint.core.task import task

    def f(x: Opaque) -> int:
        return 1

    with pytest.raises(TypeError) as info:
        task(f)
    text = str(info.value)
    assert "'x'" in text and "Opaque" in text


def test_allow_pickle_literal_type_matches_flytekit_shape() -> None:
    got = lt(Annotated[Opaque, AllowPickle])
    assert got.blob.format == PYTHON_PICKLE_FORMAT
    assert got.metadata.fields["python_class_name"].string_value == str(Opaque)
    assert lt(Annotated[int, AllowPickle]) == lt(int)  # a supported type is not pickled
    lit, ups = enc(5, Annotated[int, AllowPickle])
    assert lit.scalar.primitive.integer == 5 and ups == ()


def test_pickle_round_trip_through_planned_io(tmp_path: Path) -> None:
    """The pickle stream is planned as bytes to upload, and read back through the reads the shell performs."""
    import hashlib

    tp = Annotated[Opaque, AllowPickle]
    ctx = ConversionContext(raw_output_prefix=str(tmp_path / "raw"), local_sandbox=str(tmp_path / "stage"))
    lit, ups = enc(Opaque(3), tp, ctx)
    (up,) = ups
    assert isinstance(up, UploadBytes) and up.remote == lit.scalar.blob.uri
    assert up.data[:2] == b"\x80\x05"
    assert lit.scalar.blob.uri.endswith("/" + hashlib.md5(up.data).hexdigest())
    assert not (tmp_path / "stage").exists()  # no local staging file
    storage = Storage.from_env({})
    blob_io.perform_uploads(storage, ups)
    back = blob_io.convert_with_reads(storage, ctx, lambda c: to_python(lit, tp, c))
    assert back.unwrap().n == 3


def test_pickle_without_cloudpickle_uses_stdlib_protocol_5(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from flyte_entrypoint.core.type_engine import pickled as pk

    real_import = builtins.__import__

    def no_cloudpickle(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "cloudpickle":
            raise ImportError("no cloudpickle")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_cloudpickle)
    data = pk.dumps({"a": [1, 2]})
    assert data[:2] == b"\x80\x05" and pickle.loads(data) == {"a": [1, 2]}


# =========================================================================================== end to end

TASKS = textwrap.dedent(
    """
    import os, sys
    from flyte_entrypoint import task
    from flyte_entrypoint.files import FlyteFile, FlyteDirectory

    def _no_heavy_imports():
        bad = [m for m in ("pandas", "pyarrow") if m in sys.modules]
        assert not bad, bad

    @task
    def upper(f: FlyteFile) -> FlyteFile:
        _no_heavy_imports()
        with open(f) as fh:
            data = fh.read()
        out = os.path.join(os.path.dirname(os.fspath(f)), "upper.txt")
        with open(out, "w") as fh:
            fh.write(data.upper())
        return FlyteFile(out)

    @task
    def untouched(f: FlyteFile, d: FlyteDirectory) -> FlyteFile:
        assert not f.downloaded and not d.downloaded
        if f.remote_source:  # a local input is used in place; a remote one is not fetched
            assert not os.path.exists(f.path) and not os.path.exists(d.path)
        return f

    @task
    def read_dir(d: FlyteDirectory) -> FlyteFile:
        names = []
        for base, _, files in os.walk(d):
            names += sorted(os.path.relpath(os.path.join(base, n), os.fspath(d)) for n in files)
        out = os.path.join(os.fspath(d), "..", "listing.txt")
        with open(out, "w") as fh:
            fh.write("\\n".join(sorted(names)))
        return out

    @task
    def make_dir() -> FlyteDirectory:
        root = os.path.abspath("made")
        os.makedirs(os.path.join(root, "sub"), exist_ok=True)
        open(os.path.join(root, "x.txt"), "w").write("x")
        open(os.path.join(root, "sub", "y.txt"), "w").write("y")
        return FlyteDirectory(root)

    @task
    def gz_out() -> FlyteFile:
        import gzip
        path = os.path.abspath("data.txt.gz")
        with open(path, "wb") as fh:
            fh.write(gzip.compress(b"hello"))
        return path

    @task
    def missing_out() -> FlyteFile:
        return "/nonexistent-dir/never.txt"

    @task
    def opens(f: FlyteFile, d: FlyteDirectory) -> FlyteFile:
        with f.open("rb") as fh:
            fh.read()
        os.listdir(d)
        return f

    @task
    def open_missing(f: FlyteFile) -> FlyteFile:
        with open(f) as fh:
            fh.read()
        return f
    """
)


def _blob_inputs(path: Path, **blobs: tuple[str, bool]) -> str:
    lm = literals_pb2.LiteralMap()
    for name, (uri, multipart) in blobs.items():
        lm.literals[name].CopyFrom(blob_literal(uri, "", multipart))
    path.write_bytes(lm.SerializeToString())
    return str(path)


def execute(workdir: Path, task: str, inputs: str, raw: str, out: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    (workdir / "blobwf.py").write_text(TASKS)
    args = [
        str(Path(sys.executable).parent / "pyflyte-execute"),
        "--inputs", inputs,
        "--output-prefix", out,
        "--raw-output-data-prefix", raw,
        "--resolver", "flyte_entrypoint.default_task_resolver",
        "--", "task-module", "blobwf", "task-name", task,
    ]  # fmt: skip
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE", "_F_"))}
    full_env.update(env)
    return subprocess.run(args, cwd=workdir, capture_output=True, text=True, env=full_env, timeout=120)


class Store:
    """Either a local directory or the S3 bucket: a place for inputs, outputs and raw data."""

    def __init__(self, kind: str, tmp_path: Path, s3: Any = None) -> None:
        self.kind = kind
        self.tmp = tmp_path
        self.s3 = s3
        self.env: dict[str, str] = dict(s3.env) if s3 else {}
        self.storage = Storage.from_env({**os.environ, **self.env})

    def uri(self, key: str) -> str:
        return self.s3.uri(key) if self.s3 else str(self.tmp / "store" / key)

    def put(self, key: str, data: bytes) -> str:
        uri = self.uri(key)
        self.storage.put_bytes(uri, data)
        return uri

    def get(self, uri: str) -> bytes:
        data: bytes = self.storage.get_bytes(uri)
        return data

    def outputs(self) -> literals_pb2.LiteralMap:
        return literals_pb2.LiteralMap.FromString(self.get(self.uri("out/outputs.pb")))

    def error(self) -> errors_pb2.ContainerError:
        return errors_pb2.ErrorDocument.FromString(self.get(self.uri("out/error.pb"))).error


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "s3":
        return Store("s3", tmp_path, request.getfixturevalue("s3"))
    return Store("local", tmp_path)


def run(store: Store, task: str, **blobs: tuple[str, bool]) -> subprocess.CompletedProcess[str]:
    inputs = _blob_inputs(store.tmp / "inputs.pb", **blobs)
    work = store.tmp / "work"
    work.mkdir(exist_ok=True)
    return execute(work, task, inputs, store.uri("raw"), store.uri("out"), store.env)


def test_e2e_file_in_file_out(store: Store) -> None:
    src = store.put("in/data/hello.txt", b"hello flyte")
    proc = run(store, "upper", f=(src, False))
    assert proc.returncode == 0, proc.stderr
    uri = store.outputs().literals["o0"].scalar.blob.uri
    assert uri.startswith(store.uri("raw") + "/") and uri.endswith("/upper.txt")
    assert store.get(uri) == b"HELLO FLYTE"


def test_e2e_unopened_inputs_are_passed_through_without_download(store: Store) -> None:
    src = store.put("in/k/big.bin", b"\0" * 1000)
    store.put("in/dir/a.txt", b"a")
    proc = run(store, "untouched", f=(src, False), d=(store.uri("in/dir"), True))
    assert proc.returncode == 0, proc.stderr
    uri = store.outputs().literals["o0"].scalar.blob.uri
    if store.s3 is not None:
        assert uri == src  # an input file keeps its uri
    else:  # a local uri is an ordinary local file inside the task: uploaded, as flytekit does
        assert uri.startswith(store.uri("raw") + "/") and store.get(uri) == store.get(src)


def test_e2e_directories(store: Store) -> None:
    store.put("in/tree/a.txt", b"a")
    store.put("in/tree/deep/er/b.txt", b"b")
    proc = run(store, "read_dir", d=(store.uri("in/tree"), True))
    assert proc.returncode == 0, proc.stderr
    assert store.get(store.outputs().literals["o0"].scalar.blob.uri) == b"a.txt\ndeep/er/b.txt"
    proc = run(store, "make_dir")
    assert proc.returncode == 0, proc.stderr
    lit = store.outputs().literals["o0"].scalar.blob
    assert lit.metadata.type.dimensionality == types_pb2.BlobType.MULTIPART
    assert sorted(store.storage.list_files(lit.uri)) == [f"{lit.uri}/sub/y.txt", f"{lit.uri}/x.txt"]
    assert store.get(f"{lit.uri}/sub/y.txt") == b"y"


def test_e2e_gz_output(store: Store) -> None:
    proc = run(store, "gz_out")
    assert proc.returncode == 0, proc.stderr
    uri = store.outputs().literals["o0"].scalar.blob.uri
    assert gzip.decompress(store.get(uri)) == b"hello"
    if store.s3 is not None:
        key = uri.split(f"s3://{store.s3.bucket}/", 1)[1]
        assert store.s3.client().head_object(Bucket=store.s3.bucket, Key=key).get("ContentEncoding") == "gzip"


def test_e2e_missing_output_file_is_an_error_naming_the_path(store: Store) -> None:
    proc = run(store, "missing_out")
    assert proc.returncode == 0, proc.stderr
    err = store.error()
    assert err.code == "SYSTEM"
    assert "/nonexistent-dir/never.txt" in err.message
    assert not store.storage.exists(store.uri("out/outputs.pb"))


def test_e2e_opening_a_missing_input_is_a_user_error_naming_the_uri(store: Store) -> None:
    missing = store.uri("in/not/there.txt")
    proc = run(store, "open_missing", f=(missing, False))
    assert proc.returncode == 0, proc.stderr
    err = store.error()
    assert err.origin == ORIGIN_USER
    assert missing in err.message
    # remote: our download error; local (used in place): python's own FileNotFoundError
    assert ("BlobDownloadError" if store.s3 is not None else "FileNotFoundError") in err.message


def test_unopened_input_makes_no_storage_download_calls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3: Any
) -> None:
    """In-process run (so storage calls can be counted): the task never opens its inputs."""
    from flyte_entrypoint.schemas.invocation import TaskArgs
    from flyte_entrypoint.shell.driver import Driver

    store = Store("s3", tmp_path, s3)
    src = store.put("in/k/big.bin", b"data")
    store.put("in/dir/a.txt", b"a")
    inputs = _blob_inputs(tmp_path / "inputs.pb", f=(src, False), d=(store.uri("in/dir"), True))
    module = "blobwf_inproc"
    (tmp_path / f"{module}.py").write_text(TASKS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    calls: list[str] = []
    for name in ("get_file", "get_dir"):
        original = getattr(Storage, name)

        def counting(self: Any, uri: str, *a: Any, _o: Any = original, _n: str = name, **k: Any) -> Any:
            calls.append(f"{_n} {uri}")
            return _o(self, uri, *a, **k)

        monkeypatch.setattr(Storage, name, counting)
    def run_task(name: str) -> None:
        args = TaskArgs(
            inputs=inputs,
            output_prefix=str(tmp_path / name),
            raw_output_data_prefix=s3.uri("raw"),
            resolver="flyte_entrypoint.default_task_resolver",
            resolver_args=("task-module", module, "task-name", name),
        )
        assert Driver(args, {**os.environ, **s3.env}).run() == 0
        assert (tmp_path / name / "outputs.pb").exists(), os.listdir(tmp_path / name)

    run_task("untouched")
    assert calls == []
    run_task("opens")  # the control: opening does download, once each
    assert calls == [f"get_file {src}", f"get_dir {store.uri('in/dir')}"]
    monkeypatch.delitem(sys.modules, module, raising=False)


def test_instances_pickle_with_their_format_class() -> None:
    ff = FlyteFile["csv"]._from_remote("s3://b/k.csv", "/tmp/x/k.csv")
    back = pickle.loads(pickle.dumps(ff))
    assert type(back) is FlyteFile["csv"] and back.remote_source == "s3://b/k.csv" and back == ff
    fd = pickle.loads(pickle.dumps(FlyteDirectory["svg"]("/tmp/d")))
    assert type(fd) is FlyteDirectory["svg"] and fd.path == "/tmp/d"
