"""Task module for ``test_rich_types_e2e_oracle.py``: issue-10 types run through both ``pyflyte-execute``s.

Importable by both entrypoints with cwd = this directory (flytekit in the oracle venv, flyte_entrypoint in the dev
venv). No ``from __future__ import annotations``: flytekit must resolve the hints itself. Needs pandas, numpy and
pydantic on both sides (the oracle gets the dev venv's pydantic through PYTHONPATH, see the tests).
"""

import json
import os
import tempfile
import typing
from typing import Annotated, Iterator, List, NamedTuple, Optional

import numpy as np
import pandas as pd
from pydantic import BaseModel

try:
    from flytekit import kwtypes, task
    from flytekit.types.directory import FlyteDirectory
    from flytekit.types.error import FlyteError
    from flytekit.types.file import CSVFile, FlyteFile
    from flytekit.types.iterator import JSON
    from flytekit.types.structured import StructuredDataset
except ImportError:
    from flyte_entrypoint import (
        CSVFile,
        FlyteDirectory,
        FlyteError,
        FlyteFile,
        StructuredDataset,
        kwtypes,
        task,
    )
    from flyte_entrypoint.iterators import JSON


@task
def write_new_remote_file() -> FlyteFile:
    """FlyteFile.new_remote_file(name).open("w") on the raw output prefix (local folder, file:// or S3)."""
    ff = FlyteFile.new_remote_file("report.txt")
    with ff.open("w") as fh:
        fh.write("written through new_remote_file\n")
    return ff


@task
def write_new_remote_dir() -> FlyteDirectory:
    """FlyteDirectory.new_remote().new_file(x).open("wb") on the raw output prefix."""
    fd = FlyteDirectory.new_remote()
    for name, data in (("a.bin", b"\x00\x01"), ("b.bin", b"bee")):
        with fd.new_file(name).open("wb") as fh:
            fh.write(data)
    return fd


@task
def write_unnamed_remote_file() -> FlyteFile:
    ff = FlyteFile.new_remote_file()
    with ff.open("wb") as fh:
        fh.write(b"random name")
    return ff


EXPECTED: typing.Dict[str, typing.Any] = {
    "write_new_remote_file": {"": b"written through new_remote_file\n"},
    "write_new_remote_dir": {"a.bin": b"\x00\x01", "b.bin": b"bee"},
    "write_unnamed_remote_file": {"": b"random name"},
}


# ---------------------------------------------------------------------------------------------------------------
# A chain make -> relay -> check of issue-10 types (test_rich_types_chain_oracle.py), run alternately by both sides.


class Point(BaseModel):
    x: int
    y: float
    tags: List[str] = []


class Bundle(BaseModel):
    p: Point
    f: Optional[FlyteFile] = None
    sd: Optional[StructuredDataset] = None
    n: int = 0


FRAME = {"a": [1, 2, 3], "b": ["x", "y", "z"], "c": [0.5, 1.5, 2.5]}
CSV_TEXT = "h1,h2\n1,2\n"
LINES = [{"k": 1}, [1, 2], "s", 2.5]


def _csv_file() -> str:
    path = os.path.join(tempfile.mkdtemp(), "table.csv")
    with open(path, "w") as fh:
        fh.write(CSV_TEXT)
    return path


class Values(NamedTuple):
    df: Annotated[pd.DataFrame, kwtypes(a=int, b=str, c=float)]
    sd: Annotated[StructuredDataset, kwtypes(a=int, b=str)]
    point: Point
    bundle: Bundle
    arr: np.ndarray
    table: CSVFile
    err: Optional[FlyteError]
    lines: Iterator[JSON]


def _values(df: pd.DataFrame, csv_path: str) -> Values:
    inner = StructuredDataset(dataframe=df[["a", "c"]])
    return Values(
        df=df,
        sd=StructuredDataset(dataframe=df),
        point=Point(x=1, y=2.5, tags=["p"]),
        bundle=Bundle(p=Point(x=3, y=-1.0), f=FlyteFile(csv_path), sd=inner, n=7),
        arr=np.arange(6, dtype=np.int64).reshape(2, 3),
        table=CSVFile(csv_path),
        err=FlyteError(message="upstream failed", failed_node_id="n3"),
        lines=iter(LINES),
    )


@task
def make_types() -> Values:
    return _values(pd.DataFrame(FRAME), _csv_file())


def describe(df, sd, point, bundle, arr, table, err, lines) -> str:
    with open(table) as fh:
        table_text = fh.read()
    with open(bundle.f) as fh:
        bundle_file = fh.read()
    return json.dumps(
        {
            "df": df.to_dict(orient="list"),
            "sd": sd.open(pd.DataFrame).all().to_dict(orient="list"),
            "point": point.model_dump(),
            "bundle": {"p": bundle.p.model_dump(), "n": bundle.n, "file": bundle_file,
                       "sd": bundle.sd.open(pd.DataFrame).all().to_dict(orient="list")},
            "arr": arr.tolist(),
            "table": table_text,
            "err": [err.message, err.failed_node_id],
            "lines": list(lines),
        },
        sort_keys=True,
    )


@task
def relay_types(
    r_df: Annotated[pd.DataFrame, kwtypes(a=int, b=str, c=float)],
    r_sd: Annotated[StructuredDataset, kwtypes(a=int, b=str)],
    r_point: Point,
    r_bundle: Bundle,
    r_arr: np.ndarray,
    r_table: CSVFile,
    r_err: Optional[FlyteError],
    r_lines: Iterator[JSON],
) -> Values:
    got = json.loads(describe(r_df, r_sd, r_point, r_bundle, r_arr, r_table, r_err, r_lines))
    if got != EXPECTED_TYPES:
        raise ValueError(f"relay decoded {got}, expected {EXPECTED_TYPES}")
    out = _values(r_df, _csv_file())
    return out


@task
def check_types(
    c_df: Annotated[pd.DataFrame, kwtypes(a=int, b=str, c=float)],
    c_sd: Annotated[StructuredDataset, kwtypes(a=int, b=str)],
    c_point: Point,
    c_bundle: Bundle,
    c_arr: np.ndarray,
    c_table: CSVFile,
    c_err: Optional[FlyteError],
    c_lines: Iterator[JSON],
) -> str:
    return describe(c_df, c_sd, c_point, c_bundle, c_arr, c_table, c_err, c_lines)


EXPECTED_TYPES = {
    "df": FRAME,
    "sd": {"a": FRAME["a"], "b": FRAME["b"]},
    "point": {"x": 1, "y": 2.5, "tags": ["p"]},
    "bundle": {"p": {"x": 3, "y": -1.0, "tags": []}, "n": 7, "file": CSV_TEXT,
               "sd": {"a": FRAME["a"], "c": FRAME["c"]}},
    "arr": [[0, 1, 2], [3, 4, 5]],
    "table": CSV_TEXT,
    "err": ["upstream failed", "n3"],
    "lines": LINES,
}
