"""Record what flytekit does with modules written for flytekit.  Runs in the ORACLE venv only.

Reads JSON from stdin::

    {"modules_dir": "...", "out_dir": "...", "workflows": [["fk_basics", "basics_wf", {"a": 3}], ...],
     "main_blocks": ["pkg.module", ...],
     "map_tasks": [["fk_basics", "square", {"x": ["List[int]", "[1, 2, 3]"]}],
                   ["fk_basics", "scale", {"x": ["List[int]", "[1, 2]"]}, {"factor": ["int", "3"]}]],
     "tasks": [["fk_shell", "t_count", {"x": "=FlyteFile(OUT + '/data.txt')", "word": "w"}]],
     "image_specs": [["fk_basics", "image"]], "fast": {"archive": "/abs/code.tar.gz", "dest_dir": "."}}

A ``tasks`` value starting with ``=`` is a python expression evaluated in the module's namespace (plus ``OUT``,
the output directory).

* every workflow runs locally under flytekit; each task's ``dispatch_execute`` input LiteralMap is written to
  ``<out>/inputs/<task>.<n>.pb`` (blob data lives under ``<out>/raw``, which stays);
* every task seen (and each map task) is serialized with flytekit's translator: its container args are recorded
  exactly as flytekit's registration writes them (``pyflyte-execute ... --resolver <flytekit resolver> -- ...``);
  with ``fast``, the args of fast registration (``pyflyte-fast-execute --additional-distribution ...``).

Writes ``<out>/manifest.json``: ``{"runs": [{"task", "module", "inputs", "args", "fast_args", "kind"}...]}``.
"""

import functools
import json
import os
import sys
import typing
from collections import OrderedDict

from flytekit.configuration import FastSerializationSettings, Image, ImageConfig, SerializationSettings
from flytekit.core.base_task import PythonTask
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.data_persistence import FileAccessProvider
from flytekit.core.type_engine import TypeEngine
from flytekit.models.literals import LiteralMap
from flytekit.tools.translator import get_serializable


def _settings(fast: typing.Optional[dict]) -> SerializationSettings:
    image = Image(name="default", fqn="ghcr.io/example/image", tag="v1")
    kwargs = {}
    if fast:
        kwargs["fast_serialization_settings"] = FastSerializationSettings(
            enabled=True, destination_dir=fast["dest_dir"], distribution_location=fast["archive"]
        )
    return SerializationSettings(
        image_config=ImageConfig(default_image=image, images=[image]), project="p", domain="d", version="v1",
        **kwargs,
    )


def _args(entity, fast=None) -> typing.List[str]:
    spec = get_serializable(OrderedDict(), _settings(fast), entity)
    container = spec.template.container
    return list(container.args) if container is not None else []  # e.g. a task run by a backend plugin


def _run_main_block(module) -> None:
    """Run the body of the module's ``if __name__ == "__main__":`` block in the module's own namespace (its
    tasks keep their real module name, so their container args are the ones registration writes)."""
    import ast

    with open(module.__file__) as fh:
        tree = ast.parse(fh.read())
    for node in tree.body:
        if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test):
            code = compile(ast.Module(body=node.body, type_ignores=[]), module.__file__, "exec")
            try:
                exec(code, vars(module))
            except Exception as exc:  # the invocations before the failure are recorded
                print(f"{module.__name__} main block raised {type(exc).__name__}: {exc}", file=sys.stderr)


def main() -> None:
    spec = json.load(sys.stdin)
    out = spec["out_dir"]
    sys.path.insert(0, spec["modules_dir"])
    os.makedirs(os.path.join(out, "inputs"), exist_ok=True)
    seen: OrderedDict[int, tuple] = OrderedDict()
    runs = []
    counter: typing.Dict[str, int] = {}
    original = PythonTask.dispatch_execute

    def recording(self, ctx, input_literal_map: LiteralMap):
        n = counter.get(self.name, 0)
        counter[self.name] = n + 1
        path = os.path.join(out, "inputs", f"{self.name}.{n}.pb")
        with open(path, "wb") as fh:
            fh.write(input_literal_map.to_flyte_idl().SerializeToString())
        runs.append({"task": self.name, "inputs": path, "entity": id(self)})
        seen[id(self)] = self
        return original(self, ctx, input_literal_map)

    PythonTask.dispatch_execute = recording
    import importlib

    ctx = FlyteContextManager.current_context()
    access = FileAccessProvider(
        local_sandbox_dir=os.path.join(out, "sandbox"), raw_output_prefix=os.path.join(out, "raw")
    )
    with FlyteContextManager.with_context(ctx.with_file_access(access)):
        for module_name in spec.get("main_blocks", []):
            _run_main_block(importlib.import_module(module_name))
        for module_name, wf_name, kwargs in spec.get("workflows", []):
            module = importlib.import_module(module_name)
            getattr(module, wf_name)(**kwargs)
        for module_name, task_name, kwargs in spec.get("tasks", []):
            module = importlib.import_module(module_name)
            scope = {**vars(module), "OUT": out}
            values = {k: eval(v[1:], scope) if str(v).startswith("=") else v for k, v in kwargs.items()}
            try:
                getattr(module, task_name)(**values)
            except Exception as exc:  # a failing task is a case too: its inputs were recorded
                print(f"{module_name}.{task_name} raised {type(exc).__name__}", file=sys.stderr)
    PythonTask.dispatch_execute = original

    fast = spec.get("fast")
    manifest = []
    for run in runs:
        entity = seen[run.pop("entity")]
        if not _args(entity):
            continue  # not run by a task container: nothing to replay
        run["module"] = entity.instantiated_in if hasattr(entity, "instantiated_in") else None
        run["args"] = _args(entity)
        run["fast_args"] = _args(entity, fast) if fast else None
        run["kind"] = "execute"
        manifest.append(run)

    from flytekit import map_task

    ns = {name: getattr(typing, name) for name in typing.__all__}
    for module_name, task_name, inputs, *bound in spec.get("map_tasks", []):
        module = importlib.import_module(module_name)
        scope = {**ns, **vars(module)}  # element types may be the module's own (a user transformer's type)
        fixed = {k: eval(v[1], scope) for k, v in (bound[0] if bound else {}).items()}
        target = functools.partial(getattr(module, task_name), **fixed) if fixed else getattr(module, task_name)
        mapped = map_task(target)
        inputs = {**inputs, **(bound[0] if bound else {})}
        literals = {}
        for name, (type_expr, value_expr) in inputs.items():
            tp, value = eval(type_expr, scope), eval(value_expr, scope)
            literals[name] = TypeEngine.to_literal(ctx, value, tp, TypeEngine.to_literal_type(tp))
        path = os.path.join(out, "inputs", f"map.{module_name}.{task_name}{'.bound' if fixed else ''}.pb")
        with open(path, "wb") as fh:
            fh.write(LiteralMap(literals=literals).to_flyte_idl().SerializeToString())
        manifest.append(
            {"task": f"map:{module_name}.{task_name}{'.bound' if fixed else ''}", "module": module_name, "inputs": path,
             "args": _args(mapped), "fast_args": None, "kind": "map"}
        )
    image_ids = {}
    for module_name, attr in spec.get("image_specs", []):
        image_ids[f"{module_name}.{attr}"] = getattr(importlib.import_module(module_name), attr).id
    with open(os.path.join(out, "manifest.json"), "w") as fh:
        json.dump({"runs": manifest, "image_ids": image_ids}, fh)


if __name__ == "__main__":
    main()
