"""Laws of the issue-10 transformers: StructuredDataset / DataFrame, pydantic models, numpy arrays, FlyteError.

* round trip: value -> literal (+ the planned uploads carried out on a local store) -> value is the identity;
* column-subset projection is idempotent: reading a dataset through columns S, writing that frame and reading it
  through S again gives the same frame (and equals projecting the original frame on S);
* the hash is deterministic: ``Annotated[T, HashMethod(f)]`` gives ``hash == f(value)``, the same for equal values,
  on dataframes and StructuredDatasets alike; the data literal does not depend on the hash;
* the literal type is deterministic and the same for a type and its ``Annotated[T, HashMethod]`` form.
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flyte_entrypoint import FlyteError, HashMethod, StructuredDataset, kwtypes
from flyte_entrypoint.core.type_engine.engine import ConversionContext, literal_type_of, to_literal, to_python
from flyte_entrypoint.files import install_data_access
from flyte_entrypoint.shell import blob_io
from flyte_entrypoint.shell.storage import Storage

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")
np = pytest.importorskip("numpy")
pydantic = pytest.importorskip("pydantic")

SETTINGS = settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def store() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="laws10-"))
    storage = Storage.from_env({})
    previous = install_data_access(blob_io.StorageDataAccess(lambda: storage, str(root / "sb"), str(root / "raw")))
    yield root
    install_data_access(previous)


_counter = [0]


def _ctx(root: Path) -> ConversionContext:
    _counter[0] += 1
    return blob_io.shell_parts(
        ConversionContext(
            raw_output_prefix=str(root / "raw"), local_sandbox=str(root / "stage"), name_seed=f"{_counter[0]:032x}"
        )
    )


def _write(value: Any, tp: Any, root: Path) -> Any:
    converted = to_literal(value, tp, _ctx(root)).unwrap()
    blob_io.perform_uploads(Storage.from_env({}), converted.uploads)
    return converted.value


def _read(literal: Any, tp: Any, root: Path) -> Any:
    """``to_python`` with the reads it plans carried out on the local store (the shell's loop)."""
    ctx = _ctx(root)
    return blob_io.convert_with_reads(Storage.from_env({}), ctx, lambda c: to_python(literal, tp, c)).unwrap()


# ---- strategies --------------------------------------------------------------------------------------------

_column_values = {
    "int": st.integers(min_value=-(2**63), max_value=2**63 - 1),
    "float": st.floats(allow_nan=False),
    "str": st.text(max_size=8),
    "bool": st.booleans(),
    "datetime": st.datetimes(min_value=datetime.datetime(1700, 1, 1), max_value=datetime.datetime(2200, 1, 1)).map(
        lambda d: d.replace(microsecond=d.microsecond)
    ),
}
_PY = {"int": int, "float": float, "str": str, "bool": bool, "datetime": datetime.datetime}


@st.composite
def frames(draw: Any) -> tuple[Any, dict[str, type]]:
    """A DataFrame of 1-5 random columns (random dtypes) and 0-8 rows, with its column types."""
    kinds = draw(st.lists(st.sampled_from(sorted(_column_values)), min_size=1, max_size=5))
    rows = draw(st.integers(min_value=0, max_value=8))
    data: dict[str, Any] = {}
    types: dict[str, type] = {}
    for i, kind in enumerate(kinds):
        name = f"c{i}"
        values = draw(st.lists(_column_values[kind], min_size=rows, max_size=rows))
        data[name] = pd.Series(values, dtype="datetime64[us]") if kind == "datetime" else pd.Series(
            values, dtype=object if kind == "str" else None
        )
        types[name] = _PY[kind]
    return pd.DataFrame(data), types


class Leaf(pydantic.BaseModel):
    n: int
    label: str = ""


class Tree(pydantic.BaseModel):
    name: str
    weight: float
    when: datetime.datetime
    leaves: list[Leaf] = []
    best: Leaf | None = None
    scores: dict[str, int] = {}


leaves = st.builds(Leaf, n=st.integers(min_value=-(2**63), max_value=2**63 - 1), label=st.text(max_size=6))
trees = st.builds(
    Tree,
    name=st.text(max_size=10),
    weight=st.floats(allow_nan=False, allow_infinity=False),
    when=st.datetimes(),
    leaves=st.lists(leaves, max_size=3),
    best=st.none() | leaves,
    scores=st.dictionaries(st.text(max_size=4), st.integers(min_value=-100, max_value=100), max_size=3),
)


# ---- round trips -------------------------------------------------------------------------------------------


@SETTINGS
@given(frames())
def test_dataframe_round_trip(store: Path, frame_and_types: tuple[Any, dict[str, type]]) -> None:
    frame, _ = frame_and_types
    back = _read(_write(frame, pd.DataFrame, store), pd.DataFrame, store)
    pd.testing.assert_frame_equal(back, frame, check_dtype=False, check_index_type=False)


@SETTINGS
@given(frames())
def test_structured_dataset_round_trip(store: Path, frame_and_types: tuple[Any, dict[str, type]]) -> None:
    frame, _ = frame_and_types
    sd = _read(_write(StructuredDataset(dataframe=frame), StructuredDataset, store), StructuredDataset, store)
    pd.testing.assert_frame_equal(sd.open(pd.DataFrame).all(), frame, check_dtype=False, check_index_type=False)


@SETTINGS
@given(trees)
def test_pydantic_round_trip(store: Path, tree: Tree) -> None:
    assert _read(_write(tree, Tree, store), Tree, store) == tree


@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(trees, min_size=14, max_size=20))
def test_pydantic_list_round_trip_and_bulk_equals_per_element(store: Path, forest: list[Tree]) -> None:
    """From 16 elements the list goes through the whole-list path: same literals as element by element."""
    lit = _write(forest, list[Tree], store)
    assert _read(lit, list[Tree], store) == forest
    for tree, element in zip(forest, lit.collection.literals):
        assert element == _write(tree, Tree, store)


@SETTINGS
@given(st.lists(st.integers(min_value=-(2**31), max_value=2**31), min_size=0, max_size=12), st.integers(1, 3))
def test_numpy_round_trip(store: Path, values: list[int], cols: int) -> None:
    arr = np.array(values * cols, dtype=np.int64).reshape(cols, len(values))
    back = _read(_write(arr, np.ndarray, store), np.ndarray, store)
    assert back.dtype == arr.dtype and back.shape == arr.shape and (back == arr).all()


@SETTINGS
@given(st.text(), st.text())
def test_flyte_error_round_trip(store: Path, message: str, node: str) -> None:
    err = FlyteError(message=message, failed_node_id=node)
    assert _read(_write(err, FlyteError, store), FlyteError, store) == err


# ---- column subsets ----------------------------------------------------------------------------------------


@SETTINGS
@given(frames(), st.data())
def test_column_subset_projection_is_idempotent(
    store: Path, frame_and_types: tuple[Any, dict[str, type]], data: Any
) -> None:
    frame, types = frame_and_types
    subset = data.draw(st.lists(st.sampled_from(sorted(types)), min_size=1, unique=True))
    tp = Annotated[pd.DataFrame, kwtypes(**{c: types[c] for c in subset})]
    once = _read(_write(frame, pd.DataFrame, store), tp, store)
    twice = _read(_write(once, tp, store), tp, store)
    pd.testing.assert_frame_equal(once, frame[subset], check_dtype=False, check_index_type=False)
    pd.testing.assert_frame_equal(twice, once)


# ---- hashes ------------------------------------------------------------------------------------------------


def _frame_hash(df: Any) -> str:
    return str(pd.util.hash_pandas_object(df, index=True).sum())


@SETTINGS
@given(frames())
def test_dataframe_hash_is_deterministic(store: Path, frame_and_types: tuple[Any, dict[str, type]]) -> None:
    frame, _ = frame_and_types
    tp = Annotated[pd.DataFrame, HashMethod(_frame_hash)]
    first, second = _write(frame, tp, store), _write(frame.copy(), tp, store)
    assert first.hash == second.hash == _frame_hash(frame)
    plain = _write(frame, pd.DataFrame, store)
    assert not plain.hash and plain.scalar.structured_dataset.metadata == first.scalar.structured_dataset.metadata
    assert literal_type_of(tp).unwrap() == literal_type_of(pd.DataFrame).unwrap()


@SETTINGS
@given(frames())
def test_structured_dataset_hash_is_deterministic(store: Path, frame_and_types: tuple[Any, dict[str, type]]) -> None:
    frame, _ = frame_and_types
    tp = Annotated[StructuredDataset, HashMethod(lambda sd: _frame_hash(sd.dataframe))]
    first = _write(StructuredDataset(dataframe=frame), tp, store)
    second = _write(StructuredDataset(dataframe=frame.copy()), tp, store)
    assert first.hash == second.hash == _frame_hash(frame)
