"""FlyteError <-> ``scalar { error }`` as flytekit 1.16's ``ErrorTransformer`` does it.

Expected values were produced by flytekit 1.16.31 (``TypeEngine.to_literal_type`` / ``to_literal`` /
``to_python_value`` on ``flytekit.types.error.FlyteError``); only the class path in messages differs.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Optional

from flyteidl.core import literals_pb2
from google.protobuf import text_format

from flyte_entrypoint.core.type_engine.engine import literal_type_of, to_literal, to_python
from flyte_entrypoint.core.type_engine.flyte_error import FLYTE_ERROR, FlyteError

CLS = "<class 'flyte_entrypoint.core.type_engine.flyte_error.FlyteError'>"


def text(message: Any) -> str:
    return text_format.MessageToString(message, as_one_line=True)


def literal(source: str) -> literals_pb2.Literal:
    return text_format.Parse(source, literals_pb2.Literal())


def test_literal_type_is_simple_error() -> None:
    assert text(literal_type_of(FlyteError).unwrap()) == "simple: ERROR"


def test_optional_flyte_error_is_tagged_FlyteError_in_the_union() -> None:
    assert text(literal_type_of(Optional[FlyteError]).unwrap()) == (
        'union_type { variants { simple: ERROR structure { tag: "FlyteError" } } '
        'variants { simple: NONE structure { tag: "none" } } }'
    )


def test_writes_message_and_failed_node_id() -> None:
    lit = to_literal(FlyteError(message="m", failed_node_id="n1"), FlyteError).unwrap().value
    assert text(lit) == 'scalar { error { failed_node_id: "n1" message: "m" } }'


def test_writing_anything_but_a_flyte_error_names_value_and_type() -> None:
    assert str(to_literal("x", FlyteError).failure()) == (
        f"Expected value of type {CLS} but got 'x' of type <class 'str'>"
    )
    assert str(to_literal(3, FlyteError).failure()) == (
        f"Expected value of type {CLS} but got '3' of type <class 'int'>"
    )


def test_a_subclass_value_is_rejected_like_flytekit_type_equality() -> None:
    @dataclasses.dataclass
    class Sub(FlyteError):
        pass

    failure = to_literal(Sub("m", "n"), FlyteError).failure()
    assert str(failure).startswith(f"Expected value of type {CLS} but got")


def test_reads_an_error_scalar() -> None:
    got = to_python(literal('scalar { error { failed_node_id: "n1" message: "boom" } }'), FlyteError).unwrap()
    assert got == FlyteError(message="boom", failed_node_id="n1")


def test_reading_anything_but_an_error_scalar_fails() -> None:
    for source in (
        "scalar { primitive { integer: 1 } }",
        "collection { }",
        'scalar { primitive { string_value: "e" } }',
    ):
        assert str(to_python(literal(source), FlyteError).failure()) == (
            "Can only convert a generic literal to FlyteError"
        ), source


def test_the_transformer_handles_exactly_the_class() -> None:
    assert FLYTE_ERROR.handles(FlyteError)
    assert not FLYTE_ERROR.handles(Optional[FlyteError])
