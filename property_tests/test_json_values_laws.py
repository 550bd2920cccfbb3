"""Laws of ``core/json_values.py`` beside the literal round trip (that one is in ``test_tools_laws.py``).

* durations and timestamps: ``from_json(to_json(v), T) == Success(v)`` for every ``timedelta`` and every
  aware ``datetime`` (the same instant);
* totality: for any JSON value and any of a set of declared types, ``from_json`` is a Success or a
  Failure carrying a ``JsonValueError``; it never raises.
"""

from __future__ import annotations

import datetime
import typing
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from flyte_entrypoint.core.json_values import JsonValueError, from_json, to_json

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)
TYPES: list[Any] = [
    int, float, str, bool, bytes, type(None), datetime.datetime, datetime.date, datetime.timedelta,
    list[int], dict[str, float], dict[int, str], typing.Optional[list[float]], typing.Union[int, str, None], dict,
]


@given(st.timedeltas())
def test_duration_round_trip(td: datetime.timedelta) -> None:
    assert from_json(to_json(td), datetime.timedelta) == Success(td)


OFFSETS = st.builds(
    datetime.timezone,
    st.timedeltas(min_value=datetime.timedelta(hours=-23, minutes=-59), max_value=datetime.timedelta(hours=23, minutes=59)),
)


# years 2..9998: a protobuf Timestamp (what a datetime literal is) holds years 1..9999 in UTC, and an offset
# may move the instant by up to a day
@given(st.datetimes(min_value=datetime.datetime(2, 1, 1), max_value=datetime.datetime(9998, 12, 31), timezones=OFFSETS))
def test_timestamp_round_trip(when: datetime.datetime) -> None:
    back = from_json(to_json(when), datetime.datetime).unwrap()
    assert back == when and back.utcoffset() == datetime.timedelta(0)


@given(JSON, st.sampled_from(TYPES))
def test_totality(value: Any, tp: Any) -> None:
    result = from_json(value, tp)
    assert isinstance(result, Success) or isinstance(result.failure(), JsonValueError)
    assert isinstance(result, (Success, Failure))
