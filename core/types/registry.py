"""The transformers, in priority order (first match wins), and the engine built from them.

Each transformer's ``handles`` is narrow (exact classes, a specific ``get_origin``), so the order only
matters where two could claim the same type: more specific first.

Transformers for types most tasks never use (FlyteError, pydantic models, StructuredDataset and dataframes, numpy
arrays, iterators) are :class:`Lazy`: their module is imported the first time a type passes a cheap name-based
test from ``recognize.py``, so start-up pays nothing for them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from flyte_entrypoint.core.types import blob, collections, enums, pickle, recognize, simple, struct, union
from flyte_entrypoint.core.types.engine import Engine, Transformer


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


_T = "flyte_entrypoint.core.types."


def _transformers() -> list[Transformer]:
    found: list[Transformer] = [
        # -- base types (simple.py, enums.py, collections.py, union.py) --
        *simple.SIMPLE_TRANSFORMERS,
        enums.ENUM,
        collections.LIST,
        collections.DICT,
        union.UNION,
        # -- other modules add theirs below, one line each --
        # flyte_error.py: FlyteError (a dataclass, so before struct.DATACLASS)
        Lazy("FlyteError", _T + "flyte_error:FLYTE_ERROR", recognize.is_flyte_error),
        # struct.py: untyped dict and dataclasses (msgpack)
        struct.UNTYPED_DICT, struct.DATACLASS,
        # pydantic_model.py: pydantic v2 BaseModel (msgpack, flytekit's Pydantic Transformer)
        Lazy("Pydantic Transformer", _T + "pydantic_model:PYDANTIC", recognize.is_pydantic_model),
        # blob.py, structured.py, pickle.py: FlyteFile/os.PathLike, FlyteDirectory, StructuredDataset and dataframes,
        # AllowPickle
        blob.FILE, blob.DIRECTORY,
        Lazy("StructuredDataset Transformer", _T + "structured:STRUCTURED_DATASET", recognize.is_structured),
        pickle.PICKLE,
        Lazy("FlyteSchema Transformer", _T + "flyte_schema:FLYTE_SCHEMA", recognize.is_flyte_schema),
        # numpy_array.py: numpy.ndarray (flytekit's NumpyArray .npy blob)
        Lazy("Numpy Array", _T + "numpy_array:NUMPY_ARRAY", recognize.is_ndarray),
        # iterators.py: Iterator[JSON] (a JSON-lines blob) before Iterator[T] (a collection)
        Lazy("JSON Iterator", _T + "iterators:JSON_ITERATOR", recognize.is_iterator),
        Lazy("Typed Iterator", _T + "iterators:TYPED_ITERATOR", recognize.is_iterator),
    ]
    return found


ENGINE = Engine(_transformers())
