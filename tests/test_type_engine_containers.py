"""``List[T]`` and ``Dict[str, T]`` as flytekit 1.16's ``Typed List`` / ``Typed Dict`` (PROTOCOL.md 10.4).

Expected literals and messages come from flytekit 1.16.31 (``TypeEngine.to_literal`` / ``to_python_value``);
a collection of n elements is flytekit's element literal n times. Lists and dicts of 16 or more primitives (or
optional ints, or dataclasses) take bulk paths; each case is checked on both sides of that size, because the
result must not depend on the path taken.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import typing
from typing import Annotated, Any, Dict, List, Optional

import numpy
import pytest
from flyteidl.core import literals_pb2
from google.protobuf import text_format

from flyte_entrypoint.core.type_engine import containers, registry
from flyte_entrypoint.core.type_engine.annotated import FlyteAnnotation, HashMethod
from flyte_entrypoint.core.type_engine.engine import (
    ConversionContext,
    Engine,
    Sink,
    default_engine,
    to_literal,
    to_python,
)

SIZES = [2, 15, 16, 40]  # below, at and above the bulk threshold


def text(message: Any) -> str:
    return text_format.MessageToString(message, as_one_line=True)


def literal(source: str) -> literals_pb2.Literal:
    return text_format.Parse(source, literals_pb2.Literal())


def collection(*elements: str) -> str:
    return "collection { " + " ".join(f"literals {{ {e} }}" for e in elements) + " }"


def lmap(**entries: str) -> str:
    return (
        "map { " + " ".join(f'literals {{ key: "{k}" value {{ {v} }} }}' for k, v in entries.items()) + " }"
    )


PRIM = {
    int: ("integer", 7),
    float: ("float_value", 1.5),
    str: ("string_value", "s"),
    bool: ("boolean", True),
}


def prim_text(tp: type, value: Any) -> str:
    field = PRIM[tp][0]
    shown = {True: "true", False: "false"}.get(value, value) if tp is bool else value
    shown = f'"{value}"' if tp is str else shown
    return f"scalar {{ primitive {{ {field}: {shown} }} }}"


# -- writing ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("tp", list(PRIM))
def test_lists_of_primitives_are_a_collection_of_their_literals(tp: type, n: int) -> None:
    value = PRIM[tp][1]
    got = to_literal([value] * n, List[tp]).unwrap().value  # type: ignore[valid-type]
    assert text(got) == collection(*[prim_text(tp, value)] * n)
    assert to_python(got, List[tp]).unwrap() == [value] * n  # type: ignore[valid-type]


WRONG = {
    int: ("x", "Expected value of type <class 'int'> but got 'x' of type <class 'str'>"),
    float: (2, "Expected value of type <class 'float'> but got '2' of type <class 'int'>"),
    str: (3, "Expected value of type <class 'str'> but got '3' of type <class 'int'>"),
    bool: (1, "Expected value of type <class 'bool'> but got '1' of type <class 'int'>"),
}


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("tp", list(PRIM))
def test_a_wrong_element_is_flytekits_error_at_its_index(tp: type, n: int) -> None:
    values = [PRIM[tp][1]] * n
    values[n - 1] = WRONG[tp][0]
    failure = to_literal(values, List[tp]).failure()  # type: ignore[valid-type]
    assert (failure.message, failure.path) == (WRONG[tp][1], f"[{n - 1}]")


PROTOBUF_WOULD_TAKE = {
    int: (True, "Expected value of type <class 'int'> but got 'True' of type <class 'bool'>"),
    float: (True, "Expected value of type <class 'float'> but got 'True' of type <class 'bool'>"),
    str: (b"x", "Expected value of type <class 'str'> but got 'b'x'' of type <class 'bytes'>"),
    bool: (1.0, "Expected value of type <class 'bool'> but got '1.0' of type <class 'float'>"),
}


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("tp", list(PRIM))
def test_an_element_protobuf_would_coerce_is_still_rejected(tp: type, n: int) -> None:
    values = [PRIM[tp][1]] * n
    values[0] = PROTOBUF_WOULD_TAKE[tp][0]
    failure = to_literal(values, List[tp]).failure()  # type: ignore[valid-type]
    assert (failure.message, failure.path) == (PROTOBUF_WOULD_TAKE[tp][1], "[0]")


@pytest.mark.parametrize("n", SIZES)
def test_none_and_tuples_in_a_list_are_flytekits_per_value_errors(n: int) -> None:
    failure = to_literal([1] * (n - 1) + [None], List[int]).failure()
    assert failure.message == (
        "Python value cannot be None, expected <class 'int'>/Flyte Serialized object (LiteralType):\n  simple: 1"
    )
    assert failure.path == f"[{n - 1}]"
    assert to_literal([1] * (n - 1) + [(1, 2)], List[int]).failure().kind == "AssertionError"


def test_an_int_too_big_for_the_wire_is_protobufs_value_error() -> None:
    for n in SIZES:
        failure = to_literal([1] * (n - 1) + [2**64], List[int]).failure()
        assert (failure.kind, failure.message, failure.path) == (
            "ValueError",
            "Value out of range: 18446744073709551616",
            f"[{n - 1}]",
        )


@pytest.mark.parametrize("n", SIZES)
def test_hash_methods_of_elements_are_applied_to_each(n: int) -> None:
    got = to_literal(list(range(n)), List[Annotated[int, HashMethod(lambda v: f"h{v}")]]).unwrap().value
    assert text(got) == collection(
        *[f'scalar {{ primitive {{ integer: {i} }} }} hash: "h{i}"' for i in range(n)]
    )


@pytest.mark.parametrize("n", SIZES)
def test_annotated_elements_are_written_as_their_type(n: int) -> None:
    tp = List[Annotated[int, FlyteAnnotation({"u": 1})]]
    assert text(to_literal([3] * n, tp).unwrap().value) == collection(
        *["scalar { primitive { integer: 3 } }"] * n
    )


OPT_ONE = 'scalar { union { value { scalar { primitive { integer: 1 } } } type { simple: INTEGER structure { tag: "int" } } } }'
OPT_NONE = (
    'scalar { union { value { scalar { none_type { } } } type { simple: NONE structure { tag: "none" } } } }'
)


@pytest.mark.parametrize("n", SIZES)
def test_optional_ints_are_union_literals(n: int) -> None:
    got = to_literal([1, None] * (n // 2), List[Optional[int]]).unwrap().value
    assert text(got) == collection(*[OPT_ONE, OPT_NONE] * (n // 2))
    assert to_python(got, List[Optional[int]]).unwrap() == [1, None] * (n // 2)


@dataclasses.dataclass
class Point:
    x: int


@pytest.mark.parametrize("n", SIZES)
def test_a_none_among_dataclasses_is_the_per_value_error(n: int) -> None:
    failure = to_literal([Point(1)] * (n - 1) + [None], List[Point]).failure()
    assert failure.message.startswith(f"Python value cannot be None, expected {Point}/")
    assert failure.path == f"[{n - 1}]"


@pytest.mark.parametrize("n", SIZES)
def test_dataclass_lists_round_trip_on_both_paths(n: int) -> None:
    values = [Point(i) for i in range(n)]
    got = to_literal(values, List[Point]).unwrap().value
    assert len(got.collection.literals) == n
    assert all(lit.scalar.binary.tag == "msgpack" for lit in got.collection.literals)
    assert to_python(got, List[Point]).unwrap() == values


def test_only_a_list_is_a_list() -> None:
    assert str(to_literal((1, 2), List[int]).failure()).startswith("Tuples are not a supported type")
    assert str(to_literal({1, 2}, List[int]).failure()) == "Expected a list"
    assert str(to_literal([[1], [2, "x"]], List[List[int]]).failure()) == (
        "[1][1]: Expected value of type <class 'int'> but got 'x' of type <class 'str'>"
    )


# -- reading ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", SIZES)
def test_other_numeric_literals_are_read_as_the_element_type(n: int) -> None:
    ints = [prim_text(int, 1)] * n
    floats = ["scalar { primitive { float_value: 2.5 } }"] * n
    assert to_python(literal(collection(*ints[:-1], floats[0])), List[float]).unwrap() == [1.0] * (n - 1) + [
        2.5
    ]
    assert to_python(literal(collection(*floats[:-1], ints[0])), List[int]).unwrap() == [2] * (n - 1) + [1]


CANNOT = "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      integer: 1 to "


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(
    ("tp", "good", "message"),
    [
        (str, 'scalar { primitive { string_value: "a" } }', CANNOT + "<class 'str'>"),
        (bool, "scalar { primitive { boolean: true } }", CANNOT + "<class 'bool'>"),
        (datetime.datetime, "scalar { primitive { datetime { } } }", CANNOT + "<class 'datetime.datetime'>"),
    ],
)
def test_a_wrong_element_literal_is_flytekits_error_at_its_index(
    tp: Any, good: str, message: str, n: int
) -> None:
    source = collection(*[good] * (n - 1), "scalar { primitive { integer: 1 } }")
    failure = to_python(literal(source), List[tp]).failure()
    assert (failure.message, failure.path) == (message, f"[{n - 1}]")


@pytest.mark.parametrize(("tp", "name"), [(int, "int"), (float, "float")])
def test_a_wrong_number_element_literal_is_flytekits_error_at_its_index(tp: type, name: str) -> None:
    good = prim_text(tp, PRIM[tp][1])
    for n in SIZES:
        source = collection(*[good] * (n - 1), 'scalar { primitive { string_value: "a" } }')
        failure = to_python(literal(source), List[tp]).failure()  # type: ignore[valid-type]
        assert failure.message == (
            "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      "
            f"string_value: a to {name}"
        )
        assert failure.path == f"[{n - 1}]"


def test_reading_a_non_collection_as_a_list_is_flytekits_error() -> None:
    assert str(to_python(literal("scalar { primitive { integer: 1 } }"), List[int]).failure()) == (
        "The expected python type is 'typing.List[int]' but the received Flyte literal value is not a collection "
        "(Flyte's representation of Python lists)."
    )


def test_msgpack_binaries_are_decoded_as_the_container() -> None:
    import msgpack

    lit = literals_pb2.Literal()
    lit.scalar.binary.value = msgpack.dumps([1, 2])
    lit.scalar.binary.tag = "msgpack"
    assert to_python(lit, List[int]).unwrap() == [1, 2]
    lit.scalar.binary.value = msgpack.dumps({"a": 1})
    assert to_python(lit, Dict[str, int]).unwrap() == {"a": 1}


# -- dicts -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("tp", list(PRIM))
def test_dicts_of_primitives_are_a_map_of_their_literals(tp: type, n: int) -> None:
    value = PRIM[tp][1]
    data = {f"k{i:02d}": value for i in range(n)}
    got = to_literal(data, Dict[str, tp]).unwrap().value  # type: ignore[valid-type]
    assert text(got) == lmap(**{k: prim_text(tp, value) for k in data})
    assert to_python(got, Dict[str, tp]).unwrap() == data  # type: ignore[valid-type]


@pytest.mark.parametrize("n", SIZES)
def test_a_wrong_dict_value_is_flytekits_error_under_its_key(n: int) -> None:
    data: dict[str, Any] = {f"k{i:02d}": 1 for i in range(n)}
    data['q"k'] = "x"
    failure = to_literal(data, Dict[str, int]).failure()
    assert (failure.message, failure.path) == (
        "Expected value of type <class 'int'> but got 'x' of type <class 'str'>",
        '["q\\"k"]',
    )


def test_dict_keys_must_be_str() -> None:
    failure = to_literal({1: 2}, Dict[str, int]).failure()
    assert (failure.kind, failure.message) == ("ValueError", "Flyte MapType expects all keys to be strings")
    assert str(to_literal([("a", 1)], Dict[str, int]).failure()) == "Expected a dict"


def test_a_key_protobuf_cannot_encode_is_its_unicode_error() -> None:
    failure = to_literal({"a\ud800": 1}, Dict[str, int]).failure()
    assert (failure.kind, failure.message) == (
        "UnicodeEncodeError",
        "'utf-8' codec can't encode character '\\ud800' in position 1: surrogates not allowed",
    )


def test_a_wrong_map_value_literal_is_flytekits_error_under_its_key() -> None:
    source = lmap(k='scalar { primitive { string_value: "a" } }')
    failure = to_python(literal(source), Dict[str, int]).failure()
    assert failure.message == (
        "Cannot convert literal Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      string_value: a to int"
    )
    assert failure.path == '["k"]'


def test_map_values_of_another_numeric_kind_are_read_as_the_value_type() -> None:
    for n in SIZES:
        entries = {f"k{i:02d}": "scalar { primitive { integer: 2 } }" for i in range(n)}
        assert to_python(literal(lmap(**entries)), Dict[str, float]).unwrap() == {k: 2.0 for k in entries}


def test_reading_a_non_map_as_a_dict_is_flytekits_error() -> None:
    assert str(to_python(literal("scalar { primitive { integer: 1 } }"), Dict[str, int]).failure()) == (
        "Cannot convert from Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      integer: 1 to "
        "typing.Dict[str, int]"
    )


def test_a_struct_is_read_as_a_dict() -> None:
    source = 'scalar { generic { fields { key: "a" value { number_value: 1 } } } }'
    assert to_python(literal(source), Dict[str, int]).unwrap() == {"a": 1}


def test_a_pickle_format_struct_is_refused() -> None:
    # flytekit tries to unpickle a file named in it (and crashes on a missing one)
    lit = literal('scalar { generic { fields { key: "pickle_file" value { string_value: "s3://b/p" } } } }')
    lit.metadata["format"] = "pickle"
    assert str(to_python(lit, Dict[str, int]).failure()) == (
        "Cannot convert a pickled dict to typing.Dict[str, int]: pickle-format dicts are not supported"
    )


# -- the transformer objects ---------------------------------------------------------------------------


def test_what_each_transformer_handles() -> None:
    assert containers.LIST.handles(List[int]) and containers.LIST.handles(list[str])
    assert not containers.LIST.handles(list) and not containers.LIST.handles(List)
    assert containers.DICT.handles(Dict[str, int]) and containers.DICT.handles(dict[str, int])
    assert not containers.DICT.handles(Dict[int, int]) and not containers.DICT.handles(dict)
    assert containers.DICT.handles(List[int]) is False  # a bool, as the Transformer protocol says
    assert (containers.LIST.name, containers.DICT.name) == ("Typed List", "Typed Dict")


def test_to_literal_called_directly_writes_the_literal() -> None:
    sink = Sink(ConversionContext())
    engine = default_engine()
    assert text(containers.LIST.to_literal([1], List[int], engine, sink)) == collection(prim_text(int, 1))
    assert text(containers.DICT.to_literal({"a": 1}, Dict[str, int], engine, sink)) == lmap(
        a=prim_text(int, 1)
    )


def test_key_segments() -> None:
    assert containers.key_segment("k") == '["k"]'
    assert containers.key_segment('a"b') == '["a\\"b"]'
    assert containers.key_segment(3) == "[3]"


# -- speed: which elements go through the engine one by one (the module docstring's "Speed") -------------


class _CountingEngine(Engine):
    """The registry's transformers, counting the per-element calls a container makes into the engine."""

    def __init__(self) -> None:
        super().__init__(registry._transformers())
        self.calls = 0

    def write_with(self, r: Any, value: Any, sink: Sink, target: literals_pb2.Literal) -> None:
        self.calls += 1
        super().write_with(r, value, sink, target)

    def read_with(self, r: Any, literal: literals_pb2.Literal, sink: Sink) -> Any:
        self.calls += 1
        return super().read_with(r, literal, sink)


def _calls(values: Any, tp: Any) -> tuple[int, int]:
    """(engine calls to write ``values``, engine calls to read them back); the round trip must hold."""
    engine = _CountingEngine()
    lit = to_literal(values, tp, engine=engine).unwrap().value
    written, engine.calls = engine.calls - 1, 0  # one call writes the container itself
    assert to_python(lit, tp, engine=engine).unwrap() == values
    return written, engine.calls


def _per_element(calls: tuple[int, int], n: int) -> bool:
    """Each element written by one engine call, and read by at least one (a union reads through its variant)."""
    return calls[0] == n and calls[1] >= n


@pytest.mark.parametrize("tp", list(PRIM))
def test_primitive_elements_never_go_through_the_engine(tp: type) -> None:
    for n in (2, 40):
        assert _calls([PRIM[tp][1]] * n, List[tp]) == (0, 0)  # type: ignore[valid-type]
    big = {f"k{i}": PRIM[tp][1] for i in range(40)}
    assert _calls(big, Dict[str, tp]) == (0, 0)  # type: ignore[valid-type]
    assert _per_element(_calls({"a": PRIM[tp][1], "b": PRIM[tp][1]}, Dict[str, tp]), 2)  # type: ignore[valid-type]


@pytest.mark.parametrize("tp", list(PRIM))
def test_primitive_literals_of_another_kind_alone_go_through_the_engine(tp: type) -> None:
    other = (
        "scalar { primitive { integer: 1 } }"
        if tp is not int
        else "scalar { primitive { float_value: 1.0 } }"
    )
    good = prim_text(tp, PRIM[tp][1])
    engine = _CountingEngine()
    result = to_python(literal(collection(good, good, other)), List[tp], engine=engine)  # type: ignore[valid-type]
    assert engine.calls == 1, result


def test_big_lists_of_optional_ints_and_dataclasses_take_the_bulk_paths() -> None:
    assert _per_element(_calls([1, None], List[Optional[int]]), 2)
    assert _calls([1, None] * 20, List[Optional[int]]) == (0, 0)
    assert _per_element(_calls([Point(1)] * 2, List[Point]), 2)
    assert _calls([Point(1)] * 40, List[Point]) == (0, 0)


def test_hashed_or_annotated_elements_and_other_unions_go_element_by_element() -> None:
    hashed = Annotated[Point, HashMethod(lambda v: "h")]
    annotated = Annotated[Point, FlyteAnnotation({"a": 1})]
    assert _calls([Point(1)] * 40, List[hashed])[0] == 40
    assert _per_element(_calls([Point(1)] * 40, List[annotated]), 40)
    assert _per_element(_calls([1.5, None] * 20, List[Optional[float]]), 40)
    assert _per_element(_calls([1, None] * 20, List[Optional[Annotated[int, HashMethod(lambda v: "h")]]]), 40)
    assert _per_element(_calls([1, None] * 20, List[Optional[Annotated[int, FlyteAnnotation({"a": 1})]]]), 40)
    assert _per_element(_calls([1, "a"] * 20, List[typing.Union[int, str]]), 40)


def test_a_struct_value_that_does_not_fit_is_an_error() -> None:
    # flytekit 1.16.31: ValueError: invalid literal for int() with base 10: 'x'
    source = 'scalar { generic { fields { key: "a" value { string_value: "x" } } } }'
    failure = to_python(literal(source), Dict[str, int]).failure()
    assert "invalid literal for int() with base 10: 'x'" in failure.message


class _Level(enum.IntEnum):
    LOW = 1


@pytest.mark.parametrize(
    "odd", [True, 2.0, numpy.int64(1), _Level.LOW], ids=["bool", "float", "numpy int64", "IntEnum"]
)
@pytest.mark.parametrize("n", SIZES)
def test_an_int_list_with_a_value_of_another_type_is_refused_at_any_length(n: int, odd: Any) -> None:
    """flytekit 1.16 (oracle venv): ``List[int]`` holding ``True``, ``2.0``, a numpy int or an ``IntEnum`` member fails
    with ``Expected value of type <class 'int'> but got '1' of type <class 'numpy.int64'>`` (and so on) however long
    the list (protobuf itself would take the numpy int and the IntEnum member: the check is ours)."""
    result = to_literal([1] * (n - 1) + [odd], List[int], ConversionContext())
    message = str(result.failure())
    assert f"Expected value of type <class 'int'> but got '{odd}' of type {type(odd)!r}" in message
    assert f"[{n - 1}]" in message
