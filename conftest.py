"""Hypothesis settings for every test directory.

No deadlines anywhere (tests assert behaviour, not speed, and CI machines are shared). Under CI
(``CI`` set) examples are derandomized, so a CI run is reproducible; local runs keep exploring.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", deadline=None)
settings.register_profile(
    "ci", deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
