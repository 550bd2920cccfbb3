"""``flytekit.clis.sdk_in_container.pyflyte``: importable, refuses to run.

flytekit's ``pyflyte`` (run, register, package, serialize...) builds and registers workflows; flyte-entrypoint
is only the task container's entrypoint. Modules (and their tests) that import ``pyflyte`` at the top still
import; invoking ``pyflyte.main`` (directly or through click's ``CliRunner``) fails with one clear line and
exit status 1.
"""

from __future__ import annotations

from typing import Any

import click

MESSAGE = "pyflyte is not provided by flyte-entrypoint: run pyflyte from flytekit"


@click.command(
    "pyflyte",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
    add_help_option=False,
)
def main(**_: Any) -> None:
    """flytekit's pyflyte (not provided by flyte-entrypoint)."""
    raise click.ClickException(MESSAGE)
