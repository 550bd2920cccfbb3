"""pydantic v2 models as flytekit 1.16's ``Pydantic Transformer`` writes and reads them.

Expected literal types, bytes and messages were produced by flytekit 1.16.31 with this venv's pydantic lent to
the oracle venv (as ``tests/differential`` does: ``rich_types_cases.pydantic_overlay``). Where pydantic_model.py's
docstring states a deliberate difference, the test says what flytekit does.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import pytest
from flyteidl.core import literals_pb2
from google.protobuf import text_format
from pydantic import BaseModel, ValidationInfo, field_serializer, model_validator

from flyte_entrypoint.core.type_engine.engine import (
    ConversionContext,
    ConversionError,
    Sink,
    default_engine,
    literal_type_of,
    to_literal,
    to_python,
)
from flyte_entrypoint.core.type_engine.pydantic_model import PYDANTIC, is_pydantic_model
from flyte_entrypoint.files import FlyteDirectory, FlyteFile
from flyte_entrypoint.structured import StructuredDataset

OLD = ConversionContext(use_old_dc_format=True)


class M(BaseModel):
    a: int
    b: str = "x"
    c: Optional[List[float]] = None


class Sub(M):
    d: int = 4


class Other(BaseModel):
    a: int


def text(message: Any) -> str:
    return text_format.MessageToString(message, as_one_line=True)


def literal(source: str) -> literals_pb2.Literal:
    return text_format.Parse(source, literals_pb2.Literal())


SCHEMA = (
    'metadata { fields { key: "properties" value { struct_value { fields { key: "a" value { struct_value { fields {'
    ' key: "title" value { string_value: "A" } } fields { key: "type" value { string_value: "integer" } } } } }'
    ' fields { key: "b" value { struct_value { fields { key: "default" value { string_value: "x" } } fields { key:'
    ' "title" value { string_value: "B" } } fields { key: "type" value { string_value: "string" } } } } } fields {'
    ' key: "c" value { struct_value { fields { key: "anyOf" value { list_value { values { struct_value { fields {'
    ' key: "items" value { struct_value { fields { key: "type" value { string_value: "number" } } } } } fields {'
    ' key: "type" value { string_value: "array" } } } } values { struct_value { fields { key: "type" value {'
    ' string_value: "null" } } } } } } } fields { key: "default" value { null_value: NULL_VALUE } } fields { key:'
    ' "title" value { string_value: "C" } } } } } } } } fields { key: "required" value { list_value { values {'
    ' string_value: "a" } } } } fields { key: "title" value { string_value: "M" } } fields { key: "type" value {'
    ' string_value: "object" } } } annotation { annotations { fields { key: "cache-key-metadata" value {'
    ' struct_value { fields { key: "serialization-format" value { string_value: "msgpack" } } } } } } }'
)
STRUCTURE = (
    'structure { dataclass_type { key: "a" value { simple: INTEGER } } dataclass_type { key: "b" value { simple:'
    ' STRING } } dataclass_type { key: "c" value { union_type { variants { collection_type { simple: FLOAT }'
    ' structure { tag: "Typed List" } } variants { simple: NONE structure { tag: "none" } } } } } }'
)


def test_literal_type_is_flytekits() -> None:
    assert text(literal_type_of(M).unwrap()) == "simple: STRUCT " + SCHEMA + " " + STRUCTURE
    assert text(literal_type_of(M).unwrap()) == text(literal_type_of(M).unwrap())


def test_the_union_tag_is_flytekits() -> None:
    variant = literal_type_of(Optional[M]).unwrap().union_type.variants[0]
    assert text(variant) == "simple: STRUCT " + SCHEMA + ' structure { tag: "Pydantic Transformer" }'


M1 = b"\x83\xa1a\x01\xa1b\xa1x\xa1c\x91\xcb?\xf8\x00\x00\x00\x00\x00\x00"
PLAIN = {1: b"\x83\xa1a\x01\xa1b\xa1x\xa1c\xc0", 2: b"\x83\xa1a\x02\xa1b\xa1x\xa1c\xc0"}
SUB2 = b"\x84\xa1a\x02\xa1b\xa1x\xa1c\xc0\xa1d\x04"


def test_writes_flytekits_msgpack() -> None:
    lit = to_literal(M(a=1, c=[1.5]), M).unwrap().value
    assert (lit.scalar.binary.value, lit.scalar.binary.tag) == (M1, "msgpack")


@pytest.mark.parametrize("n", [2, 20])
def test_a_list_is_a_collection_of_each_models_msgpack(n: int) -> None:
    values = [M(a=1 + i % 2) for i in range(n)]
    lit = to_literal(values, List[M]).unwrap().value
    assert [x.scalar.binary.value for x in lit.collection.literals] == [PLAIN[v.a] for v in values]
    assert to_python(lit, List[M]).unwrap() == values


@pytest.mark.parametrize("n", [2, 20])
def test_a_subclass_in_a_list_is_dumped_with_its_own_fields(n: int) -> None:
    values: list[M] = [M(a=1)] * (n - 1) + [Sub(a=2)]
    lit = to_literal(values, List[M]).unwrap().value
    assert lit.collection.literals[n - 1].scalar.binary.value == SUB2
    assert lit.collection.literals[0].scalar.binary.value == PLAIN[1]


def test_reads_msgpack_and_structs() -> None:
    two = literal('scalar { binary { value: "\\202\\241a\\002\\241b\\241y" tag: "msgpack" } }')
    assert to_python(two, M).unwrap() == M(a=2, b="y")
    struct = literal('scalar { generic { fields { key: "a" value { number_value: 3 } } } }')
    assert to_python(struct, M).unwrap() == M(a=3)


def test_a_value_pydantic_refuses_is_its_validation_error() -> None:
    bad = literal('scalar { binary { value: "\\201\\241a\\241z" tag: "msgpack" } }')
    message = str(to_python(bad, M).failure())
    # flytekit: the ValidationError itself
    assert message.startswith(
        "Cannot read M: ValidationError: 1 validation error for M\na\n  Input should be a valid"
    )


def test_another_binary_format_is_refused_in_flytekits_words() -> None:
    bad = literal('scalar { binary { value: "x" tag: "json" } }')
    assert str(to_python(bad, M).failure()) == "Unsupported binary format: `json`"


def test_a_literal_that_is_no_binary_or_struct_is_refused() -> None:
    # flytekit: AttributeError: 'NoneType' object has no attribute 'DESCRIPTOR'
    assert str(to_python(literal("scalar { primitive { integer: 1 } }"), M).failure()) == (
        "Cannot convert a scalar literal to M"
    )
    assert (
        str(to_python(literal("collection { }"), M).failure()) == "Cannot convert a collection literal to M"
    )


def test_a_model_of_another_class_is_refused() -> None:
    # flytekit writes Other's fields under M's name
    assert str(to_literal(Other(a=1), M).failure()) == (
        f"Expected a {__name__}.M, got <class '{__name__}.Other'>"
    )


def test_old_format_is_a_struct_of_the_json_dump() -> None:
    lit = to_literal(M(a=1), M, OLD).unwrap().value
    assert lit.scalar.generic.fields["a"].number_value == 1
    assert lit.scalar.generic.fields["b"].string_value == "x"
    assert to_python(lit, M).unwrap() == M(a=1)
    many = to_literal([M(a=1)] * 20, List[M], OLD).unwrap().value
    assert all(x.scalar.HasField("generic") for x in many.collection.literals)
    assert to_python(many, List[M]).unwrap() == [M(a=1)] * 20


@pytest.mark.parametrize("n", [2, 20])
def test_list_read_errors_name_the_element(n: int) -> None:
    good = literal('scalar { binary { value: "\\201\\241a\\001" tag: "msgpack" } }')
    bad = literal('scalar { binary { value: "\\201\\241a\\241z" tag: "msgpack" } }')
    coll = literals_pb2.Literal()
    for item in [good] * (n - 1) + [bad]:
        coll.collection.literals.add().CopyFrom(item)
    failure = to_python(coll, List[M]).failure()
    assert failure.path == f"[{n - 1}]"
    assert failure.message == to_python(bad, M).failure().message


def test_the_list_codecs_called_directly() -> None:
    engine, sink = default_engine(), Sink(ConversionContext())
    with pytest.raises(ConversionError, match=r"^Expected a list of M, got tuple$"):
        PYDANTIC.to_literal_list((M(a=1),), M, engine, sink)
    with pytest.raises(ConversionError, match=r"^Cannot convert a scalar literal to List\[M\]$"):
        PYDANTIC.to_python_list(literal("scalar { primitive { integer: 1 } }"), M, engine, sink)
    lit = PYDANTIC.to_literal_list([M(a=1)], M, engine, sink)
    assert PYDANTIC.to_python_list(lit, M, engine, sink) == [M(a=1)]


def test_models_are_recognised_by_class_not_instance() -> None:
    assert is_pydantic_model(M) and is_pydantic_model(Sub)
    assert not is_pydantic_model(BaseModel) and not is_pydantic_model(M(a=1)) and not is_pydantic_model(dict)
    assert PYDANTIC.handles(M) and not PYDANTIC.handles(int)
    assert PYDANTIC.name == "Pydantic Transformer"


CsvFile = FlyteFile["csv"]


class Files(BaseModel):
    f: FlyteFile
    d: FlyteDirectory
    s: Optional[StructuredDataset] = None
    csv: Optional[CsvFile] = None  # type: ignore[valid-type]


FILES_SCHEMA: dict[str, Any] = {
    "$defs": {
        "FlyteDirectory": {
            "properties": {
                "path": {
                    "anyOf": [{"type": "string"}, {"format": "path", "type": "string"}],
                    "default": None,
                    "title": "Path",
                }
            },
            "title": "FlyteDirectory",
            "type": "object",
        },
        "FlyteFile": {
            "properties": {
                "metadata": {
                    "anyOf": [
                        {"additionalProperties": {"type": "string"}, "type": "object"},
                        {"type": "null"},
                    ],
                    "default": None,
                    "title": "Metadata",
                },
                "path": {
                    "anyOf": [{"type": "string"}, {"format": "path", "type": "string"}],
                    "default": None,
                    "title": "Path",
                },
            },
            "title": "FlyteFile",
            "type": "object",
        },
        "StructuredDataset": {
            "description": "This is the user facing StructuredDataset class. Please "
            "don't confuse it with the literals.StructuredDataset\n"
            "class (that is just a model, a Python class representation "
            "of the protobuf).",
            "properties": {
                "file_format": {
                    "anyOf": [{"type": "string"}, {"type": "null"}],
                    "default": "",
                    "title": "File Format",
                },
                "uri": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None, "title": "Uri"},
            },
            "title": "StructuredDataset",
            "type": "object",
        },
        "_SpecificFormatClass": {
            "properties": {
                "metadata": {
                    "anyOf": [
                        {"additionalProperties": {"type": "string"}, "type": "object"},
                        {"type": "null"},
                    ],
                    "default": None,
                    "title": "Metadata",
                },
                "path": {
                    "anyOf": [{"type": "string"}, {"format": "path", "type": "string"}],
                    "default": None,
                    "title": "Path",
                },
            },
            "title": "_SpecificFormatClass",
            "type": "object",
        },
    },
    "properties": {
        "csv": {"anyOf": [{"$ref": "#/$defs/_SpecificFormatClass"}, {"type": "null"}], "default": None},
        "d": {"$ref": "#/$defs/FlyteDirectory"},
        "f": {"$ref": "#/$defs/FlyteFile"},
        "s": {"anyOf": [{"$ref": "#/$defs/StructuredDataset"}, {"type": "null"}], "default": None},
    },
    "required": ["f", "d"],
    "title": "Files",
    "type": "object",
}


def test_file_directory_and_dataset_fields_have_flytekits_schemas() -> None:
    from google.protobuf import json_format

    assert json_format.MessageToDict(literal_type_of(Files).unwrap().metadata) == FILES_SCHEMA


def test_file_fields_are_written_as_flytekits_path_maps_and_read_back() -> None:
    import msgpack  # the map below is what flytekit 1.16.31 packs for the same value

    value = Files(f=FlyteFile("s3://b/f.txt"), d=FlyteDirectory("s3://b/d"))
    lit = to_literal(value, Files).unwrap().value
    assert msgpack.unpackb(lit.scalar.binary.value) == {
        "f": {"path": "s3://b/f.txt"},
        "d": {"path": "s3://b/d"},
        "s": None,
        "csv": None,
    }
    back = to_python(lit, Files).unwrap()
    assert back.f.remote_source == "s3://b/f.txt" and back.d.remote_source == "s3://b/d"


# ---- literal types: fields flytekit leaves out, models without fields ----------------------------------------------


class Empty(BaseModel):
    pass


class TupleFirst(BaseModel):
    t: Tuple[int, str] = (1, "a")
    a: int = 0


CACHE_KEY = (
    'annotation { annotations { fields { key: "cache-key-metadata" value { struct_value { fields { key:'
    ' "serialization-format" value { string_value: "msgpack" } } } } } } }'
)


def test_a_model_without_fields_still_has_a_structure() -> None:
    # flytekit 1.16.31: TypeEngine.to_literal_type(Empty)
    assert text(literal_type_of(Empty).unwrap()) == (
        'simple: STRUCT metadata { fields { key: "properties" value { struct_value { } } } fields { key: "title" value'
        ' { string_value: "Empty" } } fields { key: "type" value { string_value: "object" } } } '
        + CACHE_KEY
        + " structure { }"
    )


def test_a_field_without_a_literal_type_is_left_out_and_the_next_ones_kept() -> None:
    # flytekit 1.16.31 logs "Field t of type typing.Tuple[int, str] cannot be converted" and leaves it out
    lt = literal_type_of(TupleFirst).unwrap()
    assert text(lt.structure) == 'dataclass_type { key: "a" value { simple: INTEGER } }'
    assert lt.metadata["properties"]["t"]["prefixItems"][1]["type"] == "string"  # the schema still describes it


# ---- reading: flytekit's context, map keys, lax JSON mode ------------------------------------------------------------


def packed(obj: Any, tag: str = "msgpack") -> literals_pb2.Literal:
    import msgpack

    lit = literals_pb2.Literal()
    lit.scalar.binary.value = msgpack.packb(obj)
    lit.scalar.binary.tag = tag
    return lit


class Keys(BaseModel):
    d: Dict[int, str] = {}
    a: int = 0


def test_validators_see_flytekits_deserialize_context() -> None:
    seen: list[Any] = []

    class Looks(BaseModel):
        a: int

        @model_validator(mode="before")
        @classmethod
        def look(cls, data: Any, info: ValidationInfo) -> Any:
            seen.append(info.context)
            return data

    value = to_python(packed({"a": 1}), Looks).unwrap()
    # flytekit 1.16.31 validates with context={"deserialize": True} (what its own FlyteFile validators check)
    assert [{k: v for k, v in c.items() if k == "deserialize"} for c in seen] == [{"deserialize": True}]
    assert value.a == 1


def test_int_map_keys_and_lax_values_read_as_flytekit_reads_them() -> None:
    # flytekit 1.16.31: msgpack.loads(..., strict_map_key=False), then model_validate_json(..., strict=False)
    assert to_python(packed({"d": {1: "x"}, "a": "2"}), Keys).unwrap() == Keys(d={1: "x"}, a=2)


# ---- writing failures ----------------------------------------------------------------------------------------------


class Unserializable(BaseModel):
    a: int

    @field_serializer("a")
    def ser(self, v: int) -> int:
        raise ValueError("boom")


def test_a_model_pydantic_cannot_serialize_fails_with_pydantics_error() -> None:
    # flytekit 1.16.31 raises the PydanticSerializationError itself, with this text
    assert str(to_literal(Unserializable(a=1), Unserializable).failure()) == (
        "Cannot serialize Unserializable: PydanticSerializationError: Error serializing to JSON:"
        " PydanticSerializationError: Error calling function `ser`: ValueError: boom"
    )


@pytest.mark.parametrize("n", [2, 20])
def test_list_write_errors_name_the_element(n: int) -> None:
    # flytekit 1.16.31: msgpack.dumps raises OverflowError("Integer value out of range") for M(a=2**70)
    too_big = to_literal([M(a=1)] * (n - 1) + [M(a=2**70)], List[M]).failure()
    assert too_big.path.startswith(f"[{n - 1}]") and too_big.message.endswith("Integer value out of range")
    other = to_literal([M(a=1)] * (n - 1) + [Other(a=1)], List[M]).failure()
    assert (other.path, other.message) == (f"[{n - 1}]", f"Expected a {__name__}.M, got <class '{__name__}.Other'>")


@pytest.mark.parametrize("n", [2, 20])
def test_a_list_of_subclass_instances_keeps_their_fields(n: int) -> None:
    # flytekit 1.16.31 dumps each element with its own model_dump_json: Sub's field d is written
    lit = to_literal([Sub(a=2)] * n, List[M]).unwrap().value
    assert [x.scalar.binary.value for x in lit.collection.literals] == [SUB2] * n


def test_an_empty_list_in_the_old_format_is_an_empty_collection() -> None:
    # flytekit 1.16.31 with FLYTE_USE_OLD_DC_FORMAT=true: TypeEngine.to_literal(ctx, [], List[M], ...)
    assert text(to_literal([], List[M], OLD).unwrap().value) == "collection { }"
    engine, sink = default_engine(), Sink(OLD)
    assert text(PYDANTIC.to_literal_list([], M, engine, sink)) == "collection { }"


@pytest.mark.parametrize("n", [2, 20])
def test_a_list_element_in_another_binary_format_is_refused(n: int) -> None:
    """Even when its bytes happen to be msgpack (flytekit checks the tag of each element first)."""
    coll = literals_pb2.Literal()
    for item in [packed({"a": 1})] * (n - 1) + [packed({"a": 1}, tag="json")]:
        coll.collection.literals.add().CopyFrom(item)
    failure = to_python(coll, List[M]).failure()
    assert (failure.path, failure.message) == (f"[{n - 1}]", "Unsupported binary format: `json`")


# ---- the bulk list paths are taken (they are only faster: the per-element paths give the same values) -----------


def test_a_list_of_exactly_the_model_is_dumped_in_one_pydantic_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """pydantic_model.write_list: every element exactly ``tp`` -> one ``TypeAdapter(list[tp]).dump_json``."""
    monkeypatch.setattr(PYDANTIC, "_dump", lambda *a: pytest.fail("dumped element by element"))
    lit = PYDANTIC.to_literal_list([M(a=1), M(a=2)], M, default_engine(), Sink(ConversionContext()))
    assert [x.scalar.binary.value for x in lit.collection.literals] == [PLAIN[1], PLAIN[2]]


def test_a_list_of_msgpack_binaries_is_read_in_one_pydantic_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """pydantic_model.to_python_list: one ``validate_json`` over all elements, with the same int map keys and lax
    values as the per-element path (flytekit's ``strict_map_key=False`` and ``strict=False``)."""
    coll = literals_pb2.Literal()
    for item in [packed({"d": {1: "x"}, "a": "2"}), packed({"a": 3})]:
        coll.collection.literals.add().CopyFrom(item)
    monkeypatch.setattr(PYDANTIC, "_validate", lambda *a: pytest.fail("read element by element"))
    out = PYDANTIC.to_python_list(coll, Keys, default_engine(), Sink(ConversionContext()))
    assert out == [Keys(d={1: "x"}, a=2), Keys(a=3)]


def test_models_are_recognised_by_pydantics_own_base_class() -> None:
    foreign = type("BaseModel", (), {})  # named BaseModel, but not pydantic's
    assert is_pydantic_model(type("NotAModel", (foreign,), {})) is False
    assert is_pydantic_model(M(a=1)) is False and is_pydantic_model(M) is True
