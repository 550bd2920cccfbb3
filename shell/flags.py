"""The flags of the three commands, as data, and a parser for the well-formed common case.

Why: click is the CLI (its parser, messages and exit code 2 for every unusual command line), but importing
it costs ~20 modules and ~15 ms, paid again by every element of a map task.  A pod's command line is
always the same well-formed shape (``--flag value`` pairs, then ``--`` and the resolver arguments), and
for that shape click's answer is simple: the last value of each flag, ``True`` for a given ``--test``,
``None``/``False`` for the rest, everything after ``--`` as the trailing arguments.

Plain classes, not NamedTuples: this module is on every start-up path.

Contract of ``parse``: it returns the keyword arguments click would pass to the command's callback, or
None for anything it does not recognise as that shape (an unknown or abbreviated flag, ``--flag=value``,
a missing required flag or value, a value starting with ``-``, a non-decimal integer, positional
arguments before ``--``, ``--help``, shell completion).  None means: let click parse it, so every
unusual command line gets click's own behaviour.  ``shell/commands.py`` builds the click commands from
the same ``FLAGS`` table, so the two cannot disagree on names, order, or which flags are required.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class Flag:
    """One option: ``--name value`` (or a bare ``--name`` when ``is_flag``), ``dest`` its keyword."""

    __slots__ = ("dest", "integer", "is_flag", "name", "required")

    def __init__(
        self, name: str, required: bool = False, is_flag: bool = False, integer: bool = False
    ) -> None:
        self.name = name
        self.required = required
        self.is_flag = is_flag
        self.integer = integer
        self.dest = name.lstrip("-").replace("-", "_")


class Spec:
    """A command's options in click's order, and the name of its trailing ``nargs=-1`` argument."""

    __slots__ = ("flags", "rest")

    def __init__(self, flags: tuple[Flag, ...], rest: str) -> None:
        self.flags = flags
        self.rest = rest


_TASK_FLAGS = (
    Flag("--inputs", required=True),
    Flag("--output-prefix", required=True),
    Flag("--raw-output-data-prefix"),
    Flag("--checkpoint-path"),
    Flag("--prev-checkpoint"),
    Flag("--test", is_flag=True),
    Flag("--dynamic-addl-distro"),
    Flag("--dynamic-dest-dir"),
)

SPECS: Mapping[str, Spec] = {
    "pyflyte-execute": Spec((*_TASK_FLAGS, Flag("--resolver")), "resolver_args"),
    "pyflyte-map-execute": Spec(
        (*_TASK_FLAGS, Flag("--max-concurrency", integer=True), Flag("--resolver", required=True)),
        "resolver_args",
    ),
    "pyflyte-fast-execute": Spec((Flag("--additional-distribution"), Flag("--dest-dir")), "task_execute_cmd"),
}


def _completion_var(command: str) -> str:
    return "_{}_COMPLETE".format(command.replace("-", "_").replace(".", "_").upper())


def parse(command: str, argv: Sequence[str], env: Mapping[str, str]) -> dict[str, Any] | None:
    """click's callback arguments for a well-formed ``argv`` of ``command``, or None (click decides)."""
    spec = SPECS[command]
    if _completion_var(command) in env:
        return None
    by_name = {f.name: f for f in spec.flags}
    values: dict[str, Any] = {f.dest: (False if f.is_flag else None) for f in spec.flags}
    rest: tuple[str, ...] = ()
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "--":
            rest = tuple(argv[i + 1 :])
            break
        flag = by_name.get(token)
        if flag is None:
            return None
        if flag.is_flag:
            values[flag.dest] = True
            i += 1
            continue
        if i + 1 >= len(argv) or argv[i + 1].startswith("-"):
            return None
        value: Any = argv[i + 1]
        if flag.integer:
            if not (value.isascii() and value.isdigit()):
                return None
            value = int(value)
        values[flag.dest] = value
        i += 2
    if any(f.required and values[f.dest] is None for f in spec.flags):
        return None
    values[spec.rest] = rest
    return values
