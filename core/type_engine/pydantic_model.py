"""pydantic v2 ``BaseModel`` <-> msgpack ``binary`` literals, as flytekit 1.16's ``Pydantic Transformer``.

* **Type.** ``simple: STRUCT``, ``metadata`` = ``Model.model_json_schema()``, ``structure.dataclass_type`` = the
  LiteralType of each field's annotation (fields without one are left out, as flytekit does after logging), and
  the msgpack cache-key annotation.
* **Output.** The msgpack of ``json.loads(model_dump_json())`` (flytekit's), packed by ``msgpack_wire.py``; a whole ``List[Model]`` is built as
  one collection of binaries. With ``FLYTE_USE_OLD_DC_FORMAT`` the JSON dump as a ``generic`` Struct.
* **Input.** msgpack (or a Struct) -> JSON text -> ``Model.model_validate_json(..., strict=False)``, flytekit's
  lax JSON-mode validation, so values read exactly as flytekit reads them.

``FlyteFile`` / ``FlyteDirectory`` / ``StructuredDataset`` / ``FlyteSchema`` fields serialize as flytekit's do
(``{"path": uri}``, ``{"uri", "file_format"}``, ``{"remote_path"}``): the classes describe themselves to pydantic through :func:`leaf_core_schema` /
:func:`leaf_json_schema` (flytekit's schema, ``$defs`` entries named after the class), and their conversion runs
through the type engine, whose engine and sink they receive in the pydantic context of our own dump/validate
calls (``context=``, key ``flyte_entrypoint.conversion``; validation keeps flytekit's ``"deserialize": True``):
uploads are planned like any other output's. (Needs pydantic >= 2.7, where serialization takes a context.)

Difference from flytekit (deliberate): a model of another class than the declared one is refused (flytekit writes
its fields under the declared type's name, and the reader then fails or misreads).

pydantic is never imported here: models are recognised by class name, and the model class itself (which the task
imported) does the work. ``pydantic_core`` is imported only by :func:`leaf_core_schema`, which pydantic itself
calls.

Errors: what pydantic raises becomes a ``ConversionError`` naming the model ("Cannot serialize M: ...", "Cannot
read M: ..."), except a ``ConversionError`` a leaf raises while reading (``BlobsNeeded`` included), which is the
failure as it is (pydantic passes a validator's exceptions other than ValueError/AssertionError through; it wraps
every exception a serializer raises). In a list, the failing element's index is named (``[3]``).

Laws:

* round trip of generated models (``property_tests/test_rich_types_laws.py::test_pydantic_round_trip``) and, for
  lists, the bulk path equals the per-element one
  (``test_rich_types_laws.py::test_pydantic_list_round_trip_and_bulk_equals_per_element``);
* a leaf class's JSON schema is its kind's schema under flytekit's class name (``FlyteFile[fmt]`` ->
  ``_SpecificFormatClass``, ``FlyteDirectory[fmt]`` -> ``_SpecificFormatDirectoryClass``, ``FlyteSchema[cols]`` ->
  ``_TypedSchema``) (``property_tests/test_pydantic_leaf_laws.py``);
* a model's literal type is deterministic, always has a ``structure``, and ``structure.dataclass_type`` holds each
  field's literal type, leaving out the fields that have none
  (``test_pydantic_leaf_laws.py::test_the_structure_holds_each_fields_literal_type_and_leaves_out_the_rest``).
"""

from __future__ import annotations

import json
from typing import Any, Final

from flyteidl.core import literals_pb2, types_pb2
from google.protobuf import json_format

from flyte_entrypoint.core.type_engine import leaf_codecs, msgpack_wire, type_shapes
from flyte_entrypoint.core.type_engine.engine import ConversionError, Engine, Sink

__all__ = ["PYDANTIC", "PydanticTransformer", "is_pydantic_model", "leaf_core_schema", "leaf_json_schema"]

# flytekit's classes are pydantic dataclasses; their schemas are part of every model LiteralType that uses them.
# (pydantic sorts the keys of a JSON schema; each one's "title" is its ``$defs`` name, set by leaf_json_schema.)
_NULLABLE_STR = [{"type": "string"}, {"type": "null"}]
_PATH = {"title": "Path", "anyOf": [{"type": "string"}, {"type": "string", "format": "path"}], "default": None}
_LEAF_SCHEMAS: dict[str, dict[str, Any]] = {
    "file": {
        "type": "object",
        "properties": {
            "path": _PATH,
            "metadata": {
                "title": "Metadata",
                "anyOf": [{"type": "object", "additionalProperties": {"type": "string"}}, {"type": "null"}],
                "default": None,
            },
        },
    },
    "directory": {"type": "object", "properties": {"path": _PATH}},
    "structured": {
        "type": "object",
        # the docstring of flytekit's class, which pydantic puts in the schema: a wire-format fact
        "description": "This is the user facing StructuredDataset class. Please don't confuse it with the "
        "literals.StructuredDataset\nclass (that is just a model, a Python class representation of the protobuf).",
        "properties": {
            "file_format": {"title": "File Format", "anyOf": _NULLABLE_STR, "default": ""},
            "uri": {"title": "Uri", "anyOf": _NULLABLE_STR, "default": None},
        },
    },
    "schema": {
        "type": "object",
        "properties": {"remote_path": {"default": None, "anyOf": _NULLABLE_STR, "title": "Remote Path"}},
    },
}
_REFS = {"file": "FlyteFile", "directory": "FlyteDirectory", "structured": "StructuredDataset", "schema": "FlyteSchema"}


def is_pydantic_model(tp: Any) -> bool:
    """A pydantic v2 ``BaseModel`` subclass (recognised without importing pydantic)."""
    if not isinstance(tp, type):
        return False
    return any(k.__name__ == "BaseModel" and k.__module__ == "pydantic.main" for k in tp.__mro__[1:])


def leaf_core_schema(cls: type) -> Any:
    """The pydantic-core schema of a FlyteFile / FlyteDirectory / StructuredDataset / FlyteSchema class (called by
    pydantic).

    Validation takes an instance as it is, or flytekit's serialized map (read through the type engine);
    serialization writes flytekit's map (through the type engine, which plans the upload)."""
    from pydantic_core import core_schema

    kind = type_shapes.blob_kind(cls)
    encode = leaf_codecs.leaf_encoder(cls)
    decode = leaf_codecs.leaf_decoder(cls)
    if kind is None or encode is None or decode is None:
        raise TypeError(f"{cls} is not a FlyteFile, FlyteDirectory, StructuredDataset or FlyteSchema class")
    enc, dec = encode, decode

    def validate(value: Any, info: Any) -> Any:
        if isinstance(value, cls):
            return value
        return dec(value, _conversion_in(info.context))

    def serialize(value: Any, info: Any) -> Any:
        return enc(value, _conversion_in(info.context))

    return core_schema.with_info_plain_validator_function(
        validate,
        serialization=core_schema.plain_serializer_function_ser_schema(serialize, info_arg=True),
        # unique per class (pydantic shares one core definition per ref), named as flytekit's class in the schema
        ref=f"{_def_name(cls, kind)}:{id(cls)}",
    )


_CONVERSION_KEY: Final = "flyte_entrypoint.conversion"
"""The key of the (engine, sink) :class:`~leaf_codecs.Conversion` in the pydantic context of our own dump and
validate calls: how the FlyteFile-like leaves get them, explicitly, through pydantic (no per-thread state)."""


def _conversion_in(context: Any) -> leaf_codecs.Conversion | None:
    found = context.get(_CONVERSION_KEY) if isinstance(context, dict) else None
    return found if isinstance(found, leaf_codecs.Conversion) else None


def _dump_context(engine: Engine, sink: Sink) -> dict[str, Any]:
    return {_CONVERSION_KEY: leaf_codecs.Conversion(engine, sink)}


def _load_context(engine: Engine, sink: Sink) -> dict[str, Any]:
    """flytekit's ``{"deserialize": True}`` (models' validators may read it) plus the conversion."""
    return {"deserialize": True, _CONVERSION_KEY: leaf_codecs.Conversion(engine, sink)}


def _def_name(cls: type, kind: str) -> str:
    """The ``$defs`` name (and title) flytekit's class has: its format variants are classes named
    ``_SpecificFormatClass`` (files) / ``_SpecificFormatDirectoryClass`` (directories)."""
    leaf: Any = cls  # when kind is "file" / "directory", a FlyteFile / FlyteDirectory class: it has extension()
    if kind in _VARIANT_NAMES and leaf.extension():
        return _VARIANT_NAMES[kind]
    if kind == "schema" and cls.__name__ == "_TypedSchema":
        return "_TypedSchema"
    return _REFS[kind]


_VARIANT_NAMES = {"file": "_SpecificFormatClass", "directory": "_SpecificFormatDirectoryClass"}


def leaf_json_schema(cls: type) -> dict[str, Any]:
    kind = type_shapes.blob_kind(cls)
    if kind is None:
        raise TypeError(f"{cls} is not a FlyteFile, FlyteDirectory, StructuredDataset or FlyteSchema class")
    schema: dict[str, Any] = json.loads(json.dumps(_LEAF_SCHEMAS[kind]))
    schema["title"] = _def_name(cls, kind)
    return schema


class PydanticTransformer:
    name = "Pydantic Transformer"

    def __init__(self) -> None:
        self._literal_types: dict[type, types_pb2.LiteralType] = {}

    def handles(self, tp: Any) -> bool:
        return is_pydantic_model(tp)

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        cached = self._literal_types.get(tp)
        if cached is None:
            cached = msgpack_wire.struct_literal_type()
            json_format.Parse(json.dumps(tp.model_json_schema()), cached.metadata)
            cached.structure.SetInParent()
            for name, info in tp.model_fields.items():
                try:
                    field_lt = engine.literal_type(info.annotation)
                except Exception:  # flytekit leaves out (after logging) a field whose type fails, whatever it raises
                    continue
                cached.structure.dataclass_type[name].CopyFrom(field_lt)
            self._literal_types[tp] = cached
        out = types_pb2.LiteralType()
        out.CopyFrom(cached)
        return out

    # ---- python -> literal -----------------------------------------------------------------------------------

    def _dump(self, value: Any, tp: Any, context: dict[str, Any]) -> Any:
        if not isinstance(value, tp):
            raise ConversionError(f"Expected a {tp.__module__}.{tp.__qualname__}, got {type(value)}")
        try:
            # the JSON text, not model_dump(mode="json"): non-finite floats follow the model's ser_json_inf_nan
            return json.loads(value.model_dump_json(context=context))
        except Exception as exc:  # a leaf's ConversionError too: pydantic wraps what serializers raise
            raise ConversionError(f"Cannot serialize {tp.__qualname__}: {type(exc).__name__}: {exc}") from exc

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        obj = self._dump(value, tp, _dump_context(engine, sink))
        if sink.context.use_old_dc_format:
            return msgpack_wire.struct_literal(obj, tp)
        return msgpack_wire.binary_literal(msgpack_wire.pack_builtins(obj, tp))

    def write_list(self, values: Any, tp: Any, engine: Engine, sink: Sink, target: literals_pb2.Literal) -> None:
        """A whole ``List[Model]`` as one collection of msgpack binaries (the list transformer's bulk path).

        When every element is exactly ``tp`` the list is dumped in one pydantic call (``TypeAdapter(list[tp])
        .dump_json``, the same serializer as each ``model_dump_json``) and parsed once; otherwise element by
        element, so a subclass is dumped with its own fields as flytekit does."""
        if type(values) is not list:
            raise ConversionError(f"Expected a list of {tp.__qualname__}, got {type(values).__name__}")
        old = sink.context.use_old_dc_format
        context = _dump_context(engine, sink)
        objs: list[Any] | None = None
        if not old and all(type(v) is tp for v in values):
            try:
                objs = json.loads(_list_adapter(tp).dump_json(values, context=context))
            except Exception:
                objs = None  # the element path names the failing element
        if objs is None:
            objs = []
            for i, v in enumerate(values):
                try:
                    objs.append(self._dump(v, tp, context))
                except ConversionError as exc:
                    raise exc.under(f"[{i}]") from None
        if old:
            target.collection.SetInParent()
            for obj in objs:
                target.collection.literals.add().CopyFrom(msgpack_wire.struct_literal(obj, tp))
            return
        payloads = []
        for i, obj in enumerate(objs):
            try:
                payloads.append(msgpack_wire.pack_builtins(obj, tp))
            except ConversionError as exc:
                raise exc.under(f"[{i}]") from None
        target.MergeFromString(msgpack_wire.collection_of_binaries(payloads))

    def to_literal_list(self, values: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        lit = literals_pb2.Literal()
        self.write_list(values, tp, engine, sink, lit)
        return lit

    # ---- literal -> python -----------------------------------------------------------------------------------

    def _json_text(self, literal: literals_pb2.Literal, tp: Any) -> str:
        if literal.WhichOneof("value") == "scalar":
            scalar = literal.scalar
            kind = scalar.WhichOneof("value")
            if kind == "binary":
                if scalar.binary.tag != msgpack_wire.MSGPACK:
                    raise ConversionError(f"Unsupported binary format: `{scalar.binary.tag}`")
                import msgpack

                return json.dumps(msgpack.loads(scalar.binary.value, strict_map_key=False))
            if kind == "generic":
                text: str = json_format.MessageToJson(scalar.generic)
                return text
        raise ConversionError(f"Cannot convert a {literal.WhichOneof('value')} literal to {tp.__qualname__}")

    def _validate(self, text: str, tp: Any, context: dict[str, Any]) -> Any:
        try:
            return tp.model_validate_json(text, strict=False, context=context)
        except ConversionError:
            raise
        except Exception as exc:
            raise ConversionError(f"Cannot read {tp.__qualname__}: {type(exc).__name__}: {exc}") from exc

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        text = self._json_text(literal, tp)
        return self._validate(text, tp, _load_context(engine, sink))

    def to_python_list(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> list[Any]:
        """``List[Model]`` in one pydantic call over the JSON text of all elements (same lax JSON-mode rules as
        one ``model_validate_json`` each); on any failure, element by element, to name the failing index."""
        if not literal.HasField("collection"):
            raise ConversionError(f"Cannot convert a {literal.WhichOneof('value')} literal to List[{tp.__qualname__}]")
        items = literal.collection.literals
        context = _load_context(engine, sink)
        try:
            import msgpack

            unpack = msgpack.loads
            objs = []
            for item in items:
                binary = item.scalar.binary
                if binary.tag != msgpack_wire.MSGPACK:
                    raise ValueError  # never shown: the per-element path below refuses the element by its index
                objs.append(unpack(binary.value, strict_map_key=False))
            text = json.dumps(objs)
            out: list[Any] = _list_adapter(tp).validate_json(text, strict=False, context=context)
            return out
        except Exception:
            pass
        out = []
        for i, item in enumerate(items):
            try:
                out.append(self._validate(self._json_text(item, tp), tp, context))
            except ConversionError as exc:
                raise exc.under(f"[{i}]") from None
        return out


_ADAPTERS: dict[Any, Any] = {}


def _list_adapter(tp: Any) -> Any:
    """``pydantic.TypeAdapter(list[tp])``, made once per model class (pydantic is imported: ``tp`` is a model)."""
    adapter = _ADAPTERS.get(tp)
    if adapter is None:
        import importlib

        adapter = _ADAPTERS[tp] = importlib.import_module("pydantic").TypeAdapter(list[tp])
    return adapter


PYDANTIC = PydanticTransformer()
