"""A task's outputs: names and types from the return annotation, the outputs ``LiteralMap``, the interface.

flytekit 1.16's rules (PROTOCOL.md 10.7):

* return annotation ``None`` / ``NoneType`` / missing → no outputs (whatever the function returns is dropped);
* a ``NamedTuple`` subclass → its field names and types; a one-field NamedTuple takes ``value[0]`` when the
  function returns a tuple, and the value itself otherwise;
* ``Tuple[A, B]`` / ``tuple[A, B]`` / the literal ``(A, B)`` → ``o0``, ``o1``; a one-element tuple annotation is
  rejected (use the type itself); ``Tuple[()]`` means no outputs;
* anything else → one output ``o0``.

Building the map: every output is first checked for being a tuple -- ``Output(o0) in task 't' received a tuple
(...)``, flytekit's TypeError for a tuple returned for a single output -- and only then converted, in order;
the first failure is reported as ``Failed to convert outputs of task 't' at position <name or index>.\\n
Failed to convert type <type(value)> to type <declared>.\\nError Message: <reason>.``, as flytekit words it.
An ``Optional`` output is always a union literal (the engine does that).

The interface: one ``Variable(type, description)`` per name, the description being the name unless a
description is given (flytekit takes them from the docstring).

Deliberate differences from flytekit 1.16:

* returning fewer values than declared outputs is an error; flytekit silently writes a map that lacks the
  missing outputs (and the backend fails later);
* a ``collections.namedtuple`` without annotations is rejected; flytekit declares no outputs for it and
  drops the values;
* ``Tuple[int, ...]`` and a bare ``Tuple`` are rejected with a clear message (flytekit fails later, or
  crashes with an AttributeError).

Laws (run in ``property_tests/test_type_shape_laws.py``): a ``Tuple`` of n types gives outputs ``o0..o(n-1)``
and ``split_returned`` of any n values is their zip with those names
(``test_tuple_outputs_are_numbered_and_split_by_position``); a NamedTuple keeps its field names
(``test_named_tuples_keep_their_field_names``).  An ``Optional`` output is always a union literal
(``test_type_engine_laws.py::test_optional_outputs_are_union_literals``).
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Mapping
from typing import Any

import attrs
from flyteidl.core import literals_pb2
from returns.result import Failure, Result, Success

from flyte_entrypoint.core.type_engine.engine import (
    DEFAULT_CONTEXT,
    ConversionContext,
    ConversionError,
    Converted,
    Engine,
    Sink,
    as_conversion_error,
    default_engine,
    describe_value,
)

if typing.TYPE_CHECKING:  # pragma: no cover - imported where used: a run needs no interface messages
    from flyteidl.core import interface_pb2

__all__ = [
    "OutputConversionError",
    "OutputSignature",
    "literal_map_to_values",
    "output_signature",
    "outputs_to_literal_map",
    "typed_interface",
    "split_returned",
    "variable_map",
]


@attrs.frozen
class OutputSignature:
    """The declared outputs: ``names[i]`` has python type ``types[i]``.

    ``tuple_name`` is the NamedTuple class name when the annotation is one (flytekit's ``output_tuple_name``);
    it decides how a single output is taken from a returned tuple.
    """

    names: tuple[str, ...] = ()
    types: tuple[Any, ...] = ()
    tuple_name: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(zip(self.names, self.types))


class OutputConversionError(ConversionError):
    """An output could not be turned into a literal.

    ``message`` is flytekit's wording (the path inside the value is not part of it: see ``path``, e.g.
    ``o1[3]``); ``kind`` the class of the exception flytekit raises (``TypeTransformerFailedError``,
    ``TypeError``, ``ValueError``...). ``output`` is the output's name (or "" when the returned value's
    shape is wrong); ``is_tuple_error`` marks flytekit's ``TypeError`` for a tuple returned where one value
    was expected.
    """

    def __init__(
        self,
        message: str,
        output: str = "",
        is_tuple_error: bool = False,
        *,
        kind: str,
    ) -> None:
        super().__init__(message, kind=kind)
        self.output = output
        self.is_tuple_error = is_tuple_error


def _is_named_tuple_class(tp: Any) -> bool:
    return isinstance(tp, type) and tp.__bases__ == (tuple,) and hasattr(tp, "_fields")


def output_signature(return_annotation: Any) -> Result[OutputSignature, ConversionError]:
    """Output names and types for a return annotation (see the module docstring for the rules)."""
    ra = return_annotation
    if ra is None or ra is type(None) or ra is inspect.Signature.empty:
        return Success(OutputSignature())
    if _is_named_tuple_class(ra):
        try:
            hints = typing.get_type_hints(ra, include_extras=True)
        except Exception as exc:
            return Failure(ConversionError(f"Cannot resolve the field types of {ra.__name__}: {exc}"))
        fields = tuple(ra._fields)
        missing = [f for f in fields if f not in hints]
        if missing:
            return Failure(
                ConversionError(
                    f"NamedTuple {ra.__name__} used as a return type needs a type for every field; "
                    f"{missing} have none (use typing.NamedTuple)"
                )
            )
        return Success(OutputSignature(fields, tuple(hints[f] for f in fields), ra.__name__ or None))
    if ra is tuple or ra is typing.Tuple:
        return Failure(ConversionError("A bare tuple return type is not supported; use Tuple[A, B, ...]"))
    if typing.get_origin(ra) is tuple or isinstance(ra, tuple):
        args = tuple(typing.get_args(ra)) if not isinstance(ra, tuple) else ra
        if len(args) == 1:
            return Failure(
                ConversionError(
                    "Tuples should be used to indicate multiple return values, found only one return variable "
                    f"in {ra!r}; return the type itself"
                )
            )
        if Ellipsis in args:
            return Failure(ConversionError(f"Variable-length tuples are not supported as outputs: {ra!r}"))
        return Success(OutputSignature(tuple(f"o{i}" for i in range(len(args))), args))
    return Success(OutputSignature(("o0",), (ra,)))


def split_returned(value: Any, signature: OutputSignature) -> dict[str, Any]:
    """The returned ``value`` as ``{output name: value}``: the one rule (flytekit's ``native_outputs_as_map``).

    No outputs: ``{}``. One output: the value itself (the first item of a returned tuple when the outputs are
    a NamedTuple). More: flytekit indexes what it iterates, so any indexable sequence of exactly that many
    values. Anything else raises :class:`OutputConversionError` (``TypeError`` for a value that is not such a
    sequence, ``ValueError`` for the wrong count), flytekit's classes.
    """
    names = signature.names
    if len(names) == 0:
        return {}
    if len(names) == 1:
        if signature.tuple_name and isinstance(value, tuple):
            return {names[0]: value[0]}
        return {names[0]: value}
    try:
        values = [value[i] for i, _ in enumerate(value)]  # flytekit indexes what it iterates
    except (TypeError, KeyError, IndexError):
        raise OutputConversionError(
            f"The task declares {len(names)} outputs {list(names)} but returned {describe_value(value)}, "
            "which is not a sequence of that many values",
            kind="TypeError",
        ) from None
    if len(values) != len(names):
        raise OutputConversionError(
            f"The task declares {len(names)} outputs {list(names)} but returned {len(values)} values",
            kind="ValueError",
        )
    return dict(zip(names, values))


def outputs_to_literal_map(
    value: Any,
    signature: OutputSignature,
    task_name: str = "",
    context: ConversionContext = DEFAULT_CONTEXT,
    engine: Engine | None = None,
) -> Result[Converted, OutputConversionError]:
    """The outputs ``LiteralMap`` for what the task function returned (``Converted.value``) and its uploads."""
    eng = engine or default_engine()
    try:
        as_map = split_returned(value, signature)
    except OutputConversionError as exc:
        return Failure(exc)
    declared = signature.as_dict()
    for name, v in as_map.items():
        if isinstance(v, tuple):
            return Failure(
                OutputConversionError(
                    f"Output({name}) in task '{task_name}' received a tuple {v}, instead of {declared[name]}",
                    output=name,
                    is_tuple_error=True,
                    kind="TypeError",
                )
            )
    literal_map = literals_pb2.LiteralMap()
    sink = Sink(context)
    for i, (name, v) in enumerate(as_map.items()):
        py_type = declared[name]
        try:
            eng.write_literal(v, py_type, sink, literal_map.literals[name])
        except RecursionError:
            error = ConversionError("the value is nested too deeply")
        except Exception as exc:
            error = as_conversion_error(exc)
        else:
            continue
        key: Any = name if name != f"o{i}" else i
        failure = OutputConversionError(
            f"Failed to convert outputs of task '{task_name}' at position {key}.\n"
            f"Failed to convert type {type(v)} to type {py_type}.\n"
            f"Error Message: {error.message}.",
            output=name,
            kind=error.kind,
        )
        failure.path = name + error.path
        failure.__cause__ = error
        return Failure(failure)
    return Success(Converted(literal_map, tuple(sink.uploads)))


def literal_map_to_values(
    literal_map: literals_pb2.LiteralMap,
    types: Mapping[str, Any],
    context: ConversionContext = DEFAULT_CONTEXT,
    engine: Engine | None = None,
) -> Result[dict[str, Any], ConversionError]:
    """Decode every literal of ``literal_map`` with the python type declared for its name.

    Names present in ``types`` but not in the map are left out; a name not in ``types`` is an error.
    """
    eng = engine or default_engine()
    sink = Sink(context)
    out: dict[str, Any] = {}
    for name, literal in literal_map.literals.items():
        if name not in types:
            return Failure(ConversionError(f"Unexpected literal {name!r}: it is not declared", name))
        try:
            out[name] = eng.to_python(literal, types[name], sink)
        except RecursionError:
            return Failure(ConversionError("the literal is nested too deeply", name))
        except Exception as exc:
            return Failure(as_conversion_error(exc).under(name))
    return Success(out)


def variable_map(
    types: Mapping[str, Any],
    descriptions: Mapping[str, str] | None = None,
    engine: Engine | None = None,
) -> Result[interface_pb2.VariableMap, ConversionError]:
    """``VariableMap`` with one ``Variable(type, description)`` per name, description defaulting to the name."""
    eng = engine or default_engine()
    descriptions = descriptions or {}
    from flyteidl.core import interface_pb2

    vm = interface_pb2.VariableMap()
    for name, tp in types.items():
        try:
            lt = eng.literal_type(tp)
        except Exception as exc:
            return Failure(as_conversion_error(exc).under(name))
        var = vm.variables[name]
        var.type.CopyFrom(lt)
        var.description = descriptions.get(name, name)
    return Success(vm)


def typed_interface(
    inputs: Mapping[str, Any],
    outputs: Mapping[str, Any] | OutputSignature,
    input_descriptions: Mapping[str, str] | None = None,
    output_descriptions: Mapping[str, str] | None = None,
    engine: Engine | None = None,
) -> Result[interface_pb2.TypedInterface, ConversionError]:
    """The task's ``TypedInterface`` as flytekit builds it (both variable maps always present)."""
    outs = outputs.as_dict() if isinstance(outputs, OutputSignature) else outputs
    ins = variable_map(inputs, input_descriptions, engine)
    if isinstance(ins, Failure):
        return ins
    out_vm = variable_map(outs, output_descriptions, engine)
    if isinstance(out_vm, Failure):
        return out_vm
    from flyteidl.core import interface_pb2

    iface = interface_pb2.TypedInterface()
    iface.inputs.CopyFrom(ins.unwrap())
    iface.outputs.CopyFrom(out_vm.unwrap())
    return Success(iface)
