"""The "raw protobuf floor": the least any entrypoint can do for an echo task, as one process.

Parse ``inputs.pb``, turn the literal into plain Python values, turn them back into a literal and write
``outputs.pb`` (key ``o0``). No type engine, no task, no storage layer, no error handling. Run by
``benchmarks/run.py`` with the benchmark venv's interpreter (same protobuf backend as our entrypoint)::

    python benchmarks/floor.py {add|square_element|list_int|list_opt_int|list_str|dict_str_float|dict_str_str|dataclass_list} INPUTS_PB OUTPUTS_PB

``add`` is the start-up floor (python, flyteidl, one tiny literal each way: ``o0 = a + b``);
``square_element`` the map-task element's (``o0 = x[i] ** 2`` with ``i`` from the array-index variable, as
``pyflyte-map-execute`` reads it).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from flyteidl.core import literals_pb2


@dataclass
class Small:
    a: int
    b: str
    c: float


def _read(path: str) -> literals_pb2.LiteralMap:
    lm = literals_pb2.LiteralMap()
    with open(path, "rb") as f:
        lm.ParseFromString(f.read())
    return lm


def add(lm: literals_pb2.LiteralMap) -> literals_pb2.LiteralMap:
    a = lm.literals["a"].scalar.primitive.integer
    b = lm.literals["b"].scalar.primitive.integer
    out = literals_pb2.LiteralMap()
    out.literals["o0"].scalar.primitive.integer = a + b
    return out


def square_element(lm: literals_pb2.LiteralMap) -> literals_pb2.LiteralMap:
    i = int(os.environ[os.environ.get("BATCH_JOB_ARRAY_INDEX_VAR_NAME", "BATCH_JOB_ARRAY_INDEX")])
    x = lm.literals["x"].collection.literals[i].scalar.primitive.integer
    out = literals_pb2.LiteralMap()
    out.literals["o0"].scalar.primitive.integer = x * x
    return out


def list_int(lm: literals_pb2.LiteralMap) -> literals_pb2.LiteralMap:
    xs = [lit.scalar.primitive.integer for lit in lm.literals["xs"].collection.literals]
    out = literals_pb2.LiteralMap()
    add = out.literals["o0"].collection.literals.add
    for x in xs:
        add().scalar.primitive.integer = x
    return out


def list_opt_int(lm: literals_pb2.LiteralMap) -> literals_pb2.LiteralMap:
    """``List[Optional[int]]``: union literals as flytekit writes them (variant type and tag "int"/"none")."""
    xs = [
        u.value.scalar.primitive.integer if u.value.scalar.HasField("primitive") else None
        for u in (lit.scalar.union for lit in lm.literals["xs"].collection.literals)
    ]
    out = literals_pb2.LiteralMap()
    add = out.literals["o0"].collection.literals.add
    for x in xs:
        union = add().scalar.union
        if x is None:
            union.value.scalar.none_type.SetInParent()
            union.type.simple = 0  # NONE
            union.type.structure.tag = "none"
        else:
            union.value.scalar.primitive.integer = x
            union.type.simple = 1  # INTEGER
            union.type.structure.tag = "int"
    return out


def list_str(lm: literals_pb2.LiteralMap) -> literals_pb2.LiteralMap:
    xs = [lit.scalar.primitive.string_value for lit in lm.literals["xs"].collection.literals]
    out = literals_pb2.LiteralMap()
    add = out.literals["o0"].collection.literals.add
    for x in xs:
        add().scalar.primitive.string_value = x
    return out


def dict_str_float(lm: literals_pb2.LiteralMap) -> literals_pb2.LiteralMap:
    d = {k: v.scalar.primitive.float_value for k, v in lm.literals["d"].map.literals.items()}
    out = literals_pb2.LiteralMap()
    target = out.literals["o0"].map.literals
    for k, v in d.items():
        target[k].scalar.primitive.float_value = v
    return out


def dict_str_str(lm: literals_pb2.LiteralMap) -> literals_pb2.LiteralMap:
    d = {k: v.scalar.primitive.string_value for k, v in lm.literals["d"].map.literals.items()}
    out = literals_pb2.LiteralMap()
    target = out.literals["o0"].map.literals
    for k, v in d.items():
        target[k].scalar.primitive.string_value = v
    return out


def dataclass_list(lm: literals_pb2.LiteralMap) -> literals_pb2.LiteralMap:
    import msgpack

    xs = [Small(**msgpack.unpackb(lit.scalar.binary.value)) for lit in lm.literals["xs"].collection.literals]
    out = literals_pb2.LiteralMap()
    add = out.literals["o0"].collection.literals.add
    packb = msgpack.packb
    for s in xs:
        binary = add().scalar.binary
        binary.value = packb({"a": s.a, "b": s.b, "c": s.c})
        binary.tag = "msgpack"
    return out


KINDS = {
    "add": add,
    "square_element": square_element,
    "list_int": list_int,
    "list_opt_int": list_opt_int,
    "list_str": list_str,
    "dict_str_float": dict_str_float,
    "dict_str_str": dict_str_str,
    "dataclass_list": dataclass_list,
}


def main(argv: list[str]) -> int:
    kind, inputs, outputs = argv
    out = KINDS[kind](_read(inputs))
    with open(outputs, "wb") as f:
        f.write(out.SerializeToString())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
