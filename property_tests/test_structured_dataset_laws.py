"""Laws of the StructuredDataset modules: column declarations, the handler registry, wrapper literals.

``core/type_engine/dataframe.py``:

* **Flattening.** ``{"a": {"b": T}}`` declares the same columns as ``{"a.b": T}``, in declaration order.
* **Last declaration wins.** ``Annotated[T, c1, c2]`` has ``c2``'s columns; a second format is an error.

``core/type_engine/dataset_handlers.py``:

* **Exact registrations are found.** Whatever was registered, looking up a registered (class, protocol, format)
  answers that handler (the protocol's own, or the any-protocol one when the protocol has none).
* **Total.** A lookup answers a handler registered for the class, or ``ValueError`` naming class, protocol, format.
* **Deterministic.** The same registrations in the same order answer the same handler for every lookup.

``core/type_engine/structured.py``:

* **Passed on unchanged.** An input wrapper returned as an output is its incoming literal, whatever the declared
  columns and format of either side; no upload is planned.
* **Dictionary round trip.** ``sd_from_dict(sd_to_dict(lit)) == lit`` for a literal with a URI and a format.
* **Columns read.** A wrapper input's columns are the declared ones when there are any, else the literal's.
"""

from __future__ import annotations

import keyword
from typing import Annotated, Any

import pytest
from flyteidl.core import literals_pb2
from hypothesis import given, settings
from hypothesis import strategies as st

from flyte_entrypoint.core.type_engine import recognize
from flyte_entrypoint.core.type_engine.dataframe import dataframe_columns, structured_dataset_type
from flyte_entrypoint.core.type_engine.dataset_handlers import StructuredDatasetEncoder
from flyte_entrypoint.core.type_engine.dataset_handlers import StructuredDatasetTransformerEngine as E
from flyte_entrypoint.core.type_engine.engine import ConversionContext, ConversionError, to_literal, to_python
from flyte_entrypoint.core.type_engine.structured import sd_from_dict, sd_to_dict
from flyte_entrypoint.structured import StructuredDataset

SETTINGS = settings(max_examples=60, deadline=None)

names = st.text("abcxyz", min_size=1, max_size=3).filter(lambda n: not keyword.iskeyword(n))
scalars = st.sampled_from([int, float, bool, str])
nested = st.recursive(scalars, lambda inner: st.dictionaries(names, inner, min_size=1, max_size=3), max_leaves=6)
declarations = st.dictionaries(names, nested, min_size=1, max_size=4)


def _flat(columns: dict[str, Any], parent: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in columns.items():
        name = f"{parent}.{key}" if parent else key
        out.extend(_flat(value, name) if isinstance(value, dict) else [(name, value)])
    return out


@SETTINGS
@given(declarations)
def test_nested_columns_flatten_to_dotted_names_in_order(columns: dict[str, Any]) -> None:
    flat = _flat(columns)
    assert structured_dataset_type(columns, "") == structured_dataset_type(dict(flat), "")
    assert [c.name for c in structured_dataset_type(columns, "").columns] == [name for name, _ in flat]


@SETTINGS
@given(declarations, declarations, st.text("abc", min_size=1, max_size=3))
def test_the_last_declaration_wins_and_a_format_is_given_once(first: Any, second: Any, fmt: str) -> None:
    assert dataframe_columns(Annotated[StructuredDataset, first, fmt, second]) == (second, fmt, None)
    with pytest.raises(ConversionError, match="A format was already specified"):
        dataframe_columns(Annotated[StructuredDataset, fmt, first, fmt + "x"])


# ---- the registry ------------------------------------------------------------------------------------------------


class Enc(StructuredDatasetEncoder[Any]):
    def encode(self, ctx: Any, structured_dataset: Any, structured_dataset_type: Any) -> Any:
        raise AssertionError


protocols = st.sampled_from([None, "s3", "gs", "file"])
formats = st.sampled_from(["", "parquet", "csv", "avro"])
registrations = st.lists(
    st.tuples(protocols, formats, st.booleans(), st.booleans()), min_size=0, max_size=6
)
lookups = st.tuples(st.sampled_from(["s3", "gs", "file", "bq"]), formats)


def _register_all(regs: list[tuple[Any, str, bool, bool]]) -> tuple[type, list[Enc]]:
    tp = type("Frame", (), {})
    made = []
    for protocol, fmt, default_format, override in regs:
        h = Enc(tp, protocol, fmt)
        try:
            E.register(h, default_format_for_type=default_format, override=override)
            made.append(h)
        except ValueError:  # a duplicate for a protocol (flytekit refuses it too)
            pass
    return tp, made


def _forget(tp: type) -> None:
    for table in (E.ENCODERS, E.DEFAULT_FORMATS, E.DEFAULT_PROTOCOLS):
        table.pop(tp, None)
    recognize.EXTRA_DATAFRAME_TYPES.discard(tp)


@SETTINGS
@given(registrations, st.lists(lookups, max_size=4))
def test_lookups_are_total_deterministic_and_find_exact_registrations(regs: Any, asked: Any) -> None:
    tp, made = _register_all(regs)
    twin, _ = _register_all(regs)
    try:
        for protocol, fmt in asked:
            try:
                found = E.get_encoder(tp, protocol, fmt)
            except ValueError as exc:
                assert str(exc) == f"Failed to find a handler for {tp}, protocol [{protocol}], fmt ['{fmt}']"
                with pytest.raises(ValueError):
                    E.get_encoder(twin, protocol, fmt)
                continue
            assert any(found is h for h in made)
            again = E.get_encoder(twin, protocol, fmt)
            assert (again.protocol, again.supported_format) == (found.protocol, found.supported_format)
        for key, by_format in E.ENCODERS.get(tp, {}).items():
            for fmt, handler in by_format.items():
                # "bq" is never registered as a protocol here: there the any-protocol table answers
                assert E.get_encoder(tp, "bq" if key == "fsspec" else key, fmt) is handler
    finally:
        _forget(tp)
        _forget(twin)


# ---- wrapper literals ----------------------------------------------------------------------------------------------

uris = st.builds(lambda b, k: f"s3://{b}/{k}", st.text("abc", min_size=1, max_size=4), st.text("xyz/", min_size=1, max_size=6))
column_sets = st.dictionaries(names, scalars, max_size=3)


def _literal(uri: str, fmt: str, columns: dict[str, Any]) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.structured_dataset.uri = uri
    lit.scalar.structured_dataset.metadata.structured_dataset_type.CopyFrom(structured_dataset_type(columns, fmt))
    return lit


@SETTINGS
@given(uris, formats, column_sets, column_sets, formats)
def test_an_input_wrapper_is_passed_on_unchanged(uri: str, fmt: str, cols: Any, declared: Any, out_fmt: str) -> None:
    lit = _literal(uri, fmt, cols)
    ctx = ConversionContext(raw_output_prefix="s3://raw", classes={"StructuredDataset": StructuredDataset})
    tp_in = Annotated[StructuredDataset, declared] if declared else StructuredDataset
    wrapper = to_python(lit, tp_in, ctx).unwrap()
    expected = [c.name for c in structured_dataset_type(declared or cols, "").columns]
    assert [c.name for c in wrapper.metadata.structured_dataset_type.columns] == expected
    tp_out = Annotated[StructuredDataset, out_fmt] if out_fmt else StructuredDataset
    converted = to_literal(wrapper, tp_out, ctx).unwrap()
    assert converted.value == lit and converted.uploads == ()


@SETTINGS
@given(uris, formats)
def test_the_dictionary_form_round_trips(uri: str, fmt: str) -> None:
    lit = _literal(uri, fmt, {})
    assert sd_from_dict(sd_to_dict(lit)) == lit
    assert sd_to_dict(sd_from_dict({"uri": uri, "file_format": fmt})) == {"uri": uri, "file_format": fmt}
