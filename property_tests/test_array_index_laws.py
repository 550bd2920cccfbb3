"""The laws stated in ``core.array_index``'s docstring."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from flyte_entrypoint.core.array_index import INDEX_OFFSET, INDEX_VAR_NAME, compute_array_job_index

ints = st.integers(-50, 50)
blank = st.sampled_from(["", " ", "\t"])


def _as_int(raw: str | None) -> int | None:
    try:
        return int(raw.strip()) if raw is not None else None
    except ValueError:
        return None


@given(
    st.one_of(st.none(), blank, ints.map(str), st.sampled_from(["x", "1.0", " 7 "])),
    st.one_of(st.none(), st.just(""), st.just("IDX"), st.just("MISSING")),
    st.one_of(st.none(), ints.map(str), st.sampled_from(["", "y", " -3 "])),
    blank,
)
def test_index_is_offset_plus_variable_or_a_failure(
    offset: str | None, var: str | None, value: str | None, pad: str
) -> None:
    env: dict[str, str] = {}
    if offset is not None:
        env[INDEX_OFFSET] = pad + offset
    if var is not None:
        env[INDEX_VAR_NAME] = var
    if value is not None:
        env["IDX"] = value
    result = compute_array_job_index(env)
    off = 0 if offset is None or not offset.strip() else _as_int(offset)
    if var:
        i = _as_int(env.get(var))
        expected = None if off is None or i is None else off + i
    else:
        expected = off
    if expected is None or expected < 0:
        assert isinstance(result, Failure)
    else:
        assert result == Success(expected)
