"""The modules a trivial task imports are the committed import profile (``tests/import_profiles/*.txt``).

A change that adds a module to the start-up path (or removes one) fails here until the profile is
regenerated on purpose::

    .venv/bin/python tests/import_profile.py --update

so the cost shows up in review as a diff of module names.  The total (interpreter baseline included) must
also stay within the budget of issue 12 (200 modules).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest


def _load_tool() -> Any:
    name = "flyte_import_profile_tool"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("import_profile.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


tool = _load_tool()


@pytest.mark.parametrize("command", tool.COMMANDS)
def test_trivial_task_imports_exactly_the_profile(command: str) -> None:
    baseline, own, _ = tool.measure(command)
    profile, recorded_total = tool.read_profile(command)
    added, dropped = sorted(own - profile), sorted(profile - own)
    assert not added and not dropped, (
        f"{command} now imports {len(added)} module(s) more and {len(dropped)} fewer than "
        f"tests/import_profiles/{command}.txt:\n"
        + "".join(f"  + {m}\n" for m in added)
        + "".join(f"  - {m}\n" for m in dropped)
        + "If that is intended, regenerate the profile: .venv/bin/python tests/import_profile.py --update"
    )
    total = len(baseline) + len(own)
    assert total <= tool.BUDGET, f"{command}: {total} modules at exit, budget {tool.BUDGET}"
    assert recorded_total <= tool.BUDGET


def test_profile_files_are_sorted_and_unique() -> None:
    for command in tool.COMMANDS:
        lines = [
            ln for ln in tool.profile_path(command).read_text().splitlines() if ln and not ln.startswith("#")
        ]
        assert lines == sorted(set(lines)), command
