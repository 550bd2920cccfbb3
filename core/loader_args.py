"""The grammar of resolver (loader) arguments, both directions, as pure functions.

Why here: which module and attribute a container command names is a decision about the run, and a
test must be able to ask it without importing anything. The shell's resolvers (``shell/loader.py``)
parse with :func:`parse_default` / :func:`parse_map`, import what they name, and serialize back with
:func:`default_args` / :func:`map_args` (the same strings flytekit's resolvers write at registration).

* default resolver: ``task-module <module> task-name <name>`` (labels may also appear in another
  order, as long as each is followed by its value);
* map resolver: ``vars <comma-separated bound names> resolver <inner resolver> <inner args...>``.

Failures are values (``Failure(message)``); the shell raises them as ``ValueError`` so the run reports
a USER load error, as flytekit does.

Laws (``property_tests/test_loader_args_laws.py``):

* **round trip, default**: ``parse_default(default_args(f"{module}.{name}"))`` is ``DefaultTarget(module,
  name)`` (the last dot separates the two);
* **either order**: the two labels may come in either order, after any other args, each followed by its
  value;
* **round trip, map**: ``parse_map(map_args(bound, resolver, args))`` gives back ``bound`` (names without
  commas), ``resolver`` and ``args``, and the args do not depend on the set's iteration order;
* **total**: both parsers answer every list of strings with ``Success`` or ``Failure``, never an exception.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
from returns.result import Failure, Result, Success

TASK_MODULE = "task-module"
TASK_NAME = "task-name"
VARS = "vars"
RESOLVER = "resolver"


@attrs.frozen
class DefaultTarget:
    module: str
    name: str


@attrs.frozen
class MapTarget:
    bound_inputs: frozenset[str]
    inner_resolver: str
    inner_args: tuple[str, ...]


def _value_after(args: Sequence[str], label: str) -> str | None:
    try:
        return args[list(args).index(label) + 1]
    except (ValueError, IndexError):
        return None


def parse_default(loader_args: Sequence[str]) -> Result[DefaultTarget, str]:
    """``task-module M task-name N`` → ``DefaultTarget(M, N)``."""
    args = tuple(loader_args)
    if len(args) >= 4 and args[0] == TASK_MODULE and args[2] == TASK_NAME:
        return Success(DefaultTarget(args[1], args[3]))
    module, name = _value_after(args, TASK_MODULE), _value_after(args, TASK_NAME)
    for label, value in ((TASK_MODULE, module), (TASK_NAME, name)):
        if value is None:
            return Failure(f"loader args {list(args)!r} have no value for {label!r}")
    assert module is not None and name is not None
    return Success(DefaultTarget(module, name))


def parse_map(loader_args: Sequence[str]) -> Result[MapTarget, str]:
    """``vars a,b resolver R args...`` → ``MapTarget({a, b}, R, args)``."""
    args = tuple(loader_args)
    if len(args) < 4 or args[0] != VARS or args[2] != RESOLVER:
        return Failure(f"map task loader args must be 'vars <names> resolver <path> ...', got {list(args)!r}")
    bound = frozenset(n for n in args[1].split(",") if n)
    return Success(MapTarget(bound, args[3], args[4:]))


def default_args(qualified_task_name: str) -> list[str]:
    """The loader args that name ``module.task`` for the default resolver."""
    module, _, name = qualified_task_name.rpartition(".")
    return [TASK_MODULE, module, TASK_NAME, name]


def map_args(bound_inputs: frozenset[str], inner_resolver: str, inner_args: Sequence[str]) -> list[str]:
    """The loader args of a map task (bound names sorted, so the command is deterministic)."""
    return [VARS, ",".join(sorted(bound_inputs)), RESOLVER, inner_resolver, *inner_args]
