"""Cheap, import-free tests for the types whose transformers are loaded on first use (see ``registry.py``).

Each predicate looks only at names (``__module__``, ``__name__``, the MRO, ``typing.get_origin``), so asking
"is this a dataframe / a pydantic model / an array?" imports neither pandas, pydantic, numpy nor the transformer
modules themselves. A True answer is then confirmed by the real transformer's ``handles``.

Law (run in ``property_tests/test_type_shape_laws.py::test_shape_predicates_are_total``): every predicate
answers a bool for any object, never an exception.
"""

from __future__ import annotations

import collections.abc
import typing
from typing import Any

__all__ = [
    "EXTRA_DATAFRAME_TYPES",
    "is_flyte_error",
    "is_flyte_schema",
    "is_iterator",
    "is_ndarray",
    "is_pydantic_model",
    "is_structured",
]

EXTRA_DATAFRAME_TYPES: set[Any] = set()
"""Dataframe classes with a StructuredDataset handler registered by user code (added by ``register``)."""


def _base(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _in_mro(tp: Any, module: str, name: str) -> bool:
    return isinstance(tp, type) and any(k.__name__ == name and k.__module__ == module for k in tp.__mro__)


def _root_module(tp: Any) -> str:
    return (getattr(tp, "__module__", "") or "").split(".")[0]


def is_flyte_error(tp: Any) -> bool:
    return _in_mro(tp, "flyte_entrypoint.core.type_engine.flyte_error", "FlyteError")


def is_structured(tp: Any) -> bool:
    """StructuredDataset (and subclasses), pandas.DataFrame, pyarrow.Table, or a registered dataframe class."""
    base = _base(tp)
    if not isinstance(base, type):
        return False
    if _in_mro(base, "flyte_entrypoint.structured", "StructuredDataset"):
        return True
    if (base.__name__ == "DataFrame" and _root_module(base) == "pandas") or (
        base.__name__ == "Table" and _root_module(base) == "pyarrow"
    ):
        return True
    try:
        return base in EXTRA_DATAFRAME_TYPES
    except TypeError:
        return False


def is_flyte_schema(tp: Any) -> bool:
    return _in_mro(tp, "flyte_entrypoint.flyte_schema", "FlyteSchema")


def is_pydantic_model(tp: Any) -> bool:
    return isinstance(tp, type) and any(
        k.__name__ == "BaseModel" and k.__module__ == "pydantic.main" for k in tp.__mro__[1:]
    )


def is_ndarray(tp: Any) -> bool:
    base = _base(tp)
    return isinstance(base, type) and base.__name__ == "ndarray" and _root_module(base) == "numpy"


def is_iterator(tp: Any) -> bool:
    """``Iterator[...]`` (typing or collections.abc) or the JSONIterator class."""
    if typing.get_origin(tp) is collections.abc.Iterator:
        return True
    return _in_mro(tp, "flyte_entrypoint.iterators", "JSONIterator")
