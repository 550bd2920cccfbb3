"""Laws of the dataclass / untyped-dict transformers (``core/type_engine/dataclass_transformers.py``), over generated types and values.

The generators live in ``flyte_entrypoint.testing_struct`` (fresh ``@dataclass`` classes with scalar, datetime,
enum, bytes, Optional, List, Dict and Tuple fields, nested dataclasses, defaults).
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import Any, List

import msgpack
import pytest
from flyteidl.core import literals_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flyte_entrypoint.core.type_engine.builtin_codec import to_builtins
from flyte_entrypoint.core.type_engine.dataclass_transformers import (
    DataclassTransformer,
    UntypedDictTransformer,
)
from flyte_entrypoint.core.type_engine.engine import ConversionContext, ConversionError, Engine, Sink
from flyte_entrypoint.core.type_engine.msgpack_wire import decode_msgpack_literal
from flyte_entrypoint.testing_struct import (
    dataclass_types,
    dataclass_types_and_values,
    untyped_dicts,
    values_of,
)


def _engine() -> Engine:
    from flyte_entrypoint.core.type_engine import registry, simple

    transformers = list(registry.ENGINE.transformers)
    if any(t.handles(int) for t in transformers) and any(
        isinstance(t, DataclassTransformer) for t in transformers
    ):
        return registry.ENGINE
    others = [t for t in transformers if not isinstance(t, (DataclassTransformer, UntypedDictTransformer))]
    return Engine([*others, UntypedDictTransformer(), *simple.SIMPLE_TRANSFORMERS, DataclassTransformer()])


ENGINE = _engine()
DC = DataclassTransformer()
UD = UntypedDictTransformer()
NEW = Sink(ConversionContext())
OLD = Sink(ConversionContext(use_old_dc_format=True))

LAWS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_MSGPACK_NATIVE = (type(None), bool, int, float, str, bytes, list, dict)


def _binary(data: bytes) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.binary.value = data
    lit.scalar.binary.tag = "msgpack"
    return lit


def _only_native(obj: Any) -> bool:
    if isinstance(obj, list):
        return all(_only_native(x) for x in obj)
    if isinstance(obj, dict):
        return all(_only_native(k) and _only_native(v) for k, v in obj.items())
    return isinstance(obj, _MSGPACK_NATIVE)


@LAWS
@given(dataclass_types_and_values())
def test_round_trip(case: tuple[type, Any]) -> None:
    cls, value = case
    lit = DC.to_literal(value, cls, ENGINE, NEW)
    assert lit.scalar.binary.tag == "msgpack"
    assert DC.to_python(lit, cls, ENGINE, NEW) == value


@LAWS
@given(dataclass_types_and_values())
def test_encoding_is_plain_msgpack_of_the_builtins(case: tuple[type, Any]) -> None:
    cls, value = case
    builtins = to_builtins(value, cls)
    assert isinstance(builtins, dict) and _only_native(builtins)
    assert list(builtins) == [f.name for f in dataclasses.fields(cls)]  # declaration order
    data = DC.to_literal(value, cls, ENGINE, NEW).scalar.binary.value
    assert data == msgpack.packb(builtins, use_bin_type=True)
    assert DC.to_literal(value, cls, ENGINE, NEW).scalar.binary.value == data  # deterministic


@LAWS
@given(dataclass_types().flatmap(lambda cls: st.tuples(st.just(cls), st.lists(values_of(cls), max_size=6))))
def test_bulk_list_equals_per_element(case: tuple[type, list[Any]]) -> None:
    cls, values = case
    bulk = DC.to_literal_list(values, cls, ENGINE, NEW)
    each = literals_pb2.Literal()
    each.collection.literals.extend(DC.to_literal(v, cls, ENGINE, NEW) for v in values)
    assert bulk.SerializeToString() == each.SerializeToString()
    assert DC.to_python_list(bulk, cls, ENGINE, NEW) == values


@LAWS
@given(
    dataclass_types_and_values(),
    st.dictionaries(st.text(min_size=1, max_size=5).map(lambda s: "~" + s), st.integers(-(2**63), 2**63 - 1)),
)
def test_unknown_keys_are_ignored(case: tuple[type, Any], extra: dict[str, int]) -> None:
    cls, value = case
    builtins = to_builtins(value, cls)
    data = msgpack.packb({**builtins, **extra}, use_bin_type=True)
    assert DC.to_python(_binary(data), cls, ENGINE, NEW) == value


@LAWS
@given(dataclass_types_and_values(), st.data())
def test_missing_fields_with_defaults_take_the_default(case: tuple[type, Any], data: st.DataObject) -> None:
    cls, value = case
    builtins = to_builtins(value, cls)
    defaulted = [
        f
        for f in dataclasses.fields(cls)
        if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
    ]
    dropped = data.draw(
        st.lists(st.sampled_from(defaulted), unique_by=lambda f: f.name) if defaulted else st.just([])
    )
    for f in dropped:
        del builtins[f.name]
    back = DC.to_python(_binary(msgpack.packb(builtins, use_bin_type=True)), cls, ENGINE, NEW)
    for f in dataclasses.fields(cls):
        if f in dropped:
            expected = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
            assert getattr(back, f.name) == expected
        else:
            assert getattr(back, f.name) == getattr(value, f.name)


@LAWS
@given(dataclass_types_and_values(), st.data())
def test_a_missing_required_field_is_named(case: tuple[type, Any], data: st.DataObject) -> None:
    cls, value = case
    required = [
        f
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    if not required:
        return
    victim = data.draw(st.sampled_from(required))
    builtins = to_builtins(value, cls)
    del builtins[victim.name]
    with pytest.raises(ConversionError) as info:
        DC.to_python(_binary(msgpack.packb(builtins, use_bin_type=True)), cls, ENGINE, NEW)
    assert info.value.path == "." + victim.name
    assert cls.__qualname__ in info.value.message


class _Unencodable:
    def __repr__(self) -> str:
        return "<unencodable>"


@LAWS
@given(dataclass_types_and_values(), st.data())
def test_an_unencodable_field_value_is_named(case: tuple[type, Any], data: st.DataObject) -> None:
    cls, value = case
    fields = dataclasses.fields(cls)
    if not fields:
        return
    victim = data.draw(st.sampled_from(fields))
    declared = [a for a in typing.get_args(victim.type) if a is not type(None)] or [victim.type]
    if all(dataclasses.is_dataclass(t) and not dataclasses.fields(t) for t in declared):
        return  # an empty dataclass reads no attribute: any object encodes as {} (as with mashumaro)
    object.__setattr__(value, victim.name, _Unencodable())
    with pytest.raises(ConversionError) as info:
        DC.to_literal(value, cls, ENGINE, NEW)
    assert info.value.path == "." + victim.name
    assert cls.__qualname__ in info.value.message


@LAWS
@given(st.binary(max_size=64), dataclass_types())
def test_garbage_payloads_give_conversion_errors_only(data: bytes, cls: type) -> None:
    try:
        DC.to_python(_binary(data), cls, ENGINE, NEW)
    except ConversionError:
        pass


@LAWS
@given(untyped_dicts())
def test_untyped_dict_round_trip(value: dict[Any, Any]) -> None:
    lit = UD.to_literal(value, dict, ENGINE, NEW)
    assert lit.scalar.binary.value == msgpack.packb(value, use_bin_type=True)
    assert UD.to_python(lit, dict, ENGINE, NEW) == value
    assert decode_msgpack_literal(lit, typing.Dict[Any, Any]) == value


@dataclass
class _Plain:
    n: int
    x: float
    s: str
    flags: List[bool]
    more: typing.Optional[List[int]] = None


_SMALL = st.integers(min_value=-(2**53), max_value=2**53)
_PLAIN = st.builds(
    _Plain,
    n=_SMALL,
    x=st.floats(allow_nan=False, allow_infinity=False),
    s=st.text(st.characters(exclude_categories=("Cs",))),
    flags=st.lists(st.booleans()),
    more=st.none() | st.lists(_SMALL),
)


@LAWS
@given(_PLAIN)
def test_old_format_round_trip_restores_ints(value: _Plain) -> None:
    lit = DC.to_literal(value, _Plain, ENGINE, OLD)
    assert lit.scalar.HasField("generic")
    back = DC.to_python(lit, _Plain, ENGINE, NEW)
    assert back == value
    assert type(back.n) is int and all(type(i) is int for i in back.more or [])


@LAWS
@given(untyped_dicts())
def test_old_format_untyped_dict_is_the_json_view(value: dict[Any, Any]) -> None:
    import json

    try:
        expected = json.loads(json.dumps(value))  # what flytekit's json.dumps -> Struct keeps
    except (TypeError, ValueError):  # bytes are not JSON
        with pytest.raises(ConversionError):
            UD.to_literal(value, dict, ENGINE, OLD)
        return

    def floats(obj: Any) -> Any:  # a Struct stores every number as a double
        if isinstance(obj, bool) or obj is None or isinstance(obj, str):
            return obj
        if isinstance(obj, (int, float)):
            return float(obj)
        if isinstance(obj, list):
            return [floats(x) for x in obj]
        return {k: floats(v) for k, v in obj.items()}

    lit = UD.to_literal(value, dict, ENGINE, OLD)
    assert dict(lit.metadata) == {"format": "json"}
    assert UD.to_python(lit, dict, ENGINE, NEW) == floats(expected)
