"""What the shell hands the core at the start of a run: parsed flags, environment, time, randomness."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs
from pyrsistent import PMap, pmap


def _to_tuple(value: Iterable[str]) -> tuple[str, ...]:
    """``tuple`` as a python function: attrs reads a converter's signature, and for the builtin that means
    tokenizing its text signature (compiling tokenize's regexes: milliseconds of every start-up)."""
    return tuple(value)


def _to_pmap(value: Mapping[str, str]) -> PMap[str, str]:
    return value if isinstance(value, PMap) else pmap(dict(value))


@attrs.frozen
class TaskArgs:
    """The flags of ``pyflyte-execute`` / ``pyflyte-map-execute``, exactly as given on the command line."""

    inputs: str
    output_prefix: str
    raw_output_data_prefix: str | None = None
    checkpoint_path: str | None = None
    prev_checkpoint: str | None = None
    test: bool = False
    dynamic_addl_distro: str | None = None
    dynamic_dest_dir: str | None = None
    resolver: str | None = None
    resolver_args: tuple[str, ...] = attrs.field(default=(), converter=_to_tuple)
    map_task: bool = False
    max_concurrency: int | None = None


@attrs.frozen
class Invocation:
    """One run's outside world as values: the shell reads it once, the core never reaches out.

    ``uuid_hex`` names distributed error files; ``name_seed`` seeds every other random name
    (uploaded files); ``sandbox_dir`` is the local scratch directory the shell created.
    """

    args: TaskArgs
    env: PMap[str, str] = attrs.field(factory=pmap, converter=_to_pmap)
    now: float = 0.0
    uuid_hex: str = "0" * 32
    name_seed: str = "0" * 32
    sandbox_dir: str = "/tmp/flyte-sandbox"
    # the api classes the type engine builds without an annotation naming them (``ConversionContext.classes``)
    # and the ``ctx`` user-registered dataframe handlers receive: supplied by the shell, the core imports no api
    conversion_classes: Mapping[str, Any] = attrs.field(factory=dict, eq=False)
    handler_context: Any = attrs.field(default=None, eq=False)
