"""Which map-task element a container runs (``core.array_index``): README Q10/Q27 and PROTOCOL §5."""

from __future__ import annotations

import pytest
from returns.result import Failure, Success

from flyte_entrypoint.core import array_index as ai


def test_the_variable_names() -> None:
    assert ai.INDEX_VAR_NAME == "BATCH_JOB_ARRAY_INDEX_VAR_NAME"
    assert ai.INDEX_OFFSET == "BATCH_JOB_ARRAY_INDEX_OFFSET"


@pytest.mark.parametrize(
    ("env", "index"),
    [
        ({}, 0),  # a single-element run
        ({"BATCH_JOB_ARRAY_INDEX_OFFSET": ""}, 0),
        ({"BATCH_JOB_ARRAY_INDEX_OFFSET": "  "}, 0),
        ({"BATCH_JOB_ARRAY_INDEX_OFFSET": "3"}, 3),
        ({"BATCH_JOB_ARRAY_INDEX_OFFSET": " 3 "}, 3),
        ({"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "IDX", "IDX": "2"}, 2),
        ({"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "IDX", "IDX": " 2\n"}, 2),
        ({"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "IDX", "IDX": "2", "BATCH_JOB_ARRAY_INDEX_OFFSET": "5"}, 7),
        ({"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "IDX", "IDX": "0"}, 0),
        ({"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "", "IDX": "4", "BATCH_JOB_ARRAY_INDEX_OFFSET": "1"}, 1),
        ({"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "IDX", "IDX": "-2", "BATCH_JOB_ARRAY_INDEX_OFFSET": "2"}, 0),
    ],
)
def test_index_is_offset_plus_the_named_variable(env: dict[str, str], index: int) -> None:
    assert ai.compute_array_job_index(env) == Success(index)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "IDX"},
            "BATCH_JOB_ARRAY_INDEX_VAR_NAME names 'IDX', but that variable is not set",
        ),
        ({"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "IDX", "IDX": "x"}, "IDX must be an integer, got 'x'"),
        ({"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "IDX", "IDX": ""}, "IDX must be an integer, got ''"),
        ({"BATCH_JOB_ARRAY_INDEX_OFFSET": "1.5"}, "BATCH_JOB_ARRAY_INDEX_OFFSET must be an integer, got '1.5'"),
        ({"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "IDX", "IDX": "-1"}, "array index must not be negative, got -1"),
        ({"BATCH_JOB_ARRAY_INDEX_OFFSET": "-1"}, "array index must not be negative, got -1"),
        (
            {"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "IDX", "IDX": "1", "BATCH_JOB_ARRAY_INDEX_OFFSET": "-2"},
            "array index must not be negative, got -1",
        ),
    ],
)
def test_failures_are_values_with_a_message(env: dict[str, str], message: str) -> None:
    result = ai.compute_array_job_index(env)
    assert isinstance(result, Failure)
    assert str(result.failure()) == message == result.failure().message


def test_offset_failure_comes_first() -> None:
    env = {"BATCH_JOB_ARRAY_INDEX_OFFSET": "x", "BATCH_JOB_ARRAY_INDEX_VAR_NAME": "IDX"}
    assert str(ai.compute_array_job_index(env).failure()) == "BATCH_JOB_ARRAY_INDEX_OFFSET must be an integer, got 'x'"
