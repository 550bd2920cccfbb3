"""What shape a python type annotation has, for the dataclass codec: stripped of ``Annotated``, a union,
a container kind, a blob/dataset leaf, a dataclass's field hints. Pure functions of the annotation.

Laws (run in ``property_tests/test_type_shape_laws.py``): the predicates are total
(``test_shape_predicates_are_total``: a bool, a known kind or None, for any object); ``strip_type`` is
idempotent (``test_strip_type_is_idempotent``).
"""

from __future__ import annotations

import collections.abc
import dataclasses
import types
import typing
from collections.abc import Callable
from typing import Any, Final

Fn = Callable[[Any], Any]
"""A compiled encoder/decoder step. ``None`` in its place means "the value passes through unchanged"."""

_NONE_TYPE: Final = type(None)


def strip_type(tp: Any) -> Any:
    """Drop ``Annotated`` metadata, ``NewType`` wrappers and ``Final``: what the codec actually sees."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated or origin is typing.Final:
            tp = typing.get_args(tp)[0]
        elif hasattr(tp, "__supertype__") and callable(tp):  # typing.NewType
            tp = tp.__supertype__
        else:
            return tp


def is_uuid_type(tp: Any) -> bool:
    """``uuid.UUID`` (recognized by name: the core may not import the ``uuid`` module)."""
    return isinstance(tp, type) and tp.__module__ == "uuid" and tp.__qualname__ == "UUID"


def blob_kind(tp: Any) -> str | None:
    """``file``/``directory`` for ``FlyteFile``/``FlyteDirectory`` classes (and their ``[fmt]`` variants), else None.

    Inside a dataclass these go through the engine (their transformer plans the upload) and are stored as
    ``{"path": <uri>}`` (plus ``"metadata"`` for files), as flytekit's ``_serialize`` does.  Recognized by name so
    the pure core does not import the user-facing ``flyte_entrypoint.files`` module.
    """
    if not isinstance(tp, type):
        return None
    for klass in tp.__mro__:
        if klass.__module__ == "flyte_entrypoint.files":
            if klass.__name__ == "FlyteFile":
                return "file"
            if klass.__name__ == "FlyteDirectory":
                return "directory"
        if klass.__module__ == "flyte_entrypoint.structured" and klass.__name__ == "StructuredDataset":
            return "structured"
        if klass.__module__ == "flyte_entrypoint.flyte_schema" and klass.__name__ == "FlyteSchema":
            return "schema"
    return None


def is_pathlike_protocol(tp: Any) -> bool:
    """``os.PathLike`` itself (by name: the core may not import ``os``)."""
    base = typing.get_origin(tp) or tp
    return isinstance(base, type) and base.__module__ == "os" and base.__qualname__ == "PathLike"


def is_union(tp: Any) -> bool:
    return typing.get_origin(tp) is typing.Union or isinstance(tp, types.UnionType)


_CONTAINER_ORIGINS: Final[dict[Any, str]] = {
    list: "list",
    collections.abc.Sequence: "list",
    collections.abc.MutableSequence: "list",
    set: "set",
    collections.abc.Set: "set",
    collections.abc.MutableSet: "set",
    frozenset: "frozenset",
    tuple: "tuple",
    dict: "dict",
    collections.abc.Mapping: "dict",
    collections.abc.MutableMapping: "dict",
}


def container_kind(tp: Any) -> str | None:
    """``list``/``set``/``frozenset``/``tuple``/``dict`` for those (bare or parametrized) types, else None."""
    origin = typing.get_origin(tp)
    key = origin if origin is not None else tp
    try:
        return _CONTAINER_ORIGINS.get(key)
    except TypeError:
        return None


_HINTS: dict[tuple[type, bool], dict[str, Any]] = {}


def field_hints(cls: type, include_extras: bool = True) -> dict[str, Any]:
    """The dataclass's resolved field annotations; a field whose annotation cannot be resolved keeps the raw one.

    ``include_extras=False`` drops ``Annotated`` metadata, as flytekit does for ``structure.dataclass_type``.
    """
    key = (cls, include_extras)
    hints = _HINTS.get(key)
    if hints is None:
        try:
            hints = typing.get_type_hints(cls, include_extras=include_extras)
        except Exception:
            hints = {}
            for f in dataclasses.fields(cls):
                holder = type(
                    "_OneField", (), {"__annotations__": {f.name: f.type}, "__module__": cls.__module__}
                )
                try:
                    hints[f.name] = typing.get_type_hints(holder, include_extras=include_extras)[f.name]
                except (
                    Exception
                ):  # unresolvable: keep the raw annotation (it will be reported as unsupported)
                    hints[f.name] = f.type
        _HINTS[key] = hints
    return hints


def _type_name(tp: Any) -> str:
    if isinstance(tp, type):
        return tp.__qualname__
    return repr(tp).replace("typing.", "")


def _is_dataclass_type(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _optional_arg(tp: Any) -> Any | None:
    """``T`` for ``Optional[T]`` (a two-member union with None), else None. mashumaro's notion of optional."""
    args = typing.get_args(tp)
    if len(args) == 2 and _NONE_TYPE in args:
        return args[0] if args[1] is _NONE_TYPE else args[1]
    return None


