"""Measure how many task invocations of the official Flyte examples run unchanged on flyte-entrypoint.

Usage (from the repo root, after ``scripts/setup-venvs.sh``)::

    .venv/bin/python scripts/flytesnacks_replay.py <flytesnacks checkout>/examples [folder ...] [--work DIR]

For each example folder (default: basics advanced_composition data_types_and_io productionizing
development_lifecycle testing), flytekit in the oracle venv runs every module's ``if __name__ == "__main__":``
block, recording each task's ``inputs.pb`` and the container args its serialization writes
(``tests/differential/compat_record.py``); then flytekit's ``pyflyte-execute`` and ours replay every
invocation, unchanged, and the outputs are compared as the differential suite does
(``tests/differential/test_compat_oracle.py``). Prints each difference and the totals. Nothing of the
examples is copied into this repository; they are read from the checkout you point at.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
FOLDERS = ("basics", "advanced_composition", "data_types_and_io", "productionizing", "development_lifecycle",
           "testing")


def _suite() -> Any:
    spec = importlib.util.spec_from_file_location("compat_suite", REPO / "tests/differential/test_compat_oracle.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["compat_suite"] = module
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("examples", type=Path)
    parser.add_argument("folders", nargs="*", default=list(FOLDERS))
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    suite = _suite()
    oracle = suite.oracle
    work = args.work or Path(tempfile.mkdtemp(prefix="flytesnacks-replay-"))
    totals: dict[str, tuple[int, int]] = {}
    for folder in args.folders:
        modules_dir = args.examples / folder
        package = modules_dir / folder
        if not package.is_dir():
            print(f"{folder}: no package at {package}")
            continue
        modules = sorted(
            f"{folder}.{p.stem}" for p in package.glob("*.py") if p.stem != "__init__" and "__main__" in p.read_text()
        )
        out = work / folder
        if not (out / "manifest.json").exists():
            shutil.rmtree(out, ignore_errors=True)
            (out / "home").mkdir(parents=True)
            spec = {"modules_dir": str(modules_dir), "out_dir": str(out), "main_blocks": modules}
            proc = subprocess.run(
                [str(oracle.ORACLE_PYTHON), str(REPO / "tests/differential/compat_record.py")],
                input=json.dumps(spec), capture_output=True, text=True, cwd=out,
                env=oracle._clean_env({}, home=out / "home"), timeout=1800, check=False,
            )
            if proc.returncode != 0:
                print(f"{folder}: recording with flytekit failed:\n{proc.stderr[-1500:]}")
                continue
        runs = json.loads((out / "manifest.json").read_text())["runs"]

        def one(item: tuple[int, dict[str, Any]], out: Path = out, modules_dir: Path = modules_dir) -> Any:
            i, run = item
            theirs = suite._run(oracle.ORACLE, run, out / "runs" / str(i) / "flytekit", modules_dir, False, {})
            ours = suite._run(oracle.OURS, run, out / "runs" / str(i) / "ours", modules_dir, False, {})
            return run["task"], suite.compare(theirs, ours), ours

        same = 0
        with ThreadPoolExecutor(2) as pool:
            for task, problems, ours in pool.map(one, enumerate(runs)):
                if not problems:
                    same += 1
                    continue
                error = Path(ours["work"]) / "out" / "error.pb"
                detail = oracle.parse_error_document(error.read_bytes()).error.message[-300:] if error.exists() else ""
                print(f"DIFF {task}: {problems[0][:300]!r} ours: {detail!r}")
        totals[folder] = (len(runs), same)
    for folder, (n, same) in totals.items():
        print(f"{folder}: {same}/{n} byte-identical")
    n_all = sum(n for n, _ in totals.values())
    print(f"total: {sum(s for _, s in totals.values())}/{n_all} byte-identical (work dir {work})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
