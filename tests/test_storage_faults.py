"""Storage faults between the entrypoint and S3 (the moto server behind a fault-injecting proxy).

Every run either survives with the correct outputs, or fails clean: an error document of the right kind
(SYSTEM, RECOVERABLE: a retry of the task may succeed; for a blob the task body opens, flytekit's
SYSTEM:DownloadDataError from user code), exit 0, no ``outputs.pb`` next to it, and within the retry budget
(a small one here, set through the environment: 2 attempts, 6 seconds). Faults hit the ``inputs.pb``
download, a blob download, the blob upload and the ``outputs.pb`` upload, once and persistently; then which
store errors one transfer retries, and a store that throttles every request with the default budget.
"""

from __future__ import annotations

import os
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flyteidl.core import errors_pb2, literals_pb2

from flyte_entrypoint.schemas.invocation import TaskArgs

sys.path.insert(0, str(Path(__file__).parent))
from fault_proxy import FaultProxy, Rule

# 2 tries within 6 s: at most 1 s of back-off, so 2.5 s a try (0.83 s to connect, 1.67 s to read)
BUDGET = {"FLYTE_ENTRYPOINT_STORAGE_MAX_ATTEMPTS": "2", "FLYTE_ENTRYPOINT_STORAGE_TIMEOUT_SECONDS": "6"}
# A cut body is re-read only while a whole try still fits in the budget's seconds since the download began
# (the first request also builds the S3 client): 12 s leave a loaded CI machine room for the re-read.
CUT_BUDGET = {**BUDGET, "FLYTE_ENTRYPOINT_STORAGE_TIMEOUT_SECONDS": "12"}
LATENCY = 2.0  # seconds: longer than a try's read timeout
WALL_LIMIT = 12.0  # seconds for one run: the budget (per request) plus the error document's own request

MODULE = "faultwf_" + uuid.uuid4().hex[:8]
TASKS = textwrap.dedent(
    """
    import os, tempfile
    from flyte_entrypoint import task, FlyteFile

    @task
    def add(a: int, b: int) -> int:
        return a + b

    @task
    def read_file(f: FlyteFile) -> str:
        with open(f) as fh:
            return fh.read()

    @task
    def make_file(a: int) -> FlyteFile:
        path = os.path.join(tempfile.mkdtemp(), "data.txt")
        with open(path, "w") as fh:
            fh.write("x" * 4096 * a)
        return FlyteFile(path)
    """
)

BLOB_TEXT = "hello, " * 5000  # 35 kB: the cut leaves half of it

# target -> (task, method, path fragment)
TARGETS = {
    "inputs": ("add", "GET", "inputs.pb"),
    "blob": ("make_file", "PUT", "/raw/"),
    "blob_download": ("read_file", "GET", "/in/data.txt"),
    "outputs": ("add", "PUT", "outputs.pb"),
}
RETRIED = ("reset", "500", "503", "latency", "put_reset")


@pytest.fixture(scope="module")
def task_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("faultwf")
    (d / f"{MODULE}.py").write_text(TASKS)
    return d


@pytest.fixture
def proxy(moto_server: Any) -> Iterator[FaultProxy]:
    with FaultProxy(moto_server.endpoint) as p:
        yield p


def _inputs(s3: Any, task: str) -> bytes:
    lm = literals_pb2.LiteralMap()
    if task == "read_file":
        s3.client().put_object(Bucket=s3.bucket, Key="in/data.txt", Body=BLOB_TEXT.encode())
        lm.literals["f"].scalar.blob.uri = s3.uri("in", "data.txt")
        return lm.SerializeToString()
    lm.literals["a"].scalar.primitive.integer = 2
    if task == "add":
        lm.literals["b"].scalar.primitive.integer = 3
    return lm.SerializeToString()


def _run(
    s3: Any,
    proxy: FaultProxy,
    task_dir: Path,
    task: str,
    monkeypatch: pytest.MonkeyPatch,
    budget: dict[str, str] = BUDGET,
) -> tuple[int, float]:
    from flyte_entrypoint.shell.driver import Driver

    s3.client().put_object(Bucket=s3.bucket, Key="in/inputs.pb", Body=_inputs(s3, task))
    monkeypatch.chdir(task_dir)
    env = {**os.environ, **s3.env, **budget, "FLYTE_AWS_ENDPOINT": proxy.endpoint}
    args = TaskArgs(
        inputs=s3.uri("in", "inputs.pb"),
        output_prefix=s3.uri("out"),
        raw_output_data_prefix=s3.uri("raw"),
        resolver="flyte_entrypoint.default_task_resolver",
        resolver_args=("task-module", MODULE, "task-name", task),
    )
    started = time.monotonic()
    code = Driver(args, env).run()
    return code, time.monotonic() - started


def _objects(s3: Any) -> dict[str, bytes]:
    client = s3.client()
    listing = client.list_objects_v2(Bucket=s3.bucket, Prefix="out/").get("Contents", [])
    return {o["Key"][4:]: client.get_object(Bucket=s3.bucket, Key=o["Key"])["Body"].read() for o in listing}


def _outcome(s3: Any, task: str) -> str:
    """'survived' (correct outputs, no error document) or 'failed clean' (one SYSTEM, RECOVERABLE error
    document). Flyte reads error.pb before outputs.pb (flytepropeller asks ``IsError`` first), so an
    error document decides the outcome; an ``outputs.pb`` next to it can only be an upload whose
    response timed out but that the store completed late, and it is then checked to be complete."""
    files = _objects(s3)
    assert set(files) <= {"outputs.pb", "error.pb"}, sorted(files)
    if "outputs.pb" in files:  # never torn: a whole, correct LiteralMap
        out = literals_pb2.LiteralMap.FromString(files["outputs.pb"])
        if task == "add":
            assert out.literals["o0"].scalar.primitive.integer == 5
        elif task == "read_file":  # the whole blob, not the half a cut body delivered
            assert out.literals["o0"].scalar.primitive.string_value == BLOB_TEXT
        else:
            uri = out.literals["o0"].scalar.blob.uri
            key = uri.split(f"s3://{s3.bucket}/", 1)[1]
            assert s3.client().get_object(Bucket=s3.bucket, Key=key)["Body"].read() == b"x" * 8192
    if "error.pb" not in files:
        assert "outputs.pb" in files
        return "survived"
    doc = errors_pb2.ErrorDocument.FromString(files["error.pb"])
    if task == "read_file":
        # The blob is fetched inside the task body: flytekit's document for a download that fails there is
        # its FlyteDownloadDataException (a FlyteSystemException) escaping user code: code
        # SYSTEM:DownloadDataError, NON_RECOVERABLE, origin USER (flytekit/exceptions/system.py, scopes.py).
        expected = ("SYSTEM:DownloadDataError", errors_pb2.ContainerError.NON_RECOVERABLE, 1)
    else:
        expected = ("SYSTEM", errors_pb2.ContainerError.RECOVERABLE, 2)
    assert (doc.error.code, doc.error.kind, doc.error.origin) == expected, doc
    return "failed clean"


ONCE = [
    (f, t)
    for t in sorted(TARGETS)
    for f in (*RETRIED, "cut")
    if not (f == "put_reset" and TARGETS[t][1] == "GET")
]


@pytest.mark.parametrize(("fault", "target"), ONCE)
def test_a_fault_once(
    s3: Any, proxy: FaultProxy, task_dir: Path, monkeypatch: pytest.MonkeyPatch, target: str, fault: str
) -> None:
    task, method, fragment = TARGETS[target]
    rule = Rule(method, fragment, fault, times=1, delay=LATENCY)
    proxy.rules.append(rule)
    code, elapsed = _run(s3, proxy, task_dir, task, monkeypatch, CUT_BUDGET if fault == "cut" else BUDGET)
    assert rule.hits == 1, proxy.requests
    assert code == 0 and elapsed < WALL_LIMIT
    outcome = _outcome(s3, task)
    # retried by the storage library within the budget; a cut GET body is re-read (README, "Storage
    # retry policy"); a cut PUT response has no body to lose
    if fault in RETRIED or (fault == "cut" and method == "GET"):
        assert outcome == "survived"


# a request body is cut on uploads only; a response body is cut on downloads only (an upload's is empty)
PERSISTENT = [(f, t) for t in sorted(TARGETS) for f in ("reset", "500", "503", "cut", "put_reset")]
PERSISTENT = [
    (f, t)
    for f, t in PERSISTENT
    if not (f == "put_reset" and TARGETS[t][1] == "GET") and not (f == "cut" and TARGETS[t][1] != "GET")
]


@pytest.mark.parametrize(("fault", "target"), PERSISTENT)
def test_a_persistent_fault_fails_clean_within_the_budget(
    s3: Any, proxy: FaultProxy, task_dir: Path, monkeypatch: pytest.MonkeyPatch, target: str, fault: str
) -> None:
    task, method, fragment = TARGETS[target]
    rule = Rule(method, fragment, fault, times=None)
    proxy.rules.append(rule)
    code, elapsed = _run(s3, proxy, task_dir, task, monkeypatch, CUT_BUDGET if fault == "cut" else BUDGET)
    assert code == 0 and elapsed < WALL_LIMIT
    assert _outcome(s3, task) == "failed clean"
    assert "outputs.pb" not in _objects(s3)  # an upload that failed for good left nothing behind
    # one budget: 2 attempts, nothing of ours on top. A dropped connection may cost two requests per attempt:
    # aiohttp re-sends an idempotent request once when a reused keep-alive connection turns out closed.
    # A cut body is re-read, once per try of the budget: two GETs.
    limit = 2 if fault in ("500", "503", "cut") else 4
    assert 1 <= rule.hits <= limit, proxy.requests
    if fault == "cut":
        assert rule.hits == 2, proxy.requests


def test_persistent_latency_on_outputs_fails_clean_within_the_budget(
    s3: Any, proxy: FaultProxy, task_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule = Rule("PUT", "outputs.pb", "latency", times=None, delay=LATENCY)
    proxy.rules.append(rule)
    code, elapsed = _run(s3, proxy, task_dir, "add", monkeypatch)
    assert code == 0 and elapsed < WALL_LIMIT
    # every try timed out (the store may still complete one late: the error document decides)
    assert _outcome(s3, "add") == "failed clean"
    assert rule.hits <= 2


def test_missing_inputs_bucket_is_a_recoverable_document(
    s3: Any, proxy: FaultProxy, task_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flyte_entrypoint.shell.driver import Driver

    monkeypatch.chdir(task_dir)
    env = {**os.environ, **s3.env, **BUDGET, "FLYTE_AWS_ENDPOINT": proxy.endpoint}
    args = TaskArgs(
        inputs=f"s3://no-such-bucket-{uuid.uuid4().hex[:8]}/inputs.pb",
        output_prefix=s3.uri("out"),
        raw_output_data_prefix=s3.uri("raw"),
        resolver_args=("task-module", MODULE, "task-name", "add"),
    )
    assert Driver(args, env).run() == 0
    doc = errors_pb2.ErrorDocument.FromString(_objects(s3)["error.pb"])
    assert (doc.error.code, doc.error.kind) == ("SYSTEM", errors_pb2.ContainerError.RECOVERABLE)
    assert "FlyteDataNotFoundException" in doc.error.message


def test_missing_output_bucket_exits_1_with_one_json_line(
    s3: Any,
    proxy: FaultProxy,
    task_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    from flyte_entrypoint.shell.driver import Driver

    s3.client().put_object(Bucket=s3.bucket, Key="in/inputs.pb", Body=_inputs(s3, "add"))
    monkeypatch.chdir(task_dir)
    env = {**os.environ, **s3.env, **BUDGET, "FLYTE_AWS_ENDPOINT": proxy.endpoint}
    args = TaskArgs(
        inputs=s3.uri("in", "inputs.pb"),
        output_prefix=f"s3://no-such-bucket-{uuid.uuid4().hex[:8]}/out",
        raw_output_data_prefix=s3.uri("raw"),
        resolver_args=("task-module", MODULE, "task-name", "add"),
    )
    assert Driver(args, env).run() == 1  # nothing can be written where Flyte looks
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    assert [line["event"] for line in lines] == ["output prefix not writable"]


# ---------------------------------------------------------------------------------------------------------
# Which store errors a transfer retries (README, "Storage retry policy"): requests seen by the proxy for one
# download or upload that fails for good, with a budget of 3 attempts.
# ---------------------------------------------------------------------------------------------------------

THREE_TRIES = {"FLYTE_ENTRYPOINT_STORAGE_MAX_ATTEMPTS": "3", "FLYTE_ENTRYPOINT_STORAGE_TIMEOUT_SECONDS": "20"}

# (operation, fault) -> (fewest, most) requests the rule matches
CLASSIFICATION = {
    ("get", "500"): (3, 3),  # retried: every try of the budget
    ("get", "503"): (3, 3),
    ("get", "cut"): (3, 3),  # botocore's tries, then our re-reads of the cut body: 3 GETs in all
    ("get", "reset"): (3, 6),  # (aiohttp may re-send once on a reused connection that turns out closed)
    # not retried: one GET (flytekit's one anonymous try of an object that exists may add one more)
    ("get", "403"): (1, 2),
    ("get", "404"): (1, 1),  # not retried
    ("put", "503"): (3, 3),
    ("put", "500"): (3, 3),
    ("put", "403"): (1, 1),
}


@pytest.mark.parametrize(("operation", "fault"), sorted(CLASSIFICATION))
def test_which_errors_a_transfer_retries(s3: Any, proxy: FaultProxy, operation: str, fault: str) -> None:
    from flyte_entrypoint.shell.storage import DownloadError, Storage, UploadError

    s3.client().put_object(Bucket=s3.bucket, Key="in/obj.bin", Body=b"z" * 4000)
    env = {**os.environ, **s3.env, **THREE_TRIES, "FLYTE_AWS_ENDPOINT": proxy.endpoint}
    rule = Rule(operation.upper(), "obj.bin", fault, times=None)
    proxy.rules.append(rule)
    storage = Storage.from_env(env)
    started = time.monotonic()
    if operation == "get":
        with pytest.raises(DownloadError):
            storage.get_bytes(s3.uri("in", "obj.bin"))
    else:
        with pytest.raises(UploadError):
            storage.put_bytes(s3.uri("in", "obj.bin"), b"new")
    assert time.monotonic() - started < 20
    fewest, most = CLASSIFICATION[(operation, fault)]
    assert fewest <= rule.hits <= most, proxy.requests


def test_a_store_that_throttles_forever_ends_the_run_within_the_default_budget(
    s3: Any,
    proxy: FaultProxy,
    task_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every request answered ``503 SlowDown``, the default budget (4 attempts, 60 s): the inputs download
    gives up, the error document cannot be written either, and the run exits 1 with one line on stderr,
    well within 60 s, with at most 4 requests for each object."""
    from collections import Counter

    from flyte_entrypoint.shell.driver import Driver

    s3.client().put_object(Bucket=s3.bucket, Key="in/inputs.pb", Body=_inputs(s3, "add"))
    monkeypatch.chdir(task_dir)
    for name in BUDGET:
        monkeypatch.delenv(name, raising=False)
    env = {**os.environ, **s3.env, "FLYTE_AWS_ENDPOINT": proxy.endpoint}
    proxy.rules.append(Rule("*", "/", "503", times=None))
    args = TaskArgs(
        inputs=s3.uri("in", "inputs.pb"),
        output_prefix=s3.uri("out"),
        raw_output_data_prefix=s3.uri("raw"),
        resolver_args=("task-module", MODULE, "task-name", "add"),
    )
    started = time.monotonic()
    code = Driver(args, env).run()
    elapsed = time.monotonic() - started
    assert code == 1 and elapsed < 60
    per_object = Counter(proxy.requests)
    assert per_object and max(per_object.values()) <= 4, per_object
    assert _objects(s3) == {}
    assert len([line for line in capsys.readouterr().err.splitlines() if line.startswith("{")]) == 1
