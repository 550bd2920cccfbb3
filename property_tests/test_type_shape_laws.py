"""Laws of the type engine's shape helpers: ``annotated``, ``recognize``, ``type_shapes``, ``outputs``,
``json_schema`` (each module's docstring names the law it runs here).

* annotated: ``split_annotated`` undoes ``Annotated[...]``; a FlyteAnnotation adds exactly its data (as JSON)
  to the plain LiteralType and changes nothing else; ``annotation_data`` returns an equal copy.
* recognize / type_shapes: the predicates are total (a bool for any object, never an exception);
  ``strip_type`` is idempotent.
* outputs: for ``Tuple`` of n types the outputs are ``o0..o(n-1)``, and ``split_returned`` of any n values is
  their ``zip`` with those names; a NamedTuple keeps its field names.
* json_schema: the schema of a dataclass is deterministic and JSON-serializable, and lists every init field.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import typing
from typing import Annotated, Any, Dict, List, Optional, Tuple

from google.protobuf import json_format
from hypothesis import given, settings
from hypothesis import strategies as st

from flyte_entrypoint.core.type_engine import annotated, outputs, recognize, type_shapes
from flyte_entrypoint.core.type_engine.builtin_codec import _json_default_encoder
from flyte_entrypoint.core.type_engine.engine import literal_type_of
from flyte_entrypoint.core.type_engine.json_schema import dataclass_json_schema

SETTINGS = settings(max_examples=60, deadline=None)

BASES = [int, float, str, bool, List[int], Dict[str, float], Optional[str]]
json_scalars = st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=5)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)
annotation_data = st.dictionaries(
    st.text(max_size=6).filter(lambda k: k != annotated.CACHE_KEY_METADATA), json_values, max_size=4
)
anything = st.one_of(
    st.sampled_from([*BASES, None, Any, typing.Union, list, dict, tuple, object, type, Annotated[int, "m"]]),
    json_values,
    st.builds(object),
)


@SETTINGS
@given(st.sampled_from(BASES), st.lists(json_scalars, min_size=1, max_size=3))
def test_split_annotated_undoes_annotated(base: Any, metadata: list[Any]) -> None:
    hashable = [m for m in metadata if not isinstance(m, (list, dict))] or ["m"]
    tp = Annotated[(base, *hashable)]  # type: ignore[valid-type]
    assert annotated.split_annotated(tp) == (base, tuple(hashable))
    assert annotated.split_annotated(base) == (base, ())


@SETTINGS
@given(st.sampled_from(BASES), annotation_data)
def test_a_flyte_annotation_adds_exactly_its_data(base: Any, data: dict[str, Any]) -> None:
    plain = literal_type_of(base).unwrap()
    marked = literal_type_of(Annotated[base, annotated.FlyteAnnotation(data)]).unwrap()
    assert json_format.MessageToDict(marked.annotation.annotations) == json.loads(json.dumps(data))
    marked.ClearField("annotation")
    assert marked == plain
    copy = annotated.annotation_data((annotated.FlyteAnnotation(data),))
    assert copy == data and (copy is not data)


@SETTINGS
@given(anything)
def test_shape_predicates_are_total(obj: Any) -> None:
    for predicate in (
        recognize.is_flyte_error,
        recognize.is_structured,
        recognize.is_flyte_schema,
        recognize.is_pydantic_model,
        recognize.is_ndarray,
        recognize.is_iterator,
        type_shapes.is_uuid_type,
        type_shapes.is_pathlike_protocol,
        type_shapes.is_union,
    ):
        assert isinstance(predicate(obj), bool)
    assert type_shapes.container_kind(obj) in (None, "list", "set", "frozenset", "tuple", "dict")
    assert type_shapes.blob_kind(obj) in (None, "file", "directory", "structured", "schema")


@SETTINGS
@given(st.lists(st.sampled_from(BASES), min_size=1, max_size=3))
def test_strip_type_is_idempotent(layers: list[Any]) -> None:
    tp: Any = layers[0]
    for i, _ in enumerate(layers[1:]):
        tp = Annotated[tp, f"m{i}"] if i % 2 == 0 else typing.NewType(f"N{i}", tp)
    once = type_shapes.strip_type(tp)
    assert type_shapes.strip_type(once) is once


@SETTINGS
@given(st.lists(st.sampled_from([int, str, float, bool]), min_size=2, max_size=6), st.data())
def test_tuple_outputs_are_numbered_and_split_by_position(types: list[Any], data: st.DataObject) -> None:
    sig = outputs.output_signature(Tuple[tuple(types)]).unwrap()
    assert sig.names == tuple(f"o{i}" for i in range(len(types))) and sig.types == tuple(types)
    values = data.draw(st.lists(json_scalars, min_size=len(types), max_size=len(types)))
    for returned in (tuple(values), list(values)):
        assert outputs.split_returned(returned, sig) == dict(zip(sig.names, values))


@SETTINGS
@given(st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), min_size=1, max_size=5, unique=True))
def test_named_tuples_keep_their_field_names(fields: list[str]) -> None:
    nt = collections.namedtuple("NT", fields)  # type: ignore[misc]
    nt.__annotations__ = {f: int for f in fields}
    typed = typing.NamedTuple("Typed", [(f, int) for f in fields])  # type: ignore[misc]
    sig = outputs.output_signature(typed).unwrap()
    assert sig.names == tuple(fields) and sig.tuple_name == "Typed"
    values = typed(*range(len(fields)))
    expected = {fields[0]: 0} if len(fields) == 1 else dict(zip(fields, range(len(fields))))
    assert outputs.split_returned(values, sig) == expected


@SETTINGS
@given(st.lists(st.sampled_from(BASES), min_size=1, max_size=4))
def test_json_schema_is_deterministic_and_lists_every_field(field_types: list[Any]) -> None:
    cls = dataclasses.make_dataclass("DC", [(f"f{i}", tp) for i, tp in enumerate(field_types)])
    first = dataclass_json_schema(cls, _json_default_encoder)
    assert first is not None
    assert json.loads(json.dumps(first)) == first == dataclass_json_schema(cls, _json_default_encoder)
    assert list(first["properties"]) == [f"f{i}" for i in range(len(field_types))]
    assert first["required"] == list(first["properties"])
