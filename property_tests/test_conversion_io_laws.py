"""Laws of planned conversion I/O (issue 11 item 2), over random pickles, arrays, JSON lines and dataframes.

* **Reads supplied == reads performed.** Converting an input with the blob bytes supplied in the
  ``ConversionContext`` (what the run machine does after ``ReadBlobs``) gives the same value as the shell's loop
  that fetches them from storage (``convert_with_reads``), which is the value that went in.
* **Uploads are the bytes.** Every planned ``UploadBytes`` of an output, written to storage, is read back as exactly
  its bytes; feeding those bytes back as the input's blobs gives the value back (outputs and inputs agree).
* **Deterministic.** The same value and seed plan the same uploads (URIs and bytes); the same literal and blobs
  give the same reads and values.
* **Total.** Whatever blob is withheld, the answer is ``BlobsNeeded`` naming it; whatever blob is reported missing,
  a ``ConversionError`` naming its URI, never an exception escaping.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from returns.result import Failure

from flyte_entrypoint.core.type_engine.engine import (
    BlobRead,
    BlobsNeeded,
    ConversionContext,
    ConversionError,
    UploadBytes,
    to_literal,
    to_python,
)
from flyte_entrypoint.core.type_engine.pickled import AllowPickle
from flyte_entrypoint.iterators import JSON
from flyte_entrypoint.shell import blob_io
from flyte_entrypoint.shell.storage import Storage

np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ROOT = Path(tempfile.mkdtemp(prefix="conversion-io-laws-"))

json_scalars = st.one_of(st.booleans(), st.integers(-(2**53), 2**53), st.text(max_size=6))
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)

def _same_frame(got: Any, want: Any) -> bool:
    """Equal values (pandas may read strings back as its own string dtype: that is pandas', not ours)."""
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    return True


class Bag:
    """A type the engine has no transformer for: it travels as a pickle."""

    def __init__(self, items: dict[str, int]) -> None:
        self.items = items

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Bag) and other.items == self.items


PICKLED = Annotated[Bag, AllowPickle]

CASES: list[tuple[Any, Any, Any]] = [
    # (type, strategy, how to compare a value read back with the original)
    (PICKLED, st.dictionaries(st.text(max_size=4), st.integers(), max_size=4).map(Bag), lambda a, b: a == b),
    (
        np.ndarray,
        st.lists(st.integers(-1000, 1000), min_size=0, max_size=12).map(lambda xs: np.array(xs, dtype=np.int64)),
        lambda a, b: a.dtype == b.dtype and np.array_equal(a, b),
    ),
    (
        pd.DataFrame,
        st.lists(st.tuples(st.integers(-(2**40), 2**40), st.text(max_size=5)), max_size=6).map(
            lambda rows: pd.DataFrame({"n": [r[0] for r in rows], "s": pd.Series([r[1] for r in rows], dtype=object)})
        ),
        lambda a, b: _same_frame(a, b),
    ),
]


def _ctx(seed: int, case: int = 0, **kw: Any) -> ConversionContext:
    """One raw prefix per case: the same seed names the same destination, a file for a pickle or an array but a
    folder for a dataframe, so two cases sharing a prefix would write a folder over a file (or a file over one)."""
    return ConversionContext(
        raw_output_prefix=str(ROOT / f"raw{case}"), local_sandbox=str(ROOT / "sb"), name_seed=f"{seed:032x}", **kw
    )


def _supplied(uploads: tuple[Any, ...], reads: tuple[BlobRead, ...]) -> dict[BlobRead, Any]:
    """The blobs the planned uploads make, in the form the shell fetches them (a folder: relative -> bytes)."""
    by_uri = {u.remote: u.data for u in uploads if isinstance(u, UploadBytes)}
    out: dict[BlobRead, Any] = {}
    for read in reads:
        if read.is_directory:
            prefix = read.uri.rstrip("/") + "/"
            out[read] = {k[len(prefix) :]: v for k, v in by_uri.items() if k.startswith(prefix)}
        else:
            out[read] = by_uri[read.uri]
    return out


@SETTINGS
@given(case=st.sampled_from(range(len(CASES))), data=st.data(), seed=st.integers(0, 2**32))
def test_reads_supplied_equal_reads_performed_and_round_trip(case: int, data: Any, seed: int) -> None:
    tp, values, same = CASES[case]
    value = data.draw(values)
    converted = to_literal(value, tp, _ctx(seed, case)).unwrap()
    assert all(isinstance(u, UploadBytes) for u in converted.uploads)
    again = to_literal(value, tp, _ctx(seed, case)).unwrap()
    assert again.uploads == converted.uploads and again.value == converted.value  # deterministic per seed
    first = to_python(converted.value, tp, _ctx(seed + 1, case))
    assert isinstance(first, Failure) and isinstance(first.failure(), BlobsNeeded)
    reads = first.failure().reads
    supplied = to_python(converted.value, tp, _ctx(seed + 1, case, blobs=_supplied(converted.uploads, reads))).unwrap()
    storage = Storage.from_env({})
    blob_io.perform_uploads(storage, converted.uploads)
    for up in converted.uploads:
        assert storage.get_bytes(up.remote) == up.data
    performed = blob_io.convert_with_reads(
        storage, _ctx(seed + 1, case), lambda c: to_python(converted.value, tp, c)
    ).unwrap()
    assert same(supplied, value) and same(performed, value)


@SETTINGS
@given(rows=st.lists(json_values, min_size=1, max_size=5), seed=st.integers(0, 2**32))
def test_json_lines_round_trip_through_planned_bytes(rows: list[Any], seed: int) -> None:
    converted = to_literal(iter(rows), Iterator[JSON], _ctx(seed)).unwrap()
    (up,) = converted.uploads
    read = BlobRead(converted.value.scalar.blob.uri)
    got = to_python(converted.value, Iterator[JSON], _ctx(seed, blobs={read: up.data})).unwrap()
    assert list(got) == rows


@SETTINGS
@given(
    uris=st.lists(st.text("abcxyz", min_size=1, max_size=4), min_size=1, max_size=4, unique=True),
    missing=st.data(),
)
def test_withheld_blobs_are_asked_for_and_missing_ones_are_named(uris: list[str], missing: Any) -> None:
    from flyteidl.core import literals_pb2

    tp = list[PICKLED]
    lit = literals_pb2.Literal()
    for name in uris:
        item = lit.collection.literals.add()
        item.scalar.blob.uri = f"s3://b/{name}"
        item.scalar.blob.metadata.type.format = "PythonPickle"
    asked = to_python(lit, tp, ConversionContext()).failure()
    assert isinstance(asked, BlobsNeeded) and [r.uri for r in asked.reads] == [f"s3://b/{n}" for n in uris]
    gone = missing.draw(st.sampled_from(uris))
    import pickle

    blobs = {r: (None if r.uri == f"s3://b/{gone}" else pickle.dumps(Bag({}))) for r in asked.reads}
    got = to_python(lit, tp, ConversionContext(blobs=blobs))
    assert isinstance(got, Failure) and isinstance(got.failure(), ConversionError)
    assert not isinstance(got.failure(), BlobsNeeded) and f"s3://b/{gone}" in str(got.failure())
