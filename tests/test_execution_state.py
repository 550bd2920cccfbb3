"""``core.execution_state``: pure ExecutionState transitions and ``current_context()`` built from values.

Mode rules are flytekit 1.16's ``ExecutionState.is_local_execution``; env names are PROTOCOL §4
(``FLYTE_INTERNAL_*`` with their ``_F_*`` short aliases; an empty long name does not shadow, Q17).
"""

from __future__ import annotations

import datetime

import pytest

from flyte_entrypoint.core import execution_state as es
from flyte_entrypoint.schemas.execution import BranchEvalMode, ExecutionParameters, ExecutionState, Mode
from flyte_entrypoint.schemas.identifiers import Identifier, WorkflowExecutionIdentifier

PARAMS = ExecutionParameters(execution_date=datetime.datetime(2024, 1, 1), tmp_dir="/p")
FULL = ExecutionState(
    working_dir="/w",
    mode=Mode.TASK_EXECUTION,
    engine_dir="/e",
    branch_eval_mode=BranchEvalMode.BRANCH_SKIPPED,
    user_space_params=PARAMS,
)


def test_with_params_none_keeps_every_field() -> None:
    assert es.with_params(FULL) == FULL
    assert es.with_params(FULL, working_dir="", engine_dir="") == FULL  # falsy keeps, as flytekit


def test_with_params_replaces_each_field_alone() -> None:
    other = ExecutionParameters(execution_date=datetime.datetime(2025, 1, 1), tmp_dir="/q")
    assert es.with_params(FULL, working_dir="/w2") == ExecutionState(
        "/w2", Mode.TASK_EXECUTION, "/e", BranchEvalMode.BRANCH_SKIPPED, PARAMS
    )
    assert es.with_params(FULL, mode=Mode.LOCAL_TASK_EXECUTION).mode is Mode.LOCAL_TASK_EXECUTION
    assert es.with_params(FULL, mode=Mode.LOCAL_TASK_EXECUTION).working_dir == "/w"
    assert es.with_params(FULL, engine_dir="/e2") == ExecutionState(
        "/w", Mode.TASK_EXECUTION, "/e2", BranchEvalMode.BRANCH_SKIPPED, PARAMS
    )
    assert es.with_params(FULL, branch_eval_mode=BranchEvalMode.BRANCH_ACTIVE) == ExecutionState(
        "/w", Mode.TASK_EXECUTION, "/e", BranchEvalMode.BRANCH_ACTIVE, PARAMS
    )
    assert es.with_params(FULL, user_space_params=other) == ExecutionState(
        "/w", Mode.TASK_EXECUTION, "/e", BranchEvalMode.BRANCH_SKIPPED, other
    )
    assert FULL.working_dir == "/w"  # the original is untouched


def test_branches() -> None:
    taken = es.take_branch(FULL)
    assert taken == ExecutionState("/w", Mode.TASK_EXECUTION, "/e", BranchEvalMode.BRANCH_ACTIVE, PARAMS)
    # flytekit's branch_complete: the remaining branches are skipped
    assert es.branch_complete(taken) == ExecutionState(
        "/w", Mode.TASK_EXECUTION, "/e", BranchEvalMode.BRANCH_SKIPPED, PARAMS
    )


@pytest.mark.parametrize(
    ("mode", "local"),
    [
        (None, False),
        (Mode.TASK_EXECUTION, False),
        (Mode.LOCAL_WORKFLOW_EXECUTION, True),
        (Mode.LOCAL_TASK_EXECUTION, True),
        (Mode.DYNAMIC_TASK_EXECUTION, False),
        (Mode.EAGER_EXECUTION, False),
        (Mode.EAGER_LOCAL_EXECUTION, True),
        (Mode.LOCAL_DYNAMIC_TASK_EXECUTION, True),
    ],
)
def test_is_local_execution(mode: Mode | None, local: bool) -> None:
    assert es.is_local_execution(ExecutionState("/w", mode)) is local


def test_ids_from_long_names() -> None:
    env = {
        "FLYTE_INTERNAL_EXECUTION_PROJECT": "p",
        "FLYTE_INTERNAL_EXECUTION_DOMAIN": "d",
        "FLYTE_INTERNAL_EXECUTION_ID": "n",
        "FLYTE_INTERNAL_TASK_PROJECT": "tp",
        "FLYTE_INTERNAL_TASK_DOMAIN": "td",
        "FLYTE_INTERNAL_TASK_NAME": "tn",
        "FLYTE_INTERNAL_TASK_VERSION": "tv",
    }
    assert es.execution_id_from_env(env) == WorkflowExecutionIdentifier("p", "d", "n")
    assert es.task_id_from_env(env) == Identifier(project="tp", domain="td", name="tn", version="tv")


def test_ids_from_short_aliases_when_the_long_names_are_empty() -> None:
    env = {
        "FLYTE_INTERNAL_EXECUTION_ID": "",
        "_F_PRJ": "p",
        "_F_DM": "d",
        "_F_NM": "n",
        "_F_TK_PRJ": "tp",
        "_F_TK_DM": "td",
        "_F_TK_NM": "tn",
        "_F_TK_V": "tv",
    }
    assert es.execution_id_from_env(env) == WorkflowExecutionIdentifier("p", "d", "n")
    assert es.task_id_from_env(env) == Identifier(project="tp", domain="td", name="tn", version="tv")
    assert es.execution_id_from_env({}) == WorkflowExecutionIdentifier("", "", "")


def test_build_execution_parameters() -> None:
    env = {"_F_PRJ": "p", "_F_TK_NM": "t"}
    params = es.build_execution_parameters(env, 86400.5, "/tmp/x", "s3://raw", "s3://meta", stats="S", logging="L")
    assert params.execution_date == datetime.datetime(1970, 1, 2, 0, 0, 0, 500000, tzinfo=datetime.timezone.utc)
    assert params.tmp_dir == "/tmp/x"
    assert params.execution_id == WorkflowExecutionIdentifier("p", "", "")
    assert params.task_id == Identifier(name="t")
    assert (params.raw_output_prefix, params.output_metadata_prefix) == ("s3://raw", "s3://meta")
    assert (params.stats, params.logging) == ("S", "L")
