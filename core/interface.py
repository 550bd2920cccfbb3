"""Reading a task's typed interface off a python function (pure: only ``inspect``/``typing``).

Laws (``property_tests/test_task_record_laws.py``):

* **shape**: :func:`extract_interface` gives one input per parameter, in order, with its annotation and its
  default (none: required), and as outputs exactly :func:`output_vars` of the return annotation (the type
  engine's ``output_signature``: names, types and the NamedTuple's name);
* **total**: any function gives ``Success`` or ``Failure(InterfaceError)``, never an exception; a parameter
  without annotation (unless ``untyped`` is given) and ``*args``/``**kwargs`` are Failures that name them;
* **untyped**: with ``untyped=U``, unannotated parameters and a missing return annotation get ``U``; the
  annotations that are there win, and an explicit ``-> None`` stays a task without outputs.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Any

from returns.result import Failure, Result, Success

from flyte_entrypoint.schemas.task import _NO_DEFAULT, InputVar, Interface, OutputVar


class InterfaceError(TypeError):
    """The function cannot be a task: a parameter or the return type is missing or unsupported."""


def output_vars(return_type: Any) -> Result[tuple[tuple[OutputVar, ...], str | None], InterfaceError]:
    """Outputs of a return annotation, by the type engine's rules (``core.type_engine.outputs``)."""
    from flyte_entrypoint.core.type_engine.outputs import output_signature

    result = output_signature(return_type)
    if isinstance(result, Failure):
        return Failure(InterfaceError(str(result.failure())))
    sig = result.unwrap()
    return Success((tuple(OutputVar(n, t) for n, t in zip(sig.names, sig.types)), sig.tuple_name))


def extract_interface(fn: Callable[..., Any], untyped: Any = None) -> Result[Interface, InterfaceError]:
    """The typed interface of ``fn``; every parameter must be annotated (flytekit requires it).

    ``untyped`` (flytekit's ``pickle_untyped=True``): the type given to parameters without an annotation
    and to a missing return annotation (an explicit ``-> None`` stays a task without outputs).
    """
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception as exc:
        return Failure(InterfaceError(f"cannot resolve the type hints of {fn.__qualname__}: {exc}"))
    if untyped is not None:
        params = inspect.signature(fn).parameters
        hints = {**{name: untyped for name in params}, **hints}
        if "return" not in hints:
            hints["return"] = untyped
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
    return output_vars(hints.get("return")).map(lambda outs: Interface(tuple(inputs), outs[0], outs[1]))
