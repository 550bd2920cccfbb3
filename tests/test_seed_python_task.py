"""``PythonTask`` outside a container: local execution, the sandbox, the interface views and the hooks.

flytekit's ``local_execute`` returns promises (workflow values) where ours returns python values, so these
are ours only; the flytekit-shared behaviour is in ``test_seed_behaviour.py``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest
from flyteidl.core import literals_pb2

from flyte_entrypoint.entrypoint import ExecutionState, FlyteContextManager, PythonTask, VoidPromise
from flyte_entrypoint.shell.python_task import as_task_record

_spec = importlib.util.spec_from_file_location(
    "seed_ptask_module", Path(__file__).with_name("seed_ptask_module.py")
)
assert _spec is not None and _spec.loader is not None
mod = importlib.util.module_from_spec(_spec)
sys.modules["seed_ptask_module"] = mod
_spec.loader.exec_module(mod)


def test_local_execute_and_call_give_python_values() -> None:
    ctx = FlyteContextManager.current_context()
    assert mod.triple.local_execute(ctx, x=4, label="ab") == (12, "AB")
    assert mod.triple(5, "z") == (15, "Z")
    assert isinstance(mod.quiet(), VoidPromise) and mod.quiet().task_name == "seed_ptask_module.quiet"
    with pytest.raises(TypeError, match="unexpected input 'y'"):
        mod.triple.local_execute(ctx, y=1)


def test_local_execution_raises_the_original_error_with_flytekits_prefix() -> None:
    class Boom(PythonTask):  # type: ignore[type-arg]
        def execute(self, **kwargs):  # type: ignore[no-untyped-def]
            raise KeyError("k")

    with pytest.raises(KeyError) as info:
        Boom("boom", "t.boom")()
    assert info.value.args == ("Error encountered while executing 't.boom':\n  'k'",)
    with pytest.raises(Exception, match=r"cannot be None"):
        mod.triple(1, None)  # an input that does not convert fails before the task runs


def test_sandbox_execute_runs_in_a_fresh_directory_with_a_checkpoint() -> None:
    seen = {}

    class Probe(PythonTask):  # type: ignore[type-arg]
        def execute(self, **kwargs):  # type: ignore[no-untyped-def]
            params = FlyteContextManager.current_context().user_space_params
            seen["dir"] = params.working_directory
            seen["cp"] = params.checkpoint
            return None

    ctx = FlyteContextManager.current_context()
    before = ctx.user_space_params.working_directory
    out = Probe("probe", "t.probe").sandbox_execute(ctx, literals_pb2.LiteralMap())
    assert dict(out.literals) == {}
    assert seen["dir"] != before and seen["dir"].startswith(str(before))
    assert os.path.isdir(os.path.join(seen["dir"], "__cp")) and seen["cp"] is not None


def test_interface_views_and_hooks() -> None:
    t = mod.triple
    assert t.get_input_types() == {"x": int, "label": str}
    assert t.get_type_for_input_var("label", "v") is str and t.get_type_for_output_var("o1", "v") is str
    typed = t.interface
    assert sorted(typed.inputs.variables) == ["label", "x"] and sorted(typed.outputs.variables) == [
        "o0",
        "o1",
    ]
    assert typed.inputs.variables["x"].type.simple == 1  # INTEGER
    assert t.task_config == {"factor": 3} and t.task_type == "scale" and t.enable_deck is False
    assert t.find_lhs() == "triple" and t.lhs == "triple"
    assert t.instantiated_in == "seed_ptask_module" and t.location == "seed_ptask_module.triple"
    meta = t.construct_node_metadata()
    assert meta.name == "triple" and meta.retries.retries == 0
    assert t.local_execution_mode() == ExecutionState.Mode.LOCAL_TASK_EXECUTION
    with pytest.raises(TypeError, match="does not compile workflows"):
        t.compile(FlyteContextManager.current_context())
    with pytest.raises(ValueError, match="only one of"):
        PythonTask("t", "n", enable_deck=True, disable_deck=False)


def test_the_run_machine_record_of_a_python_task() -> None:
    record = as_task_record(mod.triple)
    assert record.name == "seed_ptask_module.triple" and record.task_type == "scale"
    assert [v.name for v in record.interface.inputs] == ["x", "label"]
    assert [v.name for v in record.interface.outputs] == ["o0", "o1"]
    assert record.function(x=2, label="q") == (6, "Q")
