"""Laws of the type engine's dispatcher (core/type_engine/engine.py) and of the registry's lazy engine.

* **Caches are invisible.** Whatever was resolved before, in whatever order, and after ``forget()``, a type gets
  the same transformer and the same LiteralType as on a fresh eager engine; a returned LiteralType is a copy.
* **Lazy == eager.** ``registry._LazyEngine`` resolves every type to the transformer ``Engine(_transformers())``
  picks (registry.py's equivalence).
* **Names never repeat.** Within one conversion, whatever tentative children are adopted or discarded,
  ``unique_hex`` never hands out a name twice (only siblings forked together, of which at most one is kept, may
  share one), and the same seed and steps give the same names (deterministic).
* **Paths compose.** ``err.under(a).under(b)`` shows ``b + a`` before the message.
* **Deterministic.** The same value, type and seed give the same literal and planned uploads.

Totality (``to_literal``/``to_python`` return a ``Result`` for any input) is run in
``property_tests/test_type_engine_laws.py``; the blob rounds (reads asked == reads supplied) in
``property_tests/test_conversion_io_laws.py``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flyte_entrypoint.core.type_engine import registry
from flyte_entrypoint.core.type_engine.engine import (
    ConversionContext,
    ConversionError,
    Engine,
    Sink,
    to_literal,
)
from flyte_entrypoint.testing import types, types_and_values

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EAGER = Engine(registry._transformers())


@SETTINGS
@given(st.lists(types(max_depth=2), min_size=1, max_size=6))
def test_caches_are_invisible_and_lazy_equals_eager(tps: list[Any]) -> None:
    lazy = registry._LazyEngine()
    for tp in tps:
        assert lazy.resolve(tp).transformer is EAGER.resolve(tp).transformer
        assert lazy.literal_type(tp) == EAGER.literal_type(tp)
    lazy.forget()
    for tp in reversed(tps):
        assert lazy.resolve(tp).transformer is EAGER.resolve(tp).transformer
        first = lazy.literal_type(tp)
        first.Clear()
        assert lazy.literal_type(tp) == EAGER.literal_type(tp)


# a conversion's use of its sink, as a union uses it: rounds of (names the root hands out, then tentative children
# forked together, each handing out some names, then at most one adopted and the others discarded)
rounds = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.lists(st.integers(0, 3), max_size=3),
        st.integers(-1, 2),
    ),
    max_size=6,
)


def _names(seed: str, plan: list[tuple[int, list[int], int]]) -> list[tuple[str, Any]]:
    """Every name handed out, with who handed it out: ("root",) or (round, child)."""
    root = Sink(ConversionContext(name_seed=seed))
    names: list[tuple[str, Any]] = []
    for r, (own, children, adopted) in enumerate(plan):
        names += [(root.unique_hex(), ("root",)) for _ in range(own)]
        forked = [root.fork() for _ in children]
        for i, (child, count) in enumerate(zip(forked, children)):
            names += [(child.unique_hex(), (r, i)) for _ in range(count)]
        for i, child in enumerate(forked):
            (root.adopt if i == adopted else root.skip_names)(child)
    names += [(root.unique_hex(), ("root",))]
    return names


@settings(max_examples=200, deadline=None)
@given(rounds, st.text(alphabet="0123456789abcdef", min_size=32, max_size=32))
def test_names_never_repeat_and_follow_the_seed(plan: list[tuple[int, list[int], int]], seed: str) -> None:
    names = _names(seed, plan)
    assert _names(seed, plan) == names
    first_owner: dict[str, Any] = {}
    for name, owner in names:
        assert len(name) == 32 and int(name, 16) >= 0
        seen = first_owner.setdefault(name, owner)
        # only siblings forked together may share a name: at most one of them is kept
        assert seen == owner or (seen[0] == owner[0] != "root" and len(seen) == len(owner) == 2), (name, seen, owner)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=5), max_size=5), st.text(max_size=10))
def test_paths_compose_outermost_first(segments: list[str], message: str) -> None:
    err = ConversionError(message)
    for segment in segments:
        assert err.under(segment) is err
    path = "".join(reversed(segments))
    assert err.path == path
    assert str(err) == (f"{path}: {message}" if path else message)


@SETTINGS
@given(types_and_values(max_depth=2), st.text(alphabet="0123456789abcdef", min_size=32, max_size=32))
def test_conversion_is_deterministic_per_seed(case: tuple[Any, Any], seed: str) -> None:
    tp, value = case
    ctx = ConversionContext(raw_output_prefix="s3://b/raw", name_seed=seed)
    first = to_literal(value, tp, ctx).unwrap()
    again = to_literal(value, tp, ctx).unwrap()
    assert (first.value, first.uploads) == (again.value, again.uploads)
