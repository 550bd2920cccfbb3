"""Laws of ``Iterator[T]`` and ``Iterator[JSON]`` (``core/type_engine/iterators.py``), over random values.

* **A typed iterator is a list on the wire.** ``Iterator[T]`` has ``List[T]``'s LiteralType, writes the literal
  ``List[T]`` writes for the same elements, and reads back the same elements, in order, as often as iterated.
* **JSON lines round trip** (with ``test_json_lines_round_trip_through_planned_bytes`` in
  ``property_tests/test_conversion_io_laws.py``): one line per value, and the lines read back are the values.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from flyte_entrypoint.core.type_engine.engine import (
    BlobRead,
    ConversionContext,
    literal_type_of,
    to_literal,
    to_python,
)
from flyte_entrypoint.iterators import JSON

SETTINGS = settings(max_examples=40, deadline=None)
CTX = ConversionContext(raw_output_prefix="s3://b/raw", name_seed="34" * 16)

CASES: list[tuple[Any, Any]] = [
    (int, st.integers(-(2**63), 2**63 - 1)),
    (str, st.text(max_size=6)),
    (list[float], st.lists(st.floats(allow_nan=False), max_size=3)),
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=6,
)


@SETTINGS
@given(data=st.data(), case=st.sampled_from(range(len(CASES))))
def test_a_typed_iterator_is_a_list_on_the_wire(data: st.DataObject, case: int) -> None:
    tp, values = CASES[case]
    xs = data.draw(st.lists(values, max_size=5))
    assert literal_type_of(Iterator[tp]).unwrap() == literal_type_of(list[tp]).unwrap()
    lit = to_literal(iter(xs), Iterator[tp], CTX).unwrap().value
    assert lit == to_literal(xs, list[tp], CTX).unwrap().value
    items = to_python(lit, Iterator[tp], CTX).unwrap()
    assert len(items) == len(xs) and list(items) == xs and list(items) == xs


@SETTINGS
@given(rows=st.lists(json_values, min_size=1, max_size=5))
def test_json_lines_one_line_per_value_and_back(rows: list[Any]) -> None:
    converted = to_literal(iter(rows), Iterator[JSON], CTX).unwrap()
    (up,) = converted.uploads
    assert up.data.count(b"\n") == len(rows) and up.data.endswith(b"\n")
    back = to_python(converted.value, Iterator[JSON], ConversionContext(blobs={BlobRead(up.remote): up.data}))
    assert list(back.unwrap()) == rows
