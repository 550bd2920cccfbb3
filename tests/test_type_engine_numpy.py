"""``numpy.ndarray`` <-> flytekit's ``NumpyArray`` blob (``core/type_engine/numpy_array.py``).

Expected values are flytekit 1.16's (``flytekit/types/numpy/ndarray.py``, checked in the oracle venv):
LiteralType ``blob { format: "NumpyArray" }``; union tag ``Numpy Array``; the ``.npy`` bytes ``np.save`` writes
(``allow_pickle`` from a ``kwtypes`` annotation, default False) at ``<raw>/<random>/<random>.npy``; its messages
``Metadata OrderedDict(...) is already specified, cannot use OrderedDict(...).``, ``The metadata for <type> must be
of type kwtypes or HashMethod.``, ``Expected value of type <class 'numpy.ndarray'> but got '[1, 2]' of type <class
'list'>``; an object array without ``allow_pickle`` fails with numpy's own ``ValueError`` both ways.
"""

from __future__ import annotations

import io
from typing import Annotated, Any, Optional

import pytest
from flyteidl.core import literals_pb2, types_pb2
from returns.result import Failure

from flyte_entrypoint.core.type_engine import numpy_array as na
from flyte_entrypoint.core.type_engine.annotated import HashMethod
from flyte_entrypoint.core.type_engine.dataframe import kwtypes
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

np = pytest.importorskip("numpy")

CTX = ConversionContext(raw_output_prefix="s3://b/raw", local_sandbox="/nowhere", name_seed="ef" * 16)


def _npy(arr: Any, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, arr, allow_pickle=allow_pickle)
    return buffer.getvalue()


def _blob(uri: str) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.blob.metadata.type.format = "NumpyArray"
    lit.scalar.blob.uri = uri
    return lit


def _objects() -> Any:
    arr = np.empty(2, dtype=object)
    arr[0], arr[1] = {"a": 1}, [2]
    return arr


# ------------------------------------------------------------------------------------------------ types
def test_literal_type_and_union_tag_are_flytekits() -> None:
    want = types_pb2.LiteralType()
    want.blob.format = "NumpyArray"
    assert literal_type_of(np.ndarray).unwrap() == want
    assert literal_type_of(Annotated[np.ndarray, kwtypes(allow_pickle=True)]).unwrap() == want
    lt = literal_type_of(Optional[np.ndarray]).unwrap()
    assert lt.union_type.variants[0].structure.tag == "Numpy Array"


def test_ndarray_is_recognised_by_name_and_module() -> None:
    assert na.NUMPY_ARRAY.handles(np.ndarray)
    assert na.NUMPY_ARRAY.handles(Annotated[np.ndarray, kwtypes(allow_pickle=True)])
    assert na.NUMPY_ARRAY.handles(type("ndarray", (), {"__module__": "numpy.core.multiarray"}))
    assert not na.NUMPY_ARRAY.handles(type("ndarray", (), {"__module__": "mypkg.numpy"}))
    assert not na.NUMPY_ARRAY.handles(type("array", (), {"__module__": "numpy"}))
    assert not na.NUMPY_ARRAY.handles(int)
    assert not na.NUMPY_ARRAY.handles("ndarray")
    assert not na.NUMPY_ARRAY.handles(list[int])


# ------------------------------------------------------------------------------------------------ outputs
def test_an_output_is_the_npy_file_np_save_writes_at_raw_hex_hex_npy() -> None:
    arr = np.arange(6, dtype=np.float32).reshape(2, 3)
    converted = to_literal(arr, np.ndarray, CTX).unwrap()
    (up,) = converted.uploads
    assert up.data == _npy(arr)
    raw, folder, name = up.remote.rsplit("/", 2)
    assert raw == "s3://b/raw" and len(folder) == 32 and name.endswith(".npy") and len(name) == 36
    want = _blob(up.remote)
    assert converted.value == want


def test_allow_pickle_from_kwtypes_saves_and_loads_object_arrays() -> None:
    tp = Annotated[np.ndarray, kwtypes(allow_pickle=True)]
    converted = to_literal(_objects(), tp, CTX).unwrap()
    (up,) = converted.uploads
    assert up.data == _npy(_objects(), allow_pickle=True)
    back = to_python(converted.value, tp, ConversionContext(blobs={BlobRead(up.remote): up.data})).unwrap()
    assert back.tolist() == [{"a": 1}, [2]]


def test_an_object_array_without_allow_pickle_fails_with_numpys_error() -> None:
    got = to_literal(_objects(), np.ndarray, CTX)
    assert isinstance(got, Failure)
    assert got.failure().kind == "ValueError"
    assert got.failure().message == "Object arrays cannot be saved when allow_pickle=False"
    uri = "s3://b/in/objects.npy"
    read = to_python(_blob(uri), np.ndarray, ConversionContext(blobs={BlobRead(uri): _npy(_objects(), True)}))
    assert isinstance(read, Failure)
    assert str(read.failure()) == (
        f"could not load the array at {uri}: ValueError: Object arrays cannot be loaded when allow_pickle=False"
    )


def test_a_value_that_is_not_an_array_is_refused_with_flytekits_message() -> None:
    got = to_literal([1, 2], np.ndarray, CTX)
    assert isinstance(got, Failure)
    assert str(got.failure()) == "Expected value of type <class 'numpy.ndarray'> but got '[1, 2]' of type <class 'list'>"


def test_a_hash_method_is_allowed_and_applied() -> None:
    tp = Annotated[np.ndarray, HashMethod(lambda a: f"sum={int(a.sum())}")]
    converted = to_literal(np.array([1, 2, 3]), tp, CTX).unwrap()
    assert converted.value.hash == "sum=6" and converted.uploads[0].data == _npy(np.array([1, 2, 3]))
    tp2 = Annotated[np.ndarray, HashMethod(lambda a: "h"), kwtypes(allow_pickle=True)]
    assert to_literal(_objects(), tp2, CTX).unwrap().value.hash == "h"


def test_two_kwtypes_are_refused_with_flytekits_message() -> None:
    tp = Annotated[np.ndarray, kwtypes(allow_pickle=True), kwtypes(mmap_mode="r")]
    got = to_literal(np.array([1]), tp, CTX)
    assert isinstance(got, Failure)
    assert str(got.failure()) == (
        "Metadata OrderedDict([('allow_pickle', True)]) is already specified, cannot use OrderedDict([('mmap_mode', 'r')])."
    )


def test_other_metadata_is_refused_with_flytekits_message() -> None:
    got = to_literal(np.array([1]), Annotated[np.ndarray, "x"], CTX)
    assert isinstance(got, Failure)
    assert str(got.failure()) == "The metadata for typing.Annotated[numpy.ndarray, 'x'] must be of type kwtypes or HashMethod."
    read = to_python(_blob("s3://b/in/a.npy"), Annotated[np.ndarray, "x"], CTX)
    assert isinstance(read, Failure) and "must be of type kwtypes or HashMethod" in str(read.failure())


# ------------------------------------------------------------------------------------------------ inputs
def test_an_input_asks_for_its_npy_then_loads_it() -> None:
    uri = "s3://b/in/a.npy"
    first = to_python(_blob(uri), np.ndarray, CTX)
    assert isinstance(first, Failure) and isinstance(first.failure(), BlobsNeeded)
    assert first.failure().reads == (BlobRead(uri),)
    arr = np.array([[1, 2], [3, 4]], dtype=np.int16)
    back = to_python(_blob(uri), np.ndarray, ConversionContext(blobs={BlobRead(uri): _npy(arr)})).unwrap()
    assert back.dtype == np.int16 and back.tolist() == [[1, 2], [3, 4]]


def test_the_transformer_answers_pending_until_the_bytes_come() -> None:
    sink = Sink(CTX)
    assert na.NUMPY_ARRAY.to_python(_blob("s3://b/in/a.npy"), np.ndarray, default_engine(), sink) is PENDING


def test_a_missing_or_corrupt_npy_is_a_conversion_error_naming_its_uri() -> None:
    uri = "s3://b/in/gone.npy"
    got = to_python(_blob(uri), np.ndarray, ConversionContext(blobs={BlobRead(uri): None}))
    assert isinstance(got, Failure) and str(got.failure()) == f"could not load the array at {uri}: it does not exist"
    bad = to_python(_blob(uri), np.ndarray, ConversionContext(blobs={BlobRead(uri): b"not npy"}))
    assert isinstance(bad, Failure) and str(bad.failure()).startswith(f"could not load the array at {uri}: ValueError")


@pytest.mark.parametrize(
    "literal",
    [
        literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=1))),
        literals_pb2.Literal(collection=literals_pb2.LiteralCollection()),
    ],
)
def test_a_literal_that_is_not_a_blob_is_refused(literal: literals_pb2.Literal) -> None:
    got = to_python(literal, np.ndarray, CTX)
    assert isinstance(got, Failure) and not isinstance(got.failure(), BlobsNeeded)
    assert str(got.failure()).startswith("Cannot convert from ")
    assert str(got.failure()).endswith(" to <class 'numpy.ndarray'>")
