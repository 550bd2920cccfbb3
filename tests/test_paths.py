"""``core.paths`` by example: the joining, scheme and key rules of the module docstring."""

from __future__ import annotations

import pytest

from flyte_entrypoint.core import paths


@pytest.mark.parametrize(
    ("prefix", "parts", "out"),
    [
        ("s3://b/p", ("a", "b.txt"), "s3://b/p/a/b.txt"),
        ("s3://b/p/", ("/a/", "//b/"), "s3://b/p/a/b/"),
        ("s3://b", ("k",), "s3://b/k"),
        ("s3://", ("b", "k"), "s3://b/k"),
        ("/", ("a",), "/a"),
        ("file:///", ("a",), "file:///a"),
        ("", ("a", "b"), "a/b"),
        ("/x", ("a/", ""), "/x/a/"),  # an empty last part does not drop the trailing "/"
        ("/x", ("a/", "b"), "/x/a/b"),
        ("/x", ("", "/", "//"), "/x"),
        ("S3://b", ("k",), "S3://b/k"),  # the prefix keeps its own spelling
    ],
)
def test_join(prefix: str, parts: tuple[str, ...], out: str) -> None:
    assert paths.join(prefix, *parts) == out


def test_schemes() -> None:
    assert paths.split_scheme("S3://b/k") == ("s3", "b/k")
    assert paths.split_scheme("/tmp/x") == (None, "/tmp/x")
    assert paths.split_scheme("1s://x") == (None, "1s://x")
    assert paths.scheme_of("/tmp/x") == "file" and paths.scheme_of("gs://b") == "gs"
    assert paths.is_local("file:///x") is True and paths.is_local("/x") is True and paths.is_local("s3://b") is False
    assert paths.is_remote("s3://b") is True and paths.is_remote("x") is False
    assert paths.strip_file_scheme("FILE:///tmp/x") == "/tmp/x"
    assert paths.strip_file_scheme("s3://b/x") == "s3://b/x"


def test_basename_and_separators() -> None:
    assert paths.basename("s3://b/dir/") == "dir"
    assert paths.basename("/") == "" and paths.basename("s3://") == ""
    assert paths.ensure_trailing_sep("s3://b") == "s3://b/"
    assert paths.ensure_trailing_sep("s3://b/") == "s3://b/"
    assert paths.ensure_trailing_sep("") == ""
    assert paths.strip_trailing_sep("s3://b/k//") == "s3://b/k"
    assert paths.strip_trailing_sep("/") == "/" and paths.strip_trailing_sep("file:///") == "file:///"
    assert paths.strip_trailing_sep("s3://") == "s3://"


def test_relative_key() -> None:
    assert paths.relative_key("b/p", "b/p/x/y") == "x/y"
    assert paths.relative_key("b/p/", "b/p/x/") == "x"
    assert paths.relative_key("b/p", "b/px") is None
    assert paths.relative_key("b/p", "b/p") is None
    assert paths.relative_key("", "a/b") == "a/b"


@pytest.mark.parametrize(
    ("key", "safe"),
    [("a/b", True), ("a", True), ("a/..b", True), ("", False), ("/a", False), ("a/../b", False), ("..", False)],
)
def test_is_safe_relative(key: str, safe: bool) -> None:
    assert paths.is_safe_relative(key) is safe
