"""Issue-10 benchmarks for ``run.py``: ``dataframe_parquet_1m`` and ``pydantic_list_100k``.

* ``dataframe_parquet_1m``: ``echo_frame(df: pd.DataFrame) -> pd.DataFrame`` on a 1,000,000-row, 5-column frame
  (int64, float64, str, bool, datetime64[us]) stored as flytekit's parquet StructuredDataset: both sides read the
  parquet, build the frame and write it again. Checked: the output is a parquet StructuredDataset under the run's
  raw prefix whose data equals the input frame. Target: no slower than flytekit, peak RSS <= flytekit's.
* ``pydantic_list_100k``: ``echo_models(xs: List[Item]) -> List[Item]`` on 100,000 pydantic models
  (``a: int, b: str, c: float``) as flytekit's msgpack binaries; checked against the expected map like the other
  echo benchmarks. Target: >= 3x faster than flytekit, peak RSS <= flytekit's.

Both need pandas, pyarrow and pydantic in the benchmark venv (installed there on first use) and pydantic for
flytekit: the oracle venv is never modified, so flytekit's processes get the dev venv's pydantic on PYTHONPATH
(the same loan the differential tests make).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

N_FRAME = 1_000_000
N_MODELS = 100_000


def benchmarks(rt: Any) -> dict[str, Callable[[Any], Any]]:
    """The benchmark functions, built on ``run.py``'s helpers (``rt`` is that module)."""

    def ensure_deps() -> None:
        probe = subprocess.run([str(rt.BENCH_BIN / "python"), "-c", "import pandas, pyarrow, pydantic"],
                               capture_output=True, check=False)  # fmt: skip
        if probe.returncode != 0:
            rt.log("installing pandas, pyarrow and pydantic into the benchmark venv")
            rt._pip("install", "pandas>=1.5", "pyarrow>=12", "pydantic>=2")

    def oracle_pythonpath(work: Path) -> str:
        import pydantic

        site = Path(pydantic.__file__).resolve().parents[1]
        overlay = work / "oracle-overlay"
        overlay.mkdir(parents=True, exist_ok=True)
        for name in ("pydantic", "pydantic_core", "annotated_types", "typing_inspection"):
            if (site / name).exists() and not (overlay / name).exists():
                (overlay / name).symlink_to(site / name)
        return f"{rt.TASKS_DIR}:{overlay}"

    def env_for(side: str, work: Path) -> dict[str, str]:
        if side == rt.FLYTEKIT:
            return rt.base_env(side, pythonpath=oracle_pythonpath(work))
        return rt.base_env(side)

    def run_sides(
        res: Any, work: Path, inputs: Path, module: str, task: str, reps: Mapping[str, int],
        check: Callable[[Path, Any, Path], Any],
    ) -> dict[str, Any]:  # fmt: skip
        first: dict[str, Any] = {}

        def runner(side: str) -> Callable[[int], Any]:
            def run(rep: int) -> Any:
                prefix = work / side / f"rep{rep}"
                log_path = work / side / f"rep{rep}.log"
                sample = rt.run_process(rt.execute_argv(side, inputs, prefix, module, task), env_for(side, work),
                                        work, log_path)  # fmt: skip
                oc = check(prefix, sample, log_path)
                if rep == 0:
                    first[side] = oc
                if oc.problem:
                    res.side(side).problem = oc.problem
                    rt.log(f"  {res.name} {side}: FAILED: {oc.problem}")
                import shutil

                shutil.rmtree(prefix, ignore_errors=True)
                shutil.rmtree(str(prefix) + "-raw", ignore_errors=True)
                return sample

            return run

        rt.interleaved({side: (k, runner(side)) for side, k in reps.items() if k > 0}, res, res.name)
        return first

    def bench_pydantic(cfg: Any) -> Any:
        ensure_deps()
        n = 10_000 if cfg.quick else N_MODELS
        reps = {rt.OURS: 3 if cfg.quick else 5, rt.FLYTEKIT: 1 if cfg.quick else 3}
        res = rt.BenchResult("pydantic_list_100k", {"n": n, "reps": reps, "task": "bench_rich_types.echo_models"})
        work = cfg.work / res.name
        lm = rt.small_list_map("xs", n)  # {"a": int, "b": str, "c": float} msgpack: what flytekit writes for Item
        inputs = rt.write_pb(work / "inputs.pb", lm)
        expected = rt.renamed(lm, "xs", "o0")
        first = run_sides(res, work, inputs, "bench_rich_types", "echo_models", reps,
                          lambda p, s, lp: rt.read_outcome(p, s, lp, expected))  # fmt: skip
        rt.compare_outputs(res, first)
        res.targets = [
            rt.Target("flytekit / ours wall (speed-up)", rt._inv(res.ratio(rt.OURS, rt.FLYTEKIT)), 3.0, ">="),
            rt.Target("ours / flytekit peak RSS", res.ratio(rt.OURS, rt.FLYTEKIT, "maxrss_kb"), 1.0, "<="),
            rt.Target("flytekit / ours CPU (speed-up)", rt._inv(res.ratio(rt.OURS, rt.FLYTEKIT, "cpu_s")), None),
        ]
        return res

    def bench_frame(cfg: Any) -> Any:
        ensure_deps()
        import numpy as np
        import pandas as pd
        from flyteidl.core import literals_pb2

        n = 100_000 if cfg.quick else N_FRAME
        reps = {rt.OURS: 3 if cfg.quick else 5, rt.FLYTEKIT: 3 if cfg.quick else 5}
        res = rt.BenchResult("dataframe_parquet_1m", {"rows": n, "columns": 5, "reps": reps,
                                                      "task": "bench_rich_types.echo_frame"})  # fmt: skip
        work = cfg.work / res.name
        i = np.arange(n, dtype=np.int64)
        frame = pd.DataFrame({
            "i": i * 7 - 3 * n,
            "f": i * 0.25 - 17.125,
            "s": pd.Series([f"row-{k % 1000:04d}" for k in range(n)], dtype=object),
            "b": i % 3 == 0,
            "t": pd.to_datetime(1_600_000_000_000_000 + i * 1_000_003, unit="us"),
        })  # fmt: skip
        data_dir = work / "input-sd"
        data_dir.mkdir(parents=True)
        frame.to_parquet(data_dir / "00000", coerce_timestamps="us", allow_truncated_timestamps=False)
        lm = literals_pb2.LiteralMap()
        sd = lm.literals["df"].scalar.structured_dataset
        sd.uri = str(data_dir)
        sd.metadata.structured_dataset_type.format = "parquet"
        inputs = rt.write_pb(work / "inputs.pb", lm)
        res.params["parquet_bytes"] = (data_dir / "00000").stat().st_size

        def check(prefix: Path, sample: Any, log_path: Path) -> Any:
            oc = rt.read_outcome(prefix, sample, log_path, literals_pb2.LiteralMap())
            if oc.data is None:
                return oc
            out = rt.parse_literal_map(oc.data).literals["o0"].scalar.structured_dataset
            raw = str(prefix) + "-raw"
            if not out.uri.startswith(raw + "/") or out.metadata.structured_dataset_type.format != "parquet":
                return rt.Outcome(oc.data, f"unexpected output literal {out}")
            back = pd.read_parquet(out.uri)
            same = back.shape == frame.shape and back.equals(frame.astype(back.dtypes.to_dict()))
            return rt.Outcome(oc.data, "" if same else "the frame written differs from the input")

        first = run_sides(res, work, inputs, "bench_rich_types", "echo_frame", reps, check)
        for side, oc in first.items():
            res.checks[f"{side}_correct"] = oc.data is not None and not oc.problem
        res.targets = [
            rt.Target("ours / flytekit wall", res.ratio(rt.OURS, rt.FLYTEKIT), 1.0, "<="),
            rt.Target("ours / flytekit peak RSS", res.ratio(rt.OURS, rt.FLYTEKIT, "maxrss_kb"), 1.0, "<="),
            rt.Target("ours / flytekit CPU", res.ratio(rt.OURS, rt.FLYTEKIT, "cpu_s"), None),
        ]
        return res

    return {"dataframe_parquet_1m": bench_frame, "pydantic_list_100k": bench_pydantic}
