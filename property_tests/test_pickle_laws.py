"""Laws of the opt-in pickle fallback (``core/type_engine/pickled.py``).

* **Opt-in changes nothing for a supported type.** ``Annotated[T, AllowPickle]`` has ``T``'s LiteralType and
  converts every value to ``T``'s literal, with no upload.
* **Round trip through the planned bytes.** An unsupported value's planned upload, supplied back as the input's
  blob, unpickles to an equal value; the URI ends with the md5 of the bytes.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from hypothesis import given, settings
from hypothesis import strategies as st

from flyte_entrypoint.core.type_engine.engine import (
    BlobRead,
    ConversionContext,
    literal_type_of,
    to_literal,
    to_python,
)
from flyte_entrypoint.core.type_engine.pickled import AllowPickle

SETTINGS = settings(max_examples=40, deadline=None)
CTX = ConversionContext(raw_output_prefix="s3://b/raw", name_seed="12" * 16)

SUPPORTED: list[tuple[Any, Any]] = [
    (int, st.integers(-(2**63), 2**63 - 1)),
    (str, st.text(max_size=8)),
    (list[int], st.lists(st.integers(-100, 100), max_size=4)),
    (dict[str, float], st.dictionaries(st.text(max_size=3), st.floats(allow_nan=False), max_size=3)),
]


class Box:
    def __init__(self, items: Any) -> None:
        self.items = items

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Box) and other.items == self.items


@SETTINGS
@given(data=st.data(), case=st.sampled_from(range(len(SUPPORTED))))
def test_allow_pickle_on_a_supported_type_changes_nothing(data: st.DataObject, case: int) -> None:
    tp, values = SUPPORTED[case]
    value = data.draw(values)
    assert literal_type_of(Annotated[tp, AllowPickle]).unwrap() == literal_type_of(tp).unwrap()
    assert to_literal(value, Annotated[tp, AllowPickle], CTX).unwrap() == to_literal(value, tp, CTX).unwrap()


@SETTINGS
@given(items=st.recursive(st.integers() | st.text(max_size=4), lambda s: st.lists(s, max_size=3), max_leaves=6))
def test_a_pickled_value_round_trips_through_its_planned_bytes(items: Any) -> None:
    tp = Annotated[Box, AllowPickle]
    converted = to_literal(Box(items), tp, CTX).unwrap()
    (up,) = converted.uploads
    uri = converted.value.scalar.blob.uri
    assert up.remote == uri and uri.endswith("/" + hashlib.md5(up.data).hexdigest())
    assert to_python(converted.value, tp, ConversionContext(blobs={BlobRead(uri): up.data})).unwrap() == Box(items)
