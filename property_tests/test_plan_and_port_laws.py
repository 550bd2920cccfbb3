"""Laws stated in ``core.plan``'s and ``core.settings_rules``' docstrings."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from flyte_entrypoint.core import plan as pl
from flyte_entrypoint.core.run import configure
from flyte_entrypoint.core.settings_rules import parse_port
from flyte_entrypoint.core.task import task
from flyte_entrypoint.schemas.invocation import Invocation, TaskArgs


@task
def t(a: int, b: list[float]) -> dict[str, int]:
    return {}


env_names = st.sampled_from(
    [
        "BATCH_JOB_ARRAY_INDEX_OFFSET",
        "BATCH_JOB_ARRAY_INDEX_VAR_NAME",
        "FLYTE_FAIL_ON_ERROR",
        "_F_L_MIN_SIZE_MB",
        "_F_L_MAX_SIZE_MB",
        "_F_RUNTIME_PACKAGES",
        "FLYTE_INTERNAL_DIST_ERROR_STRATEGY",
        "FLYTE_INTERNAL_WORKER_NAME",
    ]
)
envs = st.dictionaries(env_names, st.sampled_from(["", "1", "x", "-2", "true", "a b"]), max_size=6)


@given(envs, st.booleans(), st.booleans(), st.one_of(st.none(), st.sampled_from(["", "s3://raw", "{{.rawOutputDataPrefix}}"])))
def test_the_plan_is_json_data_and_names_the_exit_code(
    env: dict[str, str], map_task: bool, with_task: bool, raw: str | None
) -> None:
    args = TaskArgs(inputs="/in.pb", output_prefix="/out", raw_output_data_prefix=raw, map_task=map_task)
    config = configure(Invocation(args, env, now=0.0, uuid_hex="cd" * 16))
    plan = pl.describe_plan(config, t if with_task else None, None if with_task else "load failed")
    assert json.loads(json.dumps(plan)) == plan
    assert plan["exit_code_on_error"] == (1 if env.get("FLYTE_FAIL_ON_ERROR", "").lower() in ("true", "t", "1") else 0)
    assert plan["raw_output_prefix"] == ("s3://raw" if raw == "s3://raw" else "/out/raw")
    assert plan["files_on_success"] == ["outputs.pb"] and len(plan["files_on_error"]) == 1


@given(st.one_of(st.integers(-5, 70000).map(str), st.text(max_size=4)), st.integers(1, 9))
def test_parse_port(text: str, default: int) -> None:
    try:
        value = int(text)
    except ValueError:
        value = None
    expected = value if value is not None and 1 <= value <= 65535 else default
    assert parse_port(text, default) == expected
