"""``FlyteError`` <-> ``scalar { error { message failed_node_id } }``, as ``flytekit.types.error`` 1.16.

A failure node's task declares an input of type ``FlyteError`` (or ``Optional[FlyteError]``); propeller fills it
with the error of the node that failed. Type: ``simple: ERROR``; union tag ``FlyteError``. Writing takes exactly a
``FlyteError`` (flytekit checks ``type(v) == FlyteError`` too); reading takes only an ``error`` scalar.

``FlyteError`` is a dataclass, as flytekit's is, but this transformer is registered before the dataclass one, so
it is never encoded as msgpack.

Laws (run in ``property_tests/``): reading back what was written gives the same ``FlyteError`` for any message
and node id (``test_rich_types_laws.py::test_flyte_error_round_trip``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from flyte_entrypoint.core.type_engine.engine import ConversionError, Engine, Sink

__all__ = ["FLYTE_ERROR", "FlyteError", "FlyteErrorTransformer"]


@dataclasses.dataclass
class FlyteError:
    """The error a failure-node task receives: the failed node's message and id."""

    message: str
    failed_node_id: str


class FlyteErrorTransformer:
    name = "FlyteError"

    def handles(self, tp: Any) -> bool:
        return tp is FlyteError

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        return types_pb2.LiteralType(simple=types_pb2.ERROR)

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        if type(value) is not FlyteError:
            raise ConversionError(
                f"Expected value of type {FlyteError} but got '{value}' of type {type(value)}"
            )
        lit = literals_pb2.Literal()
        lit.scalar.error.message = value.message
        lit.scalar.error.failed_node_id = value.failed_node_id
        return lit

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        if literal.WhichOneof("value") != "scalar" or literal.scalar.WhichOneof("value") != "error":
            raise ConversionError("Can only convert a generic literal to FlyteError")
        err = literal.scalar.error
        return FlyteError(message=err.message, failed_node_id=err.failed_node_id)


FLYTE_ERROR = FlyteErrorTransformer()
