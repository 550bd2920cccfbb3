"""Reading a task's typed interface off a python function (pure: only ``inspect``/``typing``)."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Any

from returns.result import Failure, Result, Success

from flyte_entrypoint.schemas.task import _NO_DEFAULT, InputVar, Interface, OutputVar


class InterfaceError(TypeError):
    """The function cannot be a task: a parameter or the return type is missing or unsupported."""


def _is_named_tuple(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, tuple) and hasattr(tp, "_fields")


def output_vars(return_type: Any) -> Result[tuple[tuple[OutputVar, ...], str | None], InterfaceError]:
    """Outputs of a return annotation: None → none, NamedTuple → its fields, Tuple[..] → o0..."""
    if return_type is None or return_type is type(None) or return_type is inspect.Signature.empty:
        return Success(((), None))
    if _is_named_tuple(return_type):
        hints = typing.get_type_hints(return_type, include_extras=True)
        fields = tuple(OutputVar(f, hints.get(f, Any)) for f in return_type._fields)
        return Success((fields, return_type.__name__))
    origin = typing.get_origin(return_type)
    if origin is tuple:
        args = typing.get_args(return_type)
        if len(args) == 2 and args[1] is Ellipsis:
            return Failure(
                InterfaceError(f"Variable-length tuples are not supported as outputs: {return_type}")
            )
        if len(args) == 1:
            return Failure(
                InterfaceError(
                    f"Tuples with one element are not supported as outputs, use the type: {return_type}"
                )
            )
        return Success((tuple(OutputVar(f"o{i}", t) for i, t in enumerate(args)), None))
    return Success(((OutputVar("o0", return_type),), None))


def extract_interface(fn: Callable[..., Any]) -> Result[Interface, InterfaceError]:
    """The typed interface of ``fn``; every parameter must be annotated (flytekit requires it)."""
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception as exc:
        return Failure(InterfaceError(f"cannot resolve the type hints of {fn.__qualname__}: {exc}"))
    inputs = []
    for param in inspect.signature(fn).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            return Failure(InterfaceError(f"{fn.__qualname__}: *args/**kwargs are not supported in tasks"))
        if param.name not in hints:
            return Failure(
                InterfaceError(f"{fn.__qualname__}: parameter {param.name!r} has no type annotation")
            )
        default = _NO_DEFAULT if param.default is param.empty else param.default
        inputs.append(InputVar(param.name, hints[param.name], default))
    return output_vars(hints.get("return", None)).map(lambda outs: Interface(tuple(inputs), outs[0], outs[1]))
