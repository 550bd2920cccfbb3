"""SIGTERM while user code runs: write a ``SYSTEM:Terminated`` error document, then exit ``128+15``.

flytekit writes nothing (Q24): the backend only sees exit code 143. Here, for the duration of the
task function only, a handler writes a RECOVERABLE ``SYSTEM:Terminated`` document (naming the signal
and showing where the main thread was) to the output prefix and exits 143.

Safety rules:

* the document is written by a helper thread and the handler waits at most ``budget`` seconds
  (default 5 s, well inside Kubernetes' 30 s grace period); whatever happens, the process then exits
  143 with ``os._exit`` (no user ``finally`` blocks run, exactly as with the default SIGTERM action);
* a second SIGTERM while the document is being written exits at once;
* the handler is installed only from the main thread, and the previous handler is restored when the
  task function returns or raises.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

DEFAULT_BUDGET_SECONDS = 5.0


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


@contextlib.contextmanager
def error_document_on_sigterm(
    write: Callable[[str, int, str], None],
    budget: float = DEFAULT_BUDGET_SECONDS,
    exit_hook: Callable[[int], None] = os._exit,
) -> Iterator[None]:
    """While the block runs, SIGTERM calls ``write(signal name, signal number, stack text)`` (bounded by
    ``budget`` seconds) and then ``exit_hook(128 + signum)``."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stopping = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        code = 128 + signum
        if stopping.is_set():  # second signal while writing: stop now
            _flush()
            exit_hook(code)
            return
        stopping.set()
        name = signal.Signals(signum).name
        try:
            stack = "".join(traceback.format_stack(frame)) if frame is not None else ""
        except Exception:
            stack = ""

        def writer() -> None:
            try:
                write(name, signum, stack)
            except Exception as exc:
                sys.stderr.write(f"flyte-entrypoint: could not write the termination error document: {exc}\n")

        thread = threading.Thread(target=writer, name="flyte-terminated-doc", daemon=True)
        thread.start()
        thread.join(budget)
        if thread.is_alive():
            sys.stderr.write(
                f"flyte-entrypoint: gave up writing the termination error document after {budget} s\n"
            )
        _flush()
        exit_hook(code)

    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def prepare_terminated_document() -> None:
    """Import what writing the document needs now, so the signal path does not import under pressure."""
    import flyteidl.core.errors_pb2  # noqa: F401

    import flyte_entrypoint.core.paths
    import flyte_entrypoint.core.reports  # noqa: F401


def write_terminated_document(
    driver: Any, run: Any, signal_name: str, signal_number: int, stack: str
) -> None:
    """Write the ``SYSTEM:Terminated`` error document of ``run`` to its output prefix (called by the handler)."""
    import time

    from flyte_entrypoint.core.paths import join
    from flyte_entrypoint.core.reports import terminated

    config = run.config
    report = terminated(signal_name, signal_number, stack, time.time(), config.worker)
    uri = join(config.output_prefix, config.error_file_name)
    driver.storage.put_bytes(uri, report.to_proto().SerializeToString())
    sys.stderr.write(f"flyte-entrypoint: {signal_name} received while the task ran; wrote {uri}\n")
