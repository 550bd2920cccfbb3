"""``flyte-entrypoint make`` against flytekit 1.16.31's TypeEngine (the oracle venv).

For every case the same values are written twice: by our ``make --task`` from JSON, through a task's
interface (``make_tasks.py``), and by flytekit's ``TypeEngine.to_literal`` from python values
(``oracle_make.py``, one subprocess for all cases). Our file must be byte-identical to flytekit's
LiteralMap serialized deterministically (flytekit's own bytes order map entries per process, so its
file is parsed and re-serialized with ``deterministic=True``; where its file has no map with two or more
entries, the raw bytes are compared too). Then ``show --task`` of our file, fed back to ``make``, must give
the same bytes again (the show/make round trip through the interface).

Not covered: local file/directory paths (flytekit uploads them to a random raw-output location; ``make``
keeps the path as the URI) — remote URIs are compared.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flyteidl.core import literals_pb2

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ORACLE_PYTHON = ROOT / ".oracle-venv" / "bin" / "python"
TOOL = Path(sys.executable).parent / "flyte-entrypoint"

UTC = "datetime.timezone.utc"

# id -> (task in make_tasks, JSON we give, {input: (python type, python value)} flytekit gets)
CASES: dict[str, tuple[str, Any, dict[str, tuple[str, str]]]] = {
    "prims": (
        "prims",
        {"a": -3, "b": 2, "s": "héllo\nwörld", "flag": True},
        {
            "a": ("int", "-3"),
            "b": ("float", "2.0"),
            "s": ("str", "'héllo\\nwörld'"),
            "flag": ("bool", "True"),
        },
    ),
    "collections": (
        "collections",
        {
            "xs": [1, 2, 3],
            "d": {"x": 1.5, "y": -2, "z": 0.0},
            "nested": [{"a": [1, 2], "b": []}, {}],
            "empty": [],
        },
        {
            "xs": ("List[int]", "[1, 2, 3]"),
            "d": ("Dict[str, float]", "{'x': 1.5, 'y': -2.0, 'z': 0.0}"),
            "nested": ("List[Dict[str, List[int]]]", "[{'a': [1, 2], 'b': []}, {}]"),
            "empty": ("List[str]", "[]"),
        },
    ),
    "times": (
        "times",
        {"when": "2024-02-29T23:30:00.123456Z", "day": "2024-03-01", "span": "5400.5s"},
        {
            "when": ("datetime.datetime", f"datetime.datetime(2024, 2, 29, 23, 30, 0, 123456, tzinfo={UTC})"),
            "day": ("datetime.date", "datetime.date(2024, 3, 1)"),
            "span": ("datetime.timedelta", "datetime.timedelta(seconds=5400.5)"),
        },
    ),
    "times_offset_and_seconds": (
        "times",
        {"when": "2024-01-01T02:00:00+02:00", "day": "1999-12-31", "span": 90},
        {
            "when": ("datetime.datetime", f"datetime.datetime(2024, 1, 1, 0, 0, tzinfo={UTC})"),
            "day": ("datetime.date", "datetime.date(1999, 12, 31)"),
            "span": ("datetime.timedelta", "datetime.timedelta(seconds=90)"),
        },
    ),
    "unions_str_list_none_float": (
        "unions",
        {"u": "7", "o": [1, 2], "n": None, "f": 1.5},
        {
            "u": ("Union[int, str]", "'7'"),
            "o": ("Optional[List[int]]", "[1, 2]"),
            "n": ("Optional[int]", "None"),
            "f": ("Union[float, str]", "1.5"),
        },
    ),
    "unions_int_none_int_str": (
        "unions",
        {"u": 7, "o": None, "n": 3, "f": "x"},
        {
            "u": ("Union[int, str]", "7"),
            "o": ("Optional[List[int]]", "None"),
            "n": ("Optional[int]", "3"),
            "f": ("Union[float, str]", "'x'"),
        },
    ),
    "enums": (
        "enums",
        {"c": "green", "maybe": None},
        {"c": ("dc_types.Color", "dc_types.Color.GREEN"), "maybe": ("Optional[dc_types.Color]", "None")},
    ),
    "enums_set": (
        "enums",
        {"c": "red", "maybe": "blue"},
        {
            "c": ("dc_types.Color", "dc_types.Color.RED"),
            "maybe": ("Optional[dc_types.Color]", "dc_types.Color.BLUE"),
        },
    ),
    "structs": (
        "structs",
        {
            "p": {"x": 1, "tags": ["a", "b"], "inner": {"n": 3}},
            "s": {"i": 1, "f": 2.5, "s": "x", "b": False},
            "w": {"color": "red", "maybe": "blue", "level": 2},
        },
        {
            "p": ("dc_types.Point", "dc_types.Point(x=1, tags=['a', 'b'], inner=dc_types.Inner(3))"),
            "s": ("dc_types.Scalars", "dc_types.Scalars(i=1, f=2.5, s='x', b=False)"),
            "w": (
                "dc_types.WithEnum",
                "dc_types.WithEnum(color=dc_types.Color.RED, maybe=dc_types.Color.BLUE, level=dc_types.Level.HIGH)",
            ),
        },
    ),
    "more_structs": (
        "more_structs",
        {
            "d": {"dt": "2024-01-02T03:04:05Z", "d": "2024-01-02", "td": "90s"},
            "c": {
                "inners": [{"n": 1}],
                "by_name": {"a": {"n": 2}},
                "by_id": {"1": "one"},
                "grid": [[1], [2, 3]],
                "maybe_list": None,
                "sparse": [1.5, None],
            },
        },
        {
            "d": (
                "dc_types.Dates",
                f"dc_types.Dates(dt=datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo={UTC}), "
                "d=datetime.date(2024, 1, 2), td=datetime.timedelta(seconds=90))",
            ),
            "c": (
                "dc_types.Collections",
                "dc_types.Collections(inners=[dc_types.Inner(1)], by_name={'a': dc_types.Inner(2)}, "
                "by_id={1: 'one'}, grid=[[1], [2, 3]], maybe_list=None, sparse=[1.5, None])",
            ),
        },
    ),
    "untyped": (
        "untyped",
        {"anything": {"k": [1, "x", None], "n": {"m": 1.5}}, "by_id": {"1": "a", "20": "b"}},
        {
            "anything": ("dict", "{'k': [1, 'x', None], 'n': {'m': 1.5}}"),
            "by_id": ("Dict[int, str]", "{1: 'a', 20: 'b'}"),
        },
    ),
    "blobs": (
        "blobs",
        {"f": "s3://bucket/a/f.txt", "table": {"uri": "s3://bucket/t.csv"}, "d": "s3://bucket/dir"},
        {
            "f": ("dc_types.FlyteFile", "dc_types.FlyteFile('s3://bucket/a/f.txt')"),
            "table": ("dc_types.FlyteFile['csv']", "dc_types.FlyteFile['csv']('s3://bucket/t.csv')"),
            "d": ("dc_types.FlyteDirectory", "dc_types.FlyteDirectory('s3://bucket/dir')"),
        },
    ),
    "defaults": (
        "defaults",
        {"a": 1},
        {"a": ("int", "1"), "b": ("int", "7"), "c": ("Optional[str]", "None")},
    ),
}


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE", "_F_", "PYTHONPATH"))}


def _canonical(data: bytes) -> bytes:
    lm = literals_pb2.LiteralMap()
    lm.ParseFromString(data)
    return lm.SerializeToString(deterministic=True)


def _has_multi_entry_map(message: Any) -> bool:
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.message_type.GetOptions().map_entry:
            if len(value) > 1:
                return True
            items = value.values() if field.message_type.fields_by_name["value"].message_type else []
            if any(_has_multi_entry_map(v) for v in items):
                return True
        elif getattr(field, "is_repeated", False):
            if any(_has_multi_entry_map(v) for v in value):
                return True
        elif _has_multi_entry_map(value):
            return True
    return False


@pytest.fixture(scope="module")
def flytekit_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    if not ORACLE_PYTHON.exists():
        pytest.fail(f"the oracle venv is missing ({ORACLE_PYTHON}); run scripts/setup-venvs.sh")
    out = tmp_path_factory.mktemp("flytekit")
    jobs = [
        {"path": str(out / f"{case}.pb"), "inputs": {k: list(v) for k, v in spec.items()}}
        for case, (_, _, spec) in CASES.items()
    ]
    proc = subprocess.run(
        [str(ORACLE_PYTHON), str(HERE / "oracle_make.py")],
        input=json.dumps({"jobs": jobs}),
        capture_output=True,
        text=True,
        cwd=HERE,
        env=_env(),
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return {case: (out / f"{case}.pb").read_bytes() for case in CASES}


def _make(task: str, value: Any, path: Path) -> bytes:
    proc = subprocess.run(
        [str(TOOL), "make", "--task", f"make_tasks:{task}", json.dumps(value), "-o", str(path)],
        capture_output=True,
        text=True,
        cwd=HERE,
        env=_env(),
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return path.read_bytes()


@pytest.mark.parametrize("case", sorted(CASES))
def test_make_is_byte_identical_to_flytekit(
    case: str, flytekit_files: dict[str, bytes], tmp_path: Path
) -> None:
    task, value, _ = CASES[case]
    ours = _make(task, value, tmp_path / "inputs.pb")
    theirs = flytekit_files[case]
    assert ours == _canonical(theirs)
    parsed = literals_pb2.LiteralMap()
    parsed.ParseFromString(theirs)
    if not _has_multi_entry_map(parsed):
        assert ours == theirs

    shown = subprocess.run(
        [str(TOOL), "show", "--task", f"make_tasks:{task}", str(tmp_path / "inputs.pb")],
        capture_output=True,
        text=True,
        cwd=HERE,
        env=_env(),
        timeout=60,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert _make(task, json.loads(shown.stdout), tmp_path / "again.pb") == ours
