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
conversions see the engine and the sink through a per-thread context set by the public methods).  Any other field
type is an ``UnsupportedTypeError`` naming it.

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
"""

from __future__ import annotations

import abc
import base64
import collections.abc
import dataclasses
import datetime
import decimal
import enum
import json
import keyword
import pathlib
import threading
import types
import typing
from collections.abc import Callable
from typing import Any, Final, TypeVar

import msgpack
from flyteidl.core import literals_pb2, types_pb2
from google.protobuf import json_format, struct_pb2

from flyte_entrypoint.core.types.engine import ConversionError, Engine, Sink, UnsupportedTypeError
from flyte_entrypoint.core.types.json_schema import dataclass_json_schema

__all__ = [
    "CACHE_KEY_METADATA",
    "DATACLASS",
    "MSGPACK",
    "SERIALIZATION_FORMAT",
    "UNTYPED_DICT",
    "DataclassTransformer",
    "UntypedDictTransformer",
    "decode_msgpack_literal",
    "from_builtins",
    "is_msgpack_literal",
    "msgpack_annotation",
    "to_builtins",
]

MSGPACK: Final = "msgpack"
CACHE_KEY_METADATA: Final = "cache-key-metadata"
SERIALIZATION_FORMAT: Final = "serialization-format"

Fn = Callable[[Any], Any]
"""A compiled encoder/decoder step. ``None`` in its place means "the value passes through unchanged"."""

P = TypeVar("P")

_NONE_TYPE: Final = type(None)
_MSGPACK_DIALECT: Final = "msgpack"
_JSON_DIALECT: Final = "json"

# ----------------------------------------------------------------------------------------------------------
# Type helpers
# ----------------------------------------------------------------------------------------------------------


def strip_type(tp: Any) -> Any:
    """Drop ``Annotated`` metadata, ``NewType`` wrappers and ``Final``: what the codec actually sees."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated or origin is typing.Final:
            tp = typing.get_args(tp)[0]
        elif hasattr(tp, "__supertype__") and callable(tp):  # typing.NewType
            tp = tp.__supertype__
        else:
            return tp


def is_uuid_type(tp: Any) -> bool:
    """``uuid.UUID`` (recognized by name: the core may not import the ``uuid`` module)."""
    return isinstance(tp, type) and tp.__module__ == "uuid" and tp.__qualname__ == "UUID"


def blob_kind(tp: Any) -> str | None:
    """``file``/``directory`` for ``FlyteFile``/``FlyteDirectory`` classes (and their ``[fmt]`` variants), else None.

    Inside a dataclass these go through the engine (their transformer plans the upload) and are stored as
    ``{"path": <uri>}`` (plus ``"metadata"`` for files), as flytekit's ``_serialize`` does.  Recognized by name so
    the pure core does not import the user-facing ``flyte_entrypoint.files`` module.
    """
    if not isinstance(tp, type):
        return None
    for klass in tp.__mro__:
        if klass.__module__ == "flyte_entrypoint.files":
            if klass.__name__ == "FlyteFile":
                return "file"
            if klass.__name__ == "FlyteDirectory":
                return "directory"
        if klass.__module__ == "flyte_entrypoint.structured" and klass.__name__ == "StructuredDataset":
            return "structured"
        if klass.__module__ == "flyte_entrypoint.flyte_schema" and klass.__name__ == "FlyteSchema":
            return "schema"
    return None


def is_pathlike_protocol(tp: Any) -> bool:
    """``os.PathLike`` itself (by name: the core may not import ``os``)."""
    base = typing.get_origin(tp) or tp
    return isinstance(base, type) and base.__module__ == "os" and base.__qualname__ == "PathLike"


def is_union(tp: Any) -> bool:
    return typing.get_origin(tp) is typing.Union or isinstance(tp, types.UnionType)


_CONTAINER_ORIGINS: Final[dict[Any, str]] = {
    list: "list",
    collections.abc.Sequence: "list",
    collections.abc.MutableSequence: "list",
    set: "set",
    collections.abc.Set: "set",
    collections.abc.MutableSet: "set",
    frozenset: "frozenset",
    tuple: "tuple",
    dict: "dict",
    collections.abc.Mapping: "dict",
    collections.abc.MutableMapping: "dict",
}


def container_kind(tp: Any) -> str | None:
    """``list``/``set``/``frozenset``/``tuple``/``dict`` for those (bare or parametrized) types, else None."""
    origin = typing.get_origin(tp)
    key = origin if origin is not None else tp
    try:
        return _CONTAINER_ORIGINS.get(key)
    except TypeError:
        return None


_HINTS: dict[tuple[type, bool], dict[str, Any]] = {}


def field_hints(cls: type, include_extras: bool = True) -> dict[str, Any]:
    """The dataclass's resolved field annotations; a field whose annotation cannot be resolved keeps the raw one.

    ``include_extras=False`` drops ``Annotated`` metadata, as flytekit does for ``structure.dataclass_type``.
    """
    key = (cls, include_extras)
    hints = _HINTS.get(key)
    if hints is None:
        try:
            hints = typing.get_type_hints(cls, include_extras=include_extras)
        except Exception:
            hints = {}
            for f in dataclasses.fields(cls):
                holder = type(
                    "_OneField", (), {"__annotations__": {f.name: f.type}, "__module__": cls.__module__}
                )
                try:
                    hints[f.name] = typing.get_type_hints(holder, include_extras=include_extras)[f.name]
                except (
                    Exception
                ):  # unresolvable: keep the raw annotation (it will be reported as unsupported)
                    hints[f.name] = f.type
        _HINTS[key] = hints
    return hints


def _type_name(tp: Any) -> str:
    if isinstance(tp, type):
        return tp.__qualname__
    return repr(tp).replace("typing.", "")


def _is_dataclass_type(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _optional_arg(tp: Any) -> Any | None:
    """``T`` for ``Optional[T]`` (a two-member union with None), else None. mashumaro's notion of optional."""
    args = typing.get_args(tp)
    if len(args) == 2 and _NONE_TYPE in args:
        return args[0] if args[1] is _NONE_TYPE else args[1]
    return None


# ----------------------------------------------------------------------------------------------------------
# Errors: the fast path raises anything; the slow path names the field
# ----------------------------------------------------------------------------------------------------------


class _At(Exception):
    """Internal: a conversion failed at ``path`` (segments like ``.x``, ``[3]``, ``['k']``)."""

    def __init__(self, path: tuple[str, ...], expected: Any, value: Any, cause: BaseException | str) -> None:
        super().__init__(path, expected, cause)
        self.path = path
        self.expected = expected
        self.value = value
        self.cause = cause

    def under(self, segment: str) -> _At:
        return _At((segment, *self.path), self.expected, self.value, self.cause)


def _render_path(path: tuple[str, ...]) -> str:
    """``.inner.tags[2]``: the engine's path convention (callers prepend ``o0``, containers ``[3]``)."""
    return "".join(path)


def _short_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:
        text = f"<unprintable {type(value).__name__}>"
    return text if len(text) <= 80 else text[:77] + "..."


def _conversion_error(verb: str, top: Any, at: _At) -> ConversionError:
    where = _render_path(at.path)
    shown = where.lstrip(".")
    if at.value is _MISSING_VALUE:
        message = f"Cannot {verb} {_type_name(top)}: required field '{shown}' ({_type_name(at.expected)}) is missing"
        return ConversionError(message, where)
    cause = at.cause if isinstance(at.cause, str) else f"{type(at.cause).__name__}: {at.cause}"
    location = f" field '{shown}'" if shown else ""
    message = (
        f"Cannot {verb} {_type_name(top)}:{location} expected {_type_name(at.expected)}, "
        f"got {_short_repr(at.value)} ({type(at.value).__name__}): {cause}"
    )
    return ConversionError(message, where)


_MISSING_VALUE: Final = object()


def _segment_for_key(key: Any) -> str:
    return f"[{json.dumps(key)}]" if isinstance(key, str) else f"[{key!r}]"


def _fault(step: Fn, value: Any, segment: str, expected: Any) -> _At | None:
    """Where ``step`` fails on ``value`` (found at ``segment``, declared ``expected``); None if it does not."""
    try:
        step(value)
    except _At as inner:
        return inner.under(segment)
    except Exception as e:
        return _At((segment,), expected, value, e)
    return None


def _locate_in_seq(values: Any, step: Fn, elem_tp: Any, exc: BaseException, whole_tp: Any) -> _At:
    if isinstance(exc, _At) and not isinstance(values, (list, tuple, set, frozenset)):
        return exc
    try:
        items = list(values)
    except Exception as e:
        return _At((), whole_tp, values, e)
    for i, item in enumerate(items):
        at = _fault(step, item, f"[{i}]", elem_tp)
        if at is not None:
            return at
    return _At((), whole_tp, values, exc)


def _locate_in_map(
    values: Any, kstep: Fn | None, vstep: Fn | None, ktp: Any, vtp: Any, exc: BaseException, whole_tp: Any
) -> _At:
    try:
        items = list(values.items())
    except Exception as e:
        return _At((), whole_tp, values, e)
    for k, v in items:
        if kstep is not None:
            try:
                kstep(k)
            except _At as inner:
                return inner.under(f"<key {k!r}>")
            except Exception as e:
                return _At((f"<key {k!r}>",), ktp, k, e)
        if vstep is not None:
            try:
                vstep(v)
            except _At as inner:
                return inner.under(_segment_for_key(k))
            except Exception as e:
                return _At((_segment_for_key(k),), vtp, v, e)
    return _At((), whole_tp, values, exc)


# ----------------------------------------------------------------------------------------------------------
# The codec compiler
# ----------------------------------------------------------------------------------------------------------

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


def _identifier(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name)


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
    """

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self._enc: dict[Any, Fn | None] = {}
        self._dec: dict[Any, Fn | None] = {}

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
        kind = blob_kind(tp)
        if kind is not None:
            return _blob_encoder(tp, kind)
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
            if not args or (len(args) == 2 and args[1] is Ellipsis):
                elem_tp = args[0] if args else Any
                step = self.encoder(elem_tp)
                return _seq_encoder(list if step is None else step, tp, elem_tp)  # always a list
            if args == ((),):
                return _empty_list
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
        for arg in args:
            step = self.encoder(arg)
            base = strip_type(arg)
            if step is None:
                if base is Any:
                    return None
                cls = typing.get_origin(base) or base
                if isinstance(cls, type):
                    passthrough.append(cls)
            else:
                tries.append(step)
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
        if blob_kind(tp) is not None:
            return _blob_decoder(tp)
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
            if not args or (len(args) == 2 and args[1] is Ellipsis):
                elem_tp = args[0] if args else Any
                return _seq_decoder(self.decoder(elem_tp), tuple, tp, elem_tp)
            if args == ((),):
                return _empty_tuple
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
            base = strip_type(arg)
            if base is None:
                base = _NONE_TYPE
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
                    getattr(f, "kw_only", False) is True,
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


# ---- engine-delegated leaves (FlyteFile / FlyteDirectory fields) -------------------------------------------

_LOCAL = threading.local()


def current_conversion() -> tuple[Engine, Sink]:
    """The engine and sink of the conversion in progress (set by :func:`conversion_scope`)."""
    return _current_conversion()


def _current_conversion() -> tuple[Engine, Sink]:
    ctx = getattr(_LOCAL, "conversion", None)
    if ctx is None:
        raise ConversionError("a FlyteFile/FlyteDirectory inside a dataclass needs the type engine's context")
    return typing.cast("tuple[Engine, Sink]", ctx)


def _blob_encoder(tp: Any, kind: str) -> Fn:
    if kind in ("structured", "schema"):
        from flyte_entrypoint.core.types import leaf_codecs

        return leaf_codecs.encoder(tp, kind)

    def enc_blob(v: Any) -> Any:
        engine, sink = _current_conversion()
        lit = engine.to_literal(v, tp, sink)
        out: dict[str, Any] = {"path": lit.scalar.blob.uri}
        if kind == "file" and lit.metadata:
            out["metadata"] = dict(lit.metadata)
        return out

    return enc_blob


def _blob_decoder(tp: Any) -> Fn:
    kind = blob_kind(tp)
    if kind in ("structured", "schema"):
        from flyte_entrypoint.core.types import leaf_codecs

        return leaf_codecs.decoder(tp, kind)

    def dec_blob(v: Any) -> Any:
        engine, sink = _current_conversion()
        path = v.get("path") if isinstance(v, dict) else None
        if not isinstance(path, str):
            raise ValueError(f"expected a map with a 'path' string, got {_short_repr(v)}")
        lit = literals_pb2.Literal()
        blob = lit.scalar.blob
        blob.uri = path
        blob.metadata.type.CopyFrom(engine.literal_type(tp).blob)
        meta = v.get("metadata")
        if isinstance(meta, dict):
            lit.metadata.update({str(k): str(x) for k, x in meta.items()})
        return engine.to_python(lit, tp, sink)

    return dec_blob


_USES_ENGINE: dict[Any, bool] = {}


def uses_engine(tp: Any) -> bool:
    """Does encoding/decoding ``tp`` reach a FlyteFile/FlyteDirectory (which needs the engine and the sink)?"""
    try:
        return _USES_ENGINE[tp]
    except KeyError:
        pass
    except TypeError:
        return _uses_engine(tp, set())
    found = _uses_engine(tp, set())
    _USES_ENGINE[tp] = found
    return found


def _uses_engine(tp: Any, seen: set[int]) -> bool:
    tp = strip_type(tp)
    if id(tp) in seen:
        return False
    seen.add(id(tp))
    if blob_kind(tp) is not None:
        return True
    if _is_dataclass_type(tp):
        return any(_uses_engine(t, seen) for t in field_hints(tp).values())
    return any(
        _uses_engine(a, seen)
        for a in typing.get_args(tp)
        if a is not Ellipsis and not isinstance(a, (str, int))
    )


class _Conversion:
    """``with _Conversion(engine, sink):`` makes them visible to the blob leaves (restored on exit)."""

    __slots__ = ("_new", "_previous")

    def __init__(self, engine: Engine, sink: Sink) -> None:
        self._new = (engine, sink)
        self._previous: Any = None

    def __enter__(self) -> None:
        self._previous = getattr(_LOCAL, "conversion", None)
        _LOCAL.conversion = self._new

    def __exit__(self, *exc: object) -> None:
        _LOCAL.conversion = self._previous


def _none_passes(step: Fn | None, default_is_none: bool) -> Fn | None:
    """mashumaro lets ``None`` through unconverted for a field whose default is ``None``, whatever its type."""
    if not default_is_none:
        return step
    return _none_or(step)


def _none_or(step: Fn | None) -> Fn | None:
    """``step``, letting ``None`` through unconverted (None for no step: everything passes through)."""
    if step is None:
        return None
    inner: Fn = step

    def none_or(v: Any) -> Any:
        return None if v is None else inner(v)

    return none_or


def _compose(outer: Fn, inner: Fn) -> Fn:
    def composed(v: Any) -> Any:
        return outer(inner(v))

    return composed


def _empty_list(_v: Any) -> list[Any]:
    return []


def _empty_tuple(_v: Any) -> tuple[()]:
    return ()


def _seq_encoder(step: Fn, tp: Any, elem_tp: Any) -> Fn:
    def enc_seq(v: Any) -> Any:
        try:
            return [step(x) for x in v]
        except Exception as exc:
            raise _locate_in_seq(v, step, elem_tp, exc, tp) from None

    if step is list:

        def enc_set(v: Any) -> Any:
            try:
                return list(v)
            except Exception as exc:
                raise _At((), tp, v, exc) from None

        return enc_set
    return enc_seq


def _fixed_tuple_encoder(steps: list[Fn | None], arg_types: list[Any], tp: Any) -> Fn:
    n = len(steps)
    pairs = list(enumerate(steps))

    def enc_tuple(v: Any) -> Any:
        try:
            return [v[i] if s is None else s(v[i]) for i, s in pairs]
        except Exception as exc:
            try:
                if len(v) < n:
                    raise _At((), tp, v, f"expected {n} items") from None
            except TypeError:
                raise _At((), tp, v, exc) from None
            for i, s in pairs:
                if s is None:
                    continue
                try:
                    s(v[i])
                except _At as inner:
                    raise inner.under(f"[{i}]") from None
                except Exception as e:
                    raise _At((f"[{i}]",), arg_types[i], v[i], e) from None
            raise _At((), tp, v, exc) from None

    return enc_tuple


def _map_step(kstep: Fn | None, vstep: Fn | None, ktp: Any, vtp: Any, tp: Any) -> Fn:
    """A dict's encoder or decoder: ``kstep``/``vstep`` on every key/value (None: kept as is)."""
    k = kstep or _identity
    val = vstep or _identity

    def map_step(v: Any) -> Any:
        try:
            return {k(key): val(value) for key, value in v.items()}
        except Exception as exc:
            raise _locate_in_map(v, kstep, vstep, ktp, vtp, exc, tp) from None

    return map_step


def _identity(v: Any) -> Any:
    return v


def _seq_decoder(step: Fn | None, wrap: Fn | None, tp: Any, elem_tp: Any) -> Fn:
    if step is None:
        if wrap is None:
            wrap = list

        def dec_plain(v: Any) -> Any:
            try:
                return wrap(v)
            except Exception as exc:
                raise _At((), tp, v, exc) from None

        return dec_plain

    if wrap is None:

        def dec_list(v: Any) -> Any:
            try:
                return [step(x) for x in v]
            except Exception as exc:
                raise _locate_in_seq(v, step, elem_tp, exc, tp) from None

        return dec_list

    def dec_wrapped(v: Any) -> Any:
        try:
            return wrap([step(x) for x in v])
        except Exception as exc:
            raise _locate_in_seq(v, step, elem_tp, exc, tp) from None

    return dec_wrapped


def _fixed_tuple_decoder(steps: list[Fn | None], arg_types: list[Any], tp: Any) -> Fn:
    pairs = list(enumerate(steps))

    def dec_tuple(v: Any) -> Any:
        try:
            return tuple([v[i] if s is None else s(v[i]) for i, s in pairs])
        except Exception as exc:
            for i, s in pairs:
                try:
                    item = v[i]
                except Exception as e:
                    raise _At((f"[{i}]",), arg_types[i], v, e) from None
                if s is None:
                    continue
                at = _fault(s, item, f"[{i}]", arg_types[i])
                if at is not None:
                    raise at from None
            raise _At((), tp, v, exc) from None

    return dec_tuple


# ---- generated dataclass functions ------------------------------------------------------------------------


def _generate_dataclass_encoder(cls: type, plan: list[tuple[str, Fn | None]], hints: dict[str, Any]) -> Fn:
    """``def enc(v): return {'x': v.x, 'inner': _e1(v.inner), ...}`` with a slow path that names the field."""
    namespace: dict[str, Any] = {"_slow": None}
    items: list[str] = []
    for i, (name, step) in enumerate(plan):
        access = f"v.{name}" if _identifier(name) else f"getattr(v, {name!r})"
        if step is None:
            items.append(f"{name!r}: {access}")
        else:
            namespace[f"_e{i}"] = step
            items.append(f"{name!r}: _e{i}({access})")
    source = (
        "def enc(v):\n"
        "    try:\n"
        f"        return {{{', '.join(items)}}}\n"
        "    except BaseException as exc:\n"
        "        raise _slow(v, exc) from None\n"
    )

    def slow(v: Any, exc: BaseException) -> BaseException:
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            return exc
        if not dataclasses.is_dataclass(v) or isinstance(v, type):
            return _At((), cls, v, f"expected a {cls.__qualname__} instance")
        for name, step in plan:
            segment = f".{name}"
            try:
                value = getattr(v, name)
            except Exception as e:
                return _At((segment,), hints.get(name, Any), v, e)
            if step is None:
                continue
            at = _fault(step, value, segment, hints.get(name, Any))
            if at is not None:
                return at
        return _At((), cls, v, exc)

    namespace["_slow"] = slow
    exec(compile(source, f"<flyte-entrypoint encoder {cls.__qualname__}>", "exec"), namespace)
    return typing.cast(Fn, namespace["enc"])


def _generate_dataclass_decoder(
    cls: type, plan: list[tuple[str, Fn | None, bool, bool]], hints: dict[str, Any]
) -> Fn:
    """``def dec(d): ... return cls(int(d['x']), **optional)``: missing optional keys keep their defaults.

    Required positional fields are passed positionally (they lead ``__init__``'s signature), the rest by keyword.
    """
    namespace: dict[str, Any] = {"_cls": cls, "_slow": None}
    lines = ["def dec(d):", "    try:"]
    required_args: list[str] = []
    has_optional = False
    positional = True
    for i, (name, step, required, kw_only) in enumerate(plan):
        if step is not None:
            namespace[f"_d{i}"] = step
            expr = f"_d{i}(d[{name!r}])"
        else:
            expr = f"d[{name!r}]"
        if required and positional and not kw_only:
            required_args.append(expr)
            continue
        positional = False
        if required:
            if _identifier(name):
                required_args.append(f"{name}={expr}")
            else:
                required_args.append(f"**{{{name!r}: {expr}}}")
        else:
            has_optional = True
            lines.append(f"        if {name!r} in d:")
            lines.append(f"            kw[{name!r}] = {expr}")
    if has_optional:
        lines.insert(2, "        kw = {}")
        required_args.append("**kw")
    lines.append(f"        return _cls({', '.join(required_args)})")
    lines.append("    except BaseException as exc:")
    lines.append("        raise _slow(d, exc) from None")
    source = "\n".join(lines) + "\n"

    def slow(d: Any, exc: BaseException) -> BaseException:
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            return exc
        if not isinstance(d, dict):
            return _At((), cls, d, "expected a map of field names to values")
        for name, step, required, _kw_only in plan:
            segment = f".{name}"
            if name not in d:
                if required:
                    return _At((segment,), hints.get(name, Any), _MISSING_VALUE, "missing")
                continue
            if step is None:
                continue
            at = _fault(step, d[name], segment, hints.get(name, Any))
            if at is not None:
                return at
        return _At((), cls, d, exc)

    namespace["_slow"] = slow
    exec(compile(source, f"<flyte-entrypoint decoder {cls.__qualname__}>", "exec"), namespace)
    return typing.cast(Fn, namespace["dec"])


_CODECS: Final = {_MSGPACK_DIALECT: _Codec(_MSGPACK_DIALECT), _JSON_DIALECT: _Codec(_JSON_DIALECT)}
_MSG: Final = _CODECS[_MSGPACK_DIALECT]


def to_builtins(value: Any, tp: Any, dialect: str = _MSGPACK_DIALECT) -> Any:
    """``value`` (declared ``tp``) as the msgpack-/JSON-able builtins mashumaro would produce. Raises ConversionError."""
    step = _CODECS[dialect].encoder(tp)
    try:
        return value if step is None else step(value)
    except _At as at:
        raise _conversion_error("encode", tp, at) from None


def from_builtins(obj: Any, tp: Any, dialect: str = _MSGPACK_DIALECT) -> Any:
    """Decode msgpack-/JSON-decoded builtins into ``tp`` with mashumaro's coercions. Raises ConversionError."""
    step = _CODECS[dialect].decoder(tp)
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


# ----------------------------------------------------------------------------------------------------------
# msgpack and Struct plumbing
# ----------------------------------------------------------------------------------------------------------


def _packer() -> Any:
    """A per-thread ``msgpack.Packer(use_bin_type=True)`` (what mashumaro's encoder calls ``packb`` with)."""
    packer = getattr(_LOCAL, "packer", None)
    if packer is None:
        packer = _LOCAL.packer = msgpack.Packer(use_bin_type=True)
    return packer


def _child_type(tp: Any, kind: str, key: Any = None) -> Any:
    """The declared type of an item inside ``tp``: ``kind`` is ``field``, ``item`` (index ``key``), ``key``, ``value``."""
    tp = strip_type(tp)
    if is_union(tp):
        opt = _optional_arg(tp)
        if opt is None:
            return Any
        tp = strip_type(opt)
    args = typing.get_args(tp)
    if kind == "field":
        return field_hints(tp).get(key, Any) if _is_dataclass_type(tp) else Any
    container = container_kind(tp)
    if kind == "item" and container in ("list", "set", "frozenset", "tuple"):
        if container == "tuple" and args and not (len(args) == 2 and args[1] is Ellipsis):
            return args[key] if isinstance(key, int) and key < len(args) else Any
        return args[0] if args else Any
    if kind in ("key", "value") and container == "dict" and len(args) == 2:
        return args[0] if kind == "key" else args[1]
    return Any


def _find_unpackable(
    obj: Any, tp: Any, path: tuple[str, ...] = ()
) -> tuple[tuple[str, ...], Any, Any] | None:
    """Where in a builtins tree msgpack gave up: (path, leaf, declared type) of the first leaf it cannot pack."""
    if obj is None or isinstance(obj, (bool, int, float, str, bytes, bytearray, memoryview)):
        if isinstance(obj, int) and not isinstance(obj, bool) and not -(2**63) <= obj < 2**64:
            return path, obj, tp
        return None
    if isinstance(obj, (list, tuple)):
        for i, x in enumerate(obj):
            found = _find_unpackable(x, _child_type(tp, "item", i), (*path, f"[{i}]"))
            if found is not None:
                return found
        return None
    if isinstance(obj, dict):
        is_dc = _is_dataclass_type(strip_type(tp))
        for k, x in obj.items():
            if not is_dc:
                key_found = _find_unpackable(k, _child_type(tp, "key"), (*path, f"<key {k!r}>"))
                if key_found is not None:
                    return key_found
            if is_dc:
                segment, child = f".{k}", _child_type(tp, "field", k)
            else:
                segment, child = _segment_for_key(k), _child_type(tp, "value")
            found = _find_unpackable(x, child, (*path, segment))
            if found is not None:
                return found
        return None
    return path, obj, tp


def _pack(obj: Any, tp: Any) -> bytes:
    try:
        return typing.cast(bytes, _packer().pack(obj))
    except Exception as exc:  # TypeError (unknown type), OverflowError (int too big), ValueError (too deep)
        _LOCAL.packer = None  # do not reuse a packer that failed half-way
        found = _find_unpackable(obj, tp)
        path, leaf, expected = found if found is not None else ((), obj, tp)
        if expected is Any:
            expected = "a msgpack-encodable value"
        raise _conversion_error("encode", tp, _At(path, expected, leaf, exc)) from None


def _unpack(data: bytes, tp: Any) -> Any:
    try:
        return msgpack.unpackb(data, strict_map_key=False)
    except Exception as exc:
        raise ConversionError(
            f"Cannot decode {_type_name(tp)}: corrupt msgpack payload ({len(data)} bytes): "
            f"{type(exc).__name__}: {exc}"
        ) from None


_WRITERS: dict[Any, Callable[[Any], bytes]] = {}
_READERS: dict[Any, Callable[[bytes], Any]] = {}


def msgpack_writer(tp: Any) -> Callable[[Any], bytes]:
    """A compiled ``value -> msgpack bytes`` for ``tp`` (cached per type); raises ``ConversionError``."""
    try:
        return _WRITERS[tp]
    except KeyError:
        pass
    step = _MSG.encoder(tp)
    local = _LOCAL

    def write(value: Any) -> bytes:
        try:
            obj = value if step is None else step(value)
        except _At as at:
            raise _conversion_error("encode", tp, at) from None
        try:
            packed: bytes = local.packer.pack(obj)
            return packed
        except Exception:  # no packer yet in this thread, or a value msgpack cannot pack (named by _pack)
            return _pack(obj, tp)

    try:
        _WRITERS[tp] = write
    except TypeError:  # unhashable annotation: not cached
        pass
    return write


def msgpack_reader(tp: Any) -> Callable[[bytes], Any]:
    """A compiled ``msgpack bytes -> value`` for ``tp`` with mashumaro's coercions; raises ``ConversionError``."""
    try:
        return _READERS[tp]
    except KeyError:
        pass
    step = _MSG.decoder(tp)
    unpackb = msgpack.unpackb

    def read(data: bytes) -> Any:
        try:
            obj = unpackb(data, strict_map_key=False)
        except Exception:
            return _unpack(data, tp)  # raises the ConversionError
        if step is None:
            return obj
        try:
            return step(obj)
        except _At as at:
            raise _conversion_error("decode", tp, at) from None
        except Exception as exc:  # a bare step (int, Color, ...) at the top level
            raise _conversion_error("decode", tp, _At((), tp, obj, exc)) from None

    try:
        _READERS[tp] = read
    except TypeError:
        pass
    return read


def encode_msgpack(value: Any, tp: Any) -> bytes:
    """The msgpack bytes flytekit writes for ``value`` declared as ``tp`` (a dataclass, a dict type, ...)."""
    return msgpack_writer(tp)(value)


def decode_msgpack(data: bytes, tp: Any) -> Any:
    """Decode msgpack bytes into ``tp`` with mashumaro's coercions."""
    return msgpack_reader(tp)(data)


def _binary_literal(data: bytes) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    binary = lit.scalar.binary
    binary.value = data
    binary.tag = MSGPACK
    return lit


def _varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


_SMALL_VARINTS: Final = [bytes((i,)) for i in range(0x80)] + [
    bytes(((i & 0x7F) | 0x80, i >> 7)) for i in range(0x80, 1 << 14)
]  # the varints of 0..16383 (one or two bytes), built without calling _varint 16k times at import
_BINARY_TAIL: Final = b"\x12\x07" + MSGPACK.encode()  # Binary.tag (field 2) = "msgpack"


def _framed_binary_literal(data: bytes) -> bytes:
    """``LiteralCollection.literals`` entry (field 1) holding ``Literal{scalar{binary{value, tag}}}``, serialized.

    Wire layout: Literal.scalar = field 1, Scalar.binary = field 3, Binary.value = 1, Binary.tag = 2.
    """
    small = _SMALL_VARINTS
    n = len(data)
    binary_len = 1 + len(small[n] if n < 16384 else _varint(n)) + n + len(_BINARY_TAIL)
    scalar_len = 1 + len(small[binary_len] if binary_len < 16384 else _varint(binary_len)) + binary_len
    literal_len = 1 + len(small[scalar_len] if scalar_len < 16384 else _varint(scalar_len)) + scalar_len
    if literal_len < 16384:
        return b"".join(
            (
                b"\x0a",
                small[literal_len],
                b"\x0a",
                small[scalar_len],
                b"\x1a",
                small[binary_len],
                b"\x0a",
                small[n] if n < 16384 else _varint(n),
                data,
                _BINARY_TAIL,
            )
        )
    return b"".join(
        (
            b"\x0a",
            _varint(literal_len),
            b"\x0a",
            _varint(scalar_len),
            b"\x1a",
            _varint(binary_len),
            b"\x0a",
            _varint(n),
            data,
            _BINARY_TAIL,
        )
    )


def _struct_literal(obj: Any, tp: Any, metadata: dict[str, str] | None = None) -> literals_pb2.Literal:
    """flytekit's old format: ``json_format.Parse(json.dumps(obj), Struct())``."""
    try:
        text = json.dumps(obj)
    except (TypeError, ValueError) as exc:
        raise ConversionError(
            f"Cannot encode {_type_name(tp)} as JSON (old dataclass format): {exc}"
        ) from None
    lit = literals_pb2.Literal()
    try:
        json_format.Parse(text, lit.scalar.generic)
    except json_format.ParseError as exc:
        raise ConversionError(f"Cannot encode {_type_name(tp)} as a Struct: {exc}") from None
    if metadata:
        lit.metadata.update(metadata)
    return lit


def _value_to_python(v: struct_pb2.Value) -> Any:
    kind = v.WhichOneof("kind")
    if kind == "number_value":
        return v.number_value
    if kind == "string_value":
        return v.string_value
    if kind == "bool_value":
        return v.bool_value
    if kind == "struct_value":
        return struct_to_python(v.struct_value)
    if kind == "list_value":
        return [_value_to_python(x) for x in v.list_value.values]
    return None


def struct_to_python(s: struct_pb2.Struct) -> dict[str, Any]:
    """A Struct as JSON would read it (``json.loads(MessageToJson(s))``): every number is a float."""
    return {k: _value_to_python(v) for k, v in s.fields.items()}


def msgpack_annotation() -> types_pb2.TypeAnnotation:
    ann = types_pb2.TypeAnnotation()
    ann.annotations.update({CACHE_KEY_METADATA: {SERIALIZATION_FORMAT: MSGPACK}})
    return ann


def _struct_literal_type() -> types_pb2.LiteralType:
    lt = types_pb2.LiteralType(simple=types_pb2.STRUCT)
    lt.annotation.CopyFrom(msgpack_annotation())
    return lt


def _copy(lt: types_pb2.LiteralType) -> types_pb2.LiteralType:
    out = types_pb2.LiteralType()
    out.CopyFrom(lt)
    return out


def is_msgpack_literal(literal: literals_pb2.Literal) -> bool:
    """Is this ``scalar { binary { ... } }`` (any tag)? Transformers route such literals to the helper below."""
    return bool(literal.HasField("scalar") and literal.scalar.HasField("binary"))


_SIMPLE_EXACT: Final = (int, float, str, bool)


def decode_msgpack_literal(literal: literals_pb2.Literal, tp: Any) -> Any:
    """Decode a ``binary`` msgpack literal into declared type ``tp`` the way flytekit 1.16 does.

    This is how propeller passes dataclass attribute-access results (``dc.xs``, ``dc.n``) to the next task.

    * ``int``/``float``/``str``/``bool``: the plain msgpack value, whose python type must match **exactly**
      (an int for ``float`` is refused, as in flytekit's SimpleTransformer).
    * ``datetime``/``date``/``timedelta``: from the ISO string / float seconds mashumaro wrote.
    * everything else (``List[...]``, ``Dict[...]``, dataclasses, ``dict``, ``Optional[...]``...): mashumaro-style
      decoding with coercions, like flytekit's ``TypeTransformer.from_binary_idl``.

    Raises ``ConversionError`` for another tag, a corrupt payload, or a value that does not fit.
    """
    binary = literal.scalar.binary
    if binary.tag != MSGPACK:
        raise ConversionError(f"Cannot decode {_type_name(tp)}: unsupported binary format {binary.tag!r}")
    obj = _unpack(binary.value, tp)
    base = strip_type(tp)
    if base in _SIMPLE_EXACT:
        if type(obj) is not base:
            raise ConversionError(
                f"Cannot decode {_type_name(tp)}: the msgpack value {_short_repr(obj)} is a "
                f"{type(obj).__name__}, expected exactly {base.__name__}"
            )
        return obj
    return from_builtins(obj, tp)


def _at_index(exc: ConversionError, index: int) -> ConversionError:
    return exc.under(f"[{index}]")


def _literal_kind(literal: literals_pb2.Literal) -> str:
    kind = literal.WhichOneof("value")
    if kind == "scalar":
        return str(literal.scalar.WhichOneof("value"))
    return str(kind)


# ----------------------------------------------------------------------------------------------------------
# The transformers
# ----------------------------------------------------------------------------------------------------------


_Plan = tuple[bool, Callable[[Any], bytes], Callable[[bytes], Any]]


class _StructTransformerBase(abc.ABC):
    """What the dataclass and untyped-dict transformers share: the msgpack fast paths and the list bulk path.

    The public methods make the engine and the sink visible to FlyteFile/FlyteDirectory fields (when the type
    has any) and delegate to the ``_``-prefixed implementations.
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
    def _to_python_other(self, literal: literals_pb2.Literal, tp: Any) -> Any:
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
        except TypeError:
            return (uses_engine(tp), msgpack_writer(tp), msgpack_reader(tp))
        plan = (uses_engine(tp), msgpack_writer(tp), msgpack_reader(tp))
        self._plans[tp] = plan
        return plan

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        if uses_engine(tp):
            with _Conversion(engine, sink):
                return self._to_literal(value, tp, engine, sink)
        return self._to_literal(value, tp, engine, sink)

    def write(self, value: Any, tp: Any, engine: Engine, sink: Sink, target: literals_pb2.Literal) -> None:
        """``to_literal`` into the empty ``target`` (e.g. a ``collection.literals.add()``): no copy."""
        needs_engine, writer, _reader = self._plan(tp)
        if needs_engine:
            with _Conversion(engine, sink):
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
            with _Conversion(engine, sink):
                return self._to_python(literal, tp)
        binary = literal.scalar.binary
        if binary.tag == MSGPACK:  # the fast path: no HasField, no type normalization
            return reader(binary.value)
        return self._to_python_other(literal, tp)

    def _to_python(self, literal: literals_pb2.Literal, tp: Any) -> Any:
        binary = literal.scalar.binary
        if binary.tag == MSGPACK:  # the fast path: no HasField, no type normalization
            return decode_msgpack(binary.value, tp)
        return self._to_python_other(literal, tp)

    def to_literal_list(self, values: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        """``Literal(collection=[to_literal(v) for v in values])``, built as bytes and parsed once.

        Gives the same literal as the per-element path; the list transformer calls this when the element
        transformer has it. Values needing the slow path (old format, a dict for a dataclass...) use it.
        """
        if uses_engine(tp):
            with _Conversion(engine, sink):
                return self._to_literal_list(values, tp, engine, sink)
        return self._to_literal_list(values, tp, engine, sink)

    def write_list(
        self, values: Any, tp: Any, engine: Engine, sink: Sink, target: literals_pb2.Literal
    ) -> None:
        """``to_literal_list`` into the empty ``target`` Literal (no extra copy of a big collection)."""
        if uses_engine(tp):
            with _Conversion(engine, sink):
                self._write_list(values, tp, engine, sink, target)
        else:
            self._write_list(values, tp, engine, sink, target)

    def to_python_list(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> list[Any]:
        """``[to_python(x) for x in literal.collection.literals]``, without per-element dispatch."""
        if uses_engine(tp):
            with _Conversion(engine, sink):
                return self._to_python_list(literal, tp, engine, sink)
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
        step = _MSG.encoder(tp)
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
        step = _MSG.decoder(tp)
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
                    if step is None:
                        append(obj)
                    else:
                        try:
                            append(step(obj))
                        except _At as at:
                            raise _conversion_error("decode", tp, at) from None
                        except Exception as exc:
                            raise _conversion_error("decode", tp, _At((), tp, obj, exc)) from None
                else:
                    append(self._to_python_other(lit, tp))
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
        if type(value) is tp and not sink.context.use_old_dc_format:  # the fast path
            return _binary_literal(encode_msgpack(value, tp))
        old = sink.context.use_old_dc_format
        if isinstance(value, dict):
            self._check_dict_shape(value, tp)
            return _struct_literal(value, tp) if old else _binary_literal(_pack(value, tp))
        if not isinstance(value, tp):
            self._check_compatible(value, tp)
        if old:
            return _struct_literal(to_builtins(value, tp, _JSON_DIALECT), tp)
        return _binary_literal(encode_msgpack(value, tp))

    def _write(self, value: Any, tp: Any, engine: Engine, sink: Sink, target: literals_pb2.Literal) -> None:
        """``to_literal`` into the empty ``target`` (e.g. a ``collection.literals.add()``): no copy."""
        if type(value) is tp and not sink.context.use_old_dc_format:
            binary = target.scalar.binary
            binary.value = encode_msgpack(value, tp)
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

    def _to_python_other(self, literal: literals_pb2.Literal, tp: Any) -> Any:
        if literal.HasField("scalar"):
            scalar = literal.scalar
            if scalar.HasField("binary"):
                return decode_msgpack_literal(literal, tp)  # raises for the unsupported tag
            if scalar.HasField("generic"):
                return from_builtins(struct_to_python(scalar.generic), tp, _JSON_DIALECT)
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
            return _struct_literal(to_builtins(value, tp, _JSON_DIALECT), tp, {"format": "json"})
        return _binary_literal(encode_msgpack(value, tp))

    def _write(self, value: Any, tp: Any, engine: Engine, sink: Sink, target: literals_pb2.Literal) -> None:
        """``to_literal`` into the empty ``target``: no copy."""
        if type(value) is dict and not sink.context.use_old_dc_format:
            binary = target.scalar.binary
            binary.value = encode_msgpack(value, tp)
            binary.tag = MSGPACK
        else:
            target.CopyFrom(self._to_literal(value, tp, engine, sink))

    def _to_python_other(self, literal: literals_pb2.Literal, tp: Any) -> Any:
        if literal.HasField("scalar"):
            scalar = literal.scalar
            if scalar.HasField("binary"):
                return decode_msgpack_literal(literal, tp)
            if scalar.HasField("generic"):
                if literal.metadata.get("format") == "pickle":
                    raise ConversionError(
                        f"Cannot convert a pickled dict (Struct {{'pickle_file': ...}}) to {_type_name(tp)}: "
                        "pickle-format dicts are not supported"
                    )
                # flytekit: Struct -> JSON -> msgpack -> MessagePackDecoder(tp), i.e. the msgpack dialect
                return from_builtins(struct_to_python(scalar.generic), tp)
        raise ConversionError(
            f"Cannot convert a {_literal_kind(literal)} literal to {_type_name(tp)}: expected a msgpack binary or a "
            "Struct"
        )


# ---- the machinery other msgpack transformers reuse (pydantic models: pydantic_model.py) -------------------


def conversion_scope(engine: Engine, sink: Sink) -> _Conversion:
    """``with conversion_scope(engine, sink):`` lets FlyteFile/FlyteDirectory/StructuredDataset leaves reach both."""
    return _Conversion(engine, sink)


def pack_builtins(obj: Any, tp: Any) -> bytes:
    """msgpack bytes of a builtins tree (``use_bin_type``), with the failing leaf named on error."""
    try:
        packed: bytes = _packer().pack(obj)
        return packed
    except Exception:
        return _pack(obj, tp)


def binary_literal(data: bytes) -> literals_pb2.Literal:
    """``scalar { binary { value: data tag: "msgpack" } }``."""
    return _binary_literal(data)


def collection_of_binaries(payloads: list[bytes]) -> bytes:
    """A serialized ``Literal { collection { literals: [binary msgpack ...] } }`` built from the payloads directly."""
    body = b"".join(_framed_binary_literal(p) for p in payloads)
    return b"\x12" + _varint(len(body)) + body


def leaf_encoder(tp: Any) -> Fn | None:
    """The codec's encoder for a FlyteFile/FlyteDirectory/StructuredDataset class (None for other types)."""
    kind = blob_kind(tp)
    return None if kind is None else _blob_encoder(tp, kind)


def leaf_decoder(tp: Any) -> Fn | None:
    return None if blob_kind(tp) is None else _blob_decoder(tp)


def struct_literal(obj: Any, tp: Any) -> literals_pb2.Literal:
    """flytekit's old (``FLYTE_USE_OLD_DC_FORMAT``) encoding: the JSON-able ``obj`` as a ``generic`` Struct."""
    return _struct_literal(obj, tp)


def struct_literal_type() -> types_pb2.LiteralType:
    """``simple: STRUCT`` with the msgpack cache-key annotation (dataclasses, dicts, pydantic models)."""
    return _struct_literal_type()


UNTYPED_DICT: Final = UntypedDictTransformer()
DATACLASS: Final = DataclassTransformer()
