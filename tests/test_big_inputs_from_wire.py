"""``literal_maps.decode_big_inputs``: which inputs are read straight from the ``inputs.pb`` bytes.

Its docstring states the rule: a declared input of at least ``WIRE_MIN_BYTES`` whose type has a bulk
codec (a list of exactly int/float/str/bool or ``Optional[int]``, a ``dict[str, ...]`` of int/float/str)
is decoded from its bytes; everything else stays in the returned map bytes; None (parse everything)
for a map task, a small map, a repeated key, or when nothing was taken. The values are what the parsed
path gives (``property_tests/test_wire_inputs_laws.py``); here the expected values are the python values
the literals were made from.
"""

from __future__ import annotations

import functools
from typing import Any, Dict, List, Optional, Union

from flyteidl.core import literals_pb2

from flyte_entrypoint.core.literal_maps import WIRE_MIN_BYTES, decode_big_inputs, inputs_to_python
from flyte_entrypoint.core.task import make_task, map_task
from flyte_entrypoint.core.type_engine.engine import ConversionContext, to_literal

N = 12_000  # every list/map below serializes to more than WIRE_MIN_BYTES


def _fn(
    xs: List[int],
    fs: List[float],
    ss: List[str],
    bs: List[bool],
    os_: List[Optional[int]],
    df: Dict[str, float],
    ds: Dict[str, str],
    di: Dict[str, int],
    nested: List[List[int]],
    small: List[int],
) -> int:
    return 0


TASK = make_task(_fn)
TYPES = {v.name: v.python_type for v in TASK.interface.inputs}

VALUES: dict[str, Any] = {
    "xs": list(range(-N // 2, N // 2)),
    "fs": [i / 4 for i in range(N)],
    "ss": [f"s{i}" for i in range(N)],
    "bs": [i % 3 == 0 for i in range(N)],
    "os_": [None if i % 5 == 0 else i for i in range(N)],
    "df": {f"k{i}": i / 2 for i in range(N)},
    "ds": {f"k{i}": f"v{i}" for i in range(N)},
    "di": {f"k{i}": i for i in range(N)},
    "nested": [[i] for i in range(N)],
    "small": [1, 2, 3],
}
BULK = {"xs", "fs", "ss", "bs", "os_", "df", "ds", "di"}


def _map(values: dict[str, Any]) -> literals_pb2.LiteralMap:
    lm = literals_pb2.LiteralMap()
    for name, value in values.items():
        lm.literals[name].CopyFrom(to_literal(value, TYPES[name]).unwrap().value)
    return lm


def test_every_bulk_type_is_read_from_the_wire_and_the_rest_kept() -> None:
    lm = _map(VALUES)
    data = lm.SerializeToString()
    result = decode_big_inputs(TASK, data)
    assert result is not None
    rest, decoded = result
    assert set(decoded) == BULK
    for name in BULK:
        assert decoded[name] == VALUES[name], name
        assert [type(v) for v in decoded[name]][:3] == [type(v) for v in VALUES[name]][:3]
    kept = literals_pb2.LiteralMap()
    kept.ParseFromString(rest)
    assert set(kept.literals) == {"nested", "small"}
    assert kept.literals["nested"] == lm.literals["nested"] and kept.literals["small"] == lm.literals["small"]


def test_one_big_bulk_input_alone() -> None:
    for name in sorted(BULK):
        data = _map({name: VALUES[name]}).SerializeToString()
        result = decode_big_inputs(TASK, data)
        assert result is not None, name
        assert result == (b"", {name: VALUES[name]}), name


def test_a_small_input_in_a_big_map_is_kept() -> None:
    data = _map({"nested": VALUES["nested"], "small": VALUES["small"]}).SerializeToString()
    assert len(data) >= WIRE_MIN_BYTES
    assert decode_big_inputs(TASK, data) is None  # nothing taken


def test_an_undeclared_big_input_is_kept() -> None:
    lm = _map({"xs": VALUES["xs"]})
    lm.literals["zz"].CopyFrom(lm.literals["xs"])
    result = decode_big_inputs(TASK, lm.SerializeToString())
    assert result is not None
    rest, decoded = result
    kept = literals_pb2.LiteralMap()
    kept.ParseFromString(rest)
    assert set(decoded) == {"xs"} and set(kept.literals) == {"zz"}


def test_none_for_a_map_task_no_task_a_small_map_or_a_repeated_key() -> None:
    data = _map({"xs": VALUES["xs"]}).SerializeToString()
    assert decode_big_inputs(None, data) is None
    assert decode_big_inputs(map_task(functools.partial(TASK, small=[1])), data) is None
    assert decode_big_inputs(TASK, _map({"small": [1, 2]}).SerializeToString()) is None
    assert decode_big_inputs(TASK, data + data) is None  # "xs" twice: the parsed path decides


def _entry(name: str, literal: literals_pb2.Literal) -> bytes:
    """One map entry as protobuf writes it (a map of just this entry)."""
    lm = literals_pb2.LiteralMap()
    lm.literals[name].CopyFrom(literal)
    return lm.SerializeToString()


def test_the_other_entries_are_returned_as_they_were_in_the_bytes() -> None:
    kept = [
        _entry("small", to_literal([1, 2, 3], TYPES["small"]).unwrap().value),
        _entry("nested", to_literal(VALUES["nested"], TYPES["nested"]).unwrap().value),
    ]
    taken = _entry("xs", to_literal(VALUES["xs"], TYPES["xs"]).unwrap().value)
    assert decode_big_inputs(TASK, kept[0] + taken + kept[1]) == (kept[0] + kept[1], {"xs": VALUES["xs"]})


def _strings_literal_of_size(size: int) -> tuple[list[str], literals_pb2.Literal]:
    """A ``List[str]`` literal serialized to exactly ``size`` bytes, and its strings."""
    strings = [f"{i:07d}" for i in range((size - 200) // 15)] + [""]  # 15 bytes each in the collection
    lit = to_literal(strings, TYPES["ss"]).unwrap().value
    last = lit.collection.literals[-1].scalar.primitive
    for tail in range(200):
        last.string_value = "t" * tail
        if lit.ByteSize() == size:
            return [*strings[:-1], last.string_value], lit
    raise AssertionError(f"no literal of {size} bytes")


def test_an_input_is_taken_from_exactly_wire_min_bytes() -> None:
    strings, at_least = _strings_literal_of_size(WIRE_MIN_BYTES)
    assert decode_big_inputs(TASK, _entry("ss", at_least)) == (b"", {"ss": strings})
    _, below = _strings_literal_of_size(WIRE_MIN_BYTES - 1)
    xs = _entry("xs", to_literal(VALUES["xs"], TYPES["xs"]).unwrap().value)
    assert decode_big_inputs(TASK, _entry("ss", below) + xs) == (_entry("ss", below), {"xs": VALUES["xs"]})


def _odd(d: Dict[str, str], u: Union[int, str], ls: List[str]) -> int:
    return 0


ODD = make_task(_odd)


def test_a_literal_of_another_shape_than_the_declared_type_is_left_to_the_parsed_path() -> None:
    """A big collection for a dict, a big map for a union or a list: the parsed path reports the mismatch."""
    strings = [f"s{i}" for i in range(N)]
    collection = to_literal(strings, List[str]).unwrap().value
    mapping = to_literal({s: s for s in strings}, Dict[str, str]).unwrap().value
    for name, literal in (("d", collection), ("u", mapping), ("ls", mapping)):
        data = _entry(name, literal)
        assert len(literal.SerializeToString()) >= WIRE_MIN_BYTES
        assert decode_big_inputs(ODD, data) is None, name


def test_decoded_inputs_are_counted_and_checked_like_the_literals() -> None:
    """``inputs_to_python(..., decoded)``: a decoded name the task does not declare is the same error as a literal's."""
    got = inputs_to_python(TASK, literals_pb2.LiteralMap(), None, ConversionContext(), {"zz": [1]})
    assert isinstance(got.failure(), ValueError)
    assert str(got.failure()) == f"Received an input named 'zz' that {TASK.name} does not declare"
    both = inputs_to_python(TASK, _map({"small": [1]}), None, ConversionContext(), {"xs": [2]})
    assert both.unwrap() == {"small": [1], "xs": [2]}
