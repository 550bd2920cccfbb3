"""Differential, end to end: issue-10 tasks (``wf_rich_types.py``) run by flytekit's ``pyflyte-execute`` and ours.

For each task and each raw output prefix (a local folder, a ``file://`` URI, the S3 test server) both sides must
exit 0 and write ``outputs.pb`` (no error document); the output literals must be equal once each side's raw
prefix and the random ``<hex32>`` names are normalized; and the data each side's literal points to must be
``wf_rich_types.EXPECTED`` (file bytes, or a directory's ``{relative path: bytes}``).

The local-prefix case pins the fix of ``FlyteFile.new_remote_file(name).open("w")`` and
``FlyteDirectory.new_remote().new_file(x).open("wb")``: before it, ours raised FileNotFoundError there.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flyteidl.core import literals_pb2
from google.protobuf import text_format

HERE = Path(__file__).resolve().parent


def _load(name: str, file_name: str) -> Any:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HERE / file_name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


oracle = _load("flyte_diff_oracle", "oracle.py")
wf = _load("wf_rich_types", "wf_rich_types.py")
cases = _load("rich_types_cases", "rich_types_cases.py")
HEX32 = re.compile(r"/[0-9a-f]{32}(?=[/\"]|$)")
TASKS = sorted(wf.EXPECTED)
# (store, task) where flytekit 1.16.31 fails and we write the outputs (README, Types differences):
# under a file:// raw prefix flytekit's output conversion finds neither the file ("does not exist") nor the
# directory ("is not a directory") it has just written.
FLYTEKIT_FAILS = {
    ("file-uri", "write_new_remote_dir"): "is not a directory",
    ("file-uri", "write_new_remote_file"): "does not exist",
    ("file-uri", "write_unnamed_remote_file"): "does not exist",
}


def _run(side: str, task: str, work: Path, raw: str, out: str, env: dict[str, str]) -> Any:
    work.mkdir(parents=True, exist_ok=True)
    inputs = work / "inputs.pb"
    inputs.write_bytes(literals_pb2.LiteralMap().SerializeToString())
    inv = oracle.Invocation(task=task, inputs=str(inputs), module="wf_rich_types", env=env)
    argv = oracle.command_for(side, inv, out, raw)
    run_env = oracle._clean_env({**oracle.BACKEND_ENV, **env}, home=work / "home")
    overlay = cases.pydantic_overlay(work) if side == oracle.ORACLE else None
    if overlay is not None:  # wf_rich_types imports pydantic; the oracle venv has none of its own
        run_env["PYTHONPATH"] = overlay
    (work / "tmp").mkdir(exist_ok=True)
    run_env["TMPDIR"] = str(work / "tmp")
    proc = subprocess.run(argv, cwd=HERE, env=run_env, capture_output=True, text=True, timeout=180, check=False)
    return proc


def _normalize(literal: literals_pb2.Literal, raw: str) -> str:
    text = text_format.MessageToString(literal, as_one_line=True).replace(raw.rstrip("/"), "<raw>")
    return HEX32.sub("/<hex32>", text)


class _Local:
    def __init__(self, root: Path, scheme: bool) -> None:
        self.root, self.scheme, self.env = root, scheme, {}
        self.name = "file-uri" if scheme else "local"

    def prefix(self, *parts: str) -> str:
        path = str(self.root.joinpath(*parts))
        return f"file://{path}" if self.scheme else path

    def read_outputs(self, out: str) -> bytes | None:
        p = Path(out.removeprefix("file://")) / "outputs.pb"
        return p.read_bytes() if p.exists() else None

    def read_tree(self, uri: str) -> dict[str, bytes]:
        p = Path(uri.removeprefix("file://"))
        if p.is_file():
            return {"": p.read_bytes()}
        return {str(f.relative_to(p)): f.read_bytes() for f in p.rglob("*") if f.is_file()}


class _S3:
    def __init__(self, s3: Any, key: str) -> None:
        self.s3, self.key, self.env, self.client = s3, key, dict(s3.env), s3.client()
        self.name = "s3"

    def prefix(self, *parts: str) -> str:
        return str(self.s3.uri(self.key, *parts))

    def _k(self, uri: str) -> str:
        return uri.removeprefix(f"s3://{self.s3.bucket}/")

    def read_outputs(self, out: str) -> bytes | None:
        try:
            body = self.client.get_object(Bucket=self.s3.bucket, Key=self._k(out) + "/outputs.pb")["Body"]
        except Exception:
            return None
        data: bytes = body.read()
        return data

    def read_tree(self, uri: str) -> dict[str, bytes]:
        key = self._k(uri)
        found: dict[str, bytes] = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.s3.bucket, Prefix=key):
            for obj in page.get("Contents", []):
                rel = obj["Key"][len(key) :].lstrip("/")
                found[rel] = self.client.get_object(Bucket=self.s3.bucket, Key=obj["Key"])["Body"].read()
        return found


@pytest.fixture(params=["local", "file-uri", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "s3":
        return _S3(request.getfixturevalue("s3"), "e2e10")
    return _Local(tmp_path / "store", scheme=request.param == "file-uri")


@pytest.mark.parametrize("task", TASKS)
def test_task_outputs_match_flytekit(store: Any, task: str, tmp_path: Path) -> None:
    oracle.require_oracle()
    seen: dict[str, str] = {}
    problems: list[str] = []
    for side in (oracle.ORACLE, oracle.OURS):
        raw, out = store.prefix(side, "raw"), store.prefix(side, "out")
        proc = _run(side, task, tmp_path / side, raw, out, store.env)
        data = store.read_outputs(out)
        known = FLYTEKIT_FAILS.get((store.name, task))
        if side == oracle.ORACLE and known is not None:
            assert data is None and known in proc.stderr, proc.stderr[-2000:]
            continue
        if proc.returncode != 0 or data is None:
            problems.append(f"{side}: exit {proc.returncode}, outputs.pb {'missing' if data is None else 'ok'}\n"
                            f"{proc.stderr[-3000:]}")
            continue
        lit = literals_pb2.LiteralMap.FromString(data).literals["o0"]
        seen[side] = _normalize(lit, raw)
        assert lit.scalar.blob.uri.startswith(raw.rstrip("/") + "/"), (side, lit.scalar.blob.uri)
        got = store.read_tree(lit.scalar.blob.uri)
        if got != wf.EXPECTED[task]:
            problems.append(f"{side}: data at {lit.scalar.blob.uri} is {got!r}, expected {wf.EXPECTED[task]!r}")
    assert not problems, "\n".join(problems)
    if oracle.ORACLE in seen:
        assert seen[oracle.ORACLE] == seen[oracle.OURS]
