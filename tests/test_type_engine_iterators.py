"""``Iterator[JSON]`` (a JSON-lines blob) and ``Iterator[T]`` (a collection): ``core/type_engine/iterators.py``.

Expected values are flytekit 1.16's (``flytekit/types/iterator``, checked in the oracle venv): LiteralType ``blob
{ format: "jsonl" }`` with ``metadata {"format": "json iterator"}``; union tags ``JSON Iterator`` / ``Typed
Iterator``; the bytes its ``jsonlines.Writer`` writes (``"\\xc3\\xa9"\\n{"a": [1, 2.5, null]}\\ntrue\\n`` for ``["é",
{"a": [1, 2.5, None]}, True]``); ``ValueError: The iterator is empty.``; json's own ``TypeError`` for a value it
cannot write; ``StopIteration("File handler is exhausted")``; a ``Typed Iterator`` of nothing is an empty
``collection``; its ``FlyteIterator`` restarts on ``iter()``.
"""

from __future__ import annotations

import pickle
import typing
from collections.abc import Iterator
from typing import Annotated, Any, Optional

import pytest
from flyteidl.core import literals_pb2, types_pb2
from returns.result import Failure

from flyte_entrypoint.core.type_engine import iterators as it
from flyte_entrypoint.core.type_engine.engine import (
    PENDING,
    BlobRead,
    BlobsNeeded,
    ConversionContext,
    Sink,
    default_engine,
    literal_type_of,
    to_literal,
    to_python,
)
from flyte_entrypoint.core.type_engine.pickled import AllowPickle
from flyte_entrypoint.iterators import JSON, FlyteIterator, JSONIterator

CTX = ConversionContext(raw_output_prefix="s3://b/raw", local_sandbox="/nowhere", name_seed="a1" * 16)


class Opaque:
    def __init__(self, n: int) -> None:
        self.n = n

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Opaque) and other.n == self.n


def _jsonl(uri: str) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.blob.metadata.type.format = "jsonl"
    lit.scalar.blob.uri = uri
    return lit


def _ints(*values: int) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.collection.SetInParent()
    for v in values:
        lit.collection.literals.add().scalar.primitive.integer = v
    return lit


# ------------------------------------------------------------------------------------------------ FlyteIterator
def test_flyte_iterator_converts_each_element_when_reached() -> None:
    seen: list[int] = []

    def convert(i: int) -> str:
        seen.append(i)
        return "ab"[i]

    items = FlyteIterator(2, convert)
    assert len(items) == 2 and seen == []
    assert next(items) == "a" and seen == [0]
    assert next(items) == "b" and seen == [0, 1]
    with pytest.raises(StopIteration):
        next(items)
    assert seen == [0, 1]


def test_flyte_iterator_restarts_on_iter_as_flytekits() -> None:
    items = FlyteIterator(3, lambda i: i * 10)
    assert list(items) == [0, 10, 20]
    assert list(items) == [0, 10, 20]
    assert iter(items) is items


# ------------------------------------------------------------------------------------------------ JSONIterator
def test_json_iterator_reads_one_value_per_line_then_is_exhausted() -> None:
    rows = JSONIterator("s3://b/x", b'{"a": 1}\n[1, "\xc3\xa9"]\nnull\n')
    assert rows.uri == "s3://b/x" and iter(rows) is rows
    assert next(rows) == {"a": 1}
    assert next(rows) == [1, "é"]
    assert next(rows) is None
    with pytest.raises(StopIteration, match=r"^File handler is exhausted$"):
        next(rows)


def test_json_iterator_splits_lines_as_a_text_file_does() -> None:
    data = '1\r\n2\r3\n\n  \n"a\u2028b\x85c"\n'.encode()
    assert list(JSONIterator("u", data)) == [1, 2, 3, "a\u2028b\x85c"]  # blank lines skipped (see the README)
    assert list(JSONIterator("u")) == []


# ------------------------------------------------------------------------------------------------ types
def test_json_iterator_literal_type_and_tags_are_flytekits() -> None:
    want = types_pb2.LiteralType()
    want.blob.format = "jsonl"
    want.metadata.update({"format": "json iterator"})
    assert literal_type_of(Iterator[JSON]).unwrap() == want
    assert literal_type_of(typing.Iterator[JSON]).unwrap() == want
    assert literal_type_of(JSONIterator).unwrap() == want
    tags = [v.structure.tag for v in literal_type_of(Optional[Iterator[JSON]]).unwrap().union_type.variants]
    assert tags == ["JSON Iterator", "none"]
    tags = [v.structure.tag for v in literal_type_of(Optional[Iterator[int]]).unwrap().union_type.variants]
    assert tags == ["Typed Iterator", "none"]


def test_typed_iterator_literal_type_is_a_collection_of_the_element() -> None:
    want = types_pb2.LiteralType()
    want.collection_type.simple = types_pb2.INTEGER
    assert literal_type_of(Iterator[int]).unwrap() == want


def test_who_handles_what() -> None:
    class Rows(JSONIterator):
        pass

    assert it.JSON_ITERATOR.handles(Iterator[JSON]) and it.JSON_ITERATOR.handles(Rows)
    assert not it.JSON_ITERATOR.handles(Iterator[int]) and not it.JSON_ITERATOR.handles(dict)
    assert it.TYPED_ITERATOR.handles(Iterator[int]) and it.TYPED_ITERATOR.handles(typing.Iterator[str])
    for bare in (typing.Iterator, Iterator, list[int], int):
        assert not it.TYPED_ITERATOR.handles(bare) and not it.JSON_ITERATOR.handles(bare)


# ------------------------------------------------------------------------------------------------ JSON lines out
def test_json_lines_are_planned_as_the_bytes_jsonlines_writes() -> None:
    converted = to_literal(iter(["é", {"a": [1, 2.5, None]}, True]), Iterator[JSON], CTX).unwrap()
    (up,) = converted.uploads
    assert up.data == b'"\xc3\xa9"\n{"a": [1, 2.5, null]}\ntrue\n'
    raw, folder, name = up.remote.rsplit("/", 2)
    assert (raw, len(folder), len(name)) == ("s3://b/raw", 32, 32)
    want = _jsonl(up.remote)
    assert converted.value == want


def test_an_empty_iterator_is_flytekits_value_error() -> None:
    got = to_literal(iter([]), Iterator[JSON], CTX)
    assert isinstance(got, Failure)
    assert (got.failure().kind, got.failure().message) == ("ValueError", "The iterator is empty.")


def test_a_value_json_cannot_write_is_jsons_own_error() -> None:
    got = to_literal(iter([{1, 2}]), Iterator[JSON], CTX)
    assert isinstance(got, Failure)
    assert (got.failure().kind, got.failure().message) == ("TypeError", "Object of type set is not JSON serializable")
    loop: dict[str, Any] = {}
    loop["a"] = loop
    got = to_literal(iter([loop]), Iterator[JSON], CTX)
    assert isinstance(got, Failure)
    assert (got.failure().kind, got.failure().message) == ("ValueError", "Circular reference detected")


# ------------------------------------------------------------------------------------------------ JSON lines in
def test_a_json_lines_input_asks_for_its_blob_then_iterates_it() -> None:
    uri = "s3://b/in/rows"
    first = to_python(_jsonl(uri), Iterator[JSON], CTX)
    assert isinstance(first, Failure) and first.failure().reads == (BlobRead(uri),)
    got = to_python(_jsonl(uri), Iterator[JSON], ConversionContext(blobs={BlobRead(uri): b'1\n{"k": "v"}\n'}))
    rows = got.unwrap()
    assert isinstance(rows, JSONIterator) and rows.uri == uri and list(rows) == [1, {"k": "v"}]
    assert it.JSON_ITERATOR.to_python(_jsonl(uri), Iterator[JSON], default_engine(), Sink(CTX)) is PENDING


def test_a_missing_or_undecodable_json_lines_blob_is_a_conversion_error_naming_its_uri() -> None:
    uri = "s3://b/in/rows"
    got = to_python(_jsonl(uri), Iterator[JSON], ConversionContext(blobs={BlobRead(uri): None}))
    assert isinstance(got, Failure) and str(got.failure()) == f"cannot read the JSON lines at {uri}: it does not exist"
    bad = to_python(_jsonl(uri), Iterator[JSON], ConversionContext(blobs={BlobRead(uri): b"\xff\n"}))
    assert isinstance(bad, Failure)
    assert str(bad.failure()).startswith(f"cannot read the JSON lines at {uri}: 'utf-8' codec can't decode")


@pytest.mark.parametrize("literal", [_ints(1), literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=1)))])
def test_a_literal_that_is_not_a_blob_is_not_json_lines(literal: literals_pb2.Literal) -> None:
    got = to_python(literal, Iterator[JSON], CTX)
    assert isinstance(got, Failure) and not isinstance(got.failure(), BlobsNeeded)
    assert str(got.failure()).startswith("Cannot convert from ")


# ------------------------------------------------------------------------------------------------ typed iterators
def test_a_typed_iterator_is_a_collection_of_its_elements() -> None:
    assert to_literal(iter([1, 2, 3]), Iterator[int], CTX).unwrap().value == _ints(1, 2, 3)
    empty = to_literal(iter([]), Iterator[int], CTX).unwrap().value
    assert empty == _ints() and empty.WhichOneof("value") == "collection"  # flytekit: an empty collection


def test_a_bad_element_names_its_index() -> None:
    got = to_literal(iter([1, "x"]), Iterator[int], CTX)
    assert isinstance(got, Failure) and got.failure().path == "[1]"


def test_a_typed_iterator_reads_lazily() -> None:
    items = to_python(_ints(4, 5), Iterator[int], CTX).unwrap()
    assert isinstance(items, FlyteIterator) and len(items) == 2 and list(items) == [4, 5]


def test_a_typed_iterator_input_must_be_a_collection() -> None:
    got = to_python(_jsonl("s3://b/x"), Iterator[int], CTX)
    assert isinstance(got, Failure) and str(got.failure()) == "Cannot convert a scalar literal to collections.abc.Iterator[int]"


def test_the_blobs_of_pickled_elements_are_asked_for_with_the_inputs() -> None:
    tp = Iterator[Annotated[Opaque, AllowPickle]]
    lit = literals_pb2.Literal()
    for name in ("p", "q"):
        blob = lit.collection.literals.add().scalar.blob
        blob.metadata.type.format = "PythonPickle"
        blob.uri = f"s3://b/in/{name}"
    got = to_python(lit, tp, CTX)
    assert isinstance(got, Failure) and got.failure().reads == (BlobRead("s3://b/in/p"), BlobRead("s3://b/in/q"))
    blobs = {BlobRead("s3://b/in/p"): pickle.dumps(Opaque(1)), BlobRead("s3://b/in/q"): pickle.dumps(Opaque(2))}
    assert list(to_python(lit, tp, ConversionContext(blobs=blobs)).unwrap()) == [Opaque(1), Opaque(2)]


def test_a_bad_element_fails_only_when_reached() -> None:
    tp = Iterator[Annotated[Opaque, AllowPickle]]
    lit = literals_pb2.Literal()
    lit.collection.literals.add().scalar.primitive.integer = 1  # not a pickle
    blob = lit.collection.literals.add().scalar.blob
    blob.metadata.type.format = "PythonPickle"
    blob.uri = "s3://b/in/q"
    got = to_python(lit, tp, CTX)
    assert isinstance(got, Failure) and got.failure().reads == (BlobRead("s3://b/in/q"),)
    items = to_python(lit, tp, ConversionContext(blobs={BlobRead("s3://b/in/q"): pickle.dumps(Opaque(2))})).unwrap()
    with pytest.raises(Exception, match="Cannot unpickle a scalar literal"):
        next(items)


def test_dataframe_elements_ask_for_their_folders_with_the_inputs() -> None:
    pd = pytest.importorskip("pandas")
    lit = literals_pb2.Literal()
    sd = lit.collection.literals.add().scalar.structured_dataset
    sd.uri = "s3://b/in/frame"
    sd.metadata.structured_dataset_type.format = "parquet"
    got = to_python(lit, Iterator[pd.DataFrame], CTX)
    assert isinstance(got, Failure) and isinstance(got.failure(), BlobsNeeded)
    assert [r.uri for r in got.failure().reads] == ["s3://b/in/frame"]


def test_plain_elements_are_not_probed() -> None:
    calls: list[int] = []
    engine = default_engine()
    resolved = engine.resolve(int)

    class Counting:
        name = "counting"

        def handles(self, tp: Any) -> bool:
            return tp is int

        def literal_type(self, tp: Any, eng: Any) -> types_pb2.LiteralType:
            return resolved.transformer.literal_type(tp, eng)

        def to_literal(self, value: Any, tp: Any, eng: Any, sink: Sink) -> literals_pb2.Literal:
            return resolved.transformer.to_literal(value, tp, eng, sink)

        def to_python(self, literal: literals_pb2.Literal, tp: Any, eng: Any, sink: Sink) -> Any:
            calls.append(literal.scalar.primitive.integer)
            return resolved.transformer.to_python(literal, tp, eng, sink)

    from flyte_entrypoint.core.type_engine.engine import Engine

    counting = Engine([Counting(), *engine.transformers])
    items = to_python(_ints(7, 8), Iterator[int], CTX, engine=counting).unwrap()
    assert calls == []  # no element was converted while the inputs were
    assert list(items) == [7, 8] and calls == [7, 8]
