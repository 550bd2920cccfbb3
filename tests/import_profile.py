"""The import profile of a trivial task: which modules ``pyflyte-execute`` / ``pyflyte-map-execute`` load.

Why: start-up is paid once per task and once per *element* of a map task, and most of it is importing.
The profile files in ``tests/import_profiles/`` list, one per line, every module the command has in
``sys.modules`` when it exits after running a trivial task, minus the modules the bare interpreter of the
same venv already has (``site``, the editable-install finder, ...).  ``tests/test_import_profile.py``
runs the commands again and fails when the set changed: a change that adds (or drops) modules on the hot
path must regenerate the files on purpose, and the diff shows the reviewer what it costs::

    .venv/bin/python tests/import_profile.py --update     # rewrite tests/import_profiles/*.txt
    .venv/bin/python tests/import_profile.py              # print the counts and the diff, change nothing

The header of each file records the totals (interpreter baseline + the command's own modules); the total
must stay within ``BUDGET``.  ``BUDGET`` is a ceiling that only comes down: issue 12's target is 200, and
what stands between is attrs, returns and pyrsistent, which the design requires in the run machine and the
schemas (71 modules beyond protobuf + flyteidl + logging; see benchmarks/README.md, "Start-up").

How it is measured: the real console script (``<venv>/bin/pyflyte-execute``) is executed in a fresh
interpreter, inside ``try/finally`` that writes ``sorted(sys.modules)`` to a file when the command exits
(through ``sys.exit`` like every run).  The baseline is the same wrapper with no command.  Nothing is
imported by the wrapper itself (``open`` and ``sys`` are built in).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROFILES = HERE / "import_profiles"
TASK_DIR = PROFILES  # trivial_task.py lives next to the profiles
BUDGET = 262
"""Most modules (baseline included) a trivial task may have loaded when the command exits (target: 200)."""

_WRAPPER = """
import sys
_out, _script, *_args = sys.argv[1:]
try:
    if _script:
        sys.argv = [_script, *_args]
        with open(_script) as _f:
            _code = compile(_f.read(), _script, "exec")
        exec(_code, {"__name__": "__main__", "__file__": _script})
finally:
    with open(_out, "w") as _f:
        _f.write("\\n".join(sorted(sys.modules)))
"""


def _bin_dir() -> Path:
    return Path(sys.executable).parent


def _env(pythonpath: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE", "_F_", "BATCH_JOB_", "PYTHON"))}
    env["PYTHONPATH"] = pythonpath
    env["FLYTE_INTERNAL_EXECUTION_ID"] = "import-profile"  # as on a pod: JSON log lines
    return env


def _modules(script: str, args: list[str], cwd: Path, env: dict[str, str]) -> tuple[set[str], str]:
    with tempfile.TemporaryDirectory(prefix="import-profile-") as tmp:
        out = Path(tmp) / "modules.txt"
        proc = subprocess.run(
            [sys.executable, "-c", _WRAPPER, str(out), script, *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        names = set(out.read_text().split()) if out.exists() else set()
    return names, f"exit {proc.returncode}\nstdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-2000:]}"


def _varint(n: int) -> bytes:
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    return bytes([number << 3 | 2]) + _varint(len(payload)) + payload


def _int_literal(v: int) -> bytes:
    return _field(1, _field(1, bytes([0x08]) + _varint(v)))  # Literal{scalar{primitive{integer}}}


def _inputs(values: dict[str, bytes]) -> bytes:
    """A serialized LiteralMap (built by hand: the measuring process needs no protobuf)."""
    return b"".join(_field(1, _field(1, k.encode()) + _field(2, v)) for k, v in sorted(values.items()))


COMMANDS = ("pyflyte-execute", "pyflyte-map-execute")


def measure(command: str) -> tuple[set[str], set[str], str]:
    """(baseline modules, the command's own modules, diagnostics) for the trivial task run by ``command``."""
    env = _env(str(TASK_DIR))
    script = str(_bin_dir() / command)
    with tempfile.TemporaryDirectory(prefix="import-profile-run-") as tmp:
        work = Path(tmp)
        baseline, _ = _modules("", [], work, env)
        if command == "pyflyte-map-execute":
            items = b"".join(_field(1, _int_literal(v)) for v in (3, 4, 5))
            (work / "inputs.pb").write_bytes(_inputs({"x": _field(2, items)}))  # Literal.collection
            env = {**env, "BATCH_JOB_ARRAY_INDEX_VAR_NAME": "IDX", "IDX": "1"}
            args = [
                "--inputs", str(work / "inputs.pb"), "--output-prefix", str(work / "out"),
                "--raw-output-data-prefix", str(work / "raw"),
                "--resolver", "flyte_entrypoint.ArrayNodeMapTaskResolver",
                "--", "vars", "", "resolver", "flyte_entrypoint.default_task_resolver",
                "task-module", "trivial_task", "task-name", "square",
            ]  # fmt: skip
        else:
            (work / "inputs.pb").write_bytes(_inputs({"a": _int_literal(3), "b": _int_literal(4)}))
            args = [
                "--inputs", str(work / "inputs.pb"), "--output-prefix", str(work / "out"),
                "--raw-output-data-prefix", str(work / "raw"),
                "--resolver", "flyte_entrypoint.default_task_resolver",
                "--", "task-module", "trivial_task", "task-name", "add",
            ]  # fmt: skip
        names, diagnostics = _modules(script, args, work, env)
        if not (work / "out" / "outputs.pb").exists() or (work / "out" / "error.pb").exists():
            raise RuntimeError(f"{command} did not write outputs.pb:\n{diagnostics}")
    return baseline, names - baseline, diagnostics


def profile_path(command: str) -> Path:
    return PROFILES / f"{command}.txt"


def read_profile(command: str) -> tuple[set[str], int]:
    """The committed module set and the total count recorded in its header."""
    names: set[str] = set()
    total = -1
    for line in profile_path(command).read_text().splitlines():
        if line.startswith("# total:"):
            total = int(line.split(":", 1)[1].split()[0])
        elif line and not line.startswith("#"):
            names.add(line)
    return names, total


def render(command: str, baseline: set[str], own: set[str]) -> str:
    header = [
        f"# Import profile of a trivial task run by {command} (tests/import_profiles/trivial_task.py).",
        "# Regenerate on purpose with: .venv/bin/python tests/import_profile.py --update",
        f"# total: {len(baseline) + len(own)} modules in sys.modules at exit (budget {BUDGET})",
        f"# baseline: {len(baseline)} (the bare interpreter of the same venv; not listed)",
        f"# command: {len(own)} (listed below)",
    ]
    return "\n".join([*header, *sorted(own)]) + "\n"


def main(argv: list[str]) -> int:
    update = "--update" in argv
    status = 0
    for command in COMMANDS:
        baseline, own, _ = measure(command)
        total = len(baseline) + len(own)
        path = profile_path(command)
        old = read_profile(command)[0] if path.exists() else set()
        added, dropped = sorted(own - old), sorted(old - own)
        print(f"{command}: {total} modules ({len(baseline)} baseline + {len(own)}), budget {BUDGET}")
        for name in added:
            print(f"  + {name}")
        for name in dropped:
            print(f"  - {name}")
        if update:
            PROFILES.mkdir(exist_ok=True)
            path.write_text(render(command, baseline, own))
            print(f"  wrote {path.relative_to(HERE.parent)}")
        elif added or dropped:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
