"""``typing.Literal[...]`` as flytekit 1.16's ``LiteralTypeTransformer`` carries it: as the values' own type.

* LiteralType: the base type's (``str`` STRING, ``int`` INTEGER, ``float`` FLOAT, ``bool`` BOOLEAN) with the
  annotation ``{"literal_values": [...]}`` in declaration order. The values must all be of one type (flytekit:
  "All values must be of the same type"); other base types are refused (flytekit names datetime/timedelta,
  but cannot serialize their annotation).
* Writing and reading are the base type's, value for value, and — as in flytekit — the value is **not** checked
  against the choices: ``"c"`` for ``Literal["a", "b"]`` is written and read as ``"c"``.
* Union tag ``LiteralTypeTransformer`` (the transformer's name), so ``Optional[Literal[...]]`` literals match
  flytekit's byte for byte.

Laws (run in ``property_tests/test_literal_choices_laws.py``): a value of the base type converts exactly as
the base type converts it (``test_a_literal_converts_as_its_base_type``); the LiteralType is the base type's
plus the choices' annotation (``test_the_literal_type_is_the_base_types_with_the_choices``).
"""

from __future__ import annotations

import typing
from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from flyte_entrypoint.core.type_engine.engine import Engine, Sink, UnsupportedTypeError
from flyte_entrypoint.core.type_engine.recognize import is_typing_literal

__all__ = ["LITERAL_CHOICES", "LiteralChoicesTransformer"]

_BASES: tuple[type, ...] = (str, int, float, bool)


def base_type(tp: Any) -> type:
    """The one type of ``tp``'s values; raises ``UnsupportedTypeError`` for mixed or unsupported values."""
    values = typing.get_args(tp)
    base = type(values[0])
    if any(type(v) is not base for v in values):
        raise UnsupportedTypeError("All values must be of the same type")  # flytekit's words
    if base not in _BASES:
        raise UnsupportedTypeError(f"Unsupported type: {base}")  # flytekit's words
    return base


class LiteralChoicesTransformer:
    """Every ``typing.Literal[...]`` of str, int, float or bool values."""

    name = "LiteralTypeTransformer"

    def handles(self, tp: Any) -> bool:
        return is_typing_literal(tp)

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        from flyte_entrypoint.core.type_engine.annotated import apply_type_annotation

        lt = engine.literal_type(base_type(tp))
        apply_type_annotation(lt, {"literal_values": list(typing.get_args(tp))})
        return lt

    def write(self, value: Any, tp: Any, engine: Engine, sink: Sink, target: literals_pb2.Literal) -> None:
        engine.write_with(engine.resolve(base_type(tp)), value, sink, target)

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        target = literals_pb2.Literal()
        self.write(value, tp, engine, sink, target)
        return target

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        return engine.to_python(literal, base_type(tp), sink)


LITERAL_CHOICES = LiteralChoicesTransformer()
