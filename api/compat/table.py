"""The table: flytekit module paths and names → flyte-entrypoint objects (``"module:attr"`` targets).

One implementation, two import paths: every target is the object ``flyte_entrypoint`` itself exports or
uses, never a copy. A target ``"@flytekit.x"`` is another flytekit module of this layer (the module
object). Targets are imported only when a name is first touched, so reading this table costs nothing.

``ALIASES`` are whole modules: ``flytekit.bin.entrypoint`` *is* ``flyte_entrypoint.entrypoint``.
"""

from __future__ import annotations

import importlib
from typing import Any

_C = "flyte_entrypoint.compat"
_EP = "flyte_entrypoint.entrypoint"
_FE = "flyte_entrypoint"


def _names(module: str, *names: str) -> dict[str, str]:
    return {n: f"{module}:{n}" for n in names}


_TASKS = {
    **_names(f"{_C}.tasks", "task", "dynamic", "eager", "reference_task", "Echo", "ContainerTask", "SQLTask"),
    "map_task": "flyte_entrypoint.core.task:map_task",
    "kwtypes": "flyte_entrypoint.core.type_engine.dataframe:kwtypes",
}
_WORKFLOWS = {
    **_names(f"{_C}.workflows", "workflow", "conditional", "create_node", "approve", "sleep", "wait_for_input"),
    **_names(f"{_C}.workflows", "WorkflowFailurePolicy", "reference_workflow"),
    "Workflow": f"{_C}.workflows:ImperativeWorkflow",
}
_LAUNCH = _names(
    f"{_C}.launch_plans",
    "LaunchPlan", "reference_launch_plan", "CronSchedule", "FixedRate", "Email", "Slack", "PagerDuty",
    "WorkflowExecutionPhase",
)
_RESOURCES = {
    **_names(f"{_C}.resources", "Resources", "Secret", "TaskMetadata"),
    **_names(
        f"{_C}.task_settings", "SecurityContext", "PodTemplate", "Cache", "CachePolicy", "VersionParameters",
        "Labels", "Annotations", "Documentation", "Description", "SourceCode",
    ),
}
_EXCEPTIONS = _names(
    "flyte_entrypoint.core.exceptions",
    "FlyteException", "FlyteUserException", "FlyteRecoverableException", "FlyteSystemException",
    "FlyteValueException", "FlyteTypeException", "FlyteAssertion", "FlyteDataNotFoundException",
)
_MODELS_LITERALS = {
    **_names("flyteidl.core.literals_pb2", "Literal", "Scalar", "Blob", "BlobMetadata", "LiteralMap"),
    **_names("flyteidl.core.literals_pb2", "LiteralCollection", "Primitive", "Binary", "Void", "Union"),
    **_names("flyteidl.core.literals_pb2", "StructuredDatasetMetadata", "StructuredDataset"),
}
_MODELS_TYPES = _names(
    "flyteidl.core.types_pb2", "LiteralType", "SimpleType", "BlobType", "StructuredDatasetType", "UnionType",
    "TypeStructure", "TypeAnnotation",
)
_FILES = {
    "FlyteFile": "flyte_entrypoint.files:FlyteFile",
    **_names(
        _FE, "CSVFile", "HDF5EncodedFile", "HTMLPage", "JoblibSerializedFile", "JPEGImageFile", "JSONFile",
        "JSONLFile", "ONNXFile", "PDFFile", "PNGImageFile", "PythonNotebook", "PythonPickledFile",
        "SVGImageFile", "TFRecordFile", "FileExt",
    ),
}
_DIRECTORIES = {
    "FlyteDirectory": "flyte_entrypoint.files:FlyteDirectory",
    **_names(_FE, "TensorboardLogs", "TFRecordsDirectory"),
}
_STRUCTURED = _names(
    _FE, "StructuredDataset", "StructuredDatasetType", "StructuredDatasetFormat", "StructuredDatasetEncoder",
    "StructuredDatasetDecoder", "StructuredDatasetTransformerEngine", "CSV", "PARQUET", "register_csv_handlers",
    "register_pandas_handlers", "register_arrow_handlers",
)
_CONTEXT = _names(
    _EP, "FlyteContext", "FlyteContextManager", "ExecutionState", "ExecutionParameters", "SerializationSettings",
    "ImageConfig", "FileAccessProvider", "SyncCheckpoint", "CompilationState", "FlyteEntities",
)
_ACCELERATORS = _names(
    f"{_C}.accelerators", "BaseAccelerator", "GPUAccelerator", "MultiInstanceGPUAccelerator", "A10G", "A100",
    "H100", "L4", "L4_VWS", "L40S", "H200", "K80", "M60", "P4", "P100", "T4", "V100", "A100_80GB",
)

MODULES: dict[str, dict[str, str]] = {
    "flytekit": {
        **_TASKS, **_WORKFLOWS, **_LAUNCH, **_RESOURCES,
        "current_context": "flyte_entrypoint.shell.context:current_context",
        "ExecutionParameters": "flyte_entrypoint.schemas.execution:ExecutionParameters",
        "FlyteContext": f"{_EP}:FlyteContext",
        "FlyteContextManager": f"{_EP}:FlyteContextManager",
        "Deck": "flyte_entrypoint.shell.deck:Deck",
        "HashMethod": "flyte_entrypoint.core.type_engine.annotated:HashMethod",
        "ImageSpec": f"{_C}.image_spec:ImageSpec",
        "FlyteFile": "flyte_entrypoint.files:FlyteFile",
        "FlyteDirectory": "flyte_entrypoint.files:FlyteDirectory",
        "BatchSize": f"{_FE}:BatchSize",
        **_names(_FE, "StructuredDataset", "StructuredDatasetType", "StructuredDatasetFormat"),
        "StructuredDatasetTransformerEngine": f"{_FE}:StructuredDatasetTransformerEngine",
        **{k: _MODELS_LITERALS[k] for k in ("Literal", "Scalar", "Blob", "BlobMetadata")},
        "LiteralType": _MODELS_TYPES["LiteralType"],
        "BlobType": _MODELS_TYPES["BlobType"],
        "PythonFunctionTask": "flyte_entrypoint.schemas.task:TaskRecord",
        "logger": f"{_C}.runtime:logger",
        "types": "@flytekit.types",
        "extras": "@flytekit.extras",
    },
    "flytekit.core.task": {**_names(f"{_C}.tasks", "task", "eager", "reference_task", "Echo"),
                           "Secret": f"{_C}.resources:Secret"},
    "flytekit.core.dynamic_workflow_task": _names(f"{_C}.tasks", "dynamic"),
    "flytekit.core.workflow": {**_WORKFLOWS, "ImperativeWorkflow": f"{_C}.workflows:ImperativeWorkflow",
                               "WorkflowBase": f"{_C}.workflows:WorkflowRecord"},
    "flytekit.core.condition": _names(f"{_C}.workflows", "conditional"),
    "flytekit.core.node_creation": _names(f"{_C}.workflows", "create_node"),
    "flytekit.core.gate": _names(f"{_C}.workflows", "approve", "sleep", "wait_for_input"),
    "flytekit.core.launch_plan": _names(f"{_C}.launch_plans", "LaunchPlan", "reference_launch_plan"),
    "flytekit.core.schedule": _names(f"{_C}.launch_plans", "CronSchedule", "FixedRate"),
    "flytekit.core.notification": _names(f"{_C}.launch_plans", "Email", "Slack", "PagerDuty"),
    "flytekit.core.resources": _names(f"{_C}.resources", "Resources"),
    "flytekit.core.pod_template": _names(f"{_C}.task_settings", "PodTemplate"),
    "flytekit.core.cache": _names(f"{_C}.task_settings", "Cache", "CachePolicy", "VersionParameters"),
    "flytekit.core.hash": {"HashMethod": "flyte_entrypoint.core.type_engine.annotated:HashMethod"},
    "flytekit.core.annotation": {"FlyteAnnotation": "flyte_entrypoint.core.type_engine.annotated:FlyteAnnotation"},
    "flytekit.core.base_task": {
        **_names(f"{_C}.resources", "TaskMetadata"),
        "IgnoreOutputs": "flyte_entrypoint.core.exceptions:IgnoreOutputs",
        "kwtypes": "flyte_entrypoint.core.type_engine.dataframe:kwtypes",
        "PythonTask": f"{_EP}:PythonTask",
        "Task": f"{_EP}:PythonTask",
    },
    "flytekit.core.python_function_task": {
        "PythonFunctionTask": "flyte_entrypoint.schemas.task:TaskRecord",
        "eager_failure_task_resolver": f"{_C}.resolvers:eager_failure_task_resolver",
    },
    "flytekit.core.python_auto_container": _names(
        f"{_C}.resolvers", "default_task_resolver", "DefaultTaskResolver", "default_notebook_task_resolver"
    ),
    "flytekit.core.array_node_map_task": {
        "ArrayNodeMapTaskResolver": "flyte_entrypoint.shell.loader:ArrayNodeMapTaskResolver",
        "map_task": "flyte_entrypoint.core.task:map_task",
    },
    "flytekit.core.python_customized_container_task": _names(
        f"{_C}.resolvers", "default_task_template_resolver", "TaskTemplateResolver"
    ),
    "flytekit.core.class_based_resolver": _names(f"{_C}.resolvers", "ClassStorageTaskResolver"),
    "flytekit.extras.cloud_pickle_resolver": _names(f"{_C}.resolvers", "experimental_cloud_pickle_resolver"),
    "flytekit.core.container_task": _names(f"{_C}.tasks", "ContainerTask"),
    "flytekit.core.base_sql_task": _names(f"{_C}.tasks", "SQLTask"),
    "flytekit.core.context_manager": _CONTEXT,
    "flytekit.core.data_persistence": _names(_EP, "FileAccessProvider"),
    "flytekit.core.checkpointer": _names(_EP, "SyncCheckpoint", "Checkpoint"),
    "flytekit.core.type_engine": {
        **_names(f"{_C}.type_engine", "TypeEngine", "TypeTransformer"),
        "BatchSize": f"{_FE}:BatchSize",
        "TypeTransformerFailedError": "flyte_entrypoint.core.exceptions:TypeTransformerFailedError",
    },
    "flytekit.core.interface": _names(f"{_C}.interface", "Interface"),
    "flytekit.core.promise": {**_names(_EP, "VoidPromise"), "Promise": f"{_C}.workflows:Promise"},
    "flytekit.extend": {
        **_names(f"{_C}.type_engine", "TypeEngine", "TypeTransformer"),
        "Interface": f"{_C}.interface:Interface",
        "T": f"{_C}.type_engine:T",
        **_names(_EP, "PythonTask", "SerializationSettings", "ExecutionState", "FlyteContext", "ImageConfig",
                 "FileAccessProvider"),
        "SQLTask": f"{_C}.tasks:SQLTask",
        "ClassStorageTaskResolver": f"{_C}.resolvers:ClassStorageTaskResolver",
        "SecretsManager": f"{_C}.testing:SecretsManager",
        "Promise": f"{_C}.workflows:Promise",
        "IgnoreOutputs": "flyte_entrypoint.core.exceptions:IgnoreOutputs",
        "context_manager": "@flytekit.core.context_manager",
    },
    "flytekit.configuration": _names(_EP, "SerializationSettings", "ImageConfig", "Image"),
    "flytekit.constants": _names(f"{_C}.image_spec", "CopyFileDetection"),
    "flytekit.image_spec": _names(f"{_C}.image_spec", "ImageSpec"),
    "flytekit.image_spec.image_spec": _names(f"{_C}.image_spec", "ImageSpec"),
    "flytekit.loggers": _names(f"{_C}.runtime", "logger"),
    "flytekit.exceptions": {},
    "flytekit.exceptions.user": _EXCEPTIONS,
    "flytekit.exceptions.system": _EXCEPTIONS,
    "flytekit.exceptions.base": _EXCEPTIONS,
    "flytekit.exceptions.eager": _names(f"{_C}.eager", "EagerException"),
    "flytekit.models.literals": _MODELS_LITERALS,
    "flytekit.models.types": _MODELS_TYPES,
    "flytekit.models.core.type_engine": _names("flyteidl.core.types_pb2", "BlobType"),
    "flytekit.models.core.execution": _names(f"{_C}.launch_plans", "WorkflowExecutionPhase"),
    "flytekit.types.file": _FILES,
    "flytekit.types.file.file": _FILES,
    "flytekit.types.directory": _DIRECTORIES,
    "flytekit.types.directory.types": _DIRECTORIES,
    "flytekit.types.structured": _STRUCTURED,
    "flytekit.types.structured.structured_dataset": _STRUCTURED,
    "flytekit.types.schema": _names(_FE, "FlyteSchema", "SchemaFormat", "SchemaOpenMode"),
    "flytekit.types.error": _names(_FE, "FlyteError"),
    "flytekit.types.error.error": _names(_FE, "FlyteError"),
    "flytekit.types.iterator": _names("flyte_entrypoint.iterators", "JSON", "JSONIterator", "FlyteIterator"),
    "flytekit.types.pickle": _names(_FE, "FlytePickle"),
    "flytekit.types.numpy": {},
    "flytekit.extras.tasks.shell": _names(f"{_C}.shell_task", "ShellTask", "OutputLocation", "RawShellTask"),
    "flytekit.extras.sqlite3": _names(f"{_C}.sqlite3_task", "SQLite3Task", "SQLite3Config"),
    "flytekit.extras.sqlite3.task": _names(f"{_C}.sqlite3_task", "SQLite3Task", "SQLite3Config"),
    "flytekit.extras.accelerators": _ACCELERATORS,
    "flytekit.extras.pytorch": _names(f"{_C}.heavy", "PyTorchCheckpoint", "PyTorchModuleTransformer"),
    "flytekit.extras.tensorflow": _names(f"{_C}.heavy", "TensorFlowRecordFileTransformer"),
    "flytekit.extras.sklearn": {},
    "flytekit.testing": _names(f"{_C}.testing", "task_mock", "patch", "SecretsManager"),
    "flytekit.extras.tasks": {},
    "flytekit.deck": {
        "Deck": "flyte_entrypoint.shell.deck:Deck",
        **_names(f"{_C}.renderers", "TopFrameRenderer", "MarkdownRenderer", "SourceCodeRenderer"),
    },
    "flytekit.deck.deck": {"Deck": "flyte_entrypoint.shell.deck:Deck"},
    "flytekit.deck.renderer": _names(
        f"{_C}.renderers", "TopFrameRenderer", "MarkdownRenderer", "SourceCodeRenderer", "Renderable"
    ),
    "flytekit.clis.sdk_in_container": {"pyflyte": "@flytekit.clis.sdk_in_container.pyflyte"},
    "flytekit.sensor": _names(f"{_C}.tasks", "FileSensor", "BaseSensor"),
    "flytekit.sensor.file_sensor": _names(f"{_C}.tasks", "FileSensor"),
    "flytekit.sensor.base_sensor": _names(f"{_C}.tasks", "BaseSensor"),
}

ALIASES: dict[str, str] = {
    "flytekit.bin.entrypoint": _EP,
    "flytekit.clis.sdk_in_container.pyflyte": f"{_C}.pyflyte",
}


def _all_modules() -> frozenset[str]:
    found: set[str] = set()
    for name in (*MODULES, *ALIASES):
        parts = name.split(".")
        found.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    return frozenset(found)


_KNOWN = _all_modules()


def is_module(fullname: str) -> bool:
    return fullname in _KNOWN and fullname not in ALIASES


def alias_of(fullname: str) -> str | None:
    return ALIASES.get(fullname)


def target_of(module: str, name: str) -> str | None:
    return MODULES.get(module, {}).get(name)


def names_of(module: str) -> list[str]:
    prefix = module + "."
    subs = {m[len(prefix):].split(".")[0] for m in _KNOWN if m.startswith(prefix)}
    return sorted(set(MODULES.get(module, {})) | subs)


def resolve(target: str, flytekit_name: str) -> Any:
    """The object a target names; a missing one is :class:`FlytekitNameNotProvided` for ``flytekit_name``."""
    from flyte_entrypoint.compat.finder import FlytekitNameNotProvided, importing_module

    if target.startswith("@"):
        return importlib.import_module(target[1:])
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise FlytekitNameNotProvided(
                flytekit_name, importing_module(), f"{module_name} is not installed"
            ) from None
        raise
    try:
        return getattr(module, attr)
    except AttributeError:
        raise FlytekitNameNotProvided(
            flytekit_name, importing_module(), f"{module_name} has no {attr!r} yet"
        ) from None
