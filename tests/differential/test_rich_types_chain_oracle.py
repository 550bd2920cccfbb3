"""Differential, end to end: issue-10 values through ``pyflyte-execute`` chains, alternating flytekit and ours.

``make_types() -> relay_types(r_...) -> check_types(c_...)`` (``wf_rich_types.py``), flytekit -> ours -> flytekit
and ours -> flytekit -> ours, on local folders and on the S3 test server. Types: a DataFrame with declared
columns, a StructuredDataset read through a column subset, a pydantic model, a pydantic model with FlyteFile and
StructuredDataset fields, a numpy array, a CSVFile, Optional[FlyteError] and Iterator[JSON]. Checked: every hop
exits 0 with outputs.pb; the relay decodes exactly ``wf_rich_types.EXPECTED_TYPES`` (it raises otherwise); the last
hop's description equals it; and the relay's outputs equal the first hop's once raw prefixes and random names are
normalized (msgpack binaries compared decoded).
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flyteidl.core import literals_pb2

HERE = Path(__file__).resolve().parent
pytest.importorskip("pandas")
pytest.importorskip("pydantic")
pytest.importorskip("numpy")


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
e2e = _load("test_rich_types_e2e_oracle_helpers", "test_rich_types_e2e_oracle.py")
wf = _load("wf_rich_types", "wf_rich_types.py")
differential = _load("test_rich_types_oracle_helpers", "test_rich_types_oracle.py")

ORIENTATIONS = {"fk-ours-fk": (oracle.ORACLE, oracle.OURS, oracle.ORACLE), "ours-fk-ours": (oracle.OURS, oracle.ORACLE, oracle.OURS)}
HOPS = (("make_types", ""), ("relay_types", "r_"), ("check_types", "c_"))
NPY = re.compile(r"/[0-9a-f]{32}(\.npy)?(?=[/\"]|$)")


def _run(side: str, task: str, inputs: literals_pb2.LiteralMap, store: Any, name: str, work: Path) -> tuple[Any, str]:
    work.mkdir(parents=True, exist_ok=True)
    path = work / "inputs.pb"
    path.write_bytes(inputs.SerializeToString(deterministic=True))
    raw, out = store.prefix(name, "raw"), store.prefix(name, "out")
    inv = oracle.Invocation(task=task, inputs=str(path), module="wf_rich_types", env=store.env)
    argv = oracle.command_for(side, inv, out, raw)
    env = oracle._clean_env({**oracle.BACKEND_ENV, **store.env}, home=work / "home")
    overlay = differential.cases.pydantic_overlay(work) if side == oracle.ORACLE else None
    if overlay is not None:
        env["PYTHONPATH"] = overlay
    (work / "tmp").mkdir(exist_ok=True)
    env["TMPDIR"] = str(work / "tmp")
    proc = subprocess.run(argv, cwd=HERE, env=env, capture_output=True, text=True, timeout=300, check=False)
    data = store.read_outputs(out)
    return (proc, None if data is None else literals_pb2.LiteralMap.FromString(data)), raw


def _norm(lit: literals_pb2.Literal, raw: str) -> str:
    return NPY.sub(lambda m: "/<hex32>" + (m.group(1) or ""), differential.normalize(lit, raw))


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "s3":
        return e2e._S3(request.getfixturevalue("s3"), "chain10")
    return e2e._Local(tmp_path / "store", scheme=False)


@pytest.mark.parametrize("orientation", sorted(ORIENTATIONS))
def test_chain(store: Any, orientation: str, tmp_path: Path) -> None:
    oracle.require_oracle()
    inputs = literals_pb2.LiteralMap()
    outputs: list[tuple[literals_pb2.LiteralMap, str]] = []
    for i, ((task, prefix), side) in enumerate(zip(HOPS, ORIENTATIONS[orientation])):
        remapped = literals_pb2.LiteralMap()
        for k, v in inputs.literals.items():
            remapped.literals[prefix + k].CopyFrom(v)
        name = f"{orientation}-{i}-{side}"
        (proc, lm), raw = _run(side, task, remapped, store, name, tmp_path / name)
        assert proc.returncode == 0 and lm is not None, f"{side} {task}: exit {proc.returncode}\n{proc.stderr[-4000:]}"
        outputs.append((lm, raw))
        inputs = lm
    final = json.loads(outputs[2][0].literals["o0"].scalar.primitive.string_value)
    assert final == wf.EXPECTED_TYPES
    (first, raw0), (relay, raw1) = outputs[0], outputs[1]
    assert sorted(first.literals) == sorted(relay.literals)
    for key in first.literals:
        assert _norm(first.literals[key], raw0) == _norm(relay.literals[key], raw1), key
