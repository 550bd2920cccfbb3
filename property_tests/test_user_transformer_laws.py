"""Laws of flytekit's transformer resolution as the compatibility layer applies it (``compat.type_engine``).

For a class ``C``: the transformer registered for ``C`` itself, else the one of the nearest registered class
of ``C``'s MRO, else none (then the built-in transformers decide); an enum class is never a user's; a generic
alias is its own registration, else its origin's.
"""

from __future__ import annotations

import enum
import inspect
import typing
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flyte_entrypoint.compat import type_engine as te


@pytest.fixture(autouse=True)
def clean_registry() -> Iterator[None]:
    saved = dict(te._REGISTRY)
    yield
    te._REGISTRY.clear()
    te._REGISTRY.update(saved)


def _hierarchy(parents: list[list[int]]) -> list[type]:
    """Classes ``K0..Kn``; ``Ki`` derives from the earlier classes listed in ``parents[i]`` (a valid MRO)."""
    classes: list[type] = []
    for i, ps in enumerate(parents):
        bases = tuple(dict.fromkeys(classes[p] for p in ps if p < i)) or (object,)
        try:
            classes.append(type(f"K{i}", bases, {}))
        except TypeError:  # an inconsistent MRO: fall back to a single base
            classes.append(type(f"K{i}", bases[:1], {}))
    return classes


hierarchies = st.integers(1, 7).flatmap(
    lambda n: st.tuples(
        st.lists(st.lists(st.integers(0, n - 1), max_size=3), min_size=n, max_size=n),
        st.sets(st.integers(0, n - 1)),
    )
)


@given(hierarchies)
def test_nearest_registered_class_of_the_mro_wins(case: tuple[list[list[int]], set[int]]) -> None:
    parents, registered = case
    te._REGISTRY.clear()
    classes = _hierarchy(parents)
    transformers = {i: te.TypeTransformer(f"t{i}", classes[i]) for i in registered}
    for i, t in transformers.items():
        te._REGISTRY[classes[i]] = t
    for cls in classes:
        nearest = next((te._REGISTRY[c] for c in inspect.getmro(cls) if c in te._REGISTRY), None)
        assert te.user_transformer_for(cls) is nearest


@given(st.booleans(), st.booleans())
def test_enums_literals_and_generic_aliases(register_alias: bool, register_origin: bool) -> None:
    te._REGISTRY.clear()

    class Base:
        pass

    class Color(Base, enum.Enum):
        RED = 1

    te._REGISTRY[Base] = te.TypeTransformer("base", Base)
    assert te.user_transformer_for(Color) is None
    assert te.user_transformer_for(typing.Literal["a"]) is None

    T = typing.TypeVar("T")

    class Box(typing.Generic[T]):
        pass

    alias = Box[int]
    by_alias, by_origin = te.TypeTransformer("alias", alias), te.TypeTransformer("origin", Box)
    if register_alias:
        te._REGISTRY[alias] = by_alias
    if register_origin:
        te._REGISTRY[Box] = by_origin
    expected = by_alias if register_alias else by_origin if register_origin else None
    assert te.user_transformer_for(alias) is expected
    assert te.user_transformer_for(typing.Annotated[alias, "meta"]) is None  # the engine strips it and asks again
    marker = te.TypeTransformer("marker", Base)
    assert te.user_transformer_for(typing.Annotated[Base, marker]) is marker
