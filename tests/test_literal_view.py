"""``core/literal_view.py``: the JSON view ``flyte-entrypoint show`` prints, and file kind detection.

Expected values: the Flyte console's conventions the module states (a scalar is its value, RFC 3339
timestamps with ``Z``, protobuf JSON durations, blobs as ``{uri, format, dimensionality}``, unions as
``{tag, value}``), protobuf's own JSON mapping (``json_format``), msgpack's encoding and RFC 4648 base64.
"""

from __future__ import annotations

import base64
import math

import msgpack
import pytest
from flyteidl.core import dynamic_job_pb2, errors_pb2, literals_pb2
from returns.result import Failure, Success

from flyte_entrypoint.core import literal_view as lv


def _literal(text: str) -> literals_pb2.Literal:
    from google.protobuf import text_format

    return text_format.Parse(text, literals_pb2.Literal())


def view(text: str) -> object:
    return lv.literal_view(_literal(text))


# ---------------------------------------------------------------------------------------------- scalars


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("scalar { primitive { integer: -3 } }", -3),
        ("scalar { primitive { float_value: 1.5 } }", 1.5),
        ("scalar { primitive { string_value: 'hi' } }", "hi"),
        ("scalar { primitive { boolean: true } }", True),
        ("scalar { primitive { boolean: false } }", False),
        ("scalar { primitive { datetime { seconds: 1704164645 nanos: 500000000 } } }", "2024-01-02T03:04:05.500Z"),
        ("scalar { primitive { duration { seconds: 1 nanos: 500000000 } } }", "1.500s"),
        ("scalar { primitive { } }", None),
        ("scalar { none_type { } }", None),
        ("scalar { }", None),
        ("", None),
    ],
)
def test_scalar_values(text: str, expected: object) -> None:
    value = view(text)
    assert value == expected and type(value) is type(expected)


def test_non_finite_floats_are_strings() -> None:
    assert view("scalar { primitive { float_value: nan } }") == "nan"
    assert view("scalar { primitive { float_value: inf } }") == "inf"
    assert view("scalar { primitive { float_value: -inf } }") == "-inf"
    assert [lv.json_float(0.0), lv.json_float(-2.5)] == [0.0, -2.5]


def test_a_timestamp_outside_rfc_3339_keeps_seconds_and_nanos() -> None:
    # year 10000 has no RFC 3339 text (protobuf refuses it); the view keeps the numbers
    assert view("scalar { primitive { datetime { seconds: 253402300800 nanos: 7 } } }") == {
        "seconds": 253402300800,
        "nanos": 7,
    }


@pytest.mark.parametrize(
    ("seconds", "nanos", "text"),
    [
        (0, 0, "0s"),
        (1, 0, "1s"),
        (1, 500_000_000, "1.500s"),
        (0, 1_000, "0.000001s"),
        (0, 1, "0.000000001s"),
        (0, 120_000, "0.000120s"),
        (-1, -500_000_000, "-1.500s"),
        (0, -1, "-0.000000001s"),
        (315_576_000_001, 0, "315576000001s"),  # beyond protobuf JSON's 10,000 years
    ],
)
def test_duration_text_is_protobuf_json(seconds: int, nanos: int, text: str) -> None:
    assert lv.duration_text(seconds, nanos) == text


def test_blobs_structured_datasets_schemas_and_errors() -> None:
    assert view("scalar { blob { uri: 's3://b/f.csv' metadata { type { format: 'csv' } } } }") == {
        "uri": "s3://b/f.csv",
        "format": "csv",
        "dimensionality": "SINGLE",
    }
    assert view("scalar { blob { uri: 's3://b/d' metadata { type { dimensionality: MULTIPART } } } }") == {
        "uri": "s3://b/d",
        "format": "",
        "dimensionality": "MULTIPART",
    }
    assert view("scalar { blob { uri: 'u' metadata { type { dimensionality: 7 } } } }")["dimensionality"] == "UNKNOWN"
    assert view(
        "scalar { structured_dataset { uri: 's3://b/sd' metadata { structured_dataset_type {"
        " format: 'parquet' columns { name: 'a' } columns { name: 'b' } } } } }"
    ) == {"uri": "s3://b/sd", "format": "parquet", "columns": ["a", "b"]}
    assert view("scalar { schema { uri: 's3://b/s' type { columns { name: 'x' } } } }") == {"uri": "s3://b/s", "columns": ["x"]}
    assert view("scalar { error { failed_node_id: 'n1' message: 'boom' } }") == {
        "error": {"failed_node_id": "n1", "message": "boom"}
    }


def test_generic_is_protobuf_struct_json() -> None:
    literal = literals_pb2.Literal()
    literal.scalar.generic.update({"a": 1, "b": [True, None, "x"]})
    assert lv.literal_view(literal) == {"a": 1.0, "b": [True, None, "x"]}


def test_unions_are_tag_and_value() -> None:
    assert view(
        "scalar { union { value { scalar { primitive { integer: 1 } } } type { simple: INTEGER structure { tag: 'int' } } } }"
    ) == {"tag": "int", "value": 1}
    assert view("scalar { union { value { scalar { none_type { } } } type { simple: NONE } } }") == {"tag": "", "value": None}


def test_msgpack_binaries_are_decoded_json_safe() -> None:
    literal = literals_pb2.Literal()
    literal.scalar.binary.tag = "msgpack"
    literal.scalar.binary.value = msgpack.packb({"a": [1, 2.5, math.inf], 1: b"\x00\xff", "t": (1,)})
    assert lv.literal_view(literal) == {"a": [1, 2.5, "inf"], "1": {"bytes": "AP8="}, "t": [1]}


def test_undecodable_msgpack_and_other_binaries_are_base64() -> None:
    literal = literals_pb2.Literal()
    literal.scalar.binary.tag = "msgpack"
    literal.scalar.binary.value = b"\x92\x01"  # an array of two with one element
    value = lv.literal_view(literal)
    assert value["binary"] == "kgE=" and value["tag"] == "msgpack" and value["error"]
    literal.scalar.binary.tag = "pickle"
    literal.scalar.binary.value = b"hi"
    assert lv.literal_view(literal) == {"binary": base64.b64encode(b"hi").decode(), "tag": "pickle"}


def test_collections_maps_and_offloaded() -> None:
    assert view("collection { literals { scalar { primitive { integer: 1 } } } literals { collection { } } }") == [1, []]
    assert view(
        "map { literals { key: 'b' value { scalar { primitive { integer: 2 } } } }"
        " literals { key: 'a' value { map { } } } }"
    ) == {"a": {}, "b": 2}
    assert list(view("map { literals { key: 'b' value { } } literals { key: 'a' value { } } }")) == ["a", "b"]
    assert view("offloaded_metadata { uri: 's3://b/o0' size_bytes: 123 inferred_type { simple: INTEGER } }") == {
        "offloaded": {"uri": "s3://b/o0", "size_bytes": 123}
    }


def test_literal_map_view_sorts_names() -> None:
    lm = literals_pb2.LiteralMap()
    lm.literals["z"].scalar.primitive.integer = 1
    lm.literals["a"].scalar.primitive.string_value = "s"
    assert list(lv.literal_map_view(lm).items()) == [("a", "s"), ("z", 1)]


# ---------------------------------------------------------------------------------------------- errors


def _document(message: str, **fields: object) -> errors_pb2.ErrorDocument:
    doc = errors_pb2.ErrorDocument()
    doc.error.code = "USER:RuntimeError"
    doc.error.message = message
    for k, v in fields.items():
        setattr(doc.error, k, v)
    return doc


def test_message_line_is_the_text_after_message() -> None:
    assert lv.message_line("Trace:\n\n  tb\nMessage:\n\n  ValueError: x \n") == "ValueError: x"
    assert lv.message_line("a\nMessage:\n\nb\nMessage:\n\nc") == "b\nMessage:\n\nc"
    assert lv.message_line("  plain  ") == "plain"


def test_error_view() -> None:
    doc = _document("Trace:\n\nT\nMessage:\n\nValueError: x", kind=1, origin=1, worker="w")
    doc.error.timestamp.FromJsonString("2024-01-02T03:04:05Z")
    assert lv.error_view(doc) == {
        "code": "USER:RuntimeError",
        "kind": "RECOVERABLE",
        "origin": "USER",
        "worker": "w",
        "timestamp": "2024-01-02T03:04:05Z",
        "summary": "ValueError: x",
        "message": "Trace:\n\nT\nMessage:\n\nValueError: x",
    }
    plain = lv.error_view(_document("m"))
    assert (plain["kind"], plain["origin"], plain["timestamp"]) == ("NON_RECOVERABLE", "UNKNOWN", None)
    assert lv.error_view(_document("m", origin=2))["origin"] == "SYSTEM"
    odd = lv.error_view(_document("m", kind=5, origin=9))
    assert (odd["kind"], odd["origin"]) == ("5", "9")


def test_dynamic_job_view() -> None:
    spec = dynamic_job_pb2.DynamicJobSpec(min_successes=2)
    spec.nodes.add().id = "n0"
    spec.nodes.add().id = "n1"
    spec.tasks.add().id.name = "t"
    spec.subworkflows.add().id.name = "w"
    spec.outputs.add().var = "o0"
    assert lv.dynamic_job_view(spec) == {
        "min_successes": 2,
        "nodes": ["n0", "n1"],
        "tasks": ["t"],
        "subworkflows": ["w"],
        "outputs": ["o0"],
    }


# ---------------------------------------------------------------------------------------------- detect


def _int_map() -> literals_pb2.LiteralMap:
    lm = literals_pb2.LiteralMap()
    lm.literals["a"].scalar.primitive.integer = 1
    return lm


def test_detect_each_kind_by_content() -> None:
    empty = lv.detect(b"").unwrap()
    assert empty.kind == lv.KIND_LITERAL_MAP and empty.message == literals_pb2.LiteralMap()
    assert lv.detect(_int_map().SerializeToString()).unwrap() == lv.Detected(lv.KIND_LITERAL_MAP, _int_map())
    doc = _document("Message:\n\nboom", kind=1)
    assert lv.detect(doc.SerializeToString()).unwrap().kind == lv.KIND_ERROR_DOCUMENT
    literal = _literal("scalar { primitive { integer: 5 } }")
    assert lv.detect(literal.SerializeToString()).unwrap() == lv.Detected(lv.KIND_LITERAL, literal)
    spec = dynamic_job_pb2.DynamicJobSpec()
    node = spec.nodes.add(id="n0")
    node.metadata.name = "square"
    node.task_node.reference_id.name = "m.square"
    assert lv.detect(spec.SerializeToString()).unwrap().kind == lv.KIND_DYNAMIC_JOB_SPEC
    only_tasks = dynamic_job_pb2.DynamicJobSpec()
    only_tasks.tasks.add().id.name = "t"
    assert lv.detect(only_tasks.SerializeToString()).unwrap().kind == lv.KIND_DYNAMIC_JOB_SPEC


def test_detect_ignores_a_misleading_hint() -> None:
    assert lv.detect(_int_map().SerializeToString(), lv.KIND_ERROR_DOCUMENT).unwrap().kind == lv.KIND_LITERAL_MAP
    assert lv.detect(_int_map().SerializeToString(), "no such kind").unwrap().kind == lv.KIND_LITERAL_MAP


def test_detect_refuses_what_is_no_flyte_file() -> None:
    data = b"\xff\xff\xff"
    assert lv.detect(data) == Failure(
        "not a Flyte file this tool knows (3 bytes): not a LiteralMap, Literal, ErrorDocument or DynamicJobSpec"
    )
    # an ErrorDocument without code or message, a DynamicJobSpec without nodes or tasks: not plausible
    assert isinstance(lv.detect(errors_pb2.ErrorDocument(error=errors_pb2.ContainerError(kind=1)).SerializeToString()), Failure)
    assert isinstance(lv.detect(dynamic_job_pb2.DynamicJobSpec(min_successes=3).SerializeToString()), Failure)


def test_parse_as_refuses_unknown_fields_at_any_depth() -> None:
    bad = lv.parse_as(lv.KIND_LITERAL, b"\xff")
    assert isinstance(bad, Failure) and bad.failure().startswith("not a literal: ")
    lm = _int_map()
    unknown = lm.SerializeToString()
    # a Literal inside the map with an unknown field number 99 (varint 1)
    inner = literals_pb2.Literal()
    inner.scalar.primitive.integer = 1
    inner_bytes = inner.SerializeToString() + b"\x98\x06\x01"
    entry = b"\x0a\x01a" + b"\x12" + bytes([len(inner_bytes)]) + inner_bytes
    data = b"\x0a" + bytes([len(entry)]) + entry
    assert lv.parse_as(lv.KIND_LITERAL_MAP, data) == Failure(
        "not a literal_map: the bytes hold fields a literal_map does not have"
    )
    assert isinstance(lv.parse_as(lv.KIND_LITERAL_MAP, unknown), Success)


def test_unknown_fields_in_repeated_and_nested_messages() -> None:
    inner = literals_pb2.Literal()
    inner.scalar.primitive.integer = 1
    bad = inner.SerializeToString() + b"\x98\x06\x01"
    # Literal.collection (field 2) -> LiteralCollection.literals (field 1, repeated)
    collection = b"\x0a" + bytes([len(bad)]) + bad
    data = b"\x12" + bytes([len(collection)]) + collection
    assert isinstance(lv.parse_as(lv.KIND_LITERAL, data), Failure)
    # Literal.scalar (field 1) -> Scalar with an unknown field
    scalar = b"\x98\x06\x01"
    assert isinstance(lv.parse_as(lv.KIND_LITERAL, b"\x0a" + bytes([len(scalar)]) + scalar), Failure)


def test_a_map_whose_names_are_not_text_is_not_a_literal_map() -> None:
    lm = literals_pb2.LiteralMap()
    lm.literals["a\x01"].scalar.primitive.integer = 1
    assert lv.detect(lm.SerializeToString()).unwrap().kind != lv.KIND_LITERAL_MAP
    ok = literals_pb2.LiteralMap()
    ok.literals["line\n\ttab\r"].scalar.primitive.integer = 1
    assert lv.detect(ok.SerializeToString()).unwrap().kind == lv.KIND_LITERAL_MAP


def test_hint_for_name() -> None:
    assert lv.hint_for_name("s3://b/x/error.pb") == lv.KIND_ERROR_DOCUMENT
    assert lv.hint_for_name("error-0123abcd.pb") == lv.KIND_ERROR_DOCUMENT
    assert lv.hint_for_name("error-0123abcd.pbx") is None
    assert lv.hint_for_name("xerror-1.pb") is None
    assert lv.hint_for_name("out/futures.pb") == lv.KIND_DYNAMIC_JOB_SPEC
    assert lv.hint_for_name("o0_offloaded_metadata.pb") == lv.KIND_LITERAL
    assert lv.hint_for_name("/data/inputs.pb/") == lv.KIND_LITERAL_MAP
    assert lv.hint_for_name("outputs.pb") == lv.KIND_LITERAL_MAP
    assert lv.hint_for_name("other.pb") is None


def test_view_of_each_kind() -> None:
    assert lv.view(lv.Detected(lv.KIND_LITERAL_MAP, _int_map())) == {"a": 1}
    assert lv.view(lv.Detected(lv.KIND_LITERAL, _literal("scalar { primitive { integer: 5 } }"))) == 5
    assert lv.view(lv.Detected(lv.KIND_ERROR_DOCUMENT, _document("m")))["code"] == "USER:RuntimeError"
    spec = dynamic_job_pb2.DynamicJobSpec()
    assert lv.view(lv.Detected(lv.KIND_DYNAMIC_JOB_SPEC, spec))["nodes"] == []


def test_kinds() -> None:
    assert lv.KINDS == ("literal_map", "error_document", "literal", "dynamic_job_spec")


# ------------------------------------------------------------------------------------ offloaded inlining


def test_inline_offloaded_replaces_what_the_run_wrote() -> None:
    lm = literals_pb2.LiteralMap()
    lm.literals["o0"].offloaded_metadata.uri = "s3://b/run1/out/o0_offloaded_metadata.pb"
    lm.literals["o1"].offloaded_metadata.uri = "s3://b/run1/out/o1_offloaded_metadata.pb/"
    lm.literals["o2"].offloaded_metadata.uri = "s3://b/run1/out/missing.pb"
    lm.literals["o3"].scalar.primitive.integer = 3
    target = _literal("scalar { primitive { integer: 7 } }")
    files = {
        "o0_offloaded_metadata.pb": target.SerializeToString(),
        "o1_offloaded_metadata.pb": _literal("scalar { primitive { string_value: 's' } }").SerializeToString(),
    }
    inlined = lv.inline_offloaded(lm, files)
    assert lv.literal_map_view(inlined) == {
        "o0": 7,
        "o1": "s",
        "o2": {"offloaded": {"uri": "s3://b/run1/out/missing.pb", "size_bytes": 0}},
        "o3": 3,
    }
    assert lm.literals["o0"].WhichOneof("value") == "offloaded_metadata"  # the original is untouched


# ------------------------------------------------------------------------------------------ proto_view


def test_proto_view_uses_proto_field_names() -> None:
    literal = _literal("scalar { primitive { float_value: 1.5 } }")
    assert lv.proto_view(literal) == Success({"scalar": {"primitive": {"float_value": 1.5}}})


def test_proto_view_refuses_what_protobuf_json_cannot_hold() -> None:
    literal = _literal("scalar { primitive { datetime { seconds: 253402300800 } } }")
    result = lv.proto_view(literal)
    assert isinstance(result, Failure)
    assert result.failure().startswith("protobuf JSON cannot represent this message: ")
    # a Struct whose number is NaN: protobuf JSON has no text for it (json_format.Error)
    generic = literals_pb2.Literal()
    generic.scalar.generic.fields["x"].number_value = math.nan
    assert isinstance(lv.proto_view(generic), Failure)


def test_names_and_messages_with_spaces_are_text() -> None:
    lm = literals_pb2.LiteralMap()
    lm.literals["a b"].scalar.primitive.integer = 1
    assert lv.detect(lm.SerializeToString()).unwrap().kind == lv.KIND_LITERAL_MAP


def test_an_error_document_needs_a_code_or_a_message() -> None:
    only_code = errors_pb2.ErrorDocument()
    only_code.error.code = "USER:ValueError"
    assert lv.detect(only_code.SerializeToString()).unwrap().kind == lv.KIND_ERROR_DOCUMENT
    only_message = errors_pb2.ErrorDocument()
    only_message.error.message = "it failed"
    assert lv.detect(only_message.SerializeToString()).unwrap().kind == lv.KIND_ERROR_DOCUMENT


def test_the_hint_breaks_a_tie() -> None:
    # a DynamicJobSpec whose only node has only an id reads as an ErrorDocument too (the id is a code):
    # the error document comes first unless the file's name says futures.pb
    spec = dynamic_job_pb2.DynamicJobSpec()
    spec.nodes.add(id="n0")
    data = spec.SerializeToString()
    assert lv.detect(data).unwrap().kind == lv.KIND_ERROR_DOCUMENT
    assert lv.detect(data, lv.hint_for_name("futures.pb")).unwrap() == lv.Detected(lv.KIND_DYNAMIC_JOB_SPEC, spec)
