"""Build ``inputs.pb`` files with flytekit's own TypeEngine.  Runs in the ORACLE venv only.

Reads one JSON document from stdin::

    {"jobs": [{"path": "/abs/inputs.pb", "inputs": {"a": ["int", "1"], "xs": ["list[int]", "[1, 2]"]}}, ...]}

Each input is ``[python-type-expression, python-value-expression]``; both are evaluated with ``typing``'s names
(``List``, ``Dict``, ``Optional``, ...), ``typing`` itself and ``datetime`` in scope. For every job a serialized
``flyteidl.core.LiteralMap`` is written to ``path`` (parent dirs created). Prints ``{"written": N}`` on success.
Many jobs go in one call because importing flytekit costs about a second.
"""

import datetime
import json
import os
import sys
import typing

from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine
from flytekit.models.literals import LiteralMap


def _namespace() -> dict[str, typing.Any]:
    ns: dict[str, typing.Any] = {name: getattr(typing, name) for name in typing.__all__}
    ns["typing"] = typing
    ns["datetime"] = datetime
    return ns


def build(jobs: list[dict[str, typing.Any]]) -> int:
    ns = _namespace()
    ctx = FlyteContextManager.current_context()
    for job in jobs:
        literals = {}
        for name, (type_expr, value_expr) in job["inputs"].items():
            python_type = eval(type_expr, ns)
            value = eval(value_expr, ns)
            literal_type = TypeEngine.to_literal_type(python_type)
            literals[name] = TypeEngine.to_literal(ctx, value, python_type, literal_type)
        path = job["path"]
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(LiteralMap(literals=literals).to_flyte_idl().SerializeToString())
    return len(jobs)


def main() -> None:
    spec = json.load(sys.stdin)
    print(json.dumps({"written": build(spec["jobs"])}))


if __name__ == "__main__":
    main()
