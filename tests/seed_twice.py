"""Run one scenario twice: against ``flytekit.bin.entrypoint`` (oracle venv) and ``flyte_entrypoint.entrypoint``.

A scenario is Python source written once. It runs in a fresh interpreter of each venv with these names
bound (nothing else differs between the two runs):

* ``EP`` - the module under test (``flytekit.bin.entrypoint`` or ``flyte_entrypoint.entrypoint``);
* ``SIDE`` - ``"flytekit"`` or ``"ours"`` (only for the helpers below, never for expectations);
* ``interface(inputs, outputs)`` - flytekit's ``Interface`` / any object with ``inputs``/``outputs``;
* ``literal_map(pb)`` / ``as_pb(lm)`` - between a flyteidl ``LiteralMap`` and what ``dispatch_execute`` takes
  and gives (flytekit's model classes / protobuf);
* ``TMP`` - a fresh directory; ``ARG`` - an optional JSON value passed in;
* ``result`` - a dict the scenario fills; it is printed as JSON and returned to the test.

Random names (32 hex digits) in results are replaced by ``<hex>`` so the two sides can be compared.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PYTHONS = {"flytekit": ROOT / ".oracle-venv" / "bin" / "python", "ours": ROOT / ".venv" / "bin" / "python"}
MODULES = {"flytekit": "flytekit.bin.entrypoint", "ours": "flyte_entrypoint.entrypoint"}
SIDES = ("flytekit", "ours")

_PRELUDE = """
import importlib, json, os, sys, types
SIDE = sys.argv[1]
TMP = sys.argv[2]
ARG = json.loads(sys.argv[3])
EP = importlib.import_module(sys.argv[4])

def interface(inputs, outputs):
    if SIDE == "flytekit":
        from flytekit.core.interface import Interface
        return Interface(inputs=inputs, outputs=outputs)
    return types.SimpleNamespace(inputs=inputs, outputs=outputs)

def literal_map(pb):
    if SIDE == "flytekit":
        from flytekit.models.literals import LiteralMap
        return LiteralMap.from_flyte_idl(pb)
    return pb

def as_pb(lm):
    return lm.to_flyte_idl() if hasattr(lm, "to_flyte_idl") else lm

result = {}
"""

_EPILOGUE = """
sys.stdout.write("\\n@@RESULT@@" + json.dumps(result, sort_keys=True, default=repr) + "\\n")
"""

_HEX = re.compile(r"[0-9a-f]{32}")


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FLYTE", "_F_", "BATCH_JOB_", "PYTHON", "VIRTUAL_ENV"))
    }
    env.update(extra or {})
    return env


def normalize(value: Any) -> Any:
    if isinstance(value, str):
        return _HEX.sub("<hex>", value)
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items()}
    return value


def run(
    side: str, code: str, arg: Any = None, env: dict[str, str] | None = None, tmp: str | None = None
) -> Any:
    """Run ``code`` on one side; returns its ``result`` (not normalized)."""
    python = PYTHONS[side]
    assert python.exists(), f"{python} is missing: run scripts/setup-venvs.sh"
    tmp = tmp or tempfile.mkdtemp(prefix=f"seed-{side}-")
    script = Path(tmp) / "_scenario.py"
    script.write_text(_PRELUDE + textwrap.dedent(code) + _EPILOGUE)
    proc = subprocess.run(
        [str(python), str(script), side, tmp, json.dumps(arg), MODULES[side]],
        capture_output=True,
        text=True,
        timeout=240,
        env=clean_env({"HOME": tmp, **(env or {})}),
        cwd=tmp,
    )
    marker = proc.stdout.rfind("@@RESULT@@")
    assert proc.returncode == 0 and marker != -1, (
        f"{side} scenario failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    )
    return json.loads(proc.stdout[marker + len("@@RESULT@@") :])


def run_both(code: str, arg: Any = None, env: dict[str, str] | None = None) -> dict[str, Any]:
    """``{side: normalized result}`` for both sides."""
    return {side: normalize(run(side, code, arg, env)) for side in SIDES}
