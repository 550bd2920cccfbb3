"""``core.literal_io``: inputs in and outputs out at the task boundary, offloading decisions.

Error wording follows flytekit 1.16 (``"Received more input values ..."``, ``"Error converting input
..."``, ``"Literal <name> is too large to be offloaded ..."``, PROTOCOL §11); offloading limits are
``_F_L_MIN_SIZE_MB`` (default 10) and ``_F_L_MAX_SIZE_MB`` (default 1000), offloading a literal whose
size is at least the minimum and refusing one at least the maximum.
"""

from __future__ import annotations

import functools

from flyteidl.core import literals_pb2 as L
from returns.result import Failure, Success

from flyte_entrypoint.core import literal_io as lio
from flyte_entrypoint.core.exceptions import TypeTransformerFailedError
from flyte_entrypoint.core.hashing import compute_hash_string
from flyte_entrypoint.core.task import map_task, task
from flyte_entrypoint.core.types.engine import ConversionContext

CTX = ConversionContext()


@task
def add(a: int, b: int = 2) -> int:
    return a + b


@task
def two(a: int) -> tuple[int, str]:
    return a, "x"


def _int(i: int) -> L.Literal:
    return L.Literal(scalar=L.Scalar(primitive=L.Primitive(integer=i)))


def _str(s: str) -> L.Literal:
    return L.Literal(scalar=L.Scalar(primitive=L.Primitive(string_value=s)))


def _map(**lits: L.Literal) -> L.LiteralMap:
    m = L.LiteralMap()
    for k, v in lits.items():
        m.literals[k].CopyFrom(v)
    return m


def _coll(*lits: L.Literal) -> L.Literal:
    return L.Literal(collection=L.LiteralCollection(literals=list(lits)))


def test_inputs_missing_ones_are_left_to_python_defaults() -> None:
    assert lio.inputs_to_python(add, _map(a=_int(1), b=_int(5)), None, CTX) == Success({"a": 1, "b": 5})
    assert lio.inputs_to_python(add, _map(a=_int(1)), None, CTX) == Success({"a": 1})
    assert lio.inputs_to_python(add, _map(), None, CTX) == Success({})


def test_inputs_too_many_or_unknown() -> None:
    too_many = lio.inputs_to_python(add, _map(a=_int(1), b=_int(2), c=_int(3)), None, CTX)
    assert str(too_many.failure()) == "Received more input values 3 than allowed by the input spec 2"
    unknown = lio.inputs_to_python(add, _map(a=_int(1), z=_int(2)), None, CTX)
    assert str(unknown.failure()) == f"Received an input named 'z' that {add.name} does not declare"
    assert isinstance(unknown.failure(), ValueError)


def test_conversion_error_names_the_input() -> None:
    result = lio.inputs_to_python(add, _map(a=_str("x")), None, CTX)
    error = result.failure()
    assert isinstance(error, TypeTransformerFailedError)
    assert str(error).startswith("Error converting input 'a':\nLiteral value: scalar {\n")
    assert "\nExpected Python type: <class 'int'>\nException: " in str(error)


def test_map_task_selects_the_element_before_conversion() -> None:
    m = map_task(add)
    lits = _map(a=_coll(_int(10), _int(11), _str("not converted")), b=_coll(_int(1), _int(2), _int(3)))
    assert lio.inputs_to_python(m, lits, 1, CTX) == Success({"a": 11, "b": 2})
    assert lio.inputs_to_python(m, lits, 0, CTX) == Success({"a": 10, "b": 1})


def test_map_task_index_range_is_the_one_check() -> None:
    m = map_task(add)
    lits = _map(a=_coll(_int(10), _int(11)), b=_coll(_int(1), _int(2)))
    out_of_range = lio.inputs_to_python(m, lits, 2, CTX)
    assert isinstance(out_of_range.failure(), IndexError)
    assert str(out_of_range.failure()) == "array index 2 is out of range for input 'a' with 2 elements"
    negative = lio.inputs_to_python(m, lits, -1, CTX)
    assert str(negative.failure()) == "array index -1 is out of range for input 'a' with 2 elements"


def test_map_task_inputs_must_be_complete_lists_unless_bound() -> None:
    m = map_task(add)
    missing = lio.inputs_to_python(m, _map(a=_coll(_int(1))), 0, CTX)
    assert str(missing.failure()) == "map task input 'b' is missing from the input map"
    scalar = lio.inputs_to_python(m, _map(a=_int(1), b=_coll(_int(1))), 0, CTX)
    assert str(scalar.failure()) == "Expected a list of literals for a"
    bound = map_task(functools.partial(add, b=7))
    assert lio.inputs_to_python(bound, _map(a=_coll(_int(4)), b=_int(9)), 0, CTX) == Success({"a": 4, "b": 9})


def test_outputs_as_map() -> None:
    assert lio.outputs_as_map(add, 3) == Success({"o0": 3})
    assert lio.outputs_as_map(two, (1, "a")) == Success({"o0": 1, "o1": "a"})
    assert lio.outputs_as_map(two, [1, "a"]) == Success({"o0": 1, "o1": "a"})
    bad = lio.outputs_as_map(two, (1,))
    assert str(bad.failure()) == f"Task '{two.name}' declares 2 outputs ['o0', 'o1'] but returned 1 values"
    assert str(lio.outputs_as_map(two, 5).failure()).endswith("but returned a int")

    @task
    def void(a: int) -> None:
        return None

    assert lio.outputs_as_map(void, None) == Success({})


def test_offload_policy() -> None:
    mib = 1024 * 1024
    assert lio.offload_policy({}) == Success(lio.OffloadPolicy(False, 10 * mib, 1000 * mib))
    assert lio.offload_policy({"_F_L_MIN_SIZE_MB": ""}) == Success(lio.OffloadPolicy(True, 10 * mib, 1000 * mib))
    assert lio.offload_policy({"_F_L_MIN_SIZE_MB": "2", "_F_L_MAX_SIZE_MB": "3"}) == Success(
        lio.OffloadPolicy(True, 2 * mib, 3 * mib)
    )
    bad = lio.offload_policy({"_F_L_MIN_SIZE_MB": "1", "_F_L_MAX_SIZE_MB": "x"})
    assert isinstance(bad, Failure)
    assert bad.failure().startswith("invalid literal offloading limits (_F_L_MIN_SIZE_MB/_F_L_MAX_SIZE_MB): ")


def test_offload_outputs_boundaries() -> None:
    lit = _int(7)
    size = lit.ByteSize()
    lits = _map(o0=lit)
    off = lio.offload_outputs(lits, add, lio.OffloadPolicy(False), "s3://o", False)
    assert off == Success({"outputs.pb": lits.SerializeToString(deterministic=True)})
    below = lio.offload_outputs(lits, add, lio.OffloadPolicy(True, size + 1, size + 2), "s3://o", False).unwrap()
    assert list(below) == ["outputs.pb"]
    too_big = lio.offload_outputs(lits, add, lio.OffloadPolicy(True, 1, size), "s3://o", False)
    assert str(too_big.failure()) == (
        f"Literal o0 is too large to be offloaded. Max literal size is {size} whereas the literal size is {size} bytes"
    )
    files = lio.offload_outputs(lits, add, lio.OffloadPolicy(True, size, size + 1), "s3://o/", False).unwrap()
    assert list(files) == ["outputs.pb", "o0_offloaded_metadata.pb"]
    assert files["o0_offloaded_metadata.pb"] == lit.SerializeToString(deterministic=True)
    pointer = L.LiteralMap()
    pointer.ParseFromString(files["outputs.pb"])
    meta = pointer.literals["o0"].offloaded_metadata
    assert (meta.uri, meta.size_bytes) == ("s3://o/o0_offloaded_metadata.pb", size)
    assert meta.inferred_type.simple == 1  # INTEGER
    assert pointer.literals["o0"].hash == compute_hash_string(lit)
    assert lio._join("s3://o", "f") == "s3://o/f" and lio._join("s3://o/", "f") == "s3://o/f"


def test_offloaded_inputs_are_found_and_replaced() -> None:
    pointer = L.Literal(offloaded_metadata=L.LiteralOffloadedMetadata(uri="s3://x/a.pb", size_bytes=3))
    lits = _map(a=pointer, b=_int(1))
    assert lio.offloaded_uris(lits) == ("s3://x/a.pb",)
    replaced = lio.replace_offloaded(lits, {"s3://x/a.pb": _int(5).SerializeToString()}).unwrap()
    assert replaced.literals["a"] == _int(5) and replaced.literals["b"] == _int(1)
    assert lits.literals["a"] == pointer  # the given map is not changed
    missing = lio.replace_offloaded(lits, {})
    assert str(missing.failure()) == "offloaded literal for input 'a' was not fetched from s3://x/a.pb"
    garbage = lio.replace_offloaded(lits, {"s3://x/a.pb": b"\xff\xff"})
    assert str(garbage.failure()).startswith("offloaded literal for input 'a' at s3://x/a.pb is not a Literal: ")
