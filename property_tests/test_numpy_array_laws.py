"""Laws of ``numpy.ndarray`` conversion (``core/type_engine/numpy_array.py``), over random arrays.

* **The bytes are np.save's.** The planned upload of an output is exactly the ``.npy`` file ``np.save`` writes
  (what flytekit uploads), at ``<raw>/<hex32>/<hex32>.npy``.
* **Round trip.** Supplying those bytes back as the input's blob gives an array of the same dtype, shape and values.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flyte_entrypoint.core.type_engine.engine import BlobRead, ConversionContext, to_literal, to_python

np = pytest.importorskip("numpy")
hnp = pytest.importorskip("hypothesis.extra.numpy")

SETTINGS = settings(max_examples=40, deadline=None)
DTYPES = st.sampled_from(["int8", "int64", "uint16", "float32", "float64", "bool", "complex128", "<U3"])
arrays = DTYPES.flatmap(lambda dt: hnp.arrays(np.dtype(dt), hnp.array_shapes(min_dims=0, max_dims=3, max_side=4)))


@SETTINGS
@given(arr=arrays, seed=st.integers(0, 2**64 - 1))
def test_planned_bytes_are_np_save_and_read_back(arr: Any, seed: int) -> None:
    ctx = ConversionContext(raw_output_prefix="s3://b/raw", name_seed=f"{seed:032x}")
    converted = to_literal(arr, np.ndarray, ctx).unwrap()
    (up,) = converted.uploads
    buffer = io.BytesIO()
    np.save(buffer, arr, allow_pickle=False)
    assert up.data == buffer.getvalue()
    raw, folder, name = up.remote.rsplit("/", 2)
    assert (raw, len(folder), len(name), name[-4:]) == ("s3://b/raw", 32, 36, ".npy")
    assert up.remote == converted.value.scalar.blob.uri
    back = to_python(converted.value, np.ndarray, ConversionContext(blobs={BlobRead(up.remote): up.data})).unwrap()
    assert back.dtype == arr.dtype and back.shape == arr.shape
    np.testing.assert_array_equal(back, arr)
