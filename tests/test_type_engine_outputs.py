"""outputs.py: output names from the return annotation, the outputs map, the typed interface.

flytekit 1.16's rules are in PROTOCOL.md 10.7; interfaces below were produced by flytekit 1.16.31's
``transform_interface_to_typed_interface(transform_function_to_interface(f))``. The error texts for shapes
flytekit does not reject are ours (outputs.py's docstring lists those differences).
"""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple, Tuple

from flyteidl.core import literals_pb2, types_pb2
from google.protobuf import text_format
from returns.result import Failure

from flyte_entrypoint.core.type_engine import outputs, registry
from flyte_entrypoint.core.type_engine.annotated import FlyteAnnotation
from flyte_entrypoint.core.type_engine.engine import Engine, Sink


class Pair(NamedTuple):
    x: Annotated[int, FlyteAnnotation({"u": "s"})]
    y: str


class Broken(NamedTuple):
    x: NoSuchType  # type: ignore[name-defined]  # noqa: F821


class _Raises:
    """A transformer for ``_Raises`` whose every conversion raises ``exc`` (how deep recursion looks)."""

    name = "Raises"

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def handles(self, tp: Any) -> bool:
        return tp is _Raises

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        raise self.exc

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        raise self.exc

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        raise self.exc


def _engine(exc: BaseException) -> Engine:
    return Engine([_Raises(exc), *registry._transformers()])


def text(message: Any) -> str:
    return text_format.MessageToString(message, as_one_line=True)


def test_a_named_tuple_keeps_annotated_field_types_in_the_interface() -> None:
    sig = outputs.output_signature(Pair).unwrap()
    assert sig.names == ("x", "y") and sig.tuple_name == "Pair"
    assert text(outputs.typed_interface({"a": int}, sig).unwrap()) == (
        'inputs { variables { key: "a" value { type { simple: INTEGER } description: "a" } } } outputs { variables'
        ' { key: "x" value { type { simple: INTEGER annotation { annotations { fields { key: "u" value {'
        ' string_value: "s" } } } } } description: "x" } } variables { key: "y" value { type { simple: STRING }'
        ' description: "y" } } }'
    )


def test_a_named_tuple_whose_field_types_cannot_be_resolved_is_an_error() -> None:
    failure = outputs.output_signature(Broken).failure()
    assert str(failure) == "Cannot resolve the field types of Broken: name 'NoSuchType' is not defined"


def test_a_bare_tuple_is_rejected() -> None:
    assert str(outputs.output_signature(tuple).failure()) == (
        "A bare tuple return type is not supported; use Tuple[A, B, ...]"
    )
    assert str(outputs.output_signature(Tuple).failure()) == (
        "A bare tuple return type is not supported; use Tuple[A, B, ...]"
    )


def test_a_mapping_returned_for_several_outputs_is_not_a_sequence_of_them() -> None:
    sig = outputs.output_signature(Tuple[int, int]).unwrap()
    failure = outputs.outputs_to_literal_map({"a": 1, "b": 2}, sig, "t").failure()
    assert (failure.message, failure.kind, failure.output) == (
        "The task declares 2 outputs ['o0', 'o1'] but returned {'a': 1, 'b': 2} (dict), which is not a sequence of "
        "that many values",
        "TypeError",
        "",
    )


def test_a_sequence_that_iterates_further_than_it_indexes_is_not_a_sequence_of_the_outputs() -> None:
    class Ragged:
        def __iter__(self) -> Any:
            return iter([1, 2])

        def __getitem__(self, i: int) -> int:
            if i > 0:
                raise IndexError(i)
            return 1

        def __repr__(self) -> str:
            return "Ragged()"

    sig = outputs.output_signature(Tuple[int, int]).unwrap()
    failure = outputs.outputs_to_literal_map(Ragged(), sig, "t").failure()
    assert (failure.kind, failure.output) == ("TypeError", "")
    assert failure.message.startswith("The task declares 2 outputs ['o0', 'o1'] but returned Ragged() (")


def test_the_wrong_count_is_a_value_error_of_no_output() -> None:
    sig = outputs.output_signature(Tuple[int, int]).unwrap()
    failure = outputs.outputs_to_literal_map([1, 2, 3], sig, "t").failure()
    assert (failure.message, failure.kind, failure.output) == (
        "The task declares 2 outputs ['o0', 'o1'] but returned 3 values",
        "ValueError",
        "",
    )


def test_a_tuple_for_one_output_is_flytekits_type_error() -> None:
    sig = outputs.output_signature(int).unwrap()
    failure = outputs.outputs_to_literal_map((1, 2), sig, "wf.t").failure()
    assert (failure.kind, failure.output, failure.is_tuple_error) == ("TypeError", "o0", True)


def test_an_output_nested_too_deeply_is_a_failure_of_that_output() -> None:
    sig = outputs.OutputSignature(("o0",), (_Raises,))
    failure = outputs.outputs_to_literal_map(1, sig, "t", engine=_engine(RecursionError())).failure()
    assert failure.message == (
        "Failed to convert outputs of task 't' at position 0.\n"
        "Failed to convert type <class 'int'> to type <class 'test_type_engine_outputs._Raises'>.\n"
        "Error Message: the value is nested too deeply."
    ).replace("test_type_engine_outputs", __name__)
    assert failure.output == "o0"


def test_reading_a_literal_nested_too_deeply_names_it() -> None:
    lm = literals_pb2.LiteralMap()
    lm.literals["a"].scalar.primitive.integer = 1
    failure = outputs.literal_map_to_values(lm, {"a": _Raises}, engine=_engine(RecursionError())).failure()
    assert (str(failure), failure.path) == ("a: the literal is nested too deeply", "a")


def test_reading_a_literal_that_fails_names_it_in_the_path() -> None:
    lm = literals_pb2.LiteralMap()
    lm.literals["a"].scalar.primitive.integer = 1
    failure = outputs.literal_map_to_values(lm, {"a": _Raises}, engine=_engine(ValueError("bad"))).failure()
    assert (failure.message, failure.path) == ("ValueError: bad", "a")


def test_an_unsupported_variable_type_fails_under_its_name() -> None:
    failure = outputs.variable_map({"n": int, "bad": object}).failure()
    assert failure.path == "bad"
    assert failure.message == "Type object is not supported by flyte-entrypoint's type engine"


def test_typed_interface_fails_for_a_bad_input_or_output() -> None:
    bad_input = outputs.typed_interface({"i": object}, {"o": int})
    bad_output = outputs.typed_interface({"i": int}, {"o": object})
    assert isinstance(bad_input, Failure) and bad_input.failure().path == "i"
    assert isinstance(bad_output, Failure) and bad_output.failure().path == "o"


def test_without_a_task_name_messages_name_the_empty_task() -> None:
    sig = outputs.output_signature(int).unwrap()
    failure = outputs.outputs_to_literal_map((1, 2), sig).failure()
    assert failure.message == "Output(o0) in task '' received a tuple (1, 2), instead of <class 'int'>"
