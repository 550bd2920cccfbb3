"""``scripts/mutate.py``: which mutants it makes, how it applies them, how exclusions match."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "mutate.py"


def _load(name: str, path: Path):  # type: ignore[no-untyped-def]
    """A script of ``scripts/`` imported as a module (they are not a package)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def mutate():  # type: ignore[no-untyped-def]
    return _load("mutate_script", SCRIPT)


SOURCE = '''"""Doc."""
__all__ = ["f"]
LIMIT: int = 40


def f(x: int, flag: bool = False) -> tuple[int, ...]:
    """Doc of f."""
    if x < LIMIT and not flag:
        return (x, 1)
    raise ValueError("big")
'''


def test_mutants_cover_the_documented_operators(mutate, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "m.py"
    path.write_text(SOURCE)
    got = {m.mutation for m in mutate.mutants_of(str(path))}
    expected = {
        "40 -> (41)",
        "False -> (True)",
        "x < LIMIT -> (x <= LIMIT)",
        "x < LIMIT -> (x >= LIMIT)",
        "x < LIMIT and not flag -> (x < LIMIT or not flag)",
        "x < LIMIT and not flag -> (not (x < LIMIT and (not flag)))",
        "not flag -> (flag)",
        "return (x, 1) -> return None",
        "(x, 1) -> ((1,))",
        "(x, 1) -> ((x,))",
        "1 -> (2)",
        'raise ValueError("big") -> pass',
        '"big" -> (\'XXbigXX\')',
    }
    assert got == expected  # nothing from docstrings, annotations or __all__


def test_apply_and_exclusions(mutate, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "m.py"
    path.write_text(SOURCE)
    mutant = next(m for m in mutate.mutants_of(str(path)) if m.mutation == "x < LIMIT -> (x <= LIMIT)")
    mutated = mutate.apply(SOURCE.encode(), mutant).decode()
    assert "    if (x <= LIMIT) and not flag:\n" in mutated
    compile(mutated, "m.py", "exec")
    exclusions = tmp_path / "ex.toml"
    exclusions.write_text(
        f'[[exclude]]\nmodule = "{path}"\nline = "if x < LIMIT and not flag:"\n'
        'mutation = "x < LIMIT -> (x <= LIMIT)"\nreason = "test"\n'
    )
    loaded = mutate.load_exclusions(exclusions)
    assert mutate.exclusion_for(mutant, loaded).reason == "test"
    other = next(m for m in mutate.mutants_of(str(path)) if m.mutation == "x < LIMIT -> (x >= LIMIT)")
    assert mutate.exclusion_for(other, loaded) is None


def test_every_mapped_test_file_and_test_exists(mutate) -> None:  # type: ignore[no-untyped-def]
    """An entry is a test file or one test in it (``file::name``): both must exist."""
    root = SCRIPT.parents[1]
    for module, (fast, slow) in mutate.MODULE_TESTS.items():
        assert (root / module).exists(), module
        for test in [*fast, *slow]:
            path, _, name = test.partition("::")
            assert (root / path).exists(), (module, test)
            if name:
                assert f"def {name}(" in (root / path).read_text(), (module, test)


@pytest.fixture(scope="module")
def summary():  # type: ignore[no-untyped-def]
    return _load("mutation_summary_script", SCRIPT.with_name("mutation_summary.py"))


def test_the_summary_counts_full_runs_only(summary, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    report = tmp_path / "r.md"
    report.write_text(
        "Mutation report, 2026-12-03 10:00 UTC, commit abc1234, fast tests\n\n"
        "| module | mutants | excluded | caught | survived | score |\n|---|---|---|---|---|---|\n"
        "| `core/a.py` | 10 | 1 | 8 | 1 | 88.9% |\n\n"
        "Mutation report, 2026-12-03 11:00 UTC, commit def5678 (with uncommitted changes), fast tests, lines 3,4 only\n\n"
        "| module | mutants | excluded | caught | survived | score |\n|---|---|---|---|---|---|\n"
        "| `core/a.py` | 2 | 0 | 2 | 0 | 100.0% |\n"
    )
    (run,) = summary.runs_in(report)
    assert (run.module, run.commit, run.caught, run.survived, run.score) == ("core/a.py", "abc1234", 8, 1, 88.9)


def test_the_summary_compares_code_not_docstrings_or_layout(summary) -> None:  # type: ignore[no-untyped-def]
    before = '"""Old doc."""\n\ndef f(x):\n    """Doc."""\n    return x + 1  # comment\n'
    after = '"""New doc."""\n\n\ndef f(x):\n    return (x + 1)\n'
    assert summary.code_of(before) == summary.code_of(after)
    assert summary.code_of(before) != summary.code_of(before.replace("x + 1", "x - 1"))
