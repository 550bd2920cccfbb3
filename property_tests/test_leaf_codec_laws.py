"""Laws of the file-like leaves inside dataclasses (``core/type_engine/leaf_codecs.py``).

* round trip: a FlyteFile/FlyteDirectory/StructuredDataset/FlyteSchema field stored by the engine reads back
  as the same remote location (and, for a file, the same metadata), whatever the URI;
* ``uses_engine`` sees through containers: ``List[X]``, ``Optional[X]``, ``Dict[str, X]``, ``Tuple[X, ...]`` and a
  dataclass with an ``X`` field use the engine exactly when ``X`` does.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import msgpack
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flyte_entrypoint.core.type_engine.engine import ConversionContext, to_literal, to_python
from flyte_entrypoint.core.type_engine.leaf_codecs import uses_engine
from flyte_entrypoint.files import FlyteDirectory, FlyteFile
from flyte_entrypoint.flyte_schema import FlyteSchema
from flyte_entrypoint.structured import StructuredDataset

LAWS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_segment = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=12).filter(
    lambda s: s not in (".", "..")
)
_uris = st.builds(
    lambda scheme, bucket, parts: f"{scheme}://{bucket}/" + "/".join(parts),
    st.sampled_from(["s3", "gs", "abfs"]),
    _segment,
    st.lists(_segment, min_size=1, max_size=3),
)


@dataclass
class Leaves:
    f: FlyteFile
    d: FlyteDirectory
    sd: StructuredDataset
    sc: FlyteSchema


@LAWS
@given(_uris, _uris, _uris, _uris, st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3))
def test_stored_leaves_read_back_as_the_same_locations(
    f: str, d: str, sd: str, sc: str, metadata: dict[str, str]
) -> None:
    value = Leaves(
        FlyteFile(f, metadata=metadata or None),
        FlyteDirectory(d),
        StructuredDataset(uri=sd, file_format="parquet"),
        FlyteSchema(remote_path=sc),
    )
    lit = to_literal(value, Leaves, ConversionContext(raw_output_prefix="s3://raw")).unwrap().value
    stored = msgpack.unpackb(lit.scalar.binary.value)
    assert stored["f"]["path"] == f and stored.get("f", {}).get("metadata", {}) == metadata
    back = to_python(lit, Leaves, ConversionContext()).unwrap()
    assert back.f.remote_source == f and (back.f.metadata or {}) == metadata
    assert back.d.remote_source == d
    assert back.sd.literal.uri == sd and back.sd.file_format == "parquet"
    assert back.sc.remote_path == sc


_LEAVES = [FlyteFile, FlyteDirectory, StructuredDataset, FlyteSchema]
_PLAIN = [int, str, bytes, Any, List[int], Dict[str, float]]


def _holder(tp: Any) -> type:
    return dataclasses.make_dataclass("Holder", [("x", tp)])


@LAWS
@given(st.sampled_from(_LEAVES + _PLAIN), st.lists(st.integers(min_value=0, max_value=4), max_size=3))
def test_uses_engine_sees_through_containers(base: Any, wrappers: list[int]) -> None:
    tp = base
    for w in wrappers:
        tp = [List[tp], Optional[tp], Dict[str, tp], Tuple[tp, ...], _holder(tp)][w]  # type: ignore[valid-type]
    assert uses_engine(tp) is (base in _LEAVES)
