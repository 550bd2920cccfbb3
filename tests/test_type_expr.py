"""``core/type_expr.py``: type expressions are parsed, never evaluated."""

from __future__ import annotations

import datetime
import typing

import pytest
from returns.result import Failure, Success

from flyte_entrypoint.core.type_expr import parse_type
from flyte_entrypoint.files import FlyteDirectory, FlyteFile

CLASSES = {"FlyteFile": FlyteFile, "FlyteDirectory": FlyteDirectory}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("int", int),
        ("dict[str, float]", dict[str, float]),
        ("Dict[str, List[int]]", dict[str, list[int]]),
        ("typing.Optional[list[int]]", typing.Optional[list[int]]),
        ("int | None", typing.Optional[int]),
        ("Union[int, str, None]", typing.Union[int, str, None]),
        ("datetime", datetime.datetime),
        ("datetime.timedelta", datetime.timedelta),
        ("list[date]", list[datetime.date]),
        ("dict", dict),
        ('FlyteFile["csv"]', FlyteFile["csv"]),
        ("FlyteDirectory", FlyteDirectory),
    ],
)
def test_accepted_expressions(text: str, expected: typing.Any) -> None:
    assert parse_type(text, CLASSES) == Success(expected)


def test_the_blob_classes_are_the_callers() -> None:
    """The core does not import the api package: without the classes given, the names are unknown."""
    result = parse_type('FlyteFile["csv"]')
    assert isinstance(result, Failure) and "unknown type 'FlyteFile'" in str(result.failure())


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("__import__('os').system('true')", "unexpected Call"),
        ("os.system", "unknown type 'os.system'"),
        ("list[int, str]", "list takes 1 parameter, got 2"),
        ("dict[str]", "dict takes 2 parameters, got 1"),
        ("Optional", "Optional needs parameters"),
        ("int[str]", "int takes no parameters"),
        ("FlyteFile[1]", "takes one format string"),
        ("[int]", "unexpected List"),
        ("int +", "not a type expression"),
    ],
)
def test_rejected_expressions(text: str, why: str) -> None:
    result = parse_type(text, CLASSES)
    assert isinstance(result, Failure) and why in str(result.failure())


PARQUET = "parquet"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("float", float),
        ("str", str),
        ("bool", bool),
        ("bytes", bytes),
        ("None", None),
        ("NoneType", type(None)),
        ("datetime.datetime", datetime.datetime),
        ("date", datetime.date),
        ("datetime.date", datetime.date),
        ("timedelta", datetime.timedelta),
        ("list", list),
        ("List", list),
        ("Dict", dict),
        ("Any", typing.Any),
        ("typing.Any", typing.Any),
        ("Optional[int]", typing.Optional[int]),
        ("Optional[dict[str, int]]", typing.Optional[dict[str, int]]),
        ("typing.List[typing.Dict[str, bytes]]", list[dict[str, bytes]]),
        ("  list[ int ]  ", list[int]),
        ('FlyteDirectory["csv"]', FlyteDirectory["csv"]),
        ('typing.Optional[FlyteFile["parquet"]]', typing.Optional[FlyteFile[PARQUET]]),
        ("FlyteFile", FlyteFile),
        ("int | str | None", typing.Union[int, str, None]),
    ],
)
def test_every_name_of_the_table(text: str, expected: typing.Any) -> None:
    assert parse_type(text, CLASSES) == Success(expected)


def test_a_format_subscript_keeps_its_format() -> None:
    assert parse_type('FlyteDirectory["csv"]', CLASSES).unwrap().extension() == "csv"
    assert parse_type('FlyteFile["csv"]', CLASSES).unwrap().extension() == "csv"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Frame[int]", "unknown type 'Frame'"),
        ("os.path[int]", "unknown type 'os.path'"),
        ("Union", "Union needs parameters"),
        ("typing.Optional", "Optional needs parameters"),
        ("FlyteDirectory[1]", 'FlyteDirectory[...] takes one format string, e.g. FlyteDirectory["csv"]'),
        ('FlyteFile["csv", "x"]', 'FlyteFile[...] takes one format string, e.g. FlyteFile["csv"]'),
        ("Optional[int, str]", "Optional takes 1 parameter, got 2"),
        ("Dict[str, int, int]", "Dict takes 2 parameters, got 3"),
        ("bytes[int]", "bytes takes no parameters"),
        ("Union[()]", "not a valid type: 'Union[()]' (Cannot take a Union of no types.)"),
        ("int - str", "unexpected BinOp in a type expression"),
        ("1", "unexpected Constant in a type expression"),
        ("f()[int]", "unexpected Call in a type expression"),
    ],
)
def test_rejections_say_exactly_why(text: str, message: str) -> None:
    result = parse_type(text, CLASSES)
    assert isinstance(result, Failure)
    assert str(result.failure()) == message


@pytest.mark.parametrize("alternatives", [2000, 10000])
def test_a_too_deep_expression_is_a_failure_not_a_crash(alternatives: int) -> None:
    # 2000 alternatives parse but nest deeper than the interpreter's recursion limit while being built;
    # 10000 already exceed it while being parsed: both are refused, neither raises
    text = " | ".join(["int"] * alternatives)
    result = parse_type(text)
    assert isinstance(result, Failure)
    assert str(result.failure()) == f"type expression nested too deeply ({len(text)} characters)"
