"""A module-level PythonTask for tests/test_seed_python_task.py (``find_lhs`` looks names up here)."""

from __future__ import annotations

import types

from flyte_entrypoint.entrypoint import PythonTask


class Scale(PythonTask):  # type: ignore[type-arg]
    def __init__(self, name: str, factor: int) -> None:
        iface = types.SimpleNamespace(inputs={"x": int, "label": str}, outputs={"o0": int, "o1": str})
        super().__init__(task_type="scale", name=name, task_config={"factor": factor}, interface=iface)
        self.factor = factor

    def execute(self, **kwargs):  # type: ignore[no-untyped-def]
        return kwargs["x"] * self.factor, kwargs["label"].upper()


class Quiet(PythonTask):  # type: ignore[type-arg]
    def __init__(self) -> None:
        super().__init__(task_type="quiet", name="seed_ptask_module.quiet", interface=None)

    def execute(self, **kwargs):  # type: ignore[no-untyped-def]
        return None


triple = Scale("seed_ptask_module.triple", 3)
quiet = Quiet()
