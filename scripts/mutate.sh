#!/usr/bin/env bash
# Mutation testing of core modules (one worker, low priority). See scripts/mutate.py for the options.
#   scripts/mutate.sh core/archive.py core/env.py     scripts/mutate.sh --changed     scripts/mutate.sh --list env
set -euo pipefail
cd "$(dirname "$0")/.."
exec nice -n 15 .venv/bin/python scripts/mutate.py "$@"
