"""What every tool shares: one-line errors, JSON on stdout, storage, task specs, JSON arguments."""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import click

from flyte_entrypoint.schemas.task import MapTaskRecord, TaskRecord


class ToolError(click.ClickException):
    """A failure the user can act on: printed as one line on stderr, exit 1 (never a traceback)."""

    exit_code = 1


def emit(data: Any) -> None:
    """``data`` as indented JSON on stdout (keys in the order built, non-ASCII kept)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def storage(env: Mapping[str, str] | None = None) -> Any:
    from flyte_entrypoint.shell.storage import Storage

    return Storage.from_env(dict(os.environ) if env is None else env)


def read_bytes(uri: str, store: Any = None) -> bytes:
    """The bytes at ``uri`` (any storage URL); a missing or unreadable file is a :class:`ToolError`."""
    from flyte_entrypoint.shell.storage import DataNotFound, StorageError

    try:
        data: bytes = (store or storage()).get_bytes(uri)
    except DataNotFound:
        raise ToolError(f"{uri}: no such file") from None
    except StorageError as exc:
        raise ToolError(f"{uri}: {str(exc).splitlines()[0]}") from None
    return data


def write_bytes(uri: str, data: bytes, store: Any = None) -> None:
    from flyte_entrypoint.shell.storage import StorageError

    try:
        (store or storage()).put_bytes(uri, data)
    except (StorageError, OSError) as exc:
        raise ToolError(f"cannot write {uri}: {str(exc).splitlines()[0]}") from None


def json_argument(text: str, what: str) -> Any:
    """A JSON value given inline, as ``@file.json``, or ``@-`` (stdin)."""
    source = text
    if text.startswith("@"):
        path = text[1:]
        try:
            if path == "-":
                source = sys.stdin.read()
            else:
                with open(path, encoding="utf-8") as fh:
                    source = fh.read()
        except OSError as exc:
            raise click.UsageError(f"{what}: cannot read {path}: {exc.strerror}") from None
    try:
        return json.loads(source)
    except json.JSONDecodeError as exc:
        raise click.UsageError(f"{what} is not JSON: {exc}") from None


def env_pairs(pairs: Sequence[str]) -> dict[str, str]:
    """``K=V`` options as a dict (usage error for anything without ``=``)."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.UsageError(f"--env takes K=V, got {pair!r}")
        out[key] = value
    return out


def cwd_importable() -> None:
    """Put the working directory first on ``sys.path``, as the entrypoint does, so task modules import."""
    cwd = os.getcwd()
    if sys.path[:1] != [cwd]:
        sys.path.insert(0, cwd)


def split_task_spec(spec: str) -> tuple[str, str]:
    """``module:name`` (or ``module.name``) -> (module, attribute)."""
    module, sep, name = spec.partition(":")
    if not sep:
        module, _, name = spec.rpartition(".")
    if not module or not name:
        raise click.UsageError(f"a task is given as module:name, got {spec!r}")
    return module, name


def load_task(spec: str) -> TaskRecord | MapTaskRecord:
    """The task (or map task) a ``module:name`` spec names, imported from the working directory first."""
    module_name, name = split_task_spec(spec)
    cwd_importable()
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise ToolError(f"cannot import {module_name}: {type(exc).__name__}: {exc}") from None
    found = getattr(module, name, None)
    if not isinstance(found, (TaskRecord, MapTaskRecord)):
        what = "nothing" if found is None else f"a {type(found).__name__}"
        raise ToolError(f"{module_name}.{name} is {what}, not a task")
    return found


def input_types(task: TaskRecord | MapTaskRecord) -> dict[str, Any]:
    """Each input's declared type as the inputs file holds it (a map task's mapped inputs are lists)."""
    if isinstance(task, MapTaskRecord):
        return {
            v.name: v.python_type if v.name in task.bound_inputs else list[v.python_type]  # type: ignore[name-defined]
            for v in task.task.interface.inputs
        }
    return {v.name: v.python_type for v in task.interface.inputs}


def output_types(task: TaskRecord | MapTaskRecord) -> dict[str, Any]:
    """Each output's type in one ``outputs.pb`` (for a map task: one element's)."""
    inner = task.inner
    return {v.name: v.python_type for v in inner.interface.outputs}


def inner_task(task: TaskRecord | MapTaskRecord) -> TaskRecord:
    return task.inner
