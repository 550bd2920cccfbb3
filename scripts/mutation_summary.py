"""The mutation score of every core module, from the reports ``scripts/mutate.sh --report`` wrote.

Why: a full run of every core module takes hours on a small machine, so modules are measured in batches
(by different people, on different commits). This gathers, for each ``core/**/*.py`` module, the newest
*full* run in ``docs/mutation/*.md`` (by commit, then time) made on the module's current code — the same code as at the run's
commit, docstrings, comments and layout aside (they make no mutants). A run limited by ``--lines`` is not a
module's score and is skipped; when no run matches the current code the newest is shown as *stale*, not as a
score. Tests only grow between runs, so a newer test set can only catch more of the same mutants.

Usage: ``python scripts/mutation_summary.py [--markdown]``. Exit status 1 when a module has no full run,
is stale, or is below 90%.
"""

from __future__ import annotations

import argparse
import ast
import datetime
import functools
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "docs" / "mutation"
THRESHOLD = 90.0

_HEADER = re.compile(
    r"^Mutation report(?: \([^)]*\))?, (?P<when>\d{4}-\d\d-\d\d \d\d:\d\d) UTC, commit (?P<commit>[0-9a-f]+)"
    r"(?P<dirty> \(with uncommitted changes\))?, (?P<tests>fast|fast \+ slow) tests(?P<rest>.*)$"
)
_ROW = re.compile(
    r"^\| `(?P<module>core/[^`]+)` \| (?P<mutants>\d+) \| (?P<excluded>\d+) \| (?P<caught>\d+) \| "
    r"(?P<survived>\d+) \| (?P<score>[\d.]+)% \|"
)


@dataclass(frozen=True)
class Run:
    module: str
    when: datetime.datetime
    commit: str
    dirty: bool
    mutants: int
    excluded: int
    caught: int
    survived: int
    score: float
    report: str


def runs_in(path: Path) -> list[Run]:
    """Every full-run row of a report file (rows under a ``lines ... only`` header are skipped)."""
    found: list[Run] = []
    header: re.Match[str] | None = None
    for line in path.read_text().splitlines():
        head = _HEADER.match(line)
        if head is not None:
            header = head if "only" not in head["rest"] else None
            continue
        if line.startswith("Mutation report"):
            header = None  # a header of another shape: its rows are not trusted
            continue
        row = _ROW.match(line)
        if row is None or header is None:
            continue
        found.append(
            Run(
                module=row["module"],
                when=datetime.datetime.strptime(header["when"], "%Y-%m-%d %H:%M"),
                commit=header["commit"],
                dirty=bool(header["dirty"]),
                mutants=int(row["mutants"]),
                excluded=int(row["excluded"]),
                caught=int(row["caught"]),
                survived=int(row["survived"]),
                score=float(row["score"]),
                report=str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path),
            )
        )
    return found


def code_of(source: str) -> str:
    """The module's code without docstrings, comments, layout or line numbers: what the mutants are made of."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            first = body[0].value
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                node.body = body[1:] or [ast.Pass()]  # type: ignore[attr-defined]
    return ast.dump(tree, include_attributes=False)


@functools.cache
def unchanged_since(commit: str, module: str) -> bool:
    """Whether ``module``'s code in the work tree is what it was at ``commit`` (docstrings and layout aside)."""
    then = subprocess.run(
        ["git", "show", f"{commit}:{module}"], cwd=ROOT, check=False, capture_output=True, text=True
    )
    if then.returncode != 0:
        return False  # the module had another name or did not exist
    return code_of(then.stdout) == code_of((ROOT / module).read_text())


def _module_tests() -> dict[str, tuple[list[str], list[str]]]:
    sys.path.insert(0, str(ROOT / "scripts"))
    import mutate  # the driver's own table, not a copy

    return mutate.MODULE_TESTS


@functools.cache
def commit_time(commit: str) -> int:
    shown = subprocess.run(
        ["git", "show", "-s", "--format=%ct", commit], cwd=ROOT, check=False, capture_output=True, text=True
    )
    return int(shown.stdout.strip() or 0)


def core_modules() -> list[str]:
    return sorted(
        str(p.relative_to(ROOT)) for p in (ROOT / "core").rglob("*.py") if p.name != "__init__.py"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    args = parser.parse_args(argv)
    by_module: dict[str, list[Run]] = {}
    for path in sorted(REPORTS.glob("*.md")):
        for run in runs_in(path):
            by_module.setdefault(run.module, []).append(run)
    newest: dict[str, Run] = {}
    current = set(core_modules())
    for module, runs in by_module.items():
        if module not in current:
            continue  # renamed or removed since (core/literal_io.py is core/literal_maps.py now)
        runs.sort(key=lambda r: (commit_time(r.commit), r.when), reverse=True)  # later commits: more tests
        # the newest run on the module's current code; else the newest run (shown as stale)
        newest[module] = next((r for r in runs if unchanged_since(r.commit, module)), runs[0])
    failing = 0
    rows = ["| module | score | mutants | excluded | caught | survived | run | report |", "|---|---|---|---|---|---|---|---|"]
    for module in core_modules():
        run = newest.get(module)
        if run is None:
            failing += 1
            rows.append(f"| `{module}` | **no full run** | | | | | | |")
            continue
        fresh = unchanged_since(run.commit, module)
        verdict = f"{run.score:.1f}%" if fresh else f"**stale** ({run.score:.1f}% on older code)"
        if not fresh or run.score < THRESHOLD:
            failing += 1
        when = f"{run.when:%Y-%m-%d %H:%M} UTC, {run.commit}" + (" + uncommitted" if run.dirty else "")
        rows.append(
            f"| `{module}` | {verdict} | {run.mutants} | {run.excluded} | {run.caught} | {run.survived} | {when} | "
            f"`{run.report}` |"
        )
    if args.markdown:
        print("\n".join(rows))
        print("\nTests each module runs (fast set, `MODULE_TESTS` in `scripts/mutate.py`):\n")
        print("| module | tests |\n|---|---|")
        for module, (fast, _slow) in sorted(_module_tests().items()):
            print(f"| `{module}` | " + ", ".join(f"`{t}`" for t in fast) + " |")
    else:
        for row in rows[2:]:
            print(" ".join(cell.strip() for cell in row.strip("|").split("|") if cell.strip()))
    print(f"\n{len(core_modules()) - failing} of {len(core_modules())} core modules at >= {THRESHOLD:.0f}% "
          "on their current source", file=sys.stderr)
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
