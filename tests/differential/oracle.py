"""Differential-test harness: run flytekit's ``pyflyte-execute`` (the oracle) and ours on the same inputs and
compare what each leaves under its output prefix.

Runs in the dev venv (never imports flytekit). Load it by path, it is not a package module::

    spec = importlib.util.spec_from_file_location("flyte_diff_oracle", Path(__file__).parent / "oracle.py")

Pieces:

* :func:`require_oracle` - fail loudly (pointing at ``scripts/setup-venvs.sh``) when the oracle venv is missing.
* :func:`build_inputs` - write many ``inputs.pb`` files in ONE oracle-venv subprocess (flytekit's TypeEngine).
* :func:`run_execute` / :func:`run_many` - run one side, or many runs concurrently on a thread pool.
* :func:`compare` - the differential comparator; returns a list of human-readable differences (empty = same).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flyteidl.core import errors_pb2, literals_pb2
from google.protobuf.message import Message

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

ORACLE_PYTHON = REPO / ".oracle-venv" / "bin" / "python"
ORACLE_EXECUTE = REPO / ".oracle-venv" / "bin" / "pyflyte-execute"
OURS_EXECUTE = REPO / ".venv" / "bin" / "pyflyte-execute"
ORACLE_RESOLVER = "flytekit.core.python_auto_container.default_task_resolver"
OURS_RESOLVER = "flyte_entrypoint.default_task_resolver"
INPUTS_SCRIPT = HERE / "oracle_inputs.py"
SETUP_HINT = "run scripts/setup-venvs.sh from the repo root"

ORACLE = "flytekit"
OURS = "ours"

# Env prefixes stripped from the ambient environment, so a developer's shell cannot change a run.
_SCRUBBED_PREFIXES = ("FLYTE", "_F_", "BATCH_JOB_", "PYTHON", "VIRTUAL_ENV", "_FSEC_")

# What a Flyte backend typically sets on a task pod (flyteplugins' k8s env); used unless a case opts out.
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

MESSAGE_MARK = "\nMessage:\n\n"
TRACE_START = "Trace:\n\n"
DIST_ERROR_FILE = re.compile(r"^error-[0-9a-f]{32}\.pb$")
TIMESTAMP_SLACK_S = 3.0


class OracleMissing(RuntimeError):
    """The oracle venv (flytekit 1.16.31) is not there or is broken."""


def require_oracle() -> None:
    """Raise :class:`OracleMissing` with a fix-it hint unless the oracle venv is usable."""
    for path in (ORACLE_PYTHON, ORACLE_EXECUTE):
        if not path.exists():
            raise OracleMissing(f"oracle venv incomplete: {path} does not exist; {SETUP_HINT}")


def ours_missing_reason() -> str | None:
    """Why our side cannot run at all, or None."""
    if not OURS_EXECUTE.exists():
        return f"our pyflyte-execute is not installed at {OURS_EXECUTE}; {SETUP_HINT}"
    return None


# --------------------------------------------------------------------------------------------------------------
# inputs


InputSpec = Mapping[str, Sequence[str]]  # name -> (python type expression, python value expression)


def build_inputs(jobs: Mapping[Path | str, InputSpec], timeout: float = 120.0) -> None:
    """Write one ``inputs.pb`` (a flytekit-encoded LiteralMap) per ``path -> spec`` item, in one subprocess."""
    if not jobs:
        return
    require_oracle()
    payload = {
        "jobs": [
            {"path": str(path), "inputs": {k: list(v) for k, v in spec.items()}}
            for path, spec in jobs.items()
        ]
    }
    proc = subprocess.run(
        [str(ORACLE_PYTHON), str(INPUTS_SCRIPT)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=HERE,
        env=_clean_env({}),
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"oracle_inputs.py failed (exit {proc.returncode}):\n{proc.stderr}")


# --------------------------------------------------------------------------------------------------------------
# running


@dataclass(frozen=True)
class Invocation:
    """One ``pyflyte-execute`` call, side-independent."""

    task: str
    inputs: str  # path or URI of inputs.pb
    env: Mapping[str, str] = field(default_factory=dict)
    module: str = "wf"
    backend_env: bool = True  # start from BACKEND_ENV (else: no Flyte vars at all besides ``env``)
    cwd: Path = HERE
    timeout: float = 120.0


@dataclass(frozen=True)
class RunResult:
    side: str
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    output_prefix: Path
    raw_prefix: Path
    files: Mapping[str, bytes]  # relative path under output_prefix -> content
    raw_files: tuple[str, ...]  # relative paths under raw_prefix
    started: float
    finished: float
    cached: bool = False  # replayed from the oracle cache (see run_execute)

    @property
    def file_names(self) -> frozenset[str]:
        return frozenset(self.files)

    def error_files(self) -> dict[str, errors_pb2.ErrorDocument]:
        return {
            name: parse_error_document(data)
            for name, data in self.files.items()
            if name == "error.pb" or DIST_ERROR_FILE.match(name)
        }

    def error_document(self) -> errors_pb2.ErrorDocument | None:
        """The single error document, or None. Raises if there are several."""
        docs = self.error_files()
        if len(docs) > 1:
            raise AssertionError(f"{self.side}: more than one error document: {sorted(docs)}")
        return next(iter(docs.values()), None)

    def outputs(self) -> literals_pb2.LiteralMap | None:
        data = self.files.get("outputs.pb")
        return None if data is None else parse_literal_map(data)

    def describe(self) -> str:
        tail = "\n".join(self.stderr.strip().splitlines()[-25:])
        lines = [
            f"[{self.side}{' (cached)' if self.cached else ''}] exit={self.returncode} files={sorted(self.files)}",
            f"  argv: {' '.join(self.argv)}",
        ]
        try:
            doc = self.error_document()
        except Exception as exc:
            lines.append(f"  error document unreadable: {exc!r}")
            doc = None
        if doc is not None:
            s = error_summary(doc)
            lines.append(
                f"  error: code={s['code']!r} kind={s['kind']} origin={s['origin']} worker={s['worker']!r}"
            )
            lines.append(f"  message:\n{_indent(doc.error.message[-1500:], '    | ')}")
        lines.append(f"  stderr (tail):\n{_indent(tail, '    ')}")
        return "\n".join(lines)


def command_for(side: str, inv: Invocation, output_prefix: str, raw_prefix: str) -> list[str]:
    if side == ORACLE:
        exe, resolver = ORACLE_EXECUTE, ORACLE_RESOLVER
    elif side == OURS:
        exe, resolver = OURS_EXECUTE, OURS_RESOLVER
    else:
        raise ValueError(side)
    return [
        str(exe),
        "--inputs",
        inv.inputs,
        "--output-prefix",
        output_prefix,
        "--raw-output-data-prefix",
        raw_prefix,
        "--resolver",
        resolver,
        "--",
        "task-module",
        inv.module,
        "task-name",
        inv.task,
    ]


def run_execute(side: str, inv: Invocation, work_dir: Path) -> RunResult:
    """Run one side with outputs under ``work_dir/out`` and raw data under ``work_dir/raw``.

    flytekit runs are replayed from :data:`ORACLE_CACHE_DIR` when an identical run (same flytekit, argv, Flyte env,
    inputs.pb bytes and task-module source) was recorded before; set ``FLYTE_DIFF_ORACLE_CACHE=0`` to always run.
    """
    key = oracle_cache_key(inv) if side == ORACLE and _cache_enabled() else None
    if key is not None:
        hit = _cache_load(key)
        if hit is not None:
            return hit
    result = _run_execute(side, inv, work_dir)
    if key is not None and result.returncode >= 0:
        _cache_store(key, result)
    return result


def _run_execute(side: str, inv: Invocation, work_dir: Path) -> RunResult:
    out = work_dir / "out"
    raw = work_dir / "raw"
    work_dir.mkdir(parents=True, exist_ok=True)
    argv = command_for(side, inv, str(out), str(raw))
    env = _clean_env({**(BACKEND_ENV if inv.backend_env else {}), **inv.env}, home=work_dir / "home")
    tmp = work_dir / "tmp"  # both entrypoints leave sandbox dirs behind; keep them inside work_dir
    tmp.mkdir(exist_ok=True)
    env["TMPDIR"] = str(tmp)
    started = time.time()
    try:
        proc = subprocess.run(
            argv, cwd=inv.cwd, env=env, capture_output=True, text=True, timeout=inv.timeout, check=False
        )
        code, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
    except FileNotFoundError as exc:  # our side not installed yet
        code, stdout, stderr = 127, "", f"cannot start {argv[0]}: {exc}"
    except subprocess.TimeoutExpired as exc:
        code = -9
        stdout = _text(exc.stdout)
        stderr = _text(exc.stderr) + f"\n<timed out after {inv.timeout}s>"
    finished = time.time()
    return RunResult(
        side=side,
        argv=tuple(argv),
        returncode=code,
        stdout=stdout,
        stderr=stderr,
        output_prefix=out,
        raw_prefix=raw,
        files=_read_tree(out),
        raw_files=tuple(sorted(_read_tree(raw))),
        started=started,
        finished=finished,
    )


def run_many(
    jobs: Iterable[tuple[Any, str, Invocation, Path]], max_workers: int | None = None
) -> dict[Any, RunResult]:
    """Run ``(key, side, invocation, work_dir)`` jobs concurrently; returns ``{key: result}``."""
    jobs = list(jobs)
    if max_workers is None:
        max_workers = max(2, min(6, (os.cpu_count() or 2) * 2))
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        futures = {key: pool.submit(run_execute, side, inv, wd) for key, side, inv, wd in jobs}
        return {key: fut.result() for key, fut in futures.items()}


# --------------------------------------------------------------------------------------------------------------
# oracle cache: flytekit's behaviour is a pure function of the key below, and each run costs ~1 s of CPU

ORACLE_CACHE_DIR = REPO / ".oracle-venv" / ".diff-cache"  # dies with the oracle venv
_CACHE_FORMAT = 1


def _cache_enabled() -> bool:
    return os.environ.get("FLYTE_DIFF_ORACLE_CACHE", "1") not in ("0", "false", "no", "")


def oracle_version() -> str:
    dists = sorted(
        p.name
        for pattern in ("flytekit-*.dist-info", "flyteidl-*.dist-info")
        for p in (REPO / ".oracle-venv").glob(f"lib/python*/site-packages/{pattern}")
    )
    return ",".join(dists)


def oracle_cache_key(inv: Invocation) -> str | None:
    """Digest of everything an oracle run depends on, or None when it cannot be cached."""
    inputs = Path(inv.inputs)
    if "://" in inv.inputs:
        return None
    module_file = inv.cwd / f"{inv.module}.py"
    material = {
        "format": _CACHE_FORMAT,
        "oracle": oracle_version(),
        "argv": command_for(ORACLE, dataclasses.replace(inv, inputs="<inputs>"), "<out>", "<raw>"),
        "env": {**(BACKEND_ENV if inv.backend_env else {}), **inv.env},
        "inputs": _canonical_digest(inputs) if inputs.is_file() else f"absent:{inv.inputs}",
        "module": hashlib.sha256(module_file.read_bytes()).hexdigest() if module_file.is_file() else None,
        "cwd": str(inv.cwd),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def _canonical_digest(path: Path) -> str:
    """sha256 of the inputs with map entries sorted (flytekit writes them in run-dependent order)."""
    data = path.read_bytes()
    try:
        data = parse_literal_map(data).SerializeToString(deterministic=True)
    except Exception:
        pass  # not a LiteralMap: the raw bytes are the identity
    return hashlib.sha256(data).hexdigest()


def _cache_load(key: str) -> RunResult | None:
    path = ORACLE_CACHE_DIR / f"{key}.json"
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    raw["argv"] = tuple(raw["argv"])
    raw["output_prefix"], raw["raw_prefix"] = Path(raw["output_prefix"]), Path(raw["raw_prefix"])
    raw["files"] = {k: base64.b64decode(v) for k, v in raw["files"].items()}
    raw["raw_files"] = tuple(raw["raw_files"])
    raw["cached"] = True
    return RunResult(**raw)


def _cache_store(key: str, result: RunResult) -> None:
    data = dataclasses.asdict(result)
    data.update(
        argv=list(result.argv),
        output_prefix=str(result.output_prefix),
        raw_prefix=str(result.raw_prefix),
        files={k: base64.b64encode(v).decode() for k, v in result.files.items()},
        raw_files=list(result.raw_files),
        cached=False,
    )
    try:
        ORACLE_CACHE_DIR.mkdir(parents=True, exist_ok=True)
        tmp = ORACLE_CACHE_DIR / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp"
        tmp.write_text(json.dumps(data))
        os.replace(tmp, ORACLE_CACHE_DIR / f"{key}.json")
    except OSError:
        pass  # a cache is an optimisation only


def _clean_env(extra: Mapping[str, str], home: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
    if home is not None:  # no stray ~/.flyte/config on either side
        home.mkdir(parents=True, exist_ok=True)
        env["HOME"] = str(home)
    env.update(extra)
    return env


def _read_tree(root: Path) -> dict[str, bytes]:
    if not root.is_dir():
        return {}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _text(value: str | bytes | None) -> str:
    if value is None:
        return ""
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())


# --------------------------------------------------------------------------------------------------------------
# parsing


def parse_literal_map(data: bytes) -> literals_pb2.LiteralMap:
    msg = literals_pb2.LiteralMap()
    msg.ParseFromString(data)
    return msg


def parse_error_document(data: bytes) -> errors_pb2.ErrorDocument:
    msg = errors_pb2.ErrorDocument()
    msg.ParseFromString(data)
    return msg


def split_error_message(message: str) -> tuple[str, str]:
    """``"Trace:\\n\\n" + T + "\\nMessage:\\n\\n" + M`` -> ``(T, M)`` (both still indented). Raises if malformed."""
    if not message.startswith(TRACE_START):
        raise ValueError(f"message does not start with {TRACE_START!r}: {message[:80]!r}")
    head, sep, tail = message.rpartition(MESSAGE_MARK)
    if not sep:
        raise ValueError(f"message has no {MESSAGE_MARK!r} section: {message[-200:]!r}")
    return head[len(TRACE_START) :], tail


_FRAME = re.compile(r'^ {6}File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<func>.+)$')


def user_frames(trace: str, file_suffix: str = "/wf.py") -> list[tuple[str, str, str]]:
    """``(line, function, source)`` of every trace frame in the task module, in order."""
    lines = trace.splitlines()
    frames = []
    for i, line in enumerate(lines):
        m = _FRAME.match(line)
        if m and m.group("file").endswith(file_suffix):
            source = lines[i + 1].strip() if i + 1 < len(lines) else ""
            frames.append((m.group("line"), m.group("func"), source))
    return frames


def chain_markers(trace: str) -> list[str]:
    """The chaining separators of a formatted exception chain ("The above exception was ...")."""
    return [
        line.strip()
        for line in trace.splitlines()
        if line.strip().startswith(("The above", "During handling"))
    ]


def error_summary(doc: errors_pb2.ErrorDocument) -> dict[str, Any]:
    err = doc.error
    try:
        _, message_section = split_error_message(err.message)
    except ValueError:
        message_section = None
    return {
        "code": err.code,
        "kind": errors_pb2.ContainerError.Kind.Name(err.kind),
        "origin": _origin_name(err.origin),
        "worker": err.worker,
        "message_section": message_section,
        "timestamp": err.timestamp.seconds + err.timestamp.nanos / 1e9,
    }


def _origin_name(value: int) -> str:
    from flyteidl.core import execution_pb2

    return execution_pb2.ExecutionError.ErrorKind.Name(value)


def normalized_names(names: Iterable[str]) -> frozenset[str]:
    """File names with the random part of distributed error-file names replaced by ``<hex32>``."""
    return frozenset("error-<hex32>.pb" if DIST_ERROR_FILE.match(n) else n for n in names)


# --------------------------------------------------------------------------------------------------------------
# comparing


def check_error_document(
    result: RunResult, doc: errors_pb2.ErrorDocument, slack: float = TIMESTAMP_SLACK_S
) -> list[str]:
    """Side-local well-formedness of an error document: layout and timestamp."""
    problems = []
    msg = doc.error.message
    try:
        split_error_message(msg)
    except ValueError as exc:
        problems.append(f"{result.side}: malformed message: {exc}")
    ts = doc.error.timestamp.seconds + doc.error.timestamp.nanos / 1e9
    if not (result.started - slack <= ts <= result.finished + slack):
        problems.append(
            f"{result.side}: timestamp {ts:.3f} outside the run window "
            f"[{result.started:.3f}, {result.finished:.3f}] (+/-{slack}s)"
        )
    return problems


def compare(oracle: RunResult, ours: RunResult, *, compare_traces: bool = True) -> list[str]:
    """Every observable difference between two runs of the same invocation; empty means equivalent.

    Checked: exit code; the set of files under the output prefix (random part of ``error-<hex32>.pb`` names
    normalized); ``outputs.pb`` parsed-equal and byte-equal; every other ``.pb`` parsed-equal; for error documents
    code, kind, origin, worker, the ``Message:`` section, the ``Trace:`` layout, a timestamp inside the run window,
    and, for USER-origin errors (``compare_traces``), the task-module frames of the trace and its chaining markers;
    the number of raw files. ``outputs.pb`` bytes are compared only when unique (see :func:`has_multi_entry_map`).
    """
    problems: list[str] = []
    if oracle.returncode != ours.returncode:
        problems.append(f"exit code: flytekit={oracle.returncode} ours={ours.returncode}")
    names_o, names_u = normalized_names(oracle.files), normalized_names(ours.files)
    if names_o != names_u:
        problems.append(f"output files: flytekit={sorted(names_o)} ours={sorted(names_u)}")

    if "outputs.pb" in oracle.files and "outputs.pb" in ours.files:
        problems += _compare_outputs(oracle.files["outputs.pb"], ours.files["outputs.pb"])

    for name in sorted((names_o & names_u) - {"outputs.pb", "error.pb", "error-<hex32>.pb"}):
        if name.endswith(".pb"):
            problems += _compare_literal_file(name, oracle.files[name], ours.files[name])

    doc_o, doc_u = _single_doc(oracle, problems), _single_doc(ours, problems)
    if doc_u is not None:
        problems += check_error_document(ours, doc_u)
    if doc_o is not None and doc_u is not None:
        problems += compare_error_documents(doc_o, doc_u, compare_traces=compare_traces)

    if len(oracle.raw_files) != len(ours.raw_files):
        problems.append(f"raw files: flytekit={list(oracle.raw_files)} ours={list(ours.raw_files)}")
    return problems


def compare_error_documents(
    doc_o: errors_pb2.ErrorDocument, doc_u: errors_pb2.ErrorDocument, *, compare_traces: bool = True
) -> list[str]:
    problems = []
    so, su = error_summary(doc_o), error_summary(doc_u)
    for key in ("code", "kind", "origin", "worker", "message_section"):
        if so[key] != su[key]:
            problems.append(f"error {key}: flytekit={so[key]!r} ours={su[key]!r}")
    # A user error's trace is the user exception's own chain, so it is fixed by the task code; a system error's
    # trace shows entrypoint internals, which legitimately differ.
    if compare_traces and so["origin"] == "USER":
        try:
            trace_o, _ = split_error_message(doc_o.error.message)
            trace_u, _ = split_error_message(doc_u.error.message)
        except ValueError:
            return problems  # already reported
        if user_frames(trace_o) != user_frames(trace_u):
            problems.append(
                f"task-module trace frames: flytekit={user_frames(trace_o)} ours={user_frames(trace_u)}"
            )
        if chain_markers(trace_o) != chain_markers(trace_u):
            problems.append(
                f"trace chaining: flytekit={chain_markers(trace_o)} ours={chain_markers(trace_u)}"
            )
    return problems


def _single_doc(result: RunResult, problems: list[str]) -> errors_pb2.ErrorDocument | None:
    try:
        return result.error_document()
    except AssertionError as exc:
        problems.append(str(exc))
        return None
    except Exception as exc:  # unparsable
        problems.append(f"{result.side}: error document does not parse: {exc!r}")
        return None


def _compare_outputs(data_o: bytes, data_u: bytes) -> list[str]:
    try:
        lm_u = parse_literal_map(data_u)
    except Exception as exc:
        return [f"ours: outputs.pb does not parse as LiteralMap: {exc!r}"]
    lm_o = parse_literal_map(data_o)
    problems = []
    if lm_o != lm_u:
        problems.append(f"outputs.pb differs:\n--- flytekit\n{lm_o}--- ours\n{lm_u}")
    elif data_o != data_u and not has_multi_entry_map(lm_o):
        problems.append(
            f"outputs.pb parses equal but bytes differ: flytekit={data_o.hex()} ours={data_u.hex()}"
        )
    return problems


def _is_repeated(fd: Any) -> bool:
    is_repeated = getattr(fd, "is_repeated", None)  # protobuf >= 6; older ones only have .label
    return bool(is_repeated) if is_repeated is not None else fd.label == fd.LABEL_REPEATED


def has_multi_entry_map(msg: Message) -> bool:
    """True if any protobuf map field inside ``msg`` has 2+ entries.

    Only then are the serialized bytes not unique: flytekit itself writes such maps in run-dependent order (observed:
    a two-output NamedTuple and a 3-key dict output each gave two different byte strings over four runs), so
    byte-equality is demanded only for messages without such maps.
    """
    for fd, value in msg.ListFields():
        if fd.message_type is None:
            continue
        if fd.message_type.GetOptions().map_entry:
            if len(value) > 1:
                return True
            values = value.values() if fd.message_type.fields_by_name["value"].message_type else ()
            if any(has_multi_entry_map(v) for v in values):
                return True
        elif _is_repeated(fd):
            if any(has_multi_entry_map(v) for v in value):
                return True
        elif has_multi_entry_map(value):
            return True
    return False


def _compare_literal_file(name: str, data_o: bytes, data_u: bytes) -> list[str]:
    a, b = literals_pb2.Literal(), literals_pb2.Literal()
    try:
        a.ParseFromString(data_o)
        b.ParseFromString(data_u)
    except Exception as exc:
        return [f"{name}: does not parse as Literal: {exc!r}"]
    return [] if a == b else [f"{name} differs:\n--- flytekit\n{a}--- ours\n{b}"]


# --------------------------------------------------------------------------------------------------------------
# expectations (what one side must do, independent of the other)


def indent_message(text: str) -> str:
    """flytekit's error-message indent: 4 spaces before every line that is not whitespace-only."""
    return "".join(line if not line.strip() else "    " + line for line in text.splitlines(keepends=True))


@dataclass(frozen=True)
class Expect:
    """Observable behaviour of one run. ``None`` fields are not checked.

    ``code`` may be a tuple of acceptable codes. ``message`` is the *unindented* ``Message:`` section, either a
    string (exact) or a compiled regex (full match). ``outputs`` maps output names to text-format ``Literal``s,
    compared parsed (so map-entry order does not matter).
    """

    exit: int
    files: frozenset[str]
    code: str | tuple[str, ...] | None = None
    kind: str | None = None
    origin: str | None = None
    worker: str | None = ""
    message: str | re.Pattern[str] | None = None
    outputs: Mapping[str, str] | None = None
    stderr_contains: str | None = None


def check_expected(result: RunResult, expect: Expect) -> list[str]:
    problems: list[str] = []
    side = result.side
    if result.returncode != expect.exit:
        problems.append(f"{side}: exit {result.returncode}, expected {expect.exit}")
    names = normalized_names(result.files)
    if names != expect.files:
        problems.append(f"{side}: files {sorted(names)}, expected {sorted(expect.files)}")
    if expect.stderr_contains is not None and _squash(expect.stderr_contains) not in _squash(result.stderr):
        problems.append(f"{side}: stderr lacks {expect.stderr_contains!r}")
    if expect.outputs is not None and "outputs.pb" in result.files:
        problems += _check_outputs(result, expect.outputs)
    doc = _single_doc(result, problems)
    if doc is None:
        return problems
    problems += check_error_document(result, doc)
    s = error_summary(doc)
    codes = expect.code if isinstance(expect.code, tuple) else (expect.code,)
    if expect.code is not None and s["code"] not in codes:
        problems.append(f"{side}: error code {s['code']!r}, expected one of {codes!r}")
    for key in ("kind", "origin", "worker"):
        want = getattr(expect, key)
        if want is not None and s[key] != want:
            problems.append(f"{side}: error {key} {s[key]!r}, expected {want!r}")
    if expect.message is not None and s["message_section"] is not None:
        got = s["message_section"]
        if isinstance(expect.message, re.Pattern):
            if not any(expect.message.fullmatch(m) for m in (got, _dedent4(got))):
                problems.append(f"{side}: message {got!r} does not match {expect.message.pattern!r}")
        elif got != indent_message(expect.message):
            problems.append(f"{side}: message {got!r}, expected {indent_message(expect.message)!r}")
    return problems


def _squash(text: str) -> str:
    """Whitespace-insensitive form (rich wraps flytekit's tracebacks at the terminal width)."""
    return " ".join(text.split())


def _dedent4(text: str) -> str:
    return "\n".join(line[4:] if line.startswith("    ") else line for line in text.split("\n"))


def _check_outputs(result: RunResult, expected: Mapping[str, str]) -> list[str]:
    from google.protobuf import text_format

    try:
        got = result.outputs()
    except Exception as exc:
        return [f"{result.side}: outputs.pb does not parse: {exc!r}"]
    assert got is not None
    want = literals_pb2.LiteralMap()
    for name, text in expected.items():
        text_format.Parse(text, want.literals[name])
    if got != want:
        return [f"{result.side}: outputs\n{got}differ from the expected\n{want}"]
    return []


# --------------------------------------------------------------------------------------------------------------
# describing a run (used to write OBSERVED.md)


def observation(result: RunResult) -> dict[str, Any]:
    """Compact, stable facts about one run."""
    obs: dict[str, Any] = {"exit": result.returncode, "files": sorted(normalized_names(result.files))}
    doc = result.error_document()
    if doc is not None:
        s = error_summary(doc)
        obs.update(
            code=s["code"],
            kind=s["kind"],
            origin=s["origin"],
            worker=s["worker"],
            message=s["message_section"],
        )
    outputs = result.outputs()
    if outputs is not None:
        obs["outputs"] = {k: _short_literal(v) for k, v in sorted(outputs.literals.items())}
    return obs


def _short_literal(lit: literals_pb2.Literal) -> str:
    from google.protobuf import text_format

    return text_format.MessageToString(
        lit, as_one_line=True
    )  # python's printer sorts map keys; str() does not


if __name__ == "__main__":  # pragma: no cover - manual poking: python oracle.py TASK a=int:1 ...
    task_name, *pairs = sys.argv[1:]
    spec = {}
    for pair in pairs:
        name, _, rest = pair.partition("=")
        type_expr, _, value_expr = rest.partition(":")
        spec[name] = (type_expr, value_expr)
    base = Path(os.environ.get("TMPDIR", "/tmp")) / f"flyte-diff-{os.getpid()}"
    build_inputs({base / "inputs.pb": spec})
    res = run_many(
        [(side, side, Invocation(task_name, str(base / "inputs.pb")), base / side) for side in (ORACLE, OURS)]
    )
    for side, r in res.items():
        print(side, json.dumps(observation(r), indent=2) if r.returncode != 127 else r.stderr)
    print("\n".join(compare(res[ORACLE], res[OURS])) or "no differences")
