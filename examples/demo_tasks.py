"""Demo tasks for flyte-entrypoint (run by scripts/demo.sh through pyflyte-execute)."""

from __future__ import annotations

from typing import NamedTuple

from flyte_entrypoint import current_context, task


@task
def add(a: int, b: int) -> int:
    return a + b


class Stats(NamedTuple):
    total: float
    labels: list[str]


@task
def summarize(values: dict[str, float]) -> Stats:
    current_context().logging.info("summarizing %d values", len(values))
    return Stats(sum(values.values()), sorted(values))


@task
def divide(a: float, b: float) -> float:
    return a / b
