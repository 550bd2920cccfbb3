"""``core/json_values.py``: what a person's JSON means for each declared type, and the way back.

Expected values come from the module's stated conventions (its docstring: strict kinds, the one int ->
float widening, first-variant unions, ISO 8601 datetimes, protobuf duration strings, enums by value,
dataclasses as objects, files as URIs, ``"nan"``/``"inf"``/``"-inf"``) and from the standard formats
they name (RFC 4648 base64, ISO 8601).
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import math
import os
import typing
from typing import Annotated, Any

import pytest
from returns.result import Failure, Success

from flyte_entrypoint.core.json_values import (
    JsonValueError,
    from_json,
    parse_datetime,
    parse_duration,
    to_json,
)
from flyte_entrypoint.files import FlyteDirectory, FlyteFile

UTC = datetime.timezone.utc


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Swapped(enum.Enum):
    a = "b"
    b = "a"


class Level(enum.IntEnum):
    LOW = 1


class Shade(str, enum.Enum):
    DARK = "dark"


class Ratio(enum.Enum):
    HALF = 0.5
    NONE = math.inf


@dataclasses.dataclass
class Inner:
    x: int


@dataclasses.dataclass
class Outer:
    name: str
    inner: Inner
    tags: list[str] = dataclasses.field(default_factory=list)
    size: float = 1.0
    derived: int = dataclasses.field(default=0, init=False)


def ok(value: Any, tp: Any) -> Any:
    result = from_json(value, tp)
    assert isinstance(result, Success), result
    return result.unwrap()


def error(value: Any, tp: Any, path: str = "") -> str:
    result = from_json(value, tp, path)
    assert isinstance(result, Failure), result
    failure = result.failure()
    assert isinstance(failure, JsonValueError)
    return str(failure)


# ------------------------------------------------------------------------------------------- from_json


def test_any_and_object_take_the_json_as_it_is() -> None:
    assert ok({"a": [1, None]}, typing.Any) == {"a": [1, None]}
    assert ok([1, "x"], object) == [1, "x"]


def test_none_takes_only_null() -> None:
    assert ok(None, type(None)) is None
    assert ok(None, None) is None
    assert error(0, type(None)) == "expected None, got a number"


@pytest.mark.parametrize(
    ("value", "tp", "message"),
    [
        (1, bool, "expected bool, got a number"),
        ("true", bool, "expected bool, got a string"),
        (True, int, "expected int, got a boolean"),
        (1.0, int, "expected int, got a number"),
        ("1", int, "expected int, got a string"),
        (True, float, "expected float, got a boolean"),
        ("1.5", float, "expected float, got a string"),
        (None, float, "expected float, got null"),
        (1, str, "expected str, got a number"),
        ([], str, "expected str, got an array"),
        ({}, bytes, "expected bytes, got an object"),
        ((1,), str, "expected str, got tuple"),
    ],
)
def test_kinds_are_strict(value: Any, tp: Any, message: str) -> None:
    assert error(value, tp) == message


def test_scalars_of_their_own_kind() -> None:
    assert ok(True, bool) is True and ok(False, bool) is False
    assert ok(7, int) == 7
    assert ok("a", str) == "a"
    value = ok(1.5, float)
    assert value == 1.5 and type(value) is float


def test_an_integer_widens_to_a_float() -> None:
    value = ok(3, float)
    assert value == 3.0 and type(value) is float


@pytest.mark.parametrize(
    ("text", "expected"),
    [("nan", math.nan), ("NaN", math.nan), ("inf", math.inf), ("-inf", -math.inf), ("Infinity", math.inf), ("-infinity", -math.inf)],
)
def test_non_finite_floats_are_strings(text: str, expected: float) -> None:
    value = ok(text, float)
    assert (math.isnan(value) and math.isnan(expected)) or value == expected


def test_unions_take_the_first_variant_without_widening_then_with() -> None:
    assert type(ok(1, typing.Union[int, float])) is int
    assert type(ok(1, typing.Union[float, int])) is int  # int takes it without widening
    assert type(ok(1, typing.Union[float, str])) is float  # only widening accepts it
    assert ok("nan", typing.Union[float, str]) == "nan"  # the str variant takes "nan" first
    assert math.isinf(ok("inf", typing.Optional[float]))
    assert ok(None, int | None) is None
    assert ok(2, int | None) == 2


def test_union_refusal_names_the_union() -> None:
    assert error(1.5, typing.Union[int, str]) == "expected Union[int, str], got a number: no variant accepts it"
    assert error(1, typing.Optional[str], "inputs.a") == "inputs.a: expected Optional[str], got a number: no variant accepts it"


def test_inside_a_union_an_integer_list_element_may_not_widen_to_float_in_the_first_pass() -> None:
    # list[float] | list[int]: [1] is a list[int] (no widening), not list[float] with widening
    assert ok([1], typing.Union[list[float], list[int]]) == [1]
    assert type(ok([1], typing.Union[list[float], list[int]])[0]) is int


class Num(enum.Enum):
    ONE = 1


def test_a_union_inside_a_union_variant_does_not_widen_in_the_first_pass() -> None:
    # first pass: list[Optional[float]] refuses [1] (only widening takes 1 as a float), list[int] takes it
    assert type(ok([1], typing.Union[list[typing.Optional[float]], list[int]])[0]) is int
    # first pass: list[Optional[int]] takes [1] through its inner union, before list[Num] is tried
    assert ok([1], typing.Union[list[typing.Optional[int]], list[Num]]) == [1]
    # only the second pass widens, and then the inner union too
    assert type(ok([1], typing.Union[list[typing.Optional[float]], list[str]])[0]) is float


def test_bytes_are_base64() -> None:
    assert ok("aGk=", bytes) == b"hi"
    assert ok("", bytes) == b""
    assert error(1, bytes) == "expected bytes, got a number"


def test_bad_base64_is_a_failure_not_a_crash() -> None:
    message = error("a", bytes)
    assert message.startswith("expected bytes, got a string: Invalid base64-encoded string")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-02T03:04:05Z", datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05z", datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05", datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        (
            "2024-01-02T03:04:05.250+02:00",
            datetime.datetime(2024, 1, 2, 3, 4, 5, 250000, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
        ),
    ],
)
def test_datetimes_are_iso_8601_and_naive_means_utc(text: str, expected: datetime.datetime) -> None:
    value = ok(text, datetime.datetime)
    assert value == expected and value.utcoffset() == expected.utcoffset()
    assert parse_datetime(text) == expected


def test_bad_datetimes_and_dates() -> None:
    assert error("yesterday", datetime.datetime) == "expected datetime, got a string: Invalid isoformat string: 'yesterday'"
    assert error(0, datetime.datetime) == "expected datetime, got a number"
    assert ok("2024-02-29", datetime.date) == datetime.date(2024, 2, 29)
    assert error("2024-13-01", datetime.date) == "expected date, got a string: month must be in 1..12"
    assert error(20240101, datetime.date) == "expected date, got a number"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.500s", datetime.timedelta(seconds=1.5)),
        ("3s", datetime.timedelta(seconds=3)),
        (" 3s ", datetime.timedelta(seconds=3)),
        ("-2.25s", datetime.timedelta(seconds=-2.25)),
        ("0.000001999s", datetime.timedelta(microseconds=1)),  # nanoseconds below a microsecond are cut
        ("86400.000000001s", datetime.timedelta(days=1)),
        (90, datetime.timedelta(seconds=90)),
        (0.25, datetime.timedelta(seconds=0.25)),
    ],
)
def test_durations_are_protobuf_strings_or_seconds(value: Any, expected: datetime.timedelta) -> None:
    assert ok(value, datetime.timedelta) == expected
    assert parse_duration(value) == expected


@pytest.mark.parametrize("value", ["1.5", "1.5 s", "1.1234567890s", "s", "+1s", True, None, [1]])
def test_not_durations(value: Any) -> None:
    with pytest.raises(ValueError) as info:
        parse_duration(value)
    assert str(info.value) == f"not a duration: {value!r} (use seconds, or a string like '1.5s')"
    assert error(value, datetime.timedelta) == f"expected timedelta, got {_kind_text(value)}: {info.value}"


def _kind_text(value: Any) -> str:
    return {str: "a string", bool: "a boolean", type(None): "null", list: "an array"}[type(value)]


def test_enums_by_value_then_by_name() -> None:
    assert ok("red", Color) is Color.RED
    assert ok("GREEN", Color) is Color.GREEN
    assert ok("a", Swapped) is Swapped.b  # the value wins over a member's name
    assert ok(1, Level) is Level.LOW
    assert error("blue", Color, "inputs.c") == "inputs.c: 'blue' is not a Color (one of 'red', 'green')"


def test_dataclasses_are_objects_of_their_fields() -> None:
    value = ok({"name": "n", "inner": {"x": 1}}, Outer)
    assert value == Outer("n", Inner(1))
    assert ok({"name": "n", "inner": {"x": 1}, "tags": ["a"], "size": 2}, Outer) == Outer("n", Inner(1), ["a"], 2.0)
    assert error([1], Outer) == "expected Outer, got an array"
    assert error({"name": "n", "inner": {"x": 1}, "zz": 1, "zy": 2}, Outer) == "Outer has no field 'zy'"
    # a field the constructor does not take is known (to_json writes it) but not set from the JSON
    assert ok({"name": "n", "inner": {"x": 1}, "derived": 5}, Outer).derived == 0
    assert error({"inner": {"x": 1}}, Outer) == "Outer needs field 'name'"
    assert error({"name": "n", "inner": {"x": "1"}}, Outer, "in") == "in.inner.x: expected int, got a string"
    assert error({"name": "n", "inner": {}}, Outer) == ".inner: Inner needs field 'x'"


def test_lists_and_their_element_paths() -> None:
    assert ok([1, 2], list[int]) == [1, 2]
    assert ok([1, "a"], list) == [1, "a"]
    assert ok([1, "a"], typing.List) == [1, "a"]
    assert error({"a": 1}, list[int]) == "expected list[int], got an object"
    assert error([1, "a"], list[int]) == "[1]: expected int, got a string"
    assert error([[1], [2, None]], list[list[int]], "o") == "o[1][1]: expected int, got null"


def test_maps_keys_and_value_paths() -> None:
    assert ok({"a": 1}, dict[str, int]) == {"a": 1}
    assert ok({"a": [1]}, dict) == {"a": [1]}
    assert ok({"a": 1}, dict[typing.Any, int]) == {"a": 1}
    assert ok({"1": "x", "-2": "y"}, dict[int, str]) == {1: "x", -2: "y"}
    assert ok({"1": "x"}, dict[Annotated[int, "k"], str]) == {1: "x"}
    assert error([1], dict[str, int]) == "expected dict[str, int], got an array"
    assert error({"x": "v"}, dict[int, str], "m") == "m: map key 'x' is not an int"
    assert error({"1.5": "v"}, dict[float, str]) == "map keys of type float cannot be written as JSON"
    assert error({"k": "v"}, dict[str, int], "m") == "m['k']: expected int, got a string"


def test_annotated_types_are_their_inner_type() -> None:
    assert ok(1, Annotated[int, "meta"]) == 1
    assert ok(1, Annotated[Annotated[int, "a"], "b"]) == 1
    assert error("1", Annotated[int, "meta"]) == "expected int, got a string"


def test_types_json_cannot_write() -> None:
    assert error([1], set[int]) == "values of type set[int] cannot be written as JSON"
    assert error(1, complex, "i") == "i: values of type complex cannot be written as JSON"


def test_files_and_directories_from_a_uri_or_path() -> None:
    f = ok("s3://bucket/a.csv", FlyteFile)
    assert type(f) is FlyteFile and f.remote_source == "s3://bucket/a.csv"
    g = ok({"uri": "s3://bucket/b.csv"}, FlyteFile["csv"])
    assert type(g) is FlyteFile["csv"] and g.remote_source == "s3://bucket/b.csv"
    local = ok("/tmp/x.txt", FlyteFile)
    assert local.path == "/tmp/x.txt" and local.remote_source is None
    d = ok("s3://bucket/dir", FlyteDirectory)
    assert type(d) is FlyteDirectory and d.remote_source == "s3://bucket/dir"
    # os.PathLike: the path string itself (the type engine writes it as the same blob literal, never uploaded)
    assert ok("s3://bucket/p", os.PathLike) == "s3://bucket/p"
    assert ok("/tmp/p", os.PathLike) == "/tmp/p"
    assert error(1, FlyteFile) == "expected FlyteFile, got a number: give a URI or path string"
    assert error({"path": "x"}, FlyteDirectory) == "expected FlyteDirectory, got an object: give a URI or path string"
    assert error(1, os.PathLike) == "expected PathLike, got a number: give a URI or path string"


def test_a_file_as_input_is_not_uploaded() -> None:
    # from_json makes inputs for a literal; a local path is its own URI (no upload to a raw prefix)
    assert ok("/tmp/x.txt", FlyteFile)._remote_path is False
    assert ok("/tmp/d", FlyteDirectory)._remote_directory is False


def test_too_deep_is_a_failure() -> None:
    value: Any = 1
    for _ in range(5000):
        value = [value]
    result = from_json(value, list, "deep")
    assert isinstance(result, Success)  # Any elements: nothing to convert
    nested: Any = int
    for _ in range(5000):
        nested = list[nested]
    assert error(value, nested, "deep") == "deep: the value is nested too deeply"


def test_an_error_without_a_path_is_its_message() -> None:
    bare = JsonValueError("m")
    assert (str(bare), bare.message, bare.path) == ("m", "m", "")


def test_error_carries_message_and_path() -> None:
    failure = from_json("x", int, "inputs.n").failure()
    assert (failure.message, failure.path) == ("expected int, got a string", "inputs.n")
    assert isinstance(failure, ValueError)
    bare = from_json("x", int).failure()
    assert (str(bare), bare.path) == ("expected int, got a string", "")


# --------------------------------------------------------------------------------------------- to_json


def test_scalars() -> None:
    assert to_json(None) is None
    assert to_json(True) is True
    assert to_json(3) == 3
    assert to_json("s") == "s"
    assert to_json(1.5) == 1.5
    assert [to_json(math.nan), to_json(math.inf), to_json(-math.inf)] == ["nan", "inf", "-inf"]


def test_enums_are_their_values() -> None:
    assert to_json(Color.RED) == "red"
    assert to_json(Level.LOW) == 1 and type(to_json(Level.LOW)) is int
    assert to_json(Shade.DARK) == "dark" and type(to_json(Shade.DARK)) is str
    assert to_json(Ratio.HALF) == 0.5
    assert to_json(Ratio.NONE) == "inf"


def test_times() -> None:
    assert to_json(datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2024-01-02T03:04:05Z"
    assert to_json(datetime.datetime(2024, 1, 2, 3, 4, 5, 250000)) == "2024-01-02T03:04:05.250000Z"
    tz = datetime.timezone(datetime.timedelta(hours=2))
    assert to_json(datetime.datetime(2024, 1, 2, 1, 0, tzinfo=tz)) == "2024-01-01T23:00:00Z"
    assert to_json(datetime.date(2024, 2, 29)) == "2024-02-29"
    assert to_json(datetime.timedelta(seconds=1.5)) == "1.500s"
    assert to_json(datetime.timedelta(days=1, seconds=1)) == "86401s"
    assert to_json(datetime.timedelta(seconds=-0.5)) == "-0.500s"
    assert to_json(datetime.timedelta(microseconds=1)) == "0.000001s"


def test_bytes_files_and_containers() -> None:
    assert to_json(b"hi") == "aGk=" and to_json(bytearray(b"hi")) == "aGk="
    assert to_json(FlyteFile("s3://b/k")) == "s3://b/k"
    assert to_json(FlyteFile("/tmp/x")) == "/tmp/x"
    assert to_json(FlyteDirectory("s3://b/d")) == "s3://b/d"
    # an input keeps its URI while its local path is elsewhere: the URI is the value
    assert to_json(FlyteFile._from_remote("s3://b/k", "/tmp/local")) == "s3://b/k"
    assert to_json(FlyteDirectory._from_remote("s3://b/d", "/tmp/local")) == "s3://b/d"
    assert to_json(Outer("n", Inner(1), ["t"])) == {"name": "n", "inner": {"x": 1}, "tags": ["t"], "size": 1.0, "derived": 0}
    assert to_json({1: math.nan, "k": (1, 2)}) == {"1": "nan", "k": [1, 2]}
    assert to_json([b"", None]) == ["", None]


class _Frame:
    columns = ["a", 1]
    shape = (3, 2)


class _NoShape:
    columns = ["a"]

    def __repr__(self) -> str:
        return "NoShape()"


def test_dataframes_are_summarized_and_anything_else_is_its_repr() -> None:
    assert to_json(_Frame()) == {"dataframe": {"columns": ["a", "1"], "rows": 3}}
    assert to_json(_NoShape()) == "NoShape()"
    assert to_json(Inner) == repr(Inner)  # a dataclass type is not a value of it
    assert to_json({1, 2}) == repr({1, 2})


def test_to_json_then_from_json_gives_the_value_back() -> None:
    value = Outer("n", Inner(2), ["a"], 0.5)
    assert ok(to_json(value), Outer) == value
    when = datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert ok(to_json(when), datetime.datetime) == when
    for td in [datetime.timedelta(seconds=-0.5), datetime.timedelta(days=3, microseconds=7)]:
        assert ok(to_json(td), datetime.timedelta) == td
    assert ok(to_json(b"\x00\xff"), bytes) == b"\x00\xff"
