"""``Iterator[JSON]`` (a JSON-lines blob) and ``Iterator[T]`` (a collection), as ``flytekit.types.iterator`` 1.16.

* ``Iterator[JSON]`` (``JSON Iterator``): ``blob { format: "jsonl" }`` with LiteralType ``metadata {"format":
  "json iterator"}``. Output: every value written as one line (``json.dumps`` with ``ensure_ascii=False``, the
  default separators: what flytekit's jsonlines writer writes) to ``<sandbox>/<hex32>/<hex32>``, uploaded to
  ``<raw>/<hex32>/<hex32>``; an empty iterator is ``ValueError: The iterator is empty.``. Input: a lazy
  ``JSONIterator`` over the blob.
* ``Iterator[T]`` (``Typed Iterator``): ``collection_type`` of ``T``; output: the elements converted one by one;
  input: a lazy ``FlyteIterator``.

Writing the JSON-lines file goes through the data-access hook (``write_bytes``).
"""

from __future__ import annotations

import collections.abc
import json
import typing
from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from flyte_entrypoint.core import paths
from flyte_entrypoint.core.type_engine.engine import ConversionError, Engine, Sink, Upload
from flyte_entrypoint.iterators import JSON, FlyteIterator, JSONIterator

__all__ = ["JSON_ITERATOR", "TYPED_ITERATOR", "JSONIteratorTransformer", "TypedIteratorTransformer"]

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
    lit.scalar.blob.metadata.type.dimensionality = types_pb2.BlobType.SINGLE
    lit.scalar.blob.uri = uri
    return lit


class JSONIteratorTransformer:
    name = "JSON Iterator"

    def handles(self, tp: Any) -> bool:
        return (_iterator_arg(tp) == JSON) or (isinstance(tp, type) and issubclass(tp, JSONIterator))

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        lt = types_pb2.LiteralType()
        lt.blob.format = JSONL
        lt.blob.dimensionality = types_pb2.BlobType.SINGLE
        lt.metadata.update({"format": JSON_ITERATOR_METADATA})
        return lt

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        try:
            lines = [json.dumps(v, ensure_ascii=False) + "\n" for v in value]
        except TypeError as exc:
            raise ConversionError(f"{type(exc).__name__}: {exc}") from None
        if not lines:
            raise ConversionError("The iterator is empty.", kind="ValueError")
        folder, name = sink.unique_hex(), sink.unique_hex()
        local = paths.join(sink.context.local_sandbox, folder, name)
        from flyte_entrypoint.files import data_access

        data_access().write_bytes(local, "".join(lines).encode("utf-8"))
        remote = paths.join(sink.context.raw_output_prefix, folder, name)
        sink.plan_upload(Upload(local_path=local, remote=remote, is_directory=False))
        return _blob(remote)

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        if literal.WhichOneof("value") != "scalar" or literal.scalar.WhichOneof("value") != "blob":
            raise ConversionError(f"Cannot convert from {literal} to {tp}")
        return JSONIterator(literal.scalar.blob.uri)


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
        return FlyteIterator(len(items), lambda i: engine.read_with(elem, items[i], sink))


JSON_ITERATOR = JSONIteratorTransformer()
TYPED_ITERATOR = TypedIteratorTransformer()
