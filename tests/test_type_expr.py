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
