"""Small runtime objects flytekit modules touch at import time."""

from __future__ import annotations

import logging
import os

logger = logging.getLogger("flytekit")
"""flytekit's module logger (``from flytekit import logger``): a plain ``logging`` logger named ``flytekit``."""

PICKLE_SWITCH = "FLYTE_ENTRYPOINT_COMPAT_PICKLE"


def pickle_fallback_enabled() -> bool:
    """flytekit's pickle fallback for modules written for flytekit: on unless the image turns it off.

    ``FLYTE_ENTRYPOINT_COMPAT_PICKLE=0`` (or ``false``/``no``/``off``) makes every type the engine does not
    support a deferred failure of that task instead (the module still imports, the task fails when run).
    """
    return os.environ.get(PICKLE_SWITCH, "1").strip().lower() not in ("0", "false", "no", "off")
