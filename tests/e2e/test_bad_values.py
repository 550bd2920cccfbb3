"""Bad input values, end to end: our ``pyflyte-execute`` on local folders, every case also run through flytekit's.

Each case hands a task an ``inputs.pb`` that cannot work: a literal of the wrong shape for the declared type, a
missing required input, an extra input, a non-string or unknown enum value, a corrupt msgpack payload for a
dataclass, a blob URI that does not exist. For each, ours must write an error document (exit 0, only ``error.pb``)

* with flytekit's code, kind and origin (the compatibility policy): input-conversion failures are
  ``SYSTEM``/NON_RECOVERABLE/SYSTEM, a missing required input is the USER ``TypeError`` of the call, a missing
  blob opened by user code is a USER error with the code of flytekit's exception (``USER:ValueError``);
* whose ``Message:`` section names the input and, where the failure is about a value, the expected type.

flytekit runs the same task module (its imports fall back to ours in the dev venv) on the same ``inputs.pb``; its
``Message:`` text may differ and is not compared here (the differential suite compares texts where they must match).
"""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgpack
import pytest
from flyteidl.core import literals_pb2

DIFF = Path(__file__).resolve().parents[1] / "differential"
MODULE = "bad_values_wf"
WORKERS = 2


def _load_oracle() -> Any:
    name = "flyte_diff_oracle"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, DIFF / "oracle.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


oracle = _load_oracle()

TASKS = textwrap.dedent(
    """
    import dataclasses
    import enum

    try:
        from flytekit import task
        from flytekit.types.file import FlyteFile
    except ImportError:
        from flyte_entrypoint import FlyteFile, task


    class Color(enum.Enum):
        RED = "red"
        GREEN = "green"


    @dataclasses.dataclass
    class Point:
        x: int
        tags: list[str]


    @task
    def add(a: int, b: int) -> int:
        return a + b


    @task
    def total(xs: list[int]) -> int:
        return sum(xs)


    @task
    def paint(color: Color) -> str:
        return color.value


    @task
    def norm(p: Point) -> int:
        return p.x


    @task
    def read_file(f: FlyteFile) -> str:
        with open(f) as fh:
            return fh.read()
    """
)

# --------------------------------------------------------------------------------------------------------------
# literals

Fill = Callable[[literals_pb2.Literal], None]


def integer(v: int) -> Fill:
    return lambda lit: setattr(lit.scalar.primitive, "integer", v)


def string(v: str) -> Fill:
    return lambda lit: setattr(lit.scalar.primitive, "string_value", v)


def collection(*items: Fill) -> Fill:
    def fill(lit: literals_pb2.Literal) -> None:
        lit.collection.SetInParent()
        for item in items:
            item(lit.collection.literals.add())

    return fill


def msgpack_binary(data: bytes) -> Fill:
    def fill(lit: literals_pb2.Literal) -> None:
        lit.scalar.binary.value = data
        lit.scalar.binary.tag = "msgpack"

    return fill


def file_blob(uri: str) -> Fill:
    def fill(lit: literals_pb2.Literal) -> None:
        lit.scalar.blob.uri = uri
        lit.scalar.blob.metadata.type.SetInParent()

    return fill


def literal_map(**inputs: Fill) -> literals_pb2.LiteralMap:
    lm = literals_pb2.LiteralMap()
    for name, fill in inputs.items():
        fill(lm.literals[name])
    return lm


# --------------------------------------------------------------------------------------------------------------
# cases

CONVERSION = ("SYSTEM", "NON_RECOVERABLE", "SYSTEM")
MISSING_BLOB_URI = "/nonexistent-flyte-bad-values/missing.txt"


@dataclass(frozen=True)
class Case:
    id: str
    task: str
    inputs: literals_pb2.LiteralMap
    expect: tuple[str, str, str]  # (code, kind, origin), as flytekit writes it
    names: tuple[str, ...]  # what ours' Message: section must mention

    def __str__(self) -> str:
        return self.id


CASES = [
    # a literal of the wrong shape for the declared type
    Case(
        "string_for_int",
        "add",
        literal_map(a=string("x"), b=integer(2)),
        CONVERSION,
        ("'a'", "<class 'int'>"),
    ),
    Case(
        "list_for_int",
        "add",
        literal_map(a=collection(integer(1)), b=integer(2)),
        CONVERSION,
        ("'a'", "<class 'int'>"),
    ),
    Case("int_for_list", "total", literal_map(xs=integer(3)), CONVERSION, ("'xs'", "list[int]")),
    Case("int_for_dataclass", "norm", literal_map(p=integer(1)), CONVERSION, ("'p'", "Point")),
    # the input map does not match the interface
    Case(
        # the TypeError of the call: flytekit's exact text (the differential suite checks it), no type in it
        "missing_required",
        "add",
        literal_map(a=integer(1)),
        ("USER:RuntimeError", "NON_RECOVERABLE", "USER"),
        ("TypeError", "'b'"),
    ),
    Case(
        # flytekit's exact text (checked by the differential suite): a count, no name, as there is no type
        "extra_input",
        "add",
        literal_map(a=integer(1), b=integer(2), c=integer(3)),
        CONVERSION,
        ("Received more input values 3 than allowed by the input spec 2",),
    ),
    Case(
        "undeclared_input",  # as many inputs as declared, one of them unknown (flytekit: a bare KeyError: 'c')
        "add",
        literal_map(a=integer(1), c=integer(3)),
        CONVERSION,
        ("'c'", "add"),
    ),
    # enums
    Case("enum_not_a_string", "paint", literal_map(color=integer(1)), CONVERSION, ("'color'", "Color")),
    Case(
        "enum_unknown_value",
        "paint",
        literal_map(color=string("purple")),
        CONVERSION,
        ("'color'", "Color", "purple"),
    ),
    # dataclasses from msgpack
    Case(
        "msgpack_corrupt",
        "norm",
        literal_map(p=msgpack_binary(b"\xc1\xff\x00garbage")),
        CONVERSION,
        ("'p'", "Point", "msgpack"),
    ),
    Case(
        "msgpack_truncated",
        "norm",
        literal_map(p=msgpack_binary(msgpack.packb({"x": 1, "tags": ["a"]})[:-2])),
        CONVERSION,
        ("'p'", "Point", "msgpack"),
    ),
    Case(
        "msgpack_wrong_field_type",
        "norm",
        literal_map(p=msgpack_binary(msgpack.packb({"x": "one", "tags": ["a"]}))),
        CONVERSION,
        ("'p'", "Point", "'x'", "int"),
    ),
    # a local blob URI that does not exist: flytekit checks local blob inputs while converting (SYSTEM)
    Case(
        "missing_local_blob",
        "read_file",
        literal_map(f=file_blob(MISSING_BLOB_URI)),
        CONVERSION,
        ("'f'", "FlyteFile", MISSING_BLOB_URI),
    ),
]

KNOWN_DIFFERENCES = {
    "missing_local_blob": (
        "ours reads a local blob URI in place without checking it exists (core/type_engine/blob.py "
        "FileTransformer._make), so the task fails when it opens it: USER:RuntimeError/USER FileNotFoundError; "
        "flytekit checks os.path.isfile during input conversion: SYSTEM TypeTransformerFailedError"
    ),
}


def _params() -> list[Any]:
    out = []
    for case in CASES:
        reason = KNOWN_DIFFERENCES.get(case.id)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(case, id=case.id, marks=marks))
    return out


# --------------------------------------------------------------------------------------------------------------
# running


def _require_both_sides() -> None:
    try:
        oracle.require_oracle()
    except oracle.OracleMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    reason = oracle.ours_missing_reason()
    if reason:
        pytest.fail(reason, pytrace=False)


def run_both(base: Path, cases: list[Case], env: dict[str, str] | None = None) -> dict[tuple[str, str], Any]:
    """Both sides of every case (uncached: the task module lives in a temporary folder)."""
    (base / f"{MODULE}.py").write_text(TASKS)
    jobs = []
    for case in cases:
        inputs = base / case.id / "inputs.pb"
        inputs.parent.mkdir(parents=True, exist_ok=True)
        inputs.write_bytes(case.inputs.SerializeToString(deterministic=True))
        inv = oracle.Invocation(
            task=case.task, inputs=str(inputs), env=dict(env or {}), module=MODULE, cwd=base
        )
        jobs += [((case.id, side), side, inv, base / case.id / side) for side in (oracle.ORACLE, oracle.OURS)]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {key: pool.submit(oracle._run_execute, side, inv, wd) for key, side, inv, wd in jobs}
        return {key: future.result() for key, future in futures.items()}


def problems_for(case: Case, flytekit: Any, ours: Any) -> list[str]:
    problems = []
    for result in (flytekit, ours):
        if result.returncode != 0 or set(result.files) != {"error.pb"}:
            problems.append(f"{result.side}: exit {result.returncode}, files {sorted(result.files)}")
    if problems:
        return problems
    doc_f, doc_u = flytekit.error_document(), ours.error_document()
    problems += oracle.check_error_document(ours, doc_u)
    got_f, got_u = oracle.error_summary(doc_f), oracle.error_summary(doc_u)
    triple_f = (got_f["code"], got_f["kind"], got_f["origin"])
    triple_u = (got_u["code"], got_u["kind"], got_u["origin"])
    if triple_f != case.expect:
        problems.append(f"flytekit: (code, kind, origin) {triple_f}, expected {case.expect}")
    if triple_u != triple_f:
        problems.append(f"ours: (code, kind, origin) {triple_u}, flytekit {triple_f}")
    message = got_u["message_section"] or ""
    missing = [name for name in case.names if name not in message]
    if missing:
        problems.append(f"ours: Message does not name {missing}:\n{message}")
    return problems


def _fail(case_id: str, problems: list[str], *results: Any) -> None:
    details = "\n".join(r.describe() for r in results)
    pytest.fail(f"case {case_id}:\n  " + "\n  ".join(problems) + f"\n{details}", pytrace=False)


# --------------------------------------------------------------------------------------------------------------
# tests


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Any]:
    _require_both_sides()
    return run_both(tmp_path_factory.mktemp("bad-values"), CASES)


@pytest.mark.parametrize("case", _params())
def test_bad_value(runs: dict[tuple[str, str], Any], case: Case) -> None:
    flytekit, ours = runs[(case.id, oracle.ORACLE)], runs[(case.id, oracle.OURS)]
    problems = problems_for(case, flytekit, ours)
    if problems:
        _fail(case.id, problems, flytekit, ours)


def test_missing_remote_blob_opened_by_the_task(s3: Any, tmp_path: Path) -> None:
    """A blob URI on S3 that does not exist: both sides fail when the task opens the file, a USER error with the
    code of flytekit's ``FlyteDataNotFoundException`` (``USER:ValueError``). The message names the URI (the file
    object does not know which input it came from)."""
    _require_both_sides()
    uri = s3.uri("not", "there.txt")
    case = Case(
        "missing_s3_blob",
        "read_file",
        literal_map(f=file_blob(uri)),
        ("USER:ValueError", "NON_RECOVERABLE", "USER"),
        (uri, "does not exist"),
    )
    results = run_both(tmp_path, [case], env=s3.env)
    flytekit, ours = results[(case.id, oracle.ORACLE)], results[(case.id, oracle.OURS)]
    problems = problems_for(case, flytekit, ours)
    if problems:
        _fail(case.id, problems, flytekit, ours)
