"""Hypothesis strategies and helpers for testing code that moves values through the type engine.

Installed as ``flyte_entrypoint.testing``; it imports ``hypothesis`` (a test dependency), so only tests and
users who opt in import it::

    from hypothesis import given
    from flyte_entrypoint.testing import types_and_values, same_value, expected_round_trip

    @given(types_and_values())
    def test_round_trip(case):
        tp, value = case
        ...

* :func:`types` - python types the base transformers handle: ``int``, ``float``, ``str``, ``bool``, ``None``,
  ``datetime``, ``date``, ``timedelta``, a str ``Enum``, ``List[T]``, ``Dict[str, T]``, ``Optional[T]`` and
  unions whose variants are distinguishable (at most one variant per union tag);
* :func:`values_of` - values of such a type (floats include NaN/inf/-0.0, datetimes naive or with offsets);
* :func:`types_and_values` - both at once;
* :func:`primitive_lists` - ``(element type, list)`` for the bulk list codecs;
* :func:`expected_round_trip` - what reading a value's literal back gives (datetimes become tz-aware UTC);
* :func:`same_value` - equality that also compares exact types and treats NaN as equal to NaN.

Other modules add their strategies (dataclasses, files) next to these; keep each group self-contained.
"""

from __future__ import annotations

import datetime
import enum
import functools
import math
import typing
from typing import Any, Dict, List, Optional, Union

from hypothesis import strategies as st

__all__ = [
    "Hue",
    "Tone",
    "expected_round_trip",
    "primitive_lists",
    "same_value",
    "types",
    "types_and_values",
    "values_of",
]


class Hue(enum.Enum):
    """A str-valued enum for generated cases."""

    RED = "red"
    GREEN = "green"
    EMPTY = ""


class Tone(str, enum.Enum):
    """A ``str``-mixin enum: a member is also a ``str`` instance, yet it is handled as an enum."""

    WARM = "warm"
    COOL = "cool"


_NONE_TYPE = type(None)
_UTC = datetime.timezone.utc
_INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)

_LEAVES: List[Any] = [
    int,
    float,
    str,
    bool,
    _NONE_TYPE,
    datetime.datetime,
    datetime.date,
    datetime.timedelta,
    Hue,
    Tone,
]

# The union tag (transformer name) of a type; a union may hold one variant per tag.
_TAGS: Dict[Any, str] = {
    int: "int",
    float: "float",
    str: "str",
    bool: "bool",
    _NONE_TYPE: "none",
    datetime.datetime: "datetime",
    datetime.date: "date",
    datetime.timedelta: "timedelta",
    Hue: "enum",
    Tone: "enum",
}


def _tag(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is list:
        return "list"
    if origin is dict:
        return "dict"
    return _TAGS[tp]


def _union_of(variants: List[Any]) -> Any:
    """``Union[...]`` of variants with distinct tags (None allowed once), or None if that is impossible."""
    chosen: List[Any] = []
    seen: set[str] = set()
    for v in variants:
        parts = typing.get_args(v) if typing.get_origin(v) is Union else (v,)
        for p in parts:
            tag = _tag(p)
            if tag in seen:
                continue
            seen.add(tag)
            chosen.append(p)
    if len(chosen) < 2:
        return None
    return Union[tuple(chosen)]


@functools.cache
def types(max_depth: int = 3) -> st.SearchStrategy[Any]:
    """Types of the base transformers, nested up to ``max_depth`` levels of containers/unions."""
    leaves = st.sampled_from(_LEAVES)

    def extend(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        unions = st.lists(inner, min_size=2, max_size=4).map(_union_of).filter(lambda u: u is not None)
        return st.one_of(
            inner.map(lambda t: List[t]),  # type: ignore[valid-type]
            inner.map(lambda t: Dict[str, t]),  # type: ignore[valid-type]
            inner.filter(lambda t: t is not _NONE_TYPE).map(lambda t: Optional[t]),
            unions,
        )

    return st.recursive(leaves, extend, max_leaves=max_depth * 3)


@functools.cache
def _datetimes() -> st.SearchStrategy[datetime.datetime]:
    offsets = st.one_of(
        st.none(),
        st.just(_UTC),
        st.integers(min_value=-23 * 60, max_value=23 * 60).map(
            lambda m: datetime.timezone(datetime.timedelta(minutes=m))
        ),
    )
    return st.datetimes(
        min_value=datetime.datetime(2, 1, 1), max_value=datetime.datetime(9998, 12, 31), timezones=offsets
    )


@functools.lru_cache(maxsize=4096)
def values_of(tp: Any) -> st.SearchStrategy[Any]:
    """Values of type ``tp`` (as produced by :func:`types`) that the engine must accept."""
    if tp is int:
        return _INT64
    if tp is float:
        return st.floats(allow_nan=True, allow_infinity=True)
    if tp is str:
        return st.text()
    if tp is bool:
        return st.booleans()
    if tp is _NONE_TYPE:
        return st.none()
    if tp is datetime.datetime:
        return _datetimes()
    if tp is datetime.date:
        return st.dates()
    if tp is datetime.timedelta:
        return st.timedeltas()
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from(list(tp))
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is list:
        return st.lists(values_of(args[0]), max_size=5)
    if origin is dict:
        return st.dictionaries(st.text(max_size=8), values_of(args[1]), max_size=5)
    if origin is Union:
        return st.one_of([values_of(a) for a in args])
    raise TypeError(f"no value strategy for {tp!r}")


@st.composite
def types_and_values(draw: st.DrawFn, max_depth: int = 3) -> tuple[Any, Any]:
    """``(tp, value)`` with ``value`` a valid value of ``tp``."""
    tp = draw(types(max_depth))
    return tp, draw(values_of(tp))


_PRIMITIVE_VALUES: Dict[Any, st.SearchStrategy[Any]] = {
    int: _INT64,
    float: st.floats(allow_nan=True, allow_infinity=True),
    str: st.text(),
    bool: st.booleans(),
}


@st.composite
def primitive_lists(draw: st.DrawFn, max_size: int = 200) -> tuple[Any, List[Any]]:
    """``(element type, values)`` for ``List[int|float|str|bool]``, often long enough for the bulk codecs."""
    elem = draw(st.sampled_from([int, float, str, bool]))
    return elem, draw(st.lists(_PRIMITIVE_VALUES[elem], max_size=max_size))


def expected_round_trip(value: Any) -> Any:
    """The value reading its literal back yields: datetimes as tz-aware UTC, everything else unchanged."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            return value.replace(tzinfo=_UTC)
        return value.astimezone(_UTC)
    if isinstance(value, list):
        return [expected_round_trip(v) for v in value]
    if isinstance(value, dict):
        return {k: expected_round_trip(v) for k, v in value.items()}
    return value


def same_value(a: Any, b: Any) -> bool:
    """Equal, of exactly the same types all the way down, NaN equal to NaN, -0.0 distinct from 0.0."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, datetime.datetime):
        return a == b and a.utcoffset() == b.utcoffset()
    return bool(a == b)
