"""``core.plan``: the ``--test`` dry-run plan (README "Using it": resolved task and typed interface,
locations, the files a run may write, the exit code on error), as plain data."""

from __future__ import annotations

import functools

from flyte_entrypoint.core import plan as pl
from flyte_entrypoint.core.run import configure
from flyte_entrypoint.core.task import map_task, task
from flyte_entrypoint.schemas.invocation import Invocation, TaskArgs


@task
def add(a: int, b: list[str] = []) -> float:  # noqa: B006
    return 1.0


def _config(env: dict[str, str] | None = None, **kw: object) -> object:
    args = TaskArgs(inputs="s3://b/in.pb", output_prefix="s3://b/out", resolver_args=("m", "add"), **kw)  # type: ignore[arg-type]
    return configure(Invocation(args, env or {}, now=1.0, uuid_hex="ab" * 16))


def test_describe_task() -> None:
    assert pl.describe_task(add) == {
        "name": f"{__name__}.add",
        "kind": "task",
        "inputs": {
            "a": {"python_type": "int", "literal_type": "simple: INTEGER", "required": True},
            "b": {
                "python_type": "list[str]",
                "literal_type": "collection_type { simple: STRING }",
                "required": False,
            },
        },
        "outputs": {"o0": {"python_type": "float", "literal_type": "simple: FLOAT"}},
        "enable_deck": False,
        "is_async": False,
        "is_dynamic": False,
    }


def test_describe_map_task_lists_bound_inputs() -> None:
    described = pl.describe_task(map_task(functools.partial(add, b=["x"])))
    assert described["kind"] == "map" and described["bound_inputs"] == ["b"]
    assert described["name"] == f"{__name__}.add"


def test_unsupported_literal_type_is_described_not_raised() -> None:
    assert pl._literal_type_text(object).startswith("<unsupported: ")
    assert pl._type_name(int) == "int" and pl._type_name(list[int]) == "list[int]"


def test_describe_plan() -> None:
    plan = pl.describe_plan(_config(), add, None)  # type: ignore[arg-type]
    assert plan == {
        "command": "pyflyte-execute",
        "resolver": "flyte_entrypoint.default_task_resolver",
        "loader_args": ["m", "add"],
        "inputs": "s3://b/in.pb",
        "output_prefix": "s3://b/out",
        "raw_output_prefix": "s3://b/out/raw",
        "raw_output_prefix_fallback": True,
        "checkpoint_path": None,
        "prev_checkpoint": None,
        "array_index": None,
        "offloading": {"enabled": False, "min_bytes": 10 * 1024**2, "max_bytes": 1000 * 1024**2},
        "files_on_success": ["outputs.pb"],
        "files_on_error": ["error.pb"],
        "worker": "",
        "exit_code_on_error": 0,
        "task": pl.describe_task(add),
        "load_error": None,
        "runtime_packages": [],
        "steps": [
            "load the task with flyte_entrypoint.default_task_resolver",
            "download s3://b/in.pb",
            "convert inputs and run the task",
            "upload file outputs under s3://b/out/raw",
            "write outputs.pb (or error.pb) under s3://b/out",
        ],
    }


def test_describe_plan_of_a_map_run_with_settings() -> None:
    env = {
        "BATCH_JOB_ARRAY_INDEX_OFFSET": "2",
        "FLYTE_FAIL_ON_ERROR": "t",
        "_F_RUNTIME_PACKAGES": "numpy pandas",
        "_F_L_MIN_SIZE_MB": "1",
        "FLYTE_INTERNAL_DIST_ERROR_STRATEGY": "Earliest",
        "FLYTE_INTERNAL_WORKER_NAME": "w-1",
    }
    plan = pl.describe_plan(
        _config(env, map_task=True, raw_output_data_prefix="s3://raw"), None, "ImportError: no module m"  # type: ignore[arg-type]
    )
    assert plan["command"] == "pyflyte-map-execute"
    assert plan["array_index"] == 2
    assert plan["raw_output_prefix"] == "s3://raw" and plan["raw_output_prefix_fallback"] is False
    assert plan["exit_code_on_error"] == 1
    assert plan["files_on_error"] == ["error-" + "ab" * 16 + ".pb"]
    assert plan["worker"] == "w-1"
    assert plan["offloading"] == {"enabled": True, "min_bytes": 1024**2, "max_bytes": 1000 * 1024**2}
    assert plan["task"] is None and plan["load_error"] == "ImportError: no module m"
    assert plan["runtime_packages"] == ["numpy", "pandas"]
    assert plan["steps"][0] == "pip install numpy pandas"
    assert plan["steps"][1] == "load the task with flyte_entrypoint.ArrayNodeMapTaskResolver"


def test_describe_plan_errors_are_data() -> None:
    env = {"BATCH_JOB_ARRAY_INDEX_OFFSET": "x", "_F_L_MIN_SIZE_MB": "big"}
    plan = pl.describe_plan(_config(env, map_task=True), None, None)  # type: ignore[arg-type]
    assert plan["array_index"] == {"error": "BATCH_JOB_ARRAY_INDEX_OFFSET must be an integer, got 'x'"}
    assert plan["offloading"]["error"].startswith("invalid literal offloading limits")


def test_the_env_rules_a_run_is_configured_with() -> None:
    # FLYTE_FAIL_ON_ERROR takes flytekit's str2bool words; anything else keeps exit 0
    for value, code in [("true", 1), ("t", 1), ("1", 1), ("T", 1), ("yes", 0), ("", 0)]:
        assert pl.describe_plan(_config({"FLYTE_FAIL_ON_ERROR": value}), None, None)["exit_code_on_error"] == code  # type: ignore[arg-type]
    # FLYTE_USE_OLD_DC_FORMAT unset keeps dataclasses in the msgpack format
    assert _config().conversion.use_old_dc_format is False  # type: ignore[attr-defined]
    assert _config({"FLYTE_USE_OLD_DC_FORMAT": "true"}).conversion.use_old_dc_format is True  # type: ignore[attr-defined]
    assert _config({"FLYTE_USE_OLD_DC_FORMAT": "false"}).conversion.use_old_dc_format is False  # type: ignore[attr-defined]
