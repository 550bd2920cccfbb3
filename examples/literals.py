"""Tiny helper for the demo: write an inputs.pb from python values, or print a .pb file as text."""

from __future__ import annotations

import json
import sys
from typing import Any


def write_inputs(path: str, spec_json: str) -> None:
    """``spec_json`` maps input name -> [python type expression, value], e.g. {"a": ["int", 2]}."""
    from flyteidl.core import literals_pb2

    from flyte_entrypoint.core.types.engine import to_literal

    lm = literals_pb2.LiteralMap()
    for name, (type_expr, value) in json.loads(spec_json).items():
        tp: Any = eval(
            type_expr, {"list": list, "dict": dict, "int": int, "float": float, "str": str, "bool": bool}
        )
        lm.literals[name].CopyFrom(to_literal(value, tp).unwrap().value)
    with open(path, "wb") as f:
        f.write(lm.SerializeToString())


def show(path: str) -> None:
    from flyteidl.core import errors_pb2, literals_pb2

    with open(path, "rb") as f:
        data = f.read()
    message: Any = (
        errors_pb2.ErrorDocument() if "error" in path.rsplit("/", 1)[-1] else literals_pb2.LiteralMap()
    )
    message.ParseFromString(data)
    print(f"--- {path}\n{message}")


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write_inputs(sys.argv[2], sys.argv[3])
    else:
        for p in sys.argv[2:]:
            show(p)
