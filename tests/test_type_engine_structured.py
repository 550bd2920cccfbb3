"""``StructuredDataset`` and dataframes <-> ``structured_dataset`` literals (``core/type_engine/structured.py``).

Literal shapes (URI, format, columns, external schema) are flytekit 1.16.31's for the same values (run in
``.oracle-venv``; written here in protobuf text format), error texts flytekit's messages. Conversions go through the
core with the blobs supplied in the ``ConversionContext`` (no storage): outputs are checked by the uploads they
plan, inputs by the reads they ask for and the values they give from the supplied bytes.
"""

from __future__ import annotations

import io
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import msgpack
import pytest
from flyteidl.core import literals_pb2, types_pb2
from google.protobuf import struct_pb2, text_format
from returns.result import Failure

from flyte_entrypoint.core.type_engine import recognize
from flyte_entrypoint.core.type_engine.dataframe import kwtypes
from flyte_entrypoint.core.type_engine.dataset_handlers import (
    StructuredDatasetDecoder,
    StructuredDatasetEncoder,
)
from flyte_entrypoint.core.type_engine.dataset_handlers import StructuredDatasetTransformerEngine as E
from flyte_entrypoint.core.type_engine.engine import (
    BlobRead,
    BlobsNeeded,
    ConversionContext,
    ConversionError,
    Upload,
    UploadBytes,
    default_engine,
    literal_type_of,
    to_literal,
    to_python,
)
from flyte_entrypoint.core.type_engine.structured import STRUCTURED_DATASET, sd_from_dict, sd_to_dict
from flyte_entrypoint.structured import StructuredDataset

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")

RAW = "s3://bucket/raw"
SANDBOX = "/sandbox"
FRAME = {"a": [1, 2], "b": ["x", "y"]}


def ctx(**kw: Any) -> ConversionContext:
    kw.setdefault("classes", {"StructuredDataset": StructuredDataset})
    return ConversionContext(raw_output_prefix=RAW, local_sandbox=SANDBOX, name_seed="5" * 32, **kw)


def sd_literal(text: str) -> literals_pb2.Literal:
    return text_format.Parse(f"scalar {{ structured_dataset {{ {text} }} }}", literals_pb2.Literal())


def metadata(text: str) -> literals_pb2.StructuredDatasetMetadata:
    return text_format.Parse(text, literals_pb2.StructuredDatasetMetadata())


def parquet_bytes(frame: Any) -> bytes:
    """flytekit's pandas parquet encoder: ``df.to_parquet(path, coerce_timestamps="us", allow_truncated_timestamps=False)``."""
    buf = io.BytesIO()
    frame.to_parquet(buf, coerce_timestamps="us", allow_truncated_timestamps=False)
    return buf.getvalue()


def error(result: Any) -> ConversionError:
    assert isinstance(result, Failure), result
    err = result.failure()
    assert isinstance(err, ConversionError) and not isinstance(err, BlobsNeeded), err
    return err


@pytest.fixture
def registry() -> Iterator[None]:
    saved = {name: {tp: {p: dict(f) for p, f in by.items()} for tp, by in getattr(E, name).items()}
             for name in ("ENCODERS", "DECODERS")}  # fmt: skip
    flat = {name: dict(getattr(E, name)) for name in ("DEFAULT_FORMATS", "DEFAULT_PROTOCOLS")}
    extra = set(recognize.EXTRA_DATAFRAME_TYPES)
    yield
    for name, value in {**saved, **flat}.items():
        getattr(E, name).clear()
        getattr(E, name).update(value)
    recognize.EXTRA_DATAFRAME_TYPES.clear()
    recognize.EXTRA_DATAFRAME_TYPES.update(extra)
    default_engine().forget()


# ---- the type --------------------------------------------------------------------------------------------------


def test_the_transformer_owns_wrappers_builtin_frames_and_registered_classes(registry: None) -> None:
    assert STRUCTURED_DATASET.name == "StructuredDataset Transformer"  # the union tag flytekit writes
    for tp in (StructuredDataset, type("Mine", (StructuredDataset,), {}), pd.DataFrame, pa.Table,
               Annotated[pd.DataFrame, kwtypes(a=int)], Annotated[StructuredDataset, "csv"]):  # fmt: skip
        assert STRUCTURED_DATASET.handles(tp), tp
    frame_class = type("Frame", (), {})
    for tp in (int, list[int], "DataFrame", frame_class, Annotated[int, "csv"]):
        assert not STRUCTURED_DATASET.handles(tp), tp
    E.register(Enc(frame_class, None, "lines"))
    assert STRUCTURED_DATASET.handles(frame_class)


def test_an_arrow_schema_is_the_external_schema() -> None:
    schema = pa.schema([("a", pa.int64()), ("b", pa.string())])
    got = literal_type_of(Annotated[StructuredDataset, kwtypes(a=int), schema]).unwrap()
    flytekit = 'columns { name: "a" literal_type { simple: INTEGER } } external_schema_type: "arrow" '
    flytekit += 'external_schema_bytes: "a: int64\\nb: string"'
    assert got == text_format.Parse(f"structured_dataset_type {{ {flytekit} }}", types_pb2.LiteralType())


# ---- outputs: built-in encoders --------------------------------------------------------------------------------


def test_a_bare_dataframe_is_written_with_the_default_format_whatever_the_annotation() -> None:
    """flytekit's quirk: a bare frame picks the encoder by the class's default format (parquet); the annotation's
    format is only in the type, and the literal carries the encoder's."""
    frame = pd.DataFrame(FRAME)
    got = to_literal(frame, Annotated[pd.DataFrame, kwtypes(a=int), "csv"], ctx()).unwrap()
    sd = got.value.scalar.structured_dataset
    assert sd.uri.startswith(RAW + "/") and len(sd.uri) == len(RAW) + 33
    assert got.value == sd_literal(
        f'uri: "{sd.uri}" metadata {{ structured_dataset_type {{ columns {{ name: "a" literal_type {{ simple: INTEGER }} }}'
        ' format: "parquet" } }'
    )
    assert got.uploads == (UploadBytes(sd.uri + "/00000", parquet_bytes(frame)),)


def test_a_wrapped_dataframe_is_written_with_the_annotated_format() -> None:
    frame = pd.DataFrame(FRAME)
    got = to_literal(StructuredDataset(dataframe=frame), Annotated[StructuredDataset, "csv"], ctx()).unwrap()
    sd = got.value.scalar.structured_dataset
    assert sd.uri.startswith(RAW + "/") and sd.metadata.structured_dataset_type.format == "csv"
    assert got.uploads == (UploadBytes(sd.uri + "/.csv", b"a,b\n1,x\n2,y\n"),)
    plain = to_literal(StructuredDataset(dataframe=frame), StructuredDataset, ctx()).unwrap()
    assert plain.value.scalar.structured_dataset.metadata.structured_dataset_type.format == "parquet"


def test_a_wrapped_dataframe_with_a_uri_is_written_there() -> None:
    frame = pd.DataFrame(FRAME)
    got = to_literal(StructuredDataset(dataframe=frame, uri="gs://other/exact"), StructuredDataset, ctx()).unwrap()
    assert got.value.scalar.structured_dataset.uri == "gs://other/exact"
    assert [u.remote for u in got.uploads] == ["gs://other/exact/00000"]


def test_an_arrow_table_is_written_as_parquet() -> None:
    table = pa.table({"a": [1, 2]})
    got = to_literal(table, pa.Table, ctx()).unwrap()
    (up,) = got.uploads
    assert up.remote == got.value.scalar.structured_dataset.uri + "/00000"
    import pyarrow.parquet as pq

    assert pq.read_table(io.BytesIO(up.data)).equals(table)
    assert got.value.scalar.structured_dataset.metadata.structured_dataset_type.format == "parquet"


def test_output_refusals_are_flytekits() -> None:
    frame = pd.DataFrame(FRAME)
    err = error(to_literal(frame, StructuredDataset, ctx()))
    assert "Expected a StructuredDataset instance, but got <class 'pandas.DataFrame'> instead." in str(err)
    assert "Did you forget to wrap your dataframe in a StructuredDataset instance?" in str(err)
    err = error(to_literal([1, 2], pd.DataFrame, ctx()))
    assert "Expected a pandas" in str(err) and "DataFrame, got <class 'list'>" in str(err)
    err = error(to_literal(StructuredDataset(), StructuredDataset, ctx()))
    assert str(err).startswith("If dataframe is not specified, then the uri should be specified. StructuredDataset(")
    assert err.kind == "ValueError"
    err = error(to_literal(StructuredDataset(dataframe=frame), Annotated[StructuredDataset, "avro"], ctx()))
    assert "Failed to find a handler for <class 'pandas.DataFrame'>, protocol [s3], fmt ['avro']" in str(err)
    assert err.kind == "ValueError"


def test_a_frame_the_encoder_cannot_write_is_a_conversion_error() -> None:
    bad = pd.DataFrame({"a": pd.Series([1, "x"], dtype=object)})
    err = error(to_literal(bad, pd.DataFrame, ctx()))
    assert str(err).startswith("could not write the dataframe as parquet: Arrow")


# ---- outputs: wrappers without a dataframe -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "tp", "flytekit"),
    [
        (StructuredDataset(uri="s3://b/x", file_format="csv"), StructuredDataset,
         'uri: "s3://b/x" metadata { structured_dataset_type { format: "csv" } }'),
        (StructuredDataset(uri="s3://b/x", file_format="csv"), Annotated[StructuredDataset, kwtypes(a=int), "parquet"],
         'uri: "s3://b/x" metadata { structured_dataset_type { columns { name: "a" literal_type { simple: INTEGER } }'
         ' format: "parquet" } }'),
        (StructuredDataset(uri="s3://b/x"), Annotated[StructuredDataset, kwtypes(a=int)],
         'uri: "s3://b/x" metadata { structured_dataset_type { columns { name: "a" literal_type { simple: INTEGER } }'
         " } }"),
    ],
)  # fmt: skip
def test_a_remote_uri_is_written_as_it_is(value: Any, tp: Any, flytekit: str) -> None:
    got = to_literal(value, tp, ctx()).unwrap()
    assert got.value == sd_literal(flytekit) and got.uploads == ()


def test_a_local_file_or_folder_is_uploaded_first(tmp_path: Path) -> None:
    (tmp_path / "data.parquet").write_bytes(b"x")
    (tmp_path / "dataX").write_bytes(b"x")
    (tmp_path / "folder").mkdir()
    one = to_literal(StructuredDataset(uri=str(tmp_path / "data.parquet")), StructuredDataset, ctx()).unwrap()
    (up,) = one.uploads
    assert up == Upload(str(tmp_path / "data.parquet"), up.remote, is_directory=False)
    assert up.remote.startswith(RAW + "/") and up.remote.endswith("/data.parquet") and len(up.remote) == len(RAW) + 46
    assert one.value.scalar.structured_dataset.uri == up.remote
    named_x = to_literal(StructuredDataset(uri=str(tmp_path / "dataX")), StructuredDataset, ctx()).unwrap()
    assert [(u.local_path, u.remote.rpartition("/")[2]) for u in named_x.uploads] == [(str(tmp_path / "dataX"), "dataX")]
    folder = to_literal(StructuredDataset(uri=f"file://{tmp_path}/folder/"), StructuredDataset, ctx()).unwrap()
    (up,) = folder.uploads
    assert up == Upload(str(tmp_path / "folder"), up.remote, is_directory=True) and up.remote.endswith("/folder")
    assert folder.value.scalar.structured_dataset.uri == up.remote + "/"  # flytekit's upload of a folder


def test_an_input_wrapper_passed_on_is_its_literal() -> None:
    stored = sd_literal('uri: "s3://b/in" metadata { structured_dataset_type { format: "csv" } }')
    wrapper = to_python(stored, StructuredDataset, ctx()).unwrap()
    got = to_literal(wrapper, Annotated[StructuredDataset, kwtypes(a=int), "parquet"], ctx()).unwrap()
    assert got.value == stored and got.uploads == ()
    wrapper._dataframe = pd.DataFrame(FRAME)
    err = error(to_literal(wrapper, StructuredDataset, ctx()))
    assert str(err).startswith("Shouldn't have specified both literal") and err.kind == "ValueError"
    wrapper._already_uploaded = True
    assert to_literal(wrapper, StructuredDataset, ctx()).unwrap().value == stored


# ---- outputs: encoders user code registered ----------------------------------------------------------------------


class Frame:
    def __init__(self, rows: list[str]) -> None:
        self.rows = rows


class Enc(StructuredDatasetEncoder[Any]):
    """Answers what ``answer(staged_wrapper, declared_type)`` gives; remembers what it was called with."""

    def __init__(self, tp: Any, protocol: str | None, fmt: str, answer: Any = None) -> None:
        super().__init__(tp, protocol, fmt)
        self.answer = answer
        self.calls: list[tuple[Any, Any, Any]] = []

    def encode(self, ctx: Any, structured_dataset: Any, structured_dataset_type: Any) -> Any:
        self.calls.append((ctx, structured_dataset, structured_dataset_type))
        return self.answer(structured_dataset, structured_dataset_type)


def _written_at(uri: str, text: str = "") -> Any:
    def answer(sd: Any, sdt: Any) -> literals_pb2.StructuredDataset:
        out = literals_pb2.StructuredDataset(uri=uri.format(staged=sd.uri))
        if text:
            text_format.Parse(text, out.metadata)
        return out

    return answer


HANDLER_CTX = types.SimpleNamespace(file_access=None)


def test_a_user_encoder_writes_into_staging_and_the_folder_is_uploaded(registry: None) -> None:
    enc = Enc(Frame, None, "lines", _written_at("{staged}"))
    E.register(enc)
    got = to_literal(Frame(["a"]), Annotated[Frame, kwtypes(a=int)], ctx(handler_context=HANDLER_CTX)).unwrap()
    ((handler_ctx, staged, declared),) = enc.calls
    hex32 = staged.uri.rpartition("/")[2]
    assert handler_ctx is HANDLER_CTX and staged.uri == f"{SANDBOX}/{hex32}" and len(hex32) == 32
    assert type(staged) is StructuredDataset and staged.dataframe.rows == ["a"] and staged.file_format == ""
    assert [c.name for c in declared.columns] == ["a"]
    assert got.uploads == (Upload(staged.uri, f"{RAW}/{hex32}", is_directory=True),)
    assert got.value == sd_literal(
        f'uri: "{RAW}/{hex32}" metadata {{ structured_dataset_type {{ columns {{ name: "a" literal_type {{ simple: INTEGER }} }}'
        ' format: "lines" } }'
    )  # the declared type filled in, the handler's format


@pytest.mark.parametrize(
    ("written", "suffix"), [("file://{staged}/", ""), ("{staged}/part/0", "/part/0")]
)
def test_a_uri_under_staging_is_moved_to_the_destination(registry: None, written: str, suffix: str) -> None:
    E.register(Enc(Frame, None, "lines", _written_at(written)))
    got = to_literal(StructuredDataset(dataframe=Frame([]), uri="s3://b/exact"), StructuredDataset,
                     ctx(handler_context=HANDLER_CTX)).unwrap()  # fmt: skip
    assert got.value.scalar.structured_dataset.uri == "s3://b/exact" + suffix
    (up,) = got.uploads
    assert up.remote == "s3://b/exact" and up.is_directory and up.local_path.startswith(SANDBOX + "/")


@pytest.mark.parametrize("written", ["s3://elsewhere/k", "{staged}X", "{staged}-other/part"])
def test_a_uri_the_handler_wrote_itself_is_kept_and_nothing_uploaded(registry: None, written: str) -> None:
    E.register(Enc(Frame, None, "lines", _written_at(written, 'structured_dataset_type { format: "mine" }')))
    got = to_literal(Frame([]), Frame, ctx(handler_context=HANDLER_CTX)).unwrap()
    assert got.uploads == ()
    sd = got.value.scalar.structured_dataset
    assert not sd.uri.startswith(RAW) and sd.metadata.structured_dataset_type.format == "lines"


def test_a_wrapper_given_to_a_user_encoder_keeps_its_class_format_and_metadata(registry: None) -> None:
    enc = Enc(Frame, None, "lines", _written_at("s3://x/y"))
    E.register(enc)
    mine = type("MySD", (StructuredDataset,), {})
    meta = metadata('structured_dataset_type { format: "q" }')
    value = mine(dataframe=Frame([]), metadata=meta, file_format="lines")
    to_literal(value, StructuredDataset, ctx(handler_context=HANDLER_CTX)).unwrap()
    ((_, staged, _),) = enc.calls
    assert type(staged) is mine and staged.metadata is meta and staged.file_format == "lines"


@pytest.mark.parametrize(
    ("returned", "columns"),
    [
        ("", ["a"]),  # no metadata: the declared type
        ("SetInParent", ["a"]),  # metadata without a type: the declared type
        ('structured_dataset_type { columns { name: "h" } format: "mine" }', ["h"]),  # the handler's own type
    ],
)
def test_the_declared_type_fills_in_only_a_missing_type(registry: None, returned: str, columns: list[str]) -> None:
    """flytekit's ``encode``: ``if sd_model.metadata is None`` / ``... structured_dataset_type is None`` -> the
    declared type; the format is always the handler's."""

    def answer(sd: Any, sdt: Any) -> literals_pb2.StructuredDataset:
        out = literals_pb2.StructuredDataset(uri="s3://x/y")
        if returned == "SetInParent":
            out.metadata.SetInParent()
        elif returned:
            text_format.Parse(returned, out.metadata)
        return out

    E.register(Enc(Frame, None, "lines", answer))
    got = to_literal(Frame([]), Annotated[Frame, kwtypes(a=int)], ctx(handler_context=HANDLER_CTX)).unwrap()
    sdt = got.value.scalar.structured_dataset.metadata.structured_dataset_type
    assert [c.name for c in sdt.columns] == columns and sdt.format == "lines"


def test_a_model_with_to_flyte_idl_is_accepted(registry: None) -> None:
    model = types.SimpleNamespace(to_flyte_idl=lambda: literals_pb2.StructuredDataset(uri="s3://m/k"))
    E.register(Enc(Frame, None, "lines", lambda sd, sdt: model))
    got = to_literal(Frame([]), Frame, ctx(handler_context=HANDLER_CTX)).unwrap()
    assert got.value.scalar.structured_dataset.uri == "s3://m/k"


def test_user_encoder_failures(registry: None) -> None:
    E.register(Enc(Frame, None, "lines", lambda sd, sdt: 42))
    err = error(to_literal(Frame([]), Frame, ctx(handler_context=HANDLER_CTX)))
    assert str(err) == "a StructuredDataset encoder returned int, not a StructuredDataset"

    def boom(sd: Any, sdt: Any) -> Any:
        raise RuntimeError("disk full")

    E.register(Enc(Frame, None, "lines", boom), override=True)
    err = error(to_literal(Frame([]), Frame, ctx(handler_context=HANDLER_CTX)))
    assert str(err) == "could not write the dataframe with Enc: RuntimeError: disk full"

    def refuse(sd: Any, sdt: Any) -> Any:
        raise ConversionError("my own words", kind="ValueError")

    E.register(Enc(Frame, None, "lines", refuse), override=True)
    err = error(to_literal(Frame([]), Frame, ctx(handler_context=HANDLER_CTX)))
    assert str(err) == "my own words" and err.kind == "ValueError"
    err = error(to_literal(Frame([]), Frame, ctx()))
    assert str(err) == "a StructuredDataset handler registered by user code needs the caller's handler context"
    err = error(to_literal(Frame([]), Frame, ctx(handler_context=HANDLER_CTX, classes={})))
    assert str(err) == "ConversionContext.classes has no 'StructuredDataset' class to wrap the dataframe in"


def test_a_default_storage_picks_the_encoder_whatever_the_destination(registry: None) -> None:
    E.register(Enc(Frame, "bq", "", _written_at("bq://project/table")), default_for_type=True)
    got = to_literal(Frame([]), Frame, ctx(handler_context=HANDLER_CTX)).unwrap()  # destination is on s3
    assert got.value.scalar.structured_dataset.uri == "bq://project/table"


# ---- inputs ------------------------------------------------------------------------------------------------------

INCOMING = (
    'uri: "s3://b/y" metadata { structured_dataset_type { columns { name: "a" literal_type { simple: INTEGER } } '
    'columns { name: "b" literal_type { simple: STRING } } format: "csv" external_schema_type: "arrow" '
    'external_schema_bytes: "a: int64" } }'
)


@pytest.mark.parametrize(
    ("tp", "flytekit_metadata"),
    [
        (StructuredDataset,
         'structured_dataset_type { columns { name: "a" literal_type { simple: INTEGER } } columns { name: "b" '
         'literal_type { simple: STRING } } format: "csv" external_schema_type: "arrow" external_schema_bytes: "a: int64" }'),
        (Annotated[StructuredDataset, kwtypes(b=str)],
         'structured_dataset_type { columns { name: "b" literal_type { simple: STRING } } format: "csv" '
         'external_schema_type: "arrow" external_schema_bytes: "a: int64" }'),
    ],
)  # fmt: skip
def test_a_wrapper_input_holds_the_literal_and_the_columns_to_read(tp: Any, flytekit_metadata: str) -> None:
    incoming = sd_literal(INCOMING)
    got = to_python(incoming, tp, ctx()).unwrap()
    assert type(got) is StructuredDataset and got.dataframe is None and got.uri is None
    assert got.metadata == metadata(flytekit_metadata)
    assert got.literal == incoming.scalar.structured_dataset and got.literal is not incoming.scalar.structured_dataset
    assert got.file_format == "csv"


def test_a_wrapper_subclass_input_is_that_class() -> None:
    mine = type("MySD", (StructuredDataset,), {})
    assert type(to_python(sd_literal(INCOMING), mine, ctx()).unwrap()) is mine


SCHEMA_LITERAL = 'scalar { schema { uri: "s3://b/s" type { ' + " ".join(
    f'columns {{ name: "c{t}" type: {t} }}' for t in range(6)
) + " } } }"


@pytest.mark.parametrize(
    ("tp", "flytekit_metadata"),
    [
        (StructuredDataset,
         'structured_dataset_type { columns { name: "c0" literal_type { simple: INTEGER } } columns { name: "c1" '
         'literal_type { simple: FLOAT } } columns { name: "c2" literal_type { simple: STRING } } columns { name: "c3" '
         'literal_type { simple: BOOLEAN } } columns { name: "c4" literal_type { simple: DATETIME } } columns { name: '
         '"c5" literal_type { simple: DURATION } } format: "parquet" }'),
        (Annotated[StructuredDataset, kwtypes(x=float)],
         'structured_dataset_type { columns { name: "x" literal_type { simple: FLOAT } } format: "parquet" }'),
    ],
)  # fmt: skip
def test_a_legacy_schema_literal_reads_as_parquet(tp: Any, flytekit_metadata: str) -> None:
    got = to_python(text_format.Parse(SCHEMA_LITERAL, literals_pb2.Literal()), tp, ctx()).unwrap()
    assert got.metadata == metadata(flytekit_metadata)
    assert got.literal == literals_pb2.StructuredDataset(uri="s3://b/s", metadata=metadata(flytekit_metadata))


def test_a_legacy_schema_literal_as_a_dataframe() -> None:
    lit = text_format.Parse(SCHEMA_LITERAL, literals_pb2.Literal())
    first = to_python(lit, pd.DataFrame, ctx())
    assert isinstance(first, Failure) and first.failure().reads == (BlobRead("s3://b/s", is_directory=True),)
    frame = pd.DataFrame({"x": [1.5], "y": [2]})
    blobs = {BlobRead("s3://b/s", True): {"00000": parquet_bytes(frame)}}
    got = to_python(lit, Annotated[pd.DataFrame, kwtypes(x=float)], ctx(blobs=blobs)).unwrap()
    assert got.to_dict("list") == {"x": [1.5]}


def _binary(obj: Any, tag: str = "msgpack") -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.binary.value = msgpack.dumps(obj)
    lit.scalar.binary.tag = tag
    return lit


def _generic(obj: dict[str, Any]) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.generic.CopyFrom(struct_pb2.Struct())
    lit.scalar.generic.update(obj)
    return lit


@pytest.mark.parametrize("make", [_binary, _generic])
def test_a_dataclass_attribute_reads_as_its_uri_and_format(make: Any) -> None:
    """flytekit's ``dict_to_structured_dataset``: ``uri: "s3://b/m" metadata { structured_dataset_type { format: "csv" } }``."""
    got = to_python(make({"uri": "s3://b/m", "file_format": "csv"}), StructuredDataset, ctx()).unwrap()
    assert got.literal == literals_pb2.StructuredDataset(
        uri="s3://b/m", metadata=metadata('structured_dataset_type { format: "csv" }')
    )
    assert got.file_format == "csv"
    bare = to_python(make({"uri": "s3://b/m"}), StructuredDataset, ctx()).unwrap()
    assert bare.literal == literals_pb2.StructuredDataset(uri="s3://b/m", metadata=metadata("structured_dataset_type {}"))


def test_dataclass_attribute_refusals_are_flytekits() -> None:
    err = error(to_python(_binary({"file_format": "csv"}), StructuredDataset, ctx()))
    assert str(err) == "StructuredDataset's uri and file format should not be None" and err.kind == "ValueError"
    err = error(to_python(_binary(["s3://b/m"]), StructuredDataset, ctx()))
    assert str(err) == "StructuredDataset's uri and file format should not be None"
    err = error(to_python(_binary({"uri": "s3://b/m"}, tag="json"), StructuredDataset, ctx()))
    assert str(err) == "Unsupported binary format: `json`"
    err = error(to_python(_binary({1: "x", "uri": "s3://b/m"}), StructuredDataset, ctx()))
    assert "int is not allowed for map key" in str(err)  # flytekit's msgpack.loads: strict map keys


def test_sd_dicts() -> None:
    """What flytekit's ``_serialize`` stores for a StructuredDataset field, and back."""
    lit = sd_literal('uri: "s3://b/k" metadata { structured_dataset_type { format: "csv" } }')
    assert sd_to_dict(lit) == {"uri": "s3://b/k", "file_format": "csv"}
    assert sd_from_dict({"uri": "s3://b/k", "file_format": "csv"}) == lit
    assert sd_from_dict({"uri": "s3://b/k", "file_format": 3}) == sd_literal(
        'uri: "s3://b/k" metadata { structured_dataset_type { } }'
    )
    with pytest.raises(ConversionError, match="uri and file format should not be None"):
        sd_from_dict({"uri": 3})


def test_other_literals_are_refused() -> None:
    coll = literals_pb2.Literal()
    coll.collection.literals.add()
    assert str(error(to_python(coll, pd.DataFrame, ctx()))).startswith("Cannot convert a collection literal to")
    prim = literals_pb2.Literal()
    prim.scalar.primitive.integer = 1
    err = error(to_python(prim, StructuredDataset, ctx()))
    assert str(err).startswith("Cannot convert a scalar primitive literal to") and "expected a structured dataset" in str(err)


def test_a_parquet_input_reads_the_folder_with_the_declared_columns() -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"], "c": [0.5, 1.5]})
    lit = sd_literal('uri: "s3://b/d" metadata { structured_dataset_type { format: "parquet" } }')
    first = to_python(lit, pd.DataFrame, ctx())
    assert isinstance(first, Failure) and first.failure().reads == (BlobRead("s3://b/d", is_directory=True),)
    blobs = {BlobRead("s3://b/d", True): {"00000": parquet_bytes(frame)}}
    got = to_python(lit, Annotated[pd.DataFrame, kwtypes(c=float, a=int)], ctx(blobs=blobs)).unwrap()
    assert got.to_dict("list") == {"c": [0.5, 1.5], "a": [1, 2]}
    table = to_python(lit, pa.Table, ctx(blobs=blobs)).unwrap()
    assert table.column_names == ["a", "b", "c"]


def test_a_csv_input_reads_one_file() -> None:
    lit = sd_literal('uri: "s3://b/c" metadata { structured_dataset_type { format: "csv" } }')
    first = to_python(lit, pd.DataFrame, ctx())
    assert isinstance(first, Failure) and first.failure().reads == (BlobRead("s3://b/c/.csv", is_directory=False),)
    got = to_python(lit, pd.DataFrame, ctx(blobs={BlobRead("s3://b/c/.csv"): b"a,b\n1,x\n"})).unwrap()
    assert got.to_dict("list") == {"a": [1], "b": ["x"]}
    err = error(to_python(lit, pd.DataFrame, ctx(blobs={BlobRead("s3://b/c/.csv"): None})))
    assert str(err) == "could not read the structured dataset at s3://b/c: s3://b/c/.csv does not exist"


def test_unreadable_inputs_are_conversion_errors() -> None:
    lit = sd_literal('uri: "s3://b/d" metadata { structured_dataset_type { format: "parquet" } }')
    err = error(to_python(lit, pd.DataFrame, ctx(blobs={BlobRead("s3://b/d", True): {"00000": b"not parquet"}})))
    assert str(err).startswith("could not read the structured dataset at s3://b/d: Arrow")
    err = error(to_python(lit, pd.DataFrame, ctx(blobs={BlobRead("s3://b/d", True): None})))
    assert str(err) == "could not read the structured dataset at s3://b/d: s3://b/d does not exist"
    avro = sd_literal('uri: "s3://b/d" metadata { structured_dataset_type { format: "avro" } }')
    err = error(to_python(avro, pd.DataFrame, ctx()))
    assert "could not read the structured dataset at s3://b/d: ValueError: Failed to find a handler" in str(err)


class Dec(StructuredDatasetDecoder[Any]):
    def decode(self, ctx: Any, flyte_value: Any, current_task_metadata: Any) -> Any:
        return (ctx, flyte_value.uri, [c.name for c in current_task_metadata.structured_dataset_type.columns])


def test_a_user_decoder_reads_with_the_callers_context(registry: None) -> None:
    E.register(Dec(Frame, None, "lines"))
    lit = sd_literal(
        'uri: "s3://b/f" metadata { structured_dataset_type { columns { name: "z" literal_type { simple: STRING } } '
        'format: "lines" } }'
    )
    assert to_python(lit, Frame, ctx(handler_context=HANDLER_CTX)).unwrap() == (HANDLER_CTX, "s3://b/f", ["z"])
    err = error(to_python(lit, Frame, ctx()))
    assert str(err) == "a StructuredDataset handler registered by user code needs the caller's handler context"
