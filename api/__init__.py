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
    "AllowPickle": "flyte_entrypoint.core.types.pickled:AllowPickle",
    "kwtypes": "flyte_entrypoint.core.types.dataframe:kwtypes",
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
    "FlyteError": "flyte_entrypoint.core.types.flyte_error:FlyteError",
    "HashMethod": "flyte_entrypoint.core.types.annotated:HashMethod",
    "BatchSize": "flyte_entrypoint.core.types.annotated:BatchSize",
    "FlyteAnnotation": "flyte_entrypoint.core.types.annotated:FlyteAnnotation",
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
