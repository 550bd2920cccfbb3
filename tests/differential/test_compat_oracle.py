"""Differential: task modules written for flytekit, run unchanged on flyte-entrypoint (no flytekit in our venv).

1. ``compat_record.py`` runs in the oracle venv: the modules' workflows run locally under flytekit, which writes
   each task's ``inputs.pb``; flytekit's translator writes each task's container args (plain, map, and fast
   registration) exactly as ``pyflyte register`` would. That recording is cached under the oracle cache.
2. Every recorded invocation is replayed through flytekit's command (cached too) and ours, with flytekit's
   resolvers in the args: ``outputs.pb`` must be equal byte for byte (blob URIs' random ``<hex32>`` and the side's
   raw prefix normalized), blob contents equal (pickles: equal once unpickled), error documents with the same
   code, kind, origin and ``Message:`` line.
3. The same with the modules' imports rewritten from ``flytekit`` to ``flyte_entrypoint`` (the module whose values
   flytekit pickles is left out: native modules opt in to pickle per parameter).
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from flyteidl.core import literals_pb2

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
MODULES = HERE / "compat_modules"
RECORDER = HERE / "compat_record.py"


def _load_oracle() -> Any:
    name = "flyte_diff_oracle"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HERE / "oracle.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


oracle = _load_oracle()

SPEC: dict[str, Any] = {
    "workflows": [
        ["fk_basics", "basics_wf", {}], ["fk_pickled", "pickled_wf", {}], ["fk_basics", "scaled", {}],
        ["fk_frames", "frames_wf", {}], ["fk_custom", "custom_wf", {}], ["fk_custom", "probe_wf", {}],
    ],
    "tasks": [
        ["fk_pickled", "many", {"n": 2}],
        ["fk_pickled", "untyped", {"x": "=Model([1.0, 2.0])", "n": 2}],
        ["fk_basics", "failing", {"x": 0}],
        ["fk_basics", "failing", {"x": 5}],
        ["fk_basics", "recoverable", {"attempt": 1}],
        ["fk_basics", "in_image", {}],
        ["fk_basics", "collatz_step", {"x": 4}],
        ["fk_shell", "t_count", {"x": "=FlyteFile(OUT + '/data.txt')", "word": "flyte"}],
        ["fk_shell", "t_fail", {"word": "x"}],
        ["fk_custom", "extend_bundle", {"b": "=(lambda b: (b.add('a.txt', 'one'), b)[1])(Bundle())", "extra": "more"}],
        ["fk_custom", "bad_bundle", {}],
        ["fk_custom", "calibrate", {"r": "=Reading(1.5)", "readings": "={'a': Reading(2.0), 'b': Reading(0.25)}"}],
        ["fk_custom", "calibrate", {"r": "=Reading(-1.0)", "readings": "={}"}],
    ],
    "image_specs": [["fk_basics", "image"]],
    "map_tasks": [
        ["fk_basics", "square", {"x": ["List[int]", "[1, 2, 3]"]}],
        ["fk_basics", "scale", {"x": ["List[float]", "[1.5, 2.5, 3.5]"]}, {"factor": ["int", "3"]}],
        ["fk_custom", "shift", {"r": ["List[Reading]", "[Reading(1.0), Reading(2.0), Reading(4.0)]"]},
         {"by": ["float", "0.5"]}],
    ],
}
FAST_TASKS = ("fk_basics.add", "fk_basics.read_file", "fk_pickled.score", "t_count", "fk_custom.read_bundle")
# native flyte_entrypoint modules opt in to pickle per parameter; t_fail's message lists the working directory,
# which for the rewritten copy is another directory by construction
NOT_REWRITTEN = ("fk_pickled", "t_fail")
MAP_INDEX = "1"
HEX32 = re.compile(rb"/[0-9a-f]{32}(?=/|$)")


def _sources_digest() -> str:
    h = hashlib.sha256(oracle.oracle_version().encode())
    for path in [*sorted(p for p in MODULES.glob("*") if p.is_file() and p.suffix in (".py", ".txt")), RECORDER]:
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    h.update(json.dumps(SPEC, sort_keys=True).encode())
    return h.hexdigest()[:24]


def _archive(modules: Path, target: Path) -> None:
    """The fast-registration archive: the modules at the archive's top level (deterministic bytes)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for path in sorted(modules.glob("*.py")):
            info = tar.gettarinfo(str(path), arcname=path.name)
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
            with open(path, "rb") as fh:
                tar.addfile(info, fh)
    import gzip

    target.write_bytes(gzip.compress(buf.getvalue(), mtime=0))


@pytest.fixture(scope="module")
def recording() -> dict[str, Any]:
    oracle.require_oracle()
    root = oracle.ORACLE_CACHE_DIR / f"compat-{_sources_digest()}"
    manifest = root / "manifest.json"
    if not (oracle._cache_enabled() and manifest.is_file()):
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        _archive(MODULES, root / "code.tar.gz")
        shutil.copyfile(MODULES / "data.txt", root / "data.txt")  # ShellTask writes next to its input file
        spec = {**SPEC, "modules_dir": str(MODULES), "out_dir": str(root),
                "fast": {"archive": str(root / "code.tar.gz"), "dest_dir": "."}}
        home = root / "home"  # flytekit's local cache lives under ~/.flyte: a fresh one records every task
        home.mkdir()
        proc = subprocess.run(
            [str(oracle.ORACLE_PYTHON), str(RECORDER)], input=json.dumps(spec), capture_output=True, text=True,
            cwd=root, env=oracle._clean_env({}, home=home), timeout=180, check=False,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(manifest.read_text())
    data["root"] = root
    return data


def _argv(args: list[str], side: str, inputs: str, work: Path) -> list[str]:
    repl = {
        "{{.input}}": inputs,
        "{{.outputPrefix}}": str(work / "out"),
        "{{.rawOutputDataPrefix}}": str(work / "raw"),
        "{{.checkpointOutputPrefix}}": str(work / "cp"),
    }
    argv = [repl.get(a, a) for a in args]
    bin_dir = (REPO / (".oracle-venv" if side == oracle.ORACLE else ".venv")) / "bin"
    argv[0] = str(bin_dir / argv[0])
    return argv


def _run(
    side: str, run: dict[str, Any], work: Path, cwd: Path, fast: bool, extra_env: dict[str, str]
) -> dict[str, Any]:
    """One side of one invocation; flytekit's results are kept (they are a function of the recording)."""
    done = work / "result.json"
    if side == oracle.ORACLE and oracle._cache_enabled() and done.is_file():
        return json.loads(done.read_text())
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    args = run["fast_args"] if fast else run["args"]
    argv = _argv(args, side, _private_inputs(Path(run["inputs"]), work), work)
    bin_dir = Path(argv[0]).parent
    env = oracle._clean_env({**oracle.BACKEND_ENV, **extra_env}, home=work / "home")
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["TMPDIR"] = str(work / "tmp")
    (work / "tmp").mkdir()
    if args[0] == "pyflyte-map-execute":
        env.update(BATCH_JOB_ARRAY_INDEX_VAR_NAME="IDX", IDX=MAP_INDEX)
    if fast:
        cwd = work / "cwd"  # dest-dir "." : the archive is the only copy of the code
        cwd.mkdir()
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)
    result = {"returncode": proc.returncode, "stderr": proc.stderr[-4000:], "work": str(work)}
    done.write_text(json.dumps(result))
    return result


def _private_inputs(inputs: Path, work: Path) -> str:
    """``inputs.pb`` whose local file/directory inputs are this side's own copies.

    On Flyte each run downloads its inputs afresh; replaying recorded *local* paths would let one side's task
    (a shell script appending to its input file, say) change what the other side reads.
    """
    lm = literals_pb2.LiteralMap()
    lm.ParseFromString(inputs.read_bytes())
    copies = work / "inputs"
    for i, blob in enumerate(_blobs(lm)):
        source = Path(blob.uri)
        if not blob.uri.startswith("/") or not source.exists():
            continue
        target = copies / str(i) / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copyfile(source, target)
        blob.uri = str(target)
    path = work / "inputs.pb"
    path.write_bytes(lm.SerializeToString())
    return str(path)


def _tree(root: Path) -> dict[str, bytes]:
    if not root.is_dir():
        return {}
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _blobs(msg: Any) -> Iterator[Any]:
    """Every Blob and StructuredDataset message inside ``msg`` (outputs.pb order): the ones with a ``uri``."""
    for fd, value in msg.ListFields():
        if fd.message_type is None:
            continue
        if fd.message_type.GetOptions().map_entry:
            for key in sorted(value):
                if hasattr(value[key], "ListFields"):
                    yield from _blobs(value[key])
        elif oracle._is_repeated(fd):
            for v in value:
                yield from _blobs(v)
        elif fd.name in ("blob", "structured_dataset"):
            yield value
        else:
            yield from _blobs(value)


def _blob_uris(msg: Any) -> list[str]:
    return [b.uri for b in _blobs(msg)]


def _normalized(data: bytes, work: Path) -> bytes:
    """outputs.pb with the side's raw prefix and the random ``<hex32>`` path components replaced."""
    lm = literals_pb2.LiteralMap()
    lm.ParseFromString(data)
    raw = str(work / "raw")
    for blob in _blobs(lm):
        blob.uri = HEX32.sub(b"/<hex32>", blob.uri.replace(raw, "<raw>").encode()).decode()
    return lm.SerializeToString(deterministic=True)


def _blob_content(uri: str) -> dict[str, bytes]:
    path = Path(uri)
    if path.is_dir():
        return _tree(path)
    return {"": path.read_bytes()} if path.is_file() else {"<missing>": uri.encode()}


def _tar_members(data: bytes) -> dict[str, bytes] | None:
    """A tar archive's regular files (archives made by task scripts carry mtimes: compare what is inside)."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]
    except (tarfile.TarError, OSError, EOFError):
        return None


def _same_blob(a: dict[str, bytes], b: dict[str, bytes]) -> bool:
    if a == b:
        return True
    if a.keys() == b.keys() and all(
        _tar_members(a[k]) is not None and _tar_members(a[k]) == _tar_members(b[k]) for k in a
    ):
        return True
    try:  # pickles: cloudpickle (flytekit) and stdlib pickle may write different streams for the same value
        return {k: pickle.loads(v) for k, v in a.items()} == {k: pickle.loads(v) for k, v in b.items()}
    except Exception:
        return False


def compare(flytekit: dict[str, Any], ours: dict[str, Any]) -> list[str]:
    wo, wu = Path(flytekit["work"]), Path(ours["work"])
    files_o, files_u = _tree(wo / "out"), _tree(wu / "out")
    problems: list[str] = []
    if flytekit["returncode"] != ours["returncode"]:
        problems.append(f"exit: flytekit={flytekit['returncode']} ours={ours['returncode']}")
    if sorted(files_o) != sorted(files_u):
        problems.append(f"files: flytekit={sorted(files_o)} ours={sorted(files_u)}")
    if "outputs.pb" in files_o and "outputs.pb" in files_u:
        lo, lu = literals_pb2.LiteralMap(), literals_pb2.LiteralMap()
        lo.ParseFromString(files_o["outputs.pb"])
        lu.ParseFromString(files_u["outputs.pb"])
        uris_o, uris_u = _blob_uris(lo), _blob_uris(lu)
        if not uris_o and files_o["outputs.pb"] != files_u["outputs.pb"] and not oracle.has_multi_entry_map(lo):
            problems.append(f"outputs.pb bytes differ:\n--- flytekit\n{lo}--- ours\n{lu}")
        elif uris_o and _normalized(files_o["outputs.pb"], wo) != _normalized(files_u["outputs.pb"], wu):
            problems.append(f"outputs.pb differs (normalized):\n--- flytekit\n{lo}--- ours\n{lu}")
        if len(uris_o) != len(uris_u):
            problems.append(f"blob count: flytekit={uris_o} ours={uris_u}")
        for uo, uu in zip(uris_o, uris_u):
            if not _same_blob(_blob_content(uo), _blob_content(uu)):
                problems.append(f"blob contents differ: flytekit={uo} ours={uu}")
    if "error.pb" in files_o and "error.pb" in files_u:
        do, du = oracle.parse_error_document(files_o["error.pb"]), oracle.parse_error_document(files_u["error.pb"])
        problems += oracle.compare_error_documents(do, du, compare_traces=False)
    return problems


def _rewrite(source: str) -> str:
    """``from flytekit(.x.y) import A`` → ``from flyte_entrypoint import A``; ``import flytekit`` likewise."""
    source = re.sub(r"^from flytekit(\.[\w.]+)? import", "from flyte_entrypoint import", source, flags=re.M)
    return re.sub(r"^import flytekit$", "import flyte_entrypoint as flytekit", source, flags=re.M)


def _replay(recording: dict[str, Any], tmp_path: Path, mode: str) -> dict[str, list[str]]:
    root: Path = recording["root"]
    cwd = MODULES
    if mode == "rewritten":
        cwd = tmp_path / "rewritten"
        cwd.mkdir()
        for path in MODULES.glob("*.py"):
            (cwd / path.name).write_text(_rewrite(path.read_text()))
    jobs = []
    for i, run in enumerate(recording["runs"]):
        module = run["task"].removeprefix("map:").split(".")[0]
        if mode == "rewritten" and module in NOT_REWRITTEN:
            continue
        fast = mode == "fast"
        if fast and run["task"] not in FAST_TASKS:
            continue
        key = f"{i}:{run['task']}" + (":fast" if fast else "")
        theirs = root / "runs" / f"{i}{'-fast' if fast else ''}" / "flytekit"
        jobs.append((key, run, theirs, tmp_path / "runs" / str(i) / "ours", fast, cwd))
    problems: dict[str, list[str]] = {}
    # the image id flytekit computes for the module's ImageSpec, as registration puts it on the pod
    extra_env = {"_F_IMG_ID": recording["image_ids"]["fk_basics.image"]}

    def one(job: tuple[Any, ...]) -> tuple[str, list[str]]:
        key, run, theirs, mine, fast, run_cwd = job
        flytekit = _run(oracle.ORACLE, run, theirs, MODULES, fast, extra_env)
        ours = _run(oracle.OURS, run, mine, run_cwd, fast, extra_env)
        found = compare(flytekit, ours)
        if found:
            err = Path(ours["work"]) / "out" / "error.pb"
            if err.is_file():
                found.append(f"error.pb (ours):\n{oracle.parse_error_document(err.read_bytes()).error.message[-1500:]}")
            found.append(f"stderr (ours):\n{ours['stderr'][-1500:]}")
        return key, found

    with ThreadPoolExecutor(max_workers=2) as pool:
        for key, found in pool.map(one, jobs):
            if found:
                problems[key] = found
    assert jobs, "nothing was replayed"
    return problems


def test_recording_covers_the_cases(recording: dict[str, Any]) -> None:
    tasks = {r["task"] for r in recording["runs"]}
    assert {"fk_basics.add", "fk_basics.read_file", "fk_pickled.score", "map:fk_basics.square", "t_count",
            "t_fail", "fk_basics.failing", "fk_basics.in_image", "fk_pickled.untyped",
            "map:fk_basics.scale.bound", "fk_frames.frame", "fk_frames.total", "fk_custom.make_bundle",
            "fk_custom.read_bundle", "fk_custom.extend_bundle", "fk_custom.bad_bundle", "fk_custom.calibrate",
            "map:fk_custom.shift.bound"} <= tasks
    assert any(r["args"][0] == "pyflyte-map-execute" for r in recording["runs"])
    resolvers = {r["args"][r["args"].index("--resolver") + 1] for r in recording["runs"]}
    assert resolvers == {
        "flytekit.core.python_auto_container.default_task_resolver",
        "flytekit.core.array_node_map_task.ArrayNodeMapTaskResolver",
    }


@pytest.mark.parametrize("mode", ["unchanged", "rewritten", "fast"])
def test_replay_matches_flytekit(recording: dict[str, Any], tmp_path: Path, mode: str) -> None:
    problems = _replay(recording, tmp_path, mode)
    assert not problems, "\n\n".join(f"{k}:\n" + "\n".join(v) for k, v in problems.items())
