"""Pure rules of ``_F_RUNTIME_PACKAGES``: which packages, and the pip command that installs them.

Laws (``property_tests/test_small_rules_laws.py``): ``requested_packages`` is ``str.split()`` of the
variable (no empty argument ever), and the command is ``(python, "-m", "pip", "install", *packages)``.
"""

from __future__ import annotations

from collections.abc import Mapping

RUNTIME_PACKAGES_ENV = "_F_RUNTIME_PACKAGES"


def requested_packages(env: Mapping[str, str]) -> tuple[str, ...]:
    """The pip arguments in ``_F_RUNTIME_PACKAGES``, split on whitespace.

    flytekit splits on single spaces, so two spaces give pip an empty argument and it fails; empty
    parts are dropped here. Arguments are passed to pip as they are: options such as ``--no-index``
    or ``--target <dir>`` work.
    """
    return tuple(env.get(RUNTIME_PACKAGES_ENV, "").split())


def pip_install_command(python: str, packages: tuple[str, ...]) -> tuple[str, ...]:
    """``<python> -m pip install <packages...>`` (flytekit's command, without a shell)."""
    return (python, "-m", "pip", "install", *packages)
