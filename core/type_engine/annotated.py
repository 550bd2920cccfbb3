"""``typing.Annotated[T, ...]``: which metadata the type engine acts on, and how.

The engine strips ``Annotated`` before it picks a transformer (unless a transformer claims the annotated type
itself, see ``engine.Engine.resolve``), so ``Annotated[int, "doc"]`` behaves exactly like ``int``.  Two markers
change the result, as in flytekit 1.16:

* :class:`FlyteAnnotation` ``(data)``: ``data`` (a JSON-able ``dict``) becomes the LiteralType's
  ``annotation.annotations`` Struct, the way flytekit builds it (``json.dumps`` then parsed into a Struct, so
  ints become doubles and non-str keys become strings).  At most one per type; the key
  ``cache-key-metadata`` is reserved.  If the transformer already set an annotation (the msgpack one of
  dataclasses), both are merged and the transformer's keys win.
* :class:`HashMethod` ``(fn)``: the literal's ``hash`` is ``fn(value)``.  Applied where flytekit's
  ``TypeEngine.to_literal`` applies it: to outputs, list elements and dict values, not to a union's variant.

flytekit's own ``flytekit.FlyteAnnotation`` / ``flytekit.HashMethod`` objects are recognised too (by class name
and shape), so task modules written against flytekit keep working when they only use these two.

Deliberate differences from flytekit 1.16 (it raises for these): a ``FlyteAnnotation`` on an ``Enum`` or a
``Dict[str, T]`` is applied like on any other type, and ``Annotated[SomeEnum, ...]`` is supported.

Laws (run in ``property_tests/test_type_shape_laws.py``): ``split_annotated`` undoes ``Annotated[T, *m]``
(``test_split_annotated_undoes_annotated``); a FlyteAnnotation adds exactly its data, as JSON, to the plain
LiteralType and changes nothing else, and ``annotation_data`` returns an equal copy
(``test_a_flyte_annotation_adds_exactly_its_data``).
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any, Final

from flyteidl.core import types_pb2

from flyte_entrypoint.core.type_engine.engine import ConversionError

__all__ = [
    "CACHE_KEY_METADATA",
    "BatchSize",
    "FlyteAnnotation",
    "HashMethod",
    "annotation_data",
    "apply_type_annotation",
    "hash_method",
    "is_annotated",
    "split_annotated",
]

CACHE_KEY_METADATA: Final = "cache-key-metadata"


class FlyteAnnotation:
    """Arbitrary JSON-able data attached to a type: ``Annotated[int, FlyteAnnotation({"unit": "s"})]``.

    It ends up in the interface's LiteralType (for UIs); it never changes a value.
    """

    __slots__ = ("_data",)

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    @property
    def data(self) -> dict[str, Any]:
        return self._data

    def __repr__(self) -> str:
        return f"FlyteAnnotation({self._data!r})"


class HashMethod:
    """``Annotated[T, HashMethod(fn)]``: the literal written for a value gets ``hash = fn(value)``.

    Used by flyte's cache to key on a cheap digest instead of the literal.
    """

    __slots__ = ("_function",)

    def __init__(self, function: Callable[[Any], str]) -> None:
        self._function = function

    def calculate(self, obj: Any) -> str:
        return self._function(obj)

    def __repr__(self) -> str:
        return f"HashMethod({self._function!r})"


class BatchSize:
    """``Annotated[FlyteDirectory, BatchSize(n)]`` (flytekit's marker for transferring a directory ``n`` files at a
    time). It never changes a type or a literal; accepted so task modules written for flytekit import and run."""

    __slots__ = ("_val",)

    def __init__(self, val: int) -> None:
        self._val = val

    @property
    def val(self) -> int:
        return self._val

    def __repr__(self) -> str:
        return f"BatchSize({self._val})"


def is_annotated(tp: Any) -> bool:
    return typing.get_origin(tp) is typing.Annotated


def split_annotated(tp: Any) -> tuple[Any, tuple[Any, ...]]:
    """``Annotated[T, a, b]`` → ``(T, (a, b))``; any other type → ``(tp, ())``."""
    if typing.get_origin(tp) is typing.Annotated:
        args = typing.get_args(tp)
        return args[0], tuple(args[1:])
    return tp, ()


def _is_flyte_annotation(obj: Any) -> bool:
    return isinstance(obj, FlyteAnnotation) or (
        type(obj).__name__ == "FlyteAnnotation" and isinstance(getattr(obj, "data", None), dict)
    )


def _is_hash_method(obj: Any) -> bool:
    return isinstance(obj, HashMethod) or (
        type(obj).__name__ == "HashMethod" and callable(getattr(obj, "calculate", None))
    )


def annotation_data(metadata: tuple[Any, ...]) -> dict[str, Any] | None:
    """The one FlyteAnnotation's data among ``metadata``, or None. Two of them is an error (as in flytekit)."""
    data: dict[str, Any] | None = None
    for item in metadata:
        if not _is_flyte_annotation(item):
            continue
        if data is not None:
            raise ConversionError("More than one FlyteAnnotation used within a type hint; at most one is allowed")
        data = dict(item.data)
    if data is not None and CACHE_KEY_METADATA in data:
        raise ConversionError(f"FlyteAnnotation cannot contain the reserved key `{CACHE_KEY_METADATA}`")
    return data


def hash_method(metadata: tuple[Any, ...]) -> Any | None:
    """The first HashMethod among ``metadata`` (flytekit uses the first one), or None."""
    for item in metadata:
        if _is_hash_method(item):
            return item
    return None


def apply_type_annotation(lt: types_pb2.LiteralType, data: dict[str, Any]) -> None:
    """Set ``lt.annotation`` from FlyteAnnotation ``data``, merged under an annotation the transformer set."""
    import json  # here, like json_format: every type resolution imports this module

    from google.protobuf import json_format, struct_pb2

    try:
        user = json_format.Parse(json.dumps(data), struct_pb2.Struct())
    except (TypeError, ValueError, json_format.ParseError) as exc:
        raise ConversionError(f"FlyteAnnotation data is not JSON-serializable: {exc}") from None
    if lt.HasField("annotation"):
        for key, value in lt.annotation.annotations.fields.items():
            user.fields[key].CopyFrom(value)
    lt.annotation.annotations.CopyFrom(user)
