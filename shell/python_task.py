"""``PythonTask``: flytekit's base class for task types with a Python interface, which plugins subclass.

A subclass gives a task type, a name, an interface and a config, and implements ``execute(**kwargs)``.
``dispatch_execute(ctx, input_literal_map)`` is flytekit's order, on our pure type engine:

1. ``pre_execute(ctx.user_space_params)``: what it returns is the user-space parameters the task code
   sees (``current_context()``), for the whole of the call;
2. the inputs are converted (a failure: ``FlyteNonRecoverableSystemException`` in task execution, the
   original error with flytekit's ``Error encountered while converting inputs of '<name>'`` prefix in
   local execution);
3. ``execute(**inputs)`` (a failure: ``FlyteUserRuntimeException`` from the original, or the original with
   ``Error encountered while executing '<name>'`` in local execution);
4. ``post_execute(params, value)``: what it returns is what is converted (it may raise ``IgnoreOutputs``);
5. the outputs are converted (a failure: ``FlyteNonRecoverableSystemException``, or the original locally)
   and the files they name are uploaded; the result is a flyteidl ``LiteralMap`` protobuf.

Storage errors (``FlyteUploadDataException``/``FlyteDownloadDataException``) pass through unwrapped.

In a container, a resolver may return an instance: :func:`as_task_record` turns it into the record the
run machine executes (pre_execute, execute, post_execute around the machine's own conversions).
"""

from __future__ import annotations

import inspect
import sys
from typing import Any, Generic, TypeVar

import attrs

from flyte_entrypoint.schemas.execution import ExecutionParameters, Mode
from flyte_entrypoint.schemas.task import _NO_DEFAULT, InputVar, Interface, OutputVar, TaskRecord

T = TypeVar("T")

DEFAULT_DECK_FIELDS = ("Source Code", "Dependencies", "Timeline", "Input", "Output")


@attrs.frozen
class TaskMetadata:
    """The task metadata flytekit's node metadata is built from (timeouts, retries, interruptible)."""

    retries: int = 0
    timeout: Any = None
    interruptible: bool | None = None
    cache: bool = False
    cache_version: str = ""
    deprecated: str = ""

    @property
    def retry_strategy(self) -> int:
        return self.retries


def _interface_of(interface: Any) -> Interface:
    """Our ``Interface`` record from an ``Interface`` record, None, or any object (flytekit's ``Interface``
    included) with ``inputs``/``outputs`` mappings of name -> type (an input may be ``(type, default)``)."""
    if interface is None:
        return Interface()
    if isinstance(interface, Interface):
        return interface
    inputs = getattr(interface, "inputs_with_defaults", None) or getattr(interface, "inputs", {}) or {}
    outputs = getattr(interface, "outputs", {}) or {}
    in_vars = []
    for name, spec in dict(inputs).items():
        if isinstance(spec, tuple) and len(spec) == 2:
            tp, default = spec
            in_vars.append(InputVar(name, tp, _NO_DEFAULT if default is None else default))
        else:
            in_vars.append(InputVar(name, spec))
    out_vars = tuple(OutputVar(name, tp) for name, tp in dict(outputs).items())
    return Interface(tuple(in_vars), out_vars, getattr(interface, "output_tuple_name", None))


class _InterfaceView:
    """A flytekit-shaped view of our interface record: ``inputs``/``outputs`` as name -> type dicts."""

    def __init__(self, record: Interface) -> None:
        self.record = record
        self.inputs = {v.name: v.python_type for v in record.inputs}
        self.outputs = {v.name: v.python_type for v in record.outputs}
        self.output_tuple_name = record.output_tuple_name
        self.docstring = None


def _calling_module(skip: object) -> str:
    """The module whose code constructed ``skip`` (frames of ``__init__`` methods of it are passed over)."""
    here = inspect.currentframe()
    frame = here.f_back if here is not None else None
    try:
        while frame is not None:
            if frame.f_locals.get("self") is not skip:
                return str(frame.f_globals.get("__name__", ""))
            frame = frame.f_back
        return ""
    finally:
        del frame, here


class PythonTask(Generic[T]):
    """Base class for tasks with a Python native interface (flytekit's ``PythonTask``)."""

    def __init__(
        self,
        task_type: str,
        name: str,
        task_config: T | None = None,
        interface: Any | None = None,
        environment: dict[str, str] | None = None,
        disable_deck: bool | None = None,
        enable_deck: bool | None = None,
        deck_fields: tuple[Any, ...] | None = DEFAULT_DECK_FIELDS,
        **kwargs: Any,
    ) -> None:
        if disable_deck is not None and enable_deck is not None:
            raise ValueError("only one of [disable_deck, enable_deck] can be set")
        self._task_type = task_type
        self._name = name
        self._task_config = task_config
        self._python_interface = interface if interface is not None else _InterfaceView(Interface())
        self._record_interface = _interface_of(interface)
        self._environment = environment if environment else {}
        if enable_deck is not None:
            self._disable_deck = not enable_deck
        elif disable_deck is not None:
            self._disable_deck = disable_deck
        else:
            self._disable_deck = True
        fields = [getattr(f, "value", f) for f in deck_fields] if deck_fields is not None else []
        self._deck_fields = fields if not self._disable_deck else []
        self._metadata = kwargs.pop("metadata", None) or TaskMetadata()
        self._security_ctx = kwargs.pop("security_ctx", None)
        self._docs = kwargs.pop("docs", None)
        self._task_type_version = int(kwargs.pop("task_type_version", 0))
        self._extra = kwargs
        self._instantiated_in = _calling_module(self)
        self._lhs: str | None = None

    # ---- properties ---------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def task_type(self) -> str:
        return self._task_type

    @property
    def task_type_version(self) -> int:
        return self._task_type_version

    @property
    def task_config(self) -> T | None:
        """The plugin-specific configuration given at construction."""
        return self._task_config

    @property
    def python_interface(self) -> Any:
        """The interface given at construction (flytekit's ``Interface`` or ours)."""
        return self._python_interface

    @property
    def interface(self) -> Any:
        """The typed interface: a flyteidl ``TypedInterface`` protobuf (Flyte literal types per variable)."""
        from flyteidl.core import interface_pb2

        from flyte_entrypoint.core.type_engine.engine import literal_type_of

        def variables(vars_: Any) -> Any:
            return interface_pb2.VariableMap(
                variables={
                    v.name: interface_pb2.Variable(
                        type=literal_type_of(v.python_type).unwrap(), description=v.name
                    )
                    for v in vars_
                }
            )

        rec = self._record_interface
        return interface_pb2.TypedInterface(inputs=variables(rec.inputs), outputs=variables(rec.outputs))

    @property
    def metadata(self) -> Any:
        return self._metadata

    @property
    def security_context(self) -> Any:
        return self._security_ctx

    @property
    def docs(self) -> Any:
        return self._docs

    @property
    def environment(self) -> dict[str, str]:
        """Environment variables to set when the task runs."""
        return self._environment

    @property
    def enable_deck(self) -> bool:
        return not self._disable_deck

    @property
    def disable_deck(self) -> bool:
        return self._disable_deck

    @property
    def deck_fields(self) -> list[Any]:
        return list(self._deck_fields)

    @property
    def instantiated_in(self) -> str:
        return self._instantiated_in

    @property
    def lhs(self) -> str:
        if self._lhs is None:
            self._lhs = self.find_lhs()
        return self._lhs

    @property
    def location(self) -> str:
        return f"{self.instantiated_in}.{self.lhs}"

    def find_lhs(self) -> str:
        """The module-level name this instance is bound to in the module that created it."""
        if self._lhs is not None:
            return self._lhs
        module = sys.modules.get(self._instantiated_in)
        if module is not None:
            for k, v in vars(module).items():
                if v is self:
                    self._lhs = k
                    return k
        raise ValueError(f"Unable to find lhs for instance {self}")

    # ---- interface ----------------------------------------------------------------------------------
    def get_input_types(self) -> dict[str, type]:
        """Input names and python types."""
        return {v.name: v.python_type for v in self._record_interface.inputs}

    def get_type_for_input_var(self, k: str, v: Any) -> type[Any]:
        return self.get_input_types()[k]

    def get_type_for_output_var(self, k: str, v: Any) -> type[Any]:
        return {o.name: o.python_type for o in self._record_interface.outputs}[k]  # type: ignore[no-any-return]

    # ---- flytekit's serialization hooks (defaults: nothing) -----------------------------------------
    def get_container(self, settings: Any) -> Any:
        """The container definition: none by default (subclasses that run in a container override it)."""
        return None

    def get_k8s_pod(self, settings: Any) -> Any:
        return None

    def get_sql(self, settings: Any) -> Any:
        return None

    def get_custom(self, settings: Any) -> dict[str, Any] | None:
        return None

    def get_config(self, settings: Any) -> dict[str, str] | None:
        return None

    def get_extended_resources(self, settings: Any) -> Any:
        return None

    def construct_node_metadata(self) -> Any:
        """The node metadata of a workflow node running this task: a flyteidl ``NodeMetadata`` protobuf."""
        from flyteidl.core import literals_pb2, workflow_pb2

        md = self._metadata
        node = workflow_pb2.NodeMetadata(
            name=self.name.rsplit(".", 1)[-1],
            retries=literals_pb2.RetryStrategy(retries=int(getattr(md, "retries", 0) or 0)),
        )
        interruptible = getattr(md, "interruptible", None)
        if interruptible is not None:
            node.interruptible = bool(interruptible)
        return node

    def compile(self, ctx: Any, *args: Any, **kwargs: Any) -> Any:
        """flyte-entrypoint runs tasks and compiles no workflows: building a workflow node is refused."""
        raise TypeError(
            f"Task {self.name}: flyte-entrypoint executes tasks in containers and does not compile workflows"
        )

    # ---- execution ----------------------------------------------------------------------------------
    def local_execution_mode(self) -> Mode:
        return Mode.LOCAL_TASK_EXECUTION

    def pre_execute(self, user_params: ExecutionParameters | None) -> ExecutionParameters | None:
        """Called before the inputs are converted; returns the user-space parameters the task code sees."""
        return user_params

    def execute(self, **kwargs: Any) -> Any:
        """The task's work; subclasses implement it."""
        raise TypeError(f"{type(self).__name__} must implement execute(**kwargs)")

    def post_execute(self, user_params: ExecutionParameters | None, rval: Any) -> Any:
        """Called with ``execute``'s value; what it returns is converted to the outputs."""
        return rval

    def _task_record(self) -> TaskRecord:
        return TaskRecord(
            name=self.name,
            function=self.execute,
            interface=self._record_interface,
            enable_deck=self.enable_deck,
            task_type=self.task_type,
        )

    def dispatch_execute(self, ctx: Any, input_literal_map: Any) -> Any:
        """Inputs literal map in, outputs literal map out, in flytekit's order (see the module docstring)."""
        from flyteidl.core import literals_pb2
        from returns.result import Failure

        from flyte_entrypoint.core import exceptions as fx
        from flyte_entrypoint.core.literal_maps import inputs_to_python, outputs_to_literals
        from flyte_entrypoint.shell.context import using_context
        from flyte_entrypoint.shell.flyte_context import FlyteContextManager
        from flyte_entrypoint.shell.output_metadata import MetadataCell, using_cell

        if hasattr(input_literal_map, "to_flyte_idl"):
            input_literal_map = input_literal_map.to_flyte_idl()
        new_user_params = self.pre_execute(ctx.user_space_params)
        if self.enable_deck and ctx.user_space_params is not None:
            new_user_params = ctx.user_space_params.with_enable_deck(enable_deck=True).build()
        es = ctx.execution_state
        with FlyteContextManager.with_context(
            ctx.with_execution_state(es.with_params(user_space_params=new_user_params))
        ) as exec_ctx:
            state = exec_ctx.execution_state
            is_local = state is not None and state.is_local_execution()
            fa = exec_ctx.file_access
            from flyte_entrypoint.shell.blob_io import convert_with_reads, file_access_context

            conversion = file_access_context(fa)
            record = self._task_record()
            from flyte_entrypoint.shell.storage import StorageError

            try:
                converted = convert_with_reads(
                    fa._storage,
                    conversion,
                    lambda with_reads: inputs_to_python(record, input_literal_map, None, with_reads),
                )
            except StorageError as exc:  # fetching a blob an input reads failed: a storage error, not the value's
                raise fx.FlyteDownloadDataException(str(exc)) from exc
            if isinstance(converted, Failure):
                err = converted.failure()
                if isinstance(err, (fx.FlyteUploadDataException, fx.FlyteDownloadDataException)):
                    raise err
                if is_local:
                    err.args = (f"Error encountered while converting inputs of '{self.name}':\n  {err}",)
                    raise err
                raise fx.FlyteNonRecoverableSystemException(err) from err
            native_inputs = converted.unwrap()
            cell = MetadataCell()
            scope = using_context(new_user_params) if new_user_params is not None else _nothing()
            with scope, using_cell(cell):
                try:
                    native_outputs = self.execute(**native_inputs)
                    if inspect.isawaitable(native_outputs):
                        from flyte_entrypoint.shell.runtime import _run_coroutine

                        native_outputs = _run_coroutine(native_outputs)
                except Exception as e:
                    if is_local:
                        e.args = (f"Error encountered while executing '{self.name}':\n  {e}",)
                        raise
                    raise fx.FlyteUserRuntimeException(e) from e
                native_outputs = self.post_execute(new_user_params, native_outputs)
            if isinstance(native_outputs, literals_pb2.LiteralMap):
                return native_outputs
            if hasattr(native_outputs, "to_flyte_idl") and type(native_outputs).__name__ == "LiteralMap":
                return native_outputs.to_flyte_idl()
            result = outputs_to_literals(record, native_outputs, conversion, cell.tracker)
            try:
                if isinstance(result, Failure):
                    raise result.failure()
                literal_map, uploads = result.unwrap()
                if uploads:
                    from flyte_entrypoint.shell.blob_io import perform_uploads

                    perform_uploads(fa._storage, uploads)
            except (fx.FlyteUploadDataException, fx.FlyteDownloadDataException):
                raise
            except Exception as e:
                if is_local:
                    raise
                raise fx.FlyteNonRecoverableSystemException(e) from e
            return literal_map

    def sandbox_execute(self, ctx: Any, input_literal_map: Any) -> Any:
        """``dispatch_execute`` with the user-space parameters moved to a fresh task sandbox directory."""
        es = ctx.execution_state
        b = es.user_space_params.with_task_sandbox()
        ctx = ctx.new_builder().with_execution_state(es.with_params(user_space_params=b.build())).build()
        return self.dispatch_execute(ctx, input_literal_map)

    def local_execute(self, ctx: Any, **kwargs: Any) -> Any:
        """Run with python values: convert them, ``dispatch_execute`` in local task execution mode, convert the
        outputs back. Returns a ``VoidPromise`` (no outputs), the single output, or a tuple of outputs
        (flytekit: promises)."""
        from flyteidl.core import literals_pb2
        from returns.result import Failure

        from flyte_entrypoint.core.type_engine.engine import to_literal, to_python
        from flyte_entrypoint.shell.flyte_context import FlyteContextManager

        es = ctx.execution_state
        if es is None:
            es = ctx.new_execution_state()
        if not es.is_local_execution():
            es = es.with_params(mode=self.local_execution_mode())
        from flyte_entrypoint.core.literal_maps import scoped_context
        from flyte_entrypoint.shell.blob_io import file_access_context

        conversion = file_access_context(ctx.file_access, dataclass_format_from_env=False)
        literals = {}
        uploads: list[Any] = []
        types = self.get_input_types()
        for k, v in kwargs.items():
            if k not in types:
                raise TypeError(f"{self.name} got an unexpected input {k!r}")
            # one seed per input (as the run machine scopes them): two inputs never get the same folder
            result = to_literal(v, types[k], scoped_context(conversion, "in", k))
            if isinstance(result, Failure):
                raise result.failure()
            converted = result.unwrap()
            literals[k] = converted.value
            uploads.extend(converted.uploads)
        if uploads:
            from flyte_entrypoint.shell.blob_io import perform_uploads

            perform_uploads(ctx.file_access._storage, uploads)
        with FlyteContextManager.with_context(ctx.with_execution_state(es)) as local_ctx:
            out = self.dispatch_execute(local_ctx, literals_pb2.LiteralMap(literals=literals))
        from flyte_entrypoint.shell.blob_io import convert_with_reads

        outputs = self._record_interface.outputs
        values = []

        def read_back(literal: Any, tp: Any) -> Any:
            return convert_with_reads(
                ctx.file_access._storage, conversion, lambda c: to_python(literal, tp, c)
            ).unwrap()

        for var in outputs:
            values.append(read_back(out.literals[var.name], var.python_type))
        if not values:
            from flyte_entrypoint.core.void_promise import VoidPromise

            return VoidPromise(self.name)
        return values[0] if len(values) == 1 else tuple(values)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Plain-python call: a local execution with keyword inputs (positional ones by interface order); inside
        a workflow body run locally, the workflow's node call (its promises in, promises out)."""
        from flyte_entrypoint.schemas.task import LOCAL_CALL_HOOK
        from flyte_entrypoint.shell.flyte_context import FlyteContextManager

        hook = LOCAL_CALL_HOOK.get()
        if hook is not None:  # inside a workflow body run locally: a node of it, as @task functions are
            return hook(as_task_record(self), args, kwargs)
        names = [v.name for v in self._record_interface.inputs]
        kwargs.update(dict(zip(names, args)))
        return self.local_execute(FlyteContextManager.current_context(), **kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, task_type={self.task_type!r})"


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: Any) -> None:
        return None


def as_task_record(task: PythonTask[Any]) -> TaskRecord:
    """The record the run machine executes for a ``PythonTask`` a resolver returned.

    The machine converts inputs and outputs itself; the function it calls runs ``pre_execute`` (its result
    is ``current_context()`` for the task code), ``execute`` and ``post_execute`` in flytekit's order. Task
    code errors propagate as they are, so the error document is the one flytekit writes for them.
    """
    from flyte_entrypoint.shell.context import running_params, using_context
    from flyte_entrypoint.shell.flyte_context import FlyteContextManager

    def run(**kwargs: Any) -> Any:
        params = running_params()
        new_params = task.pre_execute(params)
        scope = (
            using_context(new_params) if new_params is not None and new_params is not params else _nothing()
        )
        ctx = FlyteContextManager.current_context()
        es = ctx.execution_state
        builder = (
            ctx.with_execution_state(es.with_params(user_space_params=new_params))
            if es
            else ctx.new_builder()
        )
        with scope, FlyteContextManager.with_context(builder):
            value = task.execute(**kwargs)
            if inspect.isawaitable(value):
                from flyte_entrypoint.shell.runtime import _run_coroutine

                value = _run_coroutine(value)
        return task.post_execute(new_params, value)

    run.__name__ = task.name.rsplit(".", 1)[-1]
    run.__qualname__ = run.__name__
    return TaskRecord(
        name=task.name,
        function=run,
        interface=task._record_interface,
        enable_deck=task.enable_deck,
        task_type=task.task_type,
    )


def adapt_loaded(task: Any) -> Any:
    """A resolver's result as the run machine takes it: ``PythonTask`` instances become records."""
    if isinstance(task, PythonTask):
        return as_task_record(task)
    return task
