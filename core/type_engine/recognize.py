"""Cheap, import-free tests for the types whose transformers are loaded on first use (see ``registry.py``).

Each predicate looks only at names (``__module__``, ``__name__``, the MRO, ``typing.get_origin``), so asking
"is this a dataframe / a pydantic model / an array?" imports neither pandas, pydantic, numpy nor the transformer
modules themselves. A True answer is then confirmed by the real transformer's ``handles``.

The api classes (``FlyteFile``, ``FlyteDirectory``, ``StructuredDataset``, ``FlyteSchema``) are recognised the same
way by every transformer and CLI tool of the core (:func:`is_file_class` and friends, :func:`is_instance`): the
core never imports the api package (an import-linter contract), the annotation itself *is* the class.

Law (run in ``property_tests/test_type_shape_laws.py::test_shape_predicates_are_total``): every predicate
answers a bool for any object, never an exception.
"""

from __future__ import annotations

import collections.abc
import typing
from typing import Any

__all__ = [
    "EXTRA_DATAFRAME_TYPES",
    "in_mro",
    "is_directory_class",
    "is_file_class",
    "is_flyte_error",
    "is_instance",
    "is_flyte_schema",
    "is_iterator",
    "is_ndarray",
    "is_pydantic_model",
    "is_structured",
    "is_structured_dataset_class",
    "is_typing_literal",
]

EXTRA_DATAFRAME_TYPES: set[Any] = set()
"""Dataframe classes with a StructuredDataset handler registered by user code (added by ``register``)."""


def _base(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def in_mro(tp: Any, module: str, name: str) -> bool:
    """Is ``tp`` the class ``module.name`` or a subclass of it (by name: the class's module is not imported)?"""
    return isinstance(tp, type) and any(k.__name__ == name and k.__module__ == module for k in tp.__mro__)


def _root_module(tp: Any) -> str:
    return (getattr(tp, "__module__", "") or "").split(".")[0]


FILES_MODULE = "flyte_entrypoint.files"
STRUCTURED_MODULE = "flyte_entrypoint.structured"
SCHEMA_MODULE = "flyte_entrypoint.flyte_schema"


def is_file_class(tp: Any) -> bool:
    """``FlyteFile`` or a subclass / format variant of it."""
    return in_mro(tp, FILES_MODULE, "FlyteFile")


def is_directory_class(tp: Any) -> bool:
    """``FlyteDirectory`` or a subclass / format variant of it."""
    return in_mro(tp, FILES_MODULE, "FlyteDirectory")


def is_instance(value: Any, predicate: Any) -> bool:
    """``isinstance`` for a class recognised by ``predicate`` (``is_instance(v, is_file_class)``)."""
    return bool(predicate(type(value)))


def is_flyte_error(tp: Any) -> bool:
    return in_mro(tp, "flyte_entrypoint.core.type_engine.flyte_error", "FlyteError")


def is_structured(tp: Any) -> bool:
    """StructuredDataset (and subclasses), pandas.DataFrame, pyarrow.Table, or a registered dataframe class."""
    base = _base(tp)
    if not isinstance(base, type):
        return False
    if is_structured_dataset_class(base):
        return True
    if (base.__name__ == "DataFrame" and _root_module(base) == "pandas") or (
        base.__name__ == "Table" and _root_module(base) == "pyarrow"
    ):
        return True
    try:
        return base in EXTRA_DATAFRAME_TYPES
    except TypeError:
        return False


def is_structured_dataset_class(tp: Any) -> bool:
    """``StructuredDataset`` or a subclass."""
    return in_mro(tp, STRUCTURED_MODULE, "StructuredDataset")


def is_flyte_schema(tp: Any) -> bool:
    return in_mro(tp, SCHEMA_MODULE, "FlyteSchema")


def is_pydantic_model(tp: Any) -> bool:
    return isinstance(tp, type) and any(
        k.__name__ == "BaseModel" and k.__module__ == "pydantic.main" for k in tp.__mro__[1:]
    )


def is_ndarray(tp: Any) -> bool:
    base = _base(tp)
    return isinstance(base, type) and base.__name__ == "ndarray" and _root_module(base) == "numpy"


def is_typing_literal(tp: Any) -> bool:
    """``typing.Literal[...]``."""
    return typing.get_origin(tp) is typing.Literal


def is_iterator(tp: Any) -> bool:
    """``Iterator[...]`` (typing or collections.abc) or the JSONIterator class."""
    if typing.get_origin(tp) is collections.abc.Iterator:
        return True
    return in_mro(tp, "flyte_entrypoint.core.type_engine.iterators", "JSONIterator")
