"""Echo-task round trips through the type engine: inputs.pb bytes -> python -> outputs.pb bytes.

    .venv/bin/python benchmarks/bench_type_engine.py [--repeat 3] [--no-floor]

Cases: ``List[int]`` with 1,000,000 elements and ``Dict[str, float]`` with 200,000 entries (plus a few
smaller ones).  For each, the best of ``--repeat`` runs of: parse the inputs ``LiteralMap``, decode it
(``literal_map_to_values``), encode the same value as the task's output (``outputs_to_literal_map``) and
serialize outputs.pb.  ``floor`` is the same trip written directly against protobuf, element by element,
without any checks: a reference for this machine (the engine's bulk codecs beat it).
"""

from __future__ import annotations

import argparse
import gc
import time
import typing
from collections.abc import Callable
from typing import Any

from flyteidl.core import literals_pb2

from flyte_entrypoint.core.type_engine import outputs
from flyte_entrypoint.core.type_engine.engine import to_literal

CASES: list[tuple[str, Any, Callable[[], Any]]] = [
    ("List[int] 1M", typing.List[int], lambda: list(range(1_000_000))),
    ("Dict[str,float] 200k", typing.Dict[str, float], lambda: {f"key{i}": i / 7 for i in range(200_000)}),
    ("List[float] 1M", typing.List[float], lambda: [i / 3 for i in range(1_000_000)]),
    ("List[str] 200k", typing.List[str], lambda: [f"value-{i}" for i in range(200_000)]),
    ("List[Optional[int]] 100k", typing.List[typing.Optional[int]], lambda: [i if i % 3 else None for i in range(100_000)]),
]


def _inputs_bytes(tp: Any, value: Any) -> bytes:
    lm = literals_pb2.LiteralMap()
    lm.literals["x"].CopyFrom(to_literal(value, tp).unwrap().value)
    return lm.SerializeToString()


def _engine_trip(data: bytes, tp: Any) -> tuple[float, float, float, float]:
    t0 = time.perf_counter()
    lm = literals_pb2.LiteralMap()
    lm.ParseFromString(data)
    t1 = time.perf_counter()
    value = outputs.literal_map_to_values(lm, {"x": tp}).unwrap()["x"]
    t2 = time.perf_counter()
    out = outputs.outputs_to_literal_map(value, outputs.OutputSignature(("o0",), (tp,)), "bench").unwrap().value
    t3 = time.perf_counter()
    out.SerializeToString()
    t4 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, t4 - t3


def _floor_trip(data: bytes) -> float:
    t0 = time.perf_counter()
    lm = literals_pb2.LiteralMap()
    lm.ParseFromString(data)
    lit = lm.literals["x"]
    out = literals_pb2.LiteralMap()
    if lit.WhichOneof("value") == "collection":
        values = [x.scalar.primitive for x in lit.collection.literals]
        add = out.literals["o0"].collection.literals.add
        for p in values:
            add().scalar.primitive.CopyFrom(p)
    else:
        target = out.literals["o0"].map.literals
        for k, v in lit.map.literals.items():
            target[k].scalar.primitive.float_value = v.scalar.primitive.float_value
    out.SerializeToString()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-floor", action="store_true", help="skip the raw-protobuf reference")
    args = parser.parse_args()
    print(f"{'case':28s} {'parse':>7s} {'decode':>7s} {'encode':>7s} {'write':>7s} {'TOTAL':>7s} {'floor':>7s}")
    for name, tp, make in CASES:
        data = _inputs_bytes(tp, make())
        best: tuple[float, float, float, float] | None = None
        for _ in range(args.repeat):
            gc.collect()
            run = _engine_trip(data, tp)
            if best is None or sum(run) < sum(best):
                best = run
        assert best is not None
        floor = "" if args.no_floor or "Optional" in name or "str]" in name else f"{min(_floor_trip(data) for _ in range(args.repeat)):7.3f}"
        print(f"{name:28s} " + " ".join(f"{x:7.3f}" for x in best) + f" {sum(best):7.3f} {floor:>7s}")


if __name__ == "__main__":
    main()
