"""The steps the builtins codec compiles into (``core/type_engine/codec_steps.py``): what each one refuses and how.

Each failing step raises a ``ConversionError`` naming where it failed (the convention of ``codec_errors``): a
sequence or tuple item by ``[i]``, a dataclass field by ``.name``, the whole value when the failure belongs to
it (not iterable, too short, a ``__post_init__`` that refuses, a non-map for a dataclass). Interrupts
(``KeyboardInterrupt``, ``SystemExit``) are never turned into conversion errors.
"""

from __future__ import annotations

import datetime
import pathlib
from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, List, Set, Tuple

import pytest

from flyte_entrypoint.core.type_engine.builtin_codec import from_builtins, to_builtins
from flyte_entrypoint.core.type_engine.engine import ConversionError

D = datetime.date


@dataclass
class Inner:
    n: int


@dataclass
class Post:
    n: int

    def __post_init__(self) -> None:
        if self.n < 0:
            raise ValueError("negative")


@dataclass
class Mixed:
    a: int
    b: str = "b"
    c: List[int] = field(default_factory=list)
    d: Any = None


@dataclass
class KwOnly:
    a: int
    b: int = field(kw_only=True)
    c: D = field(kw_only=True)


def encode_error(value: Any, tp: Any) -> ConversionError:
    with pytest.raises(ConversionError) as info:
        to_builtins(value, tp)
    return info.value


def decode_error(obj: Any, tp: Any) -> ConversionError:
    with pytest.raises(ConversionError) as info:
        from_builtins(obj, tp)
    return info.value


@pytest.mark.parametrize("tp", [Set[int], FrozenSet[int], Tuple[D, ...]])
def test_a_non_iterable_for_a_collection_is_named_as_a_whole(tp: Any) -> None:
    err = encode_error({"k": 5}, Dict[str, tp])  # type: ignore[valid-type]
    assert err.path == '["k"]'
    assert err.message.endswith(f"expected {tp!r}, got 5 (int): TypeError: 'int' object is not iterable".replace("typing.", ""))


def test_fixed_tuples_refuse_short_and_unindexable_values() -> None:
    err = encode_error({"k": (1,)}, Dict[str, Tuple[int, D]])
    assert err.path == '["k"]' and err.message.endswith("got (1,) (tuple): expected 2 items")
    err = encode_error({"k": 5}, Dict[str, Tuple[int, D]])
    assert err.path == '["k"]' and err.message.endswith("got 5 (int): TypeError: 'int' object is not subscriptable")
    err = encode_error(5, Tuple[int, D])  # the tuple step itself names the value (no map around it)
    assert err.path == "" and err.message == (
        "Cannot encode Tuple[int, datetime.date]: expected Tuple[int, datetime.date], got 5 (int): "
        "TypeError: 'int' object is not subscriptable"
    )
    assert encode_error((1,), Tuple[int, D]).message.endswith("got (1,) (tuple): expected 2 items")
    assert encode_error((1, "x"), Tuple[int, D]).path == "[1]"
    err = encode_error({"k": {0: 1, 5: 2}}, Dict[str, Tuple[int, int]])  # indexable, long enough, no item 1
    assert err.path == '["k"]' and err.message.endswith("got {0: 1, 5: 2} (dict): KeyError: 1")
    err = encode_error({"k": (1, Inner("x"), "no date")}, Dict[str, Tuple[int, Inner, D]])  # type: ignore[arg-type]
    assert err.path == '["k"][2]'
    assert err.message.endswith("expected date, got 'no date' (str): AttributeError: 'str' object has no attribute 'isoformat'")
    assert encode_error({"k": (1, [D(2020, 1, 1), "x"])}, Dict[str, Tuple[int, List[D]]]).path == '["k"][1][1]'


def test_fixed_tuples_decode_by_position() -> None:
    assert from_builtins([1, "2020-01-01"], Tuple[int, D]) == (1, D(2020, 1, 1))
    err = decode_error([1], Tuple[int, str])
    assert err.path == "[1]"
    assert err.message == "Cannot decode Tuple[int, str]: field '[1]' expected str, got [1] (list): IndexError: list index out of range"
    err = decode_error(["x", "y"], Tuple[Any, int])
    assert err.path == "[1]" and "expected int, got 'y' (str)" in err.message
    err = decode_error(5, Tuple[Any, int])
    assert err.path == "[0]" and err.message.endswith("TypeError: 'int' object is not subscriptable")
    assert decode_error([1, {"n": "q"}], Tuple[int, Inner]).path == "[1].n"


def test_sequences_decode_into_their_container() -> None:
    assert from_builtins((1, 2), List[Any]) == [1, 2]
    assert from_builtins([1, 1], Set[Any]) == {1} and type(from_builtins([1], FrozenSet[Any])) is frozenset
    assert from_builtins(["1"], Set[int]) == {1}
    err = decode_error(5, List[Any])
    assert err.path == "" and err.message == "Cannot decode List[Any]: expected List[Any], got 5 (int): TypeError: 'int' object is not iterable"
    err = decode_error([[1]], Set[Any])
    assert err.path == "" and err.message.endswith("TypeError: unhashable type: 'list'")
    assert decode_error(["x"], Set[int]).path == "[0]"
    assert decode_error(["1", "x"], FrozenSet[int]).path == "[1]"
    assert decode_error(["1", "x"], Tuple[int, ...]).path == "[1]"


def test_a_dataclass_needs_an_instance_to_write() -> None:
    for bad in (5, Inner, {"n": 1, "m": 2}):
        err = encode_error(bad, Inner)
        assert err.path == ""
        assert err.message.endswith("expected a Inner instance")
    assert encode_error(5, Inner).message == "Cannot encode Inner: expected Inner, got 5 (int): expected a Inner instance"


def test_a_missing_attribute_is_named() -> None:
    value = Inner(1)
    del value.n
    err = encode_error(value, Inner)
    assert err.path == ".n" and err.message.endswith("AttributeError: 'Inner' object has no attribute 'n'")


def test_a_dataclass_needs_a_map_to_read() -> None:
    err = decode_error([1], Inner)
    assert err.path == ""
    assert err.message == "Cannot decode Inner: expected Inner, got [1] (list): expected a map of field names to values"


def test_a_refusing_post_init_is_the_whole_values_failure() -> None:
    err = decode_error({"n": -1}, Post)
    assert err.path == "" and err.message == "Cannot decode Post: expected Post, got {'n': -1} (dict): ValueError: negative"
    assert decode_error([{"n": 1}, {"n": -1}], List[Post]).path == "[1]"


def test_optional_fields_keep_their_defaults_and_take_what_is_given() -> None:
    assert from_builtins({"a": "1"}, Mixed) == Mixed(1)
    assert from_builtins({"a": 1, "c": ["2"], "d": {"x": 1}}, Mixed) == Mixed(1, "b", [2], {"x": 1})
    assert from_builtins({"a": 1, "b": 5}, Mixed) == Mixed(1, "5")
    assert decode_error({"a": 1, "c": ["x"]}, Mixed).path == ".c[0]"
    assert decode_error({"b": "x"}, Mixed).path == ".a"
    assert to_builtins(Mixed(1, d=[D(2020, 1, 1)]), Mixed) == {"a": 1, "b": "b", "c": [], "d": [D(2020, 1, 1)]}


@dataclass
class KwFirst:
    a: int = field(kw_only=True)
    b: int  # required, after a keyword-only field: passed by keyword too


@dataclass
class AnyFirst:
    x: Any
    n: int


def test_keyword_only_fields_are_passed_by_keyword() -> None:
    assert from_builtins({"a": 1, "b": "2"}, KwFirst) == KwFirst(a=1, b=2)
    value = KwOnly(1, b=2, c=D(2020, 1, 1))
    assert to_builtins(value, KwOnly) == {"a": 1, "b": 2, "c": "2020-01-01"}
    assert from_builtins({"a": 1, "b": "2", "c": "2020-01-01"}, KwOnly) == value
    assert decode_error({"a": 1, "b": 2}, KwOnly).path == ".c"


class _InterruptingPath:
    def __fspath__(self) -> str:
        raise KeyboardInterrupt


class _InterruptingInt:
    def __int__(self) -> int:
        raise KeyboardInterrupt


@dataclass
class WithPath:
    p: pathlib.PurePosixPath


def test_interrupts_are_never_turned_into_conversion_errors() -> None:
    with pytest.raises(KeyboardInterrupt):
        to_builtins(WithPath(_InterruptingPath()), WithPath)  # type: ignore[arg-type]
    with pytest.raises(KeyboardInterrupt):
        from_builtins({"n": _InterruptingInt()}, Inner)


@pytest.mark.parametrize("tp", [Set[int], FrozenSet[str], List[D], Tuple[D, ...]])
def test_a_collection_step_names_a_non_iterable_itself(tp: Any) -> None:
    err = encode_error(5, tp)
    assert err.path == ""
    assert err.message.endswith("got 5 (int): TypeError: 'int' object is not iterable")


class _Once:
    """Raises ``error`` the first time it is converted, then converts normally (a signal, a flaky source)."""

    def __init__(self, error: BaseException) -> None:
        self.error: BaseException | None = error

    def _fire(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def __fspath__(self) -> str:
        self._fire()
        return "/p"

    def __int__(self) -> int:
        self._fire()
        return 1


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, SystemExit])
def test_an_interrupt_that_happens_once_still_interrupts(interrupt: type[BaseException]) -> None:
    """A Ctrl-C during a conversion is not retried by the slow path that names the failing field."""
    with pytest.raises(interrupt):
        to_builtins(WithPath(_Once(interrupt())), WithPath)  # type: ignore[arg-type]
    with pytest.raises(interrupt):
        from_builtins({"n": _Once(interrupt())}, Inner)


def test_a_failure_that_does_not_happen_again_names_the_whole_value() -> None:
    err = encode_error(WithPath(_Once(ValueError("flaky"))), WithPath)  # type: ignore[arg-type]
    assert err.path == "" and err.message.endswith("ValueError: flaky")
    err = decode_error({"n": _Once(ValueError("flaky"))}, Inner)
    assert err.path == "" and err.message.endswith("ValueError: flaky")
    err = decode_error([_Once(ValueError("flaky")), 2], Tuple[int, int])
    assert err.path == "" and err.message.endswith("ValueError: flaky")
    err = encode_error((_Once(ValueError("flaky")), "x"), Tuple[pathlib.PurePosixPath, str])
    assert err.path == "" and err.message.endswith("ValueError: flaky")


def test_fields_without_a_step_are_skipped_when_looking_for_the_failure() -> None:
    assert decode_error({"x": object(), "n": "q"}, AnyFirst).path == ".n"
