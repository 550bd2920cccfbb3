"""``core.output_metadata``: metadata records in, trackers out (module docstring)."""

from __future__ import annotations

import pytest
from pyrsistent import pmap

from flyte_entrypoint.core import output_metadata as om
from flyte_entrypoint.schemas.output_metadata import OutputMetadata


def test_metadata_of_a_record_is_that_record() -> None:
    record = OutputMetadata(pmap({"k": "v"}))
    assert om.metadata_of(record) is record
    obj = object()
    assert dict(om.get(om.add(om.EMPTY, obj, record), obj).items) == {"k": "v"}  # type: ignore[union-attr]


def test_metadata_of_a_mapping() -> None:
    assert om.metadata_of({"a": "b"}) == OutputMetadata(pmap({"a": "b"}))
    assert om.metadata_of({}) == OutputMetadata()


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ([("a", "b")], "output metadata must be a mapping of str to str, got list"),
        ({"a": 1}, "output metadata entries must be str -> str, got str -> int"),
        ({2: "b"}, "output metadata entries must be str -> str, got int -> str"),
    ],
)
def test_metadata_of_refuses_non_str(bad: object, message: str) -> None:
    with pytest.raises(TypeError) as info:
        om.metadata_of(bad)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_a_reused_id_is_not_the_same_object() -> None:
    obj = object()
    tracker = om.add(om.EMPTY, obj, {"a": "b"})
    entry = tracker.entries[id(obj)]
    stranger = object()
    forged = type(tracker)(tracker.entries.set(id(stranger), entry))
    assert om.get(forged, stranger) is None
