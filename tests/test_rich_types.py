"""Issue-10 types, our own behaviour: lazy imports, the StructuredDataset handler registry, iteration, the local-prefix
writes on local folders / file:// / S3. (Wire formats are checked against flytekit in ``tests/differential``.)"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
from flyteidl.core import literals_pb2
from returns.result import Failure

from flyte_entrypoint.core.type_engine.engine import ConversionContext, literal_type_of, to_literal, to_python
from flyte_entrypoint.files import FlyteDirectory, FlyteFile, install_data_access
from flyte_entrypoint.shell import blob_io
from flyte_entrypoint.shell.storage import Storage

NEW_MODULES = (
    "pandas",
    "pyarrow",
    "numpy",
    "pydantic",
    "flyte_entrypoint.structured",
    "flyte_entrypoint.iterators",
    "flyte_entrypoint.flyte_schema",
    "flyte_entrypoint.core.type_engine.structured",
    "flyte_entrypoint.core.type_engine.pydantic_model",
    "flyte_entrypoint.core.type_engine.numpy_array",
    "flyte_entrypoint.core.type_engine.iterators",
    "flyte_entrypoint.core.type_engine.flyte_error",
    "flyte_entrypoint.core.type_engine.flyte_schema",
)


def test_plain_types_import_none_of_the_issue10_modules(tmp_path: Path) -> None:
    code = textwrap.dedent(
        f"""
        import sys
        import dataclasses
        from typing import Optional
        from flyte_entrypoint import task, FlyteFile
        from flyte_entrypoint.core.type_engine.engine import literal_type_of, to_literal, to_python

        @dataclasses.dataclass
        class DC:
            n: int
            f: Optional[FlyteFile] = None

        @task
        def t(a: int, d: DC, f: FlyteFile) -> Optional[str]:
            return None

        for tp, v in ((int, 3), (DC, DC(1)), (Optional[str], None), (list[float], [1.0])):
            assert to_python(to_literal(v, tp).unwrap().value, tp).unwrap() == v
        literal_type_of(FlyteFile).unwrap()
        print(sorted(m for m in {NEW_MODULES!r} if m in sys.modules))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- local-prefix writes


@pytest.fixture(params=["local", "file-uri", "s3"])
def raw_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Storage]]:
    if request.param == "s3":
        s3 = request.getfixturevalue("s3")
        storage = Storage.from_env(s3.env)
        raw = s3.uri("raw")
    else:
        storage = Storage.from_env({})
        raw = str(tmp_path / "not-yet" / "raw")
        if request.param == "file-uri":
            raw = "file://" + raw
    previous = install_data_access(blob_io.StorageDataAccess(lambda: storage, str(tmp_path / "sb"), raw))
    yield raw, storage
    install_data_access(previous)


def test_new_remote_file_write_on_any_raw_prefix(raw_store: tuple[str, Storage], tmp_path: Path) -> None:
    raw, storage = raw_store
    ff = FlyteFile.new_remote_file("report.txt")
    assert str(ff.path) == raw + "/report.txt"  # flytekit: <raw output prefix>/<name>
    with ff.open("w") as fh:
        fh.write("hello")
    converted = to_literal(ff, FlyteFile, ConversionContext(raw_output_prefix=raw, local_sandbox=str(tmp_path / "st")))
    blob_io.perform_uploads(storage, converted.unwrap().uploads)
    uri = converted.unwrap().value.scalar.blob.uri
    assert storage.get_bytes(uri) == b"hello"


def test_new_remote_dir_new_file_write_on_any_raw_prefix(raw_store: tuple[str, Storage], tmp_path: Path) -> None:
    raw, storage = raw_store
    fd = FlyteDirectory.new_remote()
    with fd.new_file("a.bin").open("wb") as fh:
        fh.write(b"\x00\x01")
    with fd.new_file("b.bin").open("wb") as fh:
        fh.write(b"b")
    converted = to_literal(fd, FlyteDirectory, ConversionContext(raw_output_prefix=raw, local_sandbox=str(tmp_path)))
    blob_io.perform_uploads(storage, converted.unwrap().uploads)
    uri = converted.unwrap().value.scalar.blob.uri
    assert sorted(os.path.basename(f) for f in storage.list_files(uri)) == ["a.bin", "b.bin"]


def test_new_remote_alt_replaces_the_bucket(raw_store: tuple[str, Storage]) -> None:
    raw, _ = raw_store
    fd = FlyteDirectory.new_remote(stem="out", alt="other-bucket")
    if raw.startswith("s3://"):
        assert str(fd.path).startswith("s3://other-bucket/") and str(fd.path).endswith("/raw/out")
    else:
        assert str(fd.path) == raw + "/out"


# --------------------------------------------------------------------------- StructuredDataset registry

pd = pytest.importorskip("pandas")


class Frame:
    """A dataframe class of our own, stored as one text file."""

    def __init__(self, rows: list[str]) -> None:
        self.rows = rows


@pytest.fixture
def access(tmp_path: Path) -> Iterator[Storage]:
    storage = Storage.from_env({})
    previous = install_data_access(blob_io.StorageDataAccess(lambda: storage, str(tmp_path / "sb"), str(tmp_path / "raw")))
    yield storage
    install_data_access(previous)


@pytest.fixture
def registry() -> Iterator[Any]:
    """The handler registry, restored afterwards (registrations are process-wide, as in flytekit)."""
    import copy

    from flyte_entrypoint import StructuredDatasetTransformerEngine as E
    from flyte_entrypoint.core.type_engine import recognize
    from flyte_entrypoint.core.type_engine.engine import default_engine

    saved = [copy.deepcopy(x, memo={id(h): h for t in (E.ENCODERS, E.DECODERS) for p in t.values() for f in p.values()
                                    for h in f.values()})
             for x in (E.ENCODERS, E.DECODERS)]  # fmt: skip
    formats, protocols, extra = dict(E.DEFAULT_FORMATS), dict(E.DEFAULT_PROTOCOLS), set(recognize.EXTRA_DATAFRAME_TYPES)
    yield E
    for live, old in zip((E.ENCODERS, E.DECODERS), saved):
        live.clear()
        live.update(old)
    E.DEFAULT_FORMATS.clear()
    E.DEFAULT_FORMATS.update(formats)
    E.DEFAULT_PROTOCOLS.clear()
    E.DEFAULT_PROTOCOLS.update(protocols)
    recognize.EXTRA_DATAFRAME_TYPES.clear()
    recognize.EXTRA_DATAFRAME_TYPES.update(extra)
    default_engine().forget()


def _ctx(tmp_path: Path, seed: str = "1" * 32) -> ConversionContext:
    """A conversion context as the shell makes one (the api classes, the handler context)."""
    return blob_io.shell_parts(
        ConversionContext(raw_output_prefix=str(tmp_path / "raw"), local_sandbox=str(tmp_path / "st"), name_seed=seed)
    )


def _read(literal: Any, tp: Any, ctx: ConversionContext, storage: Storage | None = None) -> Any:
    """``to_python`` with the blob reads it plans carried out (the shell's loop), unwrapped."""
    store = storage if storage is not None else Storage.from_env({})
    return blob_io.convert_with_reads(store, ctx, lambda c: to_python(literal, tp, c)).unwrap()


def test_a_registered_encoder_and_decoder_handle_their_class(access: Storage, registry: Any, tmp_path: Path) -> None:
    from flyte_entrypoint import (
        DuplicateHandlerError,
        StructuredDataset,
        StructuredDatasetDecoder,
        StructuredDatasetEncoder,
        StructuredDatasetTransformerEngine,
    )

    class Enc(StructuredDatasetEncoder[Frame]):
        def __init__(self) -> None:
            super().__init__(Frame, None, "lines")

        def encode(self, ctx: Any, structured_dataset: Any, structured_dataset_type: Any) -> Any:
            uri = structured_dataset.uri
            os.makedirs(uri, exist_ok=True)
            Path(uri, "rows.txt").write_text("\n".join(structured_dataset.dataframe.rows))
            out = literals_pb2.StructuredDataset(uri=uri)
            out.metadata.structured_dataset_type.CopyFrom(structured_dataset_type)
            return out

    class Dec(StructuredDatasetDecoder[Frame]):
        def __init__(self) -> None:
            super().__init__(Frame, None, "lines")

        def decode(self, ctx: Any, flyte_value: Any, current_task_metadata: Any) -> Any:
            local = ctx.file_access.local_copy(flyte_value.uri, is_multipart=True)
            return Frame(Path(local, "rows.txt").read_text().split("\n"))

    StructuredDatasetTransformerEngine.register(Enc(), default_format_for_type=True)
    StructuredDatasetTransformerEngine.register(Dec())
    with pytest.raises(DuplicateHandlerError):
        StructuredDatasetTransformerEngine.register_for_protocol(Dec(), "fsspec", False, False, False, False)
    assert StructuredDatasetTransformerEngine.DEFAULT_FORMATS[Frame] == "lines"

    assert literal_type_of(Frame).unwrap().HasField("structured_dataset_type")
    converted = to_literal(Frame(["a", "b"]), Frame, _ctx(tmp_path)).unwrap()
    sd = converted.value.scalar.structured_dataset
    assert sd.uri.startswith(str(tmp_path / "raw") + "/") and sd.metadata.structured_dataset_type.format == "lines"
    blob_io.perform_uploads(access, converted.uploads)
    assert _read(converted.value, Frame, _ctx(tmp_path, "2" * 32)).rows == ["a", "b"]
    wrapper = to_python(converted.value, StructuredDataset, _ctx(tmp_path, "3" * 32)).unwrap()
    assert wrapper.open(Frame).all().rows == ["a", "b"]
    assert [f.rows for f in wrapper.open(Frame).iter()] == [["a", "b"]]  # one frame: a one-item iterator


def test_missing_handler_and_bad_wrapper_are_conversion_errors(access: Storage, tmp_path: Path) -> None:
    from flyte_entrypoint import StructuredDataset

    got = to_literal(StructuredDataset(dataframe=pd.DataFrame({"a": [1]})), Annotated[StructuredDataset, "avro"],
                     _ctx(tmp_path))  # fmt: skip
    assert isinstance(got, Failure) and "Failed to find a handler" in str(got.failure())
    got = to_literal(pd.DataFrame({"a": [1]}), StructuredDataset, _ctx(tmp_path))
    assert isinstance(got, Failure) and "Did you forget to wrap your dataframe" in str(got.failure())
    got = to_literal(StructuredDataset(), StructuredDataset, _ctx(tmp_path))
    assert isinstance(got, Failure) and "uri should be specified" in str(got.failure())


def test_structured_dataset_input_reads_lazily_with_the_declared_columns(access: Storage, tmp_path: Path) -> None:
    from flyte_entrypoint import StructuredDataset, kwtypes

    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"], "c": [0.5, 1.5]})
    converted = to_literal(frame, pd.DataFrame, _ctx(tmp_path)).unwrap()
    blob_io.perform_uploads(access, converted.uploads)
    sd = to_python(converted.value, Annotated[StructuredDataset, kwtypes(c=float, a=int)], _ctx(tmp_path)).unwrap()
    assert sd.uri is None and sd.literal is not None  # nothing read yet
    assert list(sd.open(pd.DataFrame).all().columns) == ["c", "a"]
    again = to_literal(sd, StructuredDataset, _ctx(tmp_path, "4" * 32)).unwrap()
    assert again.value.scalar.structured_dataset.uri == converted.value.scalar.structured_dataset.uri
    assert again.uploads == ()  # an input passed on is its literal, nothing uploaded


def test_csv_handlers_write_flytekits_layout(access: Storage, tmp_path: Path) -> None:
    from flyte_entrypoint import CSV, StructuredDataset, register_csv_handlers

    register_csv_handlers()
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    converted = to_literal(StructuredDataset(dataframe=frame), Annotated[StructuredDataset, CSV], _ctx(tmp_path))
    (up,) = converted.unwrap().uploads
    assert up.remote == converted.unwrap().value.scalar.structured_dataset.uri + "/.csv"
    assert up.data == b"a,b\n1,x\n2,y\n"


def test_json_iterator_and_typed_iterator(access: Storage, tmp_path: Path) -> None:
    from typing import Iterator as TIterator

    from flyte_entrypoint.iterators import JSON

    converted = to_literal(iter([{"k": "ü"}, [1, 2]]), TIterator[JSON], _ctx(tmp_path)).unwrap()
    (up,) = converted.uploads
    assert up.data.decode("utf-8") == '{"k": "ü"}\n[1, 2]\n'  # jsonlines' default layout
    blob_io.perform_uploads(access, converted.uploads)
    back = blob_io.convert_with_reads(
        access, _ctx(tmp_path), lambda c: to_python(converted.value, TIterator[JSON], c)
    )
    assert list(back.unwrap()) == [{"k": "ü"}, [1, 2]]
    empty = to_literal(iter([]), TIterator[JSON], _ctx(tmp_path))
    assert isinstance(empty, Failure) and empty.failure().message == "The iterator is empty."
    ints = to_python(to_literal(iter([1, 2, 3]), TIterator[int]).unwrap().value, TIterator[int]).unwrap()
    assert len(ints) == 3 and list(ints) == [1, 2, 3]


def test_a_flytesnacks_style_numpy_handler_takes_over_ndarray(
    access: Storage, registry: Any, tmp_path: Path
) -> None:
    """The structured_dataset.py example: a numpy encoder/decoder uploading through ``ctx.file_access`` itself.

    Registering it makes the dataset transformer own ``np.ndarray`` (as flytekit's ``register_additional_type``),
    even after ``np.ndarray`` was resolved to the NumpyArray blob transformer."""
    np = pytest.importorskip("numpy")
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    from flyte_entrypoint import (
        PARQUET,
        StructuredDataset,
        StructuredDatasetDecoder,
        StructuredDatasetEncoder,
        StructuredDatasetTransformerEngine,
    )

    assert literal_type_of(np.ndarray).unwrap().blob.format == "NumpyArray"

    class NumpyEncodingHandler(StructuredDatasetEncoder[Any]):
        def encode(self, ctx: Any, structured_dataset: Any, structured_dataset_type: Any) -> Any:
            df = structured_dataset.dataframe
            table = pa.Table.from_arrays(list(df), ["col" + str(i) for i in range(len(df))])
            path = ctx.file_access.get_random_remote_directory()
            local_dir = ctx.file_access.get_random_local_directory()
            pq.write_table(table, str(Path(local_dir) / f"{0:05}"))
            ctx.file_access.upload_directory(local_dir, path)
            out = literals_pb2.StructuredDataset(uri=path)
            out.metadata.structured_dataset_type.format = PARQUET
            return out

    class NumpyDecodingHandler(StructuredDatasetDecoder[Any]):
        def decode(self, ctx: Any, flyte_value: Any, current_task_metadata: Any) -> Any:
            local_dir = ctx.file_access.get_random_local_directory()
            ctx.file_access.get_data(flyte_value.uri, local_dir, is_multipart=True)
            return pq.read_table(local_dir).to_pandas().to_numpy()

    StructuredDatasetTransformerEngine.register(NumpyEncodingHandler(np.ndarray, None, PARQUET))
    StructuredDatasetTransformerEngine.register(NumpyDecodingHandler(np.ndarray, None, PARQUET))
    assert literal_type_of(np.ndarray).unwrap().HasField("structured_dataset_type")

    arr = np.array([[1, 2], [3, 4]])
    converted = to_literal(StructuredDataset(dataframe=arr), Annotated[StructuredDataset, None, PARQUET],
                           _ctx(tmp_path)).unwrap()  # fmt: skip
    assert converted.uploads == ()  # the handler uploaded by itself
    sd = to_python(converted.value, StructuredDataset, _ctx(tmp_path, "5" * 32)).unwrap()
    assert sd.open(np.ndarray).all().tolist() == [[1, 3], [2, 4]]
    frame = to_literal(pd.DataFrame({"Name": ["Tom", "Joseph"]}), pd.DataFrame, _ctx(tmp_path, "6" * 32)).unwrap()
    blob_io.perform_uploads(access, frame.uploads)
    as_sd = to_python(frame.value, StructuredDataset, _ctx(tmp_path, "7" * 32)).unwrap()
    assert as_sd.open(np.ndarray).all().tolist() == [["Tom"], ["Joseph"]]


def test_a_dataframe_with_its_own_uri_is_written_there_on_s3(s3: Any, tmp_path: Path) -> None:
    """``StructuredDataset(dataframe=df, uri="s3://.../exact")``: flytekit's encoder writes ``<uri>/00000``; so do we
    (staged locally, uploaded with the outputs); the output literal is that URI."""
    from flyte_entrypoint import StructuredDataset

    storage = Storage.from_env(s3.env)
    previous = install_data_access(blob_io.StorageDataAccess(lambda: storage, str(tmp_path / "sb"), s3.uri("raw")))
    try:
        frame = pd.DataFrame({"a": [1, 2, 3]})
        ctx = blob_io.shell_parts(
            ConversionContext(raw_output_prefix=s3.uri("raw"), local_sandbox=str(tmp_path / "st"), name_seed="8" * 32)
        )
        converted = to_literal(StructuredDataset(dataframe=frame, uri=s3.uri("exact")), StructuredDataset, ctx).unwrap()
        assert converted.value.scalar.structured_dataset.uri == s3.uri("exact")
        blob_io.perform_uploads(storage, converted.uploads)
        assert storage.list_files(s3.uri("exact")) == [s3.uri("exact", "00000")]
        back = _read(converted.value, pd.DataFrame, ConversionContext(local_sandbox=str(tmp_path / "in")), storage)
        assert back["a"].tolist() == [1, 2, 3]
    finally:
        install_data_access(previous)
