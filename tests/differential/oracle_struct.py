"""flytekit's side of the struct differential test.  Runs in the ORACLE venv only (imports flytekit).

Reads one JSON document from stdin::

    {"seed": 1, "n": 40, "out": "/abs/result.json",
     "ours": {"<case id>": {"new": "<b64 Literal>" | null, "old": "<b64 Literal>" | null}}}

The cases are ``dc_types.all_cases(seed, n)`` (this file's directory is put on ``sys.path``).  For every case it
writes to ``out`` one JSON object keyed by case id:

* ``lt`` / ``lt_err``: ``TypeEngine.to_literal_type`` (serialized, base64) or the error;
* ``new`` / ``new_err`` and ``old`` / ``old_err``: ``TypeEngine.to_literal`` with ``FLYTE_USE_OLD_DC_FORMAT``
  unset / ``true`` (serialized deterministically, base64);
* ``self_new`` / ``self_old`` (or ``*_err``): ``dc_types.canon`` of flytekit reading its own literal back;
* ``ours_new`` / ``ours_old`` (or ``*_err``): ``dc_types.canon`` of flytekit reading OUR literal.

With ``{"bench": N, "repeat": R, "out": path}`` instead, it times flytekit reading ``List[dc_types.Small]`` of N
elements from a serialized LiteralMap and writing it back (best of R), and writes ``{"read", "write", "total"}``.
"""

import base64
import json
import os
import sys
import time
import traceback
import typing

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dc_types
from flyteidl.core import literals_pb2
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine
from flytekit.models.literals import Literal

_OLD_ENV = "FLYTE_USE_OLD_DC_FORMAT"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _err(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _to_literal(ctx: typing.Any, value: typing.Any, tp: typing.Any, lt: typing.Any, old: bool) -> bytes:
    if old:
        os.environ[_OLD_ENV] = "true"
    else:
        os.environ.pop(_OLD_ENV, None)
    TypeEngine._LITERAL_CACHE.clear()  # keyed by value+type only: would mix the two formats up
    try:
        lit = TypeEngine.to_literal(ctx, value, tp, lt)
    finally:
        os.environ.pop(_OLD_ENV, None)
    return lit.to_flyte_idl().SerializeToString(deterministic=True)


def _read(ctx: typing.Any, data: bytes, tp: typing.Any) -> typing.Any:
    pb = literals_pb2.Literal.FromString(data)
    return TypeEngine.to_python_value(ctx, Literal.from_flyte_idl(pb), tp)


def bench(n: int, repeat: int) -> dict[str, float]:
    """Best-of-``repeat`` seconds for flytekit to read ``List[Small]`` of ``n`` from inputs.pb and write it back."""
    from flytekit.models.literals import LiteralMap

    ctx = FlyteContextManager.current_context()
    tp = typing.List[dc_types.Small]
    values = dc_types.perf_values(n)
    lt = TypeEngine.to_literal_type(tp)
    inputs_pb = (
        LiteralMap({"xs": TypeEngine.to_literal(ctx, values, tp, lt)}).to_flyte_idl().SerializeToString()
    )
    best = {"read": float("inf"), "write": float("inf"), "total": float("inf")}
    for _ in range(repeat):
        TypeEngine._LITERAL_CACHE.clear()
        t0 = time.perf_counter()
        lm = LiteralMap.from_flyte_idl(literals_pb2.LiteralMap.FromString(inputs_pb))
        xs = TypeEngine.to_python_value(ctx, lm.literals["xs"], tp)
        t1 = time.perf_counter()
        out = LiteralMap({"o0": TypeEngine.to_literal(ctx, xs, tp, lt)}).to_flyte_idl().SerializeToString()
        t2 = time.perf_counter()
        assert xs == values and len(out) == len(inputs_pb)
        best = {
            "read": min(best["read"], t1 - t0),
            "write": min(best["write"], t2 - t1),
            "total": min(best["total"], t2 - t0),
        }
    return best


def main() -> None:
    job = json.load(sys.stdin)
    if "bench" in job:
        with open(job["out"], "w") as fh:
            json.dump(bench(job["bench"], job.get("repeat", 1)), fh)
        return
    ctx = FlyteContextManager.current_context()
    ours = job.get("ours", {})
    out: dict[str, dict[str, typing.Any]] = {}
    for case_id, tp, value in dc_types.all_cases(job["seed"], job["n"]):
        res: dict[str, typing.Any] = {}
        out[case_id] = res
        try:
            lt = TypeEngine.to_literal_type(tp)
            res["lt"] = _b64(lt.to_flyte_idl().SerializeToString(deterministic=True))
        except Exception as exc:
            res["lt_err"] = _err(exc)
            continue
        for fmt, old in (("new", False), ("old", True)):
            try:
                data = _to_literal(ctx, value, tp, lt, old)
                res[fmt] = _b64(data)
                try:
                    res[f"self_{fmt}"] = dc_types.canon(_read(ctx, data, tp))
                except Exception as exc:
                    res[f"self_{fmt}_err"] = _err(exc)
            except Exception as exc:
                res[f"{fmt}_err"] = _err(exc)
            theirs = ours.get(case_id, {}).get(fmt)
            if theirs:
                try:
                    res[f"ours_{fmt}"] = dc_types.canon(_read(ctx, base64.b64decode(theirs), tp))
                except Exception as exc:
                    res[f"ours_{fmt}_err"] = _err(exc) + "\n" + traceback.format_exc()[-1500:]
    with open(job["out"], "w") as fh:  # not stdout: flytekit's logger may print there
        json.dump(out, fh)


if __name__ == "__main__":
    main()
