"""Pure transitions of ``ExecutionState`` and the building of ``ExecutionParameters`` from values.

Laws (``property_tests/test_execution_state_laws.py``): ``with_params`` with no argument is the
identity and replaces exactly the fields given; ``branch_complete(take_branch(s))`` is ``s`` without a
branch mode; ``is_local_execution`` holds exactly for the three local modes; the identifiers read
each field from its ``FLYTE_INTERNAL_*`` name, else its ``_F_*`` alias (an empty value counts as unset).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

import attrs

from flyte_entrypoint.core.env import get_one_of
from flyte_entrypoint.schemas.execution import BranchEvalMode, ExecutionParameters, ExecutionState, Mode
from flyte_entrypoint.schemas.identifiers import Identifier, WorkflowExecutionIdentifier


def with_params(
    state: ExecutionState,
    working_dir: str | None = None,
    mode: Mode | None = None,
    engine_dir: str | None = None,
    branch_eval_mode: BranchEvalMode | None = None,
    user_space_params: ExecutionParameters | None = None,
) -> ExecutionState:
    """A new state with the given fields replaced (None keeps the current value)."""
    return ExecutionState(
        working_dir=working_dir if working_dir is not None else state.working_dir,
        mode=mode if mode is not None else state.mode,
        engine_dir=engine_dir if engine_dir is not None else state.engine_dir,
        branch_eval_mode=branch_eval_mode if branch_eval_mode is not None else state.branch_eval_mode,
        user_space_params=user_space_params if user_space_params is not None else state.user_space_params,
    )


def take_branch(state: ExecutionState) -> ExecutionState:
    """Entering a conditional branch that is taken."""
    return attrs.evolve(state, branch_eval_mode=BranchEvalMode.BRANCH_ACTIVE)


def branch_complete(state: ExecutionState) -> ExecutionState:
    """Leaving a conditional branch."""
    return attrs.evolve(state, branch_eval_mode=None)


def is_local_execution(state: ExecutionState) -> bool:
    return state.mode in (
        Mode.LOCAL_WORKFLOW_EXECUTION,
        Mode.LOCAL_TASK_EXECUTION,
        Mode.EAGER_LOCAL_EXECUTION,
    )


def execution_id_from_env(env: Mapping[str, str]) -> WorkflowExecutionIdentifier:
    return WorkflowExecutionIdentifier(
        project=get_one_of(env, "FLYTE_INTERNAL_EXECUTION_PROJECT", "_F_PRJ"),
        domain=get_one_of(env, "FLYTE_INTERNAL_EXECUTION_DOMAIN", "_F_DM"),
        name=get_one_of(env, "FLYTE_INTERNAL_EXECUTION_ID", "_F_NM"),
    )


def task_id_from_env(env: Mapping[str, str]) -> Identifier:
    return Identifier(
        project=get_one_of(env, "FLYTE_INTERNAL_TASK_PROJECT", "_F_TK_PRJ"),
        domain=get_one_of(env, "FLYTE_INTERNAL_TASK_DOMAIN", "_F_TK_DM"),
        name=get_one_of(env, "FLYTE_INTERNAL_TASK_NAME", "_F_TK_NM"),
        version=get_one_of(env, "FLYTE_INTERNAL_TASK_VERSION", "_F_TK_V"),
    )


def build_execution_parameters(
    env: Mapping[str, str],
    now: float,
    tmp_dir: str,
    raw_output_prefix: str | None,
    output_metadata_prefix: str | None,
    **services: Any,
) -> ExecutionParameters:
    """``current_context()`` for a container run. ``execution_date`` is the container start time (Q14)."""
    return ExecutionParameters(
        execution_date=datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc),
        tmp_dir=tmp_dir,
        execution_id=execution_id_from_env(env),
        task_id=task_id_from_env(env),
        raw_output_prefix=raw_output_prefix,
        output_metadata_prefix=output_metadata_prefix,
        **services,
    )
