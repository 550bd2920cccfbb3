"""Scalars as flytekit 1.16's SimpleTransformers write and read them (PROTOCOL.md 10.1, 10.10).

Every expected literal and message below was produced by flytekit 1.16.31 (``TypeEngine.to_literal`` /
``to_python_value`` for the same value, type and literal). Where simple.py's docstring states a deliberate
difference (msgpack ``binary`` literals, a tzinfo without an offset), the test says so.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator
from typing import Any

import msgpack
import pytest
from flyteidl.core import literals_pb2
from google.protobuf import text_format

from flyte_entrypoint.core.type_engine import simple
from flyte_entrypoint.core.type_engine.engine import (
    ConversionContext,
    Sink,
    default_engine,
    to_literal,
    to_python,
)

NONE_TYPE = type(None)
TYPES = {
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "datetime": datetime.datetime,
    "date": datetime.date,
    "timedelta": datetime.timedelta,
    "NoneType": NONE_TYPE,
}
LITERALS = {
    "coll": "collection { }",
    "none": "scalar { none_type { } }",
    "int": "scalar { primitive { integer: 3 } }",
    "float": "scalar { primitive { float_value: 3.9 } }",
    "bigfloat": "scalar { primitive { float_value: inf } }",
    "nanfloat": "scalar { primitive { float_value: nan } }",
    "str": 'scalar { primitive { string_value: "s" } }',
    "bool": "scalar { primitive { boolean: true } }",
    "dt": "scalar { primitive { datetime { seconds: 1704164645 } } }",
    "dur": "scalar { primitive { duration { seconds: 5 } } }",
}


def literal(source: str) -> literals_pb2.Literal:
    return text_format.Parse(source, literals_pb2.Literal())


def text(message: Any) -> str:
    return text_format.MessageToString(message, as_one_line=True)


# (type, literal, flytekit's exception class, flytekit's message) for every failing read
READ_FAILURES = [
    (
        "int",
        "coll",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n to <class 'int'>",
    ),
    (
        "int",
        "none",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar: to <class 'int'>",
    ),
    ("int", "bigfloat", "OverflowError", "cannot convert float infinity to integer"),
    ("int", "nanfloat", "ValueError", "cannot convert float NaN to integer"),
    (
        "int",
        "str",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      string_value: s to int",
    ),
    (
        "int",
        "bool",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      boolean: True to int",
    ),
    (
        "int",
        "dt",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      datetime:\n        seconds: 1704164645 to int",
    ),
    (
        "int",
        "dur",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      duration:\n        seconds: 5 to int",
    ),
    (
        "float",
        "coll",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n to <class 'float'>",
    ),
    (
        "float",
        "none",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar: to <class 'float'>",
    ),
    (
        "float",
        "str",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      string_value: s to float",
    ),
    (
        "float",
        "bool",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      boolean: True to float",
    ),
    (
        "float",
        "dt",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      datetime:\n        seconds: 1704164645 to float",
    ),
    (
        "float",
        "dur",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      duration:\n        seconds: 5 to float",
    ),
    (
        "str",
        "coll",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n to <class 'str'>",
    ),
    (
        "str",
        "none",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar: to <class 'str'>",
    ),
    (
        "str",
        "int",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      integer: 3 to <class 'str'>",
    ),
    (
        "str",
        "float",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      float_value: 3.9 to <class 'str'>",
    ),
    (
        "str",
        "bigfloat",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      float_value: inf to <class 'str'>",
    ),
    (
        "str",
        "nanfloat",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      float_value: nan to <class 'str'>",
    ),
    (
        "str",
        "bool",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      boolean: True to <class 'str'>",
    ),
    (
        "str",
        "dt",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      datetime:\n        seconds: 1704164645 to <class 'str'>",
    ),
    (
        "str",
        "dur",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      duration:\n        seconds: 5 to <class 'str'>",
    ),
    (
        "bool",
        "coll",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n to <class 'bool'>",
    ),
    (
        "bool",
        "none",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar: to <class 'bool'>",
    ),
    (
        "bool",
        "int",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      integer: 3 to <class 'bool'>",
    ),
    (
        "bool",
        "float",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      float_value: 3.9 to <class 'bool'>",
    ),
    (
        "bool",
        "bigfloat",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      float_value: inf to <class 'bool'>",
    ),
    (
        "bool",
        "nanfloat",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      float_value: nan to <class 'bool'>",
    ),
    (
        "bool",
        "str",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      string_value: s to <class 'bool'>",
    ),
    (
        "bool",
        "dt",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      datetime:\n        seconds: 1704164645 to <class 'bool'>",
    ),
    (
        "bool",
        "dur",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      duration:\n        seconds: 5 to <class 'bool'>",
    ),
    (
        "datetime",
        "coll",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n to <class 'datetime.datetime'>",
    ),
    (
        "datetime",
        "none",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar: to <class 'datetime.datetime'>",
    ),
    (
        "datetime",
        "int",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      integer: 3 to <class 'datetime.datetime'>",
    ),
    (
        "datetime",
        "float",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      float_value: 3.9 to <class 'datetime.datetime'>",
    ),
    (
        "datetime",
        "bigfloat",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      float_value: inf to <class 'datetime.datetime'>",
    ),
    (
        "datetime",
        "nanfloat",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      float_value: nan to <class 'datetime.datetime'>",
    ),
    (
        "datetime",
        "str",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      string_value: s to <class 'datetime.datetime'>",
    ),
    (
        "datetime",
        "bool",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      boolean: True to <class 'datetime.datetime'>",
    ),
    (
        "datetime",
        "dur",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      duration:\n        seconds: 5 to <class 'datetime.datetime'>",
    ),
    (
        "date",
        "coll",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n to <class 'datetime.date'>",
    ),
    (
        "date",
        "none",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar: to <class 'datetime.date'>",
    ),
    (
        "date",
        "int",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      integer: 3 to <class 'datetime.date'>",
    ),
    (
        "date",
        "float",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      float_value: 3.9 to <class 'datetime.date'>",
    ),
    (
        "date",
        "bigfloat",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      float_value: inf to <class 'datetime.date'>",
    ),
    (
        "date",
        "nanfloat",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      float_value: nan to <class 'datetime.date'>",
    ),
    (
        "date",
        "str",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      string_value: s to <class 'datetime.date'>",
    ),
    (
        "date",
        "bool",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      boolean: True to <class 'datetime.date'>",
    ),
    (
        "date",
        "dur",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      duration:\n        seconds: 5 to <class 'datetime.date'>",
    ),
    (
        "timedelta",
        "coll",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n to <class 'datetime.timedelta'>",
    ),
    (
        "timedelta",
        "none",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar: to <class 'datetime.timedelta'>",
    ),
    (
        "timedelta",
        "int",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      integer: 3 to <class 'datetime.timedelta'>",
    ),
    (
        "timedelta",
        "float",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      float_value: 3.9 to <class 'datetime.timedelta'>",
    ),
    (
        "timedelta",
        "bigfloat",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      float_value: inf to <class 'datetime.timedelta'>",
    ),
    (
        "timedelta",
        "nanfloat",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      float_value: nan to <class 'datetime.timedelta'>",
    ),
    (
        "timedelta",
        "str",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      string_value: s to <class 'datetime.timedelta'>",
    ),
    (
        "timedelta",
        "bool",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      boolean: True to <class 'datetime.timedelta'>",
    ),
    (
        "timedelta",
        "dt",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      datetime:\n        seconds: 1704164645 to <class 'datetime.timedelta'>",
    ),
    (
        "NoneType",
        "coll",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n to <class 'NoneType'>",
    ),
    (
        "NoneType",
        "int",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      integer: 3 to None",
    ),
    (
        "NoneType",
        "float",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      float_value: 3.9 to None",
    ),
    (
        "NoneType",
        "bigfloat",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      float_value: inf to None",
    ),
    (
        "NoneType",
        "nanfloat",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      float_value: nan to None",
    ),
    (
        "NoneType",
        "str",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      string_value: s to None",
    ),
    (
        "NoneType",
        "bool",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      boolean: True to None",
    ),
    (
        "NoneType",
        "dt",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      datetime:\n        seconds: 1704164645 to None",
    ),
    (
        "NoneType",
        "dur",
        "TypeTransformerFailedError",
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      duration:\n        seconds: 5 to None",
    ),
]


@pytest.mark.parametrize(("tp", "lit", "kind", "message"), READ_FAILURES)
def test_reading_the_wrong_literal_fails_in_flytekits_words(
    tp: str, lit: str, kind: str, message: str
) -> None:
    failure = to_python(literal(LITERALS[lit]), TYPES[tp]).failure()
    assert (failure.kind, failure.message) == (kind, message)


UTC = datetime.timezone.utc
READS = [
    (int, "int", 3),
    (int, "float", 3),
    (float, "int", 3.0),
    (float, "float", 3.9),
    (float, "bigfloat", float("inf")),
    (str, "str", "s"),
    (bool, "bool", True),
    (datetime.datetime, "dt", datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
    (datetime.date, "dt", datetime.date(2024, 1, 2)),
    (datetime.timedelta, "dur", datetime.timedelta(seconds=5)),
    (NONE_TYPE, "none", None),
]


@pytest.mark.parametrize(("tp", "lit", "expected"), READS)
def test_reads(tp: Any, lit: str, expected: Any) -> None:
    got = to_python(literal(LITERALS[lit]), tp).unwrap()
    assert got == expected and type(got) is type(expected)
    if tp is datetime.datetime:
        assert got.tzinfo is UTC


def test_reading_a_nan_float_as_float_is_nan() -> None:
    got = to_python(literal(LITERALS["nanfloat"]), float).unwrap()
    assert got != got


def test_a_msgpack_binary_literal_is_decoded_as_the_type() -> None:
    # flytekit reads 7 for int and timedelta(seconds=7); for str/float/bool it fails (an AssertionError) where
    # we decode the msgpack value
    binary = literals_pb2.Literal()
    binary.scalar.binary.value = msgpack.dumps(7)
    binary.scalar.binary.tag = "msgpack"
    assert to_python(binary, int).unwrap() == 7
    assert to_python(binary, datetime.timedelta).unwrap() == datetime.timedelta(seconds=7)


WRITES = [
    (-(2**63), int, "scalar { primitive { integer: -9223372036854775808 } }"),
    (2**63 - 1, int, "scalar { primitive { integer: 9223372036854775807 } }"),
    (0, int, "scalar { primitive { integer: 0 } }"),
    (0.0, float, "scalar { primitive { float_value: 0.0 } }"),
    ("", str, 'scalar { primitive { string_value: "" } }'),
    (False, bool, "scalar { primitive { boolean: false } }"),
    (
        datetime.timedelta(microseconds=-1),
        datetime.timedelta,
        "scalar { primitive { duration { nanos: -1000 } } }",
    ),
    (
        datetime.timedelta(days=-1, seconds=5),
        datetime.timedelta,
        "scalar { primitive { duration { seconds: -86395 } } }",
    ),
    (datetime.date(1970, 1, 1), datetime.date, "scalar { primitive { datetime { } } }"),
    (datetime.datetime(1970, 1, 1), datetime.datetime, "scalar { primitive { datetime { } } }"),
    (None, NONE_TYPE, "scalar { none_type { } }"),
]


@pytest.mark.parametrize(("value", "tp", "expected"), WRITES)
def test_writes(value: Any, tp: Any, expected: str) -> None:
    assert text(to_literal(value, tp).unwrap().value) == expected


@pytest.fixture
def tokyo_host(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local time zone is UTC+9 for the test (a host-dependent conversion would show)."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_tzinfo_without_an_offset_is_taken_as_utc(tokyo_host: None) -> None:
    # flytekit takes it as the host's local time (this value is flytekit's on a UTC host); ours is the same on
    # every host
    class NoOffset(datetime.tzinfo):
        def utcoffset(self, dt: datetime.datetime | None) -> None:
            return None

        def dst(self, dt: datetime.datetime | None) -> None:
            return None

    value = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=NoOffset())
    assert text(to_literal(value, datetime.datetime).unwrap().value) == (
        "scalar { primitive { datetime { seconds: 1704164645 } } }"
    )


WRITE_FAILURES = [
    (2**63, int, "ValueError", "Value out of range: 9223372036854775808"),
    (
        "a\ud800b",
        str,
        "UnicodeEncodeError",
        "'utf-8' codec can't encode character '\\ud800' in position 1: surrogates not allowed",
    ),
    (
        datetime.datetime(1, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=14))),
        datetime.datetime,
        "OverflowError",
        "date value out of range",
    ),
    (
        1.0,
        int,
        "TypeTransformerFailedError",
        "Expected value of type <class 'int'> but got '1.0' of type <class 'float'>",
    ),
    (
        1,
        float,
        "TypeTransformerFailedError",
        "Expected value of type <class 'float'> but got '1' of type <class 'int'>",
    ),
    (
        datetime.datetime(2024, 5, 6, 7, 8, 9, 10),
        datetime.date,
        "TypeTransformerFailedError",
        "Expected value of type <class 'datetime.date'> but got '2024-05-06 07:08:09.000010' of type"
        " <class 'datetime.datetime'>",
    ),
    (
        datetime.date(2024, 1, 1),
        datetime.datetime,
        "TypeTransformerFailedError",
        "Expected value of type <class 'datetime.datetime'> but got '2024-01-01' of type <class 'datetime.date'>",
    ),
    (
        3,
        NONE_TYPE,
        "TypeTransformerFailedError",
        "Expected value of type <class 'NoneType'> but got '3' of type <class 'int'>",
    ),
]


@pytest.mark.parametrize(("value", "tp", "kind", "message"), WRITE_FAILURES)
def test_writing_fails_in_flytekits_words(value: Any, tp: Any, kind: str, message: str) -> None:
    failure = to_literal(value, tp).failure()
    assert (failure.kind, failure.message) == (kind, message)


# -- the transformer objects ---------------------------------------------------------------------------


def test_transformers_handle_exactly_their_class_and_none_for_nonetype() -> None:
    assert simple.INT.handles(int) and not simple.INT.handles(bool) and not simple.INT.handles(None)
    assert simple.NONE.handles(NONE_TYPE) and simple.NONE.handles(None)
    assert simple.NONE.accepts_none and not simple.STR.accepts_none
    assert simple.FLOAT.accepts(1.5) and not simple.FLOAT.accepts(1)
    assert repr(simple.DATE) == "SimpleTransformer('date')"
    assert [t.name for t in simple.SIMPLE_TRANSFORMERS] == [
        "int",
        "float",
        "str",
        "bool",
        "datetime",
        "date",
        "timedelta",
        "none",
    ]


def test_to_literal_called_directly_writes_the_literal() -> None:
    lit = simple.STR.to_literal("x", str, default_engine(), Sink(ConversionContext()))
    assert text(lit) == 'scalar { primitive { string_value: "x" } }'


def test_literal_kind_names_what_a_literal_holds() -> None:
    assert simple.literal_kind(literal("scalar { primitive { integer: 1 } }")) == "integer"
    assert simple.literal_kind(literal("scalar { primitive { } }")) == "empty primitive"
    assert simple.literal_kind(literal("scalar { none_type { } }")) == "none_type"
    assert simple.literal_kind(literal("scalar { }")) == "empty scalar"
    assert simple.literal_kind(literal("collection { }")) == "collection"
    assert simple.literal_kind(literals_pb2.Literal()) == "empty"


OUT_OF_RANGE = [
    (
        "scalar { primitive { duration { seconds: 100000000000000 } } }",
        datetime.timedelta,
        "OverflowError",
        "days=1157407407; must have magnitude <= 999999999",
    ),
    (
        "scalar { primitive { datetime { seconds: 900000000000 } } }",
        datetime.datetime,
        "ValueError",
        "Timestamp is not valid: Seconds 900000000000 must be in range [-62135596800, 253402300799].",
    ),
    (
        "scalar { primitive { datetime { seconds: 1 nanos: 2000000000 } } }",
        datetime.datetime,
        "ValueError",
        "Timestamp is not valid: Nanos 2000000000 must be in a range [0, 999999].",
    ),
    (
        "scalar { primitive { datetime { seconds: -900000000000 } } }",
        datetime.date,
        "ValueError",
        "Timestamp is not valid: Seconds -900000000000 must be in range [-62135596800, 253402300799].",
    ),
]


@pytest.mark.parametrize(("source", "tp", "kind", "message"), OUT_OF_RANGE)
def test_out_of_range_times_fail_like_flytekit(source: str, tp: Any, kind: str, message: str) -> None:
    failure = to_python(literal(source), tp).failure()
    assert (failure.kind, failure.message) == (kind, message)


def test_a_duration_with_too_many_nanos_is_read_as_protobuf_normalizes_it() -> None:
    source = "scalar { primitive { duration { seconds: 1 nanos: 2000000000 } } }"
    assert to_python(literal(source), datetime.timedelta).unwrap() == datetime.timedelta(seconds=3)
