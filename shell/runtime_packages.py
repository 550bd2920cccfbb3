"""``_F_RUNTIME_PACKAGES``: ``pip install`` extra packages before the task is loaded.

Differences from flytekit (PROTOCOL §2 step 3.2, Q5), deliberate:

* pip's output is captured line by line into the log (logger ``flyte_entrypoint.runtime_packages``,
  always at INFO) instead of being interleaved raw with ours;
* a non-zero pip exit is an error: the run writes a ``USER:RuntimePackagesInstallFailed`` error document
  (RECOVERABLE, with the tail of pip's output) and the task is not loaded;
* while pip runs, SIGTERM is forwarded to it; afterwards the previous SIGTERM handler is **restored**
  (flytekit leaves its forwarder installed, so later SIGTERMs are silently ignored). A SIGTERM that
  arrived during the install is re-delivered once pip has stopped, so the process still stops;
* ``--test`` never installs anything (Q21): the driver returns before carrying out any command.
"""

from __future__ import annotations

import importlib
import logging
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence

import attrs

from flyte_entrypoint.core.runtime_packages import pip_install_command

logger = logging.getLogger("flyte_entrypoint.runtime_packages")
logger.setLevel(logging.INFO)


@attrs.frozen
class PipResult:
    returncode: int
    output: str


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def run_pip(packages: Sequence[str], python: str | None = None) -> PipResult:
    """Run ``<python> -m pip install <packages>``; log its output; forward SIGTERM to it while it runs."""
    command = list(pip_install_command(python or sys.executable, tuple(packages)))
    logger.info("Installing runtime packages: %s", " ".join(command))
    try:
        proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
            bufsize=1,
        )
    except OSError as exc:
        return PipResult(-1 if not isinstance(exc, FileNotFoundError) else 127, f"could not start pip: {exc}")

    received: list[int] = []
    previous = None
    forwarding = _in_main_thread()
    if forwarding:
        previous = signal.getsignal(signal.SIGTERM)

        def forward(signum: int, frame: object) -> None:
            received.append(signum)
            logger.info("passing signal %d to pip (pid %d)", signum, proc.pid)
            try:
                proc.send_signal(signum)
            except OSError:
                pass

        signal.signal(signal.SIGTERM, forward)
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            text = line.rstrip("\n")
            lines.append(text)
            logger.info("pip: %s", text)
        returncode = proc.wait()
    finally:
        if forwarding:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
    if received:
        logger.info("SIGTERM arrived while pip was running; re-delivering it")
        signal.raise_signal(signal.SIGTERM)
    return PipResult(returncode, "\n".join(lines))


def refresh_import_system() -> None:
    """Make freshly installed packages importable in this process (flytekit reloads ``site``)."""
    import site

    importlib.invalidate_caches()
    importlib.reload(site)
    importlib.invalidate_caches()
