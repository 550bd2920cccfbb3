"""json_schema.py: the JSON schema flytekit 1.16 stores in a dataclass's LiteralType metadata.

Every expected schema below was produced by flytekit 1.16.31 (mashumaro's ``build_json_schema``), read back from
``TypeEngine.to_literal_type(DC).metadata`` for a dataclass ``DC`` with the one field ``x: T``; numbers are
compared as the Struct stores them (doubles).
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import os
import pathlib
import uuid
from dataclasses import field
from typing import Any, Dict, FrozenSet, List, Literal, Optional, Set, Tuple, TypeVar, Union

import pytest
from google.protobuf import json_format

from flyte_entrypoint.core.type_engine.engine import literal_type_of
from flyte_entrypoint.files import FlyteDirectory as FILE_DIR
from flyte_entrypoint.files import FlyteFile as FILE
from flyte_entrypoint.flyte_schema import FlyteSchema
from flyte_entrypoint.structured import StructuredDataset as SD

DIR = FILE_DIR


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclasses.dataclass
class Inner:
    a: int
    b: str = "x"


@dataclasses.dataclass
class Node:
    v: int
    nxt: Optional[Node] = None


INNER = {
    "additionalProperties": False,
    "properties": {"a": {"type": "integer"}, "b": {"default": "x", "type": "string"}},
    "required": ["a"],
    "title": "Inner",
    "type": "object",
}

CASES: dict[str, Any] = {
    "tuple_inner_inner": Tuple[Inner, Inner],
    "bytearray": bytearray,
    "schema": FlyteSchema,
    "int": int,
    "float": float,
    "bool": bool,
    "str": str,
    "none": type(None),
    "any": Any,
    "datetime": datetime.datetime,
    "date": datetime.date,
    "time": datetime.time,
    "timedelta": datetime.timedelta,
    "bytes": bytes,
    "decimal": decimal.Decimal,
    "uuid": uuid.UUID,
    "path": pathlib.Path,
    "purepath": pathlib.PurePosixPath,
    "pathlike": os.PathLike,
    "enum": Color,
    "lit1": Literal["a"],
    "litn": Literal["a", 1, True],
    "lit_float": Literal[1.5, 2.5],
    "lit_float1": Literal[1.5],
    "lit_enum": Literal[Color.RED],
    "lit_enums": Literal[Color.RED, Color.BLUE, "x"],
    "lit_bytes": Literal[b"ab", "s"],
    "lit_mixed": Literal[1.5, "a"],
    "list_int": List[int],
    "list": list,
    "list_any": List[Any],
    "set_int": Set[int],
    "frozenset_str": FrozenSet[str],
    "set": set,
    "tuple_var": Tuple[int, ...],
    "tuple_two": Tuple[int, str],
    "tuple": tuple,
    "tuple_empty": Tuple[()],
    "dict_str_int": Dict[str, int],
    "dict": dict,
    "dict_int_any": Dict[int, Any],
    "dict_any_int": Dict[Any, int],
    "optional_int": Optional[int],
    "union3": Union[int, str, None],
    "inner": Inner,
    "list_inner": List[Inner],
    "file": FILE,
    "dir": DIR,
    "sd": SD,
}

EXPECTED: dict[str, Any] = {
    # mashumaro (flytekit 1.16, oracle venv): enum members by value, bytes as base64 with its newline, floats dropped
    "lit_float": {"enum": []},
    "lit_float1": {"enum": []},
    "lit_enum": {"const": "red"},
    "lit_enums": {"enum": ["red", "blue", "x"]},
    "lit_bytes": {"enum": ["YWI=\n", "s"]},
    "lit_mixed": {"const": "a"},
    "tuple_inner_inner": {"maxItems": 2, "minItems": 2, "prefixItems": [INNER, INNER], "type": "array"},
    "bytearray": {"format": "base64", "type": "string"},
    "schema": {
        "additionalProperties": False,
        "properties": {"remote_path": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}},
        "title": "FlyteSchema",
        "type": "object",
    },
    "any": {},
    "bool": {"type": "boolean"},
    "bytes": {"format": "base64", "type": "string"},
    "date": {"format": "date", "type": "string"},
    "datetime": {"format": "date-time", "type": "string"},
    "decimal": {"format": "decimal", "type": "string"},
    "dict": {"type": "object"},
    "dict_any_int": {"additionalProperties": {"type": "integer"}, "type": "object"},
    "dict_int_any": {"propertyNames": {"type": "integer"}, "type": "object"},
    "dict_str_int": {
        "additionalProperties": {"type": "integer"},
        "propertyNames": {"type": "string"},
        "type": "object",
    },
    "dir": {
        "additionalProperties": False,
        "properties": {
            "path": {"anyOf": [{"type": "string"}, {"format": "path", "type": "string"}], "default": None}
        },
        "title": "FlyteDirectory",
        "type": "object",
    },
    "enum": {"enum": ["red", "blue"]},
    "file": {
        "additionalProperties": False,
        "properties": {
            "metadata": {
                "anyOf": [
                    {
                        "additionalProperties": {"type": "string"},
                        "propertyNames": {"type": "string"},
                        "type": "object",
                    },
                    {"type": "null"},
                ],
                "default": None,
            },
            "path": {"anyOf": [{"type": "string"}, {"format": "path", "type": "string"}], "default": None},
        },
        "title": "FlyteFile",
        "type": "object",
    },
    "float": {"type": "number"},
    "frozenset_str": {"items": {"type": "string"}, "type": "array", "uniqueItems": True},
    "inner": {
        "additionalProperties": False,
        "properties": {"a": {"type": "integer"}, "b": {"default": "x", "type": "string"}},
        "required": ["a"],
        "title": "Inner",
        "type": "object",
    },
    "int": {"type": "integer"},
    "list": {"type": "array"},
    "list_any": {"type": "array"},
    "list_inner": {
        "items": {
            "additionalProperties": False,
            "properties": {"a": {"type": "integer"}, "b": {"default": "x", "type": "string"}},
            "required": ["a"],
            "title": "Inner",
            "type": "object",
        },
        "type": "array",
    },
    "list_int": {"items": {"type": "integer"}, "type": "array"},
    "lit1": {"const": "a"},
    "litn": {"enum": ["a", 1, True]},
    "none": {"type": "null"},
    "optional_int": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
    "path": {"format": "path", "type": "string"},
    "pathlike": {"format": "path", "type": "string"},
    "purepath": {"format": "path", "type": "string"},
    "sd": {
        "additionalProperties": False,
        "properties": {
            "file_format": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": ""},
            "uri": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
        },
        "title": "StructuredDataset",
        "type": "object",
    },
    "set": {"type": "array", "uniqueItems": True},
    "set_int": {"items": {"type": "integer"}, "type": "array", "uniqueItems": True},
    "str": {"type": "string"},
    "time": {"format": "time", "type": "string"},
    "timedelta": {"format": "time-delta", "type": "number"},
    "tuple": {"type": "array"},
    "tuple_empty": {"maxItems": 0, "type": "array"},
    "tuple_two": {
        "maxItems": 2,
        "minItems": 2,
        "prefixItems": [{"type": "integer"}, {"type": "string"}],
        "type": "array",
    },
    "tuple_var": {"items": {"type": "integer"}, "type": "array"},
    "union3": {"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]},
    "uuid": {"format": "uuid", "type": "string"},
}

NODE_EXPECTED: dict[str, Any] = {
    "$defs": {
        "Node": {
            "additionalProperties": False,
            "properties": {
                "nxt": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}], "default": None},
                "v": {"type": "integer"},
            },
            "required": ["v"],
            "title": "Node",
            "type": "object",
        }
    },
    "$ref": "#/$defs/Node",
}


def metadata(cls: type) -> dict[str, Any]:
    return json_format.MessageToDict(literal_type_of(cls).unwrap().metadata)


@pytest.mark.parametrize("name", sorted(CASES))
def test_field_schema_is_flytekits(name: str) -> None:
    dc = dataclasses.make_dataclass("DC", [("x", CASES[name])])
    assert metadata(dc)["properties"]["x"] == EXPECTED[name]


def test_a_recursive_dataclass_refers_to_its_definition() -> None:
    assert metadata(Node) == NODE_EXPECTED


T = TypeVar("T")


class Red(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class D:
    a: int = 1
    b: datetime.datetime = datetime.datetime(2024, 1, 1)
    c: Red = Red.RED
    d: bytes = b"hi"
    e: List[int] = field(default_factory=list)
    f: int = field(default=2, metadata={"description": "the f"})
    g: int = field(init=False, default=0)
    h: Optional[str] = None
    i: Tuple[int, str] = (1, "a")
    j: datetime.timedelta = datetime.timedelta(seconds=90)
    k: Literal["a", None] = None


@dataclasses.dataclass
class TV:
    x: T  # type: ignore[valid-type]


@dataclasses.dataclass
class NoneField:
    x: None


WHOLE: dict[str, Any] = {
    "D": {
        "additionalProperties": False,
        "properties": {
            "a": {"default": 1, "type": "integer"},
            "b": {"default": "2024-01-01T00:00:00", "format": "date-time", "type": "string"},
            "c": {"default": "red", "enum": ["red"]},
            "d": {"default": "aGk=\n", "format": "base64", "type": "string"},
            "e": {"items": {"type": "integer"}, "type": "array"},
            "f": {"default": 2, "description": "the f", "type": "integer"},
            "h": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
            "i": {
                "default": [1, "a"],
                "maxItems": 2,
                "minItems": 2,
                "prefixItems": [{"type": "integer"}, {"type": "string"}],
                "type": "array",
            },
            "j": {"default": 90, "format": "time-delta", "type": "number"},
            "k": {"default": None, "enum": ["a", None]},
        },
        "title": "D",
        "type": "object",
    },
    "NoneField": {
        "additionalProperties": False,
        "properties": {"x": {"type": "null"}},
        "required": ["x"],
        "title": "NoneField",
        "type": "object",
    },
    "TV": {
        "additionalProperties": False,
        "properties": {"x": {}},
        "required": ["x"],
        "title": "TV",
        "type": "object",
    },
}


@pytest.mark.parametrize("cls", [D, TV, NoneField], ids=lambda c: c.__name__)
def test_defaults_descriptions_init_fields_and_typevars_are_flytekits(cls: type) -> None:
    assert metadata(cls) == WHOLE[cls.__name__]
