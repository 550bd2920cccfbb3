"""The laws stated in ``core.execution_state``'s docstring."""

from __future__ import annotations

import datetime

from hypothesis import given
from hypothesis import strategies as st

from flyte_entrypoint.core import execution_state as es
from flyte_entrypoint.schemas.execution import BranchEvalMode, ExecutionParameters, ExecutionState, Mode

params = st.builds(
    ExecutionParameters, st.just(datetime.datetime(2024, 1, 1)), st.sampled_from(["/a", "/b"])
)
states = st.builds(
    ExecutionState,
    st.sampled_from(["/w", "/x"]),
    st.one_of(st.none(), st.sampled_from(list(Mode))),
    st.one_of(st.none(), st.just("/e")),
    st.one_of(st.none(), st.sampled_from(list(BranchEvalMode))),
    st.one_of(st.none(), params),
)
LOCAL = {
    Mode.LOCAL_WORKFLOW_EXECUTION,
    Mode.LOCAL_TASK_EXECUTION,
    Mode.EAGER_LOCAL_EXECUTION,
    Mode.LOCAL_DYNAMIC_TASK_EXECUTION,
}


@given(states, states, st.sets(st.sampled_from(["working_dir", "mode", "engine_dir", "branch_eval_mode", "user_space_params"])))
def test_with_params_replaces_exactly_the_given_fields(s: ExecutionState, t: ExecutionState, fields: set[str]) -> None:
    given_ = {f: getattr(t, f) for f in fields if getattr(t, f)}
    got = es.with_params(s, **given_)
    for f in ("working_dir", "mode", "engine_dir", "branch_eval_mode", "user_space_params"):
        assert getattr(got, f) == (given_[f] if f in given_ else getattr(s, f))
    assert es.with_params(s) == s


@given(states)
def test_branches_and_locality(s: ExecutionState) -> None:
    assert es.take_branch(s).branch_eval_mode is BranchEvalMode.BRANCH_ACTIVE
    assert es.branch_complete(es.take_branch(s)) == ExecutionState(
        s.working_dir, s.mode, s.engine_dir, BranchEvalMode.BRANCH_SKIPPED, s.user_space_params
    )
    assert es.is_local_execution(s) is (s.mode in LOCAL)


names = st.sampled_from(["", "a", "b"])


@given(names, names, names, names)
def test_ids_prefer_the_long_name_unless_empty(long_p: str, short_p: str, long_v: str, short_v: str) -> None:
    env = {
        "FLYTE_INTERNAL_EXECUTION_PROJECT": long_p,
        "_F_PRJ": short_p,
        "FLYTE_INTERNAL_TASK_VERSION": long_v,
        "_F_TK_V": short_v,
    }
    assert es.execution_id_from_env(env).project == (long_p or short_p)
    assert es.task_id_from_env(env).version == (long_v or short_v)
