"""The transformers, in priority order (first match wins), and the engine built from them.

Each transformer's ``handles`` is narrow (exact classes, a specific ``get_origin``), so the order only
matters where two could claim the same type: more specific first.

Start-up: only ``simple`` (the scalar transformers, first in the priority order) is imported with the
registry; the other modules (``enums``, ``collections``, ``union``, then ``struct`` with msgpack and the JSON
schema, ``blob``, ``dataframe``, ``pickle``) when a type reaches them.  They all come after the scalars, so a
type a scalar transformer claims resolves to the same transformer whether or not they are loaded (see
``_LazyEngine``); a trivial ``int`` task never imports them.
"""

from __future__ import annotations

import importlib
from typing import Any

from flyte_entrypoint.core.types import simple
from flyte_entrypoint.core.types.engine import Engine, Resolved, Transformer, UnsupportedTypeError


def _base() -> list[Transformer]:
    return [*simple.SIMPLE_TRANSFORMERS]


_LATER: tuple[tuple[str, tuple[str, ...]], ...] = (
    # -- base types (enums.py, collections.py, union.py) --
    ("enums", ("ENUM",)),
    ("collections", ("LIST", "DICT")),
    ("union", ("UNION",)),
    # -- other modules add theirs below, one line each (module, attribute names), in priority order --
    # struct.py: untyped dict and dataclasses (msgpack)
    ("struct", ("UNTYPED_DICT", "DATACLASS")),
    # blob.py, dataframe.py, pickle.py: FlyteFile/os.PathLike, FlyteDirectory, pandas.DataFrame, AllowPickle
    ("blob", ("FILE", "DIRECTORY")),
    ("dataframe", ("DATAFRAME",)),
    ("pickle", ("PICKLE",)),
)


def _later() -> list[Transformer]:
    found: list[Transformer] = []
    for module, names in _LATER:
        loaded = importlib.import_module(f"flyte_entrypoint.core.types.{module}")
        found.extend(getattr(loaded, name) for name in names)
    return found


def _transformers() -> list[Transformer]:
    """All transformers in priority order (imports every transformer module)."""
    return [*_base(), *_later()]


class _LazyEngine(Engine):
    """The engine over ``_transformers()`` that imports the later modules on the first type that needs them.

    Equivalence with ``Engine(_transformers())``: resolution tries transformers in order and the first
    ``handles`` wins.  While only the scalar transformers are loaded, a match found on the type itself is
    the full engine's answer too (every later transformer comes after it).  No match, or a match found only
    after stripping ``Annotated[...]`` (a later transformer might claim the annotated type itself, as
    ``pickle`` does for ``Annotated[T, AllowPickle]``), loads the rest and resolves again.
    """

    def __init__(self) -> None:
        super().__init__(_base())
        self._complete = False

    def _load_all(self) -> None:
        if not self._complete:
            self._transformers = (*self._transformers, *_later())
            self._complete = True

    @property
    def transformers(self) -> tuple[Transformer, ...]:
        self._load_all()
        return self._transformers

    def _resolve_uncached(self, tp: Any) -> Resolved:
        if not self._complete:
            try:
                found = super()._resolve_uncached(tp)
            except UnsupportedTypeError:
                found = None
            if found is not None and found.tp is tp:
                return found
            self._load_all()
        return super()._resolve_uncached(tp)


ENGINE: Engine = _LazyEngine()
