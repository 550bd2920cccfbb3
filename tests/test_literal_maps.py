"""``core.literal_maps``: inputs in and outputs out at the task boundary, offloading decisions.

Error wording follows flytekit 1.16 (``"Received more input values ..."``, ``"Error converting input
..."``, ``"Literal <name> is too large to be offloaded ..."``, PROTOCOL §11); offloading limits are
``_F_L_MIN_SIZE_MB`` (default 10) and ``_F_L_MAX_SIZE_MB`` (default 1000), offloading a literal whose
size is at least the minimum and refusing one at least the maximum.
"""

from __future__ import annotations

import functools
import pickle
import typing
from typing import Any

import pytest
from flyteidl.core import literals_pb2 as L
from returns.result import Failure, Success

from flyte_entrypoint.core import literal_maps as lio
from flyte_entrypoint.core.exceptions import TypeTransformerFailedError
from flyte_entrypoint.core.hashing import compute_hash_string
from flyte_entrypoint.core.task import map_task, task
from flyte_entrypoint.core.type_engine.blob import blob_literal
from flyte_entrypoint.core.type_engine.engine import BlobRead, BlobsNeeded, ConversionContext, to_python
from flyte_entrypoint.core.type_engine.pickled import AllowPickle
from flyte_entrypoint.files import FlyteFile

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


def test_returned_values_map_to_declared_outputs() -> None:
    """The one rule (``core/type_engine/outputs.split_returned``) over a task's ``declared_outputs``."""
    from flyte_entrypoint.core.type_engine.outputs import OutputConversionError, split_returned

    def split(t: Any, value: Any) -> dict[str, Any]:
        return split_returned(value, lio.declared_outputs(t))

    assert split(add, 3) == {"o0": 3}
    assert split(two, (1, "a")) == {"o0": 1, "o1": "a"}
    assert split(two, [1, "a"]) == {"o0": 1, "o1": "a"}
    with pytest.raises(
        OutputConversionError, match=r"declares 2 outputs \['o0', 'o1'\] but returned 1 values"
    ):
        split(two, (1,))
    with pytest.raises(OutputConversionError, match=r"returned 5 \(int\), which is not a sequence"):
        split(two, 5)

    @task
    def void(a: int) -> None:
        return None

    assert split(void, None) == {}


def test_offload_policy() -> None:
    mib = 1024 * 1024
    assert lio.offload_policy({}) == Success(lio.OffloadPolicy(False, 10 * mib, 1000 * mib))
    assert lio.offload_policy({"_F_L_MIN_SIZE_MB": ""}) == Success(
        lio.OffloadPolicy(True, 10 * mib, 1000 * mib)
    )
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
    below = lio.offload_outputs(
        lits, add, lio.OffloadPolicy(True, size + 1, size + 2), "s3://o", False
    ).unwrap()
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
    assert str(garbage.failure()).startswith(
        "offloaded literal for input 'a' at s3://x/a.pb is not a Literal: "
    )


# --- wording of conversion errors -------------------------------------------------------------------------


def test_input_conversion_error_is_flytekits_layout() -> None:
    lit = _str("x")
    message = str(lio.inputs_to_python(add, _map(a=lit), None, CTX).failure())
    head, sep, _reason = message.partition("\nExpected Python type: <class 'int'>\nException: ")
    assert sep and head == f"Error converting input 'a':\nLiteral value: {lit}"
    assert not _reason.startswith("[") and " (at " not in _reason  # a top-level failure has no path


def test_a_long_literal_is_cut_at_4000_characters() -> None:
    lit = _str("y" * 5000)
    message = str(lio.inputs_to_python(add, _map(a=lit), None, CTX).failure())
    assert message.startswith(
        f"Error converting input 'a':\nLiteral value: {str(lit)[:4000]}...\n\nExpected Python"
    )
    exactly = _str("w" * (4000 - len(str(_str("")))))
    assert len(str(exactly)) == 4000 and lio._literal_text(exactly) == str(exactly)
    one_more = _str("w" * (4001 - len(str(_str("")))))
    assert lio._literal_text(one_more) == str(one_more)[:4000] + "...\n"


@task
def total(xs: list[int]) -> int:
    return sum(xs)


def test_nested_input_failures_name_the_position() -> None:
    message = str(lio.inputs_to_python(total, _map(xs=_coll(_int(1), _str("x"))), None, CTX).failure())
    assert message.endswith(" (at [1])")
    assert "Exception: [1]: " not in message  # the path is appended, not prefixed as str() would


def test_each_input_converts_with_its_own_seed() -> None:
    assert lio.scoped_context(ConversionContext(name_seed="s"), "in", "a") == ConversionContext(name_seed="s/in/a")


# --- outputs ------------------------------------------------------------------------------------------------


class One(typing.NamedTuple):
    v: int


@task
def one() -> One:
    return One(1)


@task
def listing() -> list[int]:
    return [1]


def test_returned_values_unwrap_only_a_named_tuple() -> None:
    from flyte_entrypoint.core.type_engine.outputs import OutputConversionError, split_returned

    assert split_returned(One(5), lio.declared_outputs(one)) == {"v": 5}
    assert split_returned((1, 2), lio.declared_outputs(listing)) == {"o0": (1, 2)}  # a plain tuple is the value
    with pytest.raises(OutputConversionError, match=r"but returned 1 values$"):
        split_returned([1], lio.declared_outputs(two))


def test_output_shape_errors_are_plain_type_errors() -> None:
    not_a_sequence = lio.outputs_to_literals(two, 5, CTX).failure()
    assert type(not_a_sequence) is TypeError  # flytekit raises TypeError here (kind TypeError)
    assert str(not_a_sequence).startswith("The task declares 2 outputs ['o0', 'o1'] but returned ")
    wrong_count = lio.outputs_to_literals(two, (1, "a", 3), CTX).failure()
    assert type(wrong_count) is TypeError  # kind ValueError in flytekit's wording, reported as TypeError
    assert str(wrong_count) == "The task declares 2 outputs ['o0', 'o1'] but returned 3 values"
    a_tuple = lio.outputs_to_literals(add, (1, 2), CTX).failure()
    assert type(a_tuple) is TypeError and str(a_tuple).startswith("Output(o0) in task ")


def test_output_value_errors_are_transformer_errors_with_the_position() -> None:
    flat = lio.outputs_to_literals(two, ("x", "a"), CTX).failure()
    assert type(flat) is TypeTransformerFailedError
    assert str(flat).startswith(f"Failed to convert outputs of task '{two.name}' at position 0.\n")
    assert " (at " not in str(flat)
    nested = lio.outputs_to_literals(listing, [1, "x"], CTX).failure()
    assert type(nested) is TypeTransformerFailedError
    assert str(nested).endswith(" (at [1]).")


def test_outputs_below_the_minimum_stay_in_outputs_pb_in_key_order() -> None:
    lits = L.LiteralMap()
    for k in ("o1", "o0"):
        lits.literals[k].CopyFrom(_int(int(k[1])))
    files = lio.offload_outputs(lits, two, lio.OffloadPolicy(True, 10**6, 10**7), "s3://o", False).unwrap()
    back = L.LiteralMap()
    back.ParseFromString(files["outputs.pb"])
    assert back == lits
    many = L.LiteralMap()
    for i in (7, 3, 9, 1, 5, 8, 2, 6, 4, 0, 11, 10):
        many.literals[f"k{i}"].CopyFrom(_int(i))
    off = lio.offload_outputs(many, two, lio.OffloadPolicy(False), "s3://o", False).unwrap()
    assert off["outputs.pb"] == many.SerializeToString(deterministic=True)


def test_offloaded_files_are_serialized_deterministically() -> None:
    big = L.Literal(map=L.LiteralMap())
    for i in (7, 3, 9, 1, 5, 8, 2, 6, 4, 0, 11, 10):
        big.map.literals[f"k{i}"].CopyFrom(_int(i))
    lits = L.LiteralMap()
    for name in ("o1", "o0"):
        lits.literals[name].CopyFrom(big)
    files = lio.offload_outputs(lits, two, lio.OffloadPolicy(True, 1, 10**6), "s3://o", False).unwrap()
    assert files["o0_offloaded_metadata.pb"] == big.SerializeToString(deterministic=True)
    expected = L.LiteralMap()
    expected.ParseFromString(files["outputs.pb"])
    assert files["outputs.pb"] == expected.SerializeToString(deterministic=True)
    many = L.LiteralMap()
    for i in (7, 3, 9, 1, 5, 8, 2, 6, 4, 0, 11, 10):
        many.literals[f"k{i}"].CopyFrom(_int(i))
    kept = lio.offload_outputs(many, wide, lio.OffloadPolicy(True, 10**6, 10**7), "s3://o", False).unwrap()
    assert kept["outputs.pb"] == many.SerializeToString(deterministic=True)


Many = typing.NamedTuple("Many", [(f"k{i}", int) for i in range(12)])  # type: ignore[misc]


def _wide() -> Many:  # type: ignore[valid-type]
    return Many(*range(12))


wide = task(_wide)


@task
def keyed() -> dict[str, int]:
    return {}


def test_an_output_value_error_inside_a_named_output_is_a_transformer_error() -> None:
    # flytekit raises ValueError for non-string map keys; inside an output it is reported as a
    # TypeTransformerFailedError naming the output, not as a bare shape error
    err = lio.outputs_to_literals(keyed, {1: 2}, CTX).failure()
    assert type(err) is TypeTransformerFailedError
    assert str(err).startswith(f"Failed to convert outputs of task '{keyed.name}' at position 0.\n")


def test_a_file_input_gets_its_local_name_from_its_own_seed() -> None:
    lit = blob_literal("s3://b/data.csv", "", False)
    got = lio.inputs_to_python(
        read, _map(f=lit), None, ConversionContext(local_sandbox="/sb", name_seed="s")
    ).unwrap()
    own = to_python(lit, FlyteFile, ConversionContext(local_sandbox="/sb", name_seed="s/in/f")).unwrap()
    shared = to_python(lit, FlyteFile, ConversionContext(local_sandbox="/sb", name_seed="s")).unwrap()
    assert got["f"].path == own.path != shared.path  # the local path it will be downloaded to


@task
def read(f: FlyteFile) -> int:
    return 0


class Opaque:
    """A value only a pickle can carry (``Annotated[Opaque, AllowPickle]``): its input needs the pickle's bytes."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Opaque) and other.n == self.n


PICKLED = typing.Annotated[Opaque, AllowPickle]


@task
def pickles(a: PICKLED, n: int, b: PICKLED, c: PICKLED) -> int:  # type: ignore[valid-type]
    return 0


def _pickle_at(uri: str) -> L.Literal:
    lit = L.Literal()
    lit.scalar.blob.uri = uri
    lit.scalar.blob.metadata.type.format = "PythonPickle"
    return lit


def test_inputs_ask_for_every_blob_once_in_declared_order_then_convert_from_the_bytes() -> None:
    lm = _map(a=_pickle_at("s3://b/a"), n=_int(1), b=_pickle_at("s3://b/shared"), c=_pickle_at("s3://b/shared"))
    needed = lio.inputs_to_python(pickles, lm, None, CTX).failure()
    assert isinstance(needed, BlobsNeeded)
    assert needed.reads == (BlobRead("s3://b/a"), BlobRead("s3://b/shared"))
    blobs = {BlobRead("s3://b/a"): pickle.dumps(Opaque(3)), BlobRead("s3://b/shared"): pickle.dumps(Opaque(4))}
    got = lio.inputs_to_python(pickles, lm, None, ConversionContext(blobs=blobs))
    assert got == Success({"a": Opaque(3), "n": 1, "b": Opaque(4), "c": Opaque(4)})


def test_a_conversion_failure_after_blob_reads_asks_for_the_reads_first() -> None:
    """The fetched bytes decide the failure as in flytekit's order: the reads up to the first failing input."""
    lm = _map(a=_pickle_at("s3://b/a"), n=_str("not an int"), b=_pickle_at("s3://b/b"))
    needed = lio.inputs_to_python(pickles, lm, None, CTX).failure()
    assert isinstance(needed, BlobsNeeded) and needed.reads == (BlobRead("s3://b/a"),)
