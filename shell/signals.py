"""SIGTERM while user code runs: report ``Terminated`` to the run machine, carry out what it says.

flytekit writes nothing (Q24): the backend only sees exit code 143. Here, for the duration of the
task function only, a handler reports the signal (its name, number and where the main thread was)
to a callback; the driver feeds it to the core as a ``Terminated`` event and carries out the
commands (the RECOVERABLE ``SYSTEM:Terminated`` document) until the core's ``Exit``, whose code the
callback returns (``128+15``). This module only bounds *how*: it decides no outcome.

Safety rules:

* the callback runs on a helper thread and the handler waits at most ``budget`` seconds
  (default 5 s, well inside Kubernetes' 30 s grace period); the process then exits with the code the
  callback returned, or ``128+S`` (the default action's status) when it returned none in time, with
  ``os._exit`` (no user ``finally`` blocks run, exactly as with the default SIGTERM action);
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

DEFAULT_BUDGET_SECONDS = 5.0


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


@contextlib.contextmanager
def error_document_on_sigterm(
    write: Callable[[str, int, str], int | None],
    budget: float = DEFAULT_BUDGET_SECONDS,
    exit_hook: Callable[[int], object] = os._exit,
) -> Iterator[None]:
    """While the block runs, SIGTERM calls ``write(signal name, signal number, stack text)`` (bounded by
    ``budget`` seconds) and then ``exit_hook(code)``: the code ``write`` returned, else ``128 + signum``."""
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
        answer: list[int] = []
        name = signal.Signals(signum).name
        try:
            stack = "".join(traceback.format_stack(frame)) if frame is not None else ""
        except Exception:
            stack = ""

        def writer() -> None:
            try:
                code = write(name, signum, stack)
                if isinstance(code, int):
                    answer.append(code)
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
        exit_hook(answer[0] if answer else code)

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
