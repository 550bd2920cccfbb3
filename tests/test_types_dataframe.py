"""pandas.DataFrame <-> StructuredDataset (parquet): types, conversions through the hook, end to end, lazy import."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import typing
from pathlib import Path
from typing import Annotated, Any

import pytest
from flyteidl.core import literals_pb2, types_pb2
from returns.result import Failure

from flyte_entrypoint.core.type_engine.dataframe import kwtypes, structured_dataset_type
from flyte_entrypoint.core.type_engine.engine import (
    BlobRead,
    BlobsNeeded,
    ConversionContext,
    UploadBytes,
    literal_type_of,
    to_literal,
    to_python,
)
from flyte_entrypoint.files import install_data_access
from flyte_entrypoint.shell import blob_io
from flyte_entrypoint.shell.storage import Storage

EXECUTE = str(Path(sys.executable).parent / "pyflyte-execute")


def test_plain_tasks_never_import_pandas(tmp_path: Path) -> None:
    """``import flyte_entrypoint`` + the type engine + an int (and a file) task: pandas stays unimported."""
    code = textwrap.dedent(
        """
        import sys
        import flyte_entrypoint
        from flyte_entrypoint import task
        from flyte_entrypoint.core.type_engine.engine import literal_type_of, to_literal
        from flyte_entrypoint.files import FlyteFile

        @task
        def add(a: int, f: FlyteFile) -> int:
            return a

        literal_type_of(int).unwrap(); to_literal(3, int).unwrap(); to_literal("s3://b/k", FlyteFile).unwrap()
        print(sorted(m for m in ("pandas", "pyarrow", "numpy", "fsspec", "cloudpickle") if m in sys.modules))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_plain_task_run_does_not_import_pandas(tmp_path: Path) -> None:
    (tmp_path / "intwf.py").write_text(
        textwrap.dedent(
            """
            import sys
            from flyte_entrypoint import task

            @task
            def add(a: int) -> int:
                assert "pandas" not in sys.modules and "pyarrow" not in sys.modules
                return a + 1
            """
        )
    )
    lm = literals_pb2.LiteralMap()
    lm.literals["a"].scalar.primitive.integer = 41
    (tmp_path / "in.pb").write_bytes(lm.SerializeToString())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE", "_F_"))}
    proc = subprocess.run(
        [EXECUTE, "--inputs", str(tmp_path / "in.pb"), "--output-prefix", str(tmp_path / "out"),
         "--raw-output-data-prefix", str(tmp_path / "raw"), "--resolver", "flyte_entrypoint.default_task_resolver",
         "--", "task-module", "intwf", "task-name", "add"],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = literals_pb2.LiteralMap.FromString((tmp_path / "out" / "outputs.pb").read_bytes())
    assert out.literals["o0"].scalar.primitive.integer == 42, out


# --------------------------------------------------------------------------- everything below needs pandas

try:
    import pandas as pd
    import pyarrow  # noqa: F401
except ImportError:  # the optional extra is not installed: only the lazy-import tests above run
    pd = None

needs_pandas = pytest.mark.skipif(pd is None, reason="needs the pandas extra: pip install 'flyte-entrypoint[pandas]'")

FRAME = {"a": [1, 2, 3], "b": ["x", "y", "z"]}


@pytest.fixture(autouse=True)
def _no_leftover_hook() -> Any:
    previous = install_data_access(None)
    yield
    install_data_access(previous)


@pytest.fixture
def access(tmp_path: Path) -> blob_io.StorageDataAccess:
    storage = Storage.from_env({})
    acc = blob_io.StorageDataAccess(lambda: storage, str(tmp_path / "sandbox"), str(tmp_path / "raw"))
    install_data_access(acc)
    return acc


def ctx_for(tmp_path: Path, seed: str = "d" * 32) -> ConversionContext:
    return ConversionContext(
        raw_output_prefix=str(tmp_path / "raw"), local_sandbox=str(tmp_path / "stage"), name_seed=seed
    )


def structured_dataset_literal(uri: str, sdt: types_pb2.StructuredDatasetType) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.structured_dataset.uri = uri
    lit.scalar.structured_dataset.metadata.structured_dataset_type.CopyFrom(sdt)
    return lit


def decode(literal: Any, tp: Any, ctx: ConversionContext, storage: Storage | None = None) -> Any:
    """``to_python`` with the blob reads it plans carried out (the shell's loop)."""
    store = storage if storage is not None else Storage.from_env({})
    return blob_io.convert_with_reads(store, ctx, lambda c: to_python(literal, tp, c))


@needs_pandas
def test_literal_types() -> None:
    assert literal_type_of(pd.DataFrame).unwrap() == types_pb2.LiteralType(
        structured_dataset_type=types_pb2.StructuredDatasetType()
    )
    got = literal_type_of(Annotated[pd.DataFrame, kwtypes(a=int, b=str)]).unwrap().structured_dataset_type
    assert [(c.name, c.literal_type.simple) for c in got.columns] == [("a", types_pb2.INTEGER), ("b", types_pb2.STRING)]
    assert got.format == ""
    got = literal_type_of(Annotated[pd.DataFrame, "parquet"]).unwrap().structured_dataset_type
    assert got.format == "parquet"
    nested = literal_type_of(Annotated[pd.DataFrame, {"l": list[int], "m": dict[str, float], "n": {"x": bool}}])
    cols = nested.unwrap().structured_dataset_type.columns
    assert [c.name for c in cols] == ["l", "m", "n.x"]
    assert cols[0].literal_type.collection_type.simple == types_pb2.INTEGER
    assert cols[1].literal_type.map_value_type.simple == types_pb2.FLOAT
    import numpy as np

    got = literal_type_of(Annotated[pd.DataFrame, {"i": np.int64, "f": np.float32}]).unwrap()
    assert [c.literal_type.simple for c in got.structured_dataset_type.columns] == [types_pb2.INTEGER, types_pb2.FLOAT]


@needs_pandas
def test_union_tag() -> None:
    u = literal_type_of(typing.Optional[pd.DataFrame]).unwrap()
    assert u.union_type.variants[0].structure.tag == "StructuredDataset Transformer"


@needs_pandas
def test_formats_are_declared_and_bad_column_types_fail() -> None:
    from flyte_entrypoint.core.task import task

    def csv_out() -> Annotated[pd.DataFrame, "csv"]:
        raise AssertionError

    assert task(csv_out) is not None  # csv is a built-in format now (flytekit's handlers)
    assert isinstance(literal_type_of(Annotated[pd.DataFrame, {"x": complex}]), Failure)


@needs_pandas
def test_round_trip_through_the_hook(access: blob_io.StorageDataAccess, tmp_path: Path) -> None:
    ctx = ctx_for(tmp_path)
    df = pd.DataFrame(FRAME)
    converted = to_literal(df, Annotated[pd.DataFrame, {"a": int, "b": str}], ctx).unwrap()
    sd = converted.value.scalar.structured_dataset
    assert sd.uri.startswith(str(tmp_path / "raw") + "/") and len(Path(sd.uri).name) == 32
    assert sd.metadata.structured_dataset_type.format == "parquet"
    assert [c.name for c in sd.metadata.structured_dataset_type.columns] == ["a", "b"]
    (up,) = converted.uploads
    assert isinstance(up, UploadBytes) and up.remote == sd.uri + "/00000"  # flytekit's layout, no staging folder
    assert not (tmp_path / "stage").exists()
    blob_io.perform_uploads(Storage.from_env({}), converted.uploads)
    first = to_python(converted.value, pd.DataFrame, ctx_for(tmp_path, "e" * 32))
    assert isinstance(first.failure(), BlobsNeeded)
    assert first.failure().reads == (BlobRead(sd.uri, is_directory=True),)
    back = decode(converted.value, pd.DataFrame, ctx_for(tmp_path, "e" * 32)).unwrap()
    pd.testing.assert_frame_equal(back, df)
    only_b = decode(converted.value, Annotated[pd.DataFrame, {"b": str}], ctx).unwrap()
    assert list(only_b.columns) == ["b"]


@needs_pandas
def test_incoming_columns_subset_the_read(access: blob_io.StorageDataAccess, tmp_path: Path) -> None:
    pd.DataFrame({"a": [1], "b": ["x"], "c": [2.0]}).to_parquet(tmp_path / "data.parquet")
    lit = structured_dataset_literal(str(tmp_path / "data.parquet"), structured_dataset_type({"a": int}, "parquet"))
    assert list(decode(lit, pd.DataFrame, ctx_for(tmp_path)).unwrap().columns) == ["a"]


@needs_pandas
def test_other_literal_forms(access: blob_io.StorageDataAccess, tmp_path: Path) -> None:
    import msgpack

    pd.DataFrame(FRAME).to_parquet(tmp_path / "d.parquet")
    lit = literals_pb2.Literal()
    lit.scalar.binary.value = msgpack.dumps({"uri": str(tmp_path / "d.parquet"), "file_format": "parquet"})
    lit.scalar.binary.tag = "msgpack"
    assert decode(lit, pd.DataFrame, ctx_for(tmp_path)).unwrap().shape == (3, 2)
    lit = literals_pb2.Literal()
    lit.scalar.schema.uri = str(tmp_path / "d.parquet")
    assert decode(lit, pd.DataFrame, ctx_for(tmp_path)).unwrap().shape == (3, 2)
    avro = structured_dataset_literal("/x", structured_dataset_type(None, "avro"))
    assert "avro" in str(decode(avro, pd.DataFrame, ctx_for(tmp_path)).failure())


@needs_pandas
def test_bad_values_and_missing_data(access: blob_io.StorageDataAccess, tmp_path: Path) -> None:
    assert isinstance(to_literal([1, 2], pd.DataFrame, ctx_for(tmp_path)), Failure)
    missing = structured_dataset_literal(str(tmp_path / "nope"), structured_dataset_type(None, "parquet"))
    err = decode(missing, pd.DataFrame, ctx_for(tmp_path)).failure()
    assert not isinstance(err, BlobsNeeded) and str(tmp_path / "nope") in str(err)


DF_TASKS = textwrap.dedent(
    """
    import pandas as pd
    from typing import Annotated
    from flyte_entrypoint import task

    @task
    def double(df: pd.DataFrame) -> Annotated[pd.DataFrame, {"a": int, "b": str}]:
        return pd.DataFrame({"a": df["a"] * 2, "b": df["b"]})
    """
)


@needs_pandas
def test_e2e_dataframe_on_s3(s3: Any, tmp_path: Path) -> None:
    storage = Storage.from_env(s3.env)
    install_data_access(blob_io.StorageDataAccess(lambda: storage, str(tmp_path / "sb"), s3.uri("setup")))
    converted = to_literal(pd.DataFrame(FRAME), pd.DataFrame, ConversionContext(
        raw_output_prefix=s3.uri("inputs"), local_sandbox=str(tmp_path / "stage"), name_seed="1" * 32)).unwrap()
    blob_io.perform_uploads(storage, converted.uploads)
    lm = literals_pb2.LiteralMap()
    lm.literals["df"].CopyFrom(converted.value)
    (tmp_path / "in.pb").write_bytes(lm.SerializeToString())
    (tmp_path / "dfwf.py").write_text(DF_TASKS)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE", "_F_"))}
    env.update(s3.env)
    proc = subprocess.run(
        [EXECUTE, "--inputs", str(tmp_path / "in.pb"), "--output-prefix", s3.uri("out"),
         "--raw-output-data-prefix", s3.uri("raw"), "--resolver", "flyte_entrypoint.default_task_resolver",
         "--", "task-module", "dfwf", "task-name", "double"],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = literals_pb2.LiteralMap.FromString(storage.get_bytes(s3.uri("out", "outputs.pb")))
    sd = out.literals["o0"].scalar.structured_dataset
    assert sd.uri.startswith(s3.uri("raw") + "/") and sd.metadata.structured_dataset_type.format == "parquet"
    assert storage.list_files(sd.uri) == [f"{sd.uri}/00000"]
    back = decode(out.literals["o0"], pd.DataFrame, ConversionContext(local_sandbox=str(tmp_path / "r")), storage).unwrap()
    assert back["a"].tolist() == [2, 4, 6] and back["b"].tolist() == FRAME["b"]
