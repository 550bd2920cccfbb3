"""``flyte_entrypoint.entrypoint``: the API of ``flytekit.bin.entrypoint``, name for name.

Every public name of flytekit 1.16's ``flytekit.bin.entrypoint`` (classes, errors, functions, variables)
with flytekit's signatures, for plugin, task and test code written against it. This module is a facade:
each name is the one object that lives in ``shell``/``core``/``schemas`` (the flytekit-compatibility layer
maps ``flytekit.bin.entrypoint`` to this module). Differences from flytekit are listed in the README
section "The seed API".
"""

from __future__ import annotations

from google.protobuf.timestamp_pb2 import Timestamp

from flyte_entrypoint.core.exceptions import (
    FlyteException,
    FlyteNonRecoverableSystemException,
    FlyteRecoverableException,
    FlyteUserRuntimeException,
    IgnoreOutputs,
)
from flyte_entrypoint.core.void_promise import VoidPromise
from flyte_entrypoint.schemas.execution import ExecutionState
from flyte_entrypoint.schemas.output_metadata import OutputMetadataTracker
from flyte_entrypoint.schemas.settings import FastSerializationSettings, SerializationSettings
from flyte_entrypoint.shell.checkpoint import SyncCheckpoint
from flyte_entrypoint.shell.file_access import FileAccessProvider
from flyte_entrypoint.shell.flyte_context import FlyteContext, FlyteContextManager
from flyte_entrypoint.shell.python_task import PythonTask
from flyte_entrypoint.shell.seed_functions import (
    FLYTE_FAIL_ON_ERROR,
    SERIALIZED_CONTEXT_ENV_VAR,
    _build_error_file_name,
    _compute_array_job_index,
    _dispatch_execute,
    _download_distribution,
    _execute_map_task,
    _execute_task,
    _get_stats,
    _get_worker_name,
    _get_working_loop,
    _output_deck,
    compute_hash_string,
    get_container_error_timestamp,
    get_one_of,
    get_traceback_str,
    get_version_message,
    load_object_from_module,
    logger,
    normalize_inputs,
    setup_execution,
    str2bool,
    user_space_logger,
)
from flyte_entrypoint.shell.settings_env import ImageConfig, StatsConfig
from flyte_entrypoint.shell.user_params import ExecutionParameters

__all__ = [
    "FLYTE_FAIL_ON_ERROR",
    "SERIALIZED_CONTEXT_ENV_VAR",
    "ExecutionParameters",
    "ExecutionState",
    "FastSerializationSettings",
    "FileAccessProvider",
    "FlyteContext",
    "FlyteContextManager",
    "FlyteException",
    "FlyteNonRecoverableSystemException",
    "FlyteRecoverableException",
    "FlyteUserRuntimeException",
    "IgnoreOutputs",
    "ImageConfig",
    "OutputMetadataTracker",
    "PythonTask",
    "SerializationSettings",
    "StatsConfig",
    "SyncCheckpoint",
    "Timestamp",
    "VoidPromise",
    "_build_error_file_name",
    "_compute_array_job_index",
    "_dispatch_execute",
    "_download_distribution",
    "_execute_map_task",
    "_execute_task",
    "_get_stats",
    "_get_worker_name",
    "_get_working_loop",
    "_output_deck",
    "compute_hash_string",
    "get_container_error_timestamp",
    "get_one_of",
    "get_traceback_str",
    "get_version_message",
    "load_object_from_module",
    "logger",
    "normalize_inputs",
    "setup_execution",
    "str2bool",
    "user_space_logger",
]
