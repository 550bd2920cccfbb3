"""Which element of a map task this container runs: one function, not flytekit's two (Q10)."""

from __future__ import annotations

from collections.abc import Mapping

import attrs
from returns.result import Failure, Result, Success

INDEX_VAR_NAME = "BATCH_JOB_ARRAY_INDEX_VAR_NAME"
INDEX_OFFSET = "BATCH_JOB_ARRAY_INDEX_OFFSET"


@attrs.frozen
class ArrayIndexError:
    """Why no index could be computed. Reported as a SYSTEM error document, never a traceback."""

    message: str

    def __str__(self) -> str:
        return self.message


def _parse_int(name: str, raw: str) -> Result[int, ArrayIndexError]:
    try:
        return Success(int(raw.strip()))
    except ValueError:
        return Failure(ArrayIndexError(f"{name} must be an integer, got {raw!r}"))


def compute_array_job_index(env: Mapping[str, str]) -> Result[int, ArrayIndexError]:
    """index = offset + value of the variable named by ``BATCH_JOB_ARRAY_INDEX_VAR_NAME``.

    An unset or empty offset is 0. Without ``BATCH_JOB_ARRAY_INDEX_VAR_NAME`` the index is the offset
    (a single-element run). The named variable must exist and be an integer; the result must not be
    negative (flytekit silently ran the *last* element for -1, Q27).
    """
    raw_offset = env.get(INDEX_OFFSET, "")
    offset_result: Result[int, ArrayIndexError] = (
        _parse_int(INDEX_OFFSET, raw_offset) if raw_offset.strip() else Success(0)
    )

    def add_env_index(offset: int) -> Result[int, ArrayIndexError]:
        var_name = env.get(INDEX_VAR_NAME, "")
        if not var_name:
            return Success(offset)
        raw = env.get(var_name)
        if raw is None:
            return Failure(
                ArrayIndexError(f"{INDEX_VAR_NAME} names {var_name!r}, but that variable is not set")
            )
        return _parse_int(var_name, raw).map(lambda i: i + offset)

    def non_negative(index: int) -> Result[int, ArrayIndexError]:
        if index < 0:
            return Failure(ArrayIndexError(f"array index must not be negative, got {index}"))
        return Success(index)

    return offset_result.bind(add_env_index).bind(non_negative)


def select_index(index: int, size: int, input_name: str) -> Result[int, ArrayIndexError]:
    """The index, if it addresses an element of a mapped input of ``size`` elements."""
    if 0 <= index < size:
        return Success(index)
    return Failure(
        ArrayIndexError(f"array index {index} is out of range for input {input_name!r} with {size} elements")
    )
