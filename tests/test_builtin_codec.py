"""The builtins codec (``core/type_engine/builtin_codec.py`` and its steps, ``codec_steps.py``) against mashumaro.

flytekit 1.16 writes a dataclass as ``MessagePackEncoder(cls).encode(value)`` (new format) or
``JSONEncoder(cls).encode(value)`` (old format) and reads with the matching decoders (mashumaro 3.23).
Every expected value below was produced by those encoders/decoders in the oracle venv (flytekit==1.16.31,
mashumaro 3.23), for the same types and values.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import json
import os
import pathlib
import typing
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, List, Literal, Optional, Set, Tuple, Union

import msgpack
import pytest

from flyte_entrypoint.core.type_engine.builtin_codec import codec_for, from_builtins, to_builtins
from flyte_entrypoint.core.type_engine.engine import ConversionError, Engine, Sink, UnsupportedTypeError
from flyte_entrypoint.core.type_engine.leaf_codecs import Conversion


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


@dataclass
class Inner:
    n: int


@dataclass
class Kitchen:
    raw: bytes
    ba: bytearray
    when: datetime.datetime
    day: datetime.date
    at: datetime.time
    span: datetime.timedelta
    money: decimal.Decimal
    ident: uuid.UUID
    color: Color
    level: Level
    where: pathlib.PurePosixPath
    ints: Set[int]
    names: FrozenSet[str]
    rest: Tuple[int, ...]
    empty: Tuple[()]
    pair: Tuple[int, str]
    dated: Dict[int, datetime.date]
    mode: Literal["r", "w"]
    either: Union[int, str]
    maybe_day: Optional[datetime.date]
    anything: Any
    inners: List[Inner]
    spans: Dict[str, List[datetime.timedelta]]
    bare_list: list  # type: ignore[type-arg]
    bare_tuple: tuple  # type: ignore[type-arg]
    bare_dict: dict  # type: ignore[type-arg]
    opt_inner: Optional[Inner] = None
    dflt: int = 3


KITCHEN = Kitchen(
    raw=b"\x00\x01\xff",
    ba=bytearray(b"ab"),
    when=datetime.datetime(2024, 1, 2, 3, 4, 5, 6),
    day=datetime.date(2024, 2, 29),
    at=datetime.time(1, 2, 3),
    span=datetime.timedelta(days=1, seconds=1.5),
    money=decimal.Decimal("1.10"),
    ident=uuid.UUID("12345678-1234-5678-1234-567812345678"),
    color=Color.GREEN,
    level=Level.HIGH,
    where=pathlib.PurePosixPath("/a/b"),
    ints={3},
    names=frozenset({"x"}),
    rest=(1, 2),
    empty=(),
    pair=(1, "p"),
    dated={1: datetime.date(2020, 1, 1)},
    mode="w",
    either="s",
    maybe_day=datetime.date(2021, 5, 6),
    anything={"k": [1]},
    inners=[Inner(1), Inner(2)],
    spans={"a": [datetime.timedelta(seconds=2)]},
    bare_list=[1, "x"],
    bare_tuple=(1, 2),
    bare_dict={"a": 1},
    opt_inner=Inner(5),
)

# MessagePackEncoder(Kitchen).encode(KITCHEN), flytekit 1.16.31 / mashumaro 3.23
KITCHEN_MSGPACK = bytes.fromhex(
    "de001ca3726177c4030001ffa26261c4026162a47768656eba323032342d30312d30325430333a30343a30352e303030303036a364"
    "6179aa323032342d30322d3239a26174a830313a30323a3033a47370616ecb40f5181800000000a56d6f6e6579a4312e3130a569"
    "64656e74d92431323334353637382d313233342d353637382d313233342d353637383132333435363738a5636f6c6f72a5677265"
    "656ea56c6576656c02a57768657265a42f612f62a4696e74739103a56e616d657391a178a472657374920102a5656d7074799"
    "0a4706169729201a170a564617465648101aa323032302d30312d3031a46d6f6465a177a6656974686572a173a96d617962655f"
    "646179aa323032312d30352d3036a8616e797468696e6781a16b9101a6696e6e6572739281a16e0181a16e02a57370616e7381a1"
    "6191cb4000000000000000a9626172655f6c6973749201a178aa626172655f7475706c65920102a9626172655f6469637481a161"
    "01a96f70745f696e6e657281a16e05a464666c7403"
)
# JSONEncoder(Kitchen).encode(KITCHEN) (the old Struct format's JSON text)
KITCHEN_JSON = (
    '{"raw": "AAH/\\n", "ba": "YWI=\\n", "when": "2024-01-02T03:04:05.000006", "day": "2024-02-29", '
    '"at": "01:02:03", "span": 86401.5, "money": "1.10", "ident": "12345678-1234-5678-1234-567812345678", '
    '"color": "green", "level": 2, "where": "/a/b", "ints": [3], "names": ["x"], "rest": [1, 2], "empty": [], '
    '"pair": [1, "p"], "dated": {"1": "2020-01-01"}, "mode": "w", "either": "s", "maybe_day": "2021-05-06", '
    '"anything": {"k": [1]}, "inners": [{"n": 1}, {"n": 2}], "spans": {"a": [2.0]}, "bare_list": [1, "x"], '
    '"bare_tuple": [1, 2], "bare_dict": {"a": 1}, "opt_inner": {"n": 5}, "dflt": 3}'
)


def test_every_field_kind_encodes_as_mashumaro_does() -> None:
    assert msgpack.packb(to_builtins(KITCHEN, Kitchen), use_bin_type=True) == KITCHEN_MSGPACK


def test_the_json_dialect_encodes_as_mashumaros_json_encoder() -> None:
    assert json.dumps(to_builtins(KITCHEN, Kitchen, dialect="json")) == KITCHEN_JSON


def test_every_field_kind_decodes_as_mashumaro_does() -> None:
    back = from_builtins(msgpack.unpackb(KITCHEN_MSGPACK, strict_map_key=False), Kitchen)
    assert back == KITCHEN
    assert type(back.ba) is bytearray and type(back.rest) is tuple and type(back.names) is frozenset
    assert from_builtins(json.loads(KITCHEN_JSON), Kitchen, dialect="json") == KITCHEN  # keys "1" -> 1 too


# MessagePackDecoder(tp).decode(obj) in the oracle: (type, builtins, python value)
DECODED = [
    (int, "3", 3),
    (int, 2.7, 2),
    (float, 1, 1.0),
    (float, "1.5", 1.5),
    (str, 1, "1"),
    (bool, 0, False),
    (bool, "x", True),
    (Union[int, str], 2.5, 2),
    (Union[int, str], "7", "7"),
    (Union[float, int], 3, 3),
    (Union[int, float], 3.0, 3.0),
    (Union[Inner, int], {"n": 1}, Inner(1)),
    (Union[int, Inner], {"n": 1}, Inner(1)),
    (Union[List[int], str], ["1"], [1]),
    (Optional[int], None, None),
    (Union[str, None, int], 5, 5),
    (Union[bool, int], 1, 1),
    (Union[int, bool], True, True),
    (Union[Inner, str], 5, "5"),
    (Union[datetime.date, int], "2020-01-01", datetime.date(2020, 1, 1)),
    (Literal["a", 1], "a", "a"),
    (Literal["a", 1], 1, 1),
    (Literal["a", 1], True, 1),
    (Literal[1, 2], 1.0, 1),
    (Tuple[int, ...], ["1", 2], (1, 2)),
    (Tuple[int, str], [1, 2, 3], (1, "2")),
    (Tuple[()], [1], ()),
    (Set[int], [1, "2"], {1, 2}),
    (FrozenSet[int], [1], frozenset({1})),
    (List[int], ("1",), [1]),
    (Dict[int, float], {"1": 2}, {1: 2.0}),
    (datetime.timedelta, 1.5, datetime.timedelta(seconds=1.5)),
    (decimal.Decimal, "1.5", decimal.Decimal("1.5")),
    (decimal.Decimal, 1.5, decimal.Decimal("1.5")),
    (uuid.UUID, "12345678-1234-5678-1234-567812345678", uuid.UUID("12345678-1234-5678-1234-567812345678")),
    (Color, "red", Color.RED),
    (Level, 1, Level.LOW),
    (pathlib.PurePosixPath, "/x", pathlib.PurePosixPath("/x")),
    (bytearray, b"ab", bytearray(b"ab")),
    (bytes, b"x", b"x"),
    (Optional[Inner], None, None),
    (Optional[Inner], {"n": "2"}, Inner(2)),
    (Any, {"a": 1}, {"a": 1}),
    (type(None), 5, None),
    (list, (1, 2), [1, 2]),
    (tuple, [1, 2], (1, 2)),
    (dict, {"a": 1}, {"a": 1}),
    (Union[bytes, int], b"x", b"x"),
    (Union[bytes, int], 5, 5),
    (Union[bytes, int], "s", "s"),
    (Union[Any, int], "s", "s"),
    (Union[int, Any], 2.5, 2.5),
    (Union[Inner, List[int]], [1], [1]),
    (Union[List[int], Inner], {"n": 1}, Inner(1)),
    (Union[float, str], 1, 1.0),
    (Optional[int], "3", 3),
    (Union[datetime.date, datetime.timedelta], 1.5, datetime.timedelta(seconds=1.5)),
    (Union[int, datetime.date], "2020-01-01", datetime.date(2020, 1, 1)),
    (Tuple[int, ...], [], ()),
    (Set[Inner], [], set()),
    (FrozenSet[str], ["a", "a"], frozenset({"a"})),
]


@pytest.mark.parametrize(("tp", "obj", "expected"), DECODED)
def test_decoding_coerces_as_mashumaro_does(tp: Any, obj: Any, expected: Any) -> None:
    got = from_builtins(obj, tp)
    assert got == expected and type(got) is type(expected)


# MessagePackEncoder(tp).encode(value), unpacked, in the oracle
ENCODED = [
    (Union[int, str], "s", "s"),
    (Union[int, Inner], Inner(1), {"n": 1}),
    (Union[datetime.date, int], datetime.date(2020, 1, 1), "2020-01-01"),
    (Union[Any, datetime.date], datetime.date(2020, 1, 1), "2020-01-01"),
    (Union[datetime.date, str], "x", "x"),
    (Union[datetime.date, List[datetime.date]], [datetime.date(2020, 1, 1)], ["2020-01-01"]),
    (Union[datetime.date, datetime.timedelta], datetime.timedelta(seconds=1), 1.0),
    (Literal["a", "b"], "b", "b"),
    (Optional[datetime.date], None, None),
    (Set[datetime.date], {datetime.date(2020, 1, 1)}, ["2020-01-01"]),
    (FrozenSet[int], frozenset([2]), [2]),
    (Tuple[datetime.date, ...], (datetime.date(2020, 1, 1),), ["2020-01-01"]),
    (Tuple[int, datetime.date], (1, datetime.date(2020, 1, 1)), [1, "2020-01-01"]),
    (Tuple[()], (), []),
    (Dict[datetime.date, int], {datetime.date(2020, 1, 1): 1}, {"2020-01-01": 1}),
    (Dict[str, datetime.date], {"a": datetime.date(2020, 1, 1)}, {"a": "2020-01-01"}),
    (List[int], [1, 2], [1, 2]),
    (Set[str], {"a"}, ["a"]),
    (tuple, (1, 2), [1, 2]),
    (Tuple[int, ...], (1, 2), [1, 2]),
]


@pytest.mark.parametrize(("tp", "value", "expected"), ENCODED)
def test_encoding_writes_what_mashumaro_writes(tp: Any, value: Any, expected: Any) -> None:
    got = to_builtins(value, tp)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize(
    ("tp", "obj"), [(Union[Inner, int], "q"), (Tuple[int, str], [1]), (Union[Any, datetime.date], 5)]
)
def test_values_mashumaro_refuses_are_conversion_errors(tp: Any, obj: Any) -> None:
    with pytest.raises(ConversionError):
        if tp == Union[Any, datetime.date]:
            to_builtins({"k": obj}, Dict[str, tp])  # type: ignore[valid-type]  # MessagePackEncoder: ValueError
        else:
            from_builtins(obj, tp)  # MessagePackDecoder: ValueError / IndexError


def test_the_json_dialect_base64_encodes_every_bytes_kind() -> None:
    # JSONEncoder/JSONDecoder in the oracle
    assert json.dumps(to_builtins(bytearray(b"ab"), bytearray, dialect="json")) == '"YWI=\\n"'
    assert json.dumps(to_builtins([b"a", b"b"], List[bytes], dialect="json")) == '["YQ==\\n", "Yg==\\n"]'
    assert from_builtins("YWI=\n", bytearray, dialect="json") == bytearray(b"ab")
    assert type(from_builtins("YWI=\n", bytearray, dialect="json")) is bytearray
    assert from_builtins("YWI=", bytes, dialect="json") == b"ab"
    assert from_builtins(["YQ==\n"], List[bytes], dialect="json") == [b"a"]
    view = from_builtins("YWI=", memoryview, dialect="json")
    assert type(view) is memoryview and view.tobytes() == b"ab"
    assert to_builtins(memoryview(b"ab"), memoryview, dialect="json") == "YWI=\n"


def test_msgpack_dialect_passes_bytes_kinds_through() -> None:
    view = memoryview(b"ab")
    assert to_builtins(view, memoryview) is view
    assert to_builtins(bytearray(b"ab"), bytearray) == bytearray(b"ab")
    back = from_builtins(b"ab", memoryview)
    assert type(back) is memoryview and back.tobytes() == b"ab"


@dataclass
class WithPathLike:
    p: os.PathLike  # type: ignore[type-arg]


def test_a_pathlike_field_is_written_as_its_path_and_read_as_a_pure_path() -> None:
    # MessagePackEncoder/Decoder(WithPathLike) in the oracle: {"p": "/x"}, and PurePosixPath('/y') back
    assert to_builtins(WithPathLike(pathlib.PurePosixPath("/x")), WithPathLike) == {"p": "/x"}
    assert from_builtins({"p": "/y"}, WithPathLike) == WithPathLike(pathlib.PurePosixPath("/y"))


@dataclass
class WithDefaults:
    day: datetime.date = datetime.date(2020, 1, 2)
    color: Color = Color.RED
    raw: bytes = b"ab"
    nothing: Optional[int] = None
    n: int = 3
    when: datetime.datetime = None  # type: ignore[assignment]


def test_field_defaults_in_the_json_schema_are_written_as_mashumaros_json() -> None:
    """flytekit 1.16 (oracle): the literal type's schema defaults, read back with MessageToDict."""
    from google.protobuf import json_format

    from flyte_entrypoint.core.type_engine.engine import literal_type_of

    schema = json_format.MessageToDict(literal_type_of(WithDefaults).unwrap().metadata)
    defaults = {k: v.get("default", "<none>") for k, v in schema["properties"].items()}
    assert defaults == {"day": "2020-01-02", "n": 3.0, "color": "red", "nothing": None, "when": None, "raw": "YWI=\n"}


def test_types_outside_mashumaros_are_refused_by_name() -> None:
    for convert in (lambda tp: to_builtins(1, tp), lambda tp: from_builtins(1, tp)):
        with pytest.raises(UnsupportedTypeError, match=r"^complex is not supported inside a dataclass or dict$"):
            convert(complex)
        with pytest.raises(UnsupportedTypeError, match="only str/int/bool/None literals are supported"):
            convert(Literal[1.5])
        with pytest.raises(UnsupportedTypeError, match="is not supported inside a dataclass or dict"):
            convert(typing.Callable[[], int])


def test_literal_values_are_checked_both_ways() -> None:
    assert to_builtins("r", Literal["r", None]) == "r"
    assert from_builtins(None, Literal["r", None]) is None
    with pytest.raises(ConversionError) as info:
        to_builtins({"k": "x"}, Dict[str, Literal["r", "w"]])
    assert info.value.message.endswith("ValueError: 'x' is not one of ('r', 'w')")
    with pytest.raises(ConversionError) as info:
        from_builtins("x", Literal["r", "w"])
    assert info.value.message.endswith("ValueError: 'x' is not one of ('r', 'w')")


def test_an_unmatched_union_member_is_named() -> None:
    with pytest.raises(ConversionError) as info:
        to_builtins({"k": 5}, Dict[str, Union[datetime.date, datetime.timedelta]])
    assert info.value.message.endswith("ValueError: 5 matches no member of Union[datetime.date, datetime.timedelta]")
    with pytest.raises(ConversionError) as info:
        from_builtins("q", Union[Inner, int])
    assert info.value.message.endswith(f"ValueError: 'q' matches no member of Union[{__name__}.Inner, int]")


def test_union_members_written_as_they_are_pass_by_class() -> None:
    """Members without an encoder (int, str, List[int]) take their values as they are, others are tried in order."""
    tp = Dict[str, Union[int, List[int], datetime.date]]
    value = {"i": 1, "l": [2], "d": datetime.date(2020, 1, 1)}
    assert to_builtins(value, tp) == {"i": 1, "l": [2], "d": "2020-01-01"}
    with pytest.raises(ConversionError):
        to_builtins({"s": "text"}, tp)  # a str is none of them
    assert to_builtins({"k": "x"}, Dict[str, Union[Any, int]]) == {"k": "x"}  # every member as it is


def test_none_passes_for_fields_defaulting_to_none_and_optionals() -> None:
    @dataclass
    class N:
        a: Optional[datetime.date] = None
        b: datetime.date = None  # type: ignore[assignment]
        c: Optional[datetime.date] = datetime.date(2020, 1, 1)

    assert to_builtins(N(), N) == {"a": None, "b": None, "c": "2020-01-01"}
    assert from_builtins({"a": None, "b": None, "c": None}, N) == N(None, None, None)
    assert to_builtins({"k": None}, Dict[str, Optional[datetime.date]]) == {"k": None}


def test_a_dataclass_that_cannot_compile_fails_every_time() -> None:
    @dataclass
    class Broken:
        c: complex

    for _ in range(2):
        with pytest.raises(UnsupportedTypeError):
            to_builtins(Broken(1j), Broken)
        with pytest.raises(UnsupportedTypeError):
            from_builtins({"c": 1}, Broken)


@dataclass
class Tree:
    value: datetime.date
    children: List[Tree] = field(default_factory=list)


def test_recursive_dataclasses_compile_to_steps_that_call_themselves() -> None:
    day = datetime.date(2020, 1, 1)
    tree = Tree(day, [Tree(day), Tree(day, [Tree(day)])])
    builtins = to_builtins(tree, Tree)
    leaf = {"value": "2020-01-01", "children": []}
    assert builtins == {"value": "2020-01-01", "children": [leaf, {"value": "2020-01-01", "children": [leaf]}]}
    assert from_builtins(builtins, Tree) == tree


def test_unhashable_annotations_are_compiled_each_time() -> None:
    tp = typing.Annotated[List[datetime.date], []]
    assert to_builtins([datetime.date(2020, 1, 1)], tp) == ["2020-01-01"]
    assert from_builtins(["2020-01-01"], tp) == [datetime.date(2020, 1, 1)]


def test_a_conversion_gets_a_codec_of_its_own_remembered_for_the_latest_pair() -> None:
    engine_a, engine_b = Engine([]), Engine([])
    from flyte_entrypoint.core.type_engine.engine import ConversionContext

    sink_a, sink_b = Sink(ConversionContext()), Sink(ConversionContext())
    plain = codec_for("msgpack", None)
    assert plain is codec_for("msgpack", None) and plain.conversion is None
    first = codec_for("msgpack", Conversion(engine_a, sink_a))
    assert first is not plain and first.conversion == Conversion(engine_a, sink_a)
    assert codec_for("msgpack", Conversion(engine_a, sink_a)) is first
    json_codec = codec_for("json", Conversion(engine_a, sink_a))
    assert json_codec.dialect == "json" and json_codec is not first
    assert codec_for("msgpack", Conversion(engine_a, sink_b)) is not first
    assert codec_for("msgpack", Conversion(engine_b, sink_a)) is not first
    other = codec_for("msgpack", Conversion(engine_b, sink_b))
    assert codec_for("msgpack", Conversion(engine_b, sink_b)) is other
    assert other.conversion.engine is engine_b and other.conversion.sink is sink_b  # type: ignore[union-attr]


def test_typevars_and_none_pass_through() -> None:
    T = typing.TypeVar("T")
    marker = object()
    assert to_builtins(marker, T) is marker and from_builtins(marker, T) is marker
    assert to_builtins(None, type(None)) is None and to_builtins(None, None) is None
    assert from_builtins(5, None) is None


def test_a_union_of_members_written_as_they_are_still_checks_the_class() -> None:
    """Without an Any member, a value of none of the member classes is refused (mashumaro 3.23 would write 5.5
    for ``Union[int, str]`` unchecked, and read it back as 5: we refuse instead of losing the fraction)."""
    with pytest.raises(ConversionError) as info:
        to_builtins({"k": 5.5}, Dict[str, Union[int, str]])
    assert info.value.message.endswith("ValueError: 5.5 matches no member of Union[int, str]")
    assert to_builtins({"k": 5, "j": "s"}, Dict[str, Union[int, str]]) == {"k": 5, "j": "s"}
