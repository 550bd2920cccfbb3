"""Logging set-up with flytekit's switches (level, JSON lines in the cluster)."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

LOGGER_NAME = "flyte_entrypoint"


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        import json  # only when a line is logged: not on a quiet run's start-up path

        return json.dumps(
            {
                "asctime": self.formatTime(record),
                "name": record.name,
                "levelname": record.levelname,
                "message": record.getMessage(),
            }
        )


def configure(env: dict[str, str] | None = None) -> logging.Logger:
    """Level from ``FLYTE_SDK_LOGGING_LEVEL`` (default 30 = WARNING); JSON lines when running in a
    cluster (``FLYTE_INTERNAL_EXECUTION_ID`` set) unless ``FLYTE_SDK_LOGGING_FORMAT`` says otherwise;
    ``FLYTE_ENTRYPOINT_LOG_FORMAT=json|text`` (``flyte-entrypoint --log-format``) overrides both."""
    env = dict(os.environ) if env is None else env
    try:
        level = int(env.get("FLYTE_SDK_LOGGING_LEVEL", "30"))
    except ValueError:
        level = logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    fmt = env.get("FLYTE_SDK_LOGGING_FORMAT", "json")
    chosen = env.get("FLYTE_ENTRYPOINT_LOG_FORMAT")  # set by flyte-entrypoint --log-format
    if chosen == "json" or (chosen != "text" and "FLYTE_INTERNAL_EXECUTION_ID" in env and fmt == "json"):
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("[%(name)s] %(message)s"))
    log = logging.getLogger(LOGGER_NAME)
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False
    user = logging.getLogger("user_space")
    if not user.handlers:
        user_handler = logging.StreamHandler(sys.stderr)
        user_handler.setFormatter(handler.formatter)
        user.addHandler(user_handler)
    user.setLevel(logging.INFO)
    return log


def logger() -> logging.Logger:
    return logging.getLogger(LOGGER_NAME)


def structured_error(log: logging.Logger, event: str, **fields: Any) -> None:
    """One JSON line on stderr that a log pipeline can parse, whatever the configured level."""
    import json

    sys.stderr.write(json.dumps({"level": "ERROR", "event": event, **fields}) + "\n")
    log.debug("%s %s", event, fields)
