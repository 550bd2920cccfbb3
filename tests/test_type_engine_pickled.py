"""The opt-in pickle fallback (``core/type_engine/pickled.py``, PROTOCOL 10.9): ``Annotated[T, AllowPickle]``.

Shapes are flytekit 1.16's ``FlytePickleTransformer``: LiteralType ``blob { format: "PythonPickle" }`` with
``metadata {"python_class_name": str(T)}``; literal ``scalar { blob { metadata { type { format: "PythonPickle" } }
uri } }`` at ``<raw>/<random>/<md5 of the bytes>``; ``Cannot pickle None Value.``; union tag ``FlytePickle``. The
bytes are a standard pickle stream (``pickle.loads`` reads them), stdlib protocol 5 without cloudpickle.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
import types
from typing import Annotated, Optional

import pytest
from flyteidl.core import literals_pb2, types_pb2
from returns.result import Failure

from flyte_entrypoint.core.type_engine import pickled as pk
from flyte_entrypoint.core.type_engine.engine import (
    PENDING,
    BlobRead,
    BlobsNeeded,
    ConversionContext,
    ConversionError,
    UploadBytes,
    literal_type_of,
    to_literal,
    to_python,
)
from flyte_entrypoint.core.type_engine.pickled import AllowPickle

CTX = ConversionContext(raw_output_prefix="s3://b/raw", local_sandbox="/nowhere", name_seed="cd" * 16)


class Opaque:
    """A type the engine has no transformer for."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Opaque) and other.n == self.n


PICKLED = Annotated[Opaque, AllowPickle]


def _blob(uri: str, fmt: str = "PythonPickle") -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.blob.metadata.type.format = fmt
    lit.scalar.blob.uri = uri
    return lit


def _int_literal(n: int) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.primitive.integer = n
    return lit


# ------------------------------------------------------------------------------------------------ the marker
def test_the_marker_as_a_class_or_an_instance_allows_pickle() -> None:
    assert pk.allows_pickle(Annotated[Opaque, AllowPickle]) is True
    assert pk.allows_pickle(Annotated[Opaque, AllowPickle()]) is True
    assert pk.allows_pickle(Annotated[Opaque, "doc", AllowPickle]) is True
    assert repr(AllowPickle()) == "AllowPickle"


def test_without_the_marker_nothing_is_pickled() -> None:
    assert pk.allows_pickle(Opaque) is False
    assert pk.allows_pickle(int) is False
    assert pk.allows_pickle(Annotated[Opaque, "doc"]) is False
    assert pk.allows_pickle(list[Opaque]) is False
    got = literal_type_of(Annotated[Opaque, "doc"])
    assert isinstance(got, Failure)  # an unsupported type without the opt-in is refused


def test_the_marker_is_taken_out_and_other_metadata_kept() -> None:
    assert pk._without_marker(Annotated[Opaque, AllowPickle]) is Opaque
    assert pk._without_marker(Annotated[Opaque, "x", AllowPickle, "y"]) == Annotated[Opaque, "x", "y"]
    assert pk._without_marker(Annotated[Opaque, AllowPickle(), "y"]) == Annotated[Opaque, "y"]


# ------------------------------------------------------------------------------------------------ types
def test_literal_type_is_flytekits() -> None:
    want = types_pb2.LiteralType()
    want.blob.format = "PythonPickle"
    want.blob.dimensionality = types_pb2.BlobType.SINGLE
    want.metadata.fields["python_class_name"].string_value = str(Opaque)
    assert literal_type_of(PICKLED).unwrap() == want
    assert pk.PYTHON_PICKLE_FORMAT == "PythonPickle"


def test_a_supported_type_keeps_its_normal_encoding() -> None:
    tp = Annotated[int, AllowPickle]
    assert literal_type_of(tp).unwrap() == literal_type_of(int).unwrap()
    converted = to_literal(5, tp, CTX).unwrap()
    assert converted.value == _int_literal(5) and converted.uploads == ()
    assert to_python(_int_literal(5), tp, CTX).unwrap() == 5


def test_the_union_tag_is_flytepickle() -> None:
    lt = literal_type_of(Optional[PICKLED]).unwrap()
    assert [v.structure.tag for v in lt.union_type.variants] == ["FlytePickle", "none"]


# ------------------------------------------------------------------------------------------------ outputs
def test_an_output_is_planned_as_its_pickle_at_raw_hex_md5() -> None:
    converted = to_literal(Opaque(7), PICKLED, CTX).unwrap()
    lit = converted.value
    (up,) = converted.uploads
    assert isinstance(up, UploadBytes) and pickle.loads(up.data) == Opaque(7)
    raw, hexname, digest = lit.scalar.blob.uri.rsplit("/", 2)
    assert raw == "s3://b/raw" and len(hexname) == 32 and digest == hashlib.md5(up.data).hexdigest()
    assert up.remote == lit.scalar.blob.uri
    want = _blob(lit.scalar.blob.uri)
    want.scalar.blob.metadata.type.dimensionality = types_pb2.BlobType.SINGLE
    assert lit == want


def test_none_is_refused_with_flytekits_message() -> None:
    from flyte_entrypoint.core.type_engine.engine import Sink, default_engine

    with pytest.raises(ConversionError, match=r"^Cannot pickle None Value\.$"):
        pk.PICKLE.to_literal(None, PICKLED, default_engine(), Sink(CTX))
    # so in Optional[...] None matches only the none variant (flytekit: the pickle variant raises, none wins)
    converted = to_literal(None, Optional[PICKLED], CTX).unwrap()
    assert converted.value.scalar.union.type.structure.tag == "none" and converted.uploads == ()


def test_a_value_that_cannot_be_pickled_is_the_picklers_own_error() -> None:
    got = to_literal((i for i in range(2)), PICKLED, CTX)
    assert isinstance(got, Failure)  # flytekit 1.16: TypeError: cannot pickle 'generator' object
    assert (got.failure().kind, got.failure().message) == ("TypeError", "cannot pickle 'generator' object")


def test_without_cloudpickle_the_stream_is_stdlib_protocol_5(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cloudpickle", None)  # what "import cloudpickle" sees when it is absent
    data = pk.dumps({"a": [1, 2]})
    assert data == pickle.dumps({"a": [1, 2]}, protocol=5)
    assert pk.loads(data) == {"a": [1, 2]}


def test_with_cloudpickle_its_stream_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("cloudpickle")
    fake.dumps = lambda value: pickle.dumps(("via cloudpickle", value), protocol=4)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cloudpickle", fake)
    assert pickle.loads(pk.dumps(3)) == ("via cloudpickle", 3)


# ------------------------------------------------------------------------------------------------ inputs
def test_an_input_asks_for_its_blob_then_unpickles_it() -> None:
    lit = _blob("s3://b/in/p")
    first = to_python(lit, PICKLED, CTX)
    assert isinstance(first, Failure) and isinstance(first.failure(), BlobsNeeded)
    assert first.failure().reads == (BlobRead("s3://b/in/p"),)
    supplied = ConversionContext(blobs={BlobRead("s3://b/in/p"): pickle.dumps(Opaque(3))})
    assert to_python(lit, PICKLED, supplied).unwrap() == Opaque(3)


def test_the_transformer_answers_pending_until_the_bytes_come() -> None:
    from flyte_entrypoint.core.type_engine.engine import Sink, default_engine

    sink = Sink(CTX)
    assert pk.PICKLE.to_python(_blob("s3://b/in/p"), PICKLED, default_engine(), sink) is PENDING
    assert list(sink.reads) == [BlobRead("s3://b/in/p")]


@pytest.mark.parametrize(
    ("literal", "kind"),
    [(_int_literal(1), "scalar"), (literals_pb2.Literal(collection=literals_pb2.LiteralCollection()), "collection")],
)
def test_a_literal_that_is_not_a_blob_is_refused(literal: literals_pb2.Literal, kind: str) -> None:
    got = to_python(literal, PICKLED, CTX)
    assert isinstance(got, Failure) and not isinstance(got.failure(), BlobsNeeded)
    assert str(got.failure()) == f"Cannot unpickle a {kind} literal: expected a blob"


def test_a_missing_pickle_is_a_conversion_error_naming_its_uri() -> None:
    got = to_python(_blob("s3://b/in/gone"), PICKLED, ConversionContext(blobs={BlobRead("s3://b/in/gone"): None}))
    assert isinstance(got, Failure) and isinstance(got.failure(), ConversionError)
    assert str(got.failure()) == "cannot read the pickle at s3://b/in/gone: it does not exist"


def test_bytes_that_are_not_a_pickle_are_a_conversion_error_naming_the_uri() -> None:
    got = to_python(_blob("s3://b/in/bad"), PICKLED, ConversionContext(blobs={BlobRead("s3://b/in/bad"): b"nope"}))
    assert isinstance(got, Failure)
    assert str(got.failure()).startswith("cannot unpickle s3://b/in/bad: UnpicklingError: ")
