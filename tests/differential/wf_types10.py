"""Task module for ``test_types10_e2e_oracle.py``: issue-10 types run through both ``pyflyte-execute``s.

Importable by both entrypoints with cwd = this directory (flytekit in the oracle venv, flyte_entrypoint in the dev
venv). No ``from __future__ import annotations``: flytekit must resolve the hints itself.
"""

import typing

try:
    from flytekit import task
    from flytekit.types.directory import FlyteDirectory
    from flytekit.types.file import FlyteFile
except ImportError:
    from flyte_entrypoint import FlyteDirectory, FlyteFile, task


@task
def write_new_remote_file() -> FlyteFile:
    """FlyteFile.new_remote_file(name).open("w") on the raw output prefix (local folder, file:// or S3)."""
    ff = FlyteFile.new_remote_file("report.txt")
    with ff.open("w") as fh:
        fh.write("written through new_remote_file\n")
    return ff


@task
def write_new_remote_dir() -> FlyteDirectory:
    """FlyteDirectory.new_remote().new_file(x).open("wb") on the raw output prefix."""
    fd = FlyteDirectory.new_remote()
    for name, data in (("a.bin", b"\x00\x01"), ("b.bin", b"bee")):
        with fd.new_file(name).open("wb") as fh:
            fh.write(data)
    return fd


@task
def write_unnamed_remote_file() -> FlyteFile:
    ff = FlyteFile.new_remote_file()
    with ff.open("wb") as fh:
        fh.write(b"random name")
    return ff


EXPECTED: typing.Dict[str, typing.Any] = {
    "write_new_remote_file": {"": b"written through new_remote_file\n"},
    "write_new_remote_dir": {"a.bin": b"\x00\x01", "b.bin": b"bee"},
    "write_unnamed_remote_file": {"": b"random name"},
}
