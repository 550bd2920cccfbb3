"""``pyflyte-fast-execute`` end to end: real tar.gz archives, the real console script, real signals.

Every archive is built here with ``tarfile``. Runs go through the installed ``pyflyte-fast-execute`` script
in a subprocess (``flyte_entrypoint.shell.cli:fast_execute_main``); the follow-up command is usually a small
python program that records what it saw (argv, PYTHONPATH, cwd) in a JSON file.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import tarfile
import textwrap
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from flyteidl.core import errors_pb2

from flyte_entrypoint.core import archive as arc
from flyte_entrypoint.shell import fast_execute as fe

BIN = Path(sys.executable).parent
FAST_EXECUTE = str(BIN / "pyflyte-fast-execute")
PY = sys.executable

# ---------------------------------------------------------------------------------------------------------
# Archive building
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class M:
    """One member to put in a test archive."""

    name: str
    data: bytes = b""
    type: bytes = tarfile.REGTYPE
    linkname: str = ""
    mode: int = 0o644
    devmajor: int = 0
    devminor: int = 0


def file(name: str, text: str = "", mode: int = 0o644) -> M:
    return M(name, text.encode(), mode=mode)


def directory(name: str, mode: int = 0o755) -> M:
    return M(name, type=tarfile.DIRTYPE, mode=mode)


def symlink(name: str, target: str) -> M:
    return M(name, type=tarfile.SYMTYPE, linkname=target, mode=0o777)


def hardlink(name: str, target: str) -> M:
    return M(name, type=tarfile.LNKTYPE, linkname=target)


def build_archive(path: Path, members: Iterable[M]) -> Path:
    mode = "w:gz" if path.name.endswith(("gz", "tgz")) else "w"
    with tarfile.open(path, mode) as tar:
        for m in members:
            info = tarfile.TarInfo(m.name)
            info.type = m.type
            info.mode = m.mode
            info.linkname = m.linkname
            info.devmajor, info.devminor = m.devmajor, m.devminor
            info.mtime = 315532800  # 1980-01-01, what flytekit's fast_package stamps
            if m.type == tarfile.REGTYPE:
                info.size = len(m.data)
                tar.addfile(info, io.BytesIO(m.data))
            else:
                tar.addfile(info)
    return path


# ---------------------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------------------

RECORDER = textwrap.dedent(
    """
    import json, os, sys
    out = os.environ["FE_RECORD"]
    with open(out, "w") as fh:
        json.dump({"argv": sys.argv[1:], "pythonpath": os.environ.get("PYTHONPATH"), "cwd": os.getcwd()}, fh)
    sys.exit(int(os.environ.get("FE_EXIT", "0")))
    """
)


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE_", "_F_"))}
    env.pop("PYTHONPATH", None)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def run_fe(
    args: list[str], env: Mapping[str, str] | None = None, cwd: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FAST_EXECUTE, *args],
        env=dict(env) if env is not None else base_env(),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def recorder_cmd(*extra: str) -> list[str]:
    return [PY, "-c", RECORDER, *extra]


def read_record(path: Path) -> dict[str, object]:
    return json.loads(path.read_text())


def read_error(path: Path) -> errors_pb2.ErrorDocument:
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString(path.read_bytes())
    return doc


def snapshot(root: Path) -> dict[str, str]:
    """relative path -> kind/content, for comparing trees (fast-execute's own files excluded)."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            if rel.startswith(".flyte-fast-execute"):
                continue
            if p.is_symlink():
                out[rel] = "link:" + os.readlink(p)
            elif p.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = "file:" + p.read_bytes().decode(errors="replace")
    return out


NESTED = [
    directory("pkg"),
    file("pkg/__init__.py", "VALUE = 'top'\n"),
    file("pkg/sub/deep/__init__.py", ""),  # parents implied, as flytekit's fast_package writes them
    file("pkg/sub/__init__.py", ""),
    file("pkg/sub/deep/mod.py", "ANSWER = 42\n"),
    file("pkg/tool.sh", "#!/bin/sh\necho hi\n", mode=0o6777),  # setuid/setgid + world-writable
    file("pkg/data.txt", "plain\n", mode=0o666),
    file("pkg/private.txt", "secret\n", mode=0o400),
    symlink("pkg/alias.py", "sub/deep/mod.py"),
    hardlink("pkg/copy.txt", "pkg/data.txt"),
    file("top.py", "import pkg.sub.deep.mod as m\nprint('answer', m.ANSWER)\n"),
]


# ---------------------------------------------------------------------------------------------------------
# Normal archives
# ---------------------------------------------------------------------------------------------------------


def test_nested_archive_is_extracted_and_task_sees_it(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    archive = build_archive(tmp_path / "code.tar.gz", NESTED)
    cmd = [PY, "-c", "import pkg.sub.deep.mod as m, sys; sys.exit(0 if m.ANSWER == 42 else 3)"]
    res = run_fe(["--additional-distribution", str(archive), "--dest-dir", str(dest), "--", *cmd])
    assert res.returncode == 0, res.stderr

    tree = snapshot(dest)
    assert tree["pkg/sub/deep/mod.py"] == "file:ANSWER = 42\n"
    assert tree["pkg/alias.py"] == "link:sub/deep/mod.py"
    assert tree["pkg/copy.txt"] == "file:plain\n"
    assert os.stat(dest / "pkg/copy.txt").st_ino == os.stat(dest / "pkg/data.txt").st_ino
    assert (dest / "pkg/tool.sh").stat().st_mode & 0o7777 == 0o755  # high bits and go-w cleared
    assert (dest / "pkg/data.txt").stat().st_mode & 0o7777 == 0o644
    assert (dest / "pkg/private.txt").stat().st_mode & 0o7777 == 0o600  # owner read+write added
    # the downloaded archive is deleted; only the lock and the done marker are left behind
    own = sorted(p.name for p in dest.iterdir() if p.name.startswith(".flyte-fast-execute"))
    assert own[0].startswith(".flyte-fast-execute-") and own[0].endswith(".done")
    assert own[1:] == [".flyte-fast-execute.lock"]
    assert not (dest / "code.tar.gz").exists()


def test_command_rewrite_and_pythonpath(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    archive = build_archive(tmp_path / "code.tar.gz", [file("a.py", "")])
    record = tmp_path / "record.json"
    env = base_env(FE_RECORD=str(record), PYTHONPATH="/existing")
    inner = ["--inputs", "i", "--resolver", "r", "--", "task-module", "--resolver", "x"]
    res = run_fe(
        ["--additional-distribution", str(archive), "--dest-dir", str(dest), "--", *recorder_cmd(*inner)], env
    )
    assert res.returncode == 0, res.stderr
    seen = read_record(record)
    assert seen["argv"] == [
        "--inputs",
        "i",
        "--dynamic-addl-distro",
        str(archive),
        "--dynamic-dest-dir",
        str(dest),
        "--resolver",
        "r",
        "--",
        "task-module",
        "--resolver",  # Q6: the one among the resolver args is left alone
        "x",
    ]
    assert seen["pythonpath"] == f"/existing{os.pathsep}{os.path.realpath(dest)}"


def test_dest_defaults_to_cwd_and_tgz_is_accepted(tmp_path: Path) -> None:
    archive = build_archive(tmp_path / "code.tgz", [file("m.py", "X = 1\n")])
    work = tmp_path / "work"
    work.mkdir()
    record = tmp_path / "record.json"
    res = run_fe(
        ["--additional-distribution", str(archive), "--", *recorder_cmd("--resolver", "r")],
        base_env(FE_RECORD=str(record)),
        cwd=work,
    )
    assert res.returncode == 0, res.stderr
    assert (work / "m.py").read_text() == "X = 1\n"
    seen = read_record(record)
    assert seen["argv"] == [
        "--dynamic-addl-distro",
        str(archive),
        "--dynamic-dest-dir",
        str(work),
        "--resolver",
        "r",
    ]
    assert seen["pythonpath"] == os.path.realpath(work)


def test_without_distribution_nothing_is_inserted(tmp_path: Path) -> None:
    record = tmp_path / "record.json"
    res = run_fe(["--", *recorder_cmd("--resolver", "r", "--", "x")], base_env(FE_RECORD=str(record)))
    assert res.returncode == 0, res.stderr  # Q7: flytekit crashed with a TypeError here
    seen = read_record(record)
    assert seen["argv"] == ["--resolver", "r", "--", "x"]
    assert seen["pythonpath"] is None


def test_dest_dir_without_distribution_only_extends_pythonpath(tmp_path: Path) -> None:
    record = tmp_path / "record.json"
    res = run_fe(
        ["--dest-dir", str(tmp_path), "--", *recorder_cmd("--resolver", "r")], base_env(FE_RECORD=str(record))
    )
    assert res.returncode == 0, res.stderr
    seen = read_record(record)
    assert seen["argv"] == ["--resolver", "r"]
    assert seen["pythonpath"] == os.path.realpath(tmp_path)


def test_existing_tree_is_merged_not_wiped(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    (dest / "pkg").mkdir(parents=True)
    (dest / "pkg/old.py").write_text("old\n")
    (dest / "pkg/mod.py").write_text("stale\n")
    (dest / "conflict").write_text("a file that becomes a directory\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (dest / "linked").symlink_to(
        outside
    )  # a pre-existing symlinked dir must be replaced, not written through
    archive = build_archive(
        tmp_path / "code.tar.gz",
        [file("pkg/mod.py", "fresh\n"), file("conflict/inner.py", "x\n"), file("linked/evil.py", "x\n")],
    )
    res = run_fe(["--additional-distribution", str(archive), "--dest-dir", str(dest), "--", PY, "-c", "pass"])
    assert res.returncode == 0, res.stderr
    assert (dest / "pkg/old.py").read_text() == "old\n"
    assert (dest / "pkg/mod.py").read_text() == "fresh\n"
    assert (dest / "conflict/inner.py").read_text() == "x\n"
    assert not (dest / "linked").is_symlink() and (dest / "linked/evil.py").exists()
    assert list(outside.iterdir()) == []
    assert not [p for p in dest.iterdir() if "staging" in p.name or "download" in p.name]


def test_same_archive_twice_is_extracted_once(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    archive = build_archive(tmp_path / "code.tar.gz", [file("m.py", "v1\n")])

    def install(path: Path) -> None:
        assert fe.run_fast_execute(str(path), str(dest), [PY, "-c", "pass"], base_env()) == 0

    install(archive)
    (dest / "m.py").write_text("edited by the task\n")
    install(archive)  # marker: skipped
    assert (dest / "m.py").read_text() == "edited by the task\n"
    other = build_archive(tmp_path / "other.tar.gz", [file("m.py", "v2\n")])
    install(other)
    assert (dest / "m.py").read_text() == "v2\n"
    # the first archive's marker went away with its content: installing it again re-extracts
    install(archive)
    assert (dest / "m.py").read_text() == "v1\n"
    assert len(list(dest.glob(".flyte-fast-execute-*.done"))) == 1


def test_notebook_pickle_is_downloaded_and_kept(tmp_path: Path) -> None:
    src = tmp_path / "remote"
    src.mkdir()
    (src / "pkl.gz").write_bytes(b"\x1f\x8bpickle")
    dest = tmp_path / "dest"
    dest.mkdir()
    res = run_fe(
        ["--additional-distribution", str(src / "pkl.gz"), "--dest-dir", str(dest), "--", PY, "-c", "pass"]
    )
    assert res.returncode == 0, res.stderr
    assert (dest / "pkl.gz").read_bytes() == b"\x1f\x8bpickle"


def test_download_from_s3(tmp_path: Path, s3) -> None:  # type: ignore[no-untyped-def]
    archive = build_archive(tmp_path / "code.tar.gz", NESTED)
    s3.client().upload_file(str(archive), s3.bucket, "fast/abc/code.tar.gz")
    dest = tmp_path / "dest"
    dest.mkdir()
    res = run_fe(
        [
            "--additional-distribution",
            s3.uri("fast/abc/code.tar.gz"),
            "--dest-dir",
            str(dest),
            "--",
            PY,
            "-c",
            "import pkg.sub.deep.mod as m; assert m.ANSWER == 42",
        ],
        base_env(**s3.env),
    )
    assert res.returncode == 0, res.stderr
    assert (dest / "pkg/sub/deep/mod.py").exists()


# ---------------------------------------------------------------------------------------------------------
# Hostile archives: refused as a whole, nothing written to dest, task not run, error document written
# ---------------------------------------------------------------------------------------------------------

HOSTILE: dict[str, tuple[list[M], arc.Reason, str]] = {
    "absolute-path": (
        [file("ok.py"), file("/tmp/fe-absolute-evil.py", "x")],
        arc.Reason.ABSOLUTE_PATH,
        "/tmp/fe-absolute-evil.py",
    ),
    "dotdot-escape": (
        [file("ok.py"), file("pkg/../../evil.py", "x")],
        arc.Reason.OUTSIDE_DESTINATION,
        "pkg/../../evil.py",
    ),
    "symlink-escape-then-write": (
        [file("ok.py"), symlink("esc", "../outside"), file("esc/evil.py", "x")],
        arc.Reason.LINK_OUTSIDE_DESTINATION,
        "esc",
    ),
    "symlink-absolute": ([symlink("esc", "/etc")], arc.Reason.ABSOLUTE_LINK, "esc"),
    "symlink-chain-escape": (
        [directory("d"), symlink("d/up", ".."), symlink("d/up2", "up/..")],
        arc.Reason.LINK_OUTSIDE_DESTINATION,
        "d/up2",
    ),
    "hardlink-escape": (
        [file("ok.py"), hardlink("h", "../outside/victim.txt")],
        arc.Reason.LINK_OUTSIDE_DESTINATION,
        "h",
    ),
    "hardlink-to-nothing": ([hardlink("h", "missing.txt")], arc.Reason.HARDLINK_TARGET_INVALID, "h"),
    "device-node": (
        [file("ok.py"), M("dev", type=tarfile.CHRTYPE, devmajor=1, devminor=3)],
        arc.Reason.SPECIAL_FILE,
        "dev",
    ),
    "fifo": ([M("pipe", type=tarfile.FIFOTYPE)], arc.Reason.SPECIAL_FILE, "pipe"),
    "reserved-name": (
        [file(".flyte-fast-execute.lock", "")],
        arc.Reason.RESERVED_NAME,
        ".flyte-fast-execute.lock",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_archive_is_refused(tmp_path: Path, case: str) -> None:
    members, reason, culprit = HOSTILE[case]
    dest = tmp_path / "dest"
    dest.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_text("untouched\n")
    archive = build_archive(tmp_path / "code.tar.gz", members)
    prefix = tmp_path / "out"
    ran = tmp_path / "task-ran"
    inner = [PY, "-c", f"open({str(ran)!r}, 'w').close()", "--output-prefix", str(prefix), "--resolver", "r"]
    res = run_fe(["--additional-distribution", str(archive), "--dest-dir", str(dest), "--", *inner])

    assert res.returncode == 0  # the document is written (flytekit: exit 1, nothing written)
    assert not ran.exists(), "the task command must not run"
    assert reason.value in res.stderr and culprit in res.stderr, res.stderr
    assert snapshot(dest) == {}  # whole archive refused: not even the harmless members
    assert [p.name for p in outside.iterdir()] == ["victim.txt"]
    assert (outside / "victim.txt").read_text() == "untouched\n"
    assert not Path("/tmp/fe-absolute-evil.py").exists()
    doc = read_error(prefix / "error.pb")
    assert doc.error.code == "SYSTEM:FastExecuteArchiveRefused"
    assert doc.error.kind == errors_pb2.ContainerError.NON_RECOVERABLE
    assert doc.error.origin == 2  # SYSTEM
    assert culprit in doc.error.message and reason.value in doc.error.message


@pytest.mark.parametrize(
    ("limit_env", "members", "reason"),
    [
        ({arc.ENV_MAX_MEMBERS: "3"}, [file(f"f{i}.py") for i in range(4)], arc.Reason.TOO_MANY_MEMBERS),
        ({arc.ENV_MAX_MEMBER_BYTES: "10"}, [file("big.bin", "x" * 11)], arc.Reason.MEMBER_TOO_LARGE),
        (
            {arc.ENV_MAX_TOTAL_BYTES: "15"},
            [file("a", "x" * 8), file("b", "y" * 8)],
            arc.Reason.ARCHIVE_TOO_LARGE,
        ),
    ],
)
def test_limits(tmp_path: Path, limit_env: dict[str, str], members: list[M], reason: arc.Reason) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    archive = build_archive(tmp_path / "code.tar.gz", members)
    res = run_fe(
        [
            "--additional-distribution",
            str(archive),
            "--dest-dir",
            str(dest),
            "--",
            PY,
            "-c",
            "raise SystemExit(9)",
        ],
        base_env(**limit_env),
    )
    assert res.returncode == 1
    assert reason.value in res.stderr
    assert snapshot(dest) == {}


def test_bad_limit_value_is_an_error(tmp_path: Path) -> None:
    archive = build_archive(tmp_path / "code.tar.gz", [file("a.py")])
    res = run_fe(
        ["--additional-distribution", str(archive), "--dest-dir", str(tmp_path), "--", PY, "-c", "pass"],
        base_env(**{arc.ENV_MAX_MEMBERS: "many"}),
    )
    assert res.returncode == 1
    assert arc.ENV_MAX_MEMBERS in res.stderr


# ---------------------------------------------------------------------------------------------------------
# Other failures before the task runs
# ---------------------------------------------------------------------------------------------------------


def _fail_run(
    tmp_path: Path, distribution: str, dest: Path, **env: str
) -> tuple[subprocess.CompletedProcess[str], Path]:
    prefix = tmp_path / "out"
    inner = [PY, "-c", "raise SystemExit(9)", "--output-prefix", str(prefix)]
    res = run_fe(
        ["--additional-distribution", distribution, "--dest-dir", str(dest), "--", *inner], base_env(**env)
    )
    return res, prefix


def test_missing_archive_is_recoverable(tmp_path: Path) -> None:
    res, prefix = _fail_run(tmp_path, str(tmp_path / "nope.tar.gz"), tmp_path)
    assert res.returncode == 0
    doc = read_error(prefix / "error.pb")
    assert doc.error.code == "SYSTEM:FastExecuteDownloadFailed"
    assert doc.error.kind == errors_pb2.ContainerError.RECOVERABLE
    assert "task execution code was not found" in doc.error.message


def test_unrecognized_format(tmp_path: Path) -> None:
    (tmp_path / "code.zip").write_bytes(b"PK")
    res, prefix = _fail_run(tmp_path, str(tmp_path / "code.zip"), tmp_path)
    assert res.returncode == 0
    doc = read_error(prefix / "error.pb")
    assert doc.error.code == "SYSTEM:FastExecuteUnrecognizedDistribution"
    assert doc.error.kind == errors_pb2.ContainerError.NON_RECOVERABLE


def test_truncated_archive_is_unreadable(tmp_path: Path) -> None:
    archive = build_archive(
        tmp_path / "code.tar.gz", [file(f"f{i}.py", os.urandom(2000).hex()) for i in range(20)]
    )
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    dest = tmp_path / "dest"
    dest.mkdir()
    res, prefix = _fail_run(tmp_path, str(archive), dest)
    assert res.returncode == 0
    doc = read_error(prefix / "error.pb")
    assert doc.error.code == "SYSTEM:FastExecuteArchiveUnreadable"
    assert doc.error.kind == errors_pb2.ContainerError.RECOVERABLE
    assert snapshot(dest) == {}


def test_dest_must_be_a_directory(tmp_path: Path) -> None:
    archive = build_archive(tmp_path / "code.tar.gz", [file("a.py")])
    res, prefix = _fail_run(tmp_path, str(archive), tmp_path / "missing")
    assert res.returncode == 0
    assert "should be a directory" in res.stderr
    assert read_error(prefix / "error.pb").error.code == "SYSTEM:FastExecuteBadDestination"


def test_distributed_error_name(tmp_path: Path) -> None:
    res, prefix = _fail_run(tmp_path, str(tmp_path / "nope.tar.gz"), tmp_path, _F_DES="1", _F_WN="worker-3")
    assert res.returncode == 0
    (name,) = [p.name for p in prefix.iterdir()]
    assert name.startswith("error-") and len(name) == len("error-") + 32 + len(".pb")
    assert read_error(prefix / name).error.worker == "worker-3"


def test_failure_without_output_prefix_only_logs(tmp_path: Path) -> None:
    res = run_fe(
        ["--additional-distribution", str(tmp_path / "nope.tar.gz"), "--", PY, "-c", "pass"], cwd=tmp_path
    )
    assert res.returncode == 1
    assert "task execution code was not found" in res.stderr


# ---------------------------------------------------------------------------------------------------------
# Concurrency
# ---------------------------------------------------------------------------------------------------------


def test_concurrent_extractions_into_one_dest(tmp_path: Path) -> None:
    members = [file(f"pkg/m{i // 50}/f{i}.py", f"V = {i}\n") for i in range(1500)]
    archive = build_archive(tmp_path / "code.tar.gz", members)
    expected = {m.name: "file:" + m.data.decode() for m in members}
    for round_ in range(3):
        dest = tmp_path / f"dest{round_}"
        dest.mkdir()
        check = "import pkg.m29.f1499 as m; assert m.V == 1499"
        procs = [
            subprocess.Popen(
                [
                    FAST_EXECUTE,
                    "--additional-distribution",
                    str(archive),
                    "--dest-dir",
                    str(dest),
                    "--",
                    PY,
                    "-c",
                    check,
                ],
                env=base_env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        outs = [p.communicate(timeout=120) for p in procs]
        for p, (_, err) in zip(procs, outs):
            assert p.returncode == 0, err
        tree = {k: v for k, v in snapshot(dest).items() if v != "dir"}
        assert tree == expected
        assert len(list(dest.glob(".flyte-fast-execute-*.done"))) == 1
        assert not [p for p in dest.iterdir() if "staging" in p.name or "download" in p.name]


# ---------------------------------------------------------------------------------------------------------
# Exit codes and signals
# ---------------------------------------------------------------------------------------------------------


def test_exit_code_is_propagated(tmp_path: Path) -> None:
    res = run_fe(["--", PY, "-c", "raise SystemExit(5)"])
    assert res.returncode == 5


def test_child_killed_by_signal_gives_128_plus_s(tmp_path: Path) -> None:
    res = run_fe(["--", PY, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"])
    assert res.returncode == 128 + signal.SIGKILL  # flytekit: 256-9 (Q12)


def test_command_not_found(tmp_path: Path) -> None:
    res = run_fe(["--", str(tmp_path / "no-such-program")])
    assert res.returncode == 127
    assert "no-such-program" in res.stderr


def test_no_command_is_a_usage_error() -> None:
    assert run_fe([]).returncode == 2


SLEEPER = textwrap.dedent(
    """
    import os, signal, sys, time
    ready = sys.argv[1]
    if len(sys.argv) > 2:  # exit with a marker code when the named signal arrives
        sig = getattr(signal, sys.argv[2])
        signal.signal(sig, lambda s, f: os._exit(70 + s))
    open(ready, "w").close()
    time.sleep(60)
    """
)


def _start_and_signal(tmp_path: Path, sig: int, child_args: list[str]) -> int:
    ready = tmp_path / "ready"
    proc = subprocess.Popen(
        [FAST_EXECUTE, "--", PY, "-c", SLEEPER, str(ready), *child_args],
        env=base_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "child never started"
            time.sleep(0.02)
        proc.send_signal(sig)  # to the parent only, not the process group
        return proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_sigterm_is_forwarded(tmp_path: Path) -> None:
    assert _start_and_signal(tmp_path, signal.SIGTERM, []) == 143  # flytekit: 241 (Q12)


def test_sigint_is_forwarded(tmp_path: Path) -> None:
    assert _start_and_signal(tmp_path, signal.SIGINT, ["SIGINT"]) == 70 + signal.SIGINT


def test_sighup_is_forwarded(tmp_path: Path) -> None:
    assert _start_and_signal(tmp_path, signal.SIGHUP, []) == 128 + signal.SIGHUP


def test_handlers_are_restored_after_the_child(tmp_path: Path) -> None:
    before = {s: signal.getsignal(s) for s in fe.FORWARDED_SIGNALS}
    assert fe.run_subprocess([PY, "-c", "raise SystemExit(3)"], base_env()) == 3
    assert {s: signal.getsignal(s) for s in fe.FORWARDED_SIGNALS} == before


# ---------------------------------------------------------------------------------------------------------
# Our own pyflyte-execute as the follow-up command: in-process (default) and subprocess
# ---------------------------------------------------------------------------------------------------------

TASK_MODULE = textwrap.dedent(
    """
    import os, sys, time
    from flyte_entrypoint import task

    @task
    def noop() -> None:
        with open(os.environ["FE_RECORD"], "w") as fh:
            fh.write(repr((os.getpid(), sys.argv[0], os.environ.get("PYTHONPATH"))))

    @task
    def sleeper() -> None:
        open(os.environ["FE_RECORD"], "w").close()
        time.sleep(60)
    """
)


def _execute_cmd(tmp_path: Path, task: str) -> list[str]:
    from flyteidl.core import literals_pb2

    inputs = tmp_path / "inputs.pb"
    inputs.write_bytes(literals_pb2.LiteralMap().SerializeToString())
    return [
        "pyflyte-execute",
        "--inputs",
        str(inputs),
        "--output-prefix",
        str(tmp_path / "out"),
        "--raw-output-data-prefix",
        str(tmp_path / "raw"),
        "--resolver",
        "flyte_entrypoint.default_task_resolver",
        "--",
        "task-module",
        "fe_wf",
        "task-name",
        task,
    ]


@pytest.mark.parametrize("mode", ["inprocess", "subprocess"])
def test_own_execute_runs_the_archived_task(tmp_path: Path, mode: str) -> None:
    archive = build_archive(tmp_path / "code.tar.gz", [file("fe_wf.py", TASK_MODULE)])
    dest = tmp_path / "dest"
    dest.mkdir()
    record = tmp_path / "record.txt"
    env = base_env(FE_RECORD=str(record), FLYTE_ENTRYPOINT_FAST_EXECUTE_MODE=mode)
    proc = subprocess.Popen(
        [
            FAST_EXECUTE,
            "--additional-distribution",
            str(archive),
            "--dest-dir",
            str(dest),
            "--",
            *_execute_cmd(tmp_path, "noop"),
        ],
        env=env,
        cwd=dest,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert (tmp_path / "out/outputs.pb").exists(), err
    pid, argv0, pythonpath = eval(record.read_text())
    assert (pid == proc.pid) is (mode == "inprocess")
    assert os.path.basename(argv0) == "pyflyte-execute"
    assert pythonpath == os.path.realpath(dest)


@pytest.mark.parametrize("mode", ["inprocess", "subprocess"])
def test_sigterm_during_own_execute(tmp_path: Path, mode: str) -> None:
    archive = build_archive(tmp_path / "code.tar.gz", [file("fe_wf.py", TASK_MODULE)])
    dest = tmp_path / "dest"
    dest.mkdir()
    ready = tmp_path / "ready"
    env = base_env(FE_RECORD=str(ready), FLYTE_ENTRYPOINT_FAST_EXECUTE_MODE=mode)
    proc = subprocess.Popen(
        [
            FAST_EXECUTE,
            "--additional-distribution",
            str(archive),
            "--dest-dir",
            str(dest),
            "--",
            *_execute_cmd(tmp_path, "sleeper"),
        ],
        env=env,
        cwd=dest,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline
            time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) in (143, -signal.SIGTERM)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------------------------------------------------
# Differential: flytekit 1.16's own fast-execute (tar + Popen) on an archive made by flytekit's fast_package
# ---------------------------------------------------------------------------------------------------------

ORACLE_BIN = Path(__file__).resolve().parents[1] / ".oracle-venv" / "bin"


def _oracle_archive(tmp_path: Path) -> Path:
    if not (ORACLE_BIN / "python").exists():
        pytest.skip("the flytekit oracle venv is missing (scripts/setup-oracle.sh creates it)")
    proj = tmp_path / "proj"
    (proj / "wf/sub").mkdir(parents=True)
    (proj / "wf/__init__.py").write_text("A = 1\n")
    (proj / "wf/sub/m.py").write_text("B = 2\n")
    (proj / "run.sh").write_text("#!/bin/sh\n")
    (proj / "run.sh").chmod(0o775)
    (proj / "link.py").symlink_to("wf/sub/m.py")
    out = tmp_path / "pkg"
    out.mkdir()
    script = "import sys\nfrom flytekit.tools.fast_registration import fast_package\nprint(fast_package(sys.argv[1], sys.argv[2]))"
    res = subprocess.run(
        [str(ORACLE_BIN / "python"), "-c", script, str(proj), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    return Path(res.stdout.strip().splitlines()[-1])


def _modes(root: Path) -> dict[str, int]:
    return {
        str(p.relative_to(root)): p.lstat().st_mode & 0o777
        for p in root.rglob("*")
        if not p.is_symlink() and p.is_file() and not p.name.startswith(".flyte-fast-execute")
    }


def test_matches_flytekit_on_a_fast_package_archive(tmp_path: Path) -> None:
    archive = _oracle_archive(tmp_path)
    runs = {}
    for side, script in (("flytekit", str(ORACLE_BIN / "pyflyte-fast-execute")), ("ours", FAST_EXECUTE)):
        dest = tmp_path / side
        dest.mkdir()
        record = tmp_path / f"{side}.json"
        inner = recorder_cmd(
            "--inputs", "i", "--output-prefix", "o", "--resolver", "r", "--", "task-module", "wf"
        )
        res = subprocess.run(
            [script, "--additional-distribution", str(archive), "--dest-dir", str(dest), "--", *inner],
            env=base_env(FE_RECORD=str(record), PYTHONPATH="/existing"),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert res.returncode == 0, res.stderr
        seen = read_record(record)
        seen["argv"] = [str(a).replace(str(dest), "<dest>") for a in seen["argv"]]  # type: ignore[union-attr]
        seen["pythonpath"] = str(seen["pythonpath"]).replace(os.path.realpath(dest), "<dest>")
        tree = snapshot(dest)
        tree.pop(archive.name, None)  # flytekit leaves the archive in the destination; we delete it
        runs[side] = (seen, tree, _modes(dest))
    assert runs["ours"][0] == runs["flytekit"][0]  # argv and PYTHONPATH of the task command
    assert runs["ours"][1] == runs["flytekit"][1]  # the extracted tree
    # permissions: tar (as root) keeps group/other write, the data filter drops it (0o775 -> 0o755)
    flytekit_modes = {
        k: arc.safe_mode("file", v) for k, v in runs["flytekit"][2].items() if k != archive.name
    }
    assert runs["ours"][2] == flytekit_modes


def test_unexpected_install_error_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object) -> None:
        raise PermissionError(13, "Permission denied", str(tmp_path))

    monkeypatch.setattr(fe, "sha256_of", boom)
    archive = build_archive(tmp_path / "code.tar.gz", [file("a.py")])
    prefix = tmp_path / "out"
    status = fe.run_fast_execute(
        str(archive),
        str(tmp_path),
        [PY, "-c", "pass", "--output-prefix", str(prefix)],
        base_env(),
    )
    assert status == 0  # the document is written: Flyte reads it only after exit 0
    doc = read_error(prefix / "error.pb")
    assert doc.error.code == "SYSTEM:FastExecuteExtractionFailed"
    assert doc.error.kind == errors_pb2.ContainerError.RECOVERABLE
    assert "PermissionError" in doc.error.message


def test_download_distribution_installs_without_running_anything(tmp_path: Path) -> None:
    """The seed's ``_download_distribution``: the same download and safe extraction, no command run."""
    from flyte_entrypoint.entrypoint import _download_distribution

    archive = build_archive(tmp_path / "code.tar.gz", [directory("pkg"), file("pkg/mod.py", "X = 1\n")])
    dest = tmp_path / "dest"
    dest.mkdir()
    _download_distribution(str(archive), str(dest))
    assert (dest / "pkg" / "mod.py").read_text() == "X = 1\n"
    assert sorted(p.name for p in dest.iterdir() if not p.name.startswith(".")) == ["pkg"]

    hostile = build_archive(tmp_path / "bad.tar.gz", [file("../escape.py", "boom")])
    with pytest.raises(fe.DistributionNotInstalled) as refused:
        _download_distribution(str(hostile), str(dest))
    assert refused.value.error.code == "SYSTEM:FastExecuteArchiveRefused"
    assert not (tmp_path / "escape.py").exists()
    with pytest.raises(fe.DistributionNotInstalled) as missing:
        _download_distribution(str(tmp_path / "absent.tar.gz"), str(dest))
    assert missing.value.error.code == "SYSTEM:FastExecuteDownloadFailed"
