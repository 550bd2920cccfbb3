"""The laws stated in ``core.output_metadata``'s docstring."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from flyte_entrypoint.core import output_metadata as om

items = st.dictionaries(st.sampled_from(["a", "b", "c"]), st.text(max_size=3), max_size=3)


class Obj:
    """A fresh object each time (never interned), compared by value to show identity is what counts."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Obj)

    __hash__ = object.__hash__


@given(st.lists(st.tuples(st.integers(0, 2), items), max_size=5))
def test_add_get_identity_and_later_wins(calls: list[tuple[int, dict[str, str]]]) -> None:
    objs = [Obj(), Obj(), Obj()]
    tracker = om.EMPTY
    expected: dict[int, dict[str, str]] = {}
    for which, entries in calls:
        before = tracker
        snapshot = dict(before.entries)
        tracker = om.add(tracker, objs[which], entries)
        assert dict(before.entries) == snapshot  # the given tracker never changes
        expected[which] = {**expected.get(which, {}), **entries}
    for which, obj in enumerate(objs):
        found = om.get(tracker, obj)
        if which in expected:
            assert found is not None and dict(found.items) == expected[which]
            assert om.literal_metadata(tracker, obj) == expected[which]
        else:
            assert found is None and om.literal_metadata(tracker, obj) == {}
    assert om.get(tracker, Obj()) is None  # an equal but different object
    assert om.literal_metadata(None, objs[0]) == {}
