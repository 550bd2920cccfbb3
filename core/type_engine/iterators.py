"""``Iterator[JSON]`` (a JSON-lines blob) and ``Iterator[T]`` (a collection), as ``flytekit.types.iterator`` 1.16.

* ``Iterator[JSON]`` (``JSON Iterator``): ``blob { format: "jsonl" }`` with LiteralType ``metadata {"format":
  "json iterator"}``. Output: every value written as one line (``json.dumps`` with ``ensure_ascii=False``, the
  default separators: what flytekit's jsonlines writer writes) to ``<sandbox>/<hex32>/<hex32>``, uploaded to
  ``<raw>/<hex32>/<hex32>`` (planned as ``UploadBytes``: the lines never touch a local file); an empty iterator
  is ``ValueError: The iterator is empty.``. Input: the blob's bytes are read while the inputs are converted (as
  flytekit opens the file then: a missing blob fails the conversion, naming its URI) and a
  :class:`JSONIterator` parses one line per ``next()``.
* ``Iterator[T]`` (``Typed Iterator``): ``collection_type`` of ``T``; output: the elements converted one by one;
  input: a lazy :class:`FlyteIterator` (the blobs its elements read are asked for with the inputs).

The classes live here (pure: values in, values out) and ``flyte_entrypoint.iterators`` re-exports them.

Laws (``property_tests/test_iterator_laws.py``, ``property_tests/test_conversion_io_laws.py``; flytekit's shapes,
bytes and messages: ``tests/test_type_engine_iterators.py``):

* **A typed iterator is a list on the wire**: ``Iterator[T]`` has ``List[T]``'s LiteralType and literal, and reads
  back the same elements, in order, each time it is iterated.
* **JSON lines round trip**: one line per value; the lines read back are the values.
* **Reads are asked with the inputs**: the blobs the elements of an ``Iterator[T]`` need are in the first round's
  ``BlobsNeeded``; plain elements are not converted until reached.
"""

from __future__ import annotations

import collections.abc
import contextlib
import io
import json
import typing
from collections.abc import Callable, Iterator
from typing import Any, Dict, List, Union

from flyteidl.core import literals_pb2, types_pb2

from flyte_entrypoint.core import paths
from flyte_entrypoint.core.type_engine.engine import PENDING, ConversionError, Engine, Sink

__all__ = [
    "JSON",
    "JSON_ITERATOR",
    "TYPED_ITERATOR",
    "FlyteIterator",
    "JSONCollection",
    "JSONIterator",
    "JSONIteratorTransformer",
    "JSONScalar",
    "TypedIteratorTransformer",
]

JSONCollection = Union[Dict[str, Any], List[Any]]
JSONScalar = Union[bool, float, int, str]
JSON = Union[JSONCollection, JSONScalar]


class JSONIterator(Iterator[Any]):
    """The values of a JSON-lines blob (``uri``), one per line, parsed lazily from its bytes."""

    def __init__(self, uri: str, data: bytes = b"") -> None:
        self.uri = uri
        # as a text file reads: lines end at \n, \r or \r\n only (str.splitlines would also split inside a JSON
        # string at \x85, \u2028...)
        self._lines: Iterator[str] = iter(io.StringIO(data.decode("utf-8"), newline=None))

    def __iter__(self) -> JSONIterator:
        return self

    def __next__(self) -> Any:
        for line in self._lines:
            if line.strip():
                return json.loads(line)
        raise StopIteration("File handler is exhausted")


class FlyteIterator(Iterator[Any]):
    """The elements of a collection literal, each converted to python only when reached."""

    def __init__(self, length: int, convert: Callable[[int], Any]) -> None:
        self._length = length
        self._convert = convert
        self._index = 0

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> FlyteIterator:
        self._index = 0
        return self

    def __next__(self) -> Any:
        if self._index >= self._length:
            raise StopIteration
        value = self._convert(self._index)
        self._index += 1
        return value

JSONL = "jsonl"
JSON_ITERATOR_METADATA = "json iterator"


def _iterator_arg(tp: Any) -> Any:
    if typing.get_origin(tp) is collections.abc.Iterator:
        args = typing.get_args(tp)
        return args[0] if args else None
    return None


def _blob(uri: str) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.blob.metadata.type.format = JSONL
    # dimensionality SINGLE is the zero value (proto3 default): nothing to set
    lit.scalar.blob.uri = uri
    return lit


class JSONIteratorTransformer:
    name = "JSON Iterator"

    def handles(self, tp: Any) -> bool:
        return (_iterator_arg(tp) == JSON) or (isinstance(tp, type) and issubclass(tp, JSONIterator))

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        lt = types_pb2.LiteralType()
        lt.blob.format = JSONL
        # dimensionality SINGLE is the zero value (proto3 default): nothing to set
        lt.metadata.update({"format": JSON_ITERATOR_METADATA})
        return lt

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        try:
            lines = [json.dumps(v, ensure_ascii=False) + "\n" for v in value]
        except (TypeError, ValueError) as exc:  # flytekit lets json's exception through: its kind and message
            raise ConversionError(str(exc), kind=type(exc).__name__) from None
        if not lines:
            raise ConversionError("The iterator is empty.", kind="ValueError")
        folder, name = sink.unique_hex(), sink.unique_hex()
        remote = paths.join(sink.context.raw_output_prefix, folder, name)
        sink.plan_bytes(remote, "".join(lines).encode("utf-8"))
        return _blob(remote)

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        if literal.WhichOneof("value") != "scalar" or literal.scalar.WhichOneof("value") != "blob":
            raise ConversionError(f"Cannot convert from {literal} to {tp}")
        uri = literal.scalar.blob.uri
        data = sink.read_stored(uri, "cannot read the JSON lines")
        if data is None:
            return PENDING
        try:
            return JSONIterator(uri, data)  # decodes the bytes once
        except UnicodeDecodeError as exc:
            raise ConversionError(f"cannot read the JSON lines at {uri}: {exc}") from exc


_STORED_KINDS = ("blob", "structured_dataset_type")


def _may_read(lt: types_pb2.LiteralType) -> bool:
    """Could converting a value of this LiteralType read stored data (a blob, a dataset)? A FlyteSchema is read
    lazily by the task (``shell/schema_io.py``), never during conversion, so it needs no probe."""
    text = str(lt)
    return any(kind in text for kind in _STORED_KINDS)


class TypedIteratorTransformer:
    name = "Typed Iterator"

    def handles(self, tp: Any) -> bool:
        return _iterator_arg(tp) is not None

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        lt = types_pb2.LiteralType()
        lt.collection_type.CopyFrom(engine.literal_type(_iterator_arg(tp)))
        return lt

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        elem = engine.resolve(_iterator_arg(tp))
        lit = literals_pb2.Literal()
        coll = lit.collection
        coll.SetInParent()
        for i, v in enumerate(value):
            try:
                engine.write_with(elem, v, sink, coll.literals.add())
            except ConversionError as exc:
                raise exc.under(f"[{i}]") from None
        return lit

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        if literal.WhichOneof("value") != "collection":
            raise ConversionError(f"Cannot convert a {literal.WhichOneof('value')} literal to {tp}")
        elem = engine.resolve(_iterator_arg(tp))
        items = literal.collection.literals
        # The elements are converted when the task reaches them, after the inputs were converted: any blob they
        # read (a pickled or dataframe element) must be asked for now, so probe them once (values discarded) when
        # the element type holds anything stored outside the literal. An element that does not convert fails
        # when the task reaches it, as before.
        if _may_read(engine.literal_type(_iterator_arg(tp))):
            probe = sink.fork()
            for item in items:
                with contextlib.suppress(Exception):  # a bad element fails when the task reaches it
                    engine.read_with(elem, item, probe)
            sink.skip_names(probe)
        return FlyteIterator(len(items), lambda i: engine.read_with(elem, items[i], sink))


JSON_ITERATOR = JSONIteratorTransformer()
TYPED_ITERATOR = TypedIteratorTransformer()
