"""The type engine's dispatcher (core/type_engine/engine.py): resolution, caches, per-value checks, the sink, errors.

flytekit's wording (the tuple, None and container checks of ``TypeEngine.to_literal``, and ``str()`` of its
LiteralType models, which those messages embed) was taken from flytekit 1.16.31 in ``.oracle-venv`` for the same
types and values. The rest is the module's documented contract: names derived from the seed, reads and uploads
collected in the sink, caches that never change an answer, failures as values.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import hashlib
import pickle
import subprocess
import sys
import typing
from typing import Annotated, Any, Dict, List

import pytest
from flyteidl.core import literals_pb2, types_pb2
from returns.result import Failure, Success

from flyte_entrypoint.core.type_engine import registry
from flyte_entrypoint.core.type_engine.annotated import FlyteAnnotation, HashMethod
from flyte_entrypoint.core.type_engine.dataframe import kwtypes
from flyte_entrypoint.core.type_engine.engine import (
    DEFAULT_CONTEXT,
    PENDING,
    BlobMissing,
    BlobRead,
    BlobsNeeded,
    ConversionContext,
    ConversionError,
    Engine,
    Sink,
    UnsupportedTypeError,
    Upload,
    UploadBytes,
    as_conversion_error,
    default_engine,
    describe_value,
    idl_text,
    literal_type_of,
    to_literal,
    to_python,
    type_name,
)
from flyte_entrypoint.core.type_engine.pickled import AllowPickle
from flyte_entrypoint.flyte_schema import FlyteSchema

ENGINE = registry.ENGINE


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


@dataclasses.dataclass
class DC:
    a: int
    b: str


LongEnum = enum.Enum("LongEnum", {f"V{i}": f"value-number-{i}" for i in range(8)})  # type: ignore[misc]


class Opaque:
    def __init__(self, n: int) -> None:
        self.n = n


def failure(result: Any) -> ConversionError:
    assert isinstance(result, Failure), result
    err = result.failure()
    assert isinstance(err, ConversionError)
    return err


def int_literal(n: int) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.primitive.integer = n
    return lit


class Marker:
    """A python type only the test transformers below own."""


class Counting:
    """Owns ``Marker``; counts how often the engine asks it (to see the caches at work)."""

    name = "counting"

    def __init__(self) -> None:
        self.asked = 0
        self.typed = 0

    def handles(self, tp: Any) -> bool:
        self.asked += 1
        return tp is Marker or isinstance(tp, Marker)

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        self.typed += 1
        return types_pb2.LiteralType(simple=types_pb2.SimpleType.INTEGER)

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        return int_literal(value)

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        return literal.scalar.primitive.integer


# -- flytekit's per-value checks, in its words ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("tp", "text"),
    [
        (int, "<class 'int'>/Flyte Serialized object (LiteralType):\n  simple: 1"),
        (datetime.datetime, "<class 'datetime.datetime'>/Flyte Serialized object (LiteralType):\n  simple: 5"),
        (List[int], "typing.List[int]/Flyte Serialized object (LiteralType):\n  collection_type:\n    simple: 1"),
        (
            Dict[str, List[int]],
            "typing.Dict[str, typing.List[int]]/Flyte Serialized object (LiteralType):\n"
            "  map_value_type:\n    collection_type:\n      simple: 1",
        ),
        (Color, f"{Color}/Flyte Serialized object (LiteralType):\n  enum_type:\n    values: ['red', 'green']"),
        (
            LongEnum,
            f"{LongEnum}/Flyte Serialized object (LiteralType):\n  enum_type:\n    values: ['value-number-0',"
            " 'value-number-1', 'value-number-2', 'value-number-3', [...]",
        ),
        (FlyteSchema, f"{FlyteSchema}/Flyte Serialized object (LiteralType):\n"),
        (
            FlyteSchema[kwtypes(a=int)],
            f"{FlyteSchema[kwtypes(a=int)]}/Flyte Serialized object (LiteralType):\n  schema:\n    columns: [name: \"a\" ]",
        ),
    ],
    ids=["int", "datetime", "list", "dict", "enum", "long-enum", "empty-schema", "schema"],
)
def test_none_is_refused_naming_the_literal_type_as_flytekit_prints_it(tp: Any, text: str) -> None:
    err = failure(to_literal(None, tp))
    assert err.kind == "TypeTransformerFailedError"
    assert err.message == "Python value cannot be None, expected " + text


def test_a_tuple_is_refused_in_flytekits_words() -> None:
    err = failure(to_literal((1, 2), int))
    assert err.kind == "AssertionError"
    assert err.message == (
        "Tuples are not a supported type for individual values in Flyte - got a tuple - (1, 2). If using named tuple"
        " in an inner task, please, de-reference theactual attribute that you want to use. For example, in"
        " NamedTuple('OP', x=int) thenreturn v.x, instead of v, even if this has a single element"
    )


def test_a_tuple_that_cannot_print_itself_is_still_refused() -> None:
    class Mute(tuple):  # type: ignore[type-arg]
        def __str__(self) -> str:
            raise RuntimeError("no str")

    err = failure(to_literal(Mute((1,)), int))
    assert "got a tuple - <unprintable Mute>. If using" in err.message


@pytest.mark.parametrize(
    ("value", "tp", "message"),
    [
        ("x", list[int], "Value 'x' is not of container type <class 'list'>"),
        ({"a": 1}, list[int], "Value '{'a': 1}' is not of container type <class 'list'>"),
        ("x", dict[str, int], "Value 'x' is not of container type <class 'dict'>"),
    ],
)
def test_a_builtin_generic_needs_an_instance_of_its_origin(value: Any, tp: Any, message: str) -> None:
    assert failure(to_literal(value, tp)).message == message


def test_a_builtin_generic_takes_an_instance_of_its_origin() -> None:
    assert to_literal([1, 2], list[int]).unwrap().value == to_literal([1, 2], List[int]).unwrap().value


class AnyValue(Counting):
    """A user's transformer for ``typing.Any`` (flytekit lets None through to it)."""

    def handles(self, tp: Any) -> bool:
        return tp is Any

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        lit = literals_pb2.Literal()
        lit.scalar.none_type.SetInParent()
        return lit


def test_none_is_a_value_of_optional_none_and_any() -> None:
    assert to_literal(None, typing.Optional[int]).unwrap().value.scalar.union.value.scalar.HasField("none_type")
    assert to_literal(None, type(None)).unwrap().value.scalar.HasField("none_type")
    assert to_literal(None, Any, engine=Engine([AnyValue()])).unwrap().value.scalar.HasField("none_type")


def test_the_hash_method_sets_the_literals_hash() -> None:
    lit = to_literal(7, Annotated[int, HashMethod(lambda v: f"h{v}")]).unwrap().value
    assert (lit.scalar.primitive.integer, lit.hash) == (7, "h7")
    assert to_literal(7, int).unwrap().value.hash == ""


def test_a_transformer_that_claims_an_annotated_type_still_gets_its_hash_method() -> None:
    tp = Annotated[Opaque, AllowPickle, HashMethod(lambda v: f"n={v.n}")]
    assert ENGINE.tag_of(tp) == "FlytePickle"
    converted = to_literal(Opaque(3), tp, ConversionContext(raw_output_prefix="s3://b/raw")).unwrap()
    assert converted.value.hash == "n=3"
    first = Annotated[Opaque, HashMethod(lambda v: "first"), AllowPickle, HashMethod(lambda v: "second")]
    assert to_literal(Opaque(3), first, ConversionContext(raw_output_prefix="s3://b/raw")).unwrap().value.hash == "first"


# -- resolution -----------------------------------------------------------------------------------------------


def test_annotated_metadata_reaches_the_literal_type_and_the_plain_type_reaches_the_transformer() -> None:
    tp = Annotated[int, FlyteAnnotation({"k": 1})]
    r = ENGINE.resolve(tp)
    assert (r.tp, r.declared, r.annotation, r.transformer.name) == (int, tp, {"k": 1}, "int")
    assert literal_type_of(tp).unwrap().annotation.annotations["k"] == 1
    assert ENGINE.plain_literal_type(tp) == types_pb2.LiteralType(simple=types_pb2.SimpleType.INTEGER)
    assert ENGINE.plain_literal_type(List[int]) == ENGINE.literal_type(List[int])
    nested = Annotated[Annotated[int, HashMethod(lambda v: "x")], FlyteAnnotation({"k": 2})]
    assert ENGINE.resolve(nested).annotation == {"k": 2}


def test_a_lazy_transformer_is_resolved_to_the_real_one() -> None:
    from flyte_entrypoint.core.type_engine import flyte_schema
    from flyte_entrypoint.flyte_schema import FlyteSchema

    assert ENGINE.resolve(FlyteSchema).transformer is flyte_schema.FLYTE_SCHEMA
    assert ENGINE.transformer_for(FlyteSchema) is flyte_schema.FLYTE_SCHEMA


def test_what_the_engine_knows_of_a_transformer() -> None:
    assert ENGINE.resolve(int).accepts_none is False
    assert ENGINE.resolve(typing.Optional[int]).accepts_none is True
    assert ENGINE.resolve(int).hasher is None
    assert Engine([Counting()]).resolve(Marker).write is None
    writer = WriteOnly()
    assert Engine([writer]).resolve(Marker).write == writer.write


def test_an_unsupported_type_is_named() -> None:
    with pytest.raises(UnsupportedTypeError) as info:
        Engine([Counting()]).resolve(int)
    assert str(info.value) == "Type int is not supported by flyte-entrypoint's type engine"
    err = failure(literal_type_of(Annotated[Opaque, "meta"]))
    assert isinstance(err, UnsupportedTypeError)
    assert err.message == f"Type {Annotated[Opaque, 'meta']!r} is not supported by flyte-entrypoint's type engine"


@pytest.mark.parametrize(
    ("tp", "name"),
    [
        (int, "int"),
        (datetime.date, "date"),
        (type(None), "NoneType"),
        (Color, f"{__name__}.Color"),
        (List[int], "typing.List[int]"),
        (list[int], "list[int]"),
        (None, "None"),
        (3, "3"),
    ],
)
def test_type_names_in_messages(tp: Any, name: str) -> None:
    assert type_name(tp) == name


def test_default_engine_is_the_registrys() -> None:
    assert default_engine() is registry.ENGINE


# -- caches: they never change an answer ----------------------------------------------------------------------


def test_a_type_is_resolved_and_typed_once() -> None:
    counting = Counting()
    engine = Engine([counting])
    assert engine.resolve(Marker) is engine.resolve(Marker)
    assert counting.asked == 1
    assert engine.literal_type(Marker) == engine.literal_type(Marker)
    assert counting.typed == 1


def test_the_literal_type_is_a_fresh_message_each_time() -> None:
    first = ENGINE.literal_type(List[int])
    first.collection_type.simple = types_pb2.SimpleType.STRING
    assert ENGINE.literal_type(List[int]).collection_type.simple == types_pb2.SimpleType.INTEGER


def test_each_cache_holds_at_most_4096_types() -> None:
    counting = Counting()
    engine = Engine([counting])
    kept = [Marker() for _ in range(4097)]  # distinct objects, kept alive: distinct ids
    for tp in kept[:4096]:
        engine.resolve(tp)
        engine.literal_type(tp)
    asked, typed = counting.asked, counting.typed
    engine.resolve(kept[0])
    engine.literal_type(kept[0])
    assert (counting.asked, counting.typed) == (asked, typed)  # all 4096 still cached
    engine.resolve(kept[4096])  # the 4097th drops the others
    engine.literal_type(kept[4096])
    engine.resolve(kept[0])
    engine.literal_type(kept[0])
    assert (counting.asked, counting.typed) == (asked + 2, typed + 2)


def test_put_first_makes_a_transformer_the_owner_of_already_resolved_types() -> None:
    engine = Engine(registry._transformers())
    assert engine.tag_of(int) == "int"
    assert engine.literal_type(int).simple == types_pb2.SimpleType.INTEGER

    class MyInt:
        name = "my int"

        def handles(self, tp: Any) -> bool:
            return tp is int

        def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
            return types_pb2.LiteralType(simple=types_pb2.SimpleType.STRING)

    mine = MyInt()
    engine.put_first(mine)
    assert engine.tag_of(int) == "my int"
    assert engine.literal_type(int).simple == types_pb2.SimpleType.STRING
    assert engine.tag_of(str) == "str"
    count = len(engine.transformers)
    engine.put_first(mine)
    assert len(engine.transformers) == count
    assert engine.transformers[0] is mine


def test_forget_drops_what_the_engine_found() -> None:
    counting = Counting()
    engine = Engine([counting])
    engine.resolve(Marker)
    engine.literal_type(Marker)
    engine.forget()
    engine.resolve(Marker)
    engine.literal_type(Marker)
    assert (counting.asked, counting.typed) == (2, 2)


# -- the transformer's in-place writer ------------------------------------------------------------------------


class WriteOnly(Counting):
    """Fills the target in place; its ``to_literal`` must not be used when ``write`` exists."""

    def write(self, value: Any, tp: Any, engine: Engine, sink: Sink, target: literals_pb2.Literal) -> None:
        target.scalar.primitive.integer = value + 1000

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        raise AssertionError("the engine must use write")


def test_the_engine_uses_the_in_place_writer_when_there_is_one() -> None:
    engine = Engine([WriteOnly()])
    assert to_literal(1, Marker, engine=engine).unwrap().value.scalar.primitive.integer == 1001
    assert engine.variant_literal(1, Marker, Sink(DEFAULT_CONTEXT)).scalar.primitive.integer == 1001


def test_a_union_variant_is_the_transformer_alone_without_the_hash() -> None:
    tp = Annotated[int, HashMethod(lambda v: "h")]
    assert ENGINE.variant_literal(5, tp, Sink(DEFAULT_CONTEXT)) == int_literal(5)
    engine = Engine([Counting()])
    assert engine.variant_literal(5, Marker, Sink(DEFAULT_CONTEXT)) == int_literal(5)


def test_reading_with_a_resolved_type() -> None:
    sink = Sink(DEFAULT_CONTEXT)
    assert ENGINE.read_with(ENGINE.resolve(int), int_literal(9), sink) == 9
    assert ENGINE.to_python(int_literal(9), int, sink) == 9
    target = literals_pb2.Literal()
    ENGINE.write_with(ENGINE.resolve(int), 4, sink, target)
    assert target == int_literal(4)


# -- failures are values --------------------------------------------------------------------------------------


class Raises(Counting):
    def __init__(self, exc: Exception) -> None:
        super().__init__()
        self.exc = exc

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        raise self.exc

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        raise self.exc

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        raise self.exc


def test_an_exception_becomes_a_conversion_error_naming_it() -> None:
    cause = ValueError("bad value")
    engine = Engine([Raises(cause)])
    for result in (
        literal_type_of(Marker, engine),
        to_literal(1, Marker, engine=engine),
        to_python(int_literal(1), Marker, engine=engine),
    ):
        err = failure(result)
        assert (err.message, err.kind, err.__cause__) == ("ValueError: bad value", "TypeTransformerFailedError", cause)


def test_a_conversion_error_is_returned_as_it_is() -> None:
    own = ConversionError("mine", kind="AssertionError")
    engine = Engine([Raises(own)])
    assert failure(to_literal(1, Marker, engine=engine)) is own
    assert failure(to_python(int_literal(1), Marker, engine=engine)) is own
    assert as_conversion_error(own) is own


class Forever(Counting):
    """Recurses into the same type without end (a self-referential type, an absurdly deep value)."""

    def literal_type(self, tp: Any, engine: Engine) -> types_pb2.LiteralType:
        return engine.literal_type(tp)

    def to_literal(self, value: Any, tp: Any, engine: Engine, sink: Sink) -> literals_pb2.Literal:
        return engine.to_literal(value, tp, sink)

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        return engine.to_python(literal, tp, sink)


def test_endless_recursion_is_a_failure_naming_the_type() -> None:
    engine = Engine([Forever()])
    name = f"{__name__}.Marker"
    assert failure(literal_type_of(Marker, engine)).message == f"Type {name} is nested too deeply"
    assert failure(to_literal(1, Marker, engine=engine)).message == f"The value for {name} is nested too deeply"
    assert failure(to_python(int_literal(1), Marker, engine=engine)).message == (
        f"The literal for {name} is nested too deeply"
    )


class ReadsThen(Counting):
    """Asks for a blob, then fails (as a decoder fed a placeholder may)."""

    def __init__(self, exc: BaseException) -> None:
        super().__init__()
        self.exc = exc

    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        sink.read_file("s3://b/blob")
        raise self.exc


@pytest.mark.parametrize("exc", [ValueError("placeholder"), RecursionError()])
def test_a_failure_after_a_missing_read_asks_for_the_blob(exc: BaseException) -> None:
    err = failure(to_python(int_literal(1), Marker, engine=Engine([ReadsThen(exc)])))
    assert isinstance(err, BlobsNeeded)
    assert err.reads == (BlobRead("s3://b/blob"),)


class ReadsFile(Counting):
    def to_python(self, literal: literals_pb2.Literal, tp: Any, engine: Engine, sink: Sink) -> Any:
        data = sink.read_file("s3://b/one")
        return PENDING if data is None else data


def test_a_conversion_answers_once_its_blobs_are_given() -> None:
    engine = Engine([ReadsFile()])
    err = failure(to_python(int_literal(1), Marker, engine=engine))
    assert isinstance(err, BlobsNeeded)
    assert err.message == "the conversion needs data from storage first: s3://b/one"
    given = ConversionContext(blobs={BlobRead("s3://b/one"): b"data"})
    assert to_python(int_literal(1), Marker, given, engine) == Success(b"data")
    gone = failure(to_python(int_literal(1), Marker, ConversionContext(blobs={BlobRead("s3://b/one"): None}), engine))
    assert isinstance(gone, BlobMissing)
    assert (gone.uri, gone.kind, gone.message) == ("s3://b/one", "FlyteDataNotFoundException", "the blob s3://b/one does not exist")


def test_blobs_needed_names_every_read() -> None:
    err = BlobsNeeded((BlobRead("s3://b/a"), BlobRead("s3://b/d", is_directory=True)))
    assert str(err) == "the conversion needs data from storage first: s3://b/a, s3://b/d"
    assert err.kind == "TypeTransformerFailedError"
    assert repr(PENDING) == "<pending blob>"


# -- ConversionError ------------------------------------------------------------------------------------------


def test_a_conversion_errors_path_is_shown_before_its_message() -> None:
    err = ConversionError("bad")
    assert (str(err), err.path, err.kind) == ("bad", "", "TypeTransformerFailedError")
    assert err.under('["k"]') is err
    assert err.under("o0") is err
    assert (str(err), err.path, err.message) == ('o0["k"]: bad', 'o0["k"]', "bad")


def test_a_conversion_error_is_an_ordinary_exception_of_its_message() -> None:
    err = ConversionError("bad", path="[1]", kind="ValueError")
    assert err.args == ("bad",)
    assert ConversionError(message="named").args == ("named",)
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.message, copy.path, copy.kind) == ("bad", "[1]", "ValueError")


# -- the sink: names, uploads, reads ------------------------------------------------------------------------------


def nth_name(seed: str, n: int) -> str:
    return hashlib.sha256(f"{seed}:{n}".encode()).hexdigest()[:32]


def test_names_are_the_seeds_sha256_per_call() -> None:
    sink = Sink(ConversionContext(name_seed="ab" * 16))
    assert [sink.unique_hex() for _ in range(3)] == [nth_name("ab" * 16, n) for n in (1, 2, 3)]


def test_a_forked_child_continues_the_names_and_the_parent_skips_them() -> None:
    seed = "cd" * 16
    parent = Sink(ConversionContext(name_seed=seed))
    parent.unique_hex()
    kept, dropped = parent.fork(), parent.fork()
    assert kept.unique_hex() == nth_name(seed, 2)
    kept.plan_bytes("s3://b/kept", b"k")
    kept.read_file("s3://b/k")
    parent.adopt(kept)
    assert parent.unique_hex() == nth_name(seed, 3)
    dropped.unique_hex(), dropped.unique_hex(), dropped.unique_hex(), dropped.unique_hex()
    dropped.plan_upload(Upload("/l", "s3://b/dropped"))
    dropped.read_directory("s3://b/d")
    parent.skip_names(dropped)
    assert parent.unique_hex() == nth_name(seed, 6)
    assert parent.uploads == [UploadBytes("s3://b/kept", b"k")]
    assert list(parent.reads) == [BlobRead("s3://b/k"), BlobRead("s3://b/d", is_directory=True)]


def test_reads_are_recorded_once_in_the_order_asked() -> None:
    sink = Sink(DEFAULT_CONTEXT)
    assert sink.read_file("s3://b/f") is None
    assert sink.read_directory("s3://b/d") is None
    assert sink.read_file("s3://b/f") is None
    assert list(sink.reads) == [BlobRead("s3://b/f", False), BlobRead("s3://b/d", True)]
    given = Sink(ConversionContext(blobs={BlobRead("s3://b/d", True): {"x": b"1"}, BlobRead("s3://b/f"): b"2"}))
    assert (given.read_directory("s3://b/d"), given.read_file("s3://b/f"), given.reads) == ({"x": b"1"}, b"2", {})


def test_plans_are_kept_in_order() -> None:
    sink = Sink(DEFAULT_CONTEXT)
    sink.plan_upload(Upload("/a", "s3://b/a"))
    sink.plan_bytes("s3://b/c", b"c")
    assert sink.uploads == [Upload("/a", "s3://b/a", is_directory=False), UploadBytes("s3://b/c", b"c")]
    assert Upload("/a", "s3://b/a").is_directory is False
    assert BlobRead("s3://b/a").is_directory is False


# -- the context ----------------------------------------------------------------------------------------------


def test_the_default_context_plans_nothing_anywhere_and_writes_dataclasses_as_msgpack() -> None:
    assert (DEFAULT_CONTEXT.raw_output_prefix, DEFAULT_CONTEXT.local_sandbox) == ("", "")
    assert DEFAULT_CONTEXT.name_seed == "0" * 32
    assert DEFAULT_CONTEXT.use_old_dc_format is False
    assert to_literal(DC(1, "x"), DC).unwrap().value.scalar.WhichOneof("value") == "binary"  # flytekit 1.16's default


def test_contexts_compare_and_hash_by_their_settings_not_their_data() -> None:
    a = ConversionContext(raw_output_prefix="s3://b", blobs={BlobRead("u"): b"1"}, classes={"X": int}, handler_context=1)
    b = ConversionContext(raw_output_prefix="s3://b")
    assert a == b
    assert hash(a) == hash(b)
    assert a != ConversionContext(raw_output_prefix="s3://c")


# -- messages ---------------------------------------------------------------------------------------------------


def test_idl_text_prints_messages_as_flytekits_models_do() -> None:
    """Expected: ``str(flytekit.models...from_flyte_idl(message))`` in flytekit 1.16.31."""
    blob = types_pb2.LiteralType(blob=types_pb2.BlobType(format="PDX", dimensionality=1))
    assert idl_text(blob) == "Flyte Serialized object (LiteralType):\n  blob:\n    format: PDX\n    dimensionality: 1"
    tagged = types_pb2.LiteralType(simple=types_pb2.SimpleType.STRING)
    tagged.annotation.annotations.update({})  # set but empty: left out
    tagged.structure.tag = "Some Tag"
    assert idl_text(tagged) == "Flyte Serialized object (LiteralType):\n  simple: 3\n  structure:\n    tag: Some Tag"
    spaced = literals_pb2.Literal()
    spaced.scalar.primitive.string_value = "  many   spaces\n\tand lines  "
    assert idl_text(spaced) == (
        "Flyte Serialized object (Literal):\n  scalar:\n    primitive:\n      string_value: many spaces and lines"
    )
    spaced.scalar.primitive.string_value = "   "
    assert idl_text(spaced) == "Flyte Serialized object (Literal):\n  scalar:\n    primitive:"
    format_last = types_pb2.LiteralType(blob=types_pb2.BlobType(format="PDX"))
    assert idl_text(format_last) == "Flyte Serialized object (LiteralType):\n  blob:\n    format: PDX"


def test_idl_text_cuts_a_value_to_80_characters_at_a_word() -> None:
    text = literals_pb2.Literal()
    text.scalar.primitive.string_value = "a" * 40 + " " + "b" * 39  # 80: kept
    assert idl_text(text).endswith("string_value: " + "a" * 40 + " " + "b" * 39)
    text.scalar.primitive.string_value = "a" * 40 + " " + "b" * 40  # 81: cut
    assert idl_text(text).endswith("string_value: " + "a" * 40 + " [...]")


def test_describe_value_is_a_bounded_repr_with_the_type() -> None:
    assert describe_value("x") == "'x' (str)"
    exact = "a" * 78  # repr adds the quotes: 80 characters, not cut
    assert describe_value(exact) == f"'{exact}' (str)"
    longer = "a" * 79
    assert describe_value(longer) == "'" + "a" * 76 + "... (str)"
    assert describe_value([1, 2], limit=4) == "[... (list)"

    class Mute:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    assert describe_value(Mute()) == "<unprintable Mute> (test_describe_value_is_a_bounded_repr_with_the_type.<locals>.Mute)"


def test_importing_the_engine_does_not_import_flyteidl() -> None:
    code = (
        "import sys, flyte_entrypoint.core.type_engine.engine as e; "
        "print(sorted(m for m in sys.modules if m.startswith('flyteidl')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_stored_file_the_caller_found_missing_is_a_conversion_error_naming_it() -> None:
    """``Sink.read_stored``: the bytes, None while unread (recorded), or — for a file found missing — the error a
    transformer reports, ``<what> at <uri>: it does not exist`` (the pickle, array and JSON-lines readers')."""
    missing = Sink(ConversionContext(blobs={BlobRead("s3://b/gone"): None, BlobRead("s3://b/here"): b"x"}))
    with pytest.raises(ConversionError) as refused:
        missing.read_stored("s3://b/gone", "cannot read the pickle")
    assert str(refused.value) == "cannot read the pickle at s3://b/gone: it does not exist"
    assert isinstance(refused.value.__cause__, BlobMissing)
    assert missing.read_stored("s3://b/here", "cannot read the pickle") == b"x"
    unread = Sink(DEFAULT_CONTEXT)
    assert unread.read_stored("s3://b/f", "cannot read the pickle") is None
    assert list(unread.reads) == [BlobRead("s3://b/f", False)]
