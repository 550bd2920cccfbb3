"""``ExecutionParameters`` as task code and plugins see it: the record plus its two directory-making steps.

The record (``schemas.execution.ExecutionParameters``) is pure; flytekit's ``with_task_sandbox`` creates a
directory and a checkpoint, and its ``Builder.build`` creates the working directory. This subclass adds
exactly those, so every instance the shell hands out (``current_context()``) has flytekit's whole API while
the fields and the pure methods stay in one place.
"""

from __future__ import annotations

from typing import Any

from flyte_entrypoint.schemas import execution as records


class _Builder(records.ExecutionParameters.Builder):
    """flytekit's builder: ``build()`` also creates the working directory."""

    def build(self) -> records.ExecutionParameters:
        if self.working_dir:
            import pathlib

            pathlib.Path(str(self.working_dir)).mkdir(parents=True, exist_ok=True)
        return super().build()


class ExecutionParameters(records.ExecutionParameters):
    """flytekit's ``ExecutionParameters`` (``current_context()``); see ``schemas.execution`` for the fields."""

    Builder = _Builder

    @staticmethod
    def new_builder(current: records.ExecutionParameters | None = None) -> _Builder:
        b = _Builder(current=current)
        if current is None:
            b._record_type = ExecutionParameters
        return b

    def builder(self) -> _Builder:
        return ExecutionParameters.new_builder(self)

    def with_enable_deck(self, enable_deck: bool) -> _Builder:
        b = ExecutionParameters.new_builder(self)
        b.enable_deck = enable_deck
        return b

    def with_task_sandbox(self) -> _Builder:
        """A builder for a copy working in a new directory under this one, with a checkpoint in its ``__cp``."""
        import pathlib
        import tempfile

        from flyte_entrypoint.shell.checkpoint import SyncCheckpoint

        sandbox = tempfile.mkdtemp(prefix=str(self.working_directory))
        cp_dir = pathlib.Path(sandbox) / "__cp"
        cp_dir.mkdir(exist_ok=True)
        b = ExecutionParameters.new_builder(self)
        b.checkpoint = SyncCheckpoint(str(cp_dir))
        b.working_dir = sandbox
        return b


def promote(params: Any) -> ExecutionParameters:
    """The same values as an instance of this class (records built by the core are the base class)."""
    if isinstance(params, ExecutionParameters):
        return params
    import attrs

    values = {f.name: getattr(params, f.name) for f in attrs.fields(records.ExecutionParameters)}
    new = ExecutionParameters.__new__(ExecutionParameters)
    new.__attrs_init__(**values)
    return new
