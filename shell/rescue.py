"""Last resort: an unexpected failure inside the entrypoint itself still leaves an error document."""

from __future__ import annotations

import sys
import time
from typing import Any

from flyte_entrypoint.core.errors import CapturedError, Phase, classify


def write_internal_error(driver: Any, exc: Exception) -> int:
    """Write a SYSTEM/RECOVERABLE error document if the output prefix is usable; exit 1 otherwise."""
    from flyte_entrypoint.core.errors import error_file_name, worker_name
    from flyte_entrypoint.core.paths import join
    from flyte_entrypoint.shell.loader import render_trace

    sys.stderr.write(f"flyte-entrypoint: internal error: {type(exc).__name__}: {exc}\n")
    env = driver.env
    report = classify(Phase.PLATFORM, CapturedError(exc, render_trace(exc)), time.time(), worker_name(env))
    name = error_file_name(env, driver.invocation.uuid_hex)
    try:
        driver.storage.put_bytes(join(driver.args.output_prefix, name), report.to_proto().SerializeToString())
    except Exception as write_exc:
        sys.stderr.write(
            f"flyte-entrypoint: could not write {name}: {type(write_exc).__name__}: {write_exc}\n"
        )
        return 1
    return 0
