"""Errors of the builtins codec (``core/type_engine/codec_errors.py``): which field a failure names and how.

The contract (codec_errors' docstring and the engine's path convention): a failure inside a value is a
``ConversionError`` whose ``path`` names the failing leaf (``.field``, ``[3]`` for an item, ``["k"]`` for a
str key's value, ``[1]`` for another key's value, ``<key 'k'>`` for a key itself) and whose message reads
``Cannot <verb> <declared type>: field '<path>' expected <type>, got <repr> (<class>): <Error>: <text>``, a
missing required field ``Cannot decode <type>: required field '<path>' (<type>) is missing``. A repr is cut
to 80 characters (77 and ``...``); a value whose repr raises shows as ``<unprintable Class>``.
"""

from __future__ import annotations

import datetime
import typing
from dataclasses import dataclass
from typing import Any, Dict, List, Tuple

import pytest

from flyte_entrypoint.core.type_engine.builtin_codec import from_builtins, to_builtins
from flyte_entrypoint.core.type_engine.engine import ConversionError

D = datetime.date
DAY = D(2020, 1, 1)


@dataclass
class Inner:
    d: D


@dataclass(frozen=True)
class Key:
    d: D


@dataclass
class Outer:
    n: int
    inner: Inner
    tags: List[str]


class Unprintable:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def encode_error(value: Any, tp: Any) -> ConversionError:
    with pytest.raises(ConversionError) as info:
        to_builtins(value, tp)
    return info.value


def decode_error(obj: Any, tp: Any) -> ConversionError:
    with pytest.raises(ConversionError) as info:
        from_builtins(obj, tp)
    return info.value


NO_ISOFORMAT = "AttributeError: 'str' object has no attribute 'isoformat'"


def test_a_wrong_field_names_the_field_its_type_the_value_and_the_cause() -> None:
    err = decode_error({"n": "zz", "inner": {"d": "2020-01-01"}, "tags": []}, Outer)
    assert err.path == ".n"
    assert err.message == (
        "Cannot decode Outer: field 'n' expected int, got 'zz' (str): "
        "ValueError: invalid literal for int() with base 10: 'zz'"
    )


def test_a_missing_required_field_names_its_path_and_type() -> None:
    err = decode_error({"n": 1, "inner": {}, "tags": []}, Outer)
    assert err.path == ".inner.d"
    assert err.message == "Cannot decode Outer: required field 'inner.d' (date) is missing"


def test_a_failure_at_the_top_has_no_field() -> None:
    err = decode_error("q", int)
    assert err.path == ""
    assert err.message == "Cannot decode int: expected int, got 'q' (str): ValueError: invalid literal for int() with base 10: 'q'"


@pytest.mark.parametrize(("size", "shown"), [(78, "'" + "q" * 78 + "'"), (79, "'" + "q" * 76 + "...")])
def test_long_reprs_are_cut_to_80_characters(size: int, shown: str) -> None:
    """A repr of exactly 80 characters is shown whole; one of 81 is cut to 77 plus ``...``."""
    err = decode_error({"n": "q" * size, "inner": {"d": "2020-01-01"}, "tags": []}, Outer)
    assert f"got {shown} (str)" in err.message


def test_an_unprintable_value_is_named_by_its_class() -> None:
    err = encode_error([Unprintable()], List[D])
    assert err.path == "[0]"
    assert "got <unprintable Unprintable> (Unprintable): AttributeError" in err.message


def test_items_of_a_list_are_named_by_index() -> None:
    err = encode_error([DAY, "x"], List[D])
    assert err.path == "[1]"
    assert err.message == f"Cannot encode List[datetime.date]: field '[1]' expected date, got 'x' (str): {NO_ISOFORMAT}"
    assert encode_error([[DAY], ["x"]], List[List[D]]).path == "[1][0]"
    assert decode_error({"x": [1, "z"]}, Dict[str, List[int]]).path == '["x"][1]'


def test_a_value_that_is_not_a_sequence_is_named_as_a_whole() -> None:
    err = decode_error(5, List[int])
    assert err.path == ""
    assert err.message == "Cannot decode List[int]: expected List[int], got 5 (int): TypeError: 'int' object is not iterable"


def test_a_one_shot_iterable_is_reported_as_a_whole() -> None:
    """A generator cannot be walked twice to find the failing item: the whole value is named."""
    err = encode_error((x for x in [DAY, "x"]), List[D])
    assert err.path == ""
    assert "expected List[datetime.date], got <generator object" in err.message
    assert err.message.endswith(NO_ISOFORMAT)


def test_map_values_are_named_by_their_key() -> None:
    err = encode_error({"k": Inner("x")}, Dict[str, Inner])  # type: ignore[arg-type]
    assert err.path == '["k"].d'
    assert err.message == (
        f"Cannot encode Dict[str, {__name__}.Inner]: field '[\"k\"].d' expected date, got 'x' (str): {NO_ISOFORMAT}"
    )
    assert encode_error({1: [Inner(DAY), Inner(3)]}, Dict[int, List[Inner]]).path == "[1][1].d"  # type: ignore[arg-type]
    assert decode_error({"a": "x"}, Dict[str, int]).path == '["a"]'
    assert decode_error({7: "x"}, Dict[int, int]).path == "[7]"


def test_map_keys_are_named_as_keys() -> None:
    err = encode_error({DAY: 1, "x": 2}, Dict[D, int])
    assert err.path == "<key 'x'>"
    assert err.message == (
        f"Cannot encode Dict[datetime.date, int]: field '<key 'x'>' expected date, got 'x' (str): {NO_ISOFORMAT}"
    )
    nested = encode_error({Key(DAY): 1, Key("x"): 2}, Dict[Key, int])  # type: ignore[arg-type]
    assert nested.path == "<key Key(d='x')>.d"
    assert nested.message.endswith(f"expected date, got 'x' (str): {NO_ISOFORMAT}")
    assert decode_error({"2020-01-01": 1, "bad": 2}, Dict[D, int]).path == "<key 'bad'>"


def test_a_value_that_is_not_a_map_is_named_as_a_whole() -> None:
    err = encode_error(5, Dict[D, int])
    assert err.path == ""
    assert err.message == (
        "Cannot encode Dict[datetime.date, int]: expected Dict[datetime.date, int], got 5 (int): "
        "AttributeError: 'int' object has no attribute 'items'"
    )


def test_fixed_tuples_name_the_position() -> None:
    assert encode_error((1, "x"), Tuple[int, D]).path == "[1]"
    assert decode_error([1, "z"], Tuple[int, int]).path == "[1]"
    assert decode_error([1, {"d": 5}], Tuple[int, Inner]).path == "[1].d"


@dataclass
class Capitals:
    X: int
    XY: List[int]


def test_a_field_name_is_shown_whole_whatever_its_first_letters() -> None:
    """Only the path's leading ``.`` is dropped in the message (a field ``X`` stays ``X``)."""
    assert "field 'X' expected int" in decode_error({"X": "a", "XY": []}, Capitals).message
    assert "required field 'XY' (List[int]) is missing" in decode_error({"X": 1}, Capitals).message


def test_items_of_tuples_and_sets_are_named_by_position() -> None:
    assert encode_error((Inner(DAY), Inner("x")), Tuple[Inner, ...]).path == "[1].d"  # type: ignore[arg-type]
    assert encode_error([Inner(DAY), Inner("x")], List[Inner]).path == "[1].d"  # type: ignore[arg-type]
    assert encode_error({Key("x")}, typing.Set[Key]).path == "[0].d"  # type: ignore[arg-type]
    assert encode_error(frozenset({Key("x")}), typing.FrozenSet[Key]).path == "[0].d"  # type: ignore[arg-type]


def test_a_one_shot_iterable_keeps_the_inner_failure() -> None:
    """A generator's failing item cannot be found again: the item's own failure is reported, without index."""
    err = encode_error((x for x in [Inner("x")]), List[Inner])  # type: ignore[misc]
    assert err.path == ".d"
    assert err.message.endswith(f"expected date, got 'x' (str): {NO_ISOFORMAT}")


def test_a_map_whose_entries_each_convert_but_not_together_is_named_as_a_whole() -> None:
    """Tuple keys become lists, which cannot be keys (mashumaro fails the same way: unhashable list)."""
    err = encode_error({(1, 2): 3}, Dict[Tuple[int, int], int])
    assert err.path == ""
    assert err.message == (
        "Cannot encode Dict[Tuple[int, int], int]: expected Dict[Tuple[int, int], int], got {(1, 2): 3} (dict): "
        "TypeError: unhashable type: 'list'"
    )
