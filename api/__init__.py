"""flyte-entrypoint: a drop-in, functional-core rewrite of flytekit's task-container entrypoint.

Task authors import from here. Names are resolved lazily so that ``pyflyte-execute`` start-up pays
only for what a run actually uses.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "task": "flyte_entrypoint.core.task:task",
    "map_task": "flyte_entrypoint.core.task:map_task",
    "current_context": "flyte_entrypoint.shell.context:current_context",
    "IgnoreOutputs": "flyte_entrypoint.core.exceptions:IgnoreOutputs",
    "FlyteRecoverableException": "flyte_entrypoint.core.exceptions:FlyteRecoverableException",
    "FlyteException": "flyte_entrypoint.core.exceptions:FlyteException",
    "FlyteUserException": "flyte_entrypoint.core.exceptions:FlyteUserException",
    "default_task_resolver": "flyte_entrypoint.shell.loader:default_task_resolver",
    "DefaultTaskResolver": "flyte_entrypoint.shell.loader:DefaultTaskResolver",
    "ArrayNodeMapTaskResolver": "flyte_entrypoint.shell.loader:ArrayNodeMapTaskResolver",
    "ExecutionParameters": "flyte_entrypoint.shell.user_params:ExecutionParameters",
    "FlyteFile": "flyte_entrypoint.files:FlyteFile",
    "FlyteDirectory": "flyte_entrypoint.files:FlyteDirectory",
    "FileExt": "flyte_entrypoint.files:FileExt",
    "AllowPickle": "flyte_entrypoint.core.type_engine.pickled:AllowPickle",
    "kwtypes": "flyte_entrypoint.core.type_engine.dataframe:kwtypes",
    "TaskRecord": "flyte_entrypoint.schemas.task:TaskRecord",
    "MapTaskRecord": "flyte_entrypoint.schemas.task:MapTaskRecord",
    "dynamic": "flyte_entrypoint.core.task:dynamic",
    "Deck": "flyte_entrypoint.shell.deck:Deck",
    "add_output_metadata": "flyte_entrypoint.shell.output_metadata:add_output_metadata",
    "OutputMetadata": "flyte_entrypoint.schemas.output_metadata:OutputMetadata",
    "FlyteContext": "flyte_entrypoint.shell.flyte_context:FlyteContext",
    "FlyteContextManager": "flyte_entrypoint.shell.flyte_context:FlyteContextManager",
    "FileAccessProvider": "flyte_entrypoint.shell.file_access:FileAccessProvider",
    "PythonTask": "flyte_entrypoint.shell.python_task:PythonTask",
    # issue 10 (types): flytekit's names for flytekit.types.* (file formats, error, hashing)
    "CSVFile": "flyte_entrypoint.file_formats:CSVFile",
    "HDF5EncodedFile": "flyte_entrypoint.file_formats:HDF5EncodedFile",
    "HTMLPage": "flyte_entrypoint.file_formats:HTMLPage",
    "JPEGImageFile": "flyte_entrypoint.file_formats:JPEGImageFile",
    "JSONLFile": "flyte_entrypoint.file_formats:JSONLFile",
    "JoblibSerializedFile": "flyte_entrypoint.file_formats:JoblibSerializedFile",
    "ONNXFile": "flyte_entrypoint.file_formats:ONNXFile",
    "PDFFile": "flyte_entrypoint.file_formats:PDFFile",
    "PNGImageFile": "flyte_entrypoint.file_formats:PNGImageFile",
    "PythonNotebook": "flyte_entrypoint.file_formats:PythonNotebook",
    "PythonPickledFile": "flyte_entrypoint.file_formats:PythonPickledFile",
    "SVGImageFile": "flyte_entrypoint.file_formats:SVGImageFile",
    "TFRecordFile": "flyte_entrypoint.file_formats:TFRecordFile",
    "TFRecordsDirectory": "flyte_entrypoint.file_formats:TFRecordsDirectory",
    "TensorboardLogs": "flyte_entrypoint.file_formats:TensorboardLogs",
    "StructuredDataset": "flyte_entrypoint.structured:StructuredDataset",
    "StructuredDatasetType": "flyte_entrypoint.structured:StructuredDatasetType",
    "StructuredDatasetEncoder": "flyte_entrypoint.structured:StructuredDatasetEncoder",
    "StructuredDatasetDecoder": "flyte_entrypoint.structured:StructuredDatasetDecoder",
    "StructuredDatasetTransformerEngine": "flyte_entrypoint.structured:StructuredDatasetTransformerEngine",
    "StructuredDatasetMetadata": "flyte_entrypoint.structured:StructuredDatasetMetadata",
    "PARQUET": "flyte_entrypoint.structured:PARQUET",
    "CSV": "flyte_entrypoint.structured:CSV",
    "register_csv_handlers": "flyte_entrypoint.structured:register_csv_handlers",
    "register_pandas_handlers": "flyte_entrypoint.structured:register_pandas_handlers",
    "register_arrow_handlers": "flyte_entrypoint.structured:register_arrow_handlers",
    "DuplicateHandlerError": "flyte_entrypoint.structured:DuplicateHandlerError",
    "FlyteSchema": "flyte_entrypoint.flyte_schema:FlyteSchema",
    "SchemaFormat": "flyte_entrypoint.flyte_schema:SchemaFormat",
    "SchemaOpenMode": "flyte_entrypoint.flyte_schema:SchemaOpenMode",
    "FlyteError": "flyte_entrypoint.core.type_engine.flyte_error:FlyteError",
    "HashMethod": "flyte_entrypoint.core.type_engine.annotated:HashMethod",
    "BatchSize": "flyte_entrypoint.core.type_engine.annotated:BatchSize",
    "FlyteAnnotation": "flyte_entrypoint.core.type_engine.annotated:FlyteAnnotation",
    # authoring names of modules written for flytekit: one implementation, in flyte_entrypoint.compat
    **{
        name: f"flyte_entrypoint.compat.workflows:{name}"
        for name in ("workflow", "conditional", "create_node", "approve", "sleep", "wait_for_input")
    },
    "Workflow": "flyte_entrypoint.compat.workflows:ImperativeWorkflow",
    "WorkflowFailurePolicy": "flyte_entrypoint.compat.workflows:WorkflowFailurePolicy",
    "reference_workflow": "flyte_entrypoint.compat.workflows:reference_workflow",
    **{
        name: f"flyte_entrypoint.compat.launch_plans:{name}"
        for name in ("LaunchPlan", "reference_launch_plan", "CronSchedule", "FixedRate", "Email", "Slack",
                     "PagerDuty", "WorkflowExecutionPhase")
    },
    **{name: f"flyte_entrypoint.compat.resources:{name}" for name in ("Resources", "Secret", "TaskMetadata")},
    **{name: f"flyte_entrypoint.compat.task_settings:{name}" for name in ("PodTemplate", "Cache")},
    **{
        name: f"flyte_entrypoint.compat.accelerators:{name}"
        for name in ("A10G", "A100", "T4", "L4", "V100", "H100", "GPUAccelerator")
    },
    **{
        name: f"flyte_entrypoint.compat.tasks:{name}"
        for name in ("eager", "reference_task", "Echo", "ContainerTask", "SQLTask")
    },
    "ImageSpec": "flyte_entrypoint.compat.image_spec:ImageSpec",
    "ShellTask": "flyte_entrypoint.compat.shell_task:ShellTask",
    "OutputLocation": "flyte_entrypoint.compat.shell_task:OutputLocation",
    "SQLite3Task": "flyte_entrypoint.compat.sqlite3_task:SQLite3Task",
    "SQLite3Config": "flyte_entrypoint.compat.sqlite3_task:SQLite3Config",
    # flytekit's type-extension API and Interface (flytekit.extend)
    "TypeEngine": "flyte_entrypoint.compat.type_engine:TypeEngine",
    "TypeTransformer": "flyte_entrypoint.compat.type_engine:TypeTransformer",
    "Interface": "flyte_entrypoint.compat.interface:Interface",
    # flytekit's model names a transformer builds literals with: the flyteidl protobuf classes
    **{
        name: f"flyteidl.core.literals_pb2:{name}"
        for name in ("Literal", "Scalar", "Blob", "BlobMetadata", "Primitive", "LiteralMap", "LiteralCollection")
    },
    **{name: f"flyteidl.core.types_pb2:{name}" for name in ("LiteralType", "BlobType", "SimpleType")},
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    target = _EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"module 'flyte_entrypoint' has no attribute {name!r}")
    module_name, _, attr = target.rpartition(":")
    value = getattr(importlib.import_module(module_name), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
