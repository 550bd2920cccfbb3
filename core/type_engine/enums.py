"""``enum.Enum`` subclasses whose values are all ``str`` (flytekit's ``DefaultEnumTransformer``).

* LiteralType: ``enum_type { values: ... }`` with the members' values in declaration order (aliases skipped).
* Writing: a member's ``.value`` as a ``string_value``.  As in flytekit 1.16.31, a raw ``str`` equal to one
  of the values is accepted too, and so is a member of another Enum whose value is one of the values.
* Reading: ``Color(string_value)``; an unknown value is an error naming the enum.  A ``binary`` msgpack
  literal (attribute access) is decoded the same way.

Deliberate differences from flytekit 1.16: an Enum with any non-str value is rejected when its type is
first used (flytekit only looks at the first value, and then fails later inside protobuf); an empty Enum is
rejected with a clear message instead of an IndexError; ``Annotated[Color, ...]`` works (flytekit raises).

Laws (run in ``property_tests/test_type_engine_laws.py``, whose generated types include str and str-mixin
Enums): every member reads back as itself (``test_round_trip_is_identity``); the LiteralType is deterministic
(``test_literal_type_is_deterministic``); writing and reading never raise, any value or literal gives a Result
(``test_to_literal_is_total``, ``test_to_python_is_total``).
"""

from __future__ import annotations

import enum
from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from flyte_entrypoint.core.type_engine.engine import (
    ConversionError,
    Engine,
    Sink,
    UnsupportedTypeError,
    type_name,
    value_str,
)
from flyte_entrypoint.core.type_engine.simple import literal_kind

__all__ = ["ENUM", "EnumTransformer"]


class EnumTransformer:
    """Every str-valued ``Enum`` class (checked per class, cached)."""

    name = "DefaultEnumTransformer"

    def __init__(self) -> None:
        self._values: dict[type, tuple[str, ...]] = {}

    def handles(self, tp: Any) -> bool:
        return isinstance(tp, type) and issubclass(tp, enum.Enum)

    def values(self, tp: Any) -> tuple[str, ...]:
        """The enum's values in declaration order; raises ``UnsupportedTypeError`` unless all are str."""
        found = self._values.get(tp)
        if found is None:
            members = list(tp)
            if not members:
                raise UnsupportedTypeError(f"Enum {type_name(tp)} has no members")
            vals = tuple(m.value for m in members)
            bad = [v for v in vals if not isinstance(v, str)]
            if bad:
                raise UnsupportedTypeError(
                    f"Only Enums with str values are supported, {type_name(tp)} has the value {bad[0]!r}"
                )
            found = vals
            self._values[tp] = found
        return found

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        lt = types_pb2.LiteralType()
        lt.enum_type.values.extend(self.values(tp))
        return lt

    def write(self, value: Any, tp: Any, engine: Engine, sink: Sink, target: literals_pb2.Literal) -> None:
        raw = value.value if isinstance(value, enum.Enum) else value
        try:
            known = isinstance(raw, str) and raw in self.values(tp)
        except TypeError:  # an unhashable/odd value
            known = False
        if not known:
            raise ConversionError(f"Value {value_str(value)} is not in Enum {tp}")
        target.scalar.primitive.string_value = str(raw)

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        target = literals_pb2.Literal()
        self.write(value, tp, engine, sink, target)
        return target

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        kind = literal_kind(literal)
        if kind == "binary":
            from flyte_entrypoint.core.type_engine.msgpack_wire import decode_msgpack_literal

            return decode_msgpack_literal(literal, tp)
        if literal.WhichOneof("value") != "scalar":
            raise ConversionError("'NoneType' object has no attribute 'primitive'", kind="AttributeError")
        if literal.scalar.WhichOneof("value") != "primitive":
            raise ConversionError("'NoneType' object has no attribute 'string_value'", kind="AttributeError")
        raw = literal.scalar.primitive.string_value if kind == "string_value" else None
        try:
            return tp(raw)
        except ValueError as exc:  # "'blue' is not a valid Color", as flytekit lets it through
            raise ConversionError(str(exc), kind="ValueError") from None


ENUM = EnumTransformer()
