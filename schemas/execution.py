"""The user-visible execution context (``current_context()``) and the engine's execution state.

Both are frozen records: "changing" one means building a new one (``with_*`` / ``attrs.evolve``).
Fields that hold live shell objects (stats client, checkpoint, secrets manager, logger) are typed
``Any``: the records only carry them, the shell creates them.
"""

from __future__ import annotations

import datetime
import enum
from typing import Any

import attrs
from pyrsistent import PMap, pmap

from flyte_entrypoint.schemas.identifiers import Identifier, WorkflowExecutionIdentifier


class CheckpointUnavailable(NotImplementedError):
    """Raised when task code touches ``checkpoint`` in a run that was given no checkpoint path."""


@attrs.frozen
class ExecutionParameters:
    """What a running task can ask about its execution (flytekit's ``ExecutionParameters``)."""

    execution_date: datetime.datetime
    tmp_dir: str
    execution_id: WorkflowExecutionIdentifier = attrs.field(factory=WorkflowExecutionIdentifier)
    task_id: Identifier = attrs.field(factory=Identifier)
    raw_output_prefix: str | None = None
    output_metadata_prefix: str | None = None
    stats: Any = None
    logging: Any = None
    secrets: Any = None
    checkpoint_object: Any = None
    deck_book: Any = None  # the run's live list of user decks (shell.deck.DeckBook); None: decks unavailable
    enable_deck: bool = False
    attrs_: PMap[str, Any] = attrs.field(factory=pmap, converter=pmap)

    @property
    def working_directory(self) -> str:
        return self.tmp_dir

    @property
    def checkpoint(self) -> Any:
        if self.checkpoint_object is None:
            raise CheckpointUnavailable(
                "Checkpointing is not available, please check the version of the platform."
            )
        return self.checkpoint_object

    def get(self, key: str) -> Any:
        """An extra attribute set by a plugin (looked up by upper-cased name, as flytekit does)."""
        upper = key.upper()
        if upper not in self.attrs_:
            raise AssertionError(
                f"{key} not available as a parameter in Flyte context - are you in right task-type?"
            )
        return self.attrs_[upper]

    def has_attr(self, key: str) -> bool:
        return key.upper() in self.attrs_

    def with_enable_deck(self, enable_deck: bool) -> ExecutionParameters:
        return attrs.evolve(self, enable_deck=enable_deck)

    def with_attrs(self, **extra: Any) -> ExecutionParameters:
        return attrs.evolve(self, attrs_=self.attrs_.update({k.upper(): v for k, v in extra.items()}))

    @property
    def decks(self) -> list[Any]:
        """The user decks created so far in this run (``Deck(name, html)``), in creation order."""
        return list(self.deck_book.decks) if self.deck_book is not None else []

    @property
    def default_deck(self) -> Any:
        """The run's ``"default"`` deck (created on first access, then the same deck every time)."""
        if self.deck_book is None:
            raise AttributeError("default_deck is only available inside a task run")
        return self.deck_book.default_deck()

    def with_deck_book(self, deck_book: Any) -> ExecutionParameters:
        return attrs.evolve(self, deck_book=deck_book)


class Mode(enum.Enum):
    """flytekit's ExecutionState.Mode values (the container runs TASK_EXECUTION)."""

    TASK_EXECUTION = 1
    LOCAL_WORKFLOW_EXECUTION = 2
    LOCAL_TASK_EXECUTION = 3
    DYNAMIC_TASK_EXECUTION = 4
    EAGER_EXECUTION = 5
    EAGER_LOCAL_EXECUTION = 6


class BranchEvalMode(enum.Enum):
    BRANCH_ACTIVE = "branch active"
    BRANCH_SKIPPED = "branch skipped"


@attrs.frozen
class ExecutionState:
    """The engine's view of a run: mode, its scratch dirs and the user-visible parameters."""

    working_dir: str
    mode: Mode | None = None
    engine_dir: str | None = None
    branch_eval_mode: BranchEvalMode | None = None
    user_space_params: ExecutionParameters | None = None
