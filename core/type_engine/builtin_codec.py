"""The builtins codec: compiles, once per python type, an encoder (python -> the msgpack-/JSON-able builtins
mashumaro would produce) and a decoder (the reverse, with mashumaro's coercions), for the msgpack and the JSON
(old Struct format) dialects. :func:`to_builtins` and :func:`from_builtins` are its entry points.

Laws:

* agreement with flytekit: ``msgpack.packb(to_builtins(v, tp))`` is ``MessagePackEncoder(tp).encode(v)`` (flytekit
  1.16's mashumaro), and ``from_builtins`` reads what its decoder reads, coercions included
  (``property_tests/test_struct_laws.py::test_encoding_is_plain_msgpack_of_the_builtins``; the expected values of
  ``tests/test_builtin_codec.py`` come from the oracle);
* round trip: ``from_builtins(to_builtins(v, tp), tp) == v`` for generated dataclass types and values, in both
  dialects (``property_tests/test_struct_laws.py``: ``test_round_trip``, ``test_old_format_round_trip_restores_ints``);
* one compiled step per (dialect, conversion, type): a codec bound to one engine and sink is never used for another
  (``tests/test_builtin_codec.py::test_a_conversion_gets_a_codec_of_its_own_remembered_for_the_latest_pair``).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import decimal
import enum
import pathlib
import typing
from collections.abc import Callable
from typing import Any, Final, TypeVar

from flyte_entrypoint.core.type_engine.codec_errors import _At, _conversion_error, _short_repr
from flyte_entrypoint.core.type_engine.codec_steps import (
    _compose,
    _empty_list,
    _empty_tuple,
    _fixed_tuple_decoder,
    _fixed_tuple_encoder,
    _generate_dataclass_decoder,
    _generate_dataclass_encoder,
    _map_step,
    _none_or,
    _none_passes,
    _seq_decoder,
    _seq_encoder,
)
from flyte_entrypoint.core.type_engine.engine import UnsupportedTypeError
from flyte_entrypoint.core.type_engine.leaf_codecs import Conversion, Leaf, leaf_decoder, leaf_encoder
from flyte_entrypoint.core.type_engine.type_shapes import (
    _NONE_TYPE,
    Fn,
    _optional_arg,
    _type_name,
    container_kind,
    field_hints,
    is_pathlike_protocol,
    is_union,
    is_uuid_type,
    strip_type,
)

P = TypeVar("P")

_MSGPACK_DIALECT: Final = "msgpack"
_JSON_DIALECT: Final = "json"

_SCALARS: Final = (int, float, str, bool)
_MATCHABLE: Final = (int, float, bool, str, _NONE_TYPE)  # mashumaro's TypeMatchEligible unpackers


def _isoformat(v: Any) -> Any:
    return v.isoformat()


def _total_seconds(v: Any) -> Any:
    return v.total_seconds()


def _enum_value(v: Any) -> Any:
    return v.value


def _fspath(v: Any) -> Any:
    return v.__fspath__()


def _b64encode(v: Any) -> str:
    return base64.encodebytes(v).decode()


def _b64decode(v: Any) -> bytes:
    return base64.decodebytes(v.encode())


def _to_none(_v: Any) -> None:
    return None


def _timedelta(v: Any) -> datetime.timedelta:
    return datetime.timedelta(seconds=v)


def _is_empty_tuple(tp: Any, args: tuple[Any, ...]) -> bool:
    """``Tuple[()]``/``tuple[()]``: its args are ``((),)`` before Python 3.11 and ``()`` since, like a bare
    ``Tuple``'s (which has no origin-less form: ``typing.Tuple`` itself, or ``tuple``)."""
    return args == ((),) or (not args and tp is not typing.Tuple and typing.get_origin(tp) is tuple)



def _cached(cache: dict[Any, Fn | None], tp: Any, build: Callable[[Any], Fn | None]) -> Fn | None:
    """``cache[tp]``, built with ``build`` on a miss (an unhashable annotation is built every time)."""
    try:
        return cache[tp]
    except KeyError:
        pass
    except TypeError:  # unhashable annotation
        return build(tp)
    fn = build(tp)
    cache[tp] = fn
    return fn


def _literal_values(tp: Any) -> tuple[Any, ...]:
    """The values of ``Literal[...]`` ``tp``; only str/int/bool/None ones are supported."""
    allowed = typing.get_args(tp)
    if not all(isinstance(a, (str, int, bool, type(None))) for a in allowed):
        raise UnsupportedTypeError(f"{_type_name(tp)}: only str/int/bool/None literals are supported")
    return allowed


class _Codec:
    """Compiles encoders (python -> msgpack/JSON-able builtins) and decoders (the reverse) for one dialect.

    The msgpack dialect passes ``bytes`` through; the JSON dialect (old Struct format) base64-encodes them.
    ``conversion`` (engine, sink) is bound into the FlyteFile/FlyteDirectory/dataset leaves this codec compiles:
    a codec without one compiles leaves that refuse (see :func:`codec_for`). ``writers``/``readers`` cache the
    msgpack wire functions built on this codec (``msgpack_wire``).
    """

    def __init__(self, dialect: str, conversion: Conversion | None = None) -> None:
        self.dialect = dialect
        self.conversion = conversion
        self._enc: dict[Any, Fn | None] = {}
        self._dec: dict[Any, Fn | None] = {}
        self.writers: dict[Any, Callable[[Any], bytes]] = {}
        self.readers: dict[Any, Callable[[bytes], Any]] = {}

    # ---- cache plumbing -------------------------------------------------------------------------------

    def encoder(self, tp: Any) -> Fn | None:
        return _cached(self._enc, tp, self._build_encoder)

    def decoder(self, tp: Any) -> Fn | None:
        return _cached(self._dec, tp, self._build_decoder)

    # ---- encoders -------------------------------------------------------------------------------------

    def _build_encoder(self, tp: Any) -> Fn | None:
        tp = strip_type(tp)
        if tp is Any or tp in _SCALARS or tp is _NONE_TYPE or tp is None or isinstance(tp, typing.TypeVar):
            return None
        if tp in (bytes, bytearray, memoryview):
            return None if self.dialect == _MSGPACK_DIALECT else _b64encode
        leaf = leaf_encoder(tp)
        if leaf is not None:
            return _bound(leaf, self.conversion)
        if is_pathlike_protocol(tp):
            return _fspath
        if tp in (datetime.datetime, datetime.date, datetime.time):
            return _isoformat
        if tp is datetime.timedelta:
            return _total_seconds
        if tp is decimal.Decimal or is_uuid_type(tp):
            return str
        if isinstance(tp, type):
            if dataclasses.is_dataclass(tp):
                return self._dataclass_encoder(tp)
            if issubclass(tp, enum.Enum):
                return _enum_value
            if issubclass(tp, pathlib.PurePath):
                return _fspath
        if is_union(tp):
            return self._union_encoder(tp)
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin is typing.Literal:
            return self._literal_encoder(tp)
        kind = container_kind(tp)
        if kind in ("list", "set", "frozenset"):
            elem_tp = args[0] if args else Any
            step = self.encoder(elem_tp)
            if step is None:
                if kind == "list":
                    return None  # lists pass through uncopied, as mashumaro's msgpack dialect does
                return _seq_encoder(list, tp, elem_tp)
            return _seq_encoder(step, tp, elem_tp)
        if kind == "tuple":
            if _is_empty_tuple(tp, args):
                return _empty_list
            if not args or (len(args) == 2 and args[1] is Ellipsis):
                elem_tp = args[0] if args else Any
                step = self.encoder(elem_tp)
                return _seq_encoder(list if step is None else step, tp, elem_tp)  # always a list
            return _fixed_tuple_encoder([self.encoder(a) for a in args], list(args), tp)
        if kind == "dict":
            ktp, vtp = (args[0], args[1]) if len(args) == 2 else (Any, Any)
            kstep, vstep = self.encoder(ktp), self.encoder(vtp)
            if kstep is None and vstep is None:
                return None
            return _map_step(kstep, vstep, ktp, vtp, tp)
        raise UnsupportedTypeError(f"{_type_name(tp)} is not supported inside a dataclass or dict")

    def _union_encoder(self, tp: Any) -> Fn | None:
        args = typing.get_args(tp)
        opt = _optional_arg(tp)
        if opt is not None:
            return _none_or(self.encoder(opt))
        passthrough: list[type] = []
        tries: list[Fn] = []
        has_any = False
        for arg in args:
            step = self.encoder(arg)
            base = strip_type(arg)
            if step is None:
                if base is Any:  # mashumaro checks ``value.__class__ is Any``: no value passes through for it
                    has_any = True
                    continue
                cls = typing.get_origin(base) or base
                if isinstance(cls, type):
                    passthrough.append(cls)
            else:
                tries.append(step)
        if has_any and not tries:
            return None  # every member writes the value as it is: mashumaro's union is then no check at all
        classes = tuple(passthrough)

        def enc_union(v: Any) -> Any:
            if v.__class__ in classes:
                return v
            for step in tries:
                try:
                    return step(v)
                except Exception:
                    pass
            raise ValueError(f"{_short_repr(v)} matches no member of {_type_name(tp)}")

        return enc_union

    def _literal_encoder(self, tp: Any) -> Fn:
        allowed = _literal_values(tp)

        def enc_literal(v: Any) -> Any:
            for a in allowed:
                if v == a:
                    return v
            raise ValueError(f"{_short_repr(v)} is not one of {allowed!r}")

        return enc_literal

    def _dataclass_encoder(self, cls: type) -> Fn:
        def plan_of(hints: dict[str, Any]) -> list[tuple[str, Fn | None]]:
            return [
                (f.name, _none_passes(self.encoder(hints.get(f.name, f.type)), f.default is None))
                for f in dataclasses.fields(cls)
            ]

        return _recursive_dataclass(self._enc, cls, plan_of, _generate_dataclass_encoder)

    # ---- decoders -------------------------------------------------------------------------------------

    def _build_decoder(self, tp: Any) -> Fn | None:
        tp = strip_type(tp)
        if tp is Any or isinstance(tp, typing.TypeVar):
            return None
        if tp in _SCALARS:
            return typing.cast(Fn, tp)
        if tp is _NONE_TYPE or tp is None:
            return _to_none
        if tp is bytes:
            return None if self.dialect == _MSGPACK_DIALECT else _b64decode
        if tp is bytearray:
            if self.dialect == _MSGPACK_DIALECT:
                return bytearray
            return _compose(bytearray, _b64decode)
        if tp is memoryview:
            if self.dialect == _MSGPACK_DIALECT:
                return memoryview
            return _compose(memoryview, _b64decode)
        if tp in (datetime.datetime, datetime.date, datetime.time):
            return typing.cast(Fn, tp.fromisoformat)
        leaf = leaf_decoder(tp)
        if leaf is not None:
            return _bound(leaf, self.conversion)
        if is_pathlike_protocol(tp):
            return typing.cast(Fn, pathlib.PurePath)
        if tp is datetime.timedelta:
            return _timedelta
        if tp is decimal.Decimal or is_uuid_type(tp):
            return typing.cast(Fn, tp)
        if isinstance(tp, type):
            if dataclasses.is_dataclass(tp):
                return self._dataclass_decoder(tp)
            if issubclass(tp, (enum.Enum, pathlib.PurePath)):
                return typing.cast(Fn, tp)
        if is_union(tp):
            return self._union_decoder(tp)
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin is typing.Literal:
            return self._literal_decoder(tp)
        kind = container_kind(tp)
        if kind in ("list", "set", "frozenset"):
            elem_tp = args[0] if args else Any
            step = self.decoder(elem_tp)
            wrap: Fn | None = {"list": None, "set": set, "frozenset": frozenset}[kind]
            return _seq_decoder(step, wrap, tp, elem_tp)
        if kind == "tuple":
            if _is_empty_tuple(tp, args):
                return _empty_tuple
            if not args or (len(args) == 2 and args[1] is Ellipsis):
                elem_tp = args[0] if args else Any
                return _seq_decoder(self.decoder(elem_tp), tuple, tp, elem_tp)
            return _fixed_tuple_decoder([self.decoder(a) for a in args], list(args), tp)
        if kind == "dict":
            ktp, vtp = (args[0], args[1]) if len(args) == 2 else (Any, Any)
            return _map_step(self.decoder(ktp), self.decoder(vtp), ktp, vtp, tp)
        raise UnsupportedTypeError(f"{_type_name(tp)} is not supported inside a dataclass or dict")

    def _union_decoder(self, tp: Any) -> Fn | None:
        opt = _optional_arg(tp)
        if opt is not None:
            return _none_or(self.decoder(opt))
        # mashumaro's order: in declaration order, an exact type match for int/float/bool/str/None members and a
        # trial decode for the others; then the coercions of the matchable members, in order.
        plan: list[tuple[bool, Any]] = []
        fallbacks: list[Fn] = []
        for arg in typing.get_args(tp):
            base = strip_type(arg)  # typing has already made a None member NoneType
            step = self.decoder(arg)
            if base in _MATCHABLE:
                plan.append((True, base))
                fallbacks.append(typing.cast(Fn, step))
            else:
                plan.append((False, step))

        def dec_union(v: Any) -> Any:
            vt = type(v)
            for is_match, what in plan:
                if is_match:
                    if vt is what:
                        return v
                elif what is None:
                    return v
                else:
                    try:
                        return what(v)
                    except Exception:
                        pass
            for step in fallbacks:
                try:
                    return step(v)
                except Exception:
                    pass
            raise ValueError(f"{_short_repr(v)} matches no member of {_type_name(tp)}")

        return dec_union

    def _literal_decoder(self, tp: Any) -> Fn:
        allowed = _literal_values(tp)

        def dec_literal(v: Any) -> Any:
            for a in allowed:
                if v == a:
                    return a
            raise ValueError(f"{_short_repr(v)} is not one of {allowed!r}")

        return dec_literal

    def _dataclass_decoder(self, cls: type) -> Fn:
        def plan_of(hints: dict[str, Any]) -> list[tuple[str, Fn | None, bool, bool]]:
            return [
                (
                    f.name,
                    _none_passes(self.decoder(hints.get(f.name, f.type)), f.default is None),
                    f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
                    f.kw_only is True,
                )
                for f in dataclasses.fields(cls)
                if f.init
            ]

        return _recursive_dataclass(self._dec, cls, plan_of, _generate_dataclass_decoder)


def _recursive_dataclass(
    cache: dict[Any, Fn | None],
    cls: type,
    plan_of: Callable[[dict[str, Any]], P],
    generate: Callable[[type, P, dict[str, Any]], Fn],
) -> Fn:
    """Compile ``cls``'s step from its field plan. While the plan is built, ``cache`` holds a trampoline for
    ``cls``, so a dataclass that refers to itself compiles to a step that calls itself."""
    cell: list[Fn] = []

    def trampoline(v: Any) -> Any:  # only used by recursive dataclasses
        return cell[0](v)

    cache[cls] = trampoline
    try:
        hints = field_hints(cls)
        plan = plan_of(hints)
    except BaseException:
        del cache[cls]
        raise
    fn = generate(cls, plan, hints)
    cell.append(fn)
    return fn


def _bound(leaf: Leaf, conversion: Conversion | None) -> Fn:
    def step(v: Any) -> Any:
        return leaf(v, conversion)

    return step


_CODECS: Final = {_MSGPACK_DIALECT: _Codec(_MSGPACK_DIALECT), _JSON_DIALECT: _Codec(_JSON_DIALECT)}
_MSG: Final = _CODECS[_MSGPACK_DIALECT]
_LAST_SCOPED: list[tuple[Conversion, dict[str, _Codec]]] = []


def codec_for(dialect: str, conversion: Conversion | None) -> _Codec:
    """The codec of ``dialect`` whose FlyteFile-like leaves convert through ``conversion``'s engine and sink.

    Without a conversion: the process-wide codec (most types never reach a leaf; see ``uses_engine``). With one:
    a codec compiled for it, remembered for the most recent (engine, sink) pair by identity, so the values of
    one run's outputs share their compiled steps; a different pair compiles afresh (never a wrong binding: a
    memo entry is only ever used for the identical engine and sink).
    """
    if conversion is None:
        return _CODECS[dialect]
    last = _LAST_SCOPED[-1] if _LAST_SCOPED else None
    if last is None or last[0].engine is not conversion.engine or last[0].sink is not conversion.sink:
        last = (conversion, {})
        _LAST_SCOPED[:] = [last]
    codecs = last[1]
    codec = codecs.get(dialect)
    if codec is None:
        codec = codecs[dialect] = _Codec(dialect, last[0])
    return codec


def to_builtins(
    value: Any, tp: Any, dialect: str = _MSGPACK_DIALECT, conversion: Conversion | None = None
) -> Any:
    """``value`` (declared ``tp``) as the msgpack-/JSON-able builtins mashumaro would produce. Raises ConversionError.

    ``conversion`` (engine, sink) is needed when ``tp`` reaches a FlyteFile/FlyteDirectory/dataset field.
    """
    step = codec_for(dialect, conversion).encoder(tp)
    try:
        return value if step is None else step(value)
    except _At as at:
        raise _conversion_error("encode", tp, at) from None


def from_builtins(
    obj: Any, tp: Any, dialect: str = _MSGPACK_DIALECT, conversion: Conversion | None = None
) -> Any:
    """Decode msgpack-/JSON-decoded builtins into ``tp`` with mashumaro's coercions. Raises ConversionError."""
    step = codec_for(dialect, conversion).decoder(tp)
    try:
        return obj if step is None else step(obj)
    except _At as at:
        raise _conversion_error("decode", tp, at) from None
    except Exception as exc:  # a bare step (int, Color, ...) at the top level
        raise _conversion_error("decode", tp, _At((), tp, obj, exc)) from None


def _json_default_encoder(tp: Any, value: Any) -> Any:
    """A field default as mashumaro's ``to_dict`` (default dialect) would write it, for the JSON schema."""
    if value is None:  # a None default is let through whatever the type (see _none_passes)
        return None
    step = _CODECS[_JSON_DIALECT].encoder(tp)
    return value if step is None else step(value)


