"""Hypothesis strategies for dataclass types and values, and untyped dicts (``flyte_entrypoint.testing_struct``).

For testing code that moves dataclasses through the type engine::

    from hypothesis import given
    from flyte_entrypoint.testing_struct import dataclass_types_and_values

    @given(dataclass_types_and_values())
    def test_round_trip(case):
        tp, value = case
        ...

* :func:`field_types` - annotations a dataclass field may have (scalars, datetimes, an enum, bytes, ``Optional``,
  ``List``, ``Dict[str, T]``, ``Dict[int, T]``, ``Tuple[T, ...]``, nested dataclasses).
* :func:`dataclass_types` - fresh ``@dataclass`` classes built with ``make_dataclass`` (some fields with
  defaults).
* :func:`values_of` - values of such a type; they survive a msgpack round trip exactly (no NaN, timedeltas within
  float precision, 64-bit ints).
* :func:`untyped_dicts` - ``dict`` values as flytekit's untyped-dict encoding accepts them.

Requires ``hypothesis`` (a test dependency); importing this module without it fails.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import itertools
import keyword
import typing
from typing import Any, Dict, List, Optional, Tuple

from hypothesis import strategies as st

__all__ = [
    "Shade",
    "dataclass_types",
    "dataclass_types_and_values",
    "field_types",
    "untyped_dicts",
    "values_of",
]


class Shade(enum.Enum):
    """A string-valued enum for generated fields (flytekit only supports string enums as LiteralTypes)."""

    LIGHT = "light"
    DARK = "dark"
    NONE = "none"


_LEAF_TYPES: List[Any] = [
    int,
    float,
    str,
    bool,
    bytes,
    datetime.datetime,
    datetime.date,
    datetime.timedelta,
    Shade,
]

_counter = itertools.count()

_INT64 = st.integers(min_value=-(2**63), max_value=2**64 - 1)
_FLOATS = st.floats(allow_nan=False, allow_infinity=False)
_TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=20)  # no lone surrogates
_NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(lambda s: not keyword.iskeyword(s))
_OFFSETS = st.integers(min_value=-23 * 60, max_value=23 * 60).map(
    lambda m: datetime.timezone(datetime.timedelta(minutes=m))
)


def _datetimes() -> st.SearchStrategy[datetime.datetime]:
    return st.datetimes(
        min_value=datetime.datetime(1, 1, 2),
        max_value=datetime.datetime(9999, 12, 30),
        timezones=st.one_of(st.none(), _OFFSETS),
    )


def _timedeltas() -> st.SearchStrategy[datetime.timedelta]:
    # total_seconds() is a float: keep to the range where it is exact to the microsecond
    return st.timedeltas(
        min_value=datetime.timedelta(seconds=-(10**9)), max_value=datetime.timedelta(seconds=10**9)
    )


def field_types(max_depth: int = 2, dataclasses_: List[type] | None = None) -> st.SearchStrategy[Any]:
    """Field annotations, nesting containers up to ``max_depth`` and using the given dataclasses as leaves."""
    leaves: List[Any] = list(_LEAF_TYPES) + list(dataclasses_ or [])
    leaf = st.sampled_from(leaves)
    if max_depth <= 0:
        return leaf

    def extend(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            inner.map(lambda t: List[t]),  # type: ignore[valid-type]
            inner.map(lambda t: Optional[t]),
            inner.map(lambda t: Dict[str, t]),  # type: ignore[valid-type]
            inner.map(lambda t: Dict[int, t]),  # type: ignore[valid-type]
            inner.map(lambda t: Tuple[t, ...]),
        )

    return st.recursive(leaf, extend, max_leaves=max_depth + 1)


@st.composite
def dataclass_types(draw: st.DrawFn, max_fields: int = 5, max_depth: int = 2, nested: int = 2) -> type:
    """A fresh dataclass; up to ``nested`` levels of dataclass-typed fields."""
    inner: List[type] = []
    if nested > 0 and draw(st.booleans()):
        inner.append(draw(dataclass_types(max_fields=3, max_depth=1, nested=nested - 1)))
    names = draw(st.lists(_NAMES, max_size=max_fields, unique=True))
    fields: List[Any] = []
    defaults_started = False
    for name in names:
        tp = draw(field_types(max_depth, inner))
        with_default = defaults_started or draw(st.integers(0, 3)) == 0
        if with_default:
            defaults_started = True
            if draw(st.booleans()):
                fields.append((name, tp, dataclasses.field(default_factory=_factory(draw(values_of(tp))))))
            else:
                tp = Optional[tp]
                fields.append((name, tp, dataclasses.field(default=None)))
        else:
            fields.append((name, tp))
    cls = dataclasses.make_dataclass(f"Generated{next(_counter)}", fields)
    return cls


def _factory(value: Any) -> typing.Callable[[], Any]:
    import copy

    return lambda: copy.deepcopy(value)


def values_of(tp: Any) -> st.SearchStrategy[Any]:
    """Values of a type made by :func:`field_types` / :func:`dataclass_types`."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is int:
        return _INT64
    if tp is float:
        return _FLOATS
    if tp is str:
        return _TEXT
    if tp is bool:
        return st.booleans()
    if tp is bytes:
        return st.binary(max_size=16)
    if tp is datetime.datetime:
        return _datetimes()
    if tp is datetime.date:
        return st.dates()
    if tp is datetime.timedelta:
        return _timedeltas()
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from(list(tp))
    if origin is list:
        return st.lists(values_of(args[0]), max_size=4)
    if origin is tuple:
        return st.lists(values_of(args[0]), max_size=4).map(tuple)
    if origin is dict:
        keys = _TEXT if args[0] is str else _INT64
        return st.dictionaries(keys, values_of(args[1]), max_size=4)
    if origin is typing.Union:
        non_none = [a for a in args if a is not type(None)]
        return st.none() | st.one_of(*[values_of(a) for a in non_none])
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass_values(tp)
    raise TypeError(f"no strategy for {tp!r}")


def _dataclass_values(cls: type) -> st.SearchStrategy[Any]:
    hints = typing.get_type_hints(cls)
    required = {
        f.name: values_of(hints[f.name])
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    optional = {
        f.name: values_of(hints[f.name])
        for f in dataclasses.fields(cls)
        if not (f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
    }
    return st.fixed_dictionaries(required, optional=optional).map(lambda kw: cls(**kw))


def dataclass_types_and_values(
    max_fields: int = 5, max_depth: int = 2
) -> st.SearchStrategy[Tuple[type, Any]]:
    """``(cls, instance)`` pairs."""
    return dataclass_types(max_fields=max_fields, max_depth=max_depth).flatmap(
        lambda cls: values_of(cls).map(lambda v: (cls, v))
    )


def untyped_dicts(max_leaves: int = 20) -> st.SearchStrategy[Dict[Any, Any]]:
    """Untyped ``dict`` values: str (and some int) keys, JSON-like and msgpack-native leaves, nested."""
    leaf = st.one_of(st.none(), st.booleans(), _INT64, _FLOATS, _TEXT, st.binary(max_size=8))
    keys = st.one_of(_TEXT, st.integers(min_value=-(2**31), max_value=2**31))
    tree = st.recursive(
        leaf,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
        max_leaves=max_leaves,
    )
    return st.dictionaries(keys, tree, max_size=5)
