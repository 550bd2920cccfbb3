"""``flyte-entrypoint run``: a task run locally through the real entrypoint, outputs printed as JSON."""

from __future__ import annotations

import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import click

from flyte_entrypoint.core.paths import is_local, join, strip_file_scheme
from flyte_entrypoint.schemas.invocation import TaskArgs
from flyte_entrypoint.schemas.task import MapTaskRecord
from flyte_entrypoint.shell.tools import common, launch

INDEX_VARIABLE = "FLYTE_ENTRYPOINT_ARRAY_INDEX"


def task_command(spec: str, task: Any) -> tuple[str, str, tuple[str, ...]]:
    """(command, resolver, resolver args) that load ``spec`` in a container."""
    module, name = common.split_task_spec(spec)
    plain = ("task-module", module, "task-name", name)
    if isinstance(task, MapTaskRecord):
        bound = ",".join(sorted(task.bound_inputs))
        args = ("vars", bound, "resolver", "flyte_entrypoint.default_task_resolver", *plain)
        return "pyflyte-map-execute", "flyte_entrypoint.ArrayNodeMapTaskResolver", args
    return "pyflyte-execute", "flyte_entrypoint.default_task_resolver", plain


def element_count(task: MapTaskRecord, literal_map: Any) -> int:
    sizes = {
        name: len(literal_map.literals[name].collection.literals)
        for name in literal_map.literals
        if name not in task.bound_inputs
    }
    if len(set(sizes.values())) > 1:
        raise common.ToolError(f"the mapped inputs have different lengths: {sizes}")
    return next(iter(sizes.values()), 0)


@click.command("run")
@click.argument("task_spec", metavar="MODULE:NAME")
@click.option(
    "--inputs", "inputs_json", default="{}", metavar="JSON", help="Inputs as JSON, @file.json or @-."
)
@click.option(
    "--work", metavar="DIR|PREFIX", help="Work folder or storage prefix (default: a new temporary folder)."
)
@click.option(
    "--map", "processes", type=int, metavar="N", help="Fan a map task out over its elements, N at a time."
)
@click.option(
    "--env", "env_items", multiple=True, metavar="K=V", help="Set an environment variable for the run."
)
@click.option("--keep", is_flag=True, help="Keep the temporary work folder (always kept with --work).")
def run_cmd(
    task_spec: str,
    inputs_json: str,
    work: str | None,
    processes: int | None,
    env_items: tuple[str, ...],
    keep: bool,
) -> None:
    """Run MODULE:NAME locally through the real pyflyte-execute (pyflyte-map-execute for a map task).

    The inputs are made from JSON as `make` makes them and written to <work>/inputs.pb; the run writes
    under <work>/out (<work>/out/<i> for map element i) and <work>/raw. Prints the outcome as JSON:
    exit code, files, outputs (as `show` prints them, and typed "values"), or the error document.
    Exits 0 when the task succeeded, 1 when it wrote an error document or exited non-zero.
    """
    from flyte_entrypoint.shell.tools.make import inputs_literal_map

    env = launch.clean_env(common.env_pairs(env_items))
    task = common.load_task(task_spec)
    if processes is not None and not isinstance(task, MapTaskRecord):
        raise click.UsageError(f"--map N fans out a map task; {task_spec} is a plain task")
    if processes is not None and processes < 1:
        raise click.UsageError("--map takes a number of processes >= 1")
    literal_map = inputs_literal_map(task, common.json_argument(inputs_json, "--inputs"))
    temporary = work is None
    root = work if work is not None else tempfile.mkdtemp(prefix="flyte-run-")
    store = common.storage(env)
    layout = launch.work_layout(root)
    common.write_bytes(layout["inputs"], literal_map.SerializeToString(deterministic=True), store)
    command, resolver, resolver_args = task_command(task_spec, task)
    try:
        if isinstance(task, MapTaskRecord):
            result = _fan_out(
                task, literal_map, layout, command, resolver, resolver_args, env, store, processes or 1
            )
        else:
            args = TaskArgs(
                inputs=layout["inputs"],
                output_prefix=layout["output_prefix"],
                raw_output_data_prefix=layout["raw"],
                resolver=resolver,
                resolver_args=resolver_args,
            )
            finished = launch.run_entrypoint(command, args, env, store)
            result = launch.outcome(finished.files, finished.returncode, task)
        result = {
            "task": common.inner_task(task).name,
            **result,
            "work": root if (keep or not temporary) else None,
        }
        common.emit(result)
    finally:
        if temporary and not keep and is_local(root):
            shutil.rmtree(strip_file_scheme(root), ignore_errors=True)
    failed = (
        result.get("error") is not None or result.get("exit_code") not in (0, None) or result.get("failed")
    )
    raise SystemExit(1 if failed else 0)


def _fan_out(
    task: MapTaskRecord,
    literal_map: Any,
    layout: dict[str, str],
    command: str,
    resolver: str,
    resolver_args: tuple[str, ...],
    env: dict[str, str],
    store: Any,
    processes: int,
) -> dict[str, Any]:
    count = element_count(task, literal_map)

    def one(index: int) -> dict[str, Any]:
        args = TaskArgs(
            inputs=layout["inputs"],
            output_prefix=join(layout["output_prefix"], str(index)),
            raw_output_data_prefix=layout["raw"],
            resolver=resolver,
            resolver_args=resolver_args,
            map_task=True,
        )
        element_env = {**env, "BATCH_JOB_ARRAY_INDEX_VAR_NAME": INDEX_VARIABLE, INDEX_VARIABLE: str(index)}
        element_env.pop("BATCH_JOB_ARRAY_INDEX_OFFSET", None)
        finished = launch.run_entrypoint(command, args, element_env, store)
        return {"index": index, **launch.outcome(finished.files, finished.returncode, task)}

    with ThreadPoolExecutor(max_workers=processes) as pool:
        elements = list(pool.map(one, range(count)))
    names = list(common.output_types(task))
    gathered: dict[str, list[Any]] = {name: [] for name in names}
    failed = [e["index"] for e in elements if e["error"] is not None or e["exit_code"] != 0]
    for element in elements:
        values = element.get("values") or element.get("outputs") or {}
        for name in names:
            gathered[name].append(values.get(name))
    return {
        "elements": elements,
        "outputs": gathered if not failed else None,
        "failed": failed,
        "exit_code": 0 if not failed else 1,
        "error": None,
        "files": sorted(f"{e['index']}/{name}" for e in elements for name in e["files"]),
    }
