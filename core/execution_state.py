"""Pure transitions of ``ExecutionState`` and the building of ``ExecutionParameters`` from values.

Laws (``property_tests/test_execution_state_laws.py``): ``with_params`` with no argument is the
identity and replaces exactly the fields given a truthy value; ``take_branch`` makes the branch
active and ``branch_complete`` marks the remaining branches skipped, changing nothing else;
``is_local_execution`` holds exactly for the four local modes; the identifiers read each field from
its ``FLYTE_INTERNAL_*`` name, else its ``_F_*`` alias (an empty value counts as unset).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

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
    """A new state with the given fields replaced (a falsy value keeps the current one): ``state.with_params``."""
    return state.with_params(working_dir, mode, engine_dir, branch_eval_mode, user_space_params)


def take_branch(state: ExecutionState) -> ExecutionState:
    """Entering a conditional branch that is taken."""
    return state.take_branch()


def branch_complete(state: ExecutionState) -> ExecutionState:
    """Leaving the active branch: the rest are skipped (flytekit's BRANCH_SKIPPED)."""
    return state.branch_complete()


def is_local_execution(state: ExecutionState) -> bool:
    return state.is_local_execution()


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
    record_type: type[ExecutionParameters] = ExecutionParameters,
    **services: Any,
) -> ExecutionParameters:
    """``current_context()`` for a container run. ``execution_date`` is the container start time (Q14)."""
    return record_type(
        execution_date=datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc),
        tmp_dir=tmp_dir,
        execution_id=execution_id_from_env(env),
        task_id=task_id_from_env(env),
        raw_output_prefix=raw_output_prefix,
        output_metadata_prefix=output_metadata_prefix,
        **services,
    )
