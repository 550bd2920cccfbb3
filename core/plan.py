"""What a run would do, as plain data: ``--test`` prints it, tests assert on it.

Laws (``property_tests/test_plan_and_port_laws.py``, ``tests/test_plan.py``): the plan is JSON-serializable data that names every location of the run,
the files it may write (``outputs.pb`` or the error file) and its exit code on error; describing it
never raises, an unsupported type or a failed setting is described as data.
"""

from __future__ import annotations

from typing import Any

from returns.result import Failure, Success

from flyte_entrypoint.core.run import OUTPUT_FILE_NAME, RunConfig
from flyte_entrypoint.core.type_engine.engine import literal_type_of
from flyte_entrypoint.schemas.task import MapTaskRecord, TaskRecord


def _type_name(tp: Any) -> str:
    return tp.__name__ if isinstance(tp, type) else repr(tp)


def _literal_type_text(tp: Any) -> str:
    from google.protobuf import text_format

    result = literal_type_of(tp)
    if isinstance(result, Success):
        return str(text_format.MessageToString(result.unwrap(), as_one_line=True))
    return f"<unsupported: {result.failure()}>"


def describe_task(task: TaskRecord | MapTaskRecord) -> dict[str, Any]:
    inner = task.inner
    described: dict[str, Any] = {
        "name": inner.name,
        "kind": "map" if isinstance(task, MapTaskRecord) else "task",
        "inputs": {
            v.name: {
                "python_type": _type_name(v.python_type),
                "literal_type": _literal_type_text(v.python_type),
                "required": v.required,
            }
            for v in inner.interface.inputs
        },
        "outputs": {
            v.name: {
                "python_type": _type_name(v.python_type),
                "literal_type": _literal_type_text(v.python_type),
            }
            for v in inner.interface.outputs
        },
        "enable_deck": inner.enable_deck,
        "is_async": inner.is_async,
        "is_dynamic": inner.is_dynamic,
    }
    if isinstance(task, MapTaskRecord):
        described["bound_inputs"] = sorted(task.bound_inputs)
    return described


def describe_plan(
    config: RunConfig, task: TaskRecord | MapTaskRecord | None, load_error: str | None
) -> dict[str, Any]:
    """The plan of a run: where it reads and writes, what it loads, which files it may produce."""
    index: Any = None
    if config.array_index is not None:
        index = (
            config.array_index.unwrap()
            if isinstance(config.array_index, Success)
            else {"error": str(config.array_index.failure())}
        )
    offload = config.offload
    plan: dict[str, Any] = {
        "command": "pyflyte-map-execute" if config.args.map_task else "pyflyte-execute",
        "resolver": config.resolver,
        "loader_args": list(config.loader_args),
        "inputs": config.inputs_uri,
        "output_prefix": config.output_prefix,
        "raw_output_prefix": config.raw_output_prefix,
        "raw_output_prefix_fallback": not config.raw_output_prefix_given,
        "checkpoint_path": config.checkpoint_path,
        "prev_checkpoint": config.prev_checkpoint,
        "array_index": index,
        "offloading": (
            {
                "enabled": offload.unwrap().enabled,
                "min_bytes": offload.unwrap().min_bytes,
                "max_bytes": offload.unwrap().max_bytes,
            }
            if isinstance(offload, Success)
            else {"error": offload.failure() if isinstance(offload, Failure) else None}
        ),
        "files_on_success": [OUTPUT_FILE_NAME],
        "files_on_error": [config.error_file_name],
        "worker": config.worker,
        "exit_code_on_error": 1 if config.fail_on_error else 0,
        "task": describe_task(task) if task is not None else None,
        "load_error": load_error,
        "runtime_packages": list(config.runtime_packages),
        "steps": [
            *([f"pip install {' '.join(config.runtime_packages)}"] if config.runtime_packages else []),
            f"load the task with {config.resolver}",
            f"download {config.inputs_uri}",
            "convert inputs and run the task",
            f"upload file outputs under {config.raw_output_prefix}",
            f"write {OUTPUT_FILE_NAME} (or {config.error_file_name}) under {config.output_prefix}",
        ],
    }
    return plan
