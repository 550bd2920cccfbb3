"""DataFrames in a module written for flytekit (flytesnacks 'caching' pattern: a HashMethod on the output)."""

from typing import Annotated

import pandas as pd
from flytekit import task, workflow
from flytekit.core.hash import HashMethod


def hash_frame(df: pd.DataFrame) -> str:
    return str(pd.util.hash_pandas_object(df))


@task(cache=True, cache_version="1")
def frame(n: int) -> Annotated[pd.DataFrame, HashMethod(hash_frame)]:
    return pd.DataFrame({"a": list(range(n)), "b": [f"r{i}" for i in range(n)]})


@task
def total(df: pd.DataFrame) -> int:
    return int(df["a"].sum())


@workflow
def frames_wf(n: int = 4) -> int:
    return total(df=frame(n=n))
