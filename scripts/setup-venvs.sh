#!/usr/bin/env bash
# Create (or repair) the two virtualenvs the project needs, in the repo root:
#   .venv/         python3.11, this project installed editable with its [test] extra (dev + tests)
#   .oracle-venv/  python3.11, flytekit==1.16.31 (the ORACLE for differential tests; never import it from .venv)
# Idempotent and quiet: a healthy venv is left alone (a few seconds of checks). A venv that fails its check is
# deleted and rebuilt; .venv is re-installed in place when pyproject.toml changed since its last install.
# Usage: scripts/setup-venvs.sh [--dev-only]   (--dev-only: leave .oracle-venv alone)
# Env: PYTHON (default python3.11), SETUP_VENVS_VERBOSE=1 to see pip's output.
set -euo pipefail

DEV_ONLY=0
for arg in "$@"; do
    case "$arg" in
        --dev-only) DEV_ONLY=1 ;;
        *)
            echo "usage: $0 [--dev-only]" >&2
            exit 2
            ;;
    esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3.11}"
ORACLE_SPEC="flytekit==1.16.31"
ORACLE_VERSION="1.16.31"
DEV="$ROOT/.venv"
ORACLE="$ROOT/.oracle-venv"

LOG="$(mktemp -t setup-venvs.XXXXXX)"
trap 'rm -f "$LOG"' EXIT

say() { printf 'setup-venvs: %s\n' "$*" >&2; }

run_quiet() { # run a command; show its output only if it fails (or if verbose)
    if [[ "${SETUP_VENVS_VERBOSE:-0}" == 1 ]]; then
        "$@"
        return
    fi
    if ! "$@" >"$LOG" 2>&1; then
        say "FAILED: $*"
        tail -n 60 "$LOG" >&2
        return 1
    fi
}

pip_install() { # venv-dir args...
    local venv="$1"
    shift
    run_quiet "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q "$@"
}

shebang_ok() { # venv-dir script: the console script's interpreter lives in this venv (catches moved venvs)
    local first
    [[ -f "$1/bin/$2" ]] || return 1
    IFS= read -r first <"$1/bin/$2" || return 1
    [[ "$first" == "#!$1/bin/python"* ]]
}

pyproject_stamp() {
    sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1
}

DEV_CHECK='
import importlib.util, os, sys
assert sys.version_info[:2] == (3, 11), sys.version
import flyte_entrypoint, flyteidl, hypothesis, pytest
root = os.path.realpath(os.environ["SETUP_VENVS_ROOT"])
assert os.path.realpath(flyte_entrypoint.__file__).startswith(root + os.sep), flyte_entrypoint.__file__
assert importlib.util.find_spec("flytekit") is None, "flytekit must not be importable from .venv"
'

dev_ok() {
    [[ -x "$DEV/bin/python" ]] || return 1
    shebang_ok "$DEV" pyflyte-execute || return 1
    (cd / && SETUP_VENVS_ROOT="$ROOT" "$DEV/bin/python" -c "$DEV_CHECK") >/dev/null 2>&1
}

oracle_ok() {
    [[ -x "$ORACLE/bin/python" ]] || return 1
    shebang_ok "$ORACLE" pyflyte-execute || return 1
    (cd / && "$ORACLE/bin/python" -c "
import sys, flytekit, pandas, pyarrow
from flytekit.bin import entrypoint
assert sys.version_info[:2] == (3, 11), sys.version
assert flytekit.__version__ == '$ORACLE_VERSION', flytekit.__version__
") >/dev/null 2>&1
}

make_venv() { # dir
    rm -rf "$1"
    run_quiet "$PYTHON" -m venv "$1"
}

command -v "$PYTHON" >/dev/null 2>&1 || {
    say "$PYTHON not found on PATH (set PYTHON=/path/to/python3.11)"
    exit 1
}

# --- .venv -------------------------------------------------------------------------------------------------------
STAMP="$DEV/.pyproject.sha256"
if ! dev_ok || [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$(pyproject_stamp)" ]]; then
    if [[ ! -x "$DEV/bin/python" ]] || ! shebang_ok "$DEV" pip \
        || ! "$DEV/bin/python" -c 'import sys; assert sys.version_info[:2] == (3, 11)' >/dev/null 2>&1; then
        say "creating .venv"
        make_venv "$DEV"
    else
        say "updating .venv"
    fi
    (cd "$ROOT" && pip_install "$DEV" -e ".[test,pandas]")
    if ! dev_ok; then
        say "recreating .venv (still broken after install)"
        make_venv "$DEV"
        (cd "$ROOT" && pip_install "$DEV" -e ".[test,pandas]")
        dev_ok || {
            say ".venv is still broken; rerun with SETUP_VENVS_VERBOSE=1"
            exit 1
        }
    fi
    pyproject_stamp >"$STAMP"
fi

# --- .oracle-venv ------------------------------------------------------------------------------------------------
if [[ "$DEV_ONLY" == 1 ]]; then
    say "ok: .venv ($("$DEV/bin/python" -c 'import sys; print(sys.version.split()[0])')) (--dev-only: .oracle-venv not checked)"
    exit 0
fi
if ! oracle_ok; then
    say "creating .oracle-venv ($ORACLE_SPEC)"
    make_venv "$ORACLE"
    pip_install "$ORACLE" "$ORACLE_SPEC" pandas pyarrow
    oracle_ok || {
        say ".oracle-venv is still broken; rerun with SETUP_VENVS_VERBOSE=1"
        exit 1
    }
fi

say "ok: .venv ($("$DEV/bin/python" -c 'import sys; print(sys.version.split()[0])')), .oracle-venv (flytekit $ORACLE_VERSION)"
