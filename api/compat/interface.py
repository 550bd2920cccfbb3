"""flytekit's ``Interface(inputs, outputs)``: the typed signature a ``PythonTask`` subclass declares.

It is only the authoring shape: ``PythonTask`` (``shell/python_task.py``) turns it into our one interface
record (``schemas.task.Interface``) through ``inputs_with_defaults``/``outputs``/``output_tuple_name``.

Contract, as flytekit 1.16's: ``inputs`` maps a name to a type or to ``(type, default)`` (a plain type is
stored as ``(type, None)``: no default); input names must be identifiers; ``outputs`` maps a name to a type.
``remove_inputs``/``with_inputs``/``with_outputs`` return new interfaces and leave this one as it is.
"""

from __future__ import annotations

import collections
from typing import Any


class Interface:
    """Inputs and outputs of a task, as python types (flytekit's ``flytekit.core.interface.Interface``)."""

    def __init__(
        self,
        inputs: dict[str, Any] | None = None,
        outputs: dict[str, Any] | None = None,
        output_tuple_name: str | None = None,
        docstring: Any = None,
    ) -> None:
        self._inputs: dict[str, tuple[Any, Any]] = {}
        for name, spec in (inputs or {}).items():
            if not name.isidentifier():
                raise ValueError(f"Input name must be a valid Python identifier: {name!r}")
            self._inputs[name] = spec if type(spec) is tuple and len(spec) > 1 else (spec, None)
        self._outputs: dict[str, Any] = dict(outputs) if outputs else {}
        self._output_tuple_name = output_tuple_name
        self._docstring = docstring

    @property
    def inputs(self) -> dict[str, Any]:
        return {name: spec[0] for name, spec in self._inputs.items()}

    @property
    def inputs_with_defaults(self) -> dict[str, tuple[Any, Any]]:
        return dict(self._inputs)

    @property
    def default_inputs_as_kwargs(self) -> dict[str, Any]:
        return {name: spec[1] for name, spec in self._inputs.items() if spec[1] is not None}

    @property
    def outputs(self) -> dict[str, Any]:
        return dict(self._outputs)

    @property
    def output_names(self) -> list[str] | None:
        return list(self._outputs) if self._outputs else None

    @property
    def output_tuple_name(self) -> str | None:
        return self._output_tuple_name

    @property
    def output_tuple(self) -> Any:
        """A namedtuple class over the output names (flytekit's ``DefaultNamedTupleOutput`` when unnamed)."""
        return collections.namedtuple(self._output_tuple_name or "DefaultNamedTupleOutput", list(self._outputs))

    @property
    def docstring(self) -> Any:
        return self._docstring

    def remove_inputs(self, vars: list[str] | None) -> Interface:
        if vars is None:
            return self
        missing = [v for v in vars if v not in self._inputs]
        if missing:
            raise ValueError(f"Inputs {missing} are not in the interface's inputs {list(self._inputs)}")
        kept = {k: v for k, v in self._inputs.items() if k not in vars}
        return Interface(kept, self._outputs, self._output_tuple_name, self._docstring)

    def with_inputs(self, extra_inputs: dict[str, Any]) -> Interface:
        clashing = [k for k in extra_inputs if k in self._inputs]
        if clashing:
            raise ValueError(f"Inputs {clashing} are already in the interface")
        return Interface({**self._inputs, **extra_inputs}, self._outputs, self._output_tuple_name, self._docstring)

    def with_outputs(self, extra_outputs: dict[str, Any]) -> Interface:
        clashing = [k for k in extra_outputs if k in self._outputs]
        if clashing:
            raise ValueError(f"Outputs {clashing} are already in the interface")
        return Interface(self._inputs, {**self._outputs, **extra_outputs}, self._output_tuple_name, self._docstring)

    def __repr__(self) -> str:
        return f"Interface(inputs={self.inputs!r}, outputs={self._outputs!r})"
