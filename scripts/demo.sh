#!/usr/bin/env bash
# Set up the dev venv (if needed) and run a demo task through pyflyte-execute on local folders.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
bash scripts/setup-venvs.sh --dev-only
PY=$ROOT/.venv/bin/python
WORK=$(mktemp -d "${TMPDIR:-/tmp}/flyte-demo-XXXXXX")
cd "$ROOT/examples"
$PY literals.py write "$WORK/inputs.pb" '{"a": ["int", 2], "b": ["int", 40]}'
"$ROOT/.venv/bin/pyflyte-execute" --inputs "$WORK/inputs.pb" --output-prefix "$WORK/out" \
  --raw-output-data-prefix "$WORK/raw" --resolver flyte_entrypoint.default_task_resolver \
  -- task-module demo_tasks task-name add
$PY literals.py show "$WORK/out/outputs.pb"
$PY literals.py write "$WORK/inputs2.pb" '{"values": ["dict[str, float]", {"x": 1.5, "y": 2.0}]}'
"$ROOT/.venv/bin/pyflyte-execute" --inputs "$WORK/inputs2.pb" --output-prefix "$WORK/out2" \
  --raw-output-data-prefix "$WORK/raw" -- task-module demo_tasks task-name summarize
$PY literals.py show "$WORK/out2/outputs.pb"
echo "demo outputs are under $WORK"
