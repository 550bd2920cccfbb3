"""Last resort: a failure the run loop itself could not report (a bug in the entrypoint).

The core decides what to write (:func:`flyte_entrypoint.core.run.rescue`: a SYSTEM, RECOVERABLE
document with the trace); this carries it out. When even that is impossible, one line on stderr
and exit 1 (nothing could be written where Flyte looks).
"""

from __future__ import annotations

import sys
import time

from flyte_entrypoint.core import run as machine
from flyte_entrypoint.core.errors import CapturedError
from flyte_entrypoint.core.paths import join
from flyte_entrypoint.shell.driver import RunResources


def write_internal_error(resources: RunResources, exc: Exception) -> int:
    """Write the document the core asks for; return the core's exit code (1 if nothing could be written)."""
    from flyte_entrypoint.shell.loader import render_trace

    sys.stderr.write(f"flyte-entrypoint: internal error: {type(exc).__name__}: {exc}\n")
    invocation = resources.invocation
    try:
        run, command = machine.rescue(invocation, CapturedError(exc, render_trace(exc)))
        while isinstance(command, machine.WriteOutputs):
            try:
                for name in machine.write_order(command.files):
                    resources.storage.put_bytes(join(command.prefix, name), command.files[name])
            except Exception as write_exc:
                event: machine.Event = machine.OutputsWriteFailed(
                    CapturedError(write_exc, render_trace(write_exc)), time.time()
                )
            else:
                event = machine.OutputsWritten()
            run, command = machine.receive(run, event)
    except Exception as rescue_exc:  # the rescue itself failed: nothing more can be done
        sys.stderr.write(f"flyte-entrypoint: could not write an error document: {rescue_exc}\n")
        return 1
    if isinstance(command, machine.Exit):
        if command.diagnostic:
            sys.stderr.write(f"flyte-entrypoint: {command.reason}\n")
        return command.code
    return 1
