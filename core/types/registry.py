"""The transformers, in priority order (first match wins), and the engine built from them.

Each transformer's ``handles`` is narrow (exact classes, a specific ``get_origin``), so the order only
matters where two could claim the same type: more specific first.
"""

from __future__ import annotations

from flyte_entrypoint.core.types import (
    blob,
    collections,
    enums,
    flyte_error,
    iterators,
    numpy_array,
    pickle,
    pydantic_model,
    simple,
    struct,
    structured,
    union,
)
from flyte_entrypoint.core.types.engine import Engine, Transformer


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
        flyte_error.FLYTE_ERROR,
        # struct.py: untyped dict and dataclasses (msgpack)
        struct.UNTYPED_DICT, struct.DATACLASS,
        # pydantic_model.py: pydantic v2 BaseModel (msgpack, flytekit's Pydantic Transformer)
        pydantic_model.PYDANTIC,
        # blob.py, structured.py, pickle.py: FlyteFile/os.PathLike, FlyteDirectory, StructuredDataset and dataframes,
        # AllowPickle
        blob.FILE, blob.DIRECTORY, structured.STRUCTURED_DATASET, pickle.PICKLE,
        # numpy_array.py: numpy.ndarray (flytekit's NumpyArray .npy blob)
        numpy_array.NUMPY_ARRAY,
        # iterators.py: Iterator[JSON] (a JSON-lines blob) before Iterator[T] (a collection)
        iterators.JSON_ITERATOR, iterators.TYPED_ITERATOR,
    ]
    return found


ENGINE = Engine(_transformers())
