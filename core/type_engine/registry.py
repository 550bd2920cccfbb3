"""The transformers, in priority order (first match wins), and the engine built from them.

Each transformer's ``handles`` is narrow (exact classes, a specific ``get_origin``), so the order only
matters where two could claim the same type: more specific first.

Start-up: only ``simple`` (the scalar transformers, first in the priority order) is imported with the
registry; the other modules (``enums``, ``collections``, ``union``, then ``struct`` with msgpack and the JSON
schema, ``blob``, ``pickle``) when a type reaches them (see ``_LazyEngine``).  They all come after the
scalars, so a type a scalar transformer claims resolves to the same transformer whether or not they are
loaded; a trivial ``int`` task never imports them.  Transformers for types most tasks never use (FlyteError,
pydantic models, StructuredDataset and dataframes, numpy arrays, iterators) are :class:`Lazy` even then:
their module is imported the first time a type passes a cheap name-based test from ``recognize.py``.

Laws (``tests/test_type_engine_registry.py``; the first also in ``property_tests/test_type_engine_dispatch_laws.py``):

* **Lazy == eager.** ``ENGINE`` resolves every type, in any order of first use, to the transformer
  ``Engine(_transformers())`` picks.
* **flytekit's owners.** Each type is owned by the transformer flytekit 1.16 picks for it, under flytekit's name
  (the union tag); a ``Lazy`` carries its real transformer's name.
* **Scalars stay cheap.** Resolving scalar types never loads the later transformers; a names test that refuses a
  type never imports its module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from flyte_entrypoint.core.type_engine import simple
from flyte_entrypoint.core.type_engine.engine import Engine, Resolved, Transformer, UnsupportedTypeError


def _base() -> list[Transformer]:
    return [*simple.SIMPLE_TRANSFORMERS]


class Lazy:
    """A transformer whose module is imported on first use. ``handles`` asks ``recognizes`` (names only) first;
    the engine then works with :meth:`loaded`, the real transformer."""

    def __init__(self, name: str, target: str, recognizes: Callable[[Any], bool]) -> None:
        self.name = name
        self._target = target
        self._recognizes = recognizes
        self._real: Any = None

    def loaded(self) -> Any:
        if self._real is None:
            module, _, attr = self._target.rpartition(":")
            self._real = getattr(importlib.import_module(module), attr)
        return self._real

    def handles(self, tp: Any) -> bool:
        return bool(self._recognizes(tp)) and bool(self.loaded().handles(tp))

    def literal_type(self, tp: Any, engine: Engine) -> Any:
        return self.loaded().literal_type(tp, engine)

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Any) -> Any:
        return self.loaded().to_literal(value, tp, engine, sink)

    def to_python(self, literal: Any, tp: Any, engine: Engine, sink: Any) -> Any:
        return self.loaded().to_python(literal, tp, engine, sink)


_T = "flyte_entrypoint.core.type_engine."


def _later() -> list[Transformer]:
    """Every transformer after the scalars, in priority order (imports the base type modules)."""
    from flyte_entrypoint.core.type_engine import (
        blob,
        containers,
        dataclass_transformers,
        enums,
        pickled,
        recognize,
        union,
    )

    return [
        # -- base types (enums.py, containers.py, union.py) --
        enums.ENUM,
        containers.LIST,
        containers.DICT,
        union.UNION,
        # -- other modules add theirs below, one line each --
        # literal_choices.py: typing.Literal[...] as its values' type (flytekit's LiteralTypeTransformer)
        Lazy("LiteralTypeTransformer", _T + "literal_choices:LITERAL_CHOICES", recognize.is_typing_literal),
        # flyte_error.py: FlyteError (a dataclass, so before dataclass_transformers.DATACLASS)
        Lazy("FlyteError", _T + "flyte_error:FLYTE_ERROR", recognize.is_flyte_error),
        # dataclass_transformers.py: untyped dict and dataclasses (msgpack)
        dataclass_transformers.UNTYPED_DICT,
        dataclass_transformers.DATACLASS,
        # pydantic_model.py: pydantic v2 BaseModel (msgpack, flytekit's Pydantic Transformer)
        Lazy("Pydantic Transformer", _T + "pydantic_model:PYDANTIC", recognize.is_pydantic_model),
        # blob.py, structured.py, pickled.py: FlyteFile/os.PathLike, FlyteDirectory, StructuredDataset and
        # dataframes, AllowPickle
        blob.FILE,
        blob.DIRECTORY,
        Lazy("StructuredDataset Transformer", _T + "structured:STRUCTURED_DATASET", recognize.is_structured),
        pickled.PICKLE,
        Lazy("FlyteSchema Transformer", _T + "flyte_schema:FLYTE_SCHEMA", recognize.is_flyte_schema),
        # numpy_array.py: numpy.ndarray (flytekit's NumpyArray .npy blob)
        Lazy("Numpy Array", _T + "numpy_array:NUMPY_ARRAY", recognize.is_ndarray),
        # iterators.py: Iterator[JSON] (a JSON-lines blob) before Iterator[T] (a collection)
        Lazy("JSON Iterator", _T + "iterators:JSON_ITERATOR", recognize.is_iterator),
        Lazy("Typed Iterator", _T + "iterators:TYPED_ITERATOR", recognize.is_iterator),
    ]


def _transformers() -> list[Transformer]:
    """All transformers in priority order (imports every transformer module)."""
    return [*_base(), *_later()]


class _LazyEngine(Engine):
    """The engine over ``_transformers()`` that imports the later modules on the first type that needs them.

    Equivalence with ``Engine(_transformers())``: resolution tries transformers in order and the first
    ``handles`` wins.  While only the scalar transformers are loaded, a match found on the type itself is
    the full engine's answer too (every later transformer comes after it).  No match, or a match found only
    after stripping ``Annotated[...]`` (a later transformer might claim the annotated type itself, as
    ``pickle`` does for ``Annotated[T, AllowPickle]``), loads the rest and resolves again.
    """

    def __init__(self) -> None:
        super().__init__(_base())
        self._complete = False

    def _load_all(self) -> None:
        if not self._complete:
            self._transformers = (*self._transformers, *_later())
            self._complete = True

    @property
    def transformers(self) -> tuple[Transformer, ...]:
        self._load_all()
        return self._transformers

    def _resolve_uncached(self, tp: Any) -> Resolved:
        if not self._complete:
            try:
                found = super()._resolve_uncached(tp)
            except UnsupportedTypeError:
                found = None
            if found is not None and found.tp is tp:
                return found
            self._load_all()
        return super()._resolve_uncached(tp)


ENGINE: Engine = _LazyEngine()
