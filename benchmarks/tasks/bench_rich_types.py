"""Task modules of the issue-10 benchmarks: a parquet DataFrame echo and a list of pydantic models echo.

``Item`` lives here (an importable module) so both entrypoints resolve the same class.
"""

from typing import List

import pandas as pd
from pydantic import BaseModel

try:
    from flytekit import task
except ImportError:
    from flyte_entrypoint import task


class Item(BaseModel):
    a: int
    b: str
    c: float


@task
def echo_models(xs: List[Item]) -> List[Item]:
    return xs


@task
def echo_frame(df: pd.DataFrame) -> pd.DataFrame:
    return df
