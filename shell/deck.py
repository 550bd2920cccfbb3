"""Flyte Decks in the container: the user's ``Deck`` objects, phase timing, and writing ``deck.html``.

* :class:`Deck` is the task-author class (``from flyte_entrypoint import Deck``): ``Deck(name, html)``
  adds a page to the running task's deck, ``deck.append(html)`` adds to it.
* :class:`DeckBook` is the run's list of user decks. ``current_context().decks`` lists it and
  ``current_context().default_deck`` returns its ``"default"`` deck (created on first use and then
  reused; flytekit makes a new, competing ``"default"`` deck on every access).
* :class:`DeckRecorder` (one per run, owned by the driver) measures each phase and, when the run
  machine says ``WriteDeck`` (after the outputs or the error document were written, for tasks
  declared with ``enable_deck=True``), renders the deck with ``core.deck`` and uploads it to
  ``<output prefix>/deck.html``. Rendering or upload failures are logged and never change the
  task's outcome.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported lazily at run time: the driver creates a recorder on every run
    import logging

    from flyte_entrypoint.core import deck as render
    from flyte_entrypoint.schemas.task import TaskRecord
    from flyte_entrypoint.shell.driver import RunResources
    from flyte_entrypoint.shell.storage import Storage

DEFAULT_DECK = "default"  # == core.deck.DEFAULT_DECK


class DeckBook:
    """The user decks of one run, in creation order (thread-safe: async tasks may run on a helper thread)."""

    def __init__(self) -> None:
        self._decks: list[Deck] = []
        self._lock = threading.Lock()
        self.publisher: Callable[[], None] | None = (
            None  # set by the driver: renders and uploads the deck now
        )

    def add(self, deck: Deck) -> None:
        with self._lock:
            if not any(d is deck for d in self._decks):
                self._decks.append(deck)

    @property
    def decks(self) -> list[Deck]:
        with self._lock:
            return list(self._decks)

    def default_deck(self) -> Deck:
        with self._lock:
            for deck in self._decks:
                if deck.name == DEFAULT_DECK:
                    return deck
        return Deck(DEFAULT_DECK, book=self)

    def pages(self) -> tuple[render.DeckPage, ...]:
        from flyte_entrypoint.core import deck as render

        return tuple(render.DeckPage(d.name, d.html) for d in self.decks)


def _current_book() -> DeckBook | None:
    from flyte_entrypoint.shell.context import current_context

    book = getattr(current_context(), "deck_book", None)
    return book if isinstance(book, DeckBook) else None


class Deck:
    """A page of the task's Flyte Deck. ``html`` is inserted as is: escape text you put in it.

    ``Deck(name, html)`` registers itself with the running task's deck (``auto_add_to_deck=False``
    creates a detached deck). Outside a task run it registers with the local context's deck list.
    """

    def __init__(
        self, name: str, html: str | None = "", auto_add_to_deck: bool = True, *, book: DeckBook | None = None
    ) -> None:
        if not isinstance(name, str):
            raise TypeError(f"Deck name must be a str, got {type(name).__name__}")
        self._name = name
        self._html = html or ""
        self._lock = threading.Lock()
        if auto_add_to_deck or book is not None:
            target = book if book is not None else _current_book()
            if target is not None:
                target.add(self)

    def append(self, html: str) -> Deck:
        if not isinstance(html, str):
            raise TypeError(f"Deck.append expects a str of HTML, got {type(html).__name__}")
        with self._lock:
            self._html = f"{self._html}\n{html}"
        return self

    @property
    def name(self) -> str:
        return self._name

    @property
    def html(self) -> str:
        return self._html

    def __repr__(self) -> str:
        return f"Deck({self._name!r}, <{len(self._html)} characters of HTML>)"

    @staticmethod
    def publish() -> None:
        """Write ``deck.html`` now (timeline so far and the user decks); a no-op unless decks are enabled."""
        book = _current_book()
        if book is None or book.publisher is None:
            import logging

            logging.getLogger("flyte_entrypoint").warning(
                "Deck.publish() called, but this task has no deck enabled (enable_deck=True): nothing written"
            )
            return
        book.publisher()


# ---------------------------------------------------------------------- run-level recording
def _safe_repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception as exc:  # a value whose __repr__ raises must not break the deck
        return f"<unrepresentable {type(value).__name__}: {type(exc).__name__}>"


def _source_of(function: Any) -> str | None:
    import inspect

    try:
        return inspect.getsource(function)
    except (OSError, TypeError):
        return None


def _dependencies() -> tuple[tuple[str, str], ...]:
    import importlib.metadata

    found = set()
    for dist in importlib.metadata.distributions():
        try:
            name = dist.metadata["Name"]
        except Exception:
            continue
        if name:
            found.add((str(name), str(dist.version)))
    return tuple(sorted(found, key=lambda nv: (nv[0].lower(), nv[1])))


class DeckRecorder:
    """Timings, user decks and the task's values for one run; renders and uploads ``deck.html``."""

    def __init__(
        self,
        clock: Callable[[], float] = time.perf_counter,
        cpu_clock: Callable[[], float] = time.process_time,
    ) -> None:
        self._clock = clock
        self._cpu = cpu_clock
        self._t0 = clock()
        self._timings: list[tuple[str, float, float, float]] = []
        self.book = DeckBook()
        self.inputs: Mapping[str, Any] | None = None
        self.output_value: Any = None
        self.has_output = False

    @contextlib.contextmanager
    def phase(self, name: str | None) -> Iterator[None]:
        """Measure the enclosed block as phase ``name`` (``None``: not measured)."""
        if name is None:
            yield
            return
        start, cpu = self._clock(), self._cpu()
        try:
            yield
        finally:
            end, cpu_end = self._clock(), self._cpu()
            self._timings.append((name, start - self._t0, end - start, cpu_end - cpu))

    @property
    def timings(self) -> tuple[render.PhaseTiming, ...]:
        from flyte_entrypoint.core import deck as render

        return tuple(render.PhaseTiming(*t) for t in self._timings)

    def record_inputs(self, kwargs: Mapping[str, Any]) -> None:
        self.inputs = dict(kwargs)

    def record_output(self, value: Any) -> None:
        self.output_value = value
        self.has_output = True

    def content(self, task: TaskRecord, succeeded: bool) -> render.DeckContent:
        """What the deck shows; source, dependencies, inputs and outputs only for a successful run."""
        from flyte_entrypoint.core import deck as render
        from flyte_entrypoint.core.literal_maps import declared_outputs
        from flyte_entrypoint.core.type_engine.outputs import OutputConversionError, split_returned

        if not succeeded:
            return render.DeckContent(self.timings, self.book.pages())
        inputs = tuple((k, _safe_repr(v)) for k, v in (self.inputs or {}).items())
        outputs: tuple[tuple[str, str], ...] = ()
        if self.has_output:
            try:
                mapping = split_returned(self.output_value, declared_outputs(task))
            except OutputConversionError:  # the run's output conversion reports the wrong shape
                mapping = {}
            outputs = tuple((k, _safe_repr(v)) for k, v in mapping.items())
        return render.DeckContent(
            timings=self.timings,
            user_pages=self.book.pages(),
            source_code=_source_of(task.function),
            dependencies=_dependencies(),
            inputs=inputs,
            outputs=outputs,
        )

    def write(
        self, storage: Storage, output_prefix: str, task: TaskRecord, succeeded: bool, log: logging.Logger
    ) -> bool:
        """Render and upload ``deck.html``; log (never raise) on failure. True when it was written."""
        from flyte_entrypoint.core import deck as render
        from flyte_entrypoint.core.paths import join

        uri = join(output_prefix, render.DECK_FILE_NAME)
        try:
            document = render.render_deck(self.content(task, succeeded), title=f"{task.short_name} deck")
            storage.put_bytes(uri, document.encode("utf-8"), content_type=render.DECK_CONTENT_TYPE)
        except Exception as exc:
            log.error("Failed to write flyte deck html to %s: %s: %s", uri, type(exc).__name__, exc)
            return False
        log.info("%s task wrote its flyte deck to %s", task.short_name, uri)
        return True


# ---------------------------------------------------------------------- what the driver calls
def command_label(command: object) -> str | None:
    """The timeline name of carrying out ``command`` (``None``: not shown)."""
    from flyte_entrypoint.core import run as machine

    if isinstance(command, machine.InstallPackages):
        return "Install runtime packages"
    if isinstance(command, machine.LoadTask):
        return "Load task"
    if isinstance(command, machine.ReadInputs):
        return f"Download inputs from {command.uri}"
    if isinstance(command, machine.ReadLiterals):
        return "Download offloaded input literals"
    if isinstance(command, machine.ReadBlobs):
        return "Download input data"
    if isinstance(command, machine.RunTask):
        return "Execute user level code"
    if isinstance(command, machine.UploadData):
        return "Upload output data"
    if isinstance(command, machine.WriteOutputs):
        return f"Upload data to {command.prefix}"
    return None


def event_label(event: object) -> str | None:
    """The timeline name of the core's work after ``event`` (only the conversions are worth showing)."""
    from flyte_entrypoint.core import run as machine

    if isinstance(event, (machine.InputsRead, machine.LiteralsRead, machine.BlobsRead)):
        return "Translate literal to python value"
    if isinstance(event, machine.TaskReturned):
        return "Translate the output to literals"
    return None


def install_publisher(resources: RunResources, prefix: str, task: TaskRecord | None) -> None:
    """Let ``Deck.publish()`` write the deck mid-run (timeline so far and user decks only); ``task`` is None
    when the core did not enable publishing for this run."""
    decks = resources.decks
    if task is None:
        decks.book.publisher = None
        return

    def publish() -> None:
        decks.write(resources.storage, prefix, task, False, resources.log)

    decks.book.publisher = publish
