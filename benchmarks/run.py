"""Side-by-side benchmarks: our entrypoint vs flytekit 1.16.31's, in the same run, reported as ratios.

Usage (from the repo root)::

    python benchmarks/run.py [--quick] [--no-install] [--keep-work] [name ...]

Names: startup, startup_map, list_int_1m, dict_str_float_50k, dict_str_float_200k, dict_str_str_50k,
dict_str_str_200k, dataclass_list_100k, list_opt_int_1m, list_str_1m, dataclass_list_1m, map_fanout_200,
fast_execute, dataframe_parquet_1m, pydantic_list_100k, startup_flytekit_module.
No names = all of them. Results go to ``benchmarks/results/<timestamp>.json`` / ``.md`` (and
``latest.json`` / ``latest.md``); the markdown table is printed too. See ``benchmarks/README.md``.

Every command is a fresh process started by this script; its wall time is measured around
``Popen`` .. ``wait4`` and its peak RSS is ``ru_maxrss`` from that same ``wait4`` (the child and the
descendants it waited for). Outputs are checked (parsed protobuf equality with the expected
``LiteralMap`` and with flytekit's; byte equality reported) so a wrong answer is never timed as a
fast one.

Our side runs from ``benchmarks/.venv-bench``: a non-editable, byte-compiled install of this repo
(re-installed when the sources change), because this machine sets ``PYTHONDONTWRITEBYTECODE=1`` and
the dev venv's editable install would recompile our modules on every start while flytekit's
site-packages ship ``.pyc`` files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEV_PYTHON = REPO / ".venv" / "bin" / "python"

try:  # the runner itself needs flyteidl (to build inputs and compare outputs): re-exec in the dev venv
    import msgpack
    from flyteidl.core import errors_pb2, literals_pb2, types_pb2
except ImportError:  # pragma: no cover - depends on the interpreter used
    if DEV_PYTHON.exists() and Path(sys.prefix).resolve() != DEV_PYTHON.parent.parent.resolve():
        os.execv(str(DEV_PYTHON), [str(DEV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])
    raise

BENCH_VENV = HERE / ".venv-bench"
BENCH_BIN = BENCH_VENV / "bin"
ORACLE_BIN = REPO / ".oracle-venv" / "bin"
TASKS_DIR = HERE / "tasks"
FLOOR_SCRIPT = HERE / "floor.py"
RESULTS_DIR = HERE / "results"
SOURCE_DIRS = ("api", "core", "schemas", "shell")
SOURCE_FILES = ("pyproject.toml", "README.md", "LICENSE")
INSTALL_MARKER = BENCH_VENV / ".flyte-entrypoint-source-sha256"

OURS = "ours"
FLYTEKIT = "flytekit"
FLOOR = "floor"

OUR_RESOLVER = "flyte_entrypoint.default_task_resolver"
FK_RESOLVER = "flytekit.core.python_auto_container.default_task_resolver"
OUR_MAP_RESOLVER = "flyte_entrypoint.ArrayNodeMapTaskResolver"
FK_MAP_RESOLVER = "flytekit.core.array_node_map_task.ArrayNodeMapTaskResolver"

# What a Flyte backend sets on a task pod; both sides get it (it also makes flytekit skip rich logging,
# as it does in a real container).
BACKEND_ENV: Mapping[str, str] = {
    "FLYTE_INTERNAL_EXECUTION_PROJECT": "flytesnacks",
    "FLYTE_INTERNAL_EXECUTION_DOMAIN": "development",
    "FLYTE_INTERNAL_EXECUTION_ID": "a1b2c3d4e5",
    "FLYTE_INTERNAL_EXECUTION_WORKFLOW": "wf.main",
    "FLYTE_INTERNAL_TASK_PROJECT": "flytesnacks",
    "FLYTE_INTERNAL_TASK_DOMAIN": "development",
    "FLYTE_INTERNAL_TASK_NAME": "wf.task",
    "FLYTE_INTERNAL_TASK_VERSION": "v1",
    "FLYTE_ATTEMPT_NUMBER": "0",
}
_SCRUBBED_PREFIXES = ("FLYTE", "_F_", "BATCH_JOB_", "PYTHON", "VIRTUAL_ENV", "_FSEC_")


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------------------------
# The benchmark venv (our code, installed and byte-compiled)


def _source_digest() -> str:
    h = hashlib.sha256()
    paths: list[Path] = []
    for d in SOURCE_DIRS:
        paths += sorted(p for p in (REPO / d).rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    paths += [REPO / f for f in SOURCE_FILES if (REPO / f).exists()]
    for p in paths:
        if p.suffix == ".pyc":
            continue
        h.update(str(p.relative_to(REPO)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def _pip(*args: str) -> None:
    cmd = [str(BENCH_BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")


def ensure_bench_venv(install: bool) -> str:
    """Make sure ``.venv-bench`` holds a byte-compiled install of the current sources; return the digest."""
    digest = _source_digest()
    if not install:
        if not (BENCH_BIN / "pyflyte-execute").exists():
            raise SystemExit(f"--no-install given but {BENCH_VENV} has no pyflyte-execute")
        return INSTALL_MARKER.read_text().strip() if INSTALL_MARKER.exists() else "unknown"
    fresh = not (BENCH_BIN / "python").exists()
    if fresh:
        log(f"creating {BENCH_VENV.relative_to(REPO)} (python3.11 -m venv)")
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
    elif INSTALL_MARKER.exists() and INSTALL_MARKER.read_text().strip() == digest:
        return digest
    # Build from a private copy: other work in the tree may be using build/ at the same time.
    with tempfile.TemporaryDirectory(prefix="flyte-bench-src-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        for d in SOURCE_DIRS:
            shutil.copytree(REPO / d, src / d, ignore=ignore)
        for f in SOURCE_FILES:
            if (REPO / f).exists():
                shutil.copy2(REPO / f, src / f)
        log("installing the current sources into the benchmark venv (non-editable, byte-compiled)")
        # --no-build-isolation (fast, offline-friendly): the build backend's requirements go in the venv itself
        import tomllib  # python >= 3.11, like the venvs

        build_requires = tomllib.loads((src / "pyproject.toml").read_text())["build-system"]["requires"]
        _pip("install", *build_requires)
        if fresh:
            _pip("install", "--no-build-isolation", str(src))
        else:
            _pip("install", "--no-build-isolation", "--no-deps", "--force-reinstall", str(src))
            try:
                _pip("check")
            except RuntimeError:
                _pip("install", "--no-build-isolation", str(src))
    INSTALL_MARKER.write_text(digest + "\n")
    return digest


def precompile_tasks() -> None:
    """The task modules are read by both sides: compile them once so neither pays for it."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([str(BENCH_BIN / "python"), "-m", "compileall", "-q", str(TASKS_DIR)], env=env, check=True)


# --------------------------------------------------------------------------------------------------------------
# Running one process


@dataclass
class Sample:
    wall_s: float
    cpu_s: float
    maxrss_kb: int
    rc: int

    @property
    def ok(self) -> bool:
        return self.rc == 0


def base_env(
    side: str, extra: Mapping[str, str] | None = None, pythonpath: str | None = None
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # as on this machine (and as in many task images)
    bindir = ORACLE_BIN if side == FLYTEKIT else BENCH_BIN
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    env.update(BACKEND_ENV)
    env["PYTHONPATH"] = str(TASKS_DIR) if pythonpath is None else pythonpath
    if not env["PYTHONPATH"]:
        del env["PYTHONPATH"]
    env.update(extra or {})
    return env


TIME_BIN = Path("/usr/bin/time")  # GNU time: -f %M = the child's own peak RSS in KiB


def run_process(argv: Sequence[str], env: Mapping[str, str], cwd: Path, log_path: Path) -> Sample:
    """Run one command: wall time around Popen..wait4, CPU from that wait4, peak RSS from GNU time.

    Why not ``ru_maxrss`` of our own ``wait4``: Linux carries the old address space's high-water mark
    across ``execve``, and ``subprocess`` starts children with ``vfork``, so every child would report at
    least this runner's own peak RSS (hundreds of MiB after building a 1M-element input). GNU time is a
    ~2 MiB process, so what it reports (from its own ``wait4``) is the command's. Without it we fall back
    to ``ru_maxrss`` and say so in the results (``meta.rss_source``).
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    rss_path = log_path.with_name(log_path.name + ".rss")
    wrapped = [str(TIME_BIN), "-f", "%M", "-o", str(rss_path), *argv] if TIME_BIN.exists() else list(argv)
    with open(log_path, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(wrapped, env=dict(env), cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen never waits for it again
    maxrss = usage.ru_maxrss
    if TIME_BIN.exists():
        lines = (
            [ln.strip() for ln in rss_path.read_text().splitlines() if ln.strip()]
            if rss_path.exists()
            else []
        )
        maxrss = int(lines[-1]) if lines and lines[-1].isdigit() else -1
    return Sample(wall, usage.ru_utime + usage.ru_stime, maxrss, proc.returncode)


def rss_source() -> str:
    if TIME_BIN.exists():
        return f"{TIME_BIN} -f %M (the command's own peak RSS)"
    return "wait4 ru_maxrss (INFLATED: includes the runner's own peak, kept across vfork+exec)"


def combine(samples: Sequence[Sample], wall: float) -> Sample:
    """One fan-out: total wall time, max of peak RSS, sum of CPU, first failing exit code."""
    rc = next((s.rc for s in samples if s.rc != 0), 0)
    return Sample(wall, sum(s.cpu_s for s in samples), max(s.maxrss_kb for s in samples), rc)


# --------------------------------------------------------------------------------------------------------------
# Literals


def parse_literal_map(data: bytes) -> literals_pb2.LiteralMap:
    lm = literals_pb2.LiteralMap()
    lm.ParseFromString(data)
    return lm


def int_lit(lit: literals_pb2.Literal, v: int) -> None:
    lit.scalar.primitive.integer = v


def list_int_map(name: str, n: int) -> literals_pb2.LiteralMap:
    lm = literals_pb2.LiteralMap()
    add = lm.literals[name].collection.literals.add
    for i in range(n):
        add().scalar.primitive.integer = i * 7 - 3 * n  # negatives and multi-byte varints
    return lm


def dict_str_float_map(name: str, n: int) -> literals_pb2.LiteralMap:
    lm = literals_pb2.LiteralMap()
    target = lm.literals[name].map.literals
    for i in range(n):
        target[f"key-{i:07d}"].scalar.primitive.float_value = i * 0.25 - 17.125
    return lm


def small_list_map(name: str, n: int) -> literals_pb2.LiteralMap:
    lm = literals_pb2.LiteralMap()
    add = lm.literals[name].collection.literals.add
    for i in range(n):
        binary = add().scalar.binary
        binary.value = msgpack.packb({"a": i, "b": f"item-{i}", "c": i * 0.5 + 0.125})
        binary.tag = "msgpack"
    return lm


def list_opt_int_map(name: str, n: int) -> literals_pb2.LiteralMap:
    """``List[Optional[int]]`` as flytekit writes it: union literals (every 7th element None)."""
    lm = literals_pb2.LiteralMap()
    add = lm.literals[name].collection.literals.add
    for i in range(n):
        union = add().scalar.union
        if i % 7 == 3:
            union.value.scalar.none_type.SetInParent()
            union.type.simple = types_pb2.NONE
            union.type.structure.tag = "none"
        else:
            union.value.scalar.primitive.integer = i * 13 - 5 * n
            union.type.simple = types_pb2.INTEGER
            union.type.structure.tag = "int"
    return lm


def list_str_map(name: str, n: int) -> literals_pb2.LiteralMap:
    lm = literals_pb2.LiteralMap()
    add = lm.literals[name].collection.literals.add
    for i in range(n):
        add().scalar.primitive.string_value = f"item {i * 7919 % 100003} \u00e9" + "x" * (i % 5)
    return lm


def renamed(lm: literals_pb2.LiteralMap, old: str, new: str) -> literals_pb2.LiteralMap:
    out = literals_pb2.LiteralMap()
    out.literals[new].CopyFrom(lm.literals[old])
    return out


def scalar_int_map(**values: int) -> literals_pb2.LiteralMap:
    lm = literals_pb2.LiteralMap()
    for k, v in values.items():
        int_lit(lm.literals[k], v)
    return lm


def write_pb(path: Path, lm: literals_pb2.LiteralMap) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(lm.SerializeToString())
    return path


def error_summary(prefix: Path) -> str:
    for name in sorted(os.listdir(prefix)) if prefix.is_dir() else []:
        if name.startswith("error") and name.endswith(".pb"):
            doc = errors_pb2.ErrorDocument()
            doc.ParseFromString((prefix / name).read_bytes())
            msg = doc.error.message.strip().splitlines()
            return f"{name}: {doc.error.code}: {msg[-1] if msg else ''}"[:400]
    return ""


@dataclass
class Outcome:
    """What one side left under its output prefix, checked against the expected answer."""

    data: bytes | None = None
    problem: str = ""


def read_outcome(prefix: Path, sample: Sample, log_path: Path, expected: literals_pb2.LiteralMap) -> Outcome:
    out = prefix / "outputs.pb"
    if sample.rc != 0 or not out.exists():
        why = error_summary(prefix)
        if not why and log_path.exists():
            tail = log_path.read_text(errors="replace").strip().splitlines()[-3:]
            why = " | ".join(tail)[-400:]
        return Outcome(None, f"exit {sample.rc}, no outputs.pb; {why}")
    data = out.read_bytes()
    if parse_literal_map(data) != expected:
        return Outcome(data, "outputs.pb differs from the expected LiteralMap")
    return Outcome(data)


# --------------------------------------------------------------------------------------------------------------
# Results


@dataclass
class SideResult:
    samples: list[Sample] = field(default_factory=list)
    problem: str = ""
    note: str = ""

    def median(self, attr: str) -> float | None:
        vals = [getattr(s, attr) for s in self.samples if s.ok]
        return statistics.median(vals) if vals else None

    def to_json(self) -> dict[str, Any]:
        return {
            "samples": [asdict(s) for s in self.samples],
            "n": len(self.samples),
            "median_wall_s": self.median("wall_s"),
            "min_wall_s": min((s.wall_s for s in self.samples if s.ok), default=None),
            "median_cpu_s": self.median("cpu_s"),
            "median_maxrss_kb": self.median("maxrss_kb"),
            "problem": self.problem,
            "note": self.note,
        }


@dataclass
class Target:
    what: str
    value: float | None
    limit: float | None  # None: reported for information only
    kind: str = "<="  # "<=" or ">="

    @property
    def status(self) -> str:
        if self.value is None:
            return "n/a"
        if self.limit is None:
            return "info"
        ok = self.value <= self.limit if self.kind == "<=" else self.value >= self.limit
        return "ok" if ok else "MISS"


@dataclass
class BenchResult:
    name: str
    params: dict[str, Any]
    sides: dict[str, SideResult] = field(default_factory=dict)
    checks: dict[str, Any] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    error: str = ""

    def side(self, name: str) -> SideResult:
        return self.sides.setdefault(name, SideResult())

    def ratio(self, a: str, b: str, attr: str = "wall_s") -> float | None:
        if a not in self.sides or b not in self.sides:
            return None
        x, y = self.sides[a].median(attr), self.sides[b].median(attr)
        if x is None or y is None or y == 0 or self.sides[a].problem or self.sides[b].problem:
            return None
        return x / y

    def to_json(self) -> dict[str, Any]:
        return {
            "params": self.params,
            "sides": {k: v.to_json() for k, v in self.sides.items()},
            "checks": self.checks,
            "targets": [{**asdict(t), "status": t.status} for t in self.targets],
            "error": self.error,
        }


@dataclass
class Config:
    quick: bool
    work: Path
    map_reps: int = 3


# --------------------------------------------------------------------------------------------------------------
# Helpers shared by the benchmarks


def execute_argv(side: str, inputs: Path, prefix: Path, module: str, task: str) -> list[str]:
    bindir, resolver = (ORACLE_BIN, FK_RESOLVER) if side == FLYTEKIT else (BENCH_BIN, OUR_RESOLVER)
    return [
        str(bindir / "pyflyte-execute"),
        "--inputs", str(inputs),
        "--output-prefix", str(prefix),
        "--raw-output-data-prefix", str(prefix.parent / (prefix.name + "-raw")),
        "--resolver", resolver,
        "--", "task-module", module, "task-name", task,
    ]  # fmt: skip


def floor_argv(kind: str, inputs: Path, prefix: Path) -> list[str]:
    prefix.mkdir(parents=True, exist_ok=True)
    return [str(BENCH_BIN / "python"), str(FLOOR_SCRIPT), kind, str(inputs), str(prefix / "outputs.pb")]


def compare_outputs(res: BenchResult, outcomes: Mapping[str, Outcome]) -> None:
    """Record correctness: each side vs the expected map, and ours vs flytekit (parsed and bytes)."""
    for side, oc in outcomes.items():
        res.checks[f"{side}_correct"] = oc.data is not None and not oc.problem
        if oc.problem:
            res.side(side).problem = oc.problem
    ours, fk = outcomes.get(OURS), outcomes.get(FLYTEKIT)
    if ours and fk and ours.data is not None and fk.data is not None:
        res.checks["ours_vs_flytekit_parsed_equal"] = parse_literal_map(ours.data) == parse_literal_map(
            fk.data
        )
        res.checks["ours_vs_flytekit_bytes_equal"] = ours.data == fk.data


def interleaved(
    runs: Mapping[str, tuple[int, Callable[[int], Sample]]], res: BenchResult, label: str
) -> None:
    """Run ``reps`` samples of each side, alternating sides, so drift hits all of them alike."""
    most = max(n for n, _ in runs.values())
    for rep in range(most):
        for side, (n, fn) in runs.items():
            if rep >= n or res.side(side).problem:
                continue
            sample = fn(rep)
            res.side(side).samples.append(sample)
            log(f"  {label} {side:<22} rep {rep + 1}/{n}: {sample.wall_s:7.3f}s "
                f"rss {sample.maxrss_kb / 1024:7.1f} MiB rc {sample.rc}")  # fmt: skip


def same_output(a: bytes, b: bytes) -> bool:
    return a == b or parse_literal_map(a) == parse_literal_map(b)


def checked_runner(
    res: BenchResult,
    first: dict[str, Outcome],
    variant: str,
    expected: literals_pb2.LiteralMap,
    start: Callable[[int, Path, Path], Sample],
    root: Path,
) -> Callable[[int], Sample]:
    """A sample function for ``interleaved``: run, check the outputs, remember rep 0's, tidy up.

    ``start(rep, prefix, log_path)`` runs the process. A wrong or failed output marks the variant with a
    problem (its timings are then never turned into ratios).
    """

    def run(rep: int) -> Sample:
        prefix = root / variant / f"rep{rep}"
        log_path = root / variant / f"rep{rep}.log"
        sample = start(rep, prefix, log_path)
        oc = read_outcome(prefix, sample, log_path, expected)
        ref = first.get(variant)
        if rep == 0:
            first[variant] = oc
        elif oc.data is not None and ref is not None and ref.data is not None and not oc.problem:
            oc.problem = "" if same_output(oc.data, ref.data) else f"rep {rep} output differs from rep 0"
        if oc.problem and rep >= 0:
            res.side(variant).problem = oc.problem
            log(f"  {res.name} {variant}: FAILED: {oc.problem}")
        shutil.rmtree(prefix, ignore_errors=True)  # keep the scratch dir small
        shutil.rmtree(str(prefix) + "-raw", ignore_errors=True)
        return sample

    return run


# (ours / floor wall, flytekit / ours speed-up): issue 12 for the maps, the earlier brief for the rest
ECHO_TARGETS: Mapping[str, tuple[float, float]] = {
    "dict_str_float_50k": (1.2, 25.0),
    "dict_str_float_200k": (1.2, 25.0),
    "dict_str_str_50k": (1.2, 25.0),
    "dict_str_str_200k": (1.2, 25.0),
    "list_opt_int_1m": (2.0, 30.0),
    "list_str_1m": (2.0, 30.0),
    "dataclass_list_1m": (2.0, 30.0),
}


def _echo_benchmark(
    cfg: Config,
    name: str,
    n: int,
    build: Callable[[str, int], literals_pb2.LiteralMap],
    in_name: str,
    module: str,
    task: str,
    floor_kind: str,
    reps: Mapping[str, int],
    note_fk: str = "",
) -> BenchResult:
    res = BenchResult(name, {"n": n, "reps": dict(reps), "task": f"{module}.{task}"})
    work = cfg.work / name
    log(f"{name}: building inputs.pb ({n:,} elements)")
    t0 = time.perf_counter()
    lm = build(in_name, n)
    inputs = write_pb(work / "inputs.pb", lm)
    expected = renamed(lm, in_name, "o0")
    del lm
    res.params["inputs_bytes"] = inputs.stat().st_size
    log(
        f"{name}: inputs.pb is {res.params['inputs_bytes'] / 1e6:.1f} MB (built in {time.perf_counter() - t0:.1f}s)"
    )
    first: dict[str, Outcome] = {}

    def starter(side: str) -> Callable[[int, Path, Path], Sample]:
        def start(rep: int, prefix: Path, log_path: Path) -> Sample:
            if side == FLOOR:
                argv = floor_argv(floor_kind, inputs, prefix)
            else:
                argv = execute_argv(side, inputs, prefix, module, task)
            return run_process(argv, base_env(side), work, log_path)

        return start

    runs = {
        side: (k, checked_runner(res, first, side, expected, starter(side), work))
        for side, k in reps.items()
        if k > 0
    }
    interleaved(runs, res, name)
    if note_fk:
        res.side(FLYTEKIT).note = note_fk
    compare_outputs(res, first)
    rss = res.ratio(OURS, FLYTEKIT, "maxrss_kb")
    floor_limit, speedup = ECHO_TARGETS.get(name, (2.0, 20.0))
    res.targets = [
        Target("ours / floor wall", res.ratio(OURS, FLOOR), floor_limit, "<="),
        Target("flytekit / ours wall (speed-up)", _inv(res.ratio(OURS, FLYTEKIT)), speedup, ">="),
        Target("ours / flytekit peak RSS", rss, 0.5, "<="),
        Target("ours / floor CPU", res.ratio(OURS, FLOOR, "cpu_s"), floor_limit, "<="),
        Target("flytekit / ours CPU (speed-up)", _inv(res.ratio(OURS, FLYTEKIT, "cpu_s")), speedup, ">="),
    ]
    return res


def _inv(x: float | None) -> float | None:
    return None if x is None or x == 0 else 1.0 / x


# --------------------------------------------------------------------------------------------------------------
# The benchmarks


def map_execute_argv(side: str, inputs: Path, prefix: Path, module: str, task: str) -> list[str]:
    if side == FLYTEKIT:
        exe, resolver, inner = ORACLE_BIN / "pyflyte-map-execute", FK_MAP_RESOLVER, FK_RESOLVER
    else:
        exe, resolver, inner = BENCH_BIN / "pyflyte-map-execute", OUR_MAP_RESOLVER, OUR_RESOLVER
    return [
        str(exe), "--inputs", str(inputs), "--output-prefix", str(prefix),
        "--raw-output-data-prefix", str(prefix) + "-raw", "--resolver", resolver,
        "--", "vars", "", "resolver", inner, "task-module", module, "task-name", task,
    ]  # fmt: skip


MAP_INDEX_ENV: Mapping[str, str] = {
    "BATCH_JOB_ARRAY_INDEX_VAR_NAME": "FLYTE_K8S_ARRAY_INDEX",
    "FLYTE_K8S_ARRAY_INDEX": "2",
}


def _startup_benchmark(cfg: Config, name: str, map_task: bool) -> BenchResult:
    """One tiny literal each way through the whole command: pure fixed cost, with the raw floor beside it."""
    reps = 5 if cfg.quick else 11
    task = "bench_add.square(x[2]) via pyflyte-map-execute" if map_task else "bench_add.add(a=3, b=4)"
    res = BenchResult(name, {"reps": reps, "task": task, "warmup": 1})
    work = cfg.work / name
    if map_task:
        lm = literals_pb2.LiteralMap()
        add = lm.literals["x"].collection.literals.add
        for v in (3, 4, 5):
            add().scalar.primitive.integer = v
        inputs, expected = write_pb(work / "inputs.pb", lm), scalar_int_map(o0=25)
    else:
        inputs, expected = write_pb(work / "inputs.pb", scalar_int_map(a=3, b=4)), scalar_int_map(o0=7)
    extra = MAP_INDEX_ENV if map_task else {}
    first: dict[str, Outcome] = {}

    def starter(side: str) -> Callable[[int, Path, Path], Sample]:
        def start(rep: int, prefix: Path, log_path: Path) -> Sample:
            if side == FLOOR:
                argv = floor_argv("square_element" if map_task else "add", inputs, prefix)
            elif map_task:
                argv = map_execute_argv(side, inputs, prefix, "bench_add", "square")
            else:
                argv = execute_argv(side, inputs, prefix, "bench_add", "add")
            return run_process(argv, base_env(side, extra), work, log_path)

        return start

    runs = {
        side: (reps, checked_runner(res, first, side, expected, starter(side), work))
        for side in (OURS, FLYTEKIT, FLOOR)
    }
    for _, fn in runs.values():  # warm-up (page cache), not recorded
        fn(-1)
    first.clear()
    interleaved(runs, res, name)
    compare_outputs(res, first)
    res.targets = [
        Target("ours / floor wall", res.ratio(OURS, FLOOR), 2.5, "<="),
        Target("ours / flytekit wall", res.ratio(OURS, FLYTEKIT), 0.15, "<="),
        Target("ours peak RSS (MiB)", _mib(res.side(OURS).median("maxrss_kb")), 25.0, "<="),
        Target("ours / floor CPU", res.ratio(OURS, FLOOR, "cpu_s"), None),
        Target("ours / flytekit CPU", res.ratio(OURS, FLYTEKIT, "cpu_s"), None),
        Target("ours / flytekit peak RSS", res.ratio(OURS, FLYTEKIT, "maxrss_kb"), None),
    ]
    return res


def _mib(kb: float | None) -> float | None:
    return None if kb is None else kb / 1024


def bench_startup(cfg: Config) -> BenchResult:
    return _startup_benchmark(cfg, "startup", map_task=False)


def bench_startup_map(cfg: Config) -> BenchResult:
    return _startup_benchmark(cfg, "startup_map", map_task=True)


def bench_startup_flytekit_module(cfg: Config) -> BenchResult:
    """A trivial module written for flytekit, unchanged, with flytekit's resolver path on both sides."""
    reps = 5 if cfg.quick else 11
    res = BenchResult(
        "startup_flytekit_module",
        {"reps": reps, "task": "bench_flytekit_module.add(a=3, b=4), resolver " + FK_RESOLVER, "warmup": 1},
    )
    work = cfg.work / "startup_flytekit_module"
    inputs = write_pb(work / "inputs.pb", scalar_int_map(a=3, b=4))
    first: dict[str, Outcome] = {}

    def starter(side: str) -> Callable[[int, Path, Path], Sample]:
        def start(rep: int, prefix: Path, log_path: Path) -> Sample:
            argv = execute_argv(side, inputs, prefix, "bench_flytekit_module", "add")
            argv[argv.index("--resolver") + 1] = FK_RESOLVER  # as flytekit's registration writes it
            return run_process(argv, base_env(side), work, log_path)

        return start

    runs = {
        side: (reps, checked_runner(res, first, side, scalar_int_map(o0=7), starter(side), work))
        for side in (OURS, FLYTEKIT)
    }
    for _, fn in runs.values():  # warm-up (page cache), not recorded
        fn(-1)
    first.clear()
    interleaved(runs, res, "startup_flytekit_module")
    compare_outputs(res, first)
    res.targets = [
        Target("ours / flytekit wall", res.ratio(OURS, FLYTEKIT), 0.25, "<="),
        Target("ours / flytekit peak RSS", res.ratio(OURS, FLYTEKIT, "maxrss_kb"), 0.5, "<="),
        Target("ours / flytekit CPU", res.ratio(OURS, FLYTEKIT, "cpu_s"), None),
    ]
    return res


def bench_list_int(cfg: Config) -> BenchResult:
    n = 50_000 if cfg.quick else 1_000_000
    return _echo_benchmark(
        cfg, "list_int_1m", n, list_int_map, "xs", "bench_collections", "echo_list_int", "list_int",
        {OURS: 3 if cfg.quick else 5, FLOOR: 3 if cfg.quick else 5, FLYTEKIT: 1},
        note_fk="one run only (flytekit needs 50-90 s at 1M)" if not cfg.quick else "one run, shrunk size",
    )  # fmt: skip


def _dict_benchmark(cfg: Config, name: str, n: int, values: str) -> BenchResult:
    """Echo a ``Dict[str, float]`` / ``Dict[str, str]`` of ``n`` entries (a tenth of that with ``--quick``)."""
    n = n // 10 if cfg.quick else n
    build, task, floor_kind = {
        "float": (dict_str_float_map, "echo_dict_str_float", "dict_str_float"),
        "str": (dict_str_str_map, "echo_dict_str_str", "dict_str_str"),
    }[values]
    reps = {OURS: 3 if cfg.quick else 5, FLOOR: 3 if cfg.quick else 5, FLYTEKIT: 1 if cfg.quick else 3}
    return _echo_benchmark(cfg, name, n, build, "d", "bench_collections", task, floor_kind, reps)


def dict_str_str_map(name: str, n: int) -> literals_pb2.LiteralMap:
    lm = literals_pb2.LiteralMap()
    target = lm.literals[name].map.literals
    for i in range(n):
        target[f"key-{i:07d}"].scalar.primitive.string_value = f"value {i * 7919 % 100003} \u00e9"
    return lm


def bench_dict(cfg: Config) -> BenchResult:
    return _dict_benchmark(cfg, "dict_str_float_200k", 200_000, "float")


def bench_dict_50k(cfg: Config) -> BenchResult:
    return _dict_benchmark(cfg, "dict_str_float_50k", 50_000, "float")


def bench_dict_str(cfg: Config) -> BenchResult:
    return _dict_benchmark(cfg, "dict_str_str_200k", 200_000, "str")


def bench_dict_str_50k(cfg: Config) -> BenchResult:
    return _dict_benchmark(cfg, "dict_str_str_50k", 50_000, "str")


def bench_dataclass(cfg: Config) -> BenchResult:
    n = 10_000 if cfg.quick else 100_000
    return _echo_benchmark(
        cfg, "dataclass_list_100k", n, small_list_map, "xs", "bench_dc", "echo_small_list", "dataclass_list",
        {OURS: 3 if cfg.quick else 5, FLOOR: 3 if cfg.quick else 5, FLYTEKIT: 1 if cfg.quick else 3},
    )  # fmt: skip


def _echo_million(cfg: Config, name: str, build: Any, module: str, task: str, kind: str) -> BenchResult:
    """An echo of 1,000,000 elements (50,000 with --quick); flytekit runs once: minutes at that size."""
    return _echo_benchmark(
        cfg, name, 50_000 if cfg.quick else 1_000_000, build, "xs", module, task, kind,
        {OURS: 3 if cfg.quick else 5, FLOOR: 3 if cfg.quick else 5, FLYTEKIT: 1},
        note_fk="one run only (minutes at 1M)" if not cfg.quick else "one run, shrunk size",
    )  # fmt: skip


def bench_list_opt_int(cfg: Config) -> BenchResult:
    return _echo_million(cfg, "list_opt_int_1m", list_opt_int_map, "bench_collections", "echo_list_opt_int", "list_opt_int")


def bench_list_str(cfg: Config) -> BenchResult:
    return _echo_million(cfg, "list_str_1m", list_str_map, "bench_collections", "echo_list_str", "list_str")


def bench_dataclass_1m(cfg: Config) -> BenchResult:
    return _echo_million(cfg, "dataclass_list_1m", small_list_map, "bench_dc", "echo_small_list", "dataclass_list")


def bench_map_fanout(cfg: Config) -> BenchResult:
    n = 12 if cfg.quick else 200
    reps = 1 if cfg.quick else cfg.map_reps
    workers = 2
    res = BenchResult(
        "map_fanout_200",
        {"elements": n, "reps": reps, "pool": workers, "task": "bench_add.square over x=[0..n)"},
    )
    work = cfg.work / "map_fanout_200"
    lm = literals_pb2.LiteralMap()
    add = lm.literals["x"].collection.literals.add
    for i in range(n):
        add().scalar.primitive.integer = i
    inputs = write_pb(work / "inputs.pb", lm)

    def element(side: str, rep: int, i: int) -> tuple[Sample, str]:
        prefix = work / side / f"rep{rep}" / str(i)
        log_path = work / side / f"rep{rep}" / f"{i}.log"
        if side == FLYTEKIT:
            resolver, inner = FK_MAP_RESOLVER, FK_RESOLVER
            exe = ORACLE_BIN / "pyflyte-map-execute"
        else:
            resolver, inner = OUR_MAP_RESOLVER, OUR_RESOLVER
            exe = BENCH_BIN / "pyflyte-map-execute"
        argv = [
            str(exe), "--inputs", str(inputs), "--output-prefix", str(prefix),
            "--raw-output-data-prefix", str(prefix) + "-raw", "--resolver", resolver,
            "--", "vars", "", "resolver", inner, "task-module", "bench_add", "task-name", "square",
        ]  # fmt: skip
        env = base_env(
            side, {"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "FLYTE_K8S_ARRAY_INDEX", "FLYTE_K8S_ARRAY_INDEX": str(i)}
        )
        sample = run_process(argv, env, work, log_path)
        oc = read_outcome(prefix, sample, log_path, scalar_int_map(o0=i * i))
        if i % 50 == 49:
            log(f"  map_fanout_200 {side} rep {rep + 1}: element {i + 1}/{n} done")
        return sample, oc.problem

    def runner(side: str) -> Callable[[int], Sample]:
        def run(rep: int) -> Sample:
            t0 = time.perf_counter()
            with ThreadPoolExecutor(workers) as pool:
                done = list(pool.map(lambda i: element(side, rep, i), range(n)))
            wall = time.perf_counter() - t0
            problems = [f"element {i}: {p}" for i, (_, p) in enumerate(done) if p]
            if problems:
                res.side(side).problem = f"{len(problems)} of {n} elements wrong/failed; first: {problems[0]}"
                log(f"  map_fanout {side}: {res.side(side).problem}")
            return combine([s for s, _ in done], wall)

        return run

    for side in (OURS, FLYTEKIT):  # warm-up: one element each
        element(side, -1, 0)
    interleaved({OURS: (reps, runner(OURS)), FLYTEKIT: (reps, runner(FLYTEKIT))}, res, "map_fanout_200")
    res.checks["ours_correct"] = not res.side(OURS).problem
    res.checks["flytekit_correct"] = not res.side(FLYTEKIT).problem
    res.checks["note"] = "every element's outputs.pb parsed and compared with {o0: i*i}"
    res.targets = [
        Target("flytekit / ours total wall (speed-up)", _inv(res.ratio(OURS, FLYTEKIT)), 5.0, ">="),
        Target("flytekit / ours total CPU (speed-up)", _inv(res.ratio(OURS, FLYTEKIT, "cpu_s")), 5.0, ">="),
        Target("ours / flytekit max element peak RSS", res.ratio(OURS, FLYTEKIT, "maxrss_kb"), None),
    ]
    return res


FAST_MODULE = '''"""Fast-registered task module (inside the benchmark code archive)."""

try:
    from flytekit import task
except ImportError:
    from flyte_entrypoint import task


@task
def add(a: int, b: int) -> int:
    return a + b
'''


def build_code_archive(path: Path, n_filler: int = 20) -> None:
    """A small fast-registration archive: the task module plus some filler modules and a data file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:

        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 315532800  # 1980-01-01, as flytekit's fast packaging does
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))

        add("bench_fast_mod.py", FAST_MODULE.encode())
        add("pkg/__init__.py", b"")
        for i in range(n_filler):
            add(f"pkg/mod_{i:02d}.py", f"VALUE_{i} = {i}\n".encode() * 50)
        add("pkg/data/config.json", json.dumps({"k": list(range(200))}).encode())


FAST_VARIANTS: Mapping[str, tuple[str, Mapping[str, str]]] = {
    FLYTEKIT: (FLYTEKIT, {}),
    "ours-inprocess": (OURS, {"FLYTE_ENTRYPOINT_FAST_EXECUTE_MODE": "inprocess"}),
    "ours-subprocess": (OURS, {"FLYTE_ENTRYPOINT_FAST_EXECUTE_MODE": "subprocess"}),
    "ours-default": (OURS, {}),
}


def bench_fast_execute(cfg: Config) -> BenchResult:
    reps = 3 if cfg.quick else 7
    res = BenchResult(
        "fast_execute",
        {"reps": reps, "task": "bench_fast_mod.add(a=3, b=4) from a .tar.gz", "fresh_dest_dir_per_run": True},
    )
    work = cfg.work / "fast_execute"
    archive = work / "dist" / "fast-bench.tar.gz"
    build_code_archive(archive)
    res.params["archive_bytes"] = archive.stat().st_size
    inputs = write_pb(work / "inputs.pb", scalar_int_map(a=3, b=4))
    expected = scalar_int_map(o0=7)
    first: dict[str, Outcome] = {}

    def starter(variant: str) -> Callable[[int, Path, Path], Sample]:
        side, extra = FAST_VARIANTS[variant]
        bindir = ORACLE_BIN if side == FLYTEKIT else BENCH_BIN

        def start(rep: int, prefix: Path, log_path: Path) -> Sample:
            dest = prefix.parent / f"rep{rep}-dest"  # a fresh destination per run, as in a new pod
            dest.mkdir(parents=True, exist_ok=True)
            inner = execute_argv(side, inputs, prefix, "bench_fast_mod", "add")
            inner[0] = "pyflyte-execute"  # as serialized: found on PATH (the side's venv bin comes first)
            argv = [
                str(bindir / "pyflyte-fast-execute"), "--additional-distribution", str(archive),
                "--dest-dir", str(dest), "--", *inner,
            ]  # fmt: skip
            env = base_env(side, extra, pythonpath="")  # the task module must come from the archive
            return run_process(argv, env, dest, log_path)

        return start

    runs = {v: (reps, checked_runner(res, first, v, expected, starter(v), work)) for v in FAST_VARIANTS}
    for _, fn in runs.values():  # warm-up
        fn(-1)
    first.clear()
    interleaved(runs, res, "fast_execute")
    for variant, oc in first.items():
        res.checks[f"{variant}_correct"] = oc.data is not None and not oc.problem
    fk = first.get(FLYTEKIT)
    ours = first.get("ours-default")
    if fk and ours and fk.data is not None and ours.data is not None:
        res.checks["ours_vs_flytekit_parsed_equal"] = parse_literal_map(fk.data) == parse_literal_map(
            ours.data
        )
        res.checks["ours_vs_flytekit_bytes_equal"] = fk.data == ours.data
    res.targets = [
        Target("ours-default / flytekit wall", res.ratio("ours-default", FLYTEKIT), 0.25, "<="),
        Target(
            "ours-inprocess / ours-subprocess wall", res.ratio("ours-inprocess", "ours-subprocess"), 1.0, "<="
        ),
        Target(
            "ours-default / flytekit peak RSS", res.ratio("ours-default", FLYTEKIT, "maxrss_kb"), 0.5, "<="
        ),
        Target("ours-default / flytekit CPU", res.ratio("ours-default", FLYTEKIT, "cpu_s"), None),
    ]
    return res


BENCHMARKS: Mapping[str, Callable[[Config], BenchResult]] = {
    "startup": bench_startup,
    "startup_map": bench_startup_map,
    "list_int_1m": bench_list_int,
    "dict_str_float_50k": bench_dict_50k,
    "dict_str_float_200k": bench_dict,
    "dict_str_str_50k": bench_dict_str_50k,
    "dict_str_str_200k": bench_dict_str,
    "dataclass_list_100k": bench_dataclass,
    "list_opt_int_1m": bench_list_opt_int,
    "list_str_1m": bench_list_str,
    "dataclass_list_1m": bench_dataclass_1m,
    "map_fanout_200": bench_map_fanout,
    "fast_execute": bench_fast_execute,
    "startup_flytekit_module": bench_startup_flytekit_module,
}
# issue 10 (types): dataframe_parquet_1m, pydantic_list_100k (benchmarks/bench_rich_types.py)
sys.path.insert(0, str(HERE))
from bench_rich_types import benchmarks as _rich_types  # noqa: E402

BENCHMARKS = {**BENCHMARKS, **_rich_types(sys.modules[__name__])}


# --------------------------------------------------------------------------------------------------------------
# Report


def _fmt(x: float | None, spec: str = ".3f") -> str:
    return "-" if x is None else format(x, spec)


def markdown(results: Sequence[BenchResult], meta: Mapping[str, Any]) -> str:
    lines = [
        f"# Benchmark results ({'quick' if meta['quick'] else 'full'} run, {meta['started']})",
        "",
        f"git `{meta['git']}`, sources sha256 `{meta['source_digest'][:12]}`, {meta['python']}, "
        f"{meta['cpus']} CPUs, RSS from {meta['rss_source']}, load avg {meta['loadavg_start']} -> {meta['loadavg_end']}, "
        f"total {meta['total_s']:.0f}s",
        "",
        *(
            [
                "**Quick run**: sizes are shrunk, so fixed start-up cost dominates the heavy benchmarks and their",
                "targets (set for the full sizes) are not meaningful here.",
                "",
            ]
            if meta["quick"]
            else []
        ),
        "| benchmark | side | n | median wall (s) | min wall (s) | median CPU (s) | median peak RSS (MiB) | note |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        if r.error and not r.sides:
            lines.append(f"| {r.name} | - | - | - | - | - | - | ERROR: {r.error.splitlines()[-1][:200]} |")
        for side, s in r.sides.items():
            d = s.to_json()
            rss = d["median_maxrss_kb"]
            note = "; ".join(x for x in (s.note, f"PROBLEM: {s.problem}" if s.problem else "") if x)
            lines.append(
                f"| {r.name} | {side} | {len(s.samples)} | {_fmt(d['median_wall_s'])} | {_fmt(d['min_wall_s'])} | "
                f"{_fmt(d['median_cpu_s'], '.2f')} | {_fmt(None if rss is None else rss / 1024, '.1f')} | "
                f"{note.replace('|', '/')} |"
            )
    lines += ["", "| benchmark | target | value | limit | status |", "|---|---|---:|---:|---|"]
    for r in results:
        for t in r.targets:
            limit = "-" if t.limit is None else f"{t.kind} {t.limit:g}"
            lines.append(f"| {r.name} | {t.what} | {_fmt(t.value, '.3f')} | {limit} | {t.status} |")
    lines += ["", "| benchmark | output checks |", "|---|---|"]
    for r in results:
        checks = ", ".join(f"{k}={v}" for k, v in r.checks.items())
        if r.error:
            checks += f" ERROR: {r.error.strip().splitlines()[-1][:200]}"
        lines.append(f"| {r.name} | {checks or '-'} |")
    params = [f"* **{r.name}**: " + ", ".join(f"{k}={v}" for k, v in r.params.items()) for r in results]
    lines += ["", "Parameters:", "", *params, ""]
    return "\n".join(lines)


def git_describe() -> str:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        )
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True)
        return rev.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except OSError:
        return "unknown"


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "names", nargs="*", metavar="name", help=f"benchmarks to run (default: all): {', '.join(BENCHMARKS)}"
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repetitions (~3 minutes)")
    parser.add_argument("--no-install", action="store_true", help="use .venv-bench as it is (no re-install)")
    parser.add_argument(
        "--map-reps", type=int, default=3, help="repetitions of the whole map fan-out (full run; default 3)"
    )
    parser.add_argument("--keep-work", action="store_true", help="keep the scratch directory (logs, outputs)")
    args = parser.parse_args(None if argv is None else list(argv))
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {list(BENCHMARKS)}")
    names = args.names or list(BENCHMARKS)
    for exe in (ORACLE_BIN / "pyflyte-execute", ORACLE_BIN / "pyflyte-map-execute"):
        if not exe.exists():
            raise SystemExit(f"{exe} missing: run scripts/setup-venvs.sh (the flytekit oracle venv)")

    started = time.time()
    digest = ensure_bench_venv(not args.no_install)
    precompile_tasks()
    meta: dict[str, Any] = {
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "quick": args.quick,
        "git": git_describe(),
        "source_digest": digest,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "loadavg_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "rss_source": rss_source(),
        "ours_bin": str(BENCH_BIN),
        "flytekit_bin": str(ORACLE_BIN),
    }
    work = Path(tempfile.mkdtemp(prefix="flyte-bench-"))
    log(f"scratch dir {work}")
    cfg = Config(quick=args.quick, work=work, map_reps=args.map_reps)
    results: list[BenchResult] = []
    try:
        for name in names:
            t0 = time.perf_counter()
            log(f"=== {name} ===")
            try:
                res = BENCHMARKS[name](cfg)
            except Exception:
                res = BenchResult(name, {}, error=traceback.format_exc())
                log(f"{name}: crashed:\n{res.error}")
            res.params["bench_seconds"] = round(time.perf_counter() - t0, 1)
            results.append(res)
            if not args.keep_work:
                shutil.rmtree(work / name, ignore_errors=True)
    finally:
        if args.keep_work:
            log(f"kept scratch dir {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    meta["loadavg_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    meta["total_s"] = time.time() - started
    report = markdown(results, meta)
    payload = {"meta": meta, "benchmarks": {r.name: r.to_json() for r in results}}
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S") + ("-quick" if args.quick else "")
    for suffix, text in ((".json", json.dumps(payload, indent=2) + "\n"), (".md", report)):
        (RESULTS_DIR / f"{stamp}{suffix}").write_text(text)
        (RESULTS_DIR / f"latest{suffix}").write_text(text)
    print(report)
    log(f"wrote {RESULTS_DIR / stamp}.json/.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
