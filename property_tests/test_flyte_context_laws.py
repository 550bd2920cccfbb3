"""Laws of the ``FlyteContext`` stack (``shell/flyte_context.py``).

* ``with_context`` is balanced: whatever the block pushes (and does not pop), and whether it returns or
  raises, the stack afterwards is the stack before - same size, same current context.
* Building never changes the context built from: ``ctx.new_builder()...build()`` is a new record one
  level deeper, and ``ctx``'s fields are unchanged.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from flyte_entrypoint.entrypoint import ExecutionState, FlyteContextManager

# a block: how many contexts it pushes and leaks, and whether it raises; blocks nest in order
blocks = st.lists(st.tuples(st.integers(0, 3), st.booleans()), min_size=1, max_size=5)


class _Boom(Exception):
    pass


def _run(plan: list[tuple[int, bool]]) -> None:
    if not plan:
        return
    leaks, raises = plan[0]
    ctx = FlyteContextManager.current_context()
    try:
        with FlyteContextManager.with_context(ctx.new_builder()) as inner:
            assert FlyteContextManager.current_context() is inner
            for _ in range(leaks):
                FlyteContextManager.push_context(inner.new_builder().build())
            _run(plan[1:])
            if raises:
                raise _Boom()
    except _Boom:
        pass
    assert FlyteContextManager.current_context() is ctx


@given(blocks)
def test_with_context_is_balanced(plan: list[tuple[int, bool]]) -> None:
    before = FlyteContextManager.size()
    ctx = FlyteContextManager.current_context()
    _run(plan)
    assert FlyteContextManager.size() == before
    assert FlyteContextManager.current_context() is ctx


@given(st.sampled_from(list(ExecutionState.Mode)), st.booleans())
def test_building_leaves_the_source_unchanged(mode: ExecutionState.Mode, condition: bool) -> None:
    ctx = FlyteContextManager.current_context()
    fields = (ctx.level, ctx.execution_state, ctx.in_a_condition, ctx.file_access)
    builder = ctx.with_execution_state(ctx.execution_state.with_params(mode=mode))
    if condition:
        builder = builder.enter_conditional_section()
    built = builder.build()
    assert built is not ctx and built.level == ctx.level + 1
    assert built.execution_state.mode == mode and built.in_a_condition == condition
    assert (ctx.level, ctx.execution_state, ctx.in_a_condition, ctx.file_access) == fields
