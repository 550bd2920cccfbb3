"""``core.runtime_packages``: ``_F_RUNTIME_PACKAGES`` split into pip arguments (flytekit splits on single
spaces; empty parts are dropped here) and the ``<python> -m pip install ...`` command."""

from __future__ import annotations

from flyte_entrypoint.core import runtime_packages as rp


def test_requested_packages() -> None:
    assert rp.RUNTIME_PACKAGES_ENV == "_F_RUNTIME_PACKAGES"
    assert rp.requested_packages({}) == ()
    assert rp.requested_packages({"_F_RUNTIME_PACKAGES": ""}) == ()
    assert rp.requested_packages({"_F_RUNTIME_PACKAGES": "numpy  pandas==2.0\t--no-index "}) == (
        "numpy",
        "pandas==2.0",
        "--no-index",
    )


def test_pip_install_command() -> None:
    assert rp.pip_install_command("/v/bin/python", ("a", "b")) == ("/v/bin/python", "-m", "pip", "install", "a", "b")
    assert rp.pip_install_command("py", ()) == ("py", "-m", "pip", "install")
