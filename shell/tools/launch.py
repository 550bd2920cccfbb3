"""Starting the real entrypoint in a subprocess, and reading back what it left under its output prefix."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from flyte_entrypoint.core import literal_view as lv
from flyte_entrypoint.core.paths import join
from flyte_entrypoint.schemas.invocation import TaskArgs
from flyte_entrypoint.shell.tools import container_args


def entrypoint_argv(command: str) -> list[str]:
    """The installed console script next to this interpreter, else ``python -m flyte_entrypoint <command>``."""
    script = Path(sys.executable).parent / command
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "flyte_entrypoint", command]


@attrs.frozen
class Finished:
    """One entrypoint run: its exit code and the files under its output prefix (name -> bytes)."""

    returncode: int
    output_prefix: str
    files: Mapping[str, bytes]
    stderr: str = ""


def run_entrypoint(
    command: str,
    args: TaskArgs,
    env: Mapping[str, str],
    store: Any,
    cwd: str | None = None,
    quiet: bool = False,
) -> Finished:
    """Run ``command`` with ``args``; its stdout (a blank line) is dropped, its log goes to our stderr
    (or is kept in ``Finished.stderr`` when ``quiet``)."""
    argv = entrypoint_argv(command) + container_args.command_line(command, args)
    proc = subprocess.run(
        argv,
        cwd=cwd or os.getcwd(),
        env=dict(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE if quiet else None,
        text=True,
        check=False,
    )
    return Finished(
        proc.returncode, args.output_prefix, read_prefix(args.output_prefix, store), proc.stderr or ""
    )


def read_prefix(prefix: str, store: Any) -> dict[str, bytes]:
    """Every file directly under ``prefix`` that the entrypoint writes (``*.pb``, ``deck.html``)."""
    files: dict[str, bytes] = {}
    base = prefix.rstrip("/") + "/"
    for uri in store.list_files(prefix):
        name = uri[len(base) :] if uri.startswith(base) else uri.rsplit("/", 1)[-1]
        if "/" in name or not (name.endswith(".pb") or name == "deck.html"):
            continue
        files[name] = store.get_bytes(uri)
    return files


def error_files(files: Mapping[str, bytes]) -> list[str]:
    return sorted(n for n in files if n == "error.pb" or (n.startswith("error-") and n.endswith(".pb")))


def outcome(files: Mapping[str, bytes], returncode: int | None, task: Any = None) -> dict[str, Any]:
    """What a run left: ``outputs`` (view; typed through ``task`` when given), ``error`` (view) or neither."""
    from flyteidl.core import errors_pb2, literals_pb2

    result: dict[str, Any] = {"exit_code": returncode, "files": sorted(files), "outputs": None}
    if "outputs.pb" in files:
        literal_map = literals_pb2.LiteralMap()
        literal_map.ParseFromString(files["outputs.pb"])
        literal_map = lv.inline_offloaded(literal_map, files)
        result["outputs"] = lv.literal_map_view(literal_map)
        if task is not None:
            from flyte_entrypoint.shell.tools.show import typed_view

            try:
                result["values"] = typed_view(lv.KIND_LITERAL_MAP, literal_map, task, "outputs", None)
            except Exception as exc:
                result["values_error"] = str(exc)
    result["error"] = None
    errors = error_files(files)
    if errors:
        document = errors_pb2.ErrorDocument()
        document.ParseFromString(files[errors[0]])
        result["error"] = {"file": errors[0], **lv.error_view(document)}
    return result


def work_layout(work: str) -> dict[str, str]:
    return {
        "inputs": join(work, "inputs.pb"),
        "output_prefix": join(work, "out"),
        "raw": join(work, "raw"),
        "checkpoint": join(work, "checkpoint"),
    }


def clean_env(extra: Mapping[str, str], base: Mapping[str, str] | None = None) -> dict[str, str]:
    return {**(dict(os.environ) if base is None else dict(base)), **extra}
