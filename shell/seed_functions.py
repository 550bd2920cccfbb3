"""The module-level functions of ``flytekit.bin.entrypoint``, as thin shell wrappers.

Each reads what flytekit reads at call time (``os.environ``, the clock, ``uuid4``) and hands the values
to the pure rule in the core, so the rule itself stays testable as a plain function:

========================================  ==================================================
function                                  rule
========================================  ==================================================
``_build_error_file_name()``              ``core.errors.error_file_name(env, uuid)``
``_get_worker_name()``                    ``core.errors.worker_name(env)``
``_compute_array_job_index()``            ``core.array_index.compute_array_job_index(env)``
``get_one_of(*args)``, ``str2bool``       ``core.env``
``normalize_inputs``                      ``core.env.normalize_*``
``get_traceback_str``                     ``core.errors.format_error_message``
``get_container_error_timestamp``         ``core.errors.error_timestamp(e, now)``
========================================  ==================================================

``_execute_task``/``_execute_map_task`` are the click-free bodies of the commands: they run the same
driver as ``pyflyte-execute``/``pyflyte-map-execute`` in this process. ``_dispatch_execute`` runs that
driver with the task ``load_task()`` returns, the storage of ``ctx.file_access``, ``ctx``'s user-space
parameters and the output and inputs locations given; ``setup_execution`` yields the task's ``FlyteContext``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import os
import tempfile
import time
import traceback
import uuid
import warnings
from collections.abc import Callable, Generator
from typing import Any

from flyte_entrypoint.core.env import FLYTE_FAIL_ON_ERROR, SERIALIZED_CONTEXT_ENV_VAR

__all__ = ["FLYTE_FAIL_ON_ERROR", "SERIALIZED_CONTEXT_ENV_VAR", "logger", "user_space_logger"]

logger = logging.getLogger("flyte_entrypoint")
user_space_logger = logging.getLogger("user_space")


def get_version_message() -> str:
    from flyte_entrypoint import __version__

    return f"Welcome to Flyte! Version: flyte-entrypoint {__version__}"


def _build_error_file_name() -> str:
    """``error.pb``, or ``error-<uuid hex>.pb`` under a distributed error strategy (workers never collide)."""
    from flyte_entrypoint.core.errors import error_file_name

    return error_file_name(os.environ, uuid.uuid4().hex)


def _get_worker_name() -> str:
    """The worker name for error documents: ``FLYTE_INTERNAL_WORKER_NAME``/``_F_WN`` under a distributed
    error strategy, else ``""``."""
    from flyte_entrypoint.core.errors import worker_name

    return worker_name(os.environ)


def _compute_array_job_index() -> int:
    """offset + the value of the variable ``BATCH_JOB_ARRAY_INDEX_VAR_NAME`` names; a missing or bad
    variable, or a negative index, is a ``ValueError`` (flytekit: TypeError / the last element, Q10/Q27)."""
    from returns.result import Failure

    from flyte_entrypoint.core.array_index import compute_array_job_index

    result = compute_array_job_index(os.environ)
    if isinstance(result, Failure):
        raise ValueError(str(result.failure()))
    index: int = result.unwrap()
    return index


def _get_working_loop() -> asyncio.AbstractEventLoop:
    """The running event loop, else the current thread's (a new one, set as current, if there is none)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            try:
                return asyncio.get_event_loop_policy().get_event_loop()
            except (DeprecationWarning, RuntimeError):
                loop = asyncio.get_event_loop_policy().new_event_loop()
                asyncio.set_event_loop(loop)
                return loop


def _get_stats(cfg: Any, prefix: str, tags: dict[str, str] | None = None) -> Any:
    """A statsd client with ``prefix`` and ``tags`` (a no-op client when ``cfg.disabled``)."""
    from flyte_entrypoint.shell.stats import TaggedStats, make_client

    return TaggedStats(make_client(cfg), prefix, dict(tags or {}), cfg.disable_tags)


def _output_deck(task_name: str, new_user_params: Any) -> None:
    """Write the decks of ``new_user_params`` to ``deck.html`` in a new local directory of the current
    context's file access and, in task execution, upload it to ``<output metadata prefix>/deck.html``
    (``text/html``). A failure is logged, never raised: a deck never changes the task's result."""
    from flyte_entrypoint.core.deck import DeckPage, render_html
    from flyte_entrypoint.schemas.execution import Mode
    from flyte_entrypoint.shell.flyte_context import FlyteContextManager

    ctx = FlyteContextManager.current_context()
    try:
        book = getattr(new_user_params, "deck_book", None)
        if book is not None and hasattr(book, "pages"):
            html = render_html(book.pages(), title=task_name)
        else:
            pages = tuple(DeckPage(d.name, d.html) for d in getattr(new_user_params, "decks", []))
            html = render_html(pages, title=task_name)
        local_path = os.path.join(ctx.file_access.get_random_local_directory(), "deck.html")
        with open(local_path, "w", encoding="utf-8") as fh:
            fh.write(html)
        logger.info("%s task creates flyte deck html to file://%s", task_name, local_path)
        es = ctx.execution_state
        if es is not None and es.mode == Mode.TASK_EXECUTION and new_user_params.output_metadata_prefix:
            from flyte_entrypoint.core.paths import join

            remote = join(new_user_params.output_metadata_prefix, "deck.html")
            ctx.file_access._storage.put_bytes(remote, html.encode("utf-8"), "text/html")
    except Exception as exc:
        logger.error("Failed to write flyte deck html with error %s.", exc)


def compute_hash_string(pb: Any) -> str:
    """The deterministic base64 hash of a protobuf message (PROTOCOL §11)."""
    from flyte_entrypoint.core.hashing import compute_hash_string as rule

    return rule(pb)


def get_container_error_timestamp(e: Exception | None = None) -> Any:
    """A ``FlyteException``'s own timestamp, else now, as a protobuf ``Timestamp``."""
    from google.protobuf.timestamp_pb2 import Timestamp

    from flyte_entrypoint.core.errors import error_timestamp

    now = time.time()
    ts = error_timestamp(e, now) if e is not None else now
    secs = int(ts)
    return Timestamp(seconds=secs, nanos=int((ts - secs) * 1_000_000_000))


def get_one_of(*args: str) -> str:
    """The first of the environment variables ``args`` that is set and non-empty, else ``""`` (Q17: flytekit
    lets an empty value shadow a later alias)."""
    from flyte_entrypoint.core.env import get_one_of as rule

    return rule(os.environ, *args)


def get_traceback_str(e: Exception) -> str:
    """flytekit's error message layout: ``Trace:`` (the traceback, indented) then ``Message:``
    (``<type>: <str>``, indented); for a ``FlyteUserRuntimeException`` both describe the user's error."""
    from flyte_entrypoint.core.errors import CapturedError, format_error_message
    from flyte_entrypoint.core.exceptions import FlyteUserRuntimeException

    root: BaseException = e
    value: BaseException = e
    if isinstance(e, FlyteUserRuntimeException):
        root = e.__cause__ if e.__cause__ else e
        value = e.value
    trace = "".join(traceback.format_exception(type(root), root, root.__traceback__))
    return format_error_message(CapturedError(value, trace))


def load_object_from_module(object_location: str) -> Any:
    """Import ``module.attr`` and return the attribute."""
    from flyte_entrypoint.shell.loader import load_object

    return load_object(object_location)


def normalize_inputs(
    raw_output_data_prefix: str | None, checkpoint_path: str | None, prev_checkpoint: str | None
) -> tuple[str | None, str | None, str | None]:
    """Unfilled ``{{.…}}`` placeholders (and an empty previous checkpoint) become None."""
    from flyte_entrypoint.core import env

    return (
        env.normalize_raw_output_prefix(raw_output_data_prefix),
        env.normalize_checkpoint_path(checkpoint_path),
        env.normalize_prev_checkpoint(prev_checkpoint),
    )


def str2bool(value: str | None) -> bool:
    """``true``/``t``/``1`` (any case) -> True; anything else, None included -> False."""
    from flyte_entrypoint.core.env import str2bool as rule

    return rule(value)


def _download_distribution(additional_distribution: str, destination: str) -> None:
    """Download a code archive and extract it safely into ``destination`` (see the README's fast
    registration section); raises ``DistributionNotInstalled`` naming what went wrong."""
    from flyte_entrypoint.shell.fast_execute import install_distribution

    install_distribution(additional_distribution, destination, dict(os.environ))


@contextlib.contextmanager
def setup_execution(
    raw_output_data_prefix: str,
    output_metadata_prefix: str | None = None,
    checkpoint_path: str | None = None,
    prev_checkpoint: str | None = None,
    dynamic_addl_distro: str | None = None,
    dynamic_dest_dir: str | None = None,
) -> Generator[Any, None, None]:
    """The context a task runs in, from the environment and these locations: user-space parameters
    (ids, stats, checkpoint, a fresh working directory), a ``FileAccessProvider`` over the raw output prefix
    with the execution metadata attached, ``TASK_EXECUTION`` mode, the serialization settings (``_F_SS_C``
    plus the fast-registration distribution). While the block runs, ``current_context()`` is those
    parameters and ``FlyteContextManager.current_context()`` this context."""
    from returns.result import Success

    from flyte_entrypoint.core.execution_state import build_execution_parameters
    from flyte_entrypoint.core.settings_rules import serialization_settings_from_env
    from flyte_entrypoint.schemas.execution import Mode
    from flyte_entrypoint.schemas.output_metadata import OutputMetadataTracker
    from flyte_entrypoint.shell.checkpoint import SyncCheckpoint
    from flyte_entrypoint.shell.context import using_context
    from flyte_entrypoint.shell.file_access import FileAccessProvider
    from flyte_entrypoint.shell.flyte_context import FlyteContextManager
    from flyte_entrypoint.shell.stats import build_stats
    from flyte_entrypoint.shell.user_params import ExecutionParameters

    env = dict(os.environ)
    raw, checkpoint_path, prev_checkpoint = normalize_inputs(
        raw_output_data_prefix, checkpoint_path, prev_checkpoint
    )
    ctx = FlyteContextManager.current_context()
    user_workspace_dir = ctx.file_access.get_random_local_directory()
    root = tempfile.mkdtemp(prefix="flyte")
    if raw is None:  # Q1: flytekit crashes; the same fallback as pyflyte-execute
        raw = os.path.join(output_metadata_prefix or root, "raw")
    metadata = {
        "flyte-execution-project": get_one_of("FLYTE_INTERNAL_EXECUTION_PROJECT", "_F_PRJ"),
        "flyte-execution-domain": get_one_of("FLYTE_INTERNAL_EXECUTION_DOMAIN", "_F_DM"),
        "flyte-execution-launchplan": get_one_of("FLYTE_INTERNAL_EXECUTION_LAUNCHPLAN", "_F_LP"),
        "flyte-execution-workflow": get_one_of("FLYTE_INTERNAL_EXECUTION_WORKFLOW", "_F_WF"),
        "flyte-execution-name": get_one_of("FLYTE_INTERNAL_EXECUTION_ID", "_F_NM"),
    }
    file_access = FileAccessProvider(
        local_sandbox_dir=root, raw_output_prefix=raw, execution_metadata=metadata
    )
    checkpoint = None
    if checkpoint_path is not None:
        checkpoint = SyncCheckpoint.over(
            file_access._storage, checkpoint_path, prev_checkpoint, os.path.join(root, "checkpoint")
        )
    from flyte_entrypoint.shell.deck import DeckBook

    params = build_execution_parameters(
        env,
        datetime.datetime.now(datetime.timezone.utc).timestamp(),
        user_workspace_dir,
        raw_output_prefix=raw,
        output_metadata_prefix=output_metadata_prefix,
        record_type=ExecutionParameters,
        stats=build_stats(env),
        logging=user_space_logger,
        checkpoint_object=checkpoint,
        deck_book=DeckBook(),
    )
    settings = serialization_settings_from_env(env, dynamic_addl_distro, dynamic_dest_dir)
    base = ctx.new_builder().with_file_access(file_access).build()
    es = base.new_execution_state().with_params(mode=Mode.TASK_EXECUTION, user_space_params=params)
    os.makedirs(str(es.engine_dir), exist_ok=True)
    builder = (
        base.new_builder().with_execution_state(es).with_output_metadata_tracker(OutputMetadataTracker())
    )
    if isinstance(settings, Success):
        builder = builder.with_serialization_settings(settings.unwrap())
    with using_context(params), FlyteContextManager.with_context(builder) as task_ctx:
        yield task_ctx


def _run_driver(
    args: Any, storage: Any = None, loader: Callable[[], Any] | None = None, user_space_params: Any = None
) -> int:
    """One run of the ``pyflyte-execute`` driver in this process; ``loader`` replaces the resolver and
    ``user_space_params`` (when given) are what the task sees as ``current_context()``."""
    from flyte_entrypoint.shell.driver import Driver

    class _InProcessDriver(Driver):
        def _resolve_task(self, cmd: Any) -> Any:
            if loader is not None:
                return loader()
            return super()._resolve_task(cmd)

    driver = _InProcessDriver(args)
    if storage is not None:
        driver.resources._storage = storage
    if user_space_params is not None:
        from flyte_entrypoint.shell.user_params import promote

        driver.resources.user_space_params = promote(user_space_params)
    try:
        return driver.run()
    except SystemExit:
        raise
    except Exception as exc:
        from flyte_entrypoint.shell.rescue import write_internal_error

        return write_internal_error(driver.resources, exc)


def _finish(code: int) -> None:
    """flytekit returns normally, or exits 1 (``FLYTE_FAIL_ON_ERROR`` with an error document)."""
    if code != 0:
        raise SystemExit(code)


def _dispatch_execute(
    ctx: Any,
    load_task: Callable[[], Any],
    inputs_path: str,
    output_prefix: str,
    is_map_task: bool = False,
) -> None:
    """Run the task ``load_task()`` gives on the inputs at ``inputs_path``, writing ``outputs.pb``, an error
    document, or nothing (``IgnoreOutputs``) under ``output_prefix``, through ``ctx.file_access``'s storage.
    ``SystemExit(1)`` when an error document was written and ``FLYTE_FAIL_ON_ERROR`` is set."""
    from flyte_entrypoint.schemas.invocation import TaskArgs

    fa = ctx.file_access
    args = TaskArgs(
        inputs=inputs_path,
        output_prefix=output_prefix,
        raw_output_data_prefix=str(fa.raw_output_prefix),
        resolver="flyte_entrypoint.default_task_resolver",
        resolver_args=("load_task",),
        map_task=is_map_task,
    )
    _finish(
        _run_driver(
            args,
            storage=getattr(fa, "_storage", None),
            loader=load_task,
            user_space_params=ctx.user_space_params,
        )
    )


def _task_args(flags: dict[str, Any], map_task: bool = False) -> Any:
    """The command's flags (the seed functions' parameters, by name) as the driver's ``TaskArgs``."""
    from flyte_entrypoint.schemas.invocation import TaskArgs

    return TaskArgs(
        inputs=flags["inputs"],
        output_prefix=flags["output_prefix"],
        raw_output_data_prefix=flags["raw_output_data_prefix"],
        checkpoint_path=flags["checkpoint_path"],
        prev_checkpoint=flags["prev_checkpoint"],
        test=flags["test"],
        dynamic_addl_distro=flags["dynamic_addl_distro"],
        dynamic_dest_dir=flags["dynamic_dest_dir"],
        resolver=flags["resolver"],
        resolver_args=tuple(flags["resolver_args"]),
        map_task=map_task,
        max_concurrency=flags.get("max_concurrency"),
    )


def _execute_task(
    inputs: str,
    output_prefix: str,
    test: bool,
    raw_output_data_prefix: str,
    resolver: str,
    resolver_args: list[str],
    checkpoint_path: str | None = None,
    prev_checkpoint: str | None = None,
    dynamic_addl_distro: str | None = None,
    dynamic_dest_dir: str | None = None,
) -> None:
    """``pyflyte-execute`` without click: the same run, in this process."""
    if len(resolver_args) < 1:
        raise ValueError("cannot be <1")
    _finish(_run_driver(_task_args(locals())))


def _execute_map_task(
    inputs: str,
    output_prefix: str,
    raw_output_data_prefix: str,
    max_concurrency: int | None,
    test: bool,
    resolver: str,
    resolver_args: list[str],
    checkpoint_path: str | None = None,
    prev_checkpoint: str | None = None,
    dynamic_addl_distro: str | None = None,
    dynamic_dest_dir: str | None = None,
) -> None:
    """``pyflyte-map-execute`` without click: the same run, in this process."""
    if len(resolver_args) < 1:
        raise ValueError(f"Resolver args cannot be <1, got {resolver_args}")
    _finish(_run_driver(_task_args(locals(), map_task=True)))
