"""``core.checkpoint_rules``: flytekit's ``SyncCheckpoint`` decisions (PROTOCOL §7), value by value."""

from __future__ import annotations

import pytest
from returns.result import Failure, Success

from flyte_entrypoint.core import checkpoint_rules as rules
from flyte_entrypoint.core.checkpoint_rules import Entry


def test_names_flytekit_uses() -> None:
    assert rules.RESTORE_DIR_NAME == "prev_cp"
    assert rules.STREAM_FILE_NAME == "_dst_cp"
    assert rules.RESTORE_TARGET_NOT_A_DIRECTORY == "Checkpoints can be restored to a directory only."


@pytest.mark.parametrize(("prev", "source"), [(None, None), ("", None), ("s3://b/prev", "s3://b/prev"), (" ", " ")])
def test_previous_source(prev: str | None, source: str | None) -> None:
    assert rules.previous_source(prev) == source


@pytest.mark.parametrize(
    ("dest", "name", "uri"),
    [
        ("s3://b/cp", "model.pt", "s3://b/cp/model.pt"),
        ("s3://b/cp/", "/tmp/work/model.pt", "s3://b/cp/model.pt"),  # only the file's own name
        ("/local/cp", "a/b/c.txt", "/local/cp/c.txt"),
    ],
)
def test_saved_file_uri(dest: str, name: str, uri: str) -> None:
    assert rules.saved_file_uri(dest, name) == uri


def test_stream_uri() -> None:
    assert rules.stream_uri("s3://b/cp") == "s3://b/cp/_dst_cp"
    assert rules.stream_uri("s3://b/cp/") == "s3://b/cp/_dst_cp"


@pytest.mark.parametrize(
    ("path", "key"),
    [("/a/b", "/a/b"), ("/a/b/", "/a/b"), ("/a/./b", "/a/b"), ("//a/b", "/a/b"), ("///a//b", "/a/b"), ("/a/c/../b", "/a/b")],
)
def test_restore_key(path: str, key: str) -> None:
    assert rules.restore_key(path) == key


def test_single_checkpoint() -> None:
    assert rules.single_checkpoint([]) == Success(None)
    assert rules.single_checkpoint([Entry("cp", True)]) == Success(Entry("cp", True))
    two = rules.single_checkpoint([Entry("a", True), Entry("b", True)])
    assert isinstance(two, Failure) and str(two.failure()) == "Expected exactly one checkpoint - found 2"
    one_dir = rules.single_checkpoint([Entry("d", False)])
    assert isinstance(one_dir, Failure)
    assert str(one_dir.failure()) == "Expected exactly one checkpoint file - found the directory 'd'"


def test_invalid_save_target() -> None:
    err = rules.invalid_save_target(3)
    assert isinstance(err, ValueError)
    assert str(err) == "Only a valid path or IOBase type (reader) should be provided, received <class 'int'>"
