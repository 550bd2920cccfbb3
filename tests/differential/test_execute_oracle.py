"""Differential tests: flytekit 1.16.31's ``pyflyte-execute`` (the oracle) against ours, task by task.

Every case runs both entrypoints on the same ``inputs.pb`` (built by flytekit's TypeEngine) with cwd = this
directory, and tasks from ``wf.py``. Two tests per case:

* ``test_flytekit_observed`` - the oracle still does what ``OBSERVED.md`` records (guards the harness and the
  evidence; needs only the oracle venv).
* ``test_ours_matches_flytekit`` - ours is indistinguishable from flytekit (``oracle.compare``), except for the
  cases with a deliberate difference (PROTOCOL.md section 13), where ours must meet ``Case.ours`` instead.

All runs of the selected tests are done once per module, concurrently (flytekit needs ~1 s CPU per run).
Regenerate the observation table with ``.venv/bin/python tests/differential/test_execute_oracle.py``.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest


def _load_oracle():
    name = "flyte_diff_oracle"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("oracle.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


oracle = _load_oracle()
Expect = oracle.Expect

ERR = frozenset({"error.pb"})
DIST_ERR = frozenset({"error-<hex32>.pb"})
OUT = frozenset({"outputs.pb"})
NONE: frozenset[str] = frozenset()
A1 = {"a": ("int", "1")}
MISSING_INPUTS = Path("/nonexistent-flyte-diff/inputs.pb")


def user_error(message: str | re.Pattern[str], code: str = "USER:RuntimeError", **kw) -> Expect:
    kw.setdefault("kind", "NON_RECOVERABLE")
    return Expect(
        exit=kw.pop("exit", 0), files=kw.pop("files", ERR), code=code, origin="USER", message=message, **kw
    )


def system_error(message: str | re.Pattern[str], kind: str = "NON_RECOVERABLE", **kw) -> Expect:
    return Expect(
        exit=kw.pop("exit", 0), files=ERR, code="SYSTEM", kind=kind, origin="SYSTEM", message=message, **kw
    )


def success(**outputs: str) -> Expect:
    return Expect(exit=0, files=OUT, outputs=outputs)


def prim(text: str) -> str:
    return f"scalar {{ primitive {{ {text} }} }}"


def coll(*literals: str) -> str:
    return "collection { " + " ".join(f"literals {{ {lit} }}" for lit in literals) + " }"


def lmap(items: Mapping[str, str]) -> str:
    return "map { " + " ".join(f'literals {{ key: "{k}" value {{ {v} }} }}' for k, v in items.items()) + " }"


@dataclass(frozen=True)
class Case:
    id: str
    task: str
    inputs: Mapping[str, tuple[str, str]] | bytes | None  # None: no such file; bytes: inputs.pb's raw bytes
    expect: Expect  # what flytekit does (observed)
    env: Mapping[str, str] = field(default_factory=dict)
    module: str = "wf"
    backend_env: bool = True
    ours: Expect | None = None  # deliberate difference: what ours must do instead of matching flytekit
    why: str = ""

    def __str__(self) -> str:
        return self.id


FAIL_VALUE = user_error("ValueError: bad value 1")


def _truncated_inputs() -> bytes:
    from flyteidl.core import literals_pb2

    lm = literals_pb2.LiteralMap()
    lm.literals["a"].scalar.primitive.string_value = "a string long enough to be cut in the middle"
    lm.literals["b"].scalar.primitive.integer = 2
    data = lm.SerializeToString()
    return data[: len(data) // 2]


TRUNCATED_INPUTS = _truncated_inputs()

CASES: list[Case] = [
    # ---- successes
    Case("add", "add", {"a": ("int", "1"), "b": ("int", "2")}, success(o0=prim("integer: 3"))),
    Case("add_default", "add_default", A1, success(o0=prim("integer: 6"))),
    Case(
        "echo_str",
        "echo_str",
        {"s": ("str", "'héllo\\n wörld'")},
        success(o0=prim('string_value: "héllo\\n wörld"')),
    ),
    Case("echo_str_empty", "echo_str", {"s": ("str", "''")}, success(o0=prim('string_value: ""'))),
    Case("echo_float", "echo_float", {"x": ("float", "0.1")}, success(o0=prim("float_value: 0.1"))),
    Case("echo_float_from_int", "echo_float", {"x": ("int", "3")}, success(o0=prim("float_value: 3.0"))),
    Case("echo_bool", "echo_bool", {"flag": ("bool", "True")}, success(o0=prim("boolean: true"))),
    Case("echo_bool_false", "echo_bool", {"flag": ("bool", "False")}, success(o0=prim("boolean: false"))),
    Case(
        "list_int",
        "double_list",
        {"xs": ("list[int]", "[1, -2, 3]")},
        success(o0=coll(*(prim(f"integer: {v}") for v in (2, -4, 6)))),
    ),
    Case("list_empty", "double_list", {"xs": ("list[int]", "[]")}, success(o0=coll())),
    Case(
        "dict_str_float",
        "scale_dict",
        {"d": ("dict[str, float]", "{'a': 1.5, 'b': -2.0, 'c': 0.0}"), "k": ("float", "2.0")},
        success(o0=lmap({k: prim(f"float_value: {v}") for k, v in (("a", 3.0), ("b", -4.0), ("c", 0.0))})),
    ),
    Case(
        "nested",
        "echo_nested",
        {"x": ("list[dict[str, list[int]]]", "[{'a': [1, 2], 'b': []}, {}]")},
        success(o0=coll(lmap({"a": coll(prim("integer: 1"), prim("integer: 2")), "b": coll()}), lmap({}))),
    ),
    Case("void", "void_task", A1, success()),
    Case(
        "named_tuple",
        "named_out",
        {"a": ("int", "1"), "b": ("int", "2")},
        success(total=prim("integer: 3"), label=prim('string_value: "1+2"')),
    ),
    Case(
        "tuple",
        "tuple_out",
        {"a": ("int", "5")},
        success(o0=prim("integer: 5"), o1=prim('string_value: "5"')),
    ),
    # ---- user errors
    Case("fail_value", "fail_value", A1, FAIL_VALUE),
    Case("class_code", "fail_class_code", A1, user_error("ClassCodedError: class code 1", code="MY_CODE")),
    Case(
        "instance_code",
        "fail_instance_code",
        A1,
        user_error("InstanceCodedError: instance code 1", code="INST_CODE"),
    ),
    Case("int_code", "fail_int_code", A1, user_error("IntCodedError: int code 1", code="422")),
    Case(
        "float_code",
        "fail_float_code",
        A1,
        Expect(exit=1, files=NONE, stderr_contains="error_code must be a str or int, got float"),
        ours=user_error("FloatCodedError: float code 1", code=("4.5", "USER:RuntimeError")),
        why="Q3: flytekit crashes building the doc; ours reports the user error (code str()-ed or the default)",
    ),
    Case(
        "recoverable",
        "fail_recoverable",
        A1,
        user_error(
            "FlyteRecoverableException: USER:Recoverable: error=try again 1",
            code="USER:Recoverable",
            kind="RECOVERABLE",
        ),
    ),
    Case("ignore_outputs", "ignore_outputs", A1, Expect(exit=0, files=NONE)),
    Case("sys_exit_3", "exit_three", A1, Expect(exit=3, files=NONE)),
    Case("chained", "fail_chained", A1, user_error("RuntimeError: line one\n\nline three")),
    Case(
        "unprintable",
        "fail_unprintable",
        A1,
        system_error("RuntimeError: __str__ exploded", kind="RECOVERABLE"),
        ours=system_error(
            re.compile(r"RuntimeError: __str__ exploded|.*UnprintableError.*", re.S), kind="RECOVERABLE"
        ),
        why="Q26: same classification; ours may render a safe message naming the exception instead",
    ),
    Case(
        "missing_input", "add", A1, user_error("TypeError: add() missing 1 required positional argument: 'b'")
    ),
    Case(
        "no_such_task",
        "no_such_task",
        A1,
        user_error("AttributeError: module 'wf' has no attribute 'no_such_task'"),
    ),
    Case(
        "no_such_module",
        "add",
        A1,
        user_error("ModuleNotFoundError: No module named 'no_such_mod'"),
        module="no_such_mod",
    ),
    # ---- system errors
    Case(
        "int_for_float_output",
        "bad_output",
        A1,
        system_error(
            "TypeTransformerFailedError: Failed to convert outputs of task 'wf.bad_output' at position 0.\n"
            "Failed to convert type <class 'int'> to type <class 'float'>.\n"
            "Error Message: Expected value of type <class 'float'> but got '1' of type <class 'int'>."
        ),
    ),
    Case(
        "wrong_input_kind",
        "add",
        {"a": ("str", "'x'"), "b": ("int", "2")},
        system_error(re.compile(r"TypeTransformerFailedError: Error converting input 'a':\n.*", re.S)),
    ),
    Case(
        "extra_input",
        "add",
        {"a": ("int", "1"), "b": ("int", "2"), "c": ("int", "3")},
        system_error("ValueError: Received more input values 3 than allowed by the input spec 2"),
    ),
    Case(
        "missing_inputs_pb",
        "add",
        None,
        system_error(
            f"FlyteDataNotFoundException: USER:ValueError: error=Value error!  Received: {MISSING_INPUTS}. "
            "File not found",
            kind="RECOVERABLE",
        ),
    ),
    # ---- inputs.pb that does not parse: a torn download, RECOVERABLE (a retry may help)
    Case(
        "inputs_random_bytes",
        "add",
        b"\xff\xfe\xfd random bytes, not a LiteralMap \x00\x01",
        system_error(re.compile(r"DecodeError: .*", re.S), kind="RECOVERABLE"),
    ),
    Case(
        "inputs_truncated",
        "add",
        TRUNCATED_INPUTS,
        system_error(re.compile(r"DecodeError: .*", re.S), kind="RECOVERABLE"),
    ),
    # ---- context services that are not there: flytekit's builtin exception names on the Message: line
    Case(
        "checkpoint_unavailable",
        "use_checkpoint",
        A1,
        user_error(
            "NotImplementedError: Checkpointing is not available, please check the version of the platform."
        ),
    ),
    Case(
        "missing_secret",
        "use_missing_secret",
        A1,
        user_error(re.compile(r"ValueError: Please make sure to add secret_requests=.*", re.S)),
        ours=user_error(
            re.compile(r"ValueError: .*secret_requests=\[Secret\(group=nogroup, key=nokey\)\].*", re.S)
        ),
        why="same exception name on the Message: line; our text names the env var and the file we looked in",
    ),
    # ---- environment variations
    Case(
        "bare_env_add",
        "add",
        {"a": ("int", "1"), "b": ("int", "2")},
        success(o0=prim("integer: 3")),
        backend_env=False,
    ),
    Case("bare_env_fail", "fail_value", A1, FAIL_VALUE, backend_env=False),
    Case(
        "fail_on_error_true",
        "fail_value",
        A1,
        user_error("ValueError: bad value 1", exit=1),
        env={"FLYTE_FAIL_ON_ERROR": "true"},
    ),
    Case(
        "fail_on_error_T",
        "fail_value",
        A1,
        user_error("ValueError: bad value 1", exit=1),
        env={"FLYTE_FAIL_ON_ERROR": "T"},
    ),
    Case(
        "fail_on_error_1",
        "fail_value",
        A1,
        user_error("ValueError: bad value 1", exit=1),
        env={"FLYTE_FAIL_ON_ERROR": "1"},
    ),
    Case("fail_on_error_yes", "fail_value", A1, FAIL_VALUE, env={"FLYTE_FAIL_ON_ERROR": "yes"}),
    Case("fail_on_error_false", "fail_value", A1, FAIL_VALUE, env={"FLYTE_FAIL_ON_ERROR": "false"}),
    Case(
        "fail_on_error_success",
        "add",
        {"a": ("int", "1"), "b": ("int", "2")},
        success(o0=prim("integer: 3")),
        env={"FLYTE_FAIL_ON_ERROR": "true"},
    ),
    Case(
        "fail_on_error_ignore",
        "ignore_outputs",
        A1,
        Expect(exit=0, files=NONE),
        env={"FLYTE_FAIL_ON_ERROR": "true"},
    ),
    Case(
        "fail_on_error_system",
        "bad_output",
        A1,
        system_error(re.compile(r"TypeTransformerFailedError: .*", re.S), exit=1),
        env={"FLYTE_FAIL_ON_ERROR": "true"},
    ),
    Case(
        "dist_short_names",
        "fail_value",
        A1,
        user_error("ValueError: bad value 1", files=DIST_ERR, worker="worker-3"),
        env={"_F_DES": "1", "_F_WN": "worker-3"},
    ),
    Case(
        "dist_long_names",
        "fail_value",
        A1,
        user_error("ValueError: bad value 1", files=DIST_ERR, worker="pod-0"),
        env={"FLYTE_INTERNAL_DIST_ERROR_STRATEGY": "Earliest", "FLYTE_INTERNAL_WORKER_NAME": "pod-0"},
    ),
    Case(
        "dist_no_worker_name",
        "fail_value",
        A1,
        user_error("ValueError: bad value 1", files=DIST_ERR, worker=""),
        env={"_F_DES": "1"},
    ),
    Case("worker_without_strategy", "fail_value", A1, FAIL_VALUE, env={"_F_WN": "worker-3"}),
    Case(
        "dist_success",
        "add",
        {"a": ("int", "1"), "b": ("int", "2")},
        success(o0=prim("integer: 3")),
        env={"_F_DES": "1", "_F_WN": "worker-3"},
    ),
    Case(
        "dist_load_error",
        "no_such_task",
        A1,
        user_error("AttributeError: module 'wf' has no attribute 'no_such_task'", files=DIST_ERR, worker="w"),
        env={"_F_DES": "1", "_F_WN": "w"},
    ),
    Case(
        "dist_recoverable_fail_on_error",
        "fail_recoverable",
        A1,
        user_error(
            "FlyteRecoverableException: USER:Recoverable: error=try again 1",
            code="USER:Recoverable",
            kind="RECOVERABLE",
            files=DIST_ERR,
            worker="worker-3",
            exit=1,
        ),
        env={"_F_DES": "1", "_F_WN": "worker-3", "FLYTE_FAIL_ON_ERROR": "true"},
    ),
]

CASES_BY_ID = {c.id: c for c in CASES}
assert len(CASES_BY_ID) == len(CASES), "duplicate case ids"


# --------------------------------------------------------------------------------------------------------------
# running everything once


class Runs:
    """Runs the (case, side) pairs the session selected, all at once on first use."""

    def __init__(self, base: Path, wanted: set[tuple[str, str]]) -> None:
        self.base = base
        self.wanted = wanted
        self._results: dict[tuple[str, str], object] = {}

    def inputs_path(self, case: Case) -> Path:
        if case.inputs is None:  # fixed: the path shows up in the error message (and in the oracle cache key)
            return MISSING_INPUTS
        path = self.base / "inputs" / f"{case.id}.pb"
        if isinstance(case.inputs, bytes) and not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(case.inputs)
        return path

    def invocation(self, case: Case) -> object:
        return oracle.Invocation(
            task=case.task,
            inputs=str(self.inputs_path(case)),
            env=dict(case.env),
            module=case.module,
            backend_env=case.backend_env,
        )

    def get(self, case: Case, side: str):
        key = (case.id, side)
        if key not in self._results:
            self._run({key} | (self.wanted - set(self._results)))
        return self._results[key]

    def _run(self, keys: set[tuple[str, str]]) -> None:
        cases = [CASES_BY_ID[cid] for cid in sorted({cid for cid, _ in keys})]
        oracle.build_inputs(
            {
                self.inputs_path(case): case.inputs
                for case in cases
                if isinstance(case.inputs, Mapping) and not self.inputs_path(case).exists()
            }
        )
        jobs = [
            ((cid, side), side, self.invocation(CASES_BY_ID[cid]), self.base / cid / side)
            for cid, side in sorted(keys)
        ]
        self._results.update(oracle.run_many(jobs))


_SIDES_FOR_TEST = {
    "test_flytekit_observed": (oracle.ORACLE,),
    "test_ours_matches_flytekit": (oracle.ORACLE, oracle.OURS),
}


@pytest.fixture(scope="module")
def runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    try:
        oracle.require_oracle()
    except oracle.OracleMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    this_file = Path(__file__).resolve()
    wanted: set[tuple[str, str]] = set()
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is None or Path(str(item.path)).resolve() != this_file or "case" not in callspec.params:
            continue
        for side in _SIDES_FOR_TEST.get(item.originalname, ()):
            wanted.add((callspec.params["case"].id, side))
    return Runs(tmp_path_factory.mktemp("execute-diff"), wanted)


def _fail(case: Case, problems: list[str], *results) -> None:
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
    reason = oracle.ours_missing_reason()
    if reason:
        pytest.fail(reason, pytrace=False)
    flytekit, ours = runs.get(case, oracle.ORACLE), runs.get(case, oracle.OURS)
    if case.ours is None:
        problems = oracle.compare(flytekit, ours)
    else:  # deliberate difference: flytekit shows the quirk, ours the documented fix
        problems = [
            f"flytekit no longer shows the quirk: {p}" for p in oracle.check_expected(flytekit, case.expect)
        ]
        problems += oracle.check_expected(ours, case.ours)
    if problems:
        _fail(case, problems, flytekit, ours)


# --------------------------------------------------------------------------------------------------------------
# regenerating OBSERVED.md's table


def _observation_table() -> str:
    with tempfile.TemporaryDirectory(prefix="flyte-diff-") as tmp:
        return _observation_table_in(Path(tmp))


def _observation_table_in(base: Path) -> str:
    r = Runs(base, {(c.id, oracle.ORACLE) for c in CASES})
    rows = [
        "| case | task(inputs) | env | exit | files | code | kind | origin | worker | `Message:` (first line) / outputs |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for case in CASES:
        obs = oracle.observation(r.get(case, oracle.ORACLE))
        env = " ".join(f"{k}={v}" for k, v in case.env.items())
        if not case.backend_env:
            env = "(no backend env)"
        detail = obs.get("message")
        if detail is not None:
            lines = detail.strip().splitlines()
            detail = lines[0] + (f" (+{len(lines) - 1} lines)" if len(lines) > 1 else "")
        elif "outputs" in obs:
            detail = "; ".join(f"{k}: {v}" for k, v in obs["outputs"].items()) or "(empty)"
        task = case.task if case.module == "wf" else f"{case.module}.{case.task}"
        if case.inputs is None:
            task += "(<no inputs.pb>)"
        elif isinstance(case.inputs, bytes):
            task += f"(<{len(case.inputs)} bytes of inputs.pb>)"
        else:
            task += "(" + ", ".join(f"{k}: {t} = {v}" for k, (t, v) in case.inputs.items()) + ")"
        cells = [
            f"`{case.id}`",
            f"`{task}`",
            env,
            str(obs["exit"]),
            ", ".join(obs["files"]) or "-",
            f"`{obs['code']}`" if "code" in obs else "",
            obs.get("kind", ""),
            obs.get("origin", ""),
            obs.get("worker", ""),
            (detail or "").replace("|", "\\|"),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(_observation_table())
