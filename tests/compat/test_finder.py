"""The import layer: ``flytekit`` imports resolve to flyte-entrypoint only when no real flytekit exists.

Real flytekit present → untouched (a fake ``flytekit`` package on ``sys.path`` in this process, and the
oracle venv's interpreter with our finder); absent → ours; an unknown name → the clear error, also as a USER
error document in the container.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import flyte_entrypoint.compat as compat
from flyte_entrypoint.compat import table
from flyte_entrypoint.compat.finder import CompatModule, FlytekitNameNotProvided

REPO = Path(__file__).resolve().parents[2]
OURS_EXECUTE = REPO / ".venv" / "bin" / "pyflyte-execute"
ORACLE_PYTHON = REPO / ".oracle-venv" / "bin" / "python"


@pytest.fixture
def active() -> Iterator[None]:
    compat.deactivate()
    compat.activate()
    try:
        yield
    finally:
        compat.deactivate()


def test_absent_flytekit_resolves_to_ours(active: None) -> None:
    import flytekit
    from flytekit import Resources, task, workflow
    from flytekit.core.python_auto_container import default_task_resolver
    from flytekit.types.file import FlyteFile

    import flyte_entrypoint
    from flyte_entrypoint.compat.resolvers import DefaultTaskResolver

    assert isinstance(flytekit, CompatModule)
    assert flytekit.current_context is flyte_entrypoint.current_context  # one implementation, two paths
    assert FlyteFile is flyte_entrypoint.FlyteFile
    assert workflow is flyte_entrypoint.workflow and Resources is flyte_entrypoint.Resources
    assert isinstance(default_task_resolver, DefaultTaskResolver)
    assert callable(task)
    assert importlib.import_module("flytekit.core.array_node_map_task").ArrayNodeMapTaskResolver is (
        flyte_entrypoint.ArrayNodeMapTaskResolver
    )
    assert "task" in dir(flytekit) and "types" in dir(flytekit)
    assert flytekit.types.file.FlyteFile is FlyteFile  # attribute access to known submodules imports them


def test_unknown_name_names_the_flytekit_name_and_the_importer(active: None, tmp_path: Path) -> None:
    (tmp_path / "user_mod_unknown.py").write_text("from flytekit import Artifact\n")
    sys.path.insert(0, str(tmp_path))
    try:
        with pytest.raises(FlytekitNameNotProvided) as info:
            importlib.import_module("user_mod_unknown")
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("user_mod_unknown", None)
    assert isinstance(info.value, ImportError)
    assert "'flytekit.Artifact'" in str(info.value) and "'user_mod_unknown'" in str(info.value)
    assert info.value.flytekit_name == "flytekit.Artifact" and info.value.importer == "user_mod_unknown"


def test_unknown_module_and_private_names(active: None) -> None:
    with pytest.raises(FlytekitNameNotProvided, match=r"'flytekit\.remote'"):
        importlib.import_module("flytekit.remote")
    import flytekit

    with pytest.raises(AttributeError):
        flytekit.__wrapped__  # noqa: B018  (probes of private names behave as on any module)
    assert getattr(flytekit, "_private", None) is None


def test_real_flytekit_on_sys_path_is_never_shadowed(active: None, tmp_path: Path) -> None:
    fake = tmp_path / "flytekit"
    (fake / "core").mkdir(parents=True)
    (fake / "__init__.py").write_text("REAL = True\n")
    (fake / "core" / "__init__.py").write_text("")
    (fake / "core" / "task.py").write_text("def task(fn):\n    return ('real', fn)\n")
    sys.path.insert(0, str(tmp_path))
    try:
        import flytekit
        from flytekit.core.task import task

        assert getattr(flytekit, "REAL", False) is True and not isinstance(flytekit, CompatModule)
        assert task(len) == ("real", len)
        with pytest.raises(ModuleNotFoundError):  # its missing modules are not filled in by ours
            importlib.import_module("flytekit.core.workflow")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == "flytekit" or n.startswith("flytekit.")]:
            del sys.modules[name]


def test_a_directory_named_flytekit_is_not_a_real_flytekit(active: None, tmp_path: Path) -> None:
    """A namespace package (e.g. an output folder called ``flytekit`` in the working directory) is no flytekit."""
    (tmp_path / "flytekit" / "core").mkdir(parents=True)
    sys.path.insert(0, str(tmp_path))
    try:
        import flytekit
        from flytekit.core.python_auto_container import default_task_resolver

        assert isinstance(flytekit, CompatModule) and default_task_resolver is not None
    finally:
        sys.path.remove(str(tmp_path))


def _package_root(tmp_path: Path) -> Path:
    """``flyte_entrypoint`` laid out as installed (api/ at the top, compat inside) for a foreign interpreter."""
    root = tmp_path / "pkgroot"
    pkg = root / "flyte_entrypoint"
    pkg.mkdir(parents=True)
    for path in (REPO / "api").iterdir():
        (pkg / path.name).symlink_to(path)
    for sub in ("core", "shell", "schemas"):
        (pkg / sub).symlink_to(REPO / sub)
    return root


def test_real_flytekit_in_the_oracle_venv_is_untouched(tmp_path: Path) -> None:
    if not ORACLE_PYTHON.exists():
        pytest.fail("the oracle venv is missing: run scripts/setup-venvs.sh")
    script = textwrap.dedent(
        """
        import sys
        import flyte_entrypoint.compat as compat
        compat.activate()
        import flytekit
        from flytekit.core.python_auto_container import default_task_resolver
        from flytekit import task, workflow
        print(type(flytekit).__name__, flytekit.__file__, type(default_task_resolver).__module__, task.__module__)
        """
    )
    proc = subprocess.run(
        [str(ORACLE_PYTHON), "-c", script], capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PYTHONPATH": str(_package_root(tmp_path))},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    kind, file, resolver_module, task_module = proc.stdout.split()
    assert kind == "module" and ".oracle-venv" in file
    assert resolver_module == "flytekit.core.python_auto_container" and task_module == "flytekit.core.task"


def _execute(tmp_path: Path, module_source: str, resolver: str, task_name: str = "t",
             env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str], Path]:
    (tmp_path / "user_mod.py").write_text(textwrap.dedent(module_source))
    out = tmp_path / "out"
    proc = subprocess.run(
        [str(OURS_EXECUTE), "--inputs", str(tmp_path / "inputs.pb"), "--output-prefix", str(out),
         "--raw-output-data-prefix", str(tmp_path / "raw"), "--resolver", resolver, "--",
         "task-module", "user_mod", "task-name", task_name],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
        env={**{k: v for k, v in os.environ.items() if not k.startswith(("FLYTE", "_F_"))}, **(env or {})},
    )
    return proc, out


def _error(out: Path) -> tuple[str, str, str]:
    from flyteidl.core import errors_pb2

    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString((out / "error.pb").read_bytes())
    return doc.error.code, errors_pb2.ContainerError.Kind.Name(doc.error.kind), doc.error.message


def test_unknown_name_in_the_container_is_a_user_error_document(tmp_path: Path) -> None:
    proc, out = _execute(
        tmp_path,
        """
        from flytekit import task
        from flytekit.remote import FlyteRemote

        @task
        def t() -> int:
            return 1
        """,
        "flytekit.core.python_auto_container.default_task_resolver",
    )
    assert proc.returncode == 0, proc.stderr
    code, kind, message = _error(out)
    assert code.startswith("USER:") and kind == "NON_RECOVERABLE"
    assert "FlytekitNameNotProvided" in message and "'flytekit.remote'" in message and "'user_mod'" in message


@pytest.mark.parametrize(
    "resolver",
    [
        "flytekit.core.python_customized_container_task.default_task_template_resolver",
        "flytekit.core.python_auto_container.default_notebook_task_resolver",
        "flytekit.extras.cloud_pickle_resolver.experimental_cloud_pickle_resolver",
        "flytekit.core.python_function_task.eager_failure_task_resolver",
    ],
)
def test_resolvers_we_do_not_implement_say_so(tmp_path: Path, resolver: str) -> None:
    proc, out = _execute(tmp_path, "x = 1\n", resolver)
    assert proc.returncode == 0, proc.stderr
    code, _, message = _error(out)
    assert code.startswith("USER:")
    assert f"{resolver} is not supported by flyte-entrypoint" in message


def test_every_table_target_resolves_or_belongs_to_a_parallel_issue(active: None) -> None:
    """Names owned by the execution-context API (``flyte_entrypoint.entrypoint``) and the types work
    (``flyte_entrypoint:<type name>``) may be missing on this branch; every other target must resolve."""
    import flyte_entrypoint

    pending: list[str] = []
    for module, names in table.MODULES.items():
        for name, target in names.items():
            try:
                table.resolve(target, f"{module}.{name}")
            except FlytekitNameNotProvided:
                owner = target.partition(":")[0]
                assert owner in ("flyte_entrypoint.entrypoint", "flyte_entrypoint"), (module, name, target)
                if owner == "flyte_entrypoint":
                    assert target.partition(":")[2] not in flyte_entrypoint._EXPORTS, target
                pending.append(target)
    assert len(set(pending)) < len({t for names in table.MODULES.values() for t in names.values()})


FLYTEKIT_NAMES = [  # every import in ../shared/FLYTEKIT-NAMES.md (flytesnacks examples), heavy ones included
    ("flytekit", n) for n in ["task", "workflow", "Resources", "ImageSpec", "kwtypes", "current_context", "Secret", "dynamic", "Deck", "LaunchPlan", "conditional", "FlyteContext", "StructuredDataset", "TaskMetadata", "map_task", "FixedRate", "Blob", "BlobMetadata", "BlobType", "ContainerTask", "CronSchedule", "Email", "FlyteContextManager", "HashMethod", "Literal", "LiteralType", "PagerDuty", "SQLTask", "Scalar", "Slack", "StructuredDatasetType", "Workflow", "WorkflowExecutionPhase", "WorkflowFailurePolicy", "approve", "eager", "reference_launch_plan", "reference_task", "sleep", "wait_for_input"]
] + [
    ("flytekit.types.file", "FlyteFile"), ("flytekit.types.directory", "FlyteDirectory"),
    ("flytekit.types.schema", "FlyteSchema"), ("flytekit.extras.sqlite3.task", "SQLite3Config"),
    ("flytekit.extras.sqlite3.task", "SQLite3Task"), ("flytekit.types.file", "JoblibSerializedFile"),
    ("flytekit.types.structured.structured_dataset", "StructuredDataset"),
    ("flytekit.types.structured", "StructuredDataset"), ("flytekit.core.node_creation", "create_node"),
    ("flytekit.extras.accelerators", "A10G"), ("flytekit.extras.tasks.shell", "OutputLocation"),
    ("flytekit.extras.tasks.shell", "ShellTask"), ("flytekit.types.file", "PNGImageFile"),
    ("flytekit.types.file", "ONNXFile"), ("flytekit.types.file", "CSVFile"),
    ("flytekit.types.file", "PythonPickledFile"), ("flytekit.core.base_task", "IgnoreOutputs"),
    ("flytekit.core.base_task", "TaskMetadata"), ("flytekit.core.task", "Echo"),
    ("flytekit.core.type_engine", "BatchSize"), ("flytekit.deck", "TopFrameRenderer"),
    ("flytekit.deck.renderer", "MarkdownRenderer"), ("flytekit.exceptions.eager", "EagerException"),
    ("flytekit.exceptions.user", "FlyteRecoverableException"), ("flytekit.extend", "Interface"),
    ("flytekit.extend", "PythonTask"), ("flytekit.extend", "TypeEngine"), ("flytekit.extend", "TypeTransformer"),
    ("flytekit.extend", "context_manager"), ("flytekit.extras.accelerators", "T4"),
    ("flytekit.extras.pytorch", "PyTorchCheckpoint"), ("flytekit.models", "literals"),
    ("flytekit.models.literals", "StructuredDatasetMetadata"), ("flytekit.sensor.file_sensor", "FileSensor"),
    ("flytekit.testing", "SecretsManager"), ("flytekit.testing", "patch"), ("flytekit.testing", "task_mock"),
    ("flytekit.types.directory", "TFRecordsDirectory"), ("flytekit.types.directory", "TensorboardLogs"),
    ("flytekit.types.error.error", "FlyteError"), ("flytekit.types.file", "JPEGImageFile"),
    ("flytekit.types.file", "JSONLFile"), ("flytekit.types.file", "TFRecordFile"),
    ("flytekit.types.iterator", "JSON"), ("flytekit.types.structured", "register_csv_handlers"),
    ("flytekit.types.structured.structured_dataset", "CSV"),
    ("flytekit.types.structured.structured_dataset", "PARQUET"),
    ("flytekit.types.structured.structured_dataset", "StructuredDatasetDecoder"),
    ("flytekit.types.structured.structured_dataset", "StructuredDatasetEncoder"),
    ("flytekit.types.structured.structured_dataset", "StructuredDatasetTransformerEngine"),
]


@pytest.mark.parametrize(("module", "name"), FLYTEKIT_NAMES)
def test_every_name_real_examples_import_is_in_the_table(module: str, name: str) -> None:
    assert table.target_of(module, name) is not None or table.is_module(f"{module}.{name}"), (module, name)


def test_entrypoint_alias_is_the_same_module_object(active: None) -> None:
    pytest.importorskip("flyte_entrypoint.entrypoint", reason="flyte_entrypoint.entrypoint comes with issue 9")
    import flytekit.bin.entrypoint as theirs

    import flyte_entrypoint.entrypoint as ours

    assert theirs is ours and ours.__spec__.name == "flyte_entrypoint.entrypoint"
    from flytekit import FlyteContext, FlyteContextManager
    from flytekit.core.data_persistence import FileAccessProvider
    from flytekit.extend import PythonTask

    assert FlyteContext is ours.FlyteContext and FlyteContextManager is ours.FlyteContextManager
    assert FileAccessProvider is ours.FileAccessProvider and PythonTask is ours.PythonTask
