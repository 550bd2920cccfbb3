"""``dataclass_list_100k``: an echo task over a list of small dataclasses.

``Small`` lives here (an importable module) so both entrypoints resolve the same class.
"""

from dataclasses import dataclass
from typing import List

try:
    from flytekit import task
except ImportError:
    from flyte_entrypoint import task


@dataclass
class Small:
    a: int
    b: str
    c: float


@task
def echo_small_list(xs: List[Small]) -> List[Small]:
    return xs
