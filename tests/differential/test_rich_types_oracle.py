"""Differential: the issue-10 types (file-format aliases, FlyteError, ...) against flytekit 1.16.31's TypeEngine.

Cases are in ``rich_types_cases.py``; flytekit answers in ``oracle_rich_types.py`` (one subprocess for all). Per case:
the LiteralType is byte-identical; the literal is the same once each side's raw prefix and random ``<hex32>``
names are normalized; a value flytekit refuses we refuse too (same exception message, our type names aside);
flytekit reads our literal to the value we wrote, and we read flytekit's literal to the same value.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flyteidl.core import literals_pb2
from google.protobuf import text_format
from returns.result import Failure

from flyte_entrypoint.core.type_engine.engine import ConversionContext, literal_type_of, to_literal, to_python
from flyte_entrypoint.files import install_data_access
from flyte_entrypoint.shell import blob_io
from flyte_entrypoint.shell.storage import Storage

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ORACLE_PYTHON = ROOT / ".oracle-venv" / "bin" / "python"
sys.path.insert(0, str(HERE))
import rich_types_cases as cases  # noqa: E402

# read cases where flytekit 1.16.31 crashes and we read the value (README, Types differences)
READ_DIFFERENCES: dict[str, Any] = {
    # a bare error scalar for Optional[FlyteError] (no union wrapper): flytekit raises AttributeError: to_flyte_idl
    "read_opt_error": {"FlyteError": ["m2", "node-4"]},
}
# write cases where flytekit writes a literal and we refuse the value (README, Types differences)
WRITE_DIFFERENCES = {
    # a PInner given for a PModel output: flytekit dumps it under PModel's type (unreadable as PModel)
    "pyd_wrong": "Expected a builtins.PModel",
}
# literals that point at data nobody can read in the test (a bucket that does not exist): not cross-read
NOT_READABLE = {"sd_uri_remote"}
HEX32 = re.compile(r"/[0-9a-f]{32}(?=[/\"]|$)")
NPY = re.compile(r"/[0-9a-f]{32}\.npy")
CLASS_NAMES = re.compile(r"<class '[\w.]+\.(\w+)'>")


def _ns() -> dict[str, Any]:
    ns: dict[str, Any] = {}
    exec(compile(cases.namespace_source(cases.OURS_IMPORTS), "<rich_types>", "exec", dont_inherit=True), ns)
    return ns


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def normalize(lit: literals_pb2.Literal, raw: str) -> str:
    """Text of a literal with the raw prefix and random names replaced; a msgpack binary is shown decoded (the
    length headers of strings holding the two sides' prefixes differ)."""
    if lit.HasField("scalar") and lit.scalar.HasField("binary"):
        import msgpack

        text = "binary " + json.dumps(msgpack.loads(lit.scalar.binary.value)) + " tag " + lit.scalar.binary.tag
        text = text.replace(raw.rstrip("/"), "<raw>")
    elif lit.HasField("collection"):
        return "[" + ", ".join(normalize(x, raw) for x in lit.collection.literals) + "]"
    else:
        text = text_format.MessageToString(lit, as_one_line=True).replace(raw.rstrip("/"), "<raw>")
    return NPY.sub("/<hex32>.npy", HEX32.sub("/<hex32>", text))


def _message(err: str) -> str:
    """An error without its class and with ``<class 'a.b.C'>`` shortened to ``C`` (module paths differ)."""
    return CLASS_NAMES.sub(r"\1", err.split(": ", 1)[-1])


def _oracle_env(root: Path) -> dict[str, str]:
    """The oracle's environment: no Flyte variables, and pydantic lent when it has none (``pydantic_overlay``)."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE", "_F_"))}
    overlay = cases.pydantic_overlay(root)
    if overlay is not None:
        env["PYTHONPATH"] = overlay
    return env


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("rich_types")
    src = root / "src"
    (src / "tree" / "sub").mkdir(parents=True)
    (src / "data.bin").write_bytes(b"some bytes\n")
    (src / "tree" / "x.txt").write_text("x")
    (src / "tree" / "sub" / "y.txt").write_text("y")
    (src / "pq").mkdir()
    import pandas as pd

    pd.DataFrame({"a": [7, 8], "b": ["u", "v"]}).to_parquet(src / "pq" / "part.parquet")
    (src / "nested").mkdir()
    pd.json_normalize(cases.NESTED, max_level=0).to_parquet(src / "nested" / "00000")
    data = {"file": str(src / "data.bin"), "dir": str(src / "tree"), "pq_dir": str(src / "pq"),
            "pq_file": str(src / "pq" / "part.parquet"), "nested_dir": str(src / "nested")}
    storage = Storage.from_env({})
    previous = install_data_access(blob_io.StorageDataAccess(lambda: storage, str(root / "our-sb"), str(root / "raw-ours")))
    ns = _ns()
    ours: dict[str, dict[str, Any]] = {}
    for i, (cid, type_expr, value_expr) in enumerate(cases.CASES):
        out = ours[cid] = {}
        tp = eval(type_expr, ns)
        lt = literal_type_of(tp)
        if isinstance(lt, Failure):
            out["lt_err"] = str(lt.failure())
            continue
        out["lt"] = lt.unwrap()
        if value_expr is None:
            continue
        ctx = blob_io.shell_parts(ConversionContext(raw_output_prefix=str(root / "raw-ours"),
                                                    local_sandbox=str(root / "stage"), name_seed=f"{i:032x}"))
        value = eval(cases.substitute(value_expr, data), ns)
        converted = to_literal(value, tp, ctx)
        if isinstance(converted, Failure):
            exc = converted.failure()
            out["lit_err"] = f"{exc.kind}: {exc.message}"
            continue
        blob_io.perform_uploads(storage, converted.unwrap().uploads)
        out["lit"] = converted.unwrap().value
    if not ORACLE_PYTHON.exists():
        pytest.fail(f"oracle venv missing: {ORACLE_PYTHON}")
    request = {
        "raw": str(root / "raw-flytekit"),
        "sandbox": str(root / "oracle-sb"),
        "data": data,
        "ours": {cid: _b64(r["lit"].SerializeToString()) for cid, r in ours.items() if "lit" in r},
    }
    proc = subprocess.run([str(ORACLE_PYTHON), str(HERE / "oracle_rich_types.py")], input=json.dumps(request),
                          capture_output=True, text=True, timeout=600, check=False, env=_oracle_env(root))
    assert proc.returncode == 0, proc.stderr[-4000:]
    yield {"ours": ours, "oracle": json.loads(proc.stdout), "root": root, "ns": ns, "data": data}
    install_data_access(previous)


def _read(literal: Any, tp: Any, ctx: ConversionContext) -> Any:
    """Our ``to_python`` as a run does it: the blobs it plans to read are fetched (local store), then converted."""
    return blob_io.convert_with_reads(Storage.from_env({}), ctx, lambda c: to_python(literal, tp, c))


@pytest.mark.parametrize("cid", [c[0] for c in cases.CASES])
def test_case_matches_flytekit(world: dict[str, Any], cid: str) -> None:
    ours, theirs = world["ours"][cid], world["oracle"][cid]
    root = world["root"]
    assert ("lt" in ours) == ("lt" in theirs), (ours.get("lt_err"), theirs.get("lt_err"))
    if "lt" not in ours:
        return
    assert _b64(ours["lt"].SerializeToString(deterministic=True)) == theirs["lt"]
    if cid in WRITE_DIFFERENCES:
        assert "lit" in theirs and WRITE_DIFFERENCES[cid] in ours["lit_err"], (ours, theirs)
        return
    assert ("lit" in ours) == ("lit" in theirs), (ours.get("lit_err"), theirs.get("lit_err"))
    if "lit_err" in ours:
        assert _message(ours["lit_err"]) == _message(theirs["lit_err"])
        return
    if "lit" not in ours:
        return
    their_lit = literals_pb2.Literal.FromString(base64.b64decode(theirs["lit"]))
    assert normalize(ours["lit"], str(root / "raw-ours")) == normalize(their_lit, str(root / "raw-flytekit"))
    if cid in NOT_READABLE:
        return
    # flytekit reads ours; we read flytekit's; both give the same value
    tp = eval(dict((c[0], c[1]) for c in cases.CASES)[cid], world["ns"])
    ctx = ConversionContext(local_sandbox=str(root / f"in-{cid}"))
    back = _read(their_lit, tp, ctx)
    if "ours_err" in theirs:  # a literal flytekit cannot read back (its own neither): we cannot either
        assert isinstance(back, Failure), (back, theirs["ours_err"])
        return
    assert not isinstance(back, Failure), back
    assert cases.canon(back.unwrap()) == theirs["ours"]


@pytest.mark.parametrize("cid", [c[0] for c in cases.READS])
def test_read_matches_flytekit(world: dict[str, Any], cid: str) -> None:
    _, type_expr, lit_expr = next(c for c in cases.READS if c[0] == cid)
    ns = world["ns"]
    ctx = ConversionContext(local_sandbox=str(world["root"] / f"read-{cid}"))
    got = _read(eval(cases.substitute(lit_expr, world["data"]), ns), eval(type_expr, ns), ctx)
    theirs = world["oracle"][cid]
    if cid in READ_DIFFERENCES:
        assert "read_err" in theirs, theirs
        assert cases.canon(got.unwrap()) == READ_DIFFERENCES[cid]
    elif "read_err" in theirs:
        assert isinstance(got, Failure), got
        assert _message(f"x: {got.failure().message}") == _message(theirs["read_err"])
    else:
        assert not isinstance(got, Failure), got
        assert cases.canon(got.unwrap()) == theirs["read"]
