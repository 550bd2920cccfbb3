"""The user-visible execution context (``current_context()``) and the engine's execution state.

Both are frozen records: "changing" one means building a new one (``with_*`` / ``attrs.evolve``).
Fields that hold live shell objects (stats client, checkpoint, secrets manager, logger) are typed
``Any``: the records only carry them, the shell creates them.
"""

from __future__ import annotations

import datetime
import enum
from typing import Any, ClassVar

import attrs
from pyrsistent import PMap, pmap

from flyte_entrypoint.schemas.identifiers import Identifier, WorkflowExecutionIdentifier


class CheckpointUnavailable(NotImplementedError):
    """Raised when task code touches ``checkpoint`` in a run that was given no checkpoint path."""


_FIELD_KWARGS = frozenset({"secrets", "checkpoint_object", "deck_book", "attrs_"})


class DeckList:
    """A caller-supplied list of decks (flytekit's ``decks=`` argument), shared, not copied.

    Inside a run the shell puts its ``DeckBook`` in ``deck_book`` instead; both answer ``.decks``.
    """

    def __init__(self, decks: list[Any]) -> None:
        self._decks = decks

    @property
    def decks(self) -> list[Any]:
        return self._decks

    def default_deck(self) -> Any:
        raise AttributeError("default_deck is only available inside a task run")


@attrs.frozen(init=False)
class ExecutionParameters:
    """What a running task can ask about its execution (flytekit's ``ExecutionParameters``).

    The constructor takes flytekit's parameters in flytekit's order; extra keyword arguments are the
    plugin attributes that ``get``/``has_attr`` and attribute access look up by upper-cased name.
    ``stats``, ``execution_id``, ``logging`` and ``raw_output_prefix`` may be omitted (flytekit requires
    them): a record built in a test needs no statsd client. The record is frozen: ``with_*``/``builder``
    give builders whose ``build()`` returns a new record.
    """

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

    def __init__(
        self,
        execution_date: Any,
        tmp_dir: Any,
        stats: Any = None,
        execution_id: WorkflowExecutionIdentifier | None = None,
        logging: Any = None,
        raw_output_prefix: str | None = None,
        output_metadata_prefix: str | None = None,
        checkpoint: Any = None,
        decks: Any = None,
        task_id: Identifier | None = None,
        enable_deck: bool = False,
        **kwargs: Any,
    ) -> None:
        fields = {k: kwargs.pop(k) for k in list(kwargs) if k in _FIELD_KWARGS}
        deck_book = fields.pop("deck_book", None)
        if deck_book is None and decks is not None:
            deck_book = decks if hasattr(decks, "decks") else DeckList(decks)
        extra = dict(fields.pop("attrs_", {}))
        extra.update(kwargs)
        self.__attrs_init__(
            execution_date=execution_date,
            tmp_dir=tmp_dir,
            execution_id=execution_id if execution_id is not None else WorkflowExecutionIdentifier(),
            task_id=task_id if task_id is not None else Identifier(),
            raw_output_prefix=raw_output_prefix,
            output_metadata_prefix=output_metadata_prefix,
            stats=stats,
            logging=logging,
            secrets=fields.get("secrets"),
            checkpoint_object=checkpoint if checkpoint is not None else fields.get("checkpoint_object"),
            deck_book=deck_book,
            enable_deck=enable_deck,
            attrs_=extra,
        )

    class Builder:
        """flytekit's mutable builder: copy a record's values, change some, ``build()`` a new record."""

        def __init__(self, current: ExecutionParameters | None = None) -> None:
            self.stats: Any = current.stats if current else None
            self.execution_date: Any = current.execution_date if current else None
            self.working_dir: Any = current.working_directory if current else None
            self.execution_id: Any = current.execution_id if current else None
            self.logging: Any = current.logging if current else None
            self.checkpoint: Any = current.checkpoint_object if current else None
            self.decks: Any = current.deck_book if current else None
            self.attrs: dict[str, Any] = dict(current.attrs_) if current else {}
            self.raw_output_prefix: Any = current.raw_output_prefix if current else None
            self.task_id: Any = current.task_id if current else None
            self.output_metadata_prefix: Any = current.output_metadata_prefix if current else None
            self.enable_deck: bool = current.enable_deck if current else False
            self._secrets: Any = current.secrets if current else None
            self._record_type: type[ExecutionParameters] = type(current) if current else ExecutionParameters

        def add_attr(self, key: str, v: Any) -> ExecutionParameters.Builder:
            self.attrs[key] = v
            return self

        def build(self) -> ExecutionParameters:
            return self._record_type(
                execution_date=self.execution_date,
                tmp_dir=self.working_dir,
                stats=self.stats,
                execution_id=self.execution_id,
                logging=self.logging,
                raw_output_prefix=self.raw_output_prefix,
                output_metadata_prefix=self.output_metadata_prefix,
                checkpoint=self.checkpoint,
                decks=self.decks,
                task_id=self.task_id,
                enable_deck=self.enable_deck,
                secrets=self._secrets,
                attrs_=self.attrs,
            )

    @staticmethod
    def new_builder(current: ExecutionParameters | None = None) -> ExecutionParameters.Builder:
        return ExecutionParameters.Builder(current=current)

    def builder(self) -> ExecutionParameters.Builder:
        return ExecutionParameters.Builder(current=self)

    def with_enable_deck(self, enable_deck: bool) -> ExecutionParameters.Builder:
        """A builder for a copy with ``enable_deck`` set (flytekit returns a builder too)."""
        b = self.new_builder(self)
        b.enable_deck = enable_deck
        return b

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

    def __getattr__(self, attr_name: str) -> Any:
        """Plugin attributes (``ctx.SPARK_SESSION``), looked up by upper-cased name as flytekit does."""
        if attr_name.startswith("__") or attr_name == "attrs_":
            raise AttributeError(attr_name)
        upper = attr_name.upper()
        extra = self.attrs_
        if upper in extra:
            return extra[upper]
        raise AssertionError(
            f"{upper} not available as a parameter in Flyte context - are you in right task-type?"
        )

    def get(self, key: str) -> Any:
        """An extra attribute set by a plugin (looked up by upper-cased name, as flytekit does)."""
        return self.__getattr__(key)

    def has_attr(self, attr_name: str) -> bool:
        return attr_name.upper() in self.attrs_

    def with_attrs(self, **extra: Any) -> ExecutionParameters:
        changes: dict[str, Any] = {"attrs_": self.attrs_.update({k.upper(): v for k, v in extra.items()})}
        return attrs.evolve(self, **changes)

    @property
    def decks(self) -> list[Any]:
        """The user decks of this run (``Deck(name, html)``), in creation order."""
        if self.deck_book is None:
            return []
        if isinstance(self.deck_book, DeckList):
            return self.deck_book.decks
        return list(self.deck_book.decks)

    @property
    def default_deck(self) -> Any:
        """The run's ``"default"`` deck (created on first access, then the same deck every time)."""
        if self.deck_book is None:
            raise AttributeError("default_deck is only available inside a task run")
        return self.deck_book.default_deck()

    @property
    def timeline_deck(self) -> Any:
        """The run's timeline deck, when the shell recorded one (``deck_book.timeline_deck``)."""
        book = self.deck_book
        deck = getattr(book, "timeline_deck", None) if book is not None else None
        if deck is None:
            raise AttributeError("timeline_deck is only available inside a task run with decks enabled")
        return deck

    def with_deck_book(self, deck_book: Any) -> ExecutionParameters:
        changes: dict[str, Any] = {"deck_book": deck_book}
        return attrs.evolve(self, **changes)


class Mode(enum.Enum):
    """flytekit's ExecutionState.Mode values (the container runs TASK_EXECUTION)."""

    TASK_EXECUTION = 1
    LOCAL_WORKFLOW_EXECUTION = 2
    LOCAL_TASK_EXECUTION = 3
    DYNAMIC_TASK_EXECUTION = 4
    EAGER_EXECUTION = 5
    EAGER_LOCAL_EXECUTION = 6
    LOCAL_DYNAMIC_TASK_EXECUTION = 7


_ModeT = Mode  # the enum, under a name the ExecutionState.Mode class attribute does not shadow


class BranchEvalMode(enum.Enum):
    BRANCH_ACTIVE = "branch active"
    BRANCH_SKIPPED = "branch skipped"


def _require_working_dir(_instance: Any, _attribute: Any, value: Any) -> None:
    if not value:
        raise ValueError("Working directory is needed")


@attrs.frozen
class ExecutionState:
    """The engine's view of a run: mode, its scratch dirs and the user-visible parameters.

    flytekit's constructor order and defaults; ``engine_dir`` defaults to ``<working_dir>/engine_dir`` as in
    flytekit (the shell creates directories, the record only names them). Transitions return new states:
    ``take_branch``/``branch_complete`` give the new state where flytekit mutates in place.
    """

    Mode: ClassVar[type[_ModeT]]

    working_dir: str = attrs.field(validator=_require_working_dir)
    mode: _ModeT | None = None
    engine_dir: str | None = None
    branch_eval_mode: BranchEvalMode | None = None
    user_space_params: ExecutionParameters | None = None

    def __attrs_post_init__(self) -> None:
        if not self.engine_dir:
            wd = str(self.working_dir)
            object.__setattr__(self, "engine_dir", wd + "engine_dir" if wd.endswith("/") else wd + "/engine_dir")

    def with_params(
        self,
        working_dir: str | None = None,
        mode: _ModeT | None = None,
        engine_dir: str | None = None,
        branch_eval_mode: BranchEvalMode | None = None,
        user_space_params: ExecutionParameters | None = None,
    ) -> ExecutionState:
        """A copy with the given fields replaced; a falsy argument keeps the current value (flytekit's rule)."""
        return ExecutionState(
            working_dir=working_dir if working_dir else self.working_dir,
            mode=mode if mode else self.mode,
            engine_dir=engine_dir if engine_dir else self.engine_dir,
            branch_eval_mode=branch_eval_mode if branch_eval_mode else self.branch_eval_mode,
            user_space_params=user_space_params if user_space_params else self.user_space_params,
        )

    def take_branch(self) -> ExecutionState:
        """The state inside an if-else branch that evaluated to true."""
        return attrs.evolve(self, branch_eval_mode=BranchEvalMode.BRANCH_ACTIVE)

    def branch_complete(self) -> ExecutionState:
        """The state after the active branch is done: the remaining branches are skipped."""
        return attrs.evolve(self, branch_eval_mode=BranchEvalMode.BRANCH_SKIPPED)

    def is_local_execution(self) -> bool:
        return self.mode in (
            Mode.LOCAL_WORKFLOW_EXECUTION,
            Mode.LOCAL_TASK_EXECUTION,
            Mode.EAGER_LOCAL_EXECUTION,
            Mode.LOCAL_DYNAMIC_TASK_EXECUTION,
        )


ExecutionState.Mode = _ModeT
