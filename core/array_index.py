"""Which element of a map task this container runs: one function, not flytekit's two (Q10).

Whether that index addresses an element of a mapped input is decided where the input is read
(``core.literal_maps.inputs_to_python``), the one range check.

Laws (``property_tests/test_array_index_laws.py``), for ``offset`` = ``BATCH_JOB_ARRAY_INDEX_OFFSET``
(unset or blank: 0) and ``i`` = the value of the variable named by ``BATCH_JOB_ARRAY_INDEX_VAR_NAME``:

* the index is ``offset + i`` (``offset`` alone when no variable is named), surrounding blanks ignored;
* it is a ``Failure`` exactly when the offset or ``i`` is not an integer, the named variable is unset,
  or ``offset + i < 0``; never an exception.
"""

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

