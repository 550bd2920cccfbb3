"""Differential tests for map tasks: flytekit 1.16.31's ``pyflyte-map-execute`` (the oracle) against ours.

Each case runs both entrypoints on the same ``inputs.pb`` with cwd = this directory and sub-tasks from
``wf_map.py``, with the container command flytekit serializes for a map task::

    pyflyte-map-execute --inputs <in> --output-prefix <out> --raw-output-data-prefix <raw> [extra args]
        --resolver <map resolver> -- vars <bound names> resolver <task resolver> task-module wf_map task-name <t>

(flytekit: ``flytekit.core.array_node_map_task.ArrayNodeMapTaskResolver`` and
``flytekit.core.python_auto_container.default_task_resolver``; ours: ``flyte_entrypoint.ArrayNodeMapTaskResolver``
and ``flyte_entrypoint.default_task_resolver``). ``inputs.pb`` is the *whole* map-task input map (PROTOCOL 5.2):
mapped inputs are collections, bound inputs (``vars``) are scalars. The element index comes from the env the
ArrayNode sets (``BATCH_JOB_ARRAY_INDEX_VAR_NAME=FLYTE_K8S_ARRAY_INDEX``, ``FLYTE_K8S_ARRAY_INDEX=<i>``), plus
``BATCH_JOB_ARRAY_INDEX_OFFSET`` where a case says so.

Two tests per case, as in ``test_execute_oracle.py``:

* ``test_flytekit_observed``: the oracle still does what ``Case.expect`` records (the evidence for the report).
* ``test_ours_matches_flytekit``: ``oracle.compare`` (exit code, files, outputs.pb parsed-equal and byte-equal,
  error code/kind/origin/worker/``Message:`` section) plus, for USER errors, the ``wf_map.py`` frames of the trace.
  ``Case.message`` relaxes the ``Message:`` comparison where ours deliberately words a SYSTEM error better
  (``"first_line"``: same first line; ``"none"``: classification only). Cases with a deliberate behaviour
  difference (PROTOCOL 13: Q10, Q27 ...) set ``Case.ours``: flytekit must still show the quirk, ours the fix.

Deliberate differences, in short:

=====================  =========================================================  ===============================
case                   flytekit 1.16.31                                           ours
=====================  =========================================================  ===============================
``var_missing``        named index var unset: ``int(None)`` crash, exit 1, no doc  SYSTEM NON_RECOVERABLE error doc
``index_not_int``      ``int("abc")`` crash in the entrypoint, exit 1, no doc      SYSTEM NON_RECOVERABLE error doc
``negative_index``     OFFSET=-1, index 0 -> index -1 runs the LAST element (Q27)  SYSTEM NON_RECOVERABLE error doc
``offset_empty``       OFFSET="" -> ``int("")`` -> SYSTEM error doc                 empty offset is 0: the run succeeds
``extra_input``        inputs the map task does not declare are ignored            SYSTEM error doc (as in execute)
``legacy_resolver``    legacy MapTaskResolver: outputs under ``<prefix>/<i>/``      USER load-failure error doc
``named_tuple``        single-field NamedTuple output: SYSTEM error (no unwrap)   ``{total: 3.5}``
=====================  =========================================================  ===============================

Run ``.venv/bin/python tests/differential/test_map_oracle.py`` to print flytekit's observations as a table.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flyteidl.core import literals_pb2


def _load_oracle() -> Any:
    name = "flyte_diff_oracle"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("oracle.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


oracle = _load_oracle()
Expect = oracle.Expect

HERE = Path(__file__).resolve().parent
MODULE = "wf_map"
ORACLE_MAP_EXECUTE = oracle.REPO / ".oracle-venv" / "bin" / "pyflyte-map-execute"
OURS_MAP_EXECUTE = oracle.REPO / ".venv" / "bin" / "pyflyte-map-execute"
RESOLVERS = {
    oracle.ORACLE: ("flytekit.core.array_node_map_task.ArrayNodeMapTaskResolver", oracle.ORACLE_RESOLVER),
    oracle.OURS: ("flyte_entrypoint.ArrayNodeMapTaskResolver", oracle.OURS_RESOLVER),
}
LEGACY_RESOLVER = "flytekit.core.legacy_map_task.MapTaskResolver"
INDEX_VAR = "FLYTE_K8S_ARRAY_INDEX"
OFFSET = "BATCH_JOB_ARRAY_INDEX_OFFSET"
VAR_NAME = "BATCH_JOB_ARRAY_INDEX_VAR_NAME"

ERR = frozenset({"error.pb"})
DIST_ERR = frozenset({"error-<hex32>.pb"})
OUT = frozenset({"outputs.pb"})
NONE: frozenset[str] = frozenset()

# Inputs: name -> (python type, python value), encoded by flytekit's TypeEngine; or a name from HAND_BUILT.
XY = {"x": ("List[int]", "[1, 2, 3]"), "y": ("List[str]", "['a', 'b', 'c']")}
X_BOUND_Y = {"x": ("List[int]", "[1, 2, 3]"), "y": ("str", "'b'")}
MIXED = "mixed"  # x = [1, "oops", 3] (element 1 has the wrong literal kind), y = [a, b, c]
OFFLOADED = "offloaded"  # XY with x offloaded to its own Literal file
HAND_BUILT = (MIXED, OFFLOADED)


def prim(text: str) -> str:
    return f"scalar {{ primitive {{ {text} }} }}"


def s(value: str) -> str:
    return prim(f'string_value: "{value}"')


def success(**outputs: str) -> Expect:
    return Expect(exit=0, files=OUT, outputs=outputs)


def user_error(message: str, code: str = "USER:RuntimeError", **kw: Any) -> Expect:
    return Expect(
        exit=0,
        files=kw.pop("files", ERR),
        code=code,
        kind=kw.pop("kind", "NON_RECOVERABLE"),
        origin="USER",
        message=message,
        **kw,
    )


def system_error(message: str | re.Pattern[str] | None, kind: str = "NON_RECOVERABLE", **kw: Any) -> Expect:
    return Expect(
        exit=0, files=kw.pop("files", ERR), code="SYSTEM", kind=kind, origin="SYSTEM", message=message, **kw
    )


CRASH = Expect(exit=1, files=NONE)


@dataclass(frozen=True)
class Case:
    id: str
    task: str  # the sub-task's name in wf_map.py (the container command names the sub-task)
    inputs: Mapping[str, tuple[str, str]] | str
    expect: Expect  # what flytekit does (observed)
    index: int | str | None = 1  # value of FLYTE_K8S_ARRAY_INDEX; None: not set (VAR_NAME still points at it)
    var_name: bool = True  # set BATCH_JOB_ARRAY_INDEX_VAR_NAME=FLYTE_K8S_ARRAY_INDEX
    env: Mapping[str, str] = field(default_factory=dict)
    bound: str = ""  # the ``vars`` loader arg: comma-joined bound input names
    extra_args: tuple[str, ...] = ()
    resolver: str | None = None  # the outer --resolver for both sides, instead of each side's own
    message: str = "full"  # how ours' ``Message:`` must match flytekit's: full | first_line | none
    ours: Expect | None = None  # deliberate difference: what ours must do instead of matching flytekit
    why: str = ""

    def __str__(self) -> str:
        return self.id

    def run_env(self) -> dict[str, str]:
        env: dict[str, str] = {}
        if self.var_name:
            env[VAR_NAME] = INDEX_VAR
        if self.index is not None:
            env[INDEX_VAR] = str(self.index)
        env.update(self.env)
        return env


CASES: list[Case] = [
    # ---- element selection: first, middle, last; offset; no array env
    Case("first", "mapped", XY, success(o0=s("a1")), index=0),
    Case("middle", "mapped", XY, success(o0=s("b2")), index=1),
    Case("last", "mapped", XY, success(o0=s("c3")), index=2),
    Case("offset_plus_index", "mapped", XY, success(o0=s("c3")), index=1, env={OFFSET: "1"}),
    Case("offset_zero", "mapped", XY, success(o0=s("b2")), index=1, env={OFFSET: "0"}),
    Case("offset_only", "mapped", XY, success(o0=s("c3")), index=None, var_name=False, env={OFFSET: "2"}),
    Case("no_array_env", "mapped", XY, success(o0=s("a1")), index=None, var_name=False),
    Case("max_concurrency", "mapped", XY, success(o0=s("b2")), extra_args=("--max-concurrency", "2")),
    # ---- bound inputs (functools.partial): a scalar passed unchanged to every element
    Case("partial_first", "mapped", X_BOUND_Y, success(o0=s("b1")), index=0, bound="y"),
    Case("partial_last", "mapped", X_BOUND_Y, success(o0=s("b3")), index=2, bound="y"),
    Case(
        "partial_bound_given_as_list",
        "mapped",
        XY,
        system_error(re.compile(r"TypeTransformerFailedError: Error converting input 'y':\n.*", re.S)),
        bound="y",
        message="first_line",
    ),
    Case(
        "partial_bound_missing",
        "mapped",
        {"x": XY["x"]},
        system_error("KeyError: 'y'"),
        bound="y",
        message="none",
        why="ours names the missing input in a sentence",
    ),
    # ---- other sub-task shapes
    Case("void", "void_element", {"x": XY["x"]}, success()),
    Case(
        "named_tuple",
        "named_total",
        {"xs": ("List[List[float]]", "[[1.0, 2.5], [0.5]]")},
        system_error(
            re.compile(
                r"TypeError: Output\(total\) in task 'wf_map\.map_named_total_[0-9a-f]{32}-arraynode' "
                r"received a tuple Stats\(total=3\.5\), instead of <class 'float'>"
            )
        ),
        index=0,
        ours=success(total=prim("float_value: 3.5")),
        why="flytekit's map task loses the sub-task's NamedTuple-ness and does not unwrap the single field, "
        "so every element fails; ours emits the field as pyflyte-execute does for the same task",
    ),
    Case(
        "list_and_dict_elements",
        "per_element",
        {
            "xs": ("List[List[float]]", "[[1.5], [2.0, 3.0]]"),
            "d": ("List[Dict[str, int]]", "[{'a': 1}, {'b': 2, 'c': 3}]"),
        },
        success(o0=prim("float_value: 10.0")),
    ),
    Case(
        "raising_sub_task_ok_element",
        "fails_on_three",
        {"x": ("List[int]", "[1, 3, 5]")},
        success(o0=prim("integer: 10")),
        index=0,
    ),
    # ---- the element whose code raises: a USER error, as for any task
    Case(
        "raising_element",
        "fails_on_three",
        {"x": ("List[int]", "[1, 3, 5]")},
        user_error("ValueError: element 3 is unlucky"),
    ),
    Case(
        "raising_element_dist_strategy",
        "fails_on_three",
        {"x": ("List[int]", "[1, 3, 5]")},
        user_error("ValueError: element 3 is unlucky", files=DIST_ERR, worker="worker-3"),
        env={"_F_DES": "1", "_F_WN": "worker-3"},
    ),
    # ---- only the selected element is converted (both select at literal level first)
    Case("mixed_first", "mapped", MIXED, success(o0=s("a1")), index=0),
    Case("mixed_last", "mapped", MIXED, success(o0=s("c3")), index=2),
    Case(
        "mixed_bad_element",
        "mapped",
        MIXED,
        system_error(re.compile(r"TypeTransformerFailedError: Error converting input 'x':\n.*", re.S)),
        index=1,
        message="first_line",
    ),
    Case("offloaded_mapped_input", "mapped", OFFLOADED, success(o0=s("b2"))),
    # ---- malformed input maps / indices: SYSTEM NON_RECOVERABLE on both
    Case(
        "index_past_end",
        "mapped",
        XY,
        system_error("IndexError: list index out of range"),
        index=3,
        message="none",
        why="ours says which input and how many elements",
    ),
    Case(
        "mapped_input_not_a_list",
        "mapped",
        {"x": ("int", "1"), "y": XY["y"]},
        system_error("ValueError: Expected a list of literals for x"),
    ),
    Case(
        "mapped_input_missing",
        "mapped",
        {"x": XY["x"]},
        system_error("KeyError: 'y'"),
        message="none",
        why="ours names the missing input in a sentence",
    ),
    # ---- deliberate differences
    Case(
        "var_missing",
        "mapped",
        XY,
        CRASH,
        index=None,
        ours=system_error(
            f"ValueError: {VAR_NAME} names '{INDEX_VAR}', but that variable is not set",
        ),
        why="Q10: flytekit's entrypoint computes int(os.environ.get(<missing>)) eagerly and crashes",
    ),
    Case(
        "index_not_int",
        "mapped",
        XY,
        CRASH,
        index="abc",
        ours=system_error(f"ValueError: {INDEX_VAR} must be an integer, got 'abc'"),
        why="Q10: flytekit's eager int() crashes outside error handling",
    ),
    Case(
        "negative_index",
        "mapped",
        XY,
        success(o0=s("c3")),
        index=0,
        env={OFFSET: "-1"},
        ours=system_error("ValueError: array index must not be negative, got -1"),
        why="Q27: index -1 silently runs the last element in flytekit",
    ),
    Case(
        "offset_empty",
        "mapped",
        XY,
        system_error("ValueError: invalid literal for int() with base 10: ''"),
        index=1,
        env={OFFSET: ""},
        ours=success(o0=s("b2")),
        why="Q10: flytekit's two index functions disagree on ''; ours treats an empty offset as 0",
    ),
    Case(
        "extra_input",
        "mapped",
        {**XY, "z": ("int", "1")},
        success(o0=s("b2")),
        ours=system_error("ValueError: Received more input values 3 than allowed by the input spec 2"),
        why="flytekit's map task reads only its declared names; ours rejects an input map that does not fit "
        "the task, as pyflyte-execute does",
    ),
    Case(
        "legacy_resolver",
        "mapped",
        XY,
        Expect(exit=0, files=frozenset({"2/outputs.pb"})),
        index=2,
        resolver=LEGACY_RESOLVER,
        ours=user_error(
            f"UnsupportedResolverError: {LEGACY_RESOLVER} (flytekit's legacy, pre-ArrayNode map task) is not "
            "supported by flyte-entrypoint: declare the map task with map_task(...), whose container command "
            "runs pyflyte-map-execute with ArrayNodeMapTaskResolver, and register it again"
        ),
        why="PROTOCOL 5.5: the legacy map task is not implemented; ours says so in a USER error document",
    ),
    # ---- --test: nothing loaded, read or written; both exit 0 (the plan is checked in test_dry_run)
    Case(
        "dry_run",
        "mapped",
        XY,
        Expect(exit=0, files=NONE, stderr_contains="Computed task index: 2"),
        index=1,
        env={OFFSET: "1", "FLYTE_SDK_LOGGING_LEVEL": "20"},
        extra_args=("--test", "--max-concurrency", "4"),
        ours=Expect(exit=0, files=NONE),
    ),
]

CASES_BY_ID = {c.id: c for c in CASES}
assert len(CASES_BY_ID) == len(CASES), "duplicate case ids"


# --------------------------------------------------------------------------------------------------------------
# inputs


def _literal_map(data: bytes) -> literals_pb2.LiteralMap:
    return oracle.parse_literal_map(data)


def _write_hand_built(name: str, path: Path, xy_path: Path) -> None:
    """Inputs flytekit's TypeEngine would not write: built from its XY encoding with protobuf."""
    base = _literal_map(xy_path.read_bytes())
    if name == MIXED:
        bad = base.literals["x"].collection.literals[1]
        bad.Clear()
        bad.scalar.primitive.string_value = "oops"
    elif name == OFFLOADED:
        x = base.literals["x"]
        literal_file = path.with_name(path.stem + "-x.literal.pb")
        literal_file.write_bytes(x.SerializeToString())
        offloaded = literals_pb2.Literal()
        offloaded.offloaded_metadata.uri = str(literal_file)
        offloaded.offloaded_metadata.size_bytes = x.ByteSize()
        offloaded.offloaded_metadata.inferred_type.collection_type.simple = 1  # INTEGER
        base.literals["x"].CopyFrom(offloaded)
    else:
        raise ValueError(name)
    path.write_bytes(base.SerializeToString())


# --------------------------------------------------------------------------------------------------------------
# running one side


def command(side: str, case: Case, inputs: str, output_prefix: str, raw_prefix: str) -> list[str]:
    exe = ORACLE_MAP_EXECUTE if side == oracle.ORACLE else OURS_MAP_EXECUTE
    map_resolver, task_resolver = RESOLVERS[side]
    return [
        str(exe),
        "--inputs",
        inputs,
        "--output-prefix",
        output_prefix,
        "--raw-output-data-prefix",
        raw_prefix,
        *case.extra_args,
        "--resolver",
        case.resolver or map_resolver,
        "--",
        "vars",
        case.bound,
        "resolver",
        task_resolver,
        "task-module",
        MODULE,
        "task-name",
        case.task,
    ]


def _cache_key(case: Case, inputs: Path) -> str | None:
    if not inputs.is_file() or (isinstance(case.inputs, str) and case.inputs == OFFLOADED):
        return None  # the offloaded file's path lives in the session's tmp dir
    material = {
        "kind": "pyflyte-map-execute",
        "oracle": oracle.oracle_version(),
        "argv": command(oracle.ORACLE, case, "<inputs>", "<out>", "<raw>"),
        "env": {**oracle.BACKEND_ENV, **case.run_env()},
        "inputs": oracle._canonical_digest(inputs),
        "module": hashlib.sha256((HERE / f"{MODULE}.py").read_bytes()).hexdigest(),
        "cwd": str(HERE),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def run_side(side: str, case: Case, inputs: Path, work_dir: Path) -> Any:
    key = _cache_key(case, inputs) if side == oracle.ORACLE and oracle._cache_enabled() else None
    if key is not None:
        hit = oracle._cache_load(key)
        if hit is not None:
            return hit
    out, raw = work_dir / "out", work_dir / "raw"
    work_dir.mkdir(parents=True, exist_ok=True)
    argv = command(side, case, str(inputs), str(out), str(raw))
    env = oracle._clean_env({**oracle.BACKEND_ENV, **case.run_env()}, home=work_dir / "home")
    tmp = work_dir / "tmp"
    tmp.mkdir(exist_ok=True)
    env["TMPDIR"] = str(tmp)
    started = time.time()
    try:
        proc = subprocess.run(
            argv, cwd=HERE, env=env, capture_output=True, text=True, timeout=120, check=False
        )
        code, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
    except FileNotFoundError as exc:
        code, stdout, stderr = 127, "", f"cannot start {argv[0]}: {exc}"
    except subprocess.TimeoutExpired as exc:
        code, stdout, stderr = -9, oracle._text(exc.stdout), oracle._text(exc.stderr) + "\n<timed out>"
    result = oracle.RunResult(
        side=side,
        argv=tuple(argv),
        returncode=code,
        stdout=stdout,
        stderr=stderr,
        output_prefix=out,
        raw_prefix=raw,
        files=oracle._read_tree(out),
        raw_files=tuple(sorted(oracle._read_tree(raw))),
        started=started,
        finished=time.time(),
    )
    if key is not None and code >= 0:
        oracle._cache_store(key, result)
    return result


class Runs:
    """Runs the (case, side) pairs the session selected, all at once on first use."""

    def __init__(self, base: Path, wanted: set[tuple[str, str]]) -> None:
        self.base = base
        self.wanted = wanted
        self._results: dict[tuple[str, str], Any] = {}

    def inputs_path(self, case: Case) -> Path:
        return self.base / "inputs" / f"{case.id}.pb"

    def _build_inputs(self, cases: list[Case]) -> None:
        xy = self.base / "inputs" / "_xy.pb"
        jobs: dict[Path, Any] = {} if xy.exists() else {xy: XY}
        for case in cases:
            path = self.inputs_path(case)
            if not isinstance(case.inputs, str) and not path.exists():
                jobs[path] = case.inputs
        oracle.build_inputs(jobs)
        for case in cases:
            path = self.inputs_path(case)
            if isinstance(case.inputs, str) and not path.exists():
                _write_hand_built(case.inputs, path, xy)

    def get(self, case: Case, side: str) -> Any:
        key = (case.id, side)
        if key not in self._results:
            self._run({key} | (self.wanted - set(self._results)))
        return self._results[key]

    def _run(self, keys: set[tuple[str, str]]) -> None:
        from concurrent.futures import ThreadPoolExecutor

        cases = [CASES_BY_ID[cid] for cid in sorted({cid for cid, _ in keys})]
        self._build_inputs(cases)
        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = {
                (cid, side): pool.submit(
                    run_side,
                    side,
                    CASES_BY_ID[cid],
                    self.inputs_path(CASES_BY_ID[cid]),
                    self.base / cid / side,
                )
                for cid, side in sorted(keys)
            }
            self._results.update({k: f.result() for k, f in futures.items()})


_SIDES_FOR_TEST = {
    "test_flytekit_observed": (oracle.ORACLE,),
    "test_ours_matches_flytekit": (oracle.ORACLE, oracle.OURS),
    "test_dry_run": (oracle.ORACLE, oracle.OURS),
}


@pytest.fixture(scope="module")
def runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    try:
        oracle.require_oracle()
    except oracle.OracleMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    if not ORACLE_MAP_EXECUTE.exists():
        pytest.fail(f"{ORACLE_MAP_EXECUTE} is missing; {oracle.SETUP_HINT}", pytrace=False)
    this_file = Path(__file__).resolve()
    wanted: set[tuple[str, str]] = set()
    for item in request.session.items:
        if Path(str(item.path)).resolve() != this_file:
            continue
        callspec = getattr(item, "callspec", None)
        case_ids = [callspec.params["case"].id] if callspec is not None and "case" in callspec.params else []
        if item.originalname == "test_dry_run":
            case_ids = ["dry_run"]
        for side in _SIDES_FOR_TEST.get(item.originalname, ()):
            wanted.update((cid, side) for cid in case_ids)
    return Runs(tmp_path_factory.mktemp("map-diff"), wanted)


# --------------------------------------------------------------------------------------------------------------
# comparing


def _first_line(message_section: str | None) -> str | None:
    return None if message_section is None else message_section.strip().splitlines()[0]


def compare_map(case: Case, flytekit: Any, ours: Any) -> list[str]:
    problems: list[str] = oracle.compare(flytekit, ours)
    if case.message != "full":
        problems = [p for p in problems if not p.startswith("error message_section:")]
    doc_o, doc_u = flytekit.error_document(), ours.error_document()
    if doc_o is None or doc_u is None:
        return problems
    so, su = oracle.error_summary(doc_o), oracle.error_summary(doc_u)
    if case.message == "first_line" and _first_line(so["message_section"]) != _first_line(
        su["message_section"]
    ):
        problems.append(
            f"Message first line: flytekit={_first_line(so['message_section'])!r} "
            f"ours={_first_line(su['message_section'])!r}"
        )
    if so["origin"] == "USER":  # oracle.compare looks for wf.py frames; the sub-tasks live in wf_map.py
        trace_o, _ = oracle.split_error_message(doc_o.error.message)
        trace_u, _ = oracle.split_error_message(doc_u.error.message)
        frames_o = oracle.user_frames(trace_o, f"/{MODULE}.py")
        frames_u = oracle.user_frames(trace_u, f"/{MODULE}.py")
        if not frames_o or frames_o != frames_u:
            problems.append(f"{MODULE}.py trace frames: flytekit={frames_o} ours={frames_u}")
    return problems


def _fail(case: Case, problems: list[str], *results: Any) -> None:
    details = "\n".join(r.describe() for r in results)
    pytest.fail(f"case {case.id}:\n  " + "\n  ".join(problems) + f"\n{details}", pytrace=False)


# --------------------------------------------------------------------------------------------------------------
# tests


@pytest.mark.parametrize("case", CASES, ids=str)
def test_flytekit_observed(runs: Runs, case: Case) -> None:
    result = runs.get(case, oracle.ORACLE)
    problems = oracle.check_expected(result, case.expect)
    if problems:
        _fail(case, problems, result)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_ours_matches_flytekit(runs: Runs, case: Case) -> None:
    if not OURS_MAP_EXECUTE.exists():
        pytest.fail(f"{OURS_MAP_EXECUTE} is missing; {oracle.SETUP_HINT}", pytrace=False)
    flytekit, ours = runs.get(case, oracle.ORACLE), runs.get(case, oracle.OURS)
    if case.ours is None:
        problems = compare_map(case, flytekit, ours)
    else:  # deliberate difference: flytekit shows the quirk, ours the documented fix
        problems = [
            f"flytekit no longer shows the quirk: {p}" for p in oracle.check_expected(flytekit, case.expect)
        ]
        problems += oracle.check_expected(ours, case.ours)
    if problems:
        _fail(case, problems, flytekit, ours)


def test_dry_run(runs: Runs) -> None:
    """``--test`` on map-execute: flytekit logs the computed index; ours prints its plan, index included."""
    case = CASES_BY_ID["dry_run"]
    flytekit, ours = runs.get(case, oracle.ORACLE), runs.get(case, oracle.OURS)
    assert "Computed task index: 2" in " ".join(flytekit.stderr.split()), flytekit.describe()
    assert ours.returncode == 0 and not ours.files, ours.describe()
    plan = json.loads(ours.stdout)
    assert plan["command"] == "pyflyte-map-execute"
    assert plan["array_index"] == 2
    assert plan["task"]["kind"] == "map"
    assert plan["task"]["name"] == f"{MODULE}.mapped"
    assert plan["load_error"] is None
    assert plan["loader_args"][:2] == ["vars", ""]


def test_loader_args_match_flytekit_serialization() -> None:
    """Our resolver serializes every map task in wf_map.py as flytekit does (bar the resolver paths)."""
    script = (
        "import json, wf_map\n"
        "from flytekit.configuration import SerializationSettings, ImageConfig\n"
        "s = SerializationSettings(image_config=ImageConfig.auto_default_image())\n"
        "names = [n for n in dir(wf_map) if n.endswith(('_map', '_partial'))]\n"
        "print(json.dumps({n: getattr(wf_map, n).get_container(s).args for n in names}))\n"
    )
    proc = subprocess.run(
        [str(oracle.ORACLE_PYTHON), "-c", script],
        cwd=HERE,
        env=oracle._clean_env({}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    theirs: dict[str, list[str]] = json.loads(proc.stdout)
    assert theirs, "wf_map.py declares no map tasks?"

    sys.path.insert(0, str(HERE))
    try:
        import wf_map  # type: ignore[import-not-found]

        from flyte_entrypoint import ArrayNodeMapTaskResolver
    finally:
        sys.path.remove(str(HERE))
    resolver = ArrayNodeMapTaskResolver()
    swap = dict(zip(RESOLVERS[oracle.ORACLE], RESOLVERS[oracle.OURS]))
    for name, args in theirs.items():
        tail = args[args.index("--") + 1 :]
        assert args[args.index("--resolver") + 1] == RESOLVERS[oracle.ORACLE][0]
        assert resolver.loader_args(getattr(wf_map, name)) == [swap.get(a, a) for a in tail], name
    assert theirs["mapped_partial"][-8:-6] == ["vars", "y"]


# --------------------------------------------------------------------------------------------------------------
# an observation table (manual: python test_map_oracle.py)


def _observation_table() -> str:
    with tempfile.TemporaryDirectory(prefix="flyte-map-diff-") as tmp:
        r = Runs(Path(tmp), {(c.id, oracle.ORACLE) for c in CASES})
        rows = [
            "| case | task | env | vars | exit | files | code | kind | origin | `Message:` (first line) / outputs |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for case in CASES:
            obs = oracle.observation(r.get(case, oracle.ORACLE))
            env = " ".join(f"{k}={v}" for k, v in case.run_env().items())
            detail = obs.get("message")
            if detail is not None:
                detail = detail.strip().splitlines()[0]
            elif "outputs" in obs:
                detail = "; ".join(f"{k}: {v}" for k, v in obs["outputs"].items()) or "(empty)"
            cells = [
                f"`{case.id}`",
                f"`{case.task}`",
                env,
                case.bound,
                str(obs["exit"]),
                ", ".join(obs["files"]) or "-",
                f"`{obs['code']}`" if "code" in obs else "",
                obs.get("kind", ""),
                obs.get("origin", ""),
                (detail or "").replace("|", "\\|"),
            ]
            rows.append("| " + " | ".join(cells) + " |")
        return "\n".join(rows)


if __name__ == "__main__":
    print(_observation_table())
