#!/usr/bin/env bash
# Set up both venvs (project + flytekit oracle), then lint, type-check, check layering and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-venvs.sh
V=.venv/bin
echo "== ruff"; $V/ruff check .
echo "== import-linter (on an installed copy: grimp cannot follow the editable package-dir mapping)"
rm -rf build/lint build/lib build/bdist.* && $V/pip install -q --no-deps --no-compile --target build/lint . 2>&1 | grep -v "^WARNING: Location" || true
(cd build/lint && PYTHONPATH=$PWD ../../$V/lint-imports --config ../../pyproject.toml)
echo "== mypy --strict on core, schemas and shell (same installed copy, so module names are the real ones)"
(cd build/lint && ../../$V/mypy --config-file ../../pyproject.toml -p flyte_entrypoint.core -p flyte_entrypoint.schemas -p flyte_entrypoint.shell)
echo "== pytest"
$V/python -m pytest -q -ra "$@"
