"""Cases shared by ``oracle_types10.py`` (flytekit's side, oracle venv) and ``test_types10_oracle.py`` (ours).

Every case is ``(id, type expression, value expression or None)``, evaluated in a namespace made of a side's
imports (:data:`FLYTEKIT_IMPORTS` / :data:`OURS_IMPORTS`, the same names bound to each side's objects) plus
:data:`COMMON`. Both sides compare the LiteralType, the literal (URIs normalized), and read the other side's
literal back to the same :func:`canon` value.
"""

from __future__ import annotations

import base64
import json
from typing import Any

FLYTEKIT_IMPORTS = r'''
from flytekit import HashMethod, kwtypes
from flytekit.types.file import (FlyteFile, CSVFile, HDF5EncodedFile, HTMLPage, JoblibSerializedFile, JPEGImageFile,
    JSONLFile, ONNXFile, PDFFile, PNGImageFile, PythonNotebook, PythonPickledFile, SVGImageFile, TFRecordFile)
from flytekit.types.directory import FlyteDirectory, TensorboardLogs, TFRecordsDirectory
from flytekit.types.error import FlyteError
'''

OURS_IMPORTS = r'''
from flyte_entrypoint import HashMethod, kwtypes
from flyte_entrypoint import (FlyteFile, CSVFile, HDF5EncodedFile, HTMLPage, JoblibSerializedFile, JPEGImageFile,
    JSONLFile, ONNXFile, PDFFile, PNGImageFile, PythonNotebook, PythonPickledFile, SVGImageFile, TFRecordFile)
from flyte_entrypoint import FlyteDirectory, TensorboardLogs, TFRecordsDirectory
from flyte_entrypoint import FlyteError
'''

COMMON = r'''
import typing
from typing import Annotated, List, Optional, Union
'''

FILE_ALIASES = [
    "CSVFile", "HDF5EncodedFile", "HTMLPage", "JoblibSerializedFile", "JPEGImageFile", "JSONLFile", "ONNXFile",
    "PDFFile", "PNGImageFile", "PythonNotebook", "PythonPickledFile", "SVGImageFile", "TFRecordFile",
]
DIR_ALIASES = ["TensorboardLogs", "TFRecordsDirectory"]

# (id, type, value): value None = type only. "<file>" / "<dir>" in a value stand for the case's local data.
CASES: list[tuple[str, str, str | None]] = [
    *[(f"alias_{a}", a, f"{a}('<file>')") for a in FILE_ALIASES],
    *[(f"alias_{a}", a, f"{a}('<dir>')") for a in DIR_ALIASES],
    *[(f"list_{a}", f"List[{a}]", f"[{a}('<file>')]") for a in ("CSVFile", "PNGImageFile")],
    ("opt_alias", "Optional[JSONLFile]", "JSONLFile('<file>')"),
    ("opt_alias_none", "Optional[JSONLFile]", "None"),
    ("error", "FlyteError", "FlyteError(message='boom', failed_node_id='n1')"),
    ("error_empty", "FlyteError", "FlyteError(message='', failed_node_id='')"),
    ("opt_error", "Optional[FlyteError]", "FlyteError(message='it failed: x', failed_node_id='fn0')"),
    ("opt_error_none", "Optional[FlyteError]", "None"),
    ("error_wrong", "FlyteError", "'not an error'"),
    ("list_error", "List[FlyteError]", "[FlyteError(message='a', failed_node_id='b')]"),
    ("union_error", "Union[int, FlyteError]", "FlyteError(message='u', failed_node_id='v')"),
]

# literal-only read cases: (id, type, python expression building a flyteidl Literal with ``literals_pb2``)
READS: list[tuple[str, str, str]] = [
    ("read_error", "FlyteError", "_error_literal('m', 'node-3')"),
    ("read_error_int", "FlyteError", "_int_literal(3)"),
    ("read_opt_error", "Optional[FlyteError]", "_error_literal('m2', 'node-4')"),
]

LITERAL_HELPERS = r'''
from flyteidl.core import literals_pb2

def _error_literal(message, node):
    lit = literals_pb2.Literal()
    lit.scalar.error.message = message
    lit.scalar.error.failed_node_id = node
    return lit

def _int_literal(n):
    lit = literals_pb2.Literal()
    lit.scalar.primitive.integer = n
    return lit
'''


def namespace_source(imports: str) -> str:
    return imports + COMMON + LITERAL_HELPERS


def canon(value: Any) -> Any:
    """A JSON-able description of a value that both sides' objects map to identically."""
    name = type(value).__name__
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [canon(v) for v in value]
    if isinstance(value, dict):
        return {str(k): canon(v) for k, v in value.items()}
    if name == "FlyteError":
        return {"FlyteError": [value.message, value.failed_node_id]}
    if name == "DataFrame" and hasattr(value, "to_json"):
        return {"df": json.loads(value.to_json(orient="split"))}
    if hasattr(value, "model_dump"):  # pydantic
        return {"model": type(value).__name__, "fields": {k: canon(getattr(value, k)) for k in value.model_fields}}
    if hasattr(value, "__fspath__") and hasattr(value, "extension"):
        import os

        path = value.download()
        if os.path.isdir(path):
            files = {}
            for base, _dirs, names in os.walk(path):
                for n in names:
                    full = os.path.join(base, n)
                    with open(full, "rb") as fh:
                        files[os.path.relpath(full, path)] = base64.b64encode(fh.read()).decode()
            return {"dir": files, "ext": type(value).extension()}
        with open(path, "rb") as fh:
            return {"file": base64.b64encode(fh.read()).decode(), "ext": type(value).extension()}
    raise TypeError(f"no canon for {type(value)}")
