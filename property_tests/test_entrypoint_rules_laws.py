"""Laws of the small pure rules: env lookup, placeholder normalization, array index, error names."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from flyte_entrypoint.core import env as envrules
from flyte_entrypoint.core.array_index import compute_array_job_index
from flyte_entrypoint.core.errors import (
    CapturedError,
    Phase,
    classify,
    error_file_name,
    format_error_message,
    user_error_code,
    worker_name,
)

names = st.text(alphabet=string.ascii_uppercase + "_", min_size=1, max_size=8)
values = st.text(max_size=12)
envs = st.dictionaries(names, values, max_size=6)
hex32 = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)


@given(envs, st.lists(names, min_size=1, max_size=4))
def test_get_one_of_is_the_first_non_empty(env: dict[str, str], keys: list[str]) -> None:
    got = envrules.get_one_of(env, *keys)
    expected = next((env[k] for k in keys if env.get(k)), "")
    assert got == expected


@given(st.one_of(st.none(), values, st.sampled_from(["", '""', envrules.PREV_CHECKPOINT_PLACEHOLDER])))
def test_normalization_is_idempotent(value: str | None) -> None:
    for normalize in (
        envrules.normalize_raw_output_prefix,
        envrules.normalize_checkpoint_path,
        envrules.normalize_prev_checkpoint,
    ):
        once = normalize(value)
        assert normalize(once) == once
        assert once is None or ((once and "{{" not in once) or once == value)


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=10**6))
def test_array_index_is_offset_plus_env_index(offset: int, index: int) -> None:
    env = {
        "BATCH_JOB_ARRAY_INDEX_VAR_NAME": "MY_IDX",
        "MY_IDX": str(index),
        "BATCH_JOB_ARRAY_INDEX_OFFSET": str(offset),
    }
    assert compute_array_job_index(env) == Success(offset + index)


@given(envs)
def test_array_index_is_total(env: dict[str, str]) -> None:
    result = compute_array_job_index(env)
    assert isinstance(result, (Success, Failure))
    if isinstance(result, Success):
        assert result.unwrap() >= 0


@given(st.integers(min_value=-(10**6), max_value=-1))
def test_negative_indices_are_refused(index: int) -> None:
    env = {"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "I", "I": str(index)}
    assert isinstance(compute_array_job_index(env), Failure)


@given(envs, hex32, hex32)
def test_error_file_names(env: dict[str, str], u1: str, u2: str) -> None:
    strategy = envrules.get_one_of(env, "FLYTE_INTERNAL_DIST_ERROR_STRATEGY", "_F_DES")
    n1, n2 = error_file_name(env, u1), error_file_name(env, u2)
    if strategy:
        assert n1 == f"error-{u1}.pb" and (n1 == n2) == (u1 == u2)
    else:
        assert n1 == n2 == "error.pb"
        assert worker_name(env) == ""


@given(st.one_of(st.integers(), st.text(), st.none(), st.floats(allow_nan=False), st.booleans()))
def test_user_error_code_is_total_and_a_string(code: object) -> None:
    class Coded(Exception):
        pass

    exc = Coded("x")
    exc.error_code = code  # type: ignore[attr-defined]
    got = user_error_code(exc)
    assert isinstance(got, str)
    if code is None:
        assert got == "USER:RuntimeError"
    elif isinstance(code, (str, int)):
        assert got == str(code)


@given(st.text(), st.text(), st.sampled_from(list(Phase)))
def test_message_layout(trace: str, text: str, phase: Phase) -> None:
    exc = ValueError(text)
    msg = format_error_message(CapturedError(exc, trace))
    assert msg.startswith("Trace:\n\n")
    _head, sep, tail = msg.rpartition("\nMessage:\n\n")
    assert sep
    # every non-blank line is indented by exactly 4 spaces, and un-indenting gives "Name: str" back
    parts = tail.splitlines(keepends=True)
    assert all(p.strip() == "" or p.startswith("    ") for p in parts)
    assert "".join(p[4:] if p.strip() else p for p in parts) == f"ValueError: {text}"
    report = classify(phase, CapturedError(exc, trace), 5.0, "")
    assert report.message == msg and report.timestamp == 5.0
