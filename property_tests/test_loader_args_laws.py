"""Laws of the resolver (loader) args grammar (``core.loader_args``), as its docstring states them.

* round trip, default resolver: ``parse_default(default_args(f"{module}.{name}"))`` is ``DefaultTarget(module,
  name)`` (``name`` without a dot: the last dot separates the two);
* the two labels may come in either order, each followed by its value; in place (``task-module M task-name
  N ...``) they are read by position, as flytekit does, even when a value is a label's text;
* round trip, map resolver: ``parse_map(map_args(bound, resolver, args))`` gives back ``bound``, ``resolver``
  and ``args`` (names without commas), and the args do not depend on the set's iteration order;
* totality: both parsers answer every list of strings with a value (``Success`` or ``Failure``), never raise.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from flyte_entrypoint.core import loader_args as g

WORD = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)
IDENT = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)
MODULE = st.lists(IDENT, min_size=1, max_size=3).map(".".join)
NAME = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=",."), min_size=1, max_size=8)


@given(module=MODULE, name=NAME)
def test_default_args_round_trip(module: str, name: str) -> None:
    args = g.default_args(f"{module}.{name}")
    assert args == ["task-module", module, "task-name", name]
    assert g.parse_default(args) == Success(g.DefaultTarget(module, name))


NOT_A_LABEL = WORD.filter(lambda w: w not in ("task-module", "task-name"))


@given(module=NOT_A_LABEL, name=NOT_A_LABEL, swap=st.booleans(), noise=st.lists(NOT_A_LABEL, max_size=3))
def test_labels_in_either_order(module: str, name: str, swap: bool, noise: list[str]) -> None:
    pairs = [["task-module", module], ["task-name", name]]
    if swap:
        pairs.reverse()
    args = [*noise, *pairs[0], *pairs[1]]
    assert g.parse_default(args) == Success(g.DefaultTarget(module, name))


LABELS = st.sampled_from(["task-module", "task-name", "vars", "resolver"])


@given(module=st.one_of(WORD, LABELS), name=st.one_of(WORD, LABELS), rest=st.lists(st.one_of(WORD, LABELS), max_size=3))
def test_labels_in_place_are_read_by_position_as_flytekit(module: str, name: str, rest: list[str]) -> None:
    """flytekit's default resolver reads ``args[1]`` and ``args[3]``, whatever they say (even a label's text)."""
    args = ["task-module", module, "task-name", name, *rest]
    assert g.parse_default(args) == Success(g.DefaultTarget(module, name))


@given(
    bound=st.frozensets(NAME, max_size=4),
    resolver=WORD,
    inner=st.lists(WORD, max_size=5),
)
def test_map_args_round_trip_and_determinism(bound: frozenset[str], resolver: str, inner: list[str]) -> None:
    args = g.map_args(bound, resolver, inner)
    assert args == g.map_args(frozenset(sorted(bound, reverse=True)), resolver, inner)
    assert g.parse_map(args) == Success(g.MapTarget(bound, resolver, tuple(inner)))


@given(st.lists(st.one_of(WORD, st.sampled_from(["task-module", "task-name", "vars", "resolver", ""])), max_size=8))
def test_parsers_are_total(args: list[str]) -> None:
    for result in (g.parse_default(args), g.parse_map(args)):
        assert isinstance(result, (Success, Failure))
