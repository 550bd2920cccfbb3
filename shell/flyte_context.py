"""``FlyteContext`` and ``FlyteContextManager``: flytekit's engine context and its stack.

The context is an immutable record (attrs frozen); "changing" it means ``new_builder()``/``with_*()``
and ``build()``, which gives a new record one level deeper. It lives in the shell, not in ``schemas``,
because two of flytekit's methods on it reach shell services: ``current_context()`` (the stack) and
``get_deck()`` (deck rendering).

The stack is a ``contextvars`` value holding a tuple, so every thread and asyncio task sees its own
stack and a push never mutates what another holder sees. Its bottom is not stored: it is computed.

* Inside a task run (the driver has made an ``ExecutionParameters`` current), the bottom is the task's
  context: ``file_access`` is a :class:`FileAccessProvider` over the run's own storage, sandbox and raw
  output prefix, ``execution_state`` is ``TASK_EXECUTION`` with ``user_space_params`` =
  ``current_context()``, ``serialization_settings`` come from ``_F_SS_C`` (when it decodes).
* Outside a run, the bottom is a local default context (a temporary sandbox and raw output prefix),
  created once per process and again by ``initialize()``.

``with_context`` is balanced under exceptions: on exit it restores the stack it found, whatever the
block pushed and did not pop. ``pop_context`` refuses to pop the bottom (flytekit: AssertionError).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import tempfile
import threading
import traceback
from collections.abc import Callable, Generator
from types import FrameType
from typing import Any, ClassVar

import attrs

from flyte_entrypoint.schemas.compilation import CompilationState
from flyte_entrypoint.schemas.execution import BranchEvalMode, ExecutionParameters, ExecutionState, Mode
from flyte_entrypoint.schemas.output_metadata import OutputMetadataTracker


@attrs.frozen(eq=False)
class FlyteContext:
    """flytekit's grab bag of engine settings; users want ``current_context()`` (ExecutionParameters)."""

    file_access: Any
    level: int = 0
    flyte_client: Any = None
    compilation_state: CompilationState | None = None
    execution_state: ExecutionState | None = None
    serialization_settings: Any = None
    in_a_condition: bool = False
    origin_stackframe: traceback.FrameSummary | None = None
    output_metadata_tracker: OutputMetadataTracker | None = None
    worker_queue: Any = None

    Builder: ClassVar[type[_Builder]]

    @property
    def user_space_params(self) -> ExecutionParameters | None:
        if self.execution_state:
            return self.execution_state.user_space_params
        return None

    def set_stackframe(self, s: traceback.FrameSummary) -> None:
        """Record where the context was pushed from: the one field flytekit sets after construction,
        diagnostic only (never compared, never part of behaviour)."""
        object.__setattr__(self, "origin_stackframe", s)

    def get_origin_stackframe_repr(self) -> str:
        if self.origin_stackframe:
            f = self.origin_stackframe
            return f"StackOrigin({f.name}, {f.lineno}, {f.filename})"
        return ""

    def new_builder(self) -> _Builder:
        return _Builder(
            level=self.level,
            file_access=self.file_access,
            flyte_client=self.flyte_client,
            serialization_settings=self.serialization_settings,
            compilation_state=self.compilation_state,
            execution_state=self.execution_state,
            in_a_condition=self.in_a_condition,
            output_metadata_tracker=self.output_metadata_tracker,
            worker_queue=self.worker_queue,
        )

    def enter_conditional_section(self) -> _Builder:
        return self.new_builder().enter_conditional_section()

    def with_execution_state(self, es: ExecutionState) -> _Builder:
        return self.new_builder().with_execution_state(es)

    def with_compilation_state(self, c: CompilationState) -> _Builder:
        return self.new_builder().with_compilation_state(c)

    def with_new_compilation_state(self) -> _Builder:
        return self.with_compilation_state(self.new_compilation_state())

    def with_file_access(self, fa: Any) -> _Builder:
        return self.new_builder().with_file_access(fa)

    def with_serialization_settings(self, ss: Any) -> _Builder:
        return self.new_builder().with_serialization_settings(ss)

    def with_output_metadata_tracker(self, t: OutputMetadataTracker) -> _Builder:
        return self.new_builder().with_output_metadata_tracker(t)

    def with_worker_queue(self, wq: Any) -> _Builder:
        return self.new_builder().with_worker_queue(wq)

    def with_client(self, c: Any) -> _Builder:
        return self.new_builder().with_client(c)

    def new_compilation_state(self, prefix: str = "") -> CompilationState:
        """A default compilation state; its resolver is ours (``flyte_entrypoint.default_task_resolver``)."""
        from flyte_entrypoint.shell.loader import default_task_resolver

        return CompilationState(prefix=prefix, task_resolver=default_task_resolver)

    def new_execution_state(self, working_dir: os.PathLike[str] | str | None = None) -> ExecutionState:
        """A fresh execution state in ``working_dir`` (default: the file access sandbox), keeping the
        current user-space parameters."""
        if not working_dir:
            working_dir = self.file_access.local_sandbox_dir
        return _execution_state(str(working_dir), user_space_params=self.user_space_params)

    @staticmethod
    def current_context() -> FlyteContext:
        """Kept for flytekit compatibility; same as ``FlyteContextManager.current_context()``."""
        return FlyteContextManager.current_context()

    def get_deck(self) -> str:
        """The HTML page of the decks recorded in this context's user-space parameters."""
        from flyte_entrypoint.core.deck import DeckPage, render_html

        params = self.user_space_params
        book = params.deck_book if params is not None else None
        if book is not None and hasattr(book, "pages"):
            return render_html(book.pages())
        decks = params.decks if params is not None else []
        return render_html(tuple(DeckPage(d.name, d.html) for d in decks))


@attrs.define
class _Builder:
    """flytekit's ``FlyteContext.Builder``: mutable, chained ``with_*``, ``build()`` one level deeper."""

    file_access: Any
    level: int = 0
    compilation_state: CompilationState | None = None
    execution_state: ExecutionState | None = None
    flyte_client: Any = None
    serialization_settings: Any = None
    in_a_condition: bool = False
    output_metadata_tracker: OutputMetadataTracker | None = None
    worker_queue: Any = None

    def build(self) -> FlyteContext:
        return FlyteContext(
            level=self.level + 1,
            file_access=self.file_access,
            compilation_state=self.compilation_state,
            execution_state=self.execution_state,
            flyte_client=self.flyte_client,
            serialization_settings=self.serialization_settings,
            in_a_condition=self.in_a_condition,
            output_metadata_tracker=self.output_metadata_tracker,
            worker_queue=self.worker_queue,
        )

    def enter_conditional_section(self) -> _Builder:
        """A conditional section starts: in local execution, branches are skipped until one is taken."""
        if self.compilation_state:
            self.compilation_state = self.compilation_state.with_params(prefix=self.compilation_state.prefix)
        es = self.execution_state
        if es and es.is_local_execution():
            if self.in_a_condition:
                if es.branch_eval_mode == BranchEvalMode.BRANCH_SKIPPED:
                    self.execution_state = es.with_params()
            else:
                self.execution_state = es.with_params(branch_eval_mode=BranchEvalMode.BRANCH_SKIPPED)
        self.in_a_condition = True
        return self

    def with_execution_state(self, es: ExecutionState) -> _Builder:
        self.execution_state = es
        return self

    def with_compilation_state(self, c: CompilationState) -> _Builder:
        self.compilation_state = c
        return self

    def with_new_compilation_state(self) -> _Builder:
        return self.with_compilation_state(self.new_compilation_state())

    def with_file_access(self, fa: Any) -> _Builder:
        self.file_access = fa
        return self

    def with_serialization_settings(self, ss: Any) -> _Builder:
        self.serialization_settings = ss
        return self

    def with_output_metadata_tracker(self, t: OutputMetadataTracker) -> _Builder:
        self.output_metadata_tracker = t
        return self

    def with_worker_queue(self, wq: Any) -> _Builder:
        self.worker_queue = wq
        return self

    def with_client(self, c: Any) -> _Builder:
        self.flyte_client = c
        return self

    def new_compilation_state(self, prefix: str = "") -> CompilationState:
        return CompilationState(prefix=prefix)

    def new_execution_state(self, working_dir: os.PathLike[str] | str | None = None) -> ExecutionState:
        if not working_dir:
            working_dir = self.file_access.get_random_local_directory()
        return _execution_state(str(working_dir))


_Builder.__name__ = "Builder"
_Builder.__qualname__ = "FlyteContext.Builder"
FlyteContext.Builder = _Builder


def _execution_state(
    working_dir: str, mode: Mode | None = None, user_space_params: ExecutionParameters | None = None
) -> ExecutionState:
    """An ExecutionState whose engine directory exists (flytekit creates it in the constructor)."""
    state = ExecutionState(working_dir=working_dir, mode=mode, user_space_params=user_space_params)
    if state.engine_dir:
        os.makedirs(state.engine_dir, exist_ok=True)
    return state


# ---------------------------------------------------------------------------------------------- the stack
_PUSHED: contextvars.ContextVar[tuple[FlyteContext, ...]] = contextvars.ContextVar(
    "flyte_entrypoint_flyte_context_stack", default=()
)
_LOCK = threading.Lock()
_LOCAL_DEFAULT: list[FlyteContext] = []  # at most one: the process's local default bottom
_TASK_BOTTOMS: dict[int, tuple[ExecutionParameters, FlyteContext]] = {}
_MAX_TASK_BOTTOMS = 4


def _local_default() -> FlyteContext:
    with _LOCK:
        if not _LOCAL_DEFAULT:
            from flyte_entrypoint.shell.context import current_context
            from flyte_entrypoint.shell.file_access import FileAccessProvider

            root = tempfile.mkdtemp(prefix="flyte-")
            fa = FileAccessProvider(os.path.join(root, "sandbox"), os.path.join(root, "raw"))
            ctx = FlyteContext(file_access=fa)
            ctx = ctx.with_execution_state(
                ctx.new_execution_state().with_params(user_space_params=current_context())
            ).build()
            ctx.set_stackframe(FlyteContextManager.get_origin_stackframe())
            _LOCAL_DEFAULT.append(ctx)
        return _LOCAL_DEFAULT[0]


def _task_bottom(params: ExecutionParameters) -> FlyteContext:
    """The context of the running task whose user-space parameters are ``params`` (built once per run)."""
    with _LOCK:
        cached = _TASK_BOTTOMS.get(id(params))
        if cached is not None and cached[0] is params:
            return cached[1]
    from flyte_entrypoint.files import data_access
    from flyte_entrypoint.shell.file_access import FileAccessProvider

    access: Any = data_access()
    sandbox = str(getattr(access, "sandbox_dir", "") or tempfile.mkdtemp(prefix="flyte-"))
    raw = str(getattr(access, "raw_output_prefix", "") or params.raw_output_prefix or "")
    storage = getattr(access, "storage", None)
    if storage is not None:
        fa = FileAccessProvider._over(storage, sandbox, raw)
    else:
        fa = FileAccessProvider(sandbox, raw)
    ctx = FlyteContext(
        file_access=fa,
        level=1,
        execution_state=_execution_state(sandbox, Mode.TASK_EXECUTION, params),
        serialization_settings=_serialization_settings(),
        output_metadata_tracker=OutputMetadataTracker(),
    )
    with _LOCK:
        if len(_TASK_BOTTOMS) >= _MAX_TASK_BOTTOMS:  # a run's few parameter records; never keep old runs alive
            _TASK_BOTTOMS.pop(next(iter(_TASK_BOTTOMS)))
        _TASK_BOTTOMS[id(params)] = (params, ctx)
    return ctx


def _serialization_settings() -> Any:
    from returns.result import Success

    from flyte_entrypoint.core.settings_rules import serialization_settings_from_env

    result = serialization_settings_from_env(os.environ)
    return result.unwrap() if isinstance(result, Success) else None


def _bottom() -> FlyteContext:
    from flyte_entrypoint.shell.context import running_params

    params = running_params()
    if params is not None:
        return _task_bottom(params)
    return _local_default()


class FlyteContextManager:
    """The stack of ``FlyteContext`` (see the module docstring); every method is static, as in flytekit."""

    signal_handlers: ClassVar[list[Callable[[int, FrameType], Any]]] = []

    @staticmethod
    def add_signal_handler(handler: Callable[[int, FrameType], Any]) -> None:
        """Run ``handler(signum, frame)`` on SIGINT, then exit 1 (flytekit's behaviour). The SIGINT
        handler is installed on the first registration, from the main thread only."""
        FlyteContextManager.signal_handlers.append(handler)
        if threading.current_thread() is threading.main_thread():
            import signal

            def main_signal_handler(signum: int, frame: FrameType | None) -> None:
                for h in FlyteContextManager.signal_handlers:
                    h(signum, frame)  # type: ignore[arg-type]
                raise SystemExit(1)

            if signal.getsignal(signal.SIGINT) is not getattr(FlyteContextManager, "_installed", None):
                signal.signal(signal.SIGINT, main_signal_handler)
                FlyteContextManager._installed = main_signal_handler  # type: ignore[attr-defined]

    @staticmethod
    def get_origin_stackframe(limit: int = 2) -> traceback.FrameSummary:
        ss = traceback.extract_stack(limit=limit + 1)
        if len(ss) > limit + 1:
            return ss[limit]
        return ss[0]

    @staticmethod
    def current_context() -> FlyteContext:
        pushed = _PUSHED.get()
        return pushed[-1] if pushed else _bottom()

    @staticmethod
    def push_context(ctx: FlyteContext, f: traceback.FrameSummary | None = None) -> FlyteContext:
        if not f:
            f = FlyteContextManager.get_origin_stackframe(limit=2)
        ctx.set_stackframe(f)
        _PUSHED.set((*_PUSHED.get(), ctx))
        return ctx

    @staticmethod
    def pop_context() -> FlyteContext:
        pushed = _PUSHED.get()
        if not pushed:
            raise AssertionError(f"Illegal Context state! Popped, {_bottom()}")
        _PUSHED.set(pushed[:-1])
        return pushed[-1]

    @staticmethod
    @contextlib.contextmanager
    def with_context(b: _Builder) -> Generator[FlyteContext, None, None]:
        saved = _PUSHED.get()
        ctx = FlyteContextManager.push_context(b.build(), FlyteContextManager.get_origin_stackframe(limit=3))
        try:
            yield ctx
        finally:
            _PUSHED.set(saved)

    @staticmethod
    def size() -> int:
        return 1 + len(_PUSHED.get())

    @staticmethod
    def initialize() -> None:
        """Erase the stack: only the bottom remains (a new local default when no task is running)."""
        with _LOCK:
            _LOCAL_DEFAULT.clear()
        _PUSHED.set(())
