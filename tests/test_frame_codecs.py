"""The built-in dataframe codecs in memory (``core/type_engine/frame_codecs.py``) write and read what flytekit 1.16's
handlers write and read on disk.

Expected values come from pandas/pyarrow writing the file the way flytekit's ``basic_dfs`` handlers do
(``df.to_parquet(<uri>/00000, coerce_timestamps="us", allow_truncated_timestamps=False)``,
``df.to_csv(<uri>/.csv, index=False)``, ``pq.write_table``) and from how pandas/pyarrow read a folder (hidden
``.``/``_`` files left out, the others in name order), never from our own output.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pytest

from flyte_entrypoint.core.type_engine import frame_codecs as fc

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def _frame() -> Any:
    return pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})


def _parquet(frame: Any) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    return buffer.getvalue()


def test_the_file_names_are_flytekits() -> None:
    assert fc.PARQUET_FILE_NAME == "00000"  # flytekit: os.path.join(uri, f"{0:05}")
    assert fc.CSV_FILE_NAME == ".csv"  # flytekit: os.path.join(uri, ".csv")


# ------------------------------------------------------------------------------------------------ writers
def test_parquet_bytes_are_the_file_flytekits_encoder_writes(tmp_path: Path) -> None:
    frame = pd.DataFrame({"t": pd.to_datetime(["2020-01-01 00:00:00.000001", "2021-06-30 00:00:00.000000"]), "a": [1, 2]})
    frame.to_parquet(tmp_path / "00000", coerce_timestamps="us", allow_truncated_timestamps=False)
    assert fc.pandas_parquet_bytes(frame) == (tmp_path / "00000").read_bytes()


def test_a_nanosecond_timestamp_is_refused_as_flytekit_refuses_it() -> None:
    # flytekit 1.16 raises ArrowInvalid "... would lose data" for this frame (allow_truncated_timestamps=False)
    frame = pd.DataFrame({"t": pd.to_datetime(["2020-01-01 00:00:00.000000001"])})
    with pytest.raises(pa.lib.ArrowInvalid, match="would lose data"):
        fc.pandas_parquet_bytes(frame)


def test_csv_bytes_have_no_index_column() -> None:
    assert fc.pandas_csv_bytes(_frame()) == b"a,b\n1,x\n2,y\n"


def test_arrow_parquet_bytes_are_the_file_write_table_writes(tmp_path: Path) -> None:
    table = pa.table({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    pq.write_table(table, tmp_path / "00000")
    assert fc.arrow_parquet_bytes(table) == (tmp_path / "00000").read_bytes()


def test_a_missing_pandas_is_an_import_error_with_the_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = _frame()
    monkeypatch.setitem(sys.modules, "pandas", None)  # what "import pandas" sees when pandas is not installed
    hint = r"^pandas\.DataFrame values need pandas and pyarrow: pip install 'flyte-entrypoint\[pandas\]'$"
    with pytest.raises(ImportError, match=hint):
        fc.pandas()
    with pytest.raises(ImportError, match=r"^pandas\.DataFrame values need pandas and pyarrow"):
        fc.pandas_parquet_bytes(frame)


def test_pandas_is_the_pandas_module() -> None:
    assert fc.pandas() is pd


# ------------------------------------------------------------------------------------------------ data files
def test_hidden_files_are_left_out_and_the_others_read_in_name_order() -> None:
    files = {
        "b": b"2",
        "a": b"1",
        ".crc": b"hidden",
        "_SUCCESS": b"hidden",
        "_tmp/part": b"hidden folder",
        "sub/.a.crc": b"hidden in a folder",
        "sub/_meta": b"hidden in a folder",
        "sub/c": b"3",
        "x_y.z": b"4",  # "_" and "." inside a name hide nothing
    }
    assert fc.data_files(files) == [b"1", b"2", b"3", b"4"]


def test_the_one_file_a_uri_named_is_a_data_file() -> None:
    assert fc.data_files({"": b"only"}) == [b"only"]


# ------------------------------------------------------------------------------------------------ readers
def test_parquet_parts_are_read_as_one_table_in_name_order() -> None:
    one, two = pa.table({"a": [1, 2]}), pa.table({"a": [3]})
    files = {"00001": fc.arrow_parquet_bytes(two), "00000": fc.arrow_parquet_bytes(one), "_SUCCESS": b""}
    assert fc.read_arrow_parquet(files, None).column("a").to_pylist() == [1, 2, 3]
    assert fc.read_arrow_parquet({"00000": fc.arrow_parquet_bytes(one)}, None).equals(one)


def test_columns_subset_the_read_and_no_columns_reads_all() -> None:
    table = pa.table({"a": [1], "b": ["x"], "c": [2.5]})
    files = {"00000": fc.arrow_parquet_bytes(table)}
    assert fc.read_arrow_parquet(files, ["c", "a"]).column_names == ["c", "a"]
    assert fc.read_arrow_parquet(files, []).column_names == ["a", "b", "c"]
    assert fc.read_arrow_parquet(files, None).column_names == ["a", "b", "c"]


def test_an_empty_dataset_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^the dataset holds no parquet files$"):
        fc.read_arrow_parquet({"_SUCCESS": b""}, None)
    with pytest.raises(ValueError, match=r"^the dataset holds no parquet files$"):
        fc.read_pandas_parquet({}, None)


def test_pandas_reads_one_parquet_file_as_pandas_does() -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}, index=[10, 20])
    got = fc.read_pandas_parquet({"00000": _parquet(frame)}, None)
    pd.testing.assert_frame_equal(got, pd.read_parquet(io.BytesIO(_parquet(frame))))
    pd.testing.assert_frame_equal(got, frame)
    assert list(fc.read_pandas_parquet({"00000": _parquet(frame)}, ["b"]).columns) == ["b"]


def test_pandas_reads_a_folder_of_parquet_parts_in_name_order() -> None:
    first, second = pd.DataFrame({"a": [1, 2]}), pd.DataFrame({"a": [3]})
    files = {"part-1": _parquet(second), "part-0": _parquet(first), ".part-0.crc": b"x"}
    got = fc.read_pandas_parquet(files, None)
    assert got["a"].tolist() == [1, 2, 3]
    assert list(fc.read_pandas_parquet(files, ["a"]).columns) == ["a"]


def test_csv_reads_back_with_column_subset() -> None:
    data = b"a,b,c\n1,x,2.5\n"
    pd.testing.assert_frame_equal(fc.read_pandas_csv(data, None), pd.DataFrame({"a": [1], "b": ["x"], "c": [2.5]}))
    assert list(fc.read_pandas_csv(data, ["c", "a"]).columns) == ["a", "c"]  # usecols keeps the file's order
