"""Values between tasks of a workflow run as plain Python pass through the type engine, as in flytekit.

flytekit's local execution turns every task input and output into a literal and back, so a task sees what it
would see on Flyte: a ``FlyteFile`` output is copied to a local raw-data directory and the next task gets a
lazily downloaded file, dataclasses are rebuilt, a value of the wrong type fails the call. Here each task
input is converted ``python → literal → python`` before the task body runs and each output after it returns
(for a map task: each element's), with the one type engine; the files an output refers to are copied to a
per-process raw-data directory.
"""

from __future__ import annotations

import functools
import os
import tempfile
import uuid
from typing import Any

from returns.result import Failure

from flyte_entrypoint.core.type_engine.engine import ConversionContext, to_literal, to_python
from flyte_entrypoint.schemas.task import MapTaskRecord, TaskRecord


@functools.lru_cache(maxsize=1)
def _root() -> str:
    return tempfile.mkdtemp(prefix="flyte-local-")


def _context() -> ConversionContext:
    from flyte_entrypoint.shell.blob_io import shell_parts

    root = _root()
    return shell_parts(
        ConversionContext(
            raw_output_prefix=os.path.join(root, "raw"), local_sandbox=os.path.join(root, "sandbox"),
            name_seed=uuid.uuid4().hex,
        )
    )


def _roundtrip(value: Any, tp: Any, what: str) -> Any:
    from flyte_entrypoint.shell.blob_io import convert_with_reads, perform_uploads
    from flyte_entrypoint.shell.storage import Storage

    ctx = _context()
    converted = to_literal(value, tp, ctx)
    if isinstance(converted, Failure):
        raise TypeError(f"{what}: {converted.failure()}")
    done = converted.unwrap()
    storage = Storage.from_env({})
    if done.uploads:
        perform_uploads(storage, done.uploads)
    back = convert_with_reads(storage, ctx, lambda conversion: to_python(done.value, tp, conversion))
    if isinstance(back, Failure):
        raise TypeError(f"{what}: {back.failure()}")
    return back.unwrap()


def task_inputs(task: TaskRecord, kwargs: dict[str, Any]) -> dict[str, Any]:
    declared = {v.name: v.python_type for v in task.interface.inputs}
    return {
        k: _roundtrip(v, declared[k], f"{task.name} input {k!r}") if k in declared else v
        for k, v in kwargs.items()
    }


def task_outputs(task: TaskRecord, value: Any) -> Any:
    outputs = task.interface.outputs
    if not outputs:
        return value
    if len(outputs) == 1:
        if task.interface.output_tuple_name and isinstance(value, tuple):
            return type(value)(_roundtrip(value[0], outputs[0].python_type, f"{task.name} output"))
        return _roundtrip(value, outputs[0].python_type, f"{task.name} output {outputs[0].name!r}")
    if not isinstance(value, tuple | list) or len(value) != len(outputs):
        raise TypeError(f"Task '{task.name}' declares {len(outputs)} outputs but returned {value!r}")
    items = [_roundtrip(v, o.python_type, f"{task.name} output {o.name!r}") for v, o in zip(value, outputs)]
    return type(value)(*items) if hasattr(value, "_fields") else tuple(items)


def map_elements(task: MapTaskRecord, kwargs: dict[str, Any]) -> list[Any]:
    """A map task in a local run: each element's inputs and outputs through the type engine, in order."""
    inner = task.task
    fixed = {**dict(task.bound_values), **{k: v for k, v in kwargs.items() if k in task.bound_inputs}}
    lists = {k: v for k, v in kwargs.items() if k not in task.bound_inputs}
    sizes = {len(v) for v in lists.values()}
    if len(sizes) > 1:
        raise ValueError(f"map task inputs have different lengths: {sorted(sizes)}")
    results = []
    for i in range(sizes.pop() if sizes else 0):
        element = task_inputs(inner, {**fixed, **{k: v[i] for k, v in lists.items()}})
        results.append(task_outputs(inner, inner.function(**element)))
    return results
