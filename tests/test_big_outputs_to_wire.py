"""``literal_maps.outputs_to_wire_literals`` / ``serialize_outputs``: which outputs are written straight to bytes.

The rule (their docstrings): an output of at least ``WIRE_MIN_ITEMS`` (4096) elements whose type has a bulk codec
(a ``list`` of exactly int/float/str/bool or ``Optional[int]``, a ``dict`` with str keys of int/float/str/bool
values), with no ``HashMethod`` on its type and no output metadata, is serialized to bytes (the third item of the
answer) and left out of the ``LiteralMap``; every other output is a literal.  When the returned value's shape is
one the placeholder swap is unsure of (a ``NamedTuple`` instance) nothing is taken.  Either way ``outputs.pb`` is
the deterministic serialization of the map flytekit builds (``SerializeToString(deterministic=True)``); the
expected bytes here are that serialization of a ``LiteralMap`` built with protobuf from the python values, in
flytekit 1.16's layout (a collection/map of primitive literals; an ``Optional[int]`` element is a union literal
with the variant's simple type and ``structure.tag``).
"""

from __future__ import annotations

from typing import Annotated, Any, Dict, List, NamedTuple, Optional, Tuple, Union

from flyteidl.core import literals_pb2 as L
from flyteidl.core import types_pb2 as T

from flyte_entrypoint.core import output_metadata as omt
from flyte_entrypoint.core.literal_maps import (
    WIRE_MIN_ITEMS,
    outputs_to_literals,
    outputs_to_wire_literals,
    serialize_outputs,
)
from flyte_entrypoint.core.task import make_task
from flyte_entrypoint.core.type_engine.annotated import HashMethod
from flyte_entrypoint.core.type_engine.engine import ConversionContext

CTX = ConversionContext()
N = 4096  # WIRE_MIN_ITEMS: the smallest output written from the wire

_KIND = {int: "integer", float: "float_value", str: "string_value", bool: "boolean"}


def _prim(value: Any) -> L.Literal:
    return L.Literal(scalar=L.Scalar(primitive=L.Primitive(**{_KIND[type(value)]: value})))


def _optional_int(value: int | None) -> L.Literal:
    """flytekit's ``Optional[int]`` element: a union literal holding the variant and its type (tag included)."""
    if value is None:
        variant = L.Literal(scalar=L.Scalar(none_type=L.Void()))
        tp = T.LiteralType(simple=T.NONE, structure=T.TypeStructure(tag="none"))
    else:
        variant = _prim(value)
        tp = T.LiteralType(simple=T.INTEGER, structure=T.TypeStructure(tag="int"))
    return L.Literal(scalar=L.Scalar(union=L.Union(value=variant, type=tp)))


def _literal(value: Any, optional: bool = False) -> L.Literal:
    if isinstance(value, list):
        element = _optional_int if optional else _prim
        return L.Literal(collection=L.LiteralCollection(literals=[element(v) for v in value]))
    if isinstance(value, dict):
        return L.Literal(map=L.LiteralMap(literals={k: _prim(v) for k, v in value.items()}))
    return _prim(value)


def _expected(literals: dict[str, L.Literal]) -> bytes:
    lm = L.LiteralMap()
    for name, lit in literals.items():
        lm.literals[name].CopyFrom(lit)
    return lm.SerializeToString(deterministic=True)


def _written(task: Any, value: Any, metadata: Any = None) -> tuple[set[str], set[str], bytes]:
    """(outputs taken from the wire, outputs left as literals, outputs.pb)."""
    literal_map, _, wire = outputs_to_wire_literals(task, value, CTX, metadata).unwrap()
    return set(wire), set(literal_map.literals), serialize_outputs(literal_map, wire)


VALUES: dict[str, Any] = {
    "xs": [i * 7919 - 10**6 for i in range(N)],
    "fs": [i / 8 - 100.0 for i in range(N)],
    "ss": [f"s{i}" for i in range(N)],
    "bs": [i % 3 == 0 for i in range(N)],
    "os_": [None if i % 5 == 0 else i for i in range(N)],
    "di": {f"k{i:05d}": i - 2000 for i in range(N)},
    "df": {f"k{i:05d}": i / 4 for i in range(N)},
    "ds": {f"k{i:05d}": f"v{i}" for i in range(N)},
    "db": {f"k{i:05d}": i % 2 == 0 for i in range(N)},
}


class Bulk(NamedTuple):
    xs: List[int]
    fs: List[float]
    ss: List[str]
    bs: List[bool]
    os_: List[Optional[int]]
    di: Dict[str, int]
    df: Dict[str, float]
    ds: Dict[str, str]
    db: Dict[str, bool]


def _bulk() -> Tuple[
    List[int],
    List[float],
    List[str],
    List[bool],
    List[Optional[int]],
    Dict[str, int],
    Dict[str, float],
    Dict[str, str],
    Dict[str, bool],
]:
    raise AssertionError("never called")


def _bulk_named() -> Bulk:
    raise AssertionError("never called")


BULK = make_task(_bulk)
BULK_NAMED = make_task(_bulk_named)
OUT_NAMES = [f"o{i}" for i in range(len(VALUES))]
EXPECTED = _expected({f"o{i}": _literal(v, optional=k == "os_") for i, (k, v) in enumerate(VALUES.items())})


def test_every_bulk_output_type_is_written_from_the_wire() -> None:
    for returned in (tuple(VALUES.values()), list(VALUES.values())):  # any sequence of that many values
        taken, literals, data = _written(BULK, returned)
        assert taken == set(OUT_NAMES) and literals == set()
        assert data == EXPECTED


def test_a_named_tuple_instance_takes_the_literal_path_with_the_same_bytes() -> None:
    taken, literals, data = _written(BULK_NAMED, Bulk(*VALUES.values()))
    assert taken == set() and literals == set(Bulk._fields)
    assert data == _expected({k: _literal(v, optional=k == "os_") for k, v in VALUES.items()})


class Single(NamedTuple):
    xs: List[int]


def _single() -> List[int]:
    raise AssertionError("never called")


def _single_named() -> Single:
    raise AssertionError("never called")


def _single_dict() -> Dict[str, int]:
    raise AssertionError("never called")


SINGLE = make_task(_single)
SINGLE_NAMED = make_task(_single_named)
SINGLE_DICT = make_task(_single_dict)


def test_the_threshold_is_4096_elements() -> None:
    assert WIRE_MIN_ITEMS == N
    for count, took in ((N, {"o0"}), (N - 1, set())):
        xs = list(range(count))
        assert _written(SINGLE, xs) == (took, {"o0"} - took, _expected({"o0": _literal(xs)}))
        d = {f"k{i:05d}": i for i in range(count)}
        assert _written(SINGLE_DICT, d) == (took, {"o0"} - took, _expected({"o0": _literal(d)}))


def test_a_single_named_output_is_taken_from_a_bare_value_not_from_the_tuple() -> None:
    xs = VALUES["xs"]
    assert _written(SINGLE_NAMED, xs) == ({"xs"}, set(), _expected({"xs": _literal(xs)}))
    assert _written(SINGLE_NAMED, Single(xs)) == (set(), {"xs"}, _expected({"xs": _literal(xs)}))


def test_an_output_whose_container_type_is_not_exactly_list_or_dict_stays_a_literal() -> None:
    """A tuple returned for a ``List[int]`` output is flytekit's tuple error on either path."""
    result = outputs_to_wire_literals(SINGLE, tuple(VALUES["xs"]), CTX)
    assert type(result.failure()) is TypeError
    assert str(result.failure()) == str(outputs_to_literals(SINGLE, tuple(VALUES["xs"]), CTX).failure())


def _hashed() -> Annotated[List[int], HashMethod(lambda xs: f"n={len(xs)}")]:
    raise AssertionError("never called")


def test_a_hashed_output_stays_a_literal_and_keeps_its_hash() -> None:
    xs = VALUES["xs"]
    lit = _literal(xs)
    lit.hash = f"n={N}"
    assert _written(make_task(_hashed), xs) == (set(), {"o0"}, _expected({"o0": lit}))


def test_an_output_with_metadata_stays_a_literal_and_keeps_it() -> None:
    xs = list(VALUES["xs"])
    tracker = omt.add(omt.EMPTY, xs, {"rows": str(N)})
    lit = _literal(xs)
    lit.metadata["rows"] = str(N)
    assert _written(SINGLE, xs, tracker) == (set(), {"o0"}, _expected({"o0": lit}))
    assert _written(SINGLE, list(xs), tracker)[0] == {"o0"}  # metadata is per object: an equal copy has none


def _union_dict() -> Union[Dict[str, int], int]:
    raise AssertionError("never called")


def _mixed() -> Tuple[List[List[int]], int, List[str]]:
    raise AssertionError("never called")


def test_only_outputs_with_a_bulk_codec_are_taken() -> None:
    """A big dict under a ``Union`` is a union literal; a list of lists has no bulk codec; an int is small."""
    d = VALUES["di"]
    taken, literals, data = _written(make_task(_union_dict), d)
    assert taken == set() and literals == {"o0"}
    assert data == outputs_to_literals(make_task(_union_dict), d, CTX).unwrap()[0].SerializeToString(
        deterministic=True
    )
    nested = [[i] for i in range(N)]
    taken, literals, data = _written(make_task(_mixed), (nested, 7, VALUES["ss"]))
    assert taken == {"o2"} and literals == {"o0", "o1"}
    nested_lit = L.Literal(collection=L.LiteralCollection(literals=[_literal(x) for x in nested]))
    assert data == _expected({"o0": nested_lit, "o1": _prim(7), "o2": _literal(VALUES["ss"])})


def test_serialize_outputs_of_a_map_with_unknown_fields_is_the_whole_map_serialized() -> None:
    """Not the plain layout (an unknown field in the map): the wire literals are merged in and the whole map is
    serialized deterministically, so the unknown field is kept and the entries are in protobuf's key order."""
    unknown = b"\x78\x01"  # field 15, varint 1: no field of LiteralMap
    literal_map, _, wire = outputs_to_wire_literals(BULK, tuple(VALUES.values()), CTX).unwrap()
    for i in range(20, 0, -1):  # inserted against key order
        literal_map.literals[f"small{i}"].CopyFrom(_prim(i))
    literal_map.MergeFromString(unknown)
    whole = L.LiteralMap()
    for i, (k, v) in enumerate(VALUES.items()):
        whole.literals[f"o{i}"].CopyFrom(_literal(v, optional=k == "os_"))
    for i in range(1, 21):
        whole.literals[f"small{i}"].CopyFrom(_prim(i))
    whole.MergeFromString(unknown)
    assert serialize_outputs(literal_map, wire) == whole.SerializeToString(deterministic=True)


def test_no_wire_outputs_is_the_maps_deterministic_serialization() -> None:
    lm = L.LiteralMap()
    for i in range(20, 0, -1):
        lm.literals[f"k{i}"].CopyFrom(_prim(i))
    expected = L.LiteralMap(literals={f"k{i}": _prim(i) for i in range(1, 21)}).SerializeToString(deterministic=True)
    assert serialize_outputs(lm, {}) == expected
