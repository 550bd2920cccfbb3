"""The distribution installs under one namespace, with the three console scripts."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_holds_only_the_flyte_entrypoint_namespace(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("flyte_entrypoint-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {n.split("/", 1)[0] for n in names}
    dist_info = {t for t in top_level if t.endswith(".dist-info")}
    assert top_level - dist_info == {"flyte_entrypoint"}
    for package in ("core", "shell", "schemas", "core/type_engine"):
        assert f"flyte_entrypoint/{package}/__init__.py" in names
    assert "flyte_entrypoint/__init__.py" in names
    assert not any(n.startswith(("core/", "shell/", "schemas/", "api/")) for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    for script in ("pyflyte-execute", "pyflyte-map-execute", "pyflyte-fast-execute"):
        assert f"{script} = flyte_entrypoint.shell.cli:" in text


def test_requires_python_and_no_flytekit_dependency() -> None:
    import tomllib

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["requires-python"] == ">=3.10"
    assert not any(dep.lower().startswith("flytekit") for dep in meta["dependencies"])


def test_python_m_group_lists_the_three_commands() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "flyte_entrypoint", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("pyflyte-execute", "pyflyte-map-execute", "pyflyte-fast-execute"):
        assert command in out.stdout


def test_task_author_api_is_importable_from_the_top() -> None:
    import flyte_entrypoint

    for name in (
        "task",
        "map_task",
        "current_context",
        "IgnoreOutputs",
        "FlyteRecoverableException",
        "default_task_resolver",
        "ArrayNodeMapTaskResolver",
    ):
        assert getattr(flyte_entrypoint, name) is not None
