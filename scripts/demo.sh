#!/usr/bin/env bash
# Set up the dev venv (if needed) and run demo tasks through pyflyte-execute on local folders,
# making inputs and reading outputs with the flyte-entrypoint tools (make / show / explain / run).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
bash scripts/setup-venvs.sh --dev-only
BIN=$ROOT/.venv/bin
FE=$BIN/flyte-entrypoint
WORK=$(mktemp -d "${TMPDIR:-/tmp}/flyte-demo-XXXXXX")
cd "$ROOT/examples"

echo "== make inputs.pb for demo_tasks.add, through its typed interface"
$FE make --task demo_tasks:add '{"a": 2, "b": 40}' -o "$WORK/inputs.pb"
echo "== explain the container command, without running it"
$FE explain --text -- pyflyte-execute --inputs "$WORK/inputs.pb" --output-prefix "$WORK/out" \
  --raw-output-data-prefix "$WORK/raw" --resolver flyte_entrypoint.default_task_resolver \
  -- task-module demo_tasks task-name add
echo "== run it with pyflyte-execute, then show outputs.pb"
"$BIN/pyflyte-execute" --inputs "$WORK/inputs.pb" --output-prefix "$WORK/out" \
  --raw-output-data-prefix "$WORK/raw" --resolver flyte_entrypoint.default_task_resolver \
  -- task-module demo_tasks task-name add
$FE show "$WORK/out/outputs.pb"

echo "== a dict input, a NamedTuple output"
$FE make --task demo_tasks:summarize '{"values": {"x": 1.5, "y": 2.0}}' -o "$WORK/inputs2.pb" > /dev/null
"$BIN/pyflyte-execute" --inputs "$WORK/inputs2.pb" --output-prefix "$WORK/out2" \
  --raw-output-data-prefix "$WORK/raw" -- task-module demo_tasks task-name summarize
$FE show "$WORK/out2/outputs.pb"

echo "== the same task in one step: flyte-entrypoint run"
$FE run demo_tasks:summarize --inputs '{"values": {"a": 1, "b": 2.5}}'
echo "demo outputs are under $WORK"
