"""File-like leaves inside dataclasses (``core/type_engine/leaf_codecs.py``): what is stored and what comes back.

Expected shapes are flytekit 1.16's ``_serialize`` methods (oracle venv: ``types/file/file.py``,
``types/directory/types.py``, ``types/structured/structured_dataset.py``, ``types/schema/types.py``):
a FlyteFile is ``{"path": uri}`` plus ``"metadata"`` only when the literal has some, a FlyteDirectory
``{"path": uri}``, a StructuredDataset ``{"uri", "file_format"}``, a FlyteSchema ``{"remote_path"}``.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import msgpack
import pytest
from flyteidl.core import literals_pb2

from flyte_entrypoint.core.type_engine.engine import ConversionContext, ConversionError, to_literal, to_python
from flyte_entrypoint.core.type_engine.leaf_codecs import leaf_decoder, leaf_encoder, uses_engine
from flyte_entrypoint.files import FlyteDirectory, FlyteFile
from flyte_entrypoint.flyte_schema import FlyteSchema
from flyte_entrypoint.structured import StructuredDataset


@dataclass
class Leaves:
    f: FlyteFile
    d: FlyteDirectory
    sd: StructuredDataset
    sc: FlyteSchema


@dataclass
class Plain:
    n: int
    tags: List[str] = field(default_factory=list)


@dataclass
class Nested:
    inner: Optional[Plain]
    files: Dict[str, Tuple[int, FlyteFile]]


@dataclass
class SelfRef:
    n: int
    next: Optional[SelfRef] = None


def _leaves() -> Leaves:
    return Leaves(
        FlyteFile("s3://b/f.txt", metadata={"owner": "me"}),
        FlyteDirectory("s3://b/dir"),
        StructuredDataset(uri="s3://b/sd", file_format="parquet"),
        FlyteSchema(remote_path="s3://b/schema"),
    )


def _stored(value: Any, tp: Any) -> Any:
    lit = to_literal(value, tp, ConversionContext(raw_output_prefix="s3://raw")).unwrap().value
    return msgpack.unpackb(lit.scalar.binary.value)


def _read(stored: Any, tp: Any) -> Any:
    lit = literals_pb2.Literal()
    lit.scalar.binary.value = msgpack.packb(stored)
    lit.scalar.binary.tag = "msgpack"
    return to_python(lit, tp, ConversionContext())


def test_each_leaf_is_stored_as_flytekit_stores_it() -> None:
    assert _stored(_leaves(), Leaves) == {
        "f": {"path": "s3://b/f.txt", "metadata": {"owner": "me"}},
        "d": {"path": "s3://b/dir"},
        "sd": {"uri": "s3://b/sd", "file_format": "parquet"},
        "sc": {"remote_path": "s3://b/schema"},
    }


def test_a_file_without_metadata_stores_only_its_path() -> None:
    value = _leaves()
    value.f = FlyteFile("s3://b/g.txt")
    assert _stored(value, Leaves)["f"] == {"path": "s3://b/g.txt"}


def test_each_leaf_is_read_back_through_the_engine() -> None:
    back = _read(_stored(_leaves(), Leaves), Leaves).unwrap()
    assert type(back.f) is FlyteFile and back.f.remote_source == "s3://b/f.txt"
    assert back.f.metadata == {"owner": "me"}
    assert type(back.d) is FlyteDirectory and back.d.remote_source == "s3://b/dir"  # a MULTIPART blob literal
    assert back.sd.literal.uri == "s3://b/sd"
    assert back.sd.file_format == "parquet"
    assert back.sc.remote_path == "s3://b/schema"


@pytest.mark.parametrize(
    ("name", "bad", "message"),
    [
        ("f", {"path": 5}, "ValueError: expected a map with a 'path' string, got {'path': 5}"),
        ("f", "x", "ValueError: expected a map with a 'path' string, got 'x'"),
        ("d", {"path": None}, "ValueError: expected a map with a 'path' string, got {'path': None}"),
        ("sd", "x", "ValueError: expected a map with a 'uri' string, got 'x'"),
        ("sd", {"uri": 5}, "StructuredDataset's uri and file format should not be None"),
        ("sc", {}, "ValueError: FlyteSchema's path should not be None"),
        ("sc", "x", "ValueError: FlyteSchema's path should not be None"),
    ],
)
def test_a_malformed_leaf_is_an_error_naming_the_field(name: str, bad: Any, message: str) -> None:
    stored = _stored(_leaves(), Leaves)
    stored[name] = bad
    result = _read(stored, Leaves)
    error = result.failure()
    assert isinstance(error, ConversionError)
    assert error.path == f".{name}"
    assert error.message.endswith(message)


def test_stored_file_metadata_values_are_read_as_strings() -> None:
    stored = _stored(_leaves(), Leaves)
    stored["f"]["metadata"] = {"n": 1}
    assert _read(stored, Leaves).unwrap().f.metadata == {"n": "1"}
    stored["f"]["metadata"] = "not a map"
    assert not _read(stored, Leaves).unwrap().f.metadata


@pytest.mark.parametrize("kind", ["encoder", "decoder"])
def test_a_leaf_outside_a_conversion_is_a_clear_error(kind: str) -> None:
    make = leaf_encoder if kind == "encoder" else leaf_decoder
    for tp in (FlyteFile, FlyteDirectory, StructuredDataset, FlyteSchema):
        step = make(tp)
        assert step is not None
        with pytest.raises(ConversionError) as info:
            step({"path": "s3://b/k"}, None)
        assert info.value.message == "a FlyteFile/FlyteDirectory inside a dataclass needs the type engine's context"


def test_other_types_have_no_leaf_step() -> None:
    for tp in (int, str, Plain, List[FlyteFile], Optional[FlyteFile]):
        assert leaf_encoder(tp) is None and leaf_decoder(tp) is None


@pytest.mark.parametrize(
    ("tp", "expected"),
    [
        (FlyteFile, True),
        (FlyteDirectory, True),
        (StructuredDataset, True),
        (FlyteSchema, True),
        (List[FlyteFile], True),
        (Optional[FlyteDirectory], True),
        (Dict[str, List[StructuredDataset]], True),
        (Nested, True),
        (typing.Annotated[FlyteFile, "x"], True),
        (Tuple[int, ...], False),
        (typing.Literal["a", 1], False),
        (Plain, False),
        (SelfRef, False),
        (Dict[str, Plain], False),
        (int, False),
    ],
)
def test_uses_engine_finds_file_like_leaves_anywhere_in_a_type(tp: Any, expected: bool) -> None:
    assert uses_engine(tp) is expected
    assert uses_engine(tp) is expected  # the second answer comes from the cache


def test_uses_engine_answers_for_unhashable_annotations() -> None:
    unhashable = typing.Annotated[List[FlyteFile], []]  # an Annotated with a list in it cannot be hashed
    with pytest.raises(TypeError):
        hash(unhashable)
    assert uses_engine(unhashable) is True
    assert uses_engine(typing.Annotated[List[int], []]) is False
