"""Bulk conversion alone, ours vs flytekit's ``TypeEngine``: write then read a big list, CPU seconds, one process each.

    python benchmarks/type_engine_vs_flytekit.py [--n 50000]

Cases (issue 12's bulk list types): ``List[str]``, ``List[Optional[int]]``, ``List[Small]`` (the dataclass of
``tasks/bench_dc.py``).  No command, storage or start-up: the type engine's ``to_literal`` + ``to_python`` on the
same values, checked to round-trip.  flytekit runs in ``.oracle-venv``, ours in ``.venv-bench`` (see README.md;
``run.py`` creates it).  Flytekit needs ~100 us per element, so 1,000,000 elements take it minutes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, List, Optional

HERE = Path(__file__).resolve().parent
SIDES = {
    "flytekit": HERE.parent / ".oracle-venv" / "bin" / "python",
    "ours": HERE / ".venv-bench" / "bin" / "python",
}


def cases(n: int) -> dict[str, tuple[Any, list[Any]]]:
    from bench_dc import Small

    return {
        "List[str]": (List[str], [f"item-{i} \u00e9" for i in range(n)]),
        "List[Optional[int]]": (List[Optional[int]], [i * 7919 if i % 3 else None for i in range(n)]),
        "List[Small]": (List[Small], [Small(i, f"s{i}", i * 0.5) for i in range(n)]),
    }


def measure(side: str, n: int) -> None:
    """Print ``name seconds`` per case (runs inside the side's interpreter)."""
    for name, (tp, values) in cases(n).items():
        if side == "flytekit":
            from flytekit.core.context_manager import FlyteContextManager
            from flytekit.core.type_engine import TypeEngine

            ctx = FlyteContextManager.current_context()
            lt = TypeEngine.to_literal_type(tp)
            t0 = time.process_time()
            back = TypeEngine.to_python_value(ctx, TypeEngine.to_literal(ctx, values, tp, lt), tp)
        else:
            from flyte_entrypoint.core.type_engine.engine import to_literal, to_python

            t0 = time.process_time()
            back = to_python(to_literal(values, tp).unwrap().value, tp).unwrap()
        seconds = time.process_time() - t0
        if back != values:
            raise SystemExit(f"{side}: {name} did not round-trip")
        print(name, seconds, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--side", choices=sorted(SIDES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        sys.path.insert(0, str(HERE / "tasks"))
        measure(args.side, args.n)
        return 0
    results: dict[str, dict[str, float]] = {}
    for side, python in SIDES.items():
        out = subprocess.run(
            [str(python), __file__, "--side", side, "--n", str(args.n)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for line in out.splitlines():
            name, _, seconds = line.rpartition(" ")
            results.setdefault(name, {})[side] = float(seconds)
    print(f"| {args.n:,} elements, write + read | ours CPU (s) | flytekit CPU (s) | flytekit / ours |")
    print("|---|---:|---:|---:|")
    for name, r in results.items():
        print(f"| `{name}` | {r['ours']:.3f} | {r['flytekit']:.2f} | {r['flytekit'] / r['ours']:.0f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
