"""Laws of the in-memory dataframe codecs (``core/type_engine/frame_codecs.py``), over random frames and file sets.

* **Round trip.** Reading the bytes a writer made gives the frame/table back (parquet for pandas and pyarrow, CSV
  for pandas), and a column subset reads exactly those columns.
* **Split invariance.** A table written as several parquet parts reads back as the parts concatenated in name
  order, whatever order the caller's mapping lists them in.
* **Folder rule.** ``data_files`` keeps exactly the files no part of whose path starts with ``.`` or ``_``, in
  name order.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flyte_entrypoint.core.type_engine import frame_codecs as fc

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")

SETTINGS = settings(max_examples=25, deadline=None)

rows = st.lists(st.tuples(st.integers(-(2**40), 2**40), st.text(alphabet="abcxyz ", max_size=5)), max_size=6)
segment = st.text(alphabet="ab._", min_size=1, max_size=4)
names = st.lists(segment, min_size=1, max_size=3).map("/".join)


def _frame(rs: list[tuple[int, str]]) -> Any:
    return pd.DataFrame({"n": pd.Series([r[0] for r in rs], dtype="int64"), "s": [r[1] for r in rs]})


@SETTINGS
@given(rs=rows)
def test_pandas_parquet_round_trip(rs: list[tuple[int, str]]) -> None:
    frame = _frame(rs)
    got = fc.read_pandas_parquet({fc.PARQUET_FILE_NAME: fc.pandas_parquet_bytes(frame)}, None)
    pd.testing.assert_frame_equal(got, frame, check_dtype=False, check_index_type=False)
    assert list(fc.read_pandas_parquet({fc.PARQUET_FILE_NAME: fc.pandas_parquet_bytes(frame)}, ["s"]).columns) == ["s"]


@SETTINGS
@given(rs=rows.filter(bool))
def test_pandas_csv_round_trip(rs: list[tuple[int, str]]) -> None:
    frame = _frame([(n, f"<{s}>") for n, s in rs])  # never an empty or all-blank cell: CSV would read NaN
    got = fc.read_pandas_csv(fc.pandas_csv_bytes(frame), None)
    pd.testing.assert_frame_equal(got, frame, check_dtype=False)


@SETTINGS
@given(parts=st.lists(rows, min_size=1, max_size=4), reverse=st.booleans())
def test_parts_read_back_concatenated_in_name_order(parts: list[list[tuple[int, str]]], reverse: bool) -> None:
    tables = [pa.table({"n": pa.array([r[0] for r in p], pa.int64())}) for p in parts]
    files = {f"part-{i:03}": fc.arrow_parquet_bytes(t) for i, t in enumerate(tables)}
    if reverse:
        files = dict(reversed(list(files.items())))
    want = [r[0] for p in parts for r in p]
    assert fc.read_arrow_parquet(files, None).column("n").to_pylist() == want
    assert fc.read_pandas_parquet(files, ["n"])["n"].tolist() == want


@SETTINGS
@given(found=st.lists(names, unique=True, max_size=8))
def test_data_files_keeps_the_visible_files_in_name_order(found: list[str]) -> None:
    files = {name: name.encode() for name in found}
    visible = sorted(n for n in found if not any(p.startswith((".", "_")) for p in n.split("/") if p))
    assert fc.data_files(files) == [n.encode() for n in visible]
