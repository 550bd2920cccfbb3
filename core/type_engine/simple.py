"""Scalars: ``int``, ``float``, ``str``, ``bool``, ``None``, ``datetime``, ``date``, ``timedelta``.

Byte-identical to flytekit 1.16's ``SimpleTransformer`` instances (PROTOCOL.md 10.1, 10.10):

* Writing is strict: ``type(value)`` must be exactly the declared class (``True`` is not an ``int``, ``3`` is
  not a ``float``, a ``datetime`` is not a ``date``).
* ``datetime``: a naive value is taken as UTC, an aware one is converted to UTC; microsecond precision.
  ``date`` is written as midnight UTC of that day.  ``timedelta`` becomes a Duration (negative ones carry the
  sign on both seconds and nanos).
* Reading: an ``integer`` literal is accepted for ``float``; a ``float_value`` for ``int`` is truncated with
  ``int()`` (flyte console sends JS numbers); everything else must be the matching primitive.  DATETIME is
  always read back as a tz-aware UTC datetime, and ``date`` is the date of that UTC datetime.  A ``binary``
  msgpack literal (propeller's dataclass attribute access) is decoded by ``struct.decode_msgpack_literal``.
* Only these exact classes are handled; a subclass (``class Meters(float)``) is not.

One deliberate difference: an aware datetime whose tzinfo reports no offset is treated as naive (UTC)
instead of as the machine's local time, which would make the result depend on the host.

Laws (run in ``property_tests/test_type_engine_laws.py``): every value reads back as itself, datetimes as the
same instant in UTC (``test_round_trip_is_identity``, ``test_time_values_round_trip_inside_lists``); a literal
survives protobuf serialization (``test_literal_survives_serialization``); writing and reading are total
(``test_to_literal_is_total``, ``test_to_python_is_total``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, Final

from flyteidl.core import literals_pb2, types_pb2

from flyte_entrypoint.core.type_engine.engine import ConversionError, Engine, Sink, idl_text, value_str

__all__ = [
    "BOOL",
    "DATE",
    "DATETIME",
    "FLOAT",
    "INT",
    "NONE",
    "SIMPLE_TRANSFORMERS",
    "STR",
    "TIMEDELTA",
    "SimpleTransformer",
    "literal_kind",
]

_NONE_TYPE: Final = type(None)
_UTC: Final = datetime.timezone.utc


def literal_kind(literal: literals_pb2.Literal) -> str:
    """What a literal holds, for messages: ``integer``, ``string_value``, ``collection``, ``union``..."""
    kind = literal.WhichOneof("value")
    if kind != "scalar":
        return kind or "empty"
    scalar = literal.scalar
    skind = scalar.WhichOneof("value")
    if skind == "primitive":
        return scalar.primitive.WhichOneof("value") or "empty primitive"
    return skind or "empty scalar"


def _primitive(literal: literals_pb2.Literal) -> literals_pb2.Primitive | None:
    if literal.WhichOneof("value") == "scalar" and literal.scalar.WhichOneof("value") == "primitive":
        return literal.scalar.primitive
    return None


def _is_binary(literal: literals_pb2.Literal) -> bool:
    return bool(literal.WhichOneof("value") == "scalar" and literal.scalar.WhichOneof("value") == "binary")


def _cannot(literal: literals_pb2.Literal, target: Any) -> ConversionError:
    """flytekit's "Cannot convert literal <literal as its models print it> to <target>"."""
    return ConversionError(f"Cannot convert literal {idl_text(literal)} to {target}")


# -- writers: fill an empty Literal; the type was already checked -----------------------------------------


def _write_int(value: Any, target: literals_pb2.Literal) -> None:
    try:
        target.scalar.primitive.integer = value
    except ValueError as exc:  # protobuf's "Value out of range: ..."
        raise ConversionError(str(exc), kind="ValueError") from None


def _write_float(value: Any, target: literals_pb2.Literal) -> None:
    target.scalar.primitive.float_value = value


def _write_str(value: Any, target: literals_pb2.Literal) -> None:
    try:
        target.scalar.primitive.string_value = value
    except ValueError as exc:  # lone surrogates cannot be UTF-8 encoded
        raise ConversionError(str(exc), kind=type(exc).__name__) from None


def _write_bool(value: Any, target: literals_pb2.Literal) -> None:
    target.scalar.primitive.boolean = value


def _utc_naive(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=None)
    try:
        return value.astimezone(_UTC).replace(tzinfo=None)
    except OverflowError as exc:
        raise ConversionError(str(exc), kind="OverflowError") from None


def _write_datetime(value: Any, target: literals_pb2.Literal) -> None:
    target.scalar.primitive.datetime.FromDatetime(_utc_naive(value))


def _write_date(value: Any, target: literals_pb2.Literal) -> None:
    target.scalar.primitive.datetime.FromDatetime(datetime.datetime.combine(value, datetime.time.min))


def _write_timedelta(value: Any, target: literals_pb2.Literal) -> None:
    target.scalar.primitive.duration.FromTimedelta(value)


def _write_none(value: Any, target: literals_pb2.Literal) -> None:
    target.scalar.none_type.SetInParent()


# -- readers ---------------------------------------------------------------------------------------------


# flytekit's readers fail in two ways: the literal is not a primitive scalar at all ("to <class 'int'>"), or
# it is the wrong primitive (int and float: "to int"; the others: "to <class 'str'>").


def _read_int(literal: literals_pb2.Literal) -> Any:
    p = _primitive(literal)
    if p is None:
        raise _cannot(literal, int)
    kind = p.WhichOneof("value")
    if kind == "integer":
        return p.integer
    if kind == "float_value":
        try:
            return int(p.float_value)
        except (ValueError, OverflowError) as exc:
            raise ConversionError(str(exc), kind=type(exc).__name__) from None
    raise _cannot(literal, "int")


def _read_float(literal: literals_pb2.Literal) -> Any:
    p = _primitive(literal)
    if p is None:
        raise _cannot(literal, float)
    kind = p.WhichOneof("value")
    if kind == "float_value":
        return p.float_value
    if kind == "integer":
        return float(p.integer)
    raise _cannot(literal, "float")


def _read_str(literal: literals_pb2.Literal) -> Any:
    p = _primitive(literal)
    if p is not None and p.WhichOneof("value") == "string_value":
        return p.string_value
    raise _cannot(literal, str)


def _read_bool(literal: literals_pb2.Literal) -> Any:
    p = _primitive(literal)
    if p is not None and p.WhichOneof("value") == "boolean":
        return p.boolean
    raise _cannot(literal, bool)


def _timestamp(literal: literals_pb2.Literal, tp: Any) -> datetime.datetime:
    p = _primitive(literal)
    if p is not None and p.WhichOneof("value") == "datetime":
        try:
            value: datetime.datetime = p.datetime.ToDatetime().replace(tzinfo=_UTC)
        except (ValueError, OverflowError) as exc:  # range check; OverflowError where protobuf has none
            raise ConversionError(str(exc), kind=type(exc).__name__) from None
        return value
    raise _cannot(literal, tp)


def _read_datetime(literal: literals_pb2.Literal) -> Any:
    return _timestamp(literal, datetime.datetime)


def _read_date(literal: literals_pb2.Literal) -> Any:
    return _timestamp(literal, datetime.date).date()


def _read_timedelta(literal: literals_pb2.Literal) -> Any:
    p = _primitive(literal)
    if p is not None and p.WhichOneof("value") == "duration":
        try:
            return p.duration.ToTimedelta()
        except (ValueError, OverflowError) as exc:  # timedelta's range; ValueError where protobuf checks first
            raise ConversionError(str(exc), kind=type(exc).__name__) from None
    raise _cannot(literal, datetime.timedelta)


def _read_none(literal: literals_pb2.Literal) -> Any:
    if literal.WhichOneof("value") != "scalar":
        raise _cannot(literal, _NONE_TYPE)
    if literal.scalar.WhichOneof("value") != "none_type":
        raise _cannot(literal, None)
    return None


Writer = Callable[[Any, literals_pb2.Literal], None]
Reader = Callable[[literals_pb2.Literal], Any]


class SimpleTransformer:
    """One python class <-> one ``SimpleType``. ``py_type`` is matched exactly, on types and on values."""

    __slots__ = ("_reader", "_writer", "accepts_none", "name", "py_type", "simple")

    def __init__(self, name: str, py_type: type, simple: int, writer: Writer, reader: Reader) -> None:
        self.name = name
        self.py_type = py_type
        self.simple = simple
        self._writer = writer
        self._reader = reader
        self.accepts_none = py_type is _NONE_TYPE

    def handles(self, tp: Any) -> bool:
        return tp is self.py_type or (tp is None and self.py_type is _NONE_TYPE)

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        lt = types_pb2.LiteralType()
        lt.simple = self.simple
        return lt

    def accepts(self, value: Any) -> bool:
        """Would ``write`` accept this value's type? (Cheap pre-check for union matching.)"""
        return type(value) is self.py_type

    def write_value(self, value: Any, target: literals_pb2.Literal) -> None:
        """Check the exact type and fill the empty ``target``."""
        if type(value) is not self.py_type:
            raise ConversionError(
                f"Expected value of type {self.py_type} but got '{value_str(value)}' of type {type(value)}"
            )
        self._writer(value, target)

    def write(self, value: Any, tp: Any, engine: Engine, sink: Sink, target: literals_pb2.Literal) -> None:
        self.write_value(value, target)

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        target = literals_pb2.Literal()
        self.write(value, tp, engine, sink, target)
        return target

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        if _is_binary(literal):
            from flyte_entrypoint.core.type_engine.msgpack_wire import decode_msgpack_literal

            return decode_msgpack_literal(literal, self.py_type)
        return self._reader(literal)

    def __repr__(self) -> str:
        return f"SimpleTransformer({self.name!r})"


_ST = types_pb2.SimpleType

INT: Final = SimpleTransformer("int", int, _ST.INTEGER, _write_int, _read_int)
FLOAT: Final = SimpleTransformer("float", float, _ST.FLOAT, _write_float, _read_float)
STR: Final = SimpleTransformer("str", str, _ST.STRING, _write_str, _read_str)
BOOL: Final = SimpleTransformer("bool", bool, _ST.BOOLEAN, _write_bool, _read_bool)
DATETIME: Final = SimpleTransformer("datetime", datetime.datetime, _ST.DATETIME, _write_datetime, _read_datetime)
DATE: Final = SimpleTransformer("date", datetime.date, _ST.DATETIME, _write_date, _read_date)
TIMEDELTA: Final = SimpleTransformer("timedelta", datetime.timedelta, _ST.DURATION, _write_timedelta, _read_timedelta)
NONE: Final = SimpleTransformer("none", _NONE_TYPE, _ST.NONE, _write_none, _read_none)

SIMPLE_TRANSFORMERS: Final = (INT, FLOAT, STR, BOOL, DATETIME, DATE, TIMEDELTA, NONE)
