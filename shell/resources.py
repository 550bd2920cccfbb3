"""The resources of one run, as one typed record handed to the shell's helpers.

Why: helpers (the execution context, decks, the signal handler, the last-resort rescue) used to
receive the whole driver and read whatever attributes they liked. They now get exactly this: the
environment, the invocation, the run's private scratch directory, the storage (created on first use,
so a run that never touches storage never imports fsspec), the deck recorder and the logger.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from flyte_entrypoint.schemas.invocation import Invocation

if TYPE_CHECKING:  # imported on first use: start-up cost
    from flyte_entrypoint.shell.deck import DeckRecorder
    from flyte_entrypoint.shell.storage import Storage


class RunResources:
    """What the shell's helpers may use during one run."""

    def __init__(
        self,
        env: Mapping[str, str],
        invocation: Invocation,
        root: str,
        decks: DeckRecorder,
        log: logging.Logger,
        storage: Storage | None = None,
    ) -> None:
        self.env = env
        self.invocation = invocation
        self.root = root  # private scratch directory of this run
        self.decks = decks
        self.log = log
        self._storage = storage

    @property
    def storage(self) -> Storage:
        if self._storage is None:
            from flyte_entrypoint.shell.storage import Storage

            self._storage = Storage.from_env(self.env)
        return self._storage

    def scratch(self, name: str) -> str:
        """A path inside the run's scratch directory (not created)."""
        return os.path.join(self.root, name)
