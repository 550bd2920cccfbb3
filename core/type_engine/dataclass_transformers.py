"""Dataclasses and untyped dicts: the msgpack ``binary`` encoding of flytekit 1.16 (and its old Struct one).

Two transformers live here:

* :class:`DataclassTransformer` (``Object-Dataclass-Transformer``): any ``@dataclass`` class.
* :class:`UntypedDictTransformer` (``Typed Dict``, the name of flytekit's one ``DictTransformer``): ``dict``,
  ``typing.Dict`` and ``Dict[K, V]`` whose key type is not ``str`` (``Dict[str, V]`` is a typed map, owned by the
  collections transformer).

Both write ``scalar { binary { value: <msgpack> tag: "msgpack" } }``.  The msgpack object is what mashumaro's
``MessagePackEncoder`` would produce: a map in field declaration order, scalars passed through unchanged (an
``int`` in a ``float`` field stays an int), datetime/date/time as ISO strings, timedelta as float seconds, enums as
their value, tuples and sets as arrays, bytes as msgpack ``bin``.  Reading applies mashumaro's coercions
(``int(x)``, ``float(x)``, ``str(x)``, ``bool(x)``, ``fromisoformat``...), ignores unknown keys and lets missing
fields take their defaults.

Field types: ``int``/``float``/``str``/``bool``/``None``/``Any``, ``bytes``, datetime/date/time/timedelta, Enum,
UUID, Decimal, paths and ``os.PathLike``, ``Literal[...]`` of str/int/bool, ``List``/``Set``/``FrozenSet``/
``Tuple``/``Dict`` (bare or parametrized), ``Optional``/``Union`` (mashumaro's member order: exact type match for
scalars, then trial decodes, then coercions), nested and recursive dataclasses, and ``FlyteFile``/``FlyteDirectory``
(stored as ``{"path": <uri>}``; the engine's blob transformers plan the upload / make the lazy file, so these
conversions are handed the engine and the sink explicitly, a ``leaf_codecs.Conversion`` bound into the codec
compiled for them).  Any other field type is an ``UnsupportedTypeError`` naming it.

The machinery is split by job: ``type_shapes`` (what an annotation is), ``builtin_codec`` (+ ``codec_steps``,
``codec_errors``: python <-> msgpack-able builtins), ``leaf_codecs`` (the engine-delegated leaves),
``msgpack_wire`` (msgpack bytes, Struct literals, protobuf framing; ``varint``) and this module, the two
transformers.

Speed: per python type, an encoder and a decoder are compiled once (dataclasses get a generated function, like
mashumaro does) and cached, so a value costs one call plus the msgpack C codec.  Errors take a slow path that
re-walks the value to name the failing field (path ``.inner.tags[3]``, as the engine's paths go).  For a whole
``List[T]`` of these, ``write_list``/``to_literal_list``/``to_python_list`` skip per-element dispatch and build
the collection as bytes (about 2x faster than element by element; the list transformer can delegate to them).

Old format (``ConversionContext.use_old_dc_format``, ``FLYTE_USE_OLD_DC_FORMAT``): a ``generic`` Struct made the
way flytekit makes it, ``json.dumps`` of the JSON-dialect dict (bytes as base64) parsed into a Struct (so numbers
become doubles); untyped dicts also get literal ``metadata {"format": "json"}``.  A Struct literal is always
readable, whatever the flag says (ints that became doubles come back as ints for ``int`` fields).

:func:`decode_msgpack_literal` is the hook for the other transformers: propeller hands attribute-access results
(``dc.xs``) to the next task as msgpack ``binary`` literals, whatever the declared type.

Deliberate differences from flytekit 1.16.31 (its bugs, not copied): a ``str`` in a ``Union[..., List[...], ...,
str]`` field is written as the string (flytekit turns it into a list of characters, mutating the user's object;
a dataclass there makes it fail); the old-format reader does not ``int()`` every ``Union[int, ...]`` field and
handles bare ``list`` fields; a pickle-format dict Struct is refused (no silent pickle); fields without a literal
type are left out of ``dataclass_type`` instead of being typed as pickle blobs.

Laws (run in ``property_tests/test_struct_laws.py``): round trip for generated dataclasses and untyped dicts
(``test_round_trip``, ``test_untyped_dict_round_trip``, ``test_old_format_round_trip_restores_ints``); the bytes
are plain msgpack of the builtins (``test_encoding_is_plain_msgpack_of_the_builtins``); the bulk list path equals
the per-element one (``test_bulk_list_equals_per_element``); unknown keys are ignored, missing defaulted fields
take their default, a missing required field or an unencodable value is named; garbage payloads give
ConversionErrors only (``test_garbage_payloads_give_conversion_errors_only``).
"""

from __future__ import annotations

import abc
import dataclasses
import json
import typing
from collections.abc import Callable
from typing import Any, Final

import msgpack
from flyteidl.core import literals_pb2, types_pb2
from google.protobuf import json_format

from flyte_entrypoint.core.type_engine.builtin_codec import (
    _JSON_DIALECT,
    _MSGPACK_DIALECT,
    _json_default_encoder,
    codec_for,
    from_builtins,
    to_builtins,
)
from flyte_entrypoint.core.type_engine.codec_errors import _At, _conversion_error, _short_repr
from flyte_entrypoint.core.type_engine.engine import ConversionError, Engine, Sink, UnsupportedTypeError
from flyte_entrypoint.core.type_engine.json_schema import dataclass_json_schema
from flyte_entrypoint.core.type_engine.leaf_codecs import Conversion, uses_engine
from flyte_entrypoint.core.type_engine.msgpack_wire import (
    MSGPACK,
    _at_index,
    _binary_literal,
    _copy,
    _framed_binary_literal,
    _literal_kind,
    _pack,
    _packer,
    _struct_literal,
    _struct_literal_type,
    _unpack,
    decode_msgpack,
    decode_msgpack_literal,
    encode_msgpack,
    msgpack_reader,
    msgpack_writer,
    struct_to_python,
)
from flyte_entrypoint.core.type_engine.type_shapes import (
    _is_dataclass_type,
    _optional_arg,
    _type_name,
    field_hints,
    strip_type,
)
from flyte_entrypoint.core.type_engine.varint import varint as _varint

__all__ = ["DATACLASS", "UNTYPED_DICT", "DataclassTransformer", "UntypedDictTransformer"]


_Plan = tuple[bool, Callable[[Any], bytes], Callable[[bytes], Any]]


class _StructTransformerBase(abc.ABC):
    """What the dataclass and untyped-dict transformers share: the msgpack fast paths and the list bulk path.

    When the type has FlyteFile/FlyteDirectory/dataset fields, the engine and the sink are passed on
    explicitly (a :class:`Conversion`) to the codec that converts them (see :func:`_conversion_of`).
    """

    @abc.abstractmethod
    def _exact(self, value: Any, tp: Any) -> bool:
        """Implemented by each transformer."""

    @abc.abstractmethod
    def _to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        """Implemented by each transformer."""

    @abc.abstractmethod
    def _write(self, value: Any, tp: Any, engine: Engine, sink: Sink, target: literals_pb2.Literal) -> None:
        """Implemented by each transformer."""

    @abc.abstractmethod
    def _to_python_other(self, literal: literals_pb2.Literal, tp: Any, conversion: Conversion | None) -> Any:
        """Implemented by each transformer."""

    _value_is_dict = False  # what an exact value is: ``type(v) is dict`` (untyped dicts) or ``type(v) is tp``

    def __init__(self) -> None:
        self._plans: dict[Any, _Plan] = {}

    def _plan(self, tp: Any) -> _Plan:
        """(needs the engine context, msgpack writer, msgpack reader) for ``tp``, cached."""
        try:
            return self._plans[tp]
        except KeyError:
            pass
        plan = (uses_engine(tp), msgpack_writer(tp), msgpack_reader(tp))
        self._plans[tp] = plan
        return plan

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        return self._to_literal(value, tp, engine, sink)

    def write(self, value: Any, tp: Any, engine: Engine, sink: Sink, target: literals_pb2.Literal) -> None:
        """``to_literal`` into the empty ``target`` (e.g. a ``collection.literals.add()``): no copy."""
        needs_engine, writer, _reader = self._plan(tp)
        if needs_engine:
            self._write(value, tp, engine, sink, target)
        elif (
            type(value) is dict if self._value_is_dict else type(value) is tp
        ) and not sink.context.use_old_dc_format:
            binary = target.scalar.binary  # the fast path
            binary.value = writer(value)
            binary.tag = MSGPACK
        else:
            self._write(value, tp, engine, sink, target)

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        needs_engine, _writer, reader = self._plan(tp)
        if needs_engine:
            return self._to_python(literal, tp, Conversion(engine, sink))
        binary = literal.scalar.binary
        if binary.tag == MSGPACK:  # the fast path: no HasField, no type normalization
            return reader(binary.value)
        return self._to_python_other(literal, tp, None)

    def _to_python(self, literal: literals_pb2.Literal, tp: Any, conversion: Conversion) -> Any:
        binary = literal.scalar.binary
        if binary.tag == MSGPACK:  # the fast path: no HasField, no type normalization
            return decode_msgpack(binary.value, tp, conversion)
        return self._to_python_other(literal, tp, conversion)

    def to_literal_list(self, values: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        """``Literal(collection=[to_literal(v) for v in values])``, built as bytes and parsed once.

        Gives the same literal as the per-element path; the list transformer calls this when the element
        transformer has it. Values needing the slow path (old format, a dict for a dataclass...) use it.
        """
        return self._to_literal_list(values, tp, engine, sink)

    def write_list(
        self, values: Any, tp: Any, engine: Engine, sink: Sink, target: literals_pb2.Literal
    ) -> None:
        """``to_literal_list`` into the empty ``target`` Literal (no extra copy of a big collection)."""
        self._write_list(values, tp, engine, sink, target)

    def to_python_list(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> list[Any]:
        """``[to_python(x) for x in literal.collection.literals]``, without per-element dispatch."""
        return self._to_python_list(literal, tp, engine, sink)

    # ---- bulk: a whole List[T] of these in one go (see the module docstring) ----

    def _to_literal_list(self, values: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        lit = literals_pb2.Literal()
        self._write_list(values, tp, engine, sink, lit)
        return lit

    def _write_list(
        self, values: Any, tp: Any, engine: Engine, sink: Sink, target: literals_pb2.Literal
    ) -> None:
        if type(values) is not list:
            raise ConversionError(f"Expected a list of {_type_name(tp)}, got {type(values).__name__}")
        if sink.context.use_old_dc_format:
            target.collection.literals.extend(self._each(values, tp, engine, sink))
        else:
            target.MergeFromString(self._collection_bytes(values, tp, engine, sink))

    def _collection_bytes(self, values: list[Any], tp: Any, engine: Engine, sink: Sink) -> bytes:
        """A serialized ``Literal { collection { literals ... } }`` of msgpack binaries, built directly."""
        step = codec_for(_MSGPACK_DIALECT, _conversion_of(tp, engine, sink)).encoder(tp)
        pack = _packer().pack
        frame = _framed_binary_literal
        chunks: list[bytes] = []
        append = chunks.append
        exact = self._exact
        for i, v in enumerate(values):
            if not exact(v, tp):
                try:
                    append(b"\x0a" + _varint_len(self.to_literal(v, tp, engine, sink).SerializeToString()))
                except ConversionError as exc:
                    raise _at_index(exc, i) from None
                continue
            try:
                obj = v if step is None else step(v)
            except _At as at:
                raise _at_index(_conversion_error("encode", tp, at), i) from None
            try:
                data = pack(obj)
            except Exception:
                try:
                    data = _pack(obj, tp)  # raises a ConversionError naming the field
                except ConversionError as exc:
                    raise _at_index(exc, i) from None
            append(frame(data))
        body = b"".join(chunks)
        return b"\x12" + _varint(len(body)) + body  # Literal.collection = field 2

    def _to_python_list(
        self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink
    ) -> list[Any]:
        if not literal.HasField("collection"):
            raise ConversionError(
                f"Cannot convert a {_literal_kind(literal)} literal to List[{_type_name(tp)}]: expected a collection"
            )
        conversion = _conversion_of(tp, engine, sink)
        step = codec_for(_MSGPACK_DIALECT, conversion).decoder(tp)
        assert step is not None  # a dataclass or dict always has a decoding step
        unpackb = msgpack.unpackb
        out: list[Any] = []
        append = out.append
        for i, lit in enumerate(literal.collection.literals):
            binary = lit.scalar.binary
            try:
                if binary.tag == MSGPACK:
                    try:
                        obj = unpackb(binary.value, strict_map_key=False)
                    except Exception:
                        obj = _unpack(binary.value, tp)  # raises the ConversionError
                    try:
                        append(step(obj))
                    except _At as at:  # a step fails only so, even in the dataclass's own __post_init__
                        raise _conversion_error("decode", tp, at) from None
                else:
                    append(self._to_python_other(lit, tp, conversion))
            except ConversionError as exc:
                raise _at_index(exc, i) from None
        return out

    def _each(self, values: list[Any], tp: Any, engine: Engine, sink: Sink) -> list[literals_pb2.Literal]:
        out = []
        for i, v in enumerate(values):
            try:
                out.append(self.to_literal(v, tp, engine, sink))
            except ConversionError as exc:
                raise _at_index(exc, i) from None
        return out


def _conversion_of(tp: Any, engine: Engine, sink: Sink) -> Conversion | None:
    """The (engine, sink) conversion ``tp``'s FlyteFile-like fields need; None when it has none (the shared codec)."""
    return Conversion(engine, sink) if uses_engine(tp) else None


def _varint_len(data: bytes) -> bytes:
    return _varint(len(data)) + data


class DataclassTransformer(_StructTransformerBase):
    """``@dataclass`` classes <-> msgpack ``binary`` literals (or the old ``generic`` Struct)."""

    name = "Object-Dataclass-Transformer"

    def __init__(self) -> None:
        super().__init__()
        self._literal_types: dict[type, types_pb2.LiteralType] = {}
        self._building: set[type] = set()

    def handles(self, tp: Any) -> bool:
        return _is_dataclass_type(tp)

    def _exact(self, value: Any, tp: Any) -> bool:
        return type(value) is tp

    # -- types --

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        cached = self._literal_types.get(tp)
        if cached is not None:
            return _copy(cached)
        if tp in self._building:
            raise UnsupportedTypeError(f"recursive dataclass {_type_name(tp)} has no finite literal type")
        self._building.add(tp)
        try:
            lt = self._build_literal_type(tp, engine)
        finally:
            self._building.discard(tp)
        self._literal_types[tp] = lt
        return _copy(lt)

    def _build_literal_type(self, tp: type, engine: Engine) -> types_pb2.LiteralType:
        lt = _struct_literal_type()
        schema = dataclass_json_schema(tp, _json_default_encoder)
        if schema is not None:
            json_format.Parse(json.dumps(schema), lt.metadata)
        # flytekit resolves hints without extras (Annotated metadata dropped) and silently skips fields whose
        # type has no literal type.
        plain_hints = field_hints(tp, include_extras=False)
        lt.structure.SetInParent()  # flytekit always sets it, even with no field listed
        for f in dataclasses.fields(tp):
            try:
                field_lt = engine.literal_type(plain_hints.get(f.name, f.type))
            except (ConversionError, TypeError, ValueError, RecursionError):
                continue
            lt.structure.dataclass_type[f.name].CopyFrom(field_lt)
        return lt

    # -- python -> literal --

    def _to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        conversion = _conversion_of(tp, engine, sink)
        if type(value) is tp and not sink.context.use_old_dc_format:  # the fast path
            return _binary_literal(encode_msgpack(value, tp, conversion))
        old = sink.context.use_old_dc_format
        if isinstance(value, dict):
            self._check_dict_shape(value, tp)
            return _struct_literal(value, tp) if old else _binary_literal(_pack(value, tp))
        if not isinstance(value, tp):
            self._check_compatible(value, tp)
        if old:
            return _struct_literal(to_builtins(value, tp, _JSON_DIALECT, conversion), tp)
        return _binary_literal(encode_msgpack(value, tp, conversion))

    def _write(self, value: Any, tp: Any, engine: Engine, sink: Sink, target: literals_pb2.Literal) -> None:
        """``to_literal`` into the empty ``target`` (e.g. a ``collection.literals.add()``): no copy."""
        if type(value) is tp and not sink.context.use_old_dc_format:
            binary = target.scalar.binary
            binary.value = encode_msgpack(value, tp, _conversion_of(tp, engine, sink))
            binary.tag = MSGPACK
        else:
            target.CopyFrom(self._to_literal(value, tp, engine, sink))

    def _check_compatible(self, value: Any, tp: type) -> None:
        """flytekit accepts another dataclass with the same field names (structural check); anything else fails."""
        if not dataclasses.is_dataclass(value) or isinstance(value, type):
            raise ConversionError(
                f"Expected a {_type_name(tp)} (dataclass) but got {_short_repr(value)} ({type(value).__name__})"
            )
        expected = {f.name for f in dataclasses.fields(tp)}
        for f in dataclasses.fields(value):
            if f.name not in expected:
                raise ConversionError(
                    f"Expected a {_type_name(tp)} but got a {type(value).__qualname__} with the extra field "
                    f"'{f.name}'"
                )

    def _check_dict_shape(self, value: dict[Any, Any], tp: type) -> None:
        """A dict given for a dataclass type is written as it is if its keys are the dataclass's fields."""
        hints = field_hints(tp)
        names = {f.name for f in dataclasses.fields(tp)}
        optional = {n for n in names if _optional_arg(strip_type(hints.get(n, Any))) is not None}
        missing = (names - optional) - set(value)
        extra = set(value) - names
        if missing:
            raise ConversionError(f"The dict given for {_type_name(tp)} misses the fields {sorted(missing)}")
        if extra:
            raise ConversionError(
                f"The dict given for {_type_name(tp)} has unknown fields {sorted(map(str, extra))}"
            )

    # -- literal -> python --

    def _to_python_other(self, literal: literals_pb2.Literal, tp: Any, conversion: Conversion | None) -> Any:
        if literal.HasField("scalar"):
            scalar = literal.scalar
            if scalar.HasField("binary"):
                return decode_msgpack_literal(literal, tp, conversion)  # raises for the unsupported tag
            if scalar.HasField("generic"):
                return from_builtins(struct_to_python(scalar.generic), tp, _JSON_DIALECT, conversion)
        raise ConversionError(
            f"Cannot convert a {_literal_kind(literal)} literal to {_type_name(tp)}: expected a msgpack binary "
            "or a Struct"
        )


class UntypedDictTransformer(_StructTransformerBase):
    """``dict``, ``typing.Dict`` and ``Dict[K, V]`` with a non-``str`` K: one msgpack ``binary`` literal.

    flytekit handles these with the same transformer as typed maps, hence the name (the union tag).
    """

    name = "Typed Dict"
    _value_is_dict = True

    def handles(self, tp: Any) -> bool:
        if tp is dict or tp is typing.Dict:
            return True
        if typing.get_origin(tp) is dict:
            args = typing.get_args(tp)
            return not args or args[0] is not str
        return False

    def _exact(self, value: Any, tp: Any) -> bool:
        return type(value) is dict

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        return _struct_literal_type()

    def _to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        if type(value) is not dict:
            raise ConversionError(
                f"Expected a dict for {_type_name(tp)}, got {_short_repr(value)} ({type(value).__name__})"
            )
        if sink.context.use_old_dc_format:
            conversion = _conversion_of(tp, engine, sink)
            return _struct_literal(to_builtins(value, tp, _JSON_DIALECT, conversion), tp, {"format": "json"})
        return _binary_literal(encode_msgpack(value, tp, _conversion_of(tp, engine, sink)))

    def _write(self, value: Any, tp: Any, engine: Engine, sink: Sink, target: literals_pb2.Literal) -> None:
        """``to_literal`` into the empty ``target``: no copy."""
        if type(value) is dict and not sink.context.use_old_dc_format:
            binary = target.scalar.binary
            binary.value = encode_msgpack(value, tp, _conversion_of(tp, engine, sink))
            binary.tag = MSGPACK
        else:
            target.CopyFrom(self._to_literal(value, tp, engine, sink))

    def _to_python_other(self, literal: literals_pb2.Literal, tp: Any, conversion: Conversion | None) -> Any:
        if literal.HasField("scalar"):
            scalar = literal.scalar
            if scalar.HasField("binary"):
                return decode_msgpack_literal(literal, tp, conversion)
            if scalar.HasField("generic"):
                if literal.metadata.get("format") == "pickle":
                    raise ConversionError(
                        f"Cannot convert a pickled dict (Struct {{'pickle_file': ...}}) to {_type_name(tp)}: "
                        "pickle-format dicts are not supported"
                    )
                # flytekit: Struct -> JSON -> msgpack -> MessagePackDecoder(tp), i.e. the msgpack dialect
                return from_builtins(struct_to_python(scalar.generic), tp, conversion=conversion)
        raise ConversionError(
            f"Cannot convert a {_literal_kind(literal)} literal to {_type_name(tp)}: expected a msgpack binary or a "
            "Struct"
        )


UNTYPED_DICT: Final = UntypedDictTransformer()
DATACLASS: Final = DataclassTransformer()
