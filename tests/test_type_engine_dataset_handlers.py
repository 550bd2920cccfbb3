"""The StructuredDataset handler registry and the built-in handlers (``core/type_engine/dataset_handlers.py``).

The lookup and registration rules are flytekit 1.16.31's: every scenario below was run on flytekit's
``StructuredDatasetTransformerEngine`` (``.oracle-venv``) with the same registrations, and the expected handler,
default format, default storage and registry keys are what it gave. The built-in handlers move their bytes through
the ``ctx.file_access`` they are given (a recording fake here: no storage).
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Any

import pytest
from flyteidl.core import literals_pb2, types_pb2
from returns.result import Failure

from flyte_entrypoint.core.type_engine import dataset_handlers as dh
from flyte_entrypoint.core.type_engine import recognize
from flyte_entrypoint.core.type_engine.dataset_handlers import (
    DuplicateHandlerError,
    StructuredDatasetDecoder,
    StructuredDatasetEncoder,
)
from flyte_entrypoint.core.type_engine.dataset_handlers import StructuredDatasetTransformerEngine as E
from flyte_entrypoint.core.type_engine.engine import default_engine, literal_type_of

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")


@pytest.fixture(autouse=True)
def registry() -> Iterator[None]:
    """Registrations are process-wide (as flytekit's): put the registry back as it was after each test."""
    saved = {
        name: {tp: {p: dict(f) for p, f in by.items()} for tp, by in getattr(E, name).items()}
        for name in ("ENCODERS", "DECODERS")
    }
    flat = {name: dict(getattr(E, name)) for name in ("DEFAULT_FORMATS", "DEFAULT_PROTOCOLS", "Renderers")}
    extra, registered = set(recognize.EXTRA_DATAFRAME_TYPES), set(dh._REGISTERED)
    yield
    dh._REGISTERED.clear()
    dh._REGISTERED.update(registered)
    for name, value in {**saved, **flat}.items():
        live = getattr(E, name)
        live.clear()
        live.update(value)
    recognize.EXTRA_DATAFRAME_TYPES.clear()
    recognize.EXTRA_DATAFRAME_TYPES.update(extra)
    default_engine().forget()


class Enc(StructuredDatasetEncoder[Any]):
    def __init__(self, tp: Any, protocol: str | None, fmt: str | None, tag: str) -> None:
        super().__init__(tp, protocol, fmt)
        self.tag = tag

    def encode(self, ctx: Any, structured_dataset: Any, structured_dataset_type: Any) -> Any:
        raise AssertionError


class Dec(StructuredDatasetDecoder[Any]):
    def __init__(self, tp: Any, protocol: str | None, fmt: str | None, result: Any = None) -> None:
        super().__init__(tp, protocol, fmt, additional_protocols=["gs"])
        self.result = result

    def decode(self, ctx: Any, flyte_value: Any, current_task_metadata: Any) -> Any:
        return self.result(current_task_metadata) if callable(self.result) else self.result


def _lookup(tp: type, protocol: str, fmt: str) -> str:
    try:
        return E.get_encoder(tp, protocol, fmt).tag  # type: ignore[attr-defined,no-any-return]
    except ValueError as exc:
        return "ERR " + str(exc).replace(repr(tp), "T")


def _missing(protocol: str, fmt: str) -> str:
    return f"ERR Failed to find a handler for T, protocol [{protocol}], fmt ['{fmt}']"


# (registrations: (protocol, format, tag, register kwargs)), (lookups: (protocol, format) -> tag)), default format,
# default storage, registry keys by protocol -- all flytekit 1.16.31's answers
SCENARIOS: dict[str, tuple[list[tuple[Any, ...]], dict[tuple[str, str], str], Any, Any, dict[str, list[str]]]] = {
    "an exact match first": (
        [("s3", "a", "s3a", {}), (None, "a", "fa", {})],
        {("s3", "a"): "s3a", ("gs", "a"): "fa"},
        None, None, {"s3": ["a"], "fsspec": ["a"]},
    ),
    "any-protocol handlers by format": (
        [(None, "a", "fa", {}), (None, "b", "fb", {})],
        {("gs", "b"): "fb", ("gs", "a"): "fa", ("gs", ""): _missing("gs", ""), ("gs", "c"): _missing("gs", "c")},
        None, None, {"fsspec": ["a", "b"]},
    ),
    "the any-protocol generic format": (
        [(None, "", "fg", {}), (None, "a", "fa", {})],
        {("gs", "zzz"): "fg", ("gs", "a"): "fa", ("gs", ""): "fg"},
        None, None, {"fsspec": ["", "a"]},
    ),
    "the any-protocol default format, for the generic format only": (
        [(None, "a", "fa", {"default_format_for_type": True}), (None, "b", "fb", {"default_format_for_type": True})],
        {("gs", ""): "fa", ("gs", "c"): _missing("gs", "c"), ("gs", "b"): "fb"},
        "a", None, {"fsspec": ["a", "b"]},
    ),
    "the only any-protocol handler, for the generic format only": (
        [(None, "a", "fa", {})],
        {("gs", ""): "fa", ("gs", "zzz"): _missing("gs", "zzz")},
        None, None, {"fsspec": ["a"]},
    ),
    "the protocol's generic format": (
        [("s3", "", "sg", {}), ("s3", "b", "sb", {})],
        {("s3", "x"): "sg", ("s3", "b"): "sb", ("gs", "x"): _missing("gs", "x")},
        None, None, {"s3": ["", "b"]},
    ),
    "the protocol's default format, whatever the format asked": (
        [("s3", "a", "sa", {"default_format_for_type": True}), ("s3", "b", "sb", {})],
        {("s3", "c"): "sa", ("s3", ""): "sa"},
        "a", None, {"s3": ["a", "b"]},
    ),
    "the protocol's only handler, whatever the format asked": (
        [("s3", "a", "sa", {})],
        {("s3", "c"): "sa", ("s3", ""): "sa", ("gs", "a"): _missing("gs", "a")},
        None, None, {"s3": ["a"]},
    ),
    "the protocol's handler before an any-protocol one": (
        [(None, "x", "fx", {}), ("s3", "", "sg", {})],
        {("s3", "x"): "sg", ("gs", "x"): "fx"},
        None, None, {"fsspec": ["x"], "s3": [""]},
    ),
    "an any-protocol format match before the protocol's only handler": (
        [(None, "x", "fx", {}), ("s3", "y", "sy", {})],
        {("s3", "x"): "fx"},
        None, None, {"fsspec": ["x"], "s3": ["y"]},
    ),
    "the protocol's only handler before the only any-protocol one": (
        [(None, "a", "fa", {}), ("s3", "b", "sb", {})],
        {("s3", ""): "sb", ("s3", "q"): "sb"},
        None, None, {"fsspec": ["a"], "s3": ["b"]},
    ),
    "a default format registered for one protocol only": (
        [(None, "a", "fa", {}), (None, "b", "fb", {}), ("s3", "b", "sb", {}),
         ("s3", "c", "sc", {"default_format_for_type": True})],
        {("s3", ""): "sc", ("s3", "z"): "sc", ("gs", ""): _missing("gs", "")},
        "c", None, {"fsspec": ["a", "b"], "s3": ["b", "c"]},
    ),
    "default_for_type sets the format once and the storage each time": (
        [("s3", "a", "sa", {"default_for_type": True}), ("gs", "b", "gb", {"default_for_type": True}),
         ("gs", "c", "gc", {"default_storage_for_type": True})],
        {("s3", "a"): "sa"},
        "a", "gs", {"s3": ["a"], "gs": ["b", "c"]},
    ),
    "the default storage is the latest asked for": (
        [("s3", "a", "sa", {"default_storage_for_type": True}), ("gs", "b", "gb", {"default_storage_for_type": True})],
        {("s3", "a"): "sa"},
        None, "gs", {"s3": ["a"], "gs": ["b"]},
    ),
    "the first default format wins, the generic format is never one": (
        [("s3", "a", "sa", {"default_format_for_type": True}), ("s3", "b", "sb", {"default_format_for_type": True}),
         ("s3", "", "sg", {"default_format_for_type": True})],
        {("s3", "a"): "sa"},
        "a", None, {"s3": ["a", "b", ""]},
    ),
    "override replaces the default format": (
        [("s3", "a", "sa", {"default_format_for_type": True}),
         ("s3", "b", "sb", {"default_format_for_type": True, "override": True})],
        {("s3", "a"): "sa"},
        "b", None, {"s3": ["a", "b"]},
    ),
    "duplicates: refused for a protocol, skipped for any protocol, replaced with override": (
        [("s3", "a", "s1", {}), ("s3", "a", "s3o", {"override": True}), (None, "a", "f1", {}), (None, "a", "f2", {}),
         (None, "a", "f3", {"override": True})],
        {("s3", "a"): "s3o", ("gs", "a"): "f3"},
        None, None, {"s3": ["a"], "fsspec": ["a"]},
    ),
    "'s3://' is 's3' and '/' is 'file'": (
        [("s3://", "a", "sa", {}), ("/", "a", "root", {})],
        {("s3", "a"): "sa", ("file", "a"): "root", ("/", "a"): _missing("/", "a")},
        None, None, {"s3": ["a"], "file": ["a"]},
    ),
    "nothing registered": ([], {("s3", "a"): _missing("s3", "a")}, None, None, {}),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_lookups_and_defaults_are_flytekits(name: str) -> None:
    registrations, lookups, default_format, default_storage, keys = SCENARIOS[name]
    tp = type("T", (), {})
    for protocol, fmt, tag, kwargs in registrations:
        E.register(Enc(tp, protocol, fmt, tag), **kwargs)
    assert {key: _lookup(tp, *key) for key in lookups} == lookups
    assert E.DEFAULT_FORMATS.get(tp) == default_format
    assert E.DEFAULT_PROTOCOLS.get(tp) == default_storage
    assert {p: list(f) for p, f in E.ENCODERS.get(tp, {}).items()} == keys
    assert tp not in E.DECODERS


def test_registration_errors_are_flytekits() -> None:
    tp = type("T", (), {})
    E.register(Enc(tp, "s3", "a", "first"))
    with pytest.raises(DuplicateHandlerError, match=r"Already registered a handler for \(<class '.*T'>, 's3', 'a'\)"):
        E.register(Enc(tp, "s3", "a", "second"))
    with pytest.raises(ValueError, match="with all protocols should never have default specified"):
        E.register(Enc(tp, None, "a", "any"), default_for_type=True)
    assert "fsspec" not in E.ENCODERS[tp]
    with pytest.raises(TypeError, match="We don't support this type of handler"):
        E.register(object())  # type: ignore[arg-type]
    empty = Enc(tp, None, "a", "empty")
    empty._protocol = ""  # the constructor turns "" into None; a subclass may still answer ""
    with pytest.raises(ValueError, match="Use None instead of empty string"):
        E.register(empty)


def test_handler_keys_normalise_protocol_and_format() -> None:
    enc = Enc(int, "gs://", None, "x")
    assert (enc.python_type, enc.protocol, enc.supported_format) == (int, "gs", "")
    assert Enc(int, "", "", "x").protocol is None
    dec = Dec(int, "s3", "csv")
    assert (dec.python_type, dec.protocol, dec.supported_format) == (int, "s3", "csv")


def test_decoders_live_in_their_own_table() -> None:
    tp = type("T", (), {})
    dec = Dec(tp, None, "a", "frame")
    E.register(dec)
    assert E.get_decoder(tp, "s3", "a") is dec
    assert tp not in E.ENCODERS
    with pytest.raises(ValueError, match="Failed to find a handler"):
        E.get_encoder(tp, "s3", "a")


def test_a_registered_class_is_a_dataframe_type_from_then_on() -> None:
    tp = type("Frame", (), {})
    assert not E.has_handlers(tp)
    assert isinstance(literal_type_of(tp), Failure)  # no transformer for it yet
    E.register(Dec(tp, None, "a"))
    assert tp in recognize.EXTRA_DATAFRAME_TYPES and E.has_handlers(tp)
    assert literal_type_of(tp).unwrap() == types_pb2.LiteralType(structured_dataset_type=types_pb2.StructuredDatasetType())
    only_encoder = type("Frame2", (), {})
    E.register(Enc(only_encoder, "s3", "a", "e"))
    assert E.has_handlers(only_encoder)


def test_register_renderer() -> None:
    tp, renderer = type("T", (), {}), object()
    E.register_renderer(tp, renderer)
    assert E.Renderers[tp] is renderer


def _stored(uri: str, fmt: str) -> literals_pb2.StructuredDataset:
    sd = literals_pb2.StructuredDataset(uri=uri)
    sd.metadata.structured_dataset_type.format = fmt
    return sd


def test_open_as_and_iter_as_pick_the_decoder_by_the_uris_protocol_and_format() -> None:
    tp = type("T", (), {})
    meta = literals_pb2.StructuredDatasetMetadata()
    E.register(Dec(tp, "s3", "a", result="from-s3"))
    E.register(Dec(tp, "gs", "a", result="from-gs"))
    E.register(Dec(tp, "s3", "b", result=lambda m: iter(["x", "y"])))
    assert E.open_as(None, _stored("s3://bucket/k", "a"), tp, meta) == "from-s3"
    assert E.open_as(None, _stored("gs://bucket/k", "a"), tp, meta) == "from-gs"
    assert list(E.iter_as(None, _stored("s3://bucket/k", "a"), tp, meta)) == ["from-s3"]  # one value: one item
    assert list(E.iter_as(None, _stored("s3://bucket/k", "b"), tp, meta)) == ["x", "y"]


def test_open_as_refuses_a_generator() -> None:
    tp = type("T", (), {})

    def frames(meta: Any) -> Iterator[str]:
        yield "x"

    E.register(Dec(tp, None, "a", result=frames))
    with pytest.raises(ValueError, match=r"returned iterator .* but whole value requested"):
        E.open_as(None, _stored("s3://b/k", "a"), tp, literals_pb2.StructuredDatasetMetadata())


def test_the_columns_a_reader_keeps() -> None:
    meta = literals_pb2.StructuredDatasetMetadata()
    assert dh.columns_of(meta) is None and dh.columns_of(None) is None
    for name in ("b", "a"):
        meta.structured_dataset_type.columns.add().name = name
    assert dh.columns_of(meta) == ["b", "a"]


# ---- the built-in handlers --------------------------------------------------------------------------------


def test_builtin_handlers_register_as_flytekit_on_first_lookup() -> None:
    """flytekit 1.16.31 after its lazy registration: pandas parquet then csv, arrow parquet, parquet the default."""
    assert E.get_encoder(pd.DataFrame, "s3", "parquet").supported_format == "parquet"
    assert E.get_decoder(pd.DataFrame, "file", "csv").supported_format == "csv"
    assert E.get_encoder(pa.Table, "gs", "").supported_format == "parquet"
    assert {p: list(f) for p, f in E.ENCODERS[pd.DataFrame].items()} == {"fsspec": ["parquet", "csv"]}
    assert {p: list(f) for p, f in E.DECODERS[pd.DataFrame].items()} == {"fsspec": ["parquet", "csv"]}
    assert {p: list(f) for p, f in E.ENCODERS[pa.Table].items()} == {"fsspec": ["parquet"]}
    assert {p: list(f) for p, f in E.DECODERS[pa.Table].items()} == {"fsspec": ["parquet"]}
    assert E.DEFAULT_FORMATS[pd.DataFrame] == E.DEFAULT_FORMATS[pa.Table] == "parquet"
    assert pd.DataFrame not in E.DEFAULT_PROTOCOLS and pa.Table not in E.DEFAULT_PROTOCOLS


def test_builtin_families() -> None:
    parquet_enc, parquet_dec = dh.builtin_handlers("pandas")
    csv_enc, csv_dec = dh.builtin_handlers("csv")
    arrow_enc, arrow_dec = dh.builtin_handlers("pyarrow")
    got = [(h.python_type, h.protocol, h.supported_format, type(h)) for h in
           (parquet_enc, parquet_dec, csv_enc, csv_dec, arrow_enc, arrow_dec)]  # fmt: skip
    assert got == [
        (pd.DataFrame, None, "parquet", dh.BuiltinEncoder), (pd.DataFrame, None, "parquet", dh.BuiltinDecoder),
        (pd.DataFrame, None, "csv", dh.BuiltinEncoder), (pd.DataFrame, None, "csv", dh.BuiltinDecoder),
        (pa.Table, None, "parquet", dh.BuiltinEncoder), (pa.Table, None, "parquet", dh.BuiltinDecoder),
    ]
    assert (parquet_dec.file_name, csv_dec.file_name, arrow_dec.file_name) == (None, ".csv", None)
    with pytest.raises(ValueError, match="no built-in StructuredDataset handlers named 'polars'"):
        dh.builtin_handlers("polars")


def test_builtin_kinds_are_recognised_by_name() -> None:
    assert dh._builtin_kind(pd.DataFrame) == "pandas" and E.has_handlers(pd.DataFrame)
    assert dh._builtin_kind(pa.Table) == "pyarrow" and E.has_handlers(pa.Table)
    assert dh._builtin_kind(type("DataFrame", (), {"__module__": "pandas"})) == "pandas"
    assert dh._builtin_kind(type("Table", (), {"__module__": "pyarrow"})) == "pyarrow"
    assert dh._builtin_kind(type("DataFrame", (), {"__module__": "pandas.core.frame"})) == "pandas"
    for other in (
        type("DataFrame", (), {"__module__": "polars"}),
        type("DataFrame", (), {"__module__": "pandasx.frame"}),
        type("Table", (), {"__module__": "pandas"}),
        type("Table", (), {"__module__": "pyarrowx"}),
        type("Series", (), {"__module__": "pandas.core"}),
        type("DataFrame", (), {"__module__": None}),
        type("MyFrame", (pd.DataFrame,), {}),  # a subclass is not the class flytekit's handlers are registered for
        "DataFrame",
    ):
        assert dh._builtin_kind(other) is None
        assert not E.has_handlers(other)


class FileAccess:
    """The ``ctx.file_access`` of a handler context, recording what a built-in handler writes and reads."""

    raw_output_prefix = "s3://bucket/raw"

    def __init__(self, files: dict[str, bytes] | None = None) -> None:
        self.put: dict[str, bytes] = {}
        self.files = files or {}

    def join(self, *parts: str) -> str:
        return "/".join(parts)

    def get_random_string(self) -> str:
        return "f" * 32

    def put_bytes(self, uri: str, data: bytes) -> None:
        self.put[uri] = data

    def get_bytes(self, uri: str) -> bytes:
        return self.files[uri]

    def get_dataset_files(self, uri: str) -> dict[str, bytes]:
        return {k[len(uri) + 1 :]: v for k, v in self.files.items() if k.startswith(uri + "/")}


def _handler_ctx(fa: FileAccess) -> Any:
    return types.SimpleNamespace(file_access=fa)


def test_a_builtin_encoder_writes_flytekits_layout_through_the_context() -> None:
    enc = E.get_encoder(pd.DataFrame, "s3", "csv")
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    declared = types_pb2.StructuredDatasetType()
    declared.columns.add().name = "a"
    fa = FileAccess()
    out = enc.encode(_handler_ctx(fa), types.SimpleNamespace(uri=None, dataframe=frame), declared)
    assert out.uri == "s3://bucket/raw/" + "f" * 32  # flytekit: join(raw_output_prefix, get_random_string())
    assert fa.put == {out.uri + "/.csv": b"a,b\n1,x\n2,y\n"}
    assert [c.name for c in out.metadata.structured_dataset_type.columns] == ["a"]
    assert out.metadata.structured_dataset_type.format == "csv"
    fa2 = FileAccess()
    out2 = enc.encode(_handler_ctx(fa2), types.SimpleNamespace(uri="s3://b/exact", dataframe=frame), declared)
    assert out2.uri == "s3://b/exact" and list(fa2.put) == ["s3://b/exact/.csv"]


def test_builtin_decoders_read_through_the_context() -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    parquet = E.get_encoder(pd.DataFrame, "s3", "parquet")
    fa = FileAccess()
    written = parquet.encode(_handler_ctx(fa), types.SimpleNamespace(uri="s3://b/d", dataframe=frame),
                             types_pb2.StructuredDatasetType())  # fmt: skip
    assert list(fa.put) == ["s3://b/d/00000"]
    reader = FileAccess(files=fa.put)
    meta = literals_pb2.StructuredDatasetMetadata()
    meta.structured_dataset_type.columns.add().name = "b"
    back = E.get_decoder(pd.DataFrame, "s3", "parquet").decode(_handler_ctx(reader), written, meta)
    assert back["b"].tolist() == ["x", "y"] and list(back.columns) == ["b"]
    csv_reader = FileAccess(files={"s3://b/c/.csv": b"a,b\n1,x\n"})
    got = E.get_decoder(pd.DataFrame, "s3", "csv").decode(
        _handler_ctx(csv_reader), _stored("s3://b/c", "csv"), literals_pb2.StructuredDatasetMetadata()
    )
    assert got.to_dict("list") == {"a": [1], "b": ["x"]}


def test_register_functions_are_idempotent() -> None:
    dh.register_csv_handlers()
    dh.register_arrow_handlers()
    before = {tp: {p: dict(f) for p, f in by.items()} for tp, by in E.ENCODERS.items()}
    dh.register_csv_handlers()
    dh.register_pandas_handlers()
    dh.register_arrow_handlers()
    assert {tp: {p: dict(f) for p, f in by.items()} for tp, by in E.ENCODERS.items()} == before
