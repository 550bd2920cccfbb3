"""Our base type engine against flytekit 1.16.31's ``TypeEngine`` (the oracle venv), case by case.

The cases live in ``oracle_types.py`` (shared with the oracle side): hand-written ones for every rule of
PROTOCOL.md 10.1-10.4/10.7/10.10, plus 400 seeded random nested types and values (one in eight deliberately
of the wrong type).  ONE oracle subprocess answers all of
them; it also reads back every literal we produced.  Checked per case:

* write cases: the LiteralType and the Literal are equal as messages and byte for byte (deterministic and
  plain serialization); when flytekit refuses a value we refuse it too; flytekit reads our literal to the
  same value it reads its own to, and we read both to that value as well;
* read cases: same value, or both fail;
* output cases: the outputs LiteralMap and the TypedInterface are byte-identical;
* every error: both sides fail, with the same exception class and message (``MESSAGE_DIFFERENCES`` lists the
  few exceptions).

``DIFFERENCES`` lists the deliberate departures (flytekit fails, we do better), with what we produce.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from flyteidl.core import interface_pb2, literals_pb2, types_pb2
from returns.result import Failure

from flyte_entrypoint.core.type_engine import outputs as out_mod
from flyte_entrypoint.core.type_engine.engine import ConversionContext, literal_type_of, to_literal, to_python

ROOT = Path(__file__).resolve().parents[2]
ORACLE_PYTHON = ROOT / ".oracle-venv" / "bin" / "python"
ORACLE_SCRIPT = Path(__file__).with_name("oracle_types.py")


def _load_cases() -> Any:
    spec = importlib.util.spec_from_file_location("oracle_types_cases", ORACLE_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cases = _load_cases()


def _our_namespace() -> dict[str, Any]:
    # the same module name as on the oracle side, so that type names in messages agree
    module = types.ModuleType("oracle_type_cases")
    sys.modules["oracle_type_cases"] = module
    source = cases.module_source("from flyte_entrypoint.core.type_engine.annotated import FlyteAnnotation, HashMethod\n")
    exec(compile(source, "<oracle_type_cases>", "exec"), module.__dict__)
    return module.__dict__


NS = _our_namespace()
RANDOM_CASES = cases.random_cases(seed=20240101, n=400)
ALL_WRITE_CASES = cases.WRITE_CASES + RANDOM_CASES

# case id -> what we produce where flytekit 1.16.31 raises (see the module docstrings of union.py & co.)
DIFFERENCES: dict[str, Any] = {
    # the annotation ``None`` (not NoneType) as a value type: flytekit's None check compares with NoneType
    "none_as_None": "literal",
    # union literal without a tag: decoded from the value inside
    "r_union_notag": ["int", "7"],
    "r_union_notype": ["int", "7"],
    "r_union_emptytag": ["int", "7"],
    # several variants accept a plain literal: the exact literal kind wins
    "r_union_int_float_plain": ["int", "3"],
    "r_union_int_float_fplain": ["float", "3.5"],
    "r_union_str_enum_plain": ["str", "red"],
}


# case id -> why our error message is worded differently (both sides fail)
MESSAGE_DIFFERENCES: dict[str, str] = {
    "r_list_union_elems": "flytekit names whichever bad element its concurrent chunk fails on first; we name the first",
    "r_bin_float_from_int": "msgpack decoding is msgpack_wire.py's; flytekit's bare `assert` has an empty message",
}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text)


def _ours_write(type_expr: str, value_expr: str) -> dict[str, Any]:
    tp = eval(type_expr, NS)
    value = eval(value_expr, NS)
    result: dict[str, Any] = {}
    lt = literal_type_of(tp)
    if isinstance(lt, Failure):
        result["lt_err"] = str(lt.failure())
    else:
        result["lt"] = lt.unwrap()
    lit = to_literal(value, tp)
    if isinstance(lit, Failure):
        result["lit_err"] = _err(lit.failure())
        return result
    literal = lit.unwrap().value
    result["lit"] = literal
    back = to_python(literal, tp)
    if isinstance(back, Failure):
        result["self_err"] = str(back.failure())
    else:
        result["self"] = cases.canon(back.unwrap())
    return result


@pytest.fixture(scope="module")
def ours() -> dict[str, dict[str, Any]]:
    return {cid: _ours_write(t, v) for cid, t, v in ALL_WRITE_CASES}


@pytest.fixture(scope="module")
def oracle(ours: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    if not ORACLE_PYTHON.exists():
        pytest.fail(f"oracle venv missing: {ORACLE_PYTHON} (run scripts/setup-venvs.sh)")
    request = {
        "ours": {
            cid: (_b64(r["lit"].SerializeToString()) if "lit" in r else None) for cid, r in ours.items()
        },
        "extra_write": RANDOM_CASES,
    }
    proc = subprocess.run(
        [str(ORACLE_PYTHON), str(ORACLE_SCRIPT)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    answer: dict[str, dict[str, Any]] = json.loads(proc.stdout)
    return answer


def _err(exc: Any) -> str:
    """Our error as the oracle prints flytekit's: ``<exception class>: <message>`` (no path), cut at 500."""
    return f"{exc.kind}: {exc.message}"[:500]


def _canon_read(literal: literals_pb2.Literal, tp: Any) -> Any:
    back = to_python(literal, tp)
    return ["err", _err(back.failure())] if isinstance(back, Failure) else cases.canon(back.unwrap())


@pytest.mark.parametrize("cid,type_expr,value_expr", ALL_WRITE_CASES, ids=[c[0] for c in ALL_WRITE_CASES])
def test_write(
    cid: str, type_expr: str, value_expr: str, ours: dict[str, dict[str, Any]], oracle: dict[str, dict[str, Any]]
) -> None:
    mine, theirs = ours[cid], oracle[cid]
    tp = eval(type_expr, NS)

    assert ("lt" in mine) == ("lt" in theirs), (mine.get("lt_err"), theirs.get("lt_err"))
    if "lt" in theirs:
        expected_lt = types_pb2.LiteralType.FromString(_unb64(theirs["lt"]))
        assert mine["lt"] == expected_lt
        assert mine["lt"].SerializeToString(deterministic=True) == _unb64(theirs["lt"])

    if cid in DIFFERENCES:
        assert "lit_err" in theirs and "lit" in mine
        return
    assert ("lit" in mine) == ("lit" in theirs), (mine.get("lit_err"), theirs.get("lit_err"))
    if "lit" not in theirs:
        if cid not in MESSAGE_DIFFERENCES:
            assert mine["lit_err"] == theirs["lit_err"]
        return
    literal: literals_pb2.Literal = mine["lit"]
    expected = literals_pb2.Literal.FromString(_unb64(theirs["lit"]))
    assert literal == expected
    assert literal.SerializeToString(deterministic=True) == _unb64(theirs["lit"])
    if "Dict" not in type_expr:  # map entry order is not part of the contract
        assert literal.SerializeToString() == _unb64(theirs["lit_plain"])

    # reading back: flytekit(ours) == flytekit(theirs) == ours(ours) == ours(theirs)
    assert theirs.get("ours") == theirs.get("self"), (theirs.get("ours_err"), theirs.get("self_err"))
    assert mine.get("self") == theirs.get("self"), (mine.get("self_err"), theirs.get("self_err"))
    assert _canon_read(expected, tp) == theirs["self"]


@pytest.mark.parametrize("cid,type_expr,literal_expr", cases.READ_CASES, ids=[c[0] for c in cases.READ_CASES])
def test_read(cid: str, type_expr: str, literal_expr: str, oracle: dict[str, dict[str, Any]]) -> None:
    theirs = oracle[cid]
    tp = eval(type_expr, NS)
    literal = eval(literal_expr, NS)
    mine = _canon_read(literal, tp)
    if cid in DIFFERENCES:
        assert "read_err" in theirs
        assert mine == DIFFERENCES[cid]
        return
    if "read_err" in theirs:
        assert mine[0] == "err", f"flytekit: {theirs['read_err']}"
        if cid not in MESSAGE_DIFFERENCES:
            assert mine[1] == theirs["read_err"]
    else:
        assert mine == theirs["read"]


@pytest.mark.parametrize("cid,annotation,value_expr", cases.OUTPUT_CASES, ids=[c[0] for c in cases.OUTPUT_CASES])
def test_outputs(cid: str, annotation: str, value_expr: str, oracle: dict[str, dict[str, Any]]) -> None:
    theirs = oracle[cid]
    sig_result = out_mod.output_signature(eval(annotation, NS))
    assert "iface" in theirs, theirs.get("iface_err")
    signature = sig_result.unwrap()
    iface = out_mod.typed_interface({}, signature).unwrap()
    expected_iface = interface_pb2.TypedInterface.FromString(_unb64(theirs["iface"]))
    assert iface == expected_iface
    assert iface.SerializeToString(deterministic=True) == _unb64(theirs["iface"])

    converted = out_mod.outputs_to_literal_map(eval(value_expr, NS), signature, theirs["name"], ConversionContext())
    if "map_err" in theirs:
        assert isinstance(converted, Failure), f"flytekit: {theirs['map_err']}"
        error = converted.failure()
        assert _err(error) == theirs["map_err"]
        assert error.is_tuple_error == theirs["map_err"].startswith("TypeError: Output(")
        return
    literal_map = converted.unwrap().value
    expected_map = literals_pb2.LiteralMap.FromString(_unb64(theirs["map"]))
    assert literal_map == expected_map
    assert literal_map.SerializeToString(deterministic=True) == _unb64(theirs["map"])
    back = out_mod.literal_map_to_values(literal_map, signature.as_dict()).unwrap()
    assert set(back) == set(signature.names)
