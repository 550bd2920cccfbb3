"""Task module for the chain differential test (``test_chain_oracle.py``).

Importable by BOTH entrypoints with cwd = this directory: flytekit's ``pyflyte-execute`` (the oracle venv) and ours
(the dev venv has no flytekit, so the fallback imports pick flyte_entrypoint). No ``from __future__ import
annotations``: flytekit must resolve the hints itself.

Every GROUP of types has three tasks, chained the way propeller binds one node's outputs to the next node's inputs:

* ``make_<group>() -> <Group>``: builds fixed values (``VALUES``) and returns them as a NamedTuple multi-output;
* ``relay_<group>(r_<field>: T, ...) -> <Group>``: checks that what it received decodes to ``EXPECTED`` (raises a
  ValueError naming every field that differs) and returns the decoded values again, re-encoded by its own side;
* ``check_<group>(c_<field>: T, ...) -> str``: returns :func:`describe` of what it received, as JSON, for the test
  to compare against ``EXPECTED``.

The test runs the chain flytekit -> ours -> flytekit and ours -> flytekit -> ours.
"""

import dataclasses
import datetime
import enum
import json
import os
import shutil
import tempfile
import typing
from typing import NamedTuple, Optional, Union

import pandas as pd

try:
    from flytekit import task
    from flytekit.types.directory import FlyteDirectory
    from flytekit.types.file import FlyteFile
except ImportError:
    from flyte_entrypoint import FlyteDirectory, FlyteFile, task

UTC = datetime.timezone.utc
MINUS5 = datetime.timezone(datetime.timedelta(hours=-5))


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


@dataclasses.dataclass
class Inner:
    n: int
    tags: list[str]
    note: Optional[str] = None


@dataclasses.dataclass
class Record:
    name: str
    inner: Inner
    items: list[Inner]
    scores: dict[str, float]
    maybe: Optional[int] = None
    extra: Optional[Inner] = None


# --- output types (NamedTuple multi-outputs) --------------------------------------------------------------------


class Scalars(NamedTuple):
    i: int
    f: float
    s: str
    b: bool
    dt_naive: datetime.datetime
    dt_aware: datetime.datetime
    d: datetime.date
    td: datetime.timedelta


class Unions(NamedTuple):
    opt_none: Optional[int]
    opt_value: Optional[int]
    u_int: Union[int, str]
    u_str: Union[int, str]
    color: Color


class Collections(NamedTuple):
    ints: list[int]
    scores: dict[str, float]
    nested: list[dict[str, list[int]]]
    untyped: dict


class Records(NamedTuple):
    full: Record
    sparse: Record


class Blobs(NamedTuple):
    file: FlyteFile
    directory: FlyteDirectory
    frame: pd.DataFrame


class RelayedBlobs(NamedTuple):
    file: FlyteFile  # a fresh local copy: uploaded by the relaying side
    directory: FlyteDirectory  # a fresh local copy
    frame: pd.DataFrame  # re-encoded
    same_file: FlyteFile  # the input object itself: its URI passes through
    same_directory: FlyteDirectory


# --- values ----------------------------------------------------------------------------------------------------

FULL = Record(
    name="r1",
    inner=Inner(1, ["a", "b"], "note"),
    items=[Inner(2, []), Inner(3, ["c"], None)],
    scores={"x": 0.5, "y": -2.0},
    maybe=4,
    extra=Inner(5, ["z"]),
)
SPARSE = Record(name="", inner=Inner(0, []), items=[], scores={})

VALUES: dict[str, dict[str, typing.Any]] = {
    "scalars": {
        "i": -(2**40) + 7,
        "f": 0.1,
        "s": "héllo\n wörld ✓",
        "b": False,
        "dt_naive": datetime.datetime(2024, 1, 2, 3, 4, 5, 123456),
        "dt_aware": datetime.datetime(2024, 1, 2, 23, 30, 0, 250000, tzinfo=MINUS5),
        "d": datetime.date(2024, 2, 29),
        "td": datetime.timedelta(days=-1, seconds=3, microseconds=500),
    },
    "unions": {"opt_none": None, "opt_value": 0, "u_int": 7, "u_str": "7", "color": Color.GREEN},
    "collections": {
        "ints": [3, -1, 0, 2**62],
        "scores": {"a": 1.5, "b": -0.25, "c": 0.0},
        "nested": [{"a": [1, 2], "b": []}, {}],
        "untyped": {"k": [1, 2.5, None, True, "s"], "nested": {"x": {"y": [1]}}, "n": -3},
    },
    "records": {"full": FULL, "sparse": SPARSE},
}

FILE_TEXT = "hello chain\n"
TREE = {"x.txt": "x", os.path.join("sub", "y.txt"): "y"}
FRAME = {"a": [1, 2, 3], "b": [0.5, 1.5, -2.0], "c": ["x", "y", "z"]}

# --- describing a decoded value (the same JSON on both sides) ---------------------------------------------------


def describe(value: typing.Any) -> typing.Any:
    """A JSON-able description of a decoded python value, exact types kept; file/dir/frame by content."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, enum.Enum):
        return ["enum", type(value).__name__, value.value]
    if isinstance(value, int):
        return ["int", value]
    if isinstance(value, float):
        return ["float", repr(value)]
    if isinstance(value, datetime.datetime):
        return ["datetime", value.isoformat()]
    if isinstance(value, datetime.date):
        return ["date", value.isoformat()]
    if isinstance(value, datetime.timedelta):
        return ["timedelta", value.days, value.seconds, value.microseconds]
    if isinstance(value, FlyteDirectory):
        root = value.download()
        tree = {}
        for base, _dirs, files in os.walk(root):
            for name in files:
                full = os.path.join(base, name)
                with open(full) as fh:
                    tree[os.path.relpath(full, root)] = fh.read()
        return ["directory", dict(sorted(tree.items()))]
    if isinstance(value, FlyteFile):
        with open(value) as fh:
            return ["file", fh.read()]
    if isinstance(value, pd.DataFrame):
        return ["frame", {str(c): [str(value[c].dtype), describe(value[c].tolist())] for c in value.columns}]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [
            "dataclass",
            type(value).__name__,
            {f.name: describe(getattr(value, f.name)) for f in dataclasses.fields(value)},
        ]
    if isinstance(value, list):
        return ["list", [describe(v) for v in value]]
    if isinstance(value, dict):
        return ["dict", sorted(([describe(k), describe(v)] for k, v in value.items()), key=repr)]
    return ["other", type(value).__name__, repr(value)]


def _decoded(value: typing.Any) -> typing.Any:
    """What a value becomes after a trip through a literal (datetimes come back aware, in UTC)."""
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


_BLOBS = {
    "file": ["file", FILE_TEXT],
    "directory": ["directory", dict(sorted(TREE.items()))],
    "frame": [
        "frame",
        {
            "a": ["int64", describe(FRAME["a"])],
            "b": ["float64", describe(FRAME["b"])],
            "c": ["str", describe(FRAME["c"])],
        },
    ],
}

# group -> field -> describe() of the value every hop must decode
EXPECTED: dict[str, dict[str, typing.Any]] = {
    **{g: {k: describe(_decoded(v)) for k, v in fields.items()} for g, fields in VALUES.items()},
    "blobs": dict(_BLOBS),
    "relayed_blobs": {**_BLOBS, "same_file": _BLOBS["file"], "same_directory": _BLOBS["directory"]},
}


def _strip(prefix: str, received: dict[str, typing.Any]) -> dict[str, typing.Any]:
    return {k[len(prefix) :]: v for k, v in received.items()}


def verify(group: str, received: dict[str, typing.Any]) -> dict[str, typing.Any]:
    """``received`` (relay inputs, ``r_`` prefix dropped) if it matches EXPECTED[group]; else a ValueError."""
    values = _strip("r_", received)
    got = {k: describe(v) for k, v in values.items()}
    want = EXPECTED[group]
    bad = {
        k: {"got": got.get(k), "expected": want.get(k)}
        for k in sorted(set(got) | set(want))
        if got.get(k) != want.get(k)
    }
    if bad:
        raise ValueError(
            f"{group}: decoded inputs differ from the expected values: {json.dumps(bad, sort_keys=True)}"
        )
    return values


def report(received: dict[str, typing.Any]) -> str:
    return json.dumps({k: describe(v) for k, v in _strip("c_", received).items()}, sort_keys=True)


def _fresh_dir() -> str:
    return tempfile.mkdtemp(prefix="chain-")


# --- scalars ---------------------------------------------------------------------------------------------------


@task
def make_scalars() -> Scalars:
    return Scalars(**VALUES["scalars"])


@task
def relay_scalars(
    r_i: int,
    r_f: float,
    r_s: str,
    r_b: bool,
    r_dt_naive: datetime.datetime,
    r_dt_aware: datetime.datetime,
    r_d: datetime.date,
    r_td: datetime.timedelta,
) -> Scalars:
    return Scalars(**verify("scalars", dict(locals())))


@task
def check_scalars(
    c_i: int,
    c_f: float,
    c_s: str,
    c_b: bool,
    c_dt_naive: datetime.datetime,
    c_dt_aware: datetime.datetime,
    c_d: datetime.date,
    c_td: datetime.timedelta,
) -> str:
    return report(dict(locals()))


# --- Optional, Union, Enum -------------------------------------------------------------------------------------


@task
def make_unions() -> Unions:
    return Unions(**VALUES["unions"])


@task
def relay_unions(
    r_opt_none: Optional[int],
    r_opt_value: Optional[int],
    r_u_int: Union[int, str],
    r_u_str: Union[int, str],
    r_color: Color,
) -> Unions:
    return Unions(**verify("unions", dict(locals())))


@task
def check_unions(
    c_opt_none: Optional[int],
    c_opt_value: Optional[int],
    c_u_int: Union[int, str],
    c_u_str: Union[int, str],
    c_color: Color,
) -> str:
    return report(dict(locals()))


# --- lists, typed dicts, untyped dict --------------------------------------------------------------------------


@task
def make_collections() -> Collections:
    return Collections(**VALUES["collections"])


@task
def relay_collections(
    r_ints: list[int], r_scores: dict[str, float], r_nested: list[dict[str, list[int]]], r_untyped: dict
) -> Collections:
    return Collections(**verify("collections", dict(locals())))


@task
def check_collections(
    c_ints: list[int], c_scores: dict[str, float], c_nested: list[dict[str, list[int]]], c_untyped: dict
) -> str:
    return report(dict(locals()))


# --- nested dataclasses ----------------------------------------------------------------------------------------


@task
def make_records() -> Records:
    return Records(**VALUES["records"])


@task
def relay_records(r_full: Record, r_sparse: Record) -> Records:
    return Records(**verify("records", dict(locals())))


@task
def check_records(c_full: Record, c_sparse: Record) -> str:
    return report(dict(locals()))


# --- FlyteFile, FlyteDirectory, DataFrame ----------------------------------------------------------------------


def _write_tree(root: str, tree: dict[str, str]) -> str:
    for rel, text in tree.items():
        os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
        with open(os.path.join(root, rel), "w") as fh:
            fh.write(text)
    return root


@task
def make_blobs() -> Blobs:
    base = _fresh_dir()
    path = os.path.join(base, "hello.txt")
    with open(path, "w") as fh:
        fh.write(FILE_TEXT)
    tree = _write_tree(os.path.join(base, "tree"), TREE)
    return Blobs(file=FlyteFile(path), directory=FlyteDirectory(tree), frame=pd.DataFrame(FRAME))


@task
def relay_blobs(r_file: FlyteFile, r_directory: FlyteDirectory, r_frame: pd.DataFrame) -> RelayedBlobs:
    verify("blobs", dict(locals()))
    base = _fresh_dir()
    copy = os.path.join(base, "hello.txt")
    shutil.copyfile(r_file, copy)
    tree = shutil.copytree(r_directory.download(), os.path.join(base, "tree"))
    return RelayedBlobs(
        file=FlyteFile(copy),
        directory=FlyteDirectory(tree),
        frame=r_frame.copy(),
        same_file=r_file,
        same_directory=r_directory,
    )


@task
def check_blobs(
    c_file: FlyteFile,
    c_directory: FlyteDirectory,
    c_frame: pd.DataFrame,
    c_same_file: FlyteFile,
    c_same_directory: FlyteDirectory,
) -> str:
    return report(dict(locals()))
