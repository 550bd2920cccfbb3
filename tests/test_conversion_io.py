"""Conversion I/O is commands (issue 11 item 2): the type engine plans its reads and uploads, the shell performs them.

* outputs whose bytes a conversion makes (a pickle stream, a ``.npy``, parquet/CSV, JSON lines) are planned as
  ``UploadBytes`` with those bytes and the literal's URI; nothing is written by the conversion;
* inputs read eagerly answer ``BlobsNeeded`` naming what to fetch, then convert from the bytes the caller supplies;
  a blob that does not exist is a conversion error naming its URI;
* the run machine turns the reads into ``ReadBlobs`` / ``BlobsRead``, and a storage failure while reading into the
  storage error document (exit 0); ``pyflyte-execute`` does it all on local folders and on the S3 test server.

Expected values come from the libraries that make the bytes (pickle, numpy, pandas writing a file, as flytekit's
handlers do) and from flytekit's wording, never from our own output.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Annotated, Any, Iterator

import pytest
from flyteidl.core import errors_pb2, literals_pb2
from pyrsistent import pmap
from returns.result import Failure

from flyte_entrypoint.core import run as m
from flyte_entrypoint.core.errors import CapturedError
from flyte_entrypoint.core.literal_maps import inputs_to_python
from flyte_entrypoint.core.task import task
from flyte_entrypoint.core.type_engine.engine import (
    BlobRead,
    BlobsNeeded,
    ConversionContext,
    ConversionError,
    UploadBytes,
    to_literal,
    to_python,
)
from flyte_entrypoint.core.type_engine.pickled import AllowPickle
from flyte_entrypoint.schemas.invocation import Invocation, TaskArgs
from flyte_entrypoint.shell import blob_io
from flyte_entrypoint.shell.storage import Storage

EXECUTE = str(Path(sys.executable).with_name("pyflyte-execute"))
CTX = ConversionContext(raw_output_prefix="s3://b/raw", local_sandbox="/nowhere/sandbox", name_seed="ab" * 16)


class Opaque:
    def __init__(self, n: int) -> None:
        self.n = n

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Opaque) and other.n == self.n


PICKLED = Annotated[Opaque, AllowPickle]


def _blob_literal(uri: str, fmt: str) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.blob.uri = uri
    lit.scalar.blob.metadata.type.format = fmt
    return lit


# ------------------------------------------------------------------------------------------ outputs: planned bytes
def test_a_pickle_output_is_planned_as_its_bytes_at_the_literals_uri() -> None:
    converted = to_literal(Opaque(7), PICKLED, CTX).unwrap()
    (up,) = converted.uploads
    assert isinstance(up, UploadBytes)
    assert pickle.loads(up.data) == Opaque(7)
    uri = converted.value.scalar.blob.uri
    assert up.remote == uri and uri.startswith("s3://b/raw/")
    assert uri.rsplit("/", 1)[1] == hashlib.md5(up.data).hexdigest()  # flytekit names the file by its md5
    assert not Path("/nowhere").exists()  # the conversion wrote nothing


def test_a_numpy_output_is_planned_as_the_npy_file_numpy_writes(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    arr = np.arange(6, dtype=np.int32).reshape(2, 3)
    converted = to_literal(arr, np.ndarray, CTX).unwrap()
    (up,) = converted.uploads
    np.save(tmp_path / "ref.npy", arr, allow_pickle=False)  # what flytekit's transformer writes
    assert up.data == (tmp_path / "ref.npy").read_bytes()
    assert up.remote == converted.value.scalar.blob.uri and up.remote.endswith(".npy")


def test_a_dataframe_output_is_planned_as_the_parquet_file_pandas_writes(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    converted = to_literal(frame, pd.DataFrame, CTX).unwrap()
    (up,) = converted.uploads
    frame.to_parquet(tmp_path / "00000", coerce_timestamps="us", allow_truncated_timestamps=False)
    assert up.data == (tmp_path / "00000").read_bytes()  # flytekit's encoder: <uri>/00000, these settings
    assert up.remote == converted.value.scalar.structured_dataset.uri + "/00000"


# ------------------------------------------------------------------------------------------ inputs: planned reads
def test_an_input_plans_its_read_then_converts_from_the_given_bytes() -> None:
    lit = _blob_literal("s3://b/in/p", "PythonPickle")
    first = to_python(lit, PICKLED, CTX)
    assert isinstance(first, Failure) and isinstance(first.failure(), BlobsNeeded)
    assert first.failure().reads == (BlobRead("s3://b/in/p"),)
    supplied = ConversionContext(blobs={BlobRead("s3://b/in/p"): pickle.dumps(Opaque(3))})
    assert to_python(lit, PICKLED, supplied).unwrap() == Opaque(3)


def test_a_missing_blob_is_a_conversion_error_naming_its_uri() -> None:
    lit = _blob_literal("s3://b/in/gone", "PythonPickle")
    got = to_python(lit, PICKLED, ConversionContext(blobs={BlobRead("s3://b/in/gone"): None}))
    assert isinstance(got, Failure) and not isinstance(got.failure(), BlobsNeeded)
    assert isinstance(got.failure(), ConversionError) and "s3://b/in/gone" in str(got.failure())


def test_corrupt_bytes_are_a_conversion_error_naming_the_uri() -> None:
    lit = _blob_literal("s3://b/in/bad", "PythonPickle")
    got = to_python(lit, PICKLED, ConversionContext(blobs={BlobRead("s3://b/in/bad"): b"not a pickle"}))
    assert isinstance(got, Failure) and "s3://b/in/bad" in str(got.failure())


def test_reads_inside_containers_are_asked_for_in_one_round() -> None:
    lits = literals_pb2.Literal()
    for name in ("x", "y", "x"):
        lits.collection.literals.add().CopyFrom(_blob_literal(f"s3://b/in/{name}", "PythonPickle"))
    got = to_python(lits, list[PICKLED], CTX).failure()
    assert isinstance(got, BlobsNeeded) and got.reads == (BlobRead("s3://b/in/x"), BlobRead("s3://b/in/y"))
    blobs = {BlobRead("s3://b/in/x"): pickle.dumps(Opaque(1)), BlobRead("s3://b/in/y"): pickle.dumps(Opaque(2))}
    assert to_python(lits, list[PICKLED], ConversionContext(blobs=blobs)).unwrap() == [Opaque(1), Opaque(2), Opaque(1)]


def test_json_lines_and_dataframe_inputs_read_from_the_given_bytes() -> None:
    pd = pytest.importorskip("pandas")
    from flyte_entrypoint.iterators import JSON

    lines = _blob_literal("s3://b/in/j", "jsonl")
    tp = Iterator[JSON]
    ctx = ConversionContext(blobs={BlobRead("s3://b/in/j"): '{"k": "ü"}\n\n[1, 2]\n'.encode()})
    assert list(to_python(lines, tp, ctx).unwrap()) == [{"k": "ü"}, [1, 2]]
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    sd = literals_pb2.Literal()
    sd.scalar.structured_dataset.uri = "s3://b/in/df"
    sd.scalar.structured_dataset.metadata.structured_dataset_type.format = "parquet"
    first = to_python(sd, pd.DataFrame, CTX).failure()
    assert isinstance(first, BlobsNeeded) and first.reads == (BlobRead("s3://b/in/df", is_directory=True),)
    parts = {"00000": buffer.getvalue(), ".hidden": b"ignored", "_SUCCESS": b""}
    got = to_python(sd, pd.DataFrame, ConversionContext(blobs={first.reads[0]: parts})).unwrap()
    pd.testing.assert_frame_equal(got, frame)


def test_a_lazy_typed_iterator_asks_for_its_elements_blobs_with_the_inputs() -> None:
    lits = literals_pb2.Literal()
    for name in ("x", "y"):
        lits.collection.literals.add().CopyFrom(_blob_literal(f"s3://b/in/{name}", "PythonPickle"))
    got = to_python(lits, Iterator[PICKLED], CTX).failure()
    assert isinstance(got, BlobsNeeded) and got.reads == (BlobRead("s3://b/in/x"), BlobRead("s3://b/in/y"))
    blobs = {BlobRead("s3://b/in/x"): pickle.dumps(Opaque(1)), BlobRead("s3://b/in/y"): pickle.dumps(Opaque(2))}
    assert list(to_python(lits, Iterator[PICKLED], ConversionContext(blobs=blobs)).unwrap()) == [Opaque(1), Opaque(2)]


@task
def two_pickles(a: PICKLED, n: int, b: PICKLED) -> int:
    return a.n + n + b.n


def test_the_task_inputs_ask_for_every_read_in_one_round_and_in_declared_order() -> None:
    lm = literals_pb2.LiteralMap()
    lm.literals["a"].CopyFrom(_blob_literal("s3://b/in/a", "PythonPickle"))
    lm.literals["n"].scalar.primitive.integer = 1
    lm.literals["b"].CopyFrom(_blob_literal("s3://b/in/b", "PythonPickle"))
    got = inputs_to_python(two_pickles, lm, None, CTX).failure()
    assert isinstance(got, BlobsNeeded) and got.reads == (BlobRead("s3://b/in/a"), BlobRead("s3://b/in/b"))
    blobs = {BlobRead("s3://b/in/a"): pickle.dumps(Opaque(10)), BlobRead("s3://b/in/b"): None}
    err = inputs_to_python(two_pickles, lm, None, ConversionContext(blobs=blobs)).failure()
    assert "Error converting input 'b'" in str(err) and "s3://b/in/b" in str(err)


# ------------------------------------------------------------------------------------------ the run machine
def _inv() -> Invocation:
    args = TaskArgs(
        inputs="s3://b/in/inputs.pb",
        output_prefix="s3://b/out",
        raw_output_data_prefix="s3://b/raw",
        resolver="flyte_entrypoint.default_task_resolver",
        resolver_args=("task-module", "m", "task-name", "two_pickles"),
    )
    return Invocation(args, {}, now=100.0, uuid_hex="ab" * 16, name_seed="cd" * 16)


def _until_reads() -> tuple[m.Run, m.ReadBlobs]:
    lm = literals_pb2.LiteralMap()
    lm.literals["a"].CopyFrom(_blob_literal("s3://b/in/a", "PythonPickle"))
    lm.literals["n"].scalar.primitive.integer = 1
    lm.literals["b"].CopyFrom(_blob_literal("s3://b/in/b", "PythonPickle"))
    run, _ = m.start(_inv())
    run, _ = m.receive(run, m.TaskLoaded(two_pickles))
    run, cmd = m.receive(run, m.InputsRead(lm.SerializeToString(), 1.0))
    assert isinstance(cmd, m.ReadBlobs) and run.state is m.State.READING_BLOBS
    return run, cmd


def _doc(command: m.Command) -> errors_pb2.ErrorDocument:
    assert isinstance(command, m.WriteOutputs)
    ((_name, data),) = command.files.items()
    return errors_pb2.ErrorDocument.FromString(data)


def test_the_machine_reads_the_blobs_then_runs_the_task() -> None:
    run, cmd = _until_reads()
    assert cmd.reads == (BlobRead("s3://b/in/a"), BlobRead("s3://b/in/b"))
    data = pmap({BlobRead("s3://b/in/a"): pickle.dumps(Opaque(2)), BlobRead("s3://b/in/b"): pickle.dumps(Opaque(3))})
    run, cmd2 = m.receive(run, m.BlobsRead(data, 2.0))
    assert isinstance(cmd2, m.RunTask) and cmd2.kwargs["a"] == Opaque(2) and cmd2.kwargs["b"] == Opaque(3)


def test_a_missing_blob_ends_in_the_conversion_error_document() -> None:
    run, _ = _until_reads()
    data = pmap({BlobRead("s3://b/in/a"): pickle.dumps(Opaque(2)), BlobRead("s3://b/in/b"): None})
    run, cmd = m.receive(run, m.BlobsRead(data, 2.0))
    doc = _doc(cmd)
    assert doc.error.kind == errors_pb2.ContainerError.NON_RECOVERABLE and "s3://b/in/b" in doc.error.message
    run, exit_ = m.receive(run, m.OutputsWritten())
    assert exit_ == m.Exit(0, "error document written")


def test_a_storage_failure_while_reading_ends_in_the_storage_error_document() -> None:
    from flyte_entrypoint.core.errors import StorageFailure, StorageFault

    run, _ = _until_reads()
    failure = StorageFailure(StorageFault.DOWNLOAD, "s3://b/in/a", "Failed to get data from s3://b/in/a (500)")
    run, cmd = m.receive(run, m.InputsReadFailed(CapturedError(OSError("500"), "trace", failure), 2.0))
    doc = _doc(cmd)
    assert doc.error.kind == errors_pb2.ContainerError.RECOVERABLE and "s3://b/in/a" in doc.error.message
    assert m.receive(run, m.OutputsWritten())[1].code == 0


# ------------------------------------------------------------------------------------------ end to end
TASKS = textwrap.dedent(
    """
    from typing import Annotated, Iterator

    import numpy as np

    from flyte_entrypoint import AllowPickle, task
    from flyte_entrypoint.iterators import JSON


    class Box:
        def __init__(self, n):
            self.n = n


    @task
    def make() -> tuple[Annotated[Box, AllowPickle], np.ndarray, Iterator[JSON]]:
        return Box(4), np.arange(3), iter([{"a": 1}, [2]])


    @task
    def use(b: Annotated[Box, AllowPickle], arr: np.ndarray, rows: Iterator[JSON]) -> int:
        return b.n + int(arr.sum()) + len(list(rows))
    """
)


def _execute(cwd: Path, env: dict[str, str], inputs: str, out: str, raw: str, name: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE", "_F_"))}
    base.update(env)
    return subprocess.run(
        [EXECUTE, "--inputs", inputs, "--output-prefix", out, "--raw-output-data-prefix", raw,
         "--resolver", "flyte_entrypoint.default_task_resolver", "--", "task-module", "io_tasks", "task-name", name],
        cwd=cwd, capture_output=True, text=True, env=base, timeout=120,
    )  # fmt: skip


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Storage, dict[str, str], Any]:
    pytest.importorskip("numpy")
    if request.param == "s3":
        s3 = request.getfixturevalue("s3")
        return Storage.from_env(s3.env), dict(s3.env), lambda *parts: s3.uri(*parts)
    return Storage.from_env({}), {}, lambda *parts: str(tmp_path.joinpath("store", *parts))


def test_pyflyte_execute_uploads_and_reads_planned_bytes(store: Any, tmp_path: Path) -> None:
    storage, env, uri = store
    (tmp_path / "io_tasks.py").write_text(TASKS)
    empty = literals_pb2.LiteralMap().SerializeToString()
    storage.put_bytes(uri("in", "inputs.pb"), empty)
    made = _execute(tmp_path, env, uri("in", "inputs.pb"), uri("out1"), uri("raw"), "make")
    assert made.returncode == 0, made.stderr
    outputs = literals_pb2.LiteralMap.FromString(storage.get_bytes(uri("out1", "outputs.pb")))
    pickled = outputs.literals["o0"].scalar.blob.uri
    data = storage.get_bytes(pickled)
    assert pickled.rsplit("/", 1)[1] == hashlib.md5(data).hexdigest() and b"io_tasks" in data
    assert storage.get_bytes(outputs.literals["o2"].scalar.blob.uri) == b'{"a": 1}\n[2]\n'
    lm = literals_pb2.LiteralMap()
    for src, dst in (("o0", "b"), ("o1", "arr"), ("o2", "rows")):
        lm.literals[dst].CopyFrom(outputs.literals[src])
    storage.put_bytes(uri("in2", "inputs.pb"), lm.SerializeToString())
    used = _execute(tmp_path, env, uri("in2", "inputs.pb"), uri("out2"), uri("raw"), "use")
    assert used.returncode == 0, used.stderr
    result = literals_pb2.LiteralMap.FromString(storage.get_bytes(uri("out2", "outputs.pb")))
    assert result.literals["o0"].scalar.primitive.integer == 4 + 3 + 2
    lm.literals["b"].scalar.blob.uri = uri("raw", "gone")
    storage.put_bytes(uri("in3", "inputs.pb"), lm.SerializeToString())
    missing = _execute(tmp_path, env, uri("in3", "inputs.pb"), uri("out3"), uri("raw"), "use")
    assert missing.returncode == 0, missing.stderr  # the error document was written
    doc = errors_pb2.ErrorDocument.FromString(storage.get_bytes(uri("out3", "error.pb")))
    assert uri("raw", "gone") in doc.error.message and doc.error.kind == errors_pb2.ContainerError.NON_RECOVERABLE


def test_a_failed_upload_of_planned_bytes_ends_in_the_error_document(s3: Any, tmp_path: Path) -> None:
    pytest.importorskip("numpy")
    storage = Storage.from_env(s3.env)
    (tmp_path / "io_tasks.py").write_text(TASKS)
    storage.put_bytes(s3.uri("in", "inputs.pb"), literals_pb2.LiteralMap().SerializeToString())
    proc = _execute(tmp_path, s3.env, s3.uri("in", "inputs.pb"), s3.uri("out"), "s3://no-such-bucket/raw", "make")
    assert proc.returncode == 0, proc.stderr
    assert not storage.exists(s3.uri("out", "outputs.pb"))
    doc = errors_pb2.ErrorDocument.FromString(storage.get_bytes(s3.uri("out", "error.pb")))
    assert "no-such-bucket" in doc.error.message


def test_a_python_task_runs_with_planned_io_outside_the_run_machine() -> None:
    """``PythonTask.local_execute`` / ``dispatch_execute`` use the same loop (convert, fetch, convert again)."""
    from flyte_entrypoint.entrypoint import FlyteContextManager, PythonTask

    pd = pytest.importorskip("pandas")

    class Grow(PythonTask):  # type: ignore[type-arg]
        def execute(self, **kwargs):  # type: ignore[no-untyped-def]
            box, frame = kwargs["box"], kwargs["frame"]
            return Opaque(box.n + 1), frame.assign(b=frame["a"] * 2)

    class Interface:
        inputs = {"box": PICKLED, "frame": pd.DataFrame}
        outputs = {"o0": PICKLED, "o1": pd.DataFrame}

    ctx = FlyteContextManager.current_context()
    box, frame = Grow("python-task", "t.grow", interface=Interface()).local_execute(
        ctx, box=Opaque(1), frame=pd.DataFrame({"a": [1, 2]})
    )
    assert box == Opaque(2)
    pd.testing.assert_frame_equal(frame, pd.DataFrame({"a": [1, 2], "b": [2, 4]}))


def test_the_shell_fetches_files_folders_and_reports_what_is_missing(store: Any) -> None:
    storage, _env, uri = store
    storage.put_bytes(uri("f", "one"), b"1")
    storage.put_bytes(uri("d", "00000"), b"a")
    storage.put_bytes(uri("d", "sub", "x"), b"b")
    reads = [
        BlobRead(uri("f", "one")),
        BlobRead(uri("d"), is_directory=True),
        BlobRead(uri("f", "one"), is_directory=True),  # a dataset given as one file
        BlobRead(uri("nope")),
        BlobRead(uri("nope"), is_directory=True),
    ]
    got = blob_io.fetch_blobs(storage, reads)
    assert got == {
        reads[0]: b"1",
        reads[1]: {"00000": b"a", "sub/x": b"b"},
        reads[2]: {"": b"1"},
        reads[3]: None,
        reads[4]: None,
    }
