"""Tests of ``flyte_entrypoint.shell.storage``: local paths, file:// URIs, and s3:// on a real moto server."""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from flyte_entrypoint.shell.storage import (
    DataNotFound,
    DownloadError,
    MissingStorageExtra,
    RetryBudget,
    S3Settings,
    Storage,
    StorageConfig,
    StorageError,
    UploadError,
)

THROTTLED = (
    "An error occurred (SlowDown) when calling the PutObject operation: Please reduce your request rate."
)

EXEC_ENV = {
    "FLYTE_INTERNAL_EXECUTION_PROJECT": "flytesnacks",
    "FLYTE_INTERNAL_EXECUTION_DOMAIN": "development",
    "FLYTE_INTERNAL_EXECUTION_WORKFLOW": "wf.my_wf",
    "FLYTE_INTERNAL_EXECUTION_LAUNCHPLAN": "lp.my_lp",
    "FLYTE_INTERNAL_EXECUTION_ID": "a1b2c3",
}
EXPECTED_METADATA = {
    "flyte-execution-project": "flytesnacks",
    "flyte-execution-domain": "development",
    "flyte-execution-launchplan": "lp.my_lp",
    "flyte-execution-workflow": "wf.my_wf",
    "flyte-execution-name": "a1b2c3",
}


def _make_tree(root: Path) -> dict[str, bytes]:
    files = {
        "a.txt": b"alpha",
        "sub/b.bin": bytes(range(256)),
        "sub/deeper/c.json": b'{"c": 1}',
        ".hidden": b"h",
    }
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return files


def _read_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


# =========================================================================================================
# Local paths and file://
# =========================================================================================================


@pytest.fixture(params=["plain", "file-uri"])
def local_uri(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], str]:
    """Builds a destination location below tmp_path/store, either as a plain path or as a file:// URI."""
    base = tmp_path / "store"

    def make(rel: str) -> str:
        p = str(base / rel)
        return p if request.param == "plain" else "file://" + p

    return make


def test_local_bytes_round_trip_creates_parents(local_uri: Callable[[str], str]) -> None:
    st = Storage.from_env({})
    uri = local_uri("deep/er/outputs.pb")
    st.put_bytes(uri, b"\x00payload")
    assert st.get_bytes(uri) == b"\x00payload"
    assert st.exists(uri)
    st.put_bytes(uri, b"overwritten")
    assert st.get_bytes(uri) == b"overwritten"


def test_local_file_round_trip(local_uri: Callable[[str], str], tmp_path: Path) -> None:
    st = Storage.from_env({})
    src = tmp_path / "in.bin"
    src.write_bytes(b"file-bytes")
    uri = local_uri("x/y/in.bin")
    st.put_file(str(src), uri)
    out = tmp_path / "back" / "nested" / "out.bin"
    st.get_file(uri, str(out))
    assert out.read_bytes() == b"file-bytes"
    # a file:// destination is accepted too
    out2 = tmp_path / "back2.bin"
    st.get_file(uri, "file://" + str(out2))
    assert out2.read_bytes() == b"file-bytes"
    # copying a file onto itself is a no-op, not an error
    st.put_file(str(src), str(src))
    assert src.read_bytes() == b"file-bytes"


def test_local_dir_round_trip_merges_into_existing(local_uri: Callable[[str], str], tmp_path: Path) -> None:
    st = Storage.from_env({})
    src = tmp_path / "tree"
    files = _make_tree(src)
    uri = local_uri("dir")
    st.put_dir(str(src), uri)
    st.put_dir(str(src), uri)  # idempotent: merging into an existing directory works
    dst = tmp_path / "download"
    dst.mkdir()
    (dst / "pre-existing").write_bytes(b"kept")
    st.get_dir(uri, str(dst))
    assert _read_tree(dst) == {**files, "pre-existing": b"kept"}
    listed = st.list_files(uri)
    assert listed == sorted(listed)
    assert {u.rsplit("/dir/", 1)[1] for u in listed} == set(files)
    assert all(u.startswith(uri + "/") for u in listed)


def test_local_list_files_of_a_file_and_of_nothing(tmp_path: Path) -> None:
    st = Storage.from_env({})
    f = tmp_path / "f"
    f.write_bytes(b"")
    assert st.list_files(str(f)) == [str(f)]
    assert st.list_files(str(tmp_path / "missing")) == []
    assert not st.exists(str(tmp_path / "missing"))
    assert st.exists("file://" + str(f))


@pytest.mark.parametrize("op", ["bytes", "file", "dir"])
def test_local_missing_source_is_data_not_found(op: str, tmp_path: Path) -> None:
    st = Storage.from_env({})
    missing = str(tmp_path / "nope" / "inputs.pb")
    with pytest.raises(DataNotFound) as ei:
        if op == "bytes":
            st.get_bytes(missing)
        elif op == "file":
            st.get_file(missing, str(tmp_path / "out"))
        else:
            st.get_dir(missing, str(tmp_path / "out"))
    assert ei.value.uri == missing
    assert str(ei.value) == f"Value error!  Received: {missing}. File not found"
    assert isinstance(ei.value, StorageError)


def test_local_get_dir_of_a_file_is_a_download_error(tmp_path: Path) -> None:
    st = Storage.from_env({})
    f = tmp_path / "f.txt"
    f.write_bytes(b"x")
    with pytest.raises(DownloadError) as ei:
        st.get_dir(str(f), str(tmp_path / "out"))
    assert str(ei.value).startswith(
        f"Failed to get data from {f} to {tmp_path / 'out'} (recursive=True).\n\n"
    )


def test_local_unreadable_destination_is_a_download_error(tmp_path: Path) -> None:
    st = Storage.from_env({})
    src = tmp_path / "src"
    src.write_bytes(b"x")
    blocker = tmp_path / "blocker"
    blocker.write_bytes(b"a file, not a directory")
    dst = str(blocker / "sub" / "out")
    with pytest.raises(DownloadError) as ei:
        st.get_file(str(src), dst)
    assert str(ei.value).startswith(
        f"Failed to get data from {src} to {dst} (recursive=False).\n\nOriginal exception: "
    )


@pytest.mark.parametrize("op", ["bytes", "file", "dir"])
def test_local_unwritable_destination_is_an_upload_error(op: str, tmp_path: Path) -> None:
    # The destination's parent is a regular file, so no user (not even root) can write there.
    st = Storage.from_env({})
    blocker = tmp_path / "blocker"
    blocker.write_bytes(b"a file, not a directory")
    dst = str(blocker / "sub" / "target")
    src_file = tmp_path / "f.txt"
    src_file.write_bytes(b"x")
    src_dir = tmp_path / "d"
    _make_tree(src_dir)
    with pytest.raises(UploadError) as ei:
        if op == "bytes":
            st.put_bytes(dst, b"x")
        elif op == "file":
            st.put_file(str(src_file), dst)
        else:
            st.put_dir(str(src_dir), dst)
    err = ei.value
    assert err.uri == dst
    recursive = op == "dir"
    src = {"bytes": "<memory>", "file": str(src_file), "dir": str(src_dir)}[op]
    assert str(err).startswith(
        f"Failed to put data from {src} to {dst} (recursive={recursive}).\n\nOriginal exception: "
    )
    assert isinstance(err.cause, OSError)


def test_local_put_errors_on_bad_sources(tmp_path: Path) -> None:
    st = Storage.from_env({})
    with pytest.raises(UploadError, match="is not a directory"):
        st.put_dir(str(tmp_path / "missing"), str(tmp_path / "out"))
    with pytest.raises(UploadError, match="No such file"):
        st.put_file(str(tmp_path / "missing"), str(tmp_path / "out"))
    with pytest.raises(UploadError, match="is a directory"):
        st.put_file(str(tmp_path), str(tmp_path / "out2"))


def test_local_operations_do_not_import_fsspec(tmp_path: Path) -> None:
    code = textwrap.dedent(
        f"""
        import os, sys
        from flyte_entrypoint.shell.storage import Storage, DataNotFound
        st = Storage.from_env(dict(os.environ))
        root = {str(tmp_path)!r}
        st.put_bytes(root + "/a/outputs.pb", b"x")
        assert st.get_bytes("file://" + root + "/a/outputs.pb") == b"x"
        st.put_file(root + "/a/outputs.pb", "file://" + root + "/b/copy.pb")
        st.get_file(root + "/b/copy.pb", root + "/c/copy.pb")
        st.put_dir(root + "/a", root + "/d")
        st.get_dir("file://" + root + "/d", root + "/e")
        assert st.exists(root + "/e/outputs.pb")
        assert st.list_files(root + "/e") == [root + "/e/outputs.pb"]
        try:
            st.get_bytes(root + "/missing")
        except DataNotFound:
            pass
        heavy = sorted(m for m in sys.modules
                       if m.split(".")[0] in ("fsspec", "s3fs", "gcsfs", "adlfs", "botocore", "aiobotocore", "aiohttp")
                       or m in ("flyte_entrypoint.shell.fsspec_backend", "flyte_entrypoint.core.storage_config"))
        print(repr(heavy))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_one_place_picks_the_backend(tmp_path: Path) -> None:
    from flyte_entrypoint.shell.fsspec_backend import FsspecBackend
    from flyte_entrypoint.shell.storage import LocalBackend

    st = Storage.from_env({})
    for local in (str(tmp_path / "x"), "rel/x", "file://" + str(tmp_path / "x"), "FILE:///tmp/x"):
        assert isinstance(st.backend(local), LocalBackend), local
    remote = {st.backend(u) for u in ("s3://b/k", "gs://b/k", "memory://x/y", "abfs://c/k")}
    assert len(remote) == 1 and isinstance(remote.pop(), FsspecBackend)  # one fsspec backend, one cache


def test_config_names_are_the_cores_objects_and_env_is_read_once() -> None:
    from flyte_entrypoint.core import storage_config
    from flyte_entrypoint.shell import storage

    assert storage.StorageConfig is storage_config.StorageConfig
    assert storage.RetryBudget is storage_config.RetryBudget
    with pytest.raises(AttributeError):
        storage.NoSuchName  # noqa: B018
    env = {"FLYTE_AWS_ENDPOINT": "http://a"}
    st = Storage.from_env(env)
    env["FLYTE_AWS_ENDPOINT"] = "http://b"  # a later change to the mapping does not reach the storage
    assert st.config.s3.endpoint == "http://a"
    assert st.config is st.config


# =========================================================================================================
# Configuration from the environment
# =========================================================================================================


def test_s3_settings_map_onto_s3fs_kwargs() -> None:
    env = {
        "FLYTE_AWS_ENDPOINT": "http://127.0.0.1:9000",
        "FLYTE_AWS_ACCESS_KEY_ID": "AK",
        "FLYTE_AWS_SECRET_ACCESS_KEY": "SK",
        "FLYTE_AWS_ADDRESSING_STYLE": "path",
        "FLYTE_AWS_RETRIES": "7",
        "FLYTE_AWS_BACKOFF_SECONDS": "3",
        "FLYTE_AWS_ENABLE_DEBUG": "true",
    }
    s3 = S3Settings.from_env(env)
    assert (s3.retries, s3.backoff_seconds, s3.enable_debug) == (7, 3, True)
    assert s3.filesystem_kwargs(anonymous=False) == {
        "cache_regions": True,
        "key": "AK",
        "secret": "SK",
        "client_kwargs": {"endpoint_url": "http://127.0.0.1:9000"},
        "config_kwargs": {"s3": {"addressing_style": "path"}},
    }
    anon = s3.filesystem_kwargs(anonymous=True)
    assert anon["anon"] is True and "key" not in anon and "secret" not in anon
    # flytekit turns any other value into "virtual"
    odd = S3Settings.from_env({"FLYTE_AWS_ADDRESSING_STYLE": "whatever"})
    assert odd.filesystem_kwargs(False)["config_kwargs"] == {"s3": {"addressing_style": "virtual"}}
    # empty values count as unset
    empty = S3Settings.from_env({k: "" for k in env})
    assert empty.filesystem_kwargs(False) == {"cache_regions": True}


@pytest.mark.parametrize(
    ("value", "attached"),
    [
        (None, True),
        ("true", True),
        ("1", True),
        ("yes", True),
        ("false", False),
        ("OFF", False),
        ("0", False),
        ("", False),
    ],
)
def test_attach_execution_metadata_flag(value: str | None, attached: bool) -> None:
    env = dict(EXEC_ENV)
    if value is not None:
        env["FLYTE_PERSISTENCE_ATTACH_EXECUTION_METADATA"] = value
    cfg = StorageConfig.from_env(env)
    assert (cfg.execution_metadata == EXPECTED_METADATA) if attached else (cfg.execution_metadata is None)


def test_execution_metadata_uses_aliases_and_ignores_empty_long_names() -> None:
    env = {"FLYTE_INTERNAL_EXECUTION_PROJECT": "", "_F_PRJ": "p", "_F_DM": "d", "_F_NM": "n", "_F_WF": "w"}
    meta = StorageConfig.from_env(env).execution_metadata
    assert meta == {
        "flyte-execution-project": "p",
        "flyte-execution-domain": "d",
        "flyte-execution-launchplan": "",
        "flyte-execution-workflow": "w",
        "flyte-execution-name": "n",
    }


def test_missing_cloud_extra_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "gcsfs", None)  # makes `import gcsfs` raise ImportError
    monkeypatch.setitem(sys.modules, "adlfs", None)
    st = Storage.from_env({})
    with pytest.raises(DownloadError, match=r"pip install 'flyte-entrypoint\[gcs\]'"):
        st.get_bytes("gs://bucket/key")
    with pytest.raises(UploadError, match=r"pip install 'flyte-entrypoint\[abfs\]'"):
        st.put_bytes("abfs://container/key", b"x")
    with pytest.raises(MissingStorageExtra, match=r"flyte-entrypoint\[gcs\]"):
        st.exists("gs://bucket/key")


def test_gcsfs_and_adlfs_get_the_budget_through_their_constructors(monkeypatch: pytest.MonkeyPatch) -> None:
    """gcsfs and adlfs are optional extras (not installed here): stand-in classes record what the shell
    passes. Expected values from the default budget (4 tries, 60 s) and each library's schedule:
    gcsfs's fixed 6 tries and at most 36 s of back-off leave (60 - 36) / 6 = 4 s a try (a third to
    connect); azure-storage's ExponentialRetry set to 3 retries, sleeping at most 1.5 + 3.5 + 5.5 = 10.5 s,
    leaves (60 - 10.5) / 4 = 12.375 s a try (a third to connect)."""
    import types

    import aiohttp

    made: dict[str, Any] = {}

    class Policy:
        total_retries = 3
        initial_backoff = 15
        increment_base = 3

    class FakeGcs:
        def __init__(self, **kwargs: Any) -> None:
            made["gcs"] = kwargs

    class FakeAzure:
        def __init__(self, **kwargs: Any) -> None:
            made["azure"] = kwargs
            self.service_client = types.SimpleNamespace(_config=types.SimpleNamespace(retry_policy=Policy()))

    monkeypatch.setitem(sys.modules, "gcsfs", types.SimpleNamespace(GCSFileSystem=FakeGcs))
    monkeypatch.setitem(sys.modules, "adlfs", types.SimpleNamespace(AzureBlobFileSystem=FakeAzure))
    st = Storage.from_env({"FLYTE_AZURE_STORAGE_ACCOUNT_NAME": "acct"})

    st.filesystem("gs")
    timeout = made["gcs"]["requests_timeout"]
    assert isinstance(timeout, aiohttp.ClientTimeout) and timeout.total is None
    assert (timeout.sock_connect, timeout.sock_read) == (pytest.approx(4 / 3), pytest.approx(8 / 3))

    azure = st.filesystem("abfs")
    kwargs = made["azure"]
    assert (kwargs["account_name"], kwargs["anon"]) == ("acct", False)
    assert (kwargs["connection_timeout"], kwargs["read_timeout"]) == (
        pytest.approx(4.125),
        pytest.approx(8.25),
    )
    policy = azure.service_client._config.retry_policy  # type: ignore[attr-defined]
    assert (policy.total_retries, policy.connect_retries, policy.read_retries, policy.status_retries) == (
        3,
    ) * 4
    assert (policy.initial_backoff, policy.increment_base, policy.random_jitter_range) == (1.0, 2.0, 0.5)


# =========================================================================================================
# Fakes: one request per call, anonymous fallback, not-found detection (no network, no sleeping)
# =========================================================================================================


def _memory_fs_class() -> type:
    from fsspec.implementations.memory import MemoryFileSystem

    class FlakyMemoryFS(MemoryFileSystem):  # type: ignore[misc]
        """An in-memory fs whose data methods first raise ``errors`` (one per call), then work."""

        cachable = False

        def __init__(self, errors: list[BaseException] | None = None, **kw: Any) -> None:
            super().__init__(**kw)
            self.errors = list(errors or [])
            self.calls: list[str] = []

        def _maybe_fail(self, name: str) -> None:
            self.calls.append(name)
            if self.errors:
                raise self.errors.pop(0)

        def cat_file(self, path: str, *a: Any, **kw: Any) -> bytes:
            self._maybe_fail("cat_file")
            return bytes(super().cat_file(path, *a, **kw))

        def pipe_file(self, path: str, *a: Any, **kw: Any) -> None:
            self._maybe_fail("pipe_file")
            super().pipe_file(path, *a, **kw)

        def put_file(self, lpath: str, rpath: str, *a: Any, **kw: Any) -> None:
            self._maybe_fail("put_file")
            super().put_file(lpath, rpath, *a, **kw)

        def get_file(self, rpath: str, lpath: str, *a: Any, **kw: Any) -> None:
            self._maybe_fail("get_file")
            super().get_file(rpath, lpath, *a, **kw)

    return FlakyMemoryFS


def _storage_with(fs: Any, anon_fs: Any = None) -> Storage:
    def factory(protocol: str, anonymous: bool) -> Any:
        return anon_fs if (anonymous and anon_fs is not None) else fs

    return Storage(StorageConfig(), filesystem_factory=factory)


def _mem_uri(*parts: str) -> str:
    return "/".join([f"memory://{uuid.uuid4().hex}", *parts])


def test_storage_makes_each_request_once_the_library_owns_the_retries() -> None:
    fs = _memory_fs_class()(errors=[OSError(THROTTLED)] * 3)
    st = _storage_with(fs)
    uri = _mem_uri("outputs.pb")
    with pytest.raises(UploadError, match="Original exception: " + re.escape(THROTTLED)):
        st.put_bytes(uri, b"ok")
    assert fs.calls == ["pipe_file"]  # no loop of ours stacked on botocore's


def test_a_spent_budget_is_not_probed_or_retried_anonymously(tmp_path: Path) -> None:
    cls = _memory_fs_class()
    fs = cls()
    uri = _mem_uri("inputs.pb")
    fs.pipe_file(uri, b"data")
    spent = OSError(
        f"An error occurred (SlowDown) when calling the GetObject operation (reached max retries: 3): {THROTTLED}"
    )
    fs.errors = [spent] * 10
    anon = cls()
    st = _storage_with(fs, anon_fs=anon)
    dst = str(tmp_path / "inputs.pb")
    with pytest.raises(DownloadError):
        st.get_file(uri, dst)
    assert fs.calls == ["pipe_file", "get_file"] and anon.calls == []  # (pipe_file: the set-up)
    assert not os.path.exists(dst)  # no partial download left behind


def test_retry_budget_from_env_and_onto_botocore() -> None:
    default = RetryBudget.from_env({})
    assert (default.attempts, default.seconds) == (4, 60.0)
    # worst case: every try times out, with botocore's longest back-offs (1 + 2 + 4 s) in between
    assert (
        default.attempts * (default.connect_timeout + default.read_timeout) + default.max_backoff_seconds
        <= 60
    )
    small = RetryBudget.from_env(
        {"FLYTE_ENTRYPOINT_STORAGE_MAX_ATTEMPTS": "2", "FLYTE_ENTRYPOINT_STORAGE_TIMEOUT_SECONDS": "4"}
    )
    assert small.botocore_config() == {
        "retries": {"mode": "standard", "total_max_attempts": 2},
        "connect_timeout": pytest.approx(
            0.5
        ),  # (4 s - 1 s of back-off) / 2 tries = 1.5 s a try, a third to connect
        "read_timeout": pytest.approx(1.0),
    }
    bad = RetryBudget.from_env(
        {"FLYTE_ENTRYPOINT_STORAGE_MAX_ATTEMPTS": "x", "FLYTE_ENTRYPOINT_STORAGE_TIMEOUT_SECONDS": "-1"}
    )
    assert (bad.attempts, bad.seconds) == (4, 60.0)
    kwargs = S3Settings().filesystem_kwargs(False, small)
    assert kwargs["config_kwargs"]["retries"] == {"mode": "standard", "total_max_attempts": 2}


def test_failed_get_of_existing_object_is_retried_anonymously() -> None:
    cls = _memory_fs_class()
    fs = cls()
    uri = _mem_uri("public.bin")
    fs.pipe_file(uri, b"public")
    fs.errors = [PermissionError("Forbidden")] * 10  # the authenticated fs always fails
    anon = cls()
    st = _storage_with(fs, anon_fs=anon)
    assert st.get_bytes(uri) == b"public"
    assert anon.calls == ["cat_file"]


def test_generic_error_on_missing_object_is_data_not_found() -> None:
    fs = _memory_fs_class()(errors=[OSError("some opaque SDK error")])
    st = _storage_with(fs)
    uri = _mem_uri("never-written")
    with pytest.raises(DataNotFound):
        st.get_bytes(uri)


def test_generic_fsspec_scheme_without_factory(tmp_path: Path) -> None:
    st = Storage.from_env({})
    uri = _mem_uri("a", "b.txt")
    st.put_bytes(uri, b"mem")
    assert st.get_bytes(uri) == b"mem"
    assert st.exists(uri)
    with pytest.raises(DataNotFound):
        st.get_bytes(_mem_uri("missing"))


# =========================================================================================================
# S3 on a real moto server
# =========================================================================================================


def _head(s3: Any, key: str) -> dict[str, Any]:
    return dict(s3.client().head_object(Bucket=s3.bucket, Key=key))


def test_s3_bytes_round_trip_with_content_type(s3: Any) -> None:
    st = Storage.from_env({**s3.env, **EXEC_ENV})
    st.put_bytes(s3.uri("meta/deck.html"), b"<html></html>")  # guessed from the name
    st.put_bytes(s3.uri("meta/report"), b"<p/>", content_type="text/html")
    st.put_bytes(s3.uri("meta/outputs.pb"), b"\x0a\x00")
    assert st.get_bytes(s3.uri("meta/deck.html")) == b"<html></html>"
    assert st.get_bytes(s3.uri("meta/outputs.pb")) == b"\x0a\x00"
    assert _head(s3, "meta/deck.html")["ContentType"] == "text/html"
    assert _head(s3, "meta/report")["ContentType"] == "text/html"
    assert st.exists(s3.uri("meta/outputs.pb"))
    assert not st.exists(s3.uri("meta/nothing.pb"))


def test_s3_file_round_trip_and_gzip_encoding(s3: Any, tmp_path: Path) -> None:
    st = Storage.from_env(s3.env)
    plain = tmp_path / "data.txt"
    plain.write_bytes(b"hello")
    packed = tmp_path / "data.csv.gz"
    packed.write_bytes(gzip.compress(b"a,b\n1,2\n"))
    st.put_file(str(plain), s3.uri("f/data.txt"))
    st.put_file(str(packed), s3.uri("f/data.csv.gz"))
    assert "ContentEncoding" not in _head(s3, "f/data.txt")
    assert _head(s3, "f/data.csv.gz")["ContentEncoding"] == "gzip"
    back = tmp_path / "back" / "data.csv.gz"
    st.get_file(s3.uri("f/data.csv.gz"), str(back))
    assert back.read_bytes() == packed.read_bytes()  # stored and fetched verbatim, not decompressed
    st.get_file(s3.uri("f/data.txt"), str(tmp_path / "back" / "data.txt"))
    assert (tmp_path / "back" / "data.txt").read_bytes() == b"hello"


@pytest.mark.parametrize("trailing", ["", "/"])
def test_s3_dir_round_trip(s3: Any, tmp_path: Path, trailing: str) -> None:
    st = Storage.from_env(s3.env)
    src = tmp_path / "tree"
    files = _make_tree(src)
    st.put_dir(str(src), s3.uri("dirs/out") + trailing)
    listed = st.list_files(s3.uri("dirs/out") + trailing)
    assert listed == sorted(s3.uri("dirs/out", rel) for rel in files)
    keys = {o["Key"] for o in s3.client().list_objects_v2(Bucket=s3.bucket)["Contents"]}
    assert keys == {f"dirs/out/{rel}" for rel in files}
    dst = tmp_path / "download"
    st.get_dir(s3.uri("dirs/out") + trailing, str(dst))
    assert _read_tree(dst) == files
    assert st.list_files(s3.uri("dirs/out/a.txt")) == [s3.uri("dirs/out/a.txt")]
    assert st.list_files(s3.uri("dirs/none")) == []


def test_s3_metadata_attached_on_every_upload(s3: Any, tmp_path: Path) -> None:
    st = Storage.from_env({**s3.env, **EXEC_ENV})
    f = tmp_path / "f.txt"
    f.write_bytes(b"x")
    d = tmp_path / "d"
    _make_tree(d)
    st.put_bytes(s3.uri("m/bytes"), b"x")
    st.put_file(str(f), s3.uri("m/file.txt"))
    st.put_dir(str(d), s3.uri("m/dir"))
    for key in ("m/bytes", "m/file.txt", "m/dir/a.txt", "m/dir/sub/deeper/c.json"):
        assert _head(s3, key)["Metadata"] == EXPECTED_METADATA, key


def test_s3_metadata_can_be_switched_off(s3: Any) -> None:
    st = Storage.from_env({**s3.env, **EXEC_ENV, "FLYTE_PERSISTENCE_ATTACH_EXECUTION_METADATA": "false"})
    st.put_bytes(s3.uri("m/bytes"), b"x")
    assert _head(s3, "m/bytes")["Metadata"] == {}


@pytest.mark.parametrize("op", ["bytes", "file", "dir"])
def test_s3_missing_is_data_not_found(s3: Any, tmp_path: Path, op: str) -> None:
    st = Storage.from_env(s3.env)
    for uri in (s3.uri("no/such/inputs.pb"), f"s3://{s3.bucket}-missing/inputs.pb"):
        dst = tmp_path / "dl" / "inputs.pb"
        with pytest.raises(DataNotFound) as ei:
            if op == "bytes":
                st.get_bytes(uri)
            elif op == "file":
                st.get_file(uri, str(dst))
            else:
                st.get_dir(uri, str(dst))
        assert ei.value.uri == uri
        assert not dst.exists()


def test_s3_upload_to_missing_bucket_is_an_upload_error(s3: Any, tmp_path: Path) -> None:
    st = Storage.from_env(s3.env)
    f = tmp_path / "f.txt"
    f.write_bytes(b"x")
    dst = f"s3://{s3.bucket}-missing/f.txt"
    with pytest.raises(UploadError) as ei:
        st.put_file(str(f), dst)
    assert ei.value.uri == dst
    assert str(ei.value).startswith(
        f"Failed to put data from {f} to {dst} (recursive=False).\n\nOriginal exception: "
    )


def test_s3_local_and_remote_agree(s3: Any, tmp_path: Path) -> None:
    """The same sequence of operations gives the same observable results on a local prefix and on S3."""
    st = Storage.from_env(s3.env)
    src = tmp_path / "tree"
    files = _make_tree(src)
    results = {}
    for name, prefix in (("local", str(tmp_path / "prefix")), ("s3", s3.uri("prefix"))):
        st.put_dir(str(src), prefix + "/d")
        st.put_bytes(prefix + "/o.pb", b"o")
        listed = [u[len(prefix) :] for u in st.list_files(prefix)]
        results[name] = (listed, st.get_bytes(prefix + "/d/sub/b.bin"), st.exists(prefix + "/o.pb"))
    assert results["local"] == results["s3"]
    assert results["s3"][1] == files["sub/b.bin"]


def test_s3_sees_objects_written_by_others_after_listing(s3: Any) -> None:
    st = Storage.from_env(s3.env)
    st.put_bytes(s3.uri("shared/one"), b"1")
    assert st.list_files(s3.uri("shared")) == [s3.uri("shared/one")]
    assert not st.exists(s3.uri("shared/two"))
    s3.client().put_object(Bucket=s3.bucket, Key="shared/two", Body=b"2")  # another writer
    assert st.exists(s3.uri("shared/two"))
    assert st.list_files(s3.uri("shared")) == [s3.uri("shared/one"), s3.uri("shared/two")]


def test_s3_get_dir_refuses_keys_that_escape_the_destination(s3: Any, tmp_path: Path) -> None:
    s3.client().put_object(Bucket=s3.bucket, Key="evil/ok.txt", Body=b"ok")
    s3.client().put_object(Bucket=s3.bucket, Key="evil/../../escape.txt", Body=b"x")
    st = Storage.from_env(s3.env)
    listed = st.list_files(s3.uri("evil"))
    if not any(".." in u for u in listed):
        pytest.skip(f"the server normalised the key; nothing to refuse: {listed}")
    with pytest.raises(DownloadError, match="escapes"):
        st.get_dir(s3.uri("evil"), str(tmp_path / "dst" / "inner"))
    assert not (tmp_path / "dst" / "escape.txt").exists()
    assert not (tmp_path / "escape.txt").exists()


def test_s3_gzip_encoding_can_be_switched_off(s3: Any, tmp_path: Path) -> None:
    st = Storage.from_env(s3.env)
    packed = tmp_path / "archive.tar.gz"
    packed.write_bytes(gzip.compress(b"tar"))
    st.put_file(str(packed), s3.uri("a.tar.gz"), content_encoding="")
    assert "ContentEncoding" not in _head(s3, "a.tar.gz")


def test_what_counts_as_a_cut_body() -> None:
    """The exceptions a response body that ends early surfaces as, in each HTTP stack under s3fs/botocore."""
    import http.client

    import aiohttp
    import botocore.exceptions
    import urllib3.exceptions

    from flyte_entrypoint.shell.fsspec_backend import is_cut_body

    cut = [
        aiohttp.ClientPayloadError("Response payload is not completed"),
        botocore.exceptions.ResponseStreamingError(error="connection broken"),
        botocore.exceptions.IncompleteReadError(actual_bytes=1, expected_bytes=2),
        urllib3.exceptions.IncompleteRead(1, 2),
        http.client.IncompleteRead(b"x", 1),
    ]
    for exc in cut:
        assert is_cut_body(exc), exc
        try:  # found through the chain too, as wrapped by the storage errors
            raise DownloadError("s3://b/k", "<memory>", False, exc) from exc
        except DownloadError as wrapped:
            assert is_cut_body(wrapped)
    not_cut = [
        ConnectionResetError("reset"),
        PermissionError("Forbidden"),
        FileNotFoundError("s3://b/k"),
        aiohttp.ClientConnectionError("refused"),
        TimeoutError(),
    ]
    for exc in not_cut:
        assert not is_cut_body(exc), exc
