"""``SyncCheckpoint`` (PROTOCOL §7): local dirs, the S3 server, and two attempts through the real CLI."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from flyteidl.core import errors_pb2, literals_pb2

from flyte_entrypoint.core.errors import NON_RECOVERABLE, ORIGIN_USER
from flyte_entrypoint.shell.checkpoint import SyncCheckpoint
from flyte_entrypoint.shell.storage import Storage

EXECUTE = str(Path(sys.executable).parent / "pyflyte-execute")


class CountingStorage:
    """A Storage that counts ``get_dir`` calls (restores)."""

    def __init__(self, inner: Storage) -> None:
        self.inner = inner
        self.get_dir_calls: list[tuple[str, str]] = []

    def get_dir(self, uri: str, local_dir: str) -> None:
        self.get_dir_calls.append((uri, local_dir))
        self.inner.get_dir(uri, local_dir)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _cp(tmp_path: Path, prev: str | None, dest: str | None = None, storage: Any = None) -> SyncCheckpoint:
    return SyncCheckpoint.over(
        storage or Storage(), dest or str(tmp_path / "dest"), prev, str(tmp_path / "scratch")
    )


def _prev_with(tmp_path: Path, **files: bytes) -> str:
    prev = tmp_path / "prev"
    prev.mkdir()
    for name, data in files.items():
        (prev / name).write_bytes(data)
    return str(prev)


# ---------------------------------------------------------------------------------- local directories
@pytest.mark.parametrize("prev", [None, ""])
def test_no_previous_checkpoint(tmp_path: Path, prev: str | None) -> None:
    cp = _cp(tmp_path, prev)
    assert cp.prev_exists() is False
    assert cp.restore() is None
    assert cp.read() is None


def test_write_lands_as_dst_cp(tmp_path: Path) -> None:
    cp = _cp(tmp_path, None)
    cp.write(b"attempt-1")
    assert (tmp_path / "dest" / "_dst_cp").read_bytes() == b"attempt-1"


def test_save_file_dir_and_streams(tmp_path: Path) -> None:
    cp = _cp(tmp_path, None)
    f = tmp_path / "model.bin"
    f.write_bytes(b"weights")
    cp.save(f)
    cp.save(str(f))  # a str path works too
    d = tmp_path / "state"
    (d / "sub").mkdir(parents=True)
    (d / "a.txt").write_text("a")
    (d / "sub" / "b.txt").write_text("b")
    cp.save(d)
    dest = tmp_path / "dest"
    assert (dest / "model.bin").read_bytes() == b"weights"
    assert (dest / "a.txt").read_text() == "a"  # a directory's *contents* go under dest
    assert (dest / "sub" / "b.txt").read_text() == "b"
    cp.save(io.BytesIO(b"stream"))
    assert (dest / "_dst_cp").read_bytes() == b"stream"
    cp.save(io.StringIO("text"))
    assert (dest / "_dst_cp").read_bytes() == b"text"
    with f.open("rb") as fh:  # flytekit's documented usage: a BufferedReader
        cp.save(fh)
    assert (dest / "_dst_cp").read_bytes() == b"weights"


@pytest.mark.parametrize("bad", [123, b"bytes", ["list"]])
def test_save_rejects_other_types_with_flytekits_message(tmp_path: Path, bad: object) -> None:
    with pytest.raises(ValueError) as info:
        _cp(tmp_path, None).save(bad)
    assert (
        str(info.value)
        == f"Only a valid path or IOBase type (reader) should be provided, received {type(bad)}"
    )


def test_read_one_file(tmp_path: Path) -> None:
    cp = _cp(tmp_path, _prev_with(tmp_path, _dst_cp=b"attempt-1"))
    assert cp.prev_exists() is True
    assert cp.read() == b"attempt-1"


def test_read_more_than_one_file_is_flytekits_value_error(tmp_path: Path) -> None:
    cp = _cp(tmp_path, _prev_with(tmp_path, a=b"1", b=b"2"))
    with pytest.raises(ValueError, match=r"^Expected exactly one checkpoint - found 2$"):
        cp.read()


def test_read_an_empty_previous_checkpoint_is_none(tmp_path: Path) -> None:
    assert _cp(tmp_path, _prev_with(tmp_path)).read() is None


def test_restore_default_dir_is_idempotent(tmp_path: Path) -> None:
    storage = CountingStorage(Storage())
    prev = _prev_with(tmp_path, _dst_cp=b"x")
    cp = _cp(tmp_path, prev, storage=storage)
    first = cp.restore()
    assert first is not None and first.name == "prev_cp" and (first / "_dst_cp").read_bytes() == b"x"
    assert cp.restore() == first
    assert cp.read() == b"x"
    assert len(storage.get_dir_calls) == 1  # restore, restore, read: one download


def test_restore_is_keyed_by_path_q22(tmp_path: Path) -> None:
    """flytekit returns the first directory whatever is asked and leaves the second empty (Q22)."""
    storage = CountingStorage(Storage())
    cp = _cp(tmp_path, _prev_with(tmp_path, _dst_cp=b"x"), storage=storage)
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    assert cp.restore(one) == one
    assert cp.restore(str(two)) == two  # a str works and gives a Path
    assert (one / "_dst_cp").read_bytes() == (two / "_dst_cp").read_bytes() == b"x"
    assert cp.restore(str(one) + "/") == one  # same directory, another spelling: cached
    assert len(storage.get_dir_calls) == 2


def test_restore_into_a_non_directory_raises(tmp_path: Path) -> None:
    cp = _cp(tmp_path, _prev_with(tmp_path, _dst_cp=b"x"))
    f = tmp_path / "file"
    f.write_text("")
    for target in (f, tmp_path / "missing"):
        with pytest.raises(ValueError, match=r"^Checkpoints can be restored to a directory only\.$"):
            cp.restore(target)


def test_read_after_write_is_still_the_previous_attempts_checkpoint(tmp_path: Path) -> None:
    """Documented rule: read()/restore() describe the previous attempt, write()/save() this one."""
    cp = _cp(tmp_path, _prev_with(tmp_path, _dst_cp=b"old"))
    cp.write(b"new")
    assert cp.read() == b"old"
    assert (tmp_path / "dest" / "_dst_cp").read_bytes() == b"new"


def test_missing_previous_checkpoint_is_an_empty_state(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cp = _cp(tmp_path, str(tmp_path / "does-not-exist"))
    with caplog.at_level(logging.WARNING, logger="flyte_entrypoint.checkpoint"):
        restored = cp.restore()
        assert cp.read() is None
    assert restored is not None and restored.is_dir() and list(restored.iterdir()) == []
    assert "could not be restored" in caplog.text


def test_corrupt_previous_checkpoint_is_an_empty_state(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "prev-file"
    not_a_dir.write_bytes(b"garbage")
    cp = _cp(tmp_path, str(not_a_dir))
    assert cp.read() is None
    target = tmp_path / "mine"
    target.mkdir()
    (target / "keep").write_text("user data")
    assert cp.restore(target) == target
    assert [p.name for p in target.iterdir()] == ["keep"]  # a failed restore leaves the target as it was


def test_cleanup_removes_the_scratch_dir(tmp_path: Path) -> None:
    cp = _cp(tmp_path, _prev_with(tmp_path, _dst_cp=b"x"))
    cp.read()
    assert (tmp_path / "scratch").is_dir()
    cp.cleanup()
    assert not (tmp_path / "scratch").exists()


# ---------------------------------------------------------------------------------- S3 (moto server)
def test_two_attempts_on_s3(s3: Any, tmp_path: Path) -> None:
    storage = Storage.from_env(s3.env)
    cp1 = SyncCheckpoint.over(storage, s3.uri("cp", "attempt-1"), None, str(tmp_path / "a1"))
    assert cp1.read() is None
    cp1.write(b"attempt-1")
    body = s3.client().get_object(Bucket=s3.bucket, Key="cp/attempt-1/_dst_cp")["Body"].read()
    assert body == b"attempt-1"

    cp2 = SyncCheckpoint.over(
        storage, s3.uri("cp", "attempt-2") + "/", s3.uri("cp", "attempt-1"), str(tmp_path / "a2")
    )
    assert cp2.prev_exists()
    assert cp2.read() == b"attempt-1"
    f = tmp_path / "extra.txt"
    f.write_text("e")
    cp2.save(f)
    cp2.write(b"attempt-2")
    keys = sorted(
        o["Key"] for o in s3.client().list_objects_v2(Bucket=s3.bucket, Prefix="cp/attempt-2")["Contents"]
    )
    assert keys == ["cp/attempt-2/_dst_cp", "cp/attempt-2/extra.txt"]  # no "//" from the trailing slash

    cp3 = SyncCheckpoint.over(storage, s3.uri("cp", "attempt-3"), s3.uri("cp", "attempt-2"), str(tmp_path / "a3"))
    with pytest.raises(ValueError, match="found 2"):
        cp3.read()
    restored = cp3.restore()
    assert restored is not None and sorted(p.name for p in restored.iterdir()) == ["_dst_cp", "extra.txt"]


def test_missing_previous_checkpoint_on_s3_is_empty(s3: Any, tmp_path: Path) -> None:
    storage = Storage.from_env(s3.env)
    cp = SyncCheckpoint.over(storage, s3.uri("cp", "new"), s3.uri("cp", "never-written"), str(tmp_path / "x"))
    assert cp.prev_exists()
    assert cp.read() is None
    restored = cp.restore()
    assert restored is not None and list(restored.iterdir()) == []


# ---------------------------------------------------------------------------------- the real CLI
TASKS = textwrap.dedent(
    """
    from flyte_entrypoint import task, current_context

    @task
    def resume() -> None:
        cp = current_context().checkpoint
        prev = cp.read()
        n = int(prev.decode()) if prev else 0
        cp.write(str(n + 1).encode())

    @task
    def touches_checkpoint() -> None:
        current_context().checkpoint.read()
    """
)


def _empty_inputs(path: Path) -> str:
    path.write_bytes(literals_pb2.LiteralMap().SerializeToString())
    return str(path)


def _execute(
    workdir: Path, out: str, task: str, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    args = [
        EXECUTE,
        "--inputs",
        _empty_inputs(workdir / "inputs.pb"),
        "--output-prefix",
        out,
        "--raw-output-data-prefix",
        str(workdir / "raw"),
        *extra,
        "--resolver",
        "flyte_entrypoint.default_task_resolver",
        "--",
        "task-module",
        "cpwf",
        "task-name",
        task,
    ]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE", "_F_"))}
    full_env.update(env or {})
    return subprocess.run(args, cwd=workdir, capture_output=True, text=True, timeout=120, env=full_env)


@pytest.fixture()
def cpwork(tmp_path: Path) -> Path:
    (tmp_path / "cpwf.py").write_text(TASKS)
    return tmp_path


def test_cli_two_attempts_local(cpwork: Path) -> None:
    cp1, cp2 = cpwork / "cp1", cpwork / "cp2"
    one = _execute(
        cpwork, str(cpwork / "out1"), "resume", "--checkpoint-path", str(cp1), "--prev-checkpoint", ""
    )
    assert one.returncode == 0, one.stderr
    assert (cpwork / "out1" / "outputs.pb").exists(), one.stderr
    assert (cp1 / "_dst_cp").read_bytes() == b"1"
    two = _execute(
        cpwork, str(cpwork / "out2"), "resume", "--checkpoint-path", str(cp2), "--prev-checkpoint", str(cp1)
    )
    assert two.returncode == 0, two.stderr
    assert (cp2 / "_dst_cp").read_bytes() == b"2"  # attempt 2 read attempt 1's checkpoint


def test_cli_two_attempts_on_s3(cpwork: Path, s3: Any) -> None:
    out = s3.uri("out")
    one = _execute(
        cpwork, out + "/1", "resume", "--checkpoint-path", s3.uri("cp1"), "--prev-checkpoint", "", env=s3.env
    )
    assert one.returncode == 0, one.stderr
    two = _execute(
        cpwork,
        out + "/2",
        "resume",
        "--checkpoint-path",
        s3.uri("cp2"),
        "--prev-checkpoint",
        s3.uri("cp1"),
        env=s3.env,
    )
    assert two.returncode == 0, two.stderr
    client = s3.client()
    assert client.get_object(Bucket=s3.bucket, Key="cp1/_dst_cp")["Body"].read() == b"1"
    assert client.get_object(Bucket=s3.bucket, Key="cp2/_dst_cp")["Body"].read() == b"2"
    assert "Contents" in client.list_objects_v2(Bucket=s3.bucket, Prefix="out/2/outputs.pb")


def test_cli_previous_checkpoint_missing_starts_from_scratch(cpwork: Path) -> None:
    proc = _execute(
        cpwork,
        str(cpwork / "out"),
        "resume",
        "--checkpoint-path",
        str(cpwork / "cp"),
        "--prev-checkpoint",
        str(cpwork / "nope"),
    )
    assert proc.returncode == 0, proc.stderr
    assert (cpwork / "cp" / "_dst_cp").read_bytes() == b"1"


@pytest.mark.parametrize(
    "flags", [(), ("--checkpoint-path", ""), ("--checkpoint-path", "{{.checkpointOutputPrefix}}")]
)
def test_cli_checkpoint_without_a_path_is_a_user_error(cpwork: Path, flags: tuple[str, ...]) -> None:
    proc = _execute(cpwork, str(cpwork / "out"), "touches_checkpoint", *flags)
    assert proc.returncode == 0, proc.stderr
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString((cpwork / "out" / "error.pb").read_bytes())
    assert doc.error.origin == ORIGIN_USER
    assert doc.error.kind == NON_RECOVERABLE
    assert doc.error.code == "USER:RuntimeError"
    assert "Checkpointing is not available, please check the version of the platform." in doc.error.message
    assert "touches_checkpoint" in doc.error.message  # the user's frame is in the trace
