"""Placeholders for heavy integrations (PyTorch, TensorFlow): importable, a clear error when used.

A task whose signature uses one is declared as an ``UnsupportedTask`` (the module still imports, the
task fails when run); constructing one fails at once with the same explanation.
"""

from __future__ import annotations

from typing import Any

MARK = "__flyte_entrypoint_not_supported__"


def _placeholder(name: str, module: str) -> type:
    reason = f"{module}.{name} (a heavy integration type) is not supported by flyte-entrypoint"

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        raise TypeError(reason)

    return type(name, (), {"__init__": __init__, MARK: reason, "__module__": module})


PyTorchCheckpoint = _placeholder("PyTorchCheckpoint", "flytekit.extras.pytorch")
PyTorchModuleTransformer = _placeholder("PyTorchModuleTransformer", "flytekit.extras.pytorch")
TensorFlowRecordFileTransformer = _placeholder("TensorFlowRecordFileTransformer", "flytekit.extras.tensorflow")
