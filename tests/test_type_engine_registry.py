"""The registry (core/type_engine/registry.py): which transformer owns each type, and the lazy engine's loading.

The owner of each type is named as flytekit 1.16.31 names it: ``TypeEngine.get_transformer(tp).name`` for the same
type in ``.oracle-venv`` (the pydantic one from flytekit's ``extras/pydantic_transformer``, as the oracle venv has no
pydantic). The name is what a union variant's ``structure.tag`` carries, so a type owned by the wrong transformer is
a wrong tag on the wire.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import typing
from typing import Annotated, Any, Dict, Iterator, List, Optional

import numpy as np
import pandas as pd
import pydantic
import pytest
from flyteidl.core import literals_pb2

from flyte_entrypoint.core.type_engine import registry
from flyte_entrypoint.core.type_engine.engine import DEFAULT_CONTEXT, Engine, Sink, UnsupportedTypeError
from flyte_entrypoint.core.type_engine.flyte_error import FlyteError
from flyte_entrypoint.core.type_engine.pickled import AllowPickle
from flyte_entrypoint.files import FlyteDirectory, FlyteFile
from flyte_entrypoint.flyte_schema import FlyteSchema
from flyte_entrypoint.iterators import JSON
from flyte_entrypoint.structured import StructuredDataset


class Color(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class DC:
    a: int


class PM(pydantic.BaseModel):
    a: int


class Opaque:
    pass


# python type -> flytekit 1.16.31's transformer name for it
OWNERS: list[tuple[Any, str]] = [
    (int, "int"),
    (float, "float"),
    (str, "str"),
    (bool, "bool"),
    (datetime.datetime, "datetime"),
    (datetime.date, "date"),
    (datetime.timedelta, "timedelta"),
    (type(None), "none"),
    (Color, "DefaultEnumTransformer"),
    (typing.Literal["a", "b"], "LiteralTypeTransformer"),
    (List[int], "Typed List"),
    (Dict[str, int], "Typed Dict"),
    (Optional[int], "Typed Union"),
    (FlyteError, "FlyteError"),
    (dict, "Typed Dict"),
    (DC, "Object-Dataclass-Transformer"),
    (PM, "Pydantic Transformer"),
    (FlyteFile, "FlyteFilePath"),
    (FlyteDirectory, "FlyteDirectory"),
    (StructuredDataset, "StructuredDataset Transformer"),
    (pd.DataFrame, "StructuredDataset Transformer"),
    (Annotated[Opaque, AllowPickle], "FlytePickle"),  # flytekit pickles Opaque unasked; we need the opt-in
    (FlyteSchema, "FlyteSchema Transformer"),
    (np.ndarray, "Numpy Array"),
    (Iterator[JSON], "JSON Iterator"),
    (Iterator[int], "Typed Iterator"),
]


@pytest.mark.parametrize(("tp", "name"), OWNERS, ids=[name + ":" + repr(tp) for tp, name in OWNERS])
def test_each_type_is_owned_by_flytekits_transformer(tp: Any, name: str) -> None:
    """Asked of a fresh lazy engine (nothing loaded yet), of the shared one, and of the eager engine alike."""
    assert registry._LazyEngine().tag_of(tp) == name
    assert registry.ENGINE.tag_of(tp) == name
    assert Engine(registry._transformers()).tag_of(tp) == name


def test_the_lazy_engine_answers_as_the_eager_one_in_any_order_of_first_use() -> None:
    eager = Engine(registry._transformers())
    types = [tp for tp, _ in OWNERS]
    for order in (types, types[::-1]):
        lazy = registry._LazyEngine()
        for tp in order:
            assert lazy.resolve(tp).transformer is eager.resolve(tp).transformer, tp


def test_a_scalar_resolves_without_loading_the_later_transformers() -> None:
    """Start-up cost: a task of scalars never imports the collection/struct/blob modules' transformers."""
    engine = registry._LazyEngine()
    for tp in (int, float, str, bool, datetime.datetime, datetime.date, datetime.timedelta, type(None)):
        engine.resolve(tp)
    assert engine._complete is False
    engine.resolve(List[int])
    assert engine._complete is True


def test_an_annotated_scalar_is_offered_to_the_later_transformers_first() -> None:
    """``Annotated[int, AllowPickle]`` belongs to the pickle transformer, though ``int`` alone is a scalar."""
    assert registry._LazyEngine().tag_of(Annotated[int, AllowPickle]) == "FlytePickle"
    assert registry._LazyEngine().tag_of(Annotated[int, "any metadata"]) == "int"


def test_the_transformers_are_listed_once_each_in_priority_order() -> None:
    engine = registry._LazyEngine()
    expected = [t.name for t in registry._transformers()]
    assert expected[:8] == ["int", "float", "str", "bool", "datetime", "date", "timedelta", "none"]
    assert [t.name for t in engine.transformers] == expected
    engine.resolve(List[int])
    engine.resolve(Dict[str, int])
    assert [t.name for t in engine.transformers] == expected
    assert [t.name for t in engine.transformers] == expected


def test_an_unsupported_type_is_refused_after_trying_every_transformer() -> None:
    engine = registry._LazyEngine()
    with pytest.raises(UnsupportedTypeError, match="Opaque is not supported"):
        engine.resolve(Opaque)  # README: pickled only with the explicit Annotated[T, AllowPickle] opt-in
    assert engine._complete is True


# -- Lazy: a transformer whose module is imported on first use -------------------------------------------------


def lazies() -> list[registry.Lazy]:
    return [t for t in registry._later() if isinstance(t, registry.Lazy)]


def test_a_lazy_transformer_is_named_as_its_real_one() -> None:
    found = {lazy.name: lazy.loaded().name for lazy in lazies()}
    assert found == {
        "LiteralTypeTransformer": "LiteralTypeTransformer",
        "FlyteError": "FlyteError",
        "Pydantic Transformer": "Pydantic Transformer",
        "StructuredDataset Transformer": "StructuredDataset Transformer",
        "FlyteSchema Transformer": "FlyteSchema Transformer",
        "Numpy Array": "Numpy Array",
        "JSON Iterator": "JSON Iterator",
        "Typed Iterator": "Typed Iterator",
    }


def test_a_lazy_transformer_never_imports_its_module_for_a_type_its_name_test_refuses() -> None:
    lazy = registry.Lazy("Nowhere", "flyte_entrypoint.no_such_module:X", lambda tp: False)
    assert lazy.handles(int) is False
    assert lazy._real is None
    with pytest.raises(ModuleNotFoundError):
        registry.Lazy("Nowhere", "flyte_entrypoint.no_such_module:X", lambda tp: True).handles(int)


def test_a_lazy_transformer_asks_the_real_one_after_its_name_test() -> None:
    (schema_lazy,) = [lazy for lazy in lazies() if lazy.name == "FlyteSchema Transformer"]
    named_like_it = type("FlyteSchema", (), {"__module__": "elsewhere"})
    assert schema_lazy.handles(FlyteSchema) is True
    assert schema_lazy.handles(named_like_it) is False


def test_a_lazy_transformer_converts_as_its_real_one() -> None:
    (schema_lazy,) = [lazy for lazy in lazies() if lazy.name == "FlyteSchema Transformer"]
    real = schema_lazy.loaded()
    assert schema_lazy.loaded() is real
    engine = registry.ENGINE
    assert schema_lazy.literal_type(FlyteSchema, engine) == real.literal_type(FlyteSchema, engine)
    value = FlyteSchema(local_path="/l", remote_path="s3://b/s")
    lit = schema_lazy.to_literal(value, FlyteSchema, engine, Sink(DEFAULT_CONTEXT))
    assert lit == real.to_literal(value, FlyteSchema, engine, Sink(DEFAULT_CONTEXT))
    assert lit.scalar.schema.uri == "s3://b/s"
    back = schema_lazy.to_python(lit, FlyteSchema, engine, Sink(DEFAULT_CONTEXT))
    assert (type(back), back.remote_path) == (FlyteSchema, "s3://b/s")
    assert isinstance(lit, literals_pb2.Literal)
