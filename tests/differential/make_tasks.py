"""Our tasks for the ``flyte-entrypoint make`` differential test (interfaces only; nothing runs)."""

import datetime
from typing import Dict, List, Optional, Union

from dc_types import Collections, Color, Dates, Point, Scalars, WithEnum

from flyte_entrypoint import FlyteDirectory, FlyteFile, task


@task
def prims(a: int, b: float, s: str, flag: bool) -> None: ...


@task
def collections(
    xs: List[int], d: Dict[str, float], nested: List[Dict[str, List[int]]], empty: List[str]
) -> None: ...


@task
def times(when: datetime.datetime, day: datetime.date, span: datetime.timedelta) -> None: ...


@task
def unions(u: Union[int, str], o: Optional[List[int]], n: Optional[int], f: Union[float, str]) -> None: ...


@task
def enums(c: Color, maybe: Optional[Color]) -> None: ...


@task
def structs(p: Point, s: Scalars, w: WithEnum) -> None: ...


@task
def more_structs(d: Dates, c: Collections) -> None: ...


@task
def untyped(anything: dict, by_id: Dict[int, str]) -> None: ...


CsvFile = FlyteFile["csv"]


@task
def blobs(f: FlyteFile, table: CsvFile, d: FlyteDirectory) -> None: ...


@task
def defaults(a: int, b: int = 7, c: Optional[str] = None) -> None: ...
