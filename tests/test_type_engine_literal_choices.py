"""literal_choices.py: ``typing.Literal[...]`` carried as its values' type, as flytekit 1.16's
``LiteralTypeTransformer`` does.

Expected values: flytekit 1.16.31 in the oracle venv, ``TypeEngine.to_literal_type`` / ``to_literal`` /
``to_python_value`` serialized with ``SerializeToString(deterministic=True)`` (computed once, pinned here).
"""

from __future__ import annotations

import dataclasses
from typing import Any, List, Literal, Optional

import pytest
from flyteidl.core import literals_pb2

from flyte_entrypoint.core.type_engine.engine import (
    ConversionContext,
    Sink,
    default_engine,
    literal_type_of,
    to_literal,
    to_python,
)
from flyte_entrypoint.core.type_engine.literal_choices import LITERAL_CHOICES

CTX = ConversionContext()


def _hex(message: Any) -> str:
    return message.SerializeToString(deterministic=True).hex()


@pytest.mark.parametrize(
    ("tp", "flytekit_hex"),
    [
        (Literal["a", "b"], "08034a220a200a1e0a0e6c69746572616c5f76616c756573120c320a0a031a01610a031a0162"),
        (Literal[1, 2], "08014a2e0a2c0a2a0a0e6c69746572616c5f76616c756573121832160a0911000000000000f03f0a09110000000000000040"),
        (Literal[True], "08044a1c0a1a0a180a0e6c69746572616c5f76616c756573120632040a022001"),
        (Literal[1.5, 2.5], "08024a2e0a2c0a2a0a0e6c69746572616c5f76616c756573121832160a0911000000000000f83f0a09110000000000000440"),
        (
            Optional[Literal["a", "b"]],
            "524e0a4008034a220a200a1e0a0e6c69746572616c5f76616c756573120c320a0a031a01610a031a01625a180a164c69746572616c547970655472616e73666f726d65720a0a08005a060a046e6f6e65",
        ),
        (List[Literal["a", "b"]], "1a2608034a220a200a1e0a0e6c69746572616c5f76616c756573120c320a0a031a01610a031a0162"),
    ],
    ids=str,
)
def test_the_literal_type_is_flytekits(tp: Any, flytekit_hex: str) -> None:
    assert _hex(literal_type_of(tp).unwrap()) == flytekit_hex


def test_values_of_mixed_types_are_refused() -> None:
    """flytekit: ``TypeTransformerFailedError: All values must be of the same type``."""
    assert str(literal_type_of(Literal["a", 1]).failure()) == "All values must be of the same type"
    assert str(literal_type_of(Literal[b"a"]).failure()) == "Unsupported type: <class 'bytes'>"


@pytest.mark.parametrize(
    ("value", "tp", "flytekit_hex"),
    [
        ("a", Literal["a", "b"], "0a050a031a0161"),
        ("c", Literal["a", "b"], "0a050a031a0163"),  # not one of the choices: written all the same, as flytekit does
        (3, Literal[1, 2], "0a040a020803"),
        ("a", Optional[Literal["a", "b"]], "0a4d4a4b0a070a050a031a0161124008034a220a200a1e0a0e6c69746572616c5f76616c756573120c320a0a031a01610a031a01625a180a164c69746572616c547970655472616e73666f726d6572"),
        (["a"], List[Literal["a", "b"]], "12090a070a050a031a0161"),
    ],
    ids=repr,
)
def test_values_are_written_as_flytekit_writes_them(value: Any, tp: Any, flytekit_hex: str) -> None:
    literal = to_literal(value, tp, CTX).unwrap().value
    assert _hex(literal) == flytekit_hex
    assert to_python(literal, tp, CTX).unwrap() == value


@pytest.mark.parametrize(
    ("value", "tp", "message"),
    [
        (5, Literal["a", "b"], "Expected value of type <class 'str'> but got '5' of type <class 'int'>"),
        (True, Literal[1, 2], "Expected value of type <class 'int'> but got 'True' of type <class 'bool'>"),
    ],
)
def test_a_value_of_another_type_gets_the_base_types_error(value: Any, tp: Any, message: str) -> None:
    assert message in str(to_literal(value, tp, CTX).failure())


def test_a_literal_of_another_kind_is_not_read() -> None:
    """flytekit: an integer literal for ``Literal["a", "b"]`` is ``Cannot convert literal ...`` (its str reader)."""
    literal = literals_pb2.Literal()
    literal.scalar.primitive.integer = 7
    assert "Cannot convert" in str(to_python(literal, Literal["a", "b"], CTX).failure())


@dataclasses.dataclass
class Mode:
    mode: Literal["train", "eval"]
    n: int = 1


def test_a_dataclass_field_keeps_its_literal_type_and_value() -> None:
    lt = literal_type_of(Mode).unwrap()
    assert _hex(lt.structure.dataclass_type["mode"]) == _hex(literal_type_of(Literal["train", "eval"]).unwrap())
    literal = to_literal(Mode("eval"), Mode, CTX).unwrap().value
    assert to_python(literal, Mode, CTX).unwrap() == Mode("eval")


def test_the_transformer_called_directly_writes_and_reads_as_the_engine_does() -> None:
    """The Transformer protocol's ``to_literal``/``to_python`` (callers outside the engine use them)."""
    engine, sink = default_engine(), Sink(CTX)
    literal = LITERAL_CHOICES.to_literal("a", Literal["a", "b"], engine, sink)
    assert _hex(literal) == "0a050a031a0161"  # flytekit's, as above
    assert LITERAL_CHOICES.to_python(literal, Literal["a", "b"], engine, sink) == "a"
