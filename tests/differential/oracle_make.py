"""flytekit's side of the ``flyte-entrypoint make`` differential test.  Runs in the ORACLE venv only.

The same protocol as ``oracle_inputs.py`` (whose ``build`` it reuses), with ``dc_types`` (the dataclasses
and enums both venvs share) in the namespace the type and value expressions are evaluated in::

    {"jobs": [{"path": "/abs/inputs.pb", "inputs": {"p": ["dc_types.Point", "dc_types.Point(x=1, tags=[])"]}}]}
"""

import typing

import dc_types
import oracle_inputs

_base_namespace = oracle_inputs._namespace


def _namespace() -> dict[str, typing.Any]:
    namespace = _base_namespace()
    namespace["dc_types"] = dc_types
    return namespace


oracle_inputs._namespace = _namespace

if __name__ == "__main__":
    oracle_inputs.main()
