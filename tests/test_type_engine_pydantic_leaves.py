"""FlyteSchema / FlyteFile / FlyteDirectory / StructuredDataset fields of pydantic models: how the classes describe
themselves to pydantic (``pydantic_model.leaf_json_schema`` / ``leaf_core_schema``).

Expected JSON schemas and literal types were computed once by flytekit 1.16.31 (``.oracle-venv``) with this venv's
pydantic 2.14 lent to it on ``PYTHONPATH`` (as ``tests/differential/rich_types_cases.pydantic_overlay`` does), for
the same model declared with flytekit's classes (``model_json_schema()`` and
``TypeEngine.to_literal_type(...).structure``), and pinned here so the check needs no oracle.
"""

from __future__ import annotations

import collections
from typing import Any, Optional

import msgpack
import pytest
from flyteidl.core import literals_pb2
from google.protobuf import text_format
from pydantic import BaseModel

from flyte_entrypoint.core.type_engine.engine import literal_type_of, to_python
from flyte_entrypoint.core.type_engine.pydantic_model import leaf_core_schema, leaf_json_schema
from flyte_entrypoint.files import FlyteDirectory, FlyteFile
from flyte_entrypoint.flyte_schema import FlyteSchema
from flyte_entrypoint.structured import StructuredDataset

TypedSchema = FlyteSchema[collections.OrderedDict([("a", int)])]
CsvDirectory = FlyteDirectory["csv"]
CsvFile = FlyteFile["csv"]
JpegFile = FlyteFile["jpeg"]


class Leaves(BaseModel):
    s: FlyteSchema
    t: TypedSchema = None  # type: ignore[valid-type]
    fd: CsvDirectory = None  # type: ignore[valid-type]
    ff: CsvFile = None  # type: ignore[valid-type]
    ff2: JpegFile = None  # type: ignore[valid-type]


def _nullable_str(title: str) -> dict[str, Any]:
    return {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None, "title": title}


_PATH = {"anyOf": [{"type": "string"}, {"format": "path", "type": "string"}], "default": None, "title": "Path"}
_METADATA = {
    "anyOf": [{"additionalProperties": {"type": "string"}, "type": "object"}, {"type": "null"}],
    "default": None,
    "title": "Metadata",
}

# flytekit 1.16.31: Leaves (with flytekit's FlyteSchema, FlyteDirectory, FlyteFile).model_json_schema()
LEAVES_SCHEMA: dict[str, Any] = {
    "$defs": {
        "FlyteSchema": {
            "properties": {"remote_path": _nullable_str("Remote Path")},
            "title": "FlyteSchema",
            "type": "object",
        },
        "_TypedSchema": {
            "properties": {"remote_path": _nullable_str("Remote Path")},
            "title": "_TypedSchema",
            "type": "object",
        },
        "_SpecificFormatClass": {
            "properties": {"metadata": _METADATA, "path": _PATH},
            "title": "_SpecificFormatClass",
            "type": "object",
        },
        "_SpecificFormatDirectoryClass": {
            "properties": {"path": _PATH},
            "title": "_SpecificFormatDirectoryClass",
            "type": "object",
        },
    },
    "properties": {
        "fd": {"$ref": "#/$defs/_SpecificFormatDirectoryClass", "default": None},
        "ff": {"$ref": "#/$defs/_SpecificFormatClass", "default": None},
        "ff2": {"$ref": "#/$defs/_SpecificFormatClass", "default": None},
        "s": {"$ref": "#/$defs/FlyteSchema"},
        "t": {"$ref": "#/$defs/_TypedSchema", "default": None},
    },
    "required": ["s"],
    "title": "Leaves",
    "type": "object",
}
# flytekit 1.16.31: TypeEngine.to_literal_type(Leaves).structure
LEAVES_STRUCTURE = (
    'dataclass_type { key: "fd" value { blob { format: "csv" dimensionality: MULTIPART } } }'
    ' dataclass_type { key: "ff" value { blob { format: "csv" } } }'
    ' dataclass_type { key: "ff2" value { blob { format: "jpeg" } } }'
    ' dataclass_type { key: "s" value { schema { } } }'
    ' dataclass_type { key: "t" value { schema { columns { name: "a" } } } }'
)


def test_schema_and_format_variant_fields_have_flytekits_schemas_and_def_names() -> None:
    """A FlyteSchema is ``FlyteSchema``, a typed one ``_TypedSchema``, a ``FlyteFile[fmt]`` ``_SpecificFormatClass``
    and a ``FlyteDirectory[fmt]`` ``_SpecificFormatDirectoryClass`` (the names of flytekit's classes)."""
    assert Leaves.model_json_schema() == LEAVES_SCHEMA
    lt = literal_type_of(Leaves).unwrap()
    assert text_format.MessageToString(lt.structure, as_one_line=True) == LEAVES_STRUCTURE


def test_the_leaf_schemas_are_fresh_copies() -> None:
    """pydantic may edit what a class hands it: each call answers its own dict, the shared one never changes."""
    first = leaf_json_schema(FlyteSchema)
    first["properties"]["remote_path"]["title"] = "changed"
    assert leaf_json_schema(FlyteSchema) == LEAVES_SCHEMA["$defs"]["FlyteSchema"]


@pytest.mark.parametrize("function", [leaf_json_schema, leaf_core_schema])
@pytest.mark.parametrize("cls", [int, BaseModel, dict])
def test_only_the_leaf_classes_describe_themselves_this_way(function: Any, cls: type) -> None:
    with pytest.raises(TypeError, match=r"is not a FlyteFile, FlyteDirectory, StructuredDataset or FlyteSchema class"):
        function(cls)


class Dataset(BaseModel):
    s: Optional[StructuredDataset] = None


def test_a_leafs_own_conversion_error_while_reading_is_the_failure() -> None:
    """pydantic passes a validator's exceptions other than ValueError/AssertionError through; a ConversionError a
    leaf raises (and BlobsNeeded, which asks the shell for bytes) must stay itself, not become 'Cannot read ...'.

    Here the StructuredDataset leaf refuses a map whose uri is no string, in flytekit's words for the same check
    (``StructuredDataset._deserialize``; flytekit's pydantic path refuses this map too, with pydantic's
    ValidationError on ``s.uri``)."""
    lit = literals_pb2.Literal()
    lit.scalar.binary.value = msgpack.packb({"s": {"uri": 5, "file_format": "parquet"}})
    lit.scalar.binary.tag = "msgpack"
    failure = to_python(lit, Dataset).failure()
    assert (failure.kind, failure.message) == ("ValueError", "StructuredDataset's uri and file format should not be None")
