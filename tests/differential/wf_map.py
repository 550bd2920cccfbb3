"""Map-task module shared by the map-task differential tests (``test_map_oracle.py``) and the e2e tests.

Imported by BOTH entrypoints with cwd = this directory: flytekit's ``pyflyte-map-execute`` (the oracle venv has
flytekit) and ours (the dev venv has no flytekit, so the fallback import picks flyte_entrypoint).

The container command of a map task names the *sub-task* (``task-name mapped``), never the map-task variable:
flytekit serializes ``map_task(functools.partial(mapped, y="b"))`` as
``vars y resolver <default resolver> task-module wf_map task-name mapped``. The ``*_map`` declarations below are
there so that the module declares map tasks exactly as a user's would (both sides must import it), and so that
tests can ask each side's resolver for the loader args it would serialize.

Line numbers of the ``raise`` statements appear in error-document traces, so both sides see the same ones.
Append new tasks at the end rather than inserting in the middle.
"""

import functools
import typing

try:
    from flytekit import map_task, task
except ImportError:
    from flyte_entrypoint import map_task, task


@task
def mapped(x: int, y: str) -> str:
    return f"{y}{x}"


@task
def void_element(x: int) -> None:
    print(f"void element {x}")


class Stats(typing.NamedTuple):
    total: float


@task
def named_total(xs: list[float]) -> Stats:
    return Stats(total=sum(xs))


@task
def fails_on_three(x: int) -> int:
    if x == 3:
        raise ValueError(f"element {x} is unlucky")
    return 10 * x


@task
def per_element(xs: list[float], d: dict[str, int]) -> float:
    return sum(xs) + sum(d.values())


mapped_map = map_task(mapped)
mapped_partial = map_task(functools.partial(mapped, y="b"))
void_map = map_task(void_element)
named_map = map_task(named_total)
fails_map = map_task(fails_on_three)
per_element_map = map_task(per_element)
