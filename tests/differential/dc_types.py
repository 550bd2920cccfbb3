"""Dataclass/dict types and values shared by the struct differential test and its oracle script.

Plain stdlib only: imported by BOTH venvs (the dev venv and flytekit's oracle venv), so every class has the same
name, fields and defaults on both sides.  No ``from __future__ import annotations`` (flytekit must be able to
resolve the hints without the module being importable by name).

* ``hand_cases()`` - hand-written (id, type, value) triples covering the encodings in PROTOCOL 10.5/10.6.
* ``generated_cases(seed, n)`` - random dataclass types (built with ``make_dataclass``) and values, from a seeded
  ``random.Random``; the same seed gives the same classes and values in both processes.
"""

import dataclasses
import datetime
import decimal
import enum
import pathlib
import random
import typing
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Literal, Optional, Set, Tuple, Union

try:  # the oracle venv: flytekit's classes
    from flytekit.types.directory import FlyteDirectory
    from flytekit.types.file import FlyteFile
except ImportError:  # the dev venv: ours
    from flyte_entrypoint.files import FlyteDirectory, FlyteFile  # type: ignore[assignment]


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


class Level(enum.Enum):
    LOW = 1
    HIGH = 2


@dataclass
class Inner:
    n: int


@dataclass
class Point:
    x: int
    tags: List[str]
    label: Optional[str] = None
    inner: Inner = field(default_factory=lambda: Inner(7))


@dataclass
class Scalars:
    i: int
    f: float
    s: str
    b: bool


@dataclass
class Dates:
    dt: datetime.datetime
    d: datetime.date
    td: datetime.timedelta
    odt: Optional[datetime.datetime] = None


@dataclass
class WithEnum:
    color: Color
    maybe: Optional[Color] = None
    level: Level = Level.LOW


@dataclass
class Collections:
    inners: List[Inner]
    by_name: Dict[str, Inner]
    by_id: Dict[int, str]
    grid: List[List[int]]
    maybe_list: Optional[List[int]] = None
    sparse: List[Optional[float]] = field(default_factory=list)


@dataclass
class Defaults:
    a: int = 1
    b: float = 2
    c: str = "three"
    d: bool = True
    e: Optional[int] = 5
    f: Color = Color.GREEN
    g: datetime.datetime = datetime.datetime(2024, 1, 2, 3, 4, 5)
    h: List[int] = field(default_factory=lambda: [1, 2])
    i: Tuple[int, int] = (1, 2)
    j: bytes = b"ab"
    k: str = field(default="described", metadata={"description": "a described field"})


@dataclass
class Unions:
    u: Union[int, str]
    w: Union[int, List[int], Inner, str, None]
    lit: Literal["a", "b"]
    one: Literal["z"] = "z"


@dataclass
class Loose:
    anything: Any
    raw: dict
    items: list
    pair: Tuple[int, str]
    blob: bytes
    ints: Set[int]
    rest: Tuple[float, ...] = ()


@dataclass
class Level3:
    name: str
    point: Point
    points: List[Point]
    opt: Optional[Point] = None


@dataclass
class Level2:
    l3: Level3
    many: Dict[str, List[Level3]]


@dataclass
class Level1:
    l2: Level2
    when: datetime.date


@dataclass
class InitFalse:
    a: int
    b: int = field(init=False, default=9)


@dataclass
class Empty:
    pass


@dataclass
class WithFiles:
    f: FlyteFile
    d: FlyteDirectory
    maybe: Optional[FlyteFile] = None
    csvs: List[FlyteFile["csv"]] = field(default_factory=list)  # type: ignore[type-arg, name-defined]  # noqa: F821


@dataclass
class Misc:
    uid: uuid.UUID
    amount: decimal.Decimal
    at: datetime.time
    where: pathlib.PurePosixPath
    level: Level
    frozen: typing.FrozenSet[int] = frozenset()
    span: Optional[datetime.timedelta] = None


@dataclass
class Small:
    a: int
    b: float
    c: str


def perf_values(n: int) -> List[Small]:
    """The list the performance comparison round-trips."""
    return [Small(i, i * 0.5, f"s{i}") for i in range(n)]


def _point(i: int) -> Point:
    return Point(x=i, tags=[f"t{i}", "é"], label=None if i % 2 else f"L{i}", inner=Inner(i * 3))


def _level3(i: int) -> Level3:
    return Level3(
        name=f"n{i}", point=_point(i), points=[_point(i + 1), _point(i + 2)], opt=_point(i) if i else None
    )


def hand_cases() -> List[Tuple[str, Any, Any]]:
    """(id, type, value); every value must be == its own decoding (no NaN, no sets of strings)."""
    dt = datetime.datetime(2024, 1, 2, 3, 4, 5, 123456)
    tz = datetime.timezone(datetime.timedelta(hours=2))
    return [
        ("point", Point, Point(x=3, tags=["a"])),
        ("point-full", Point, Point(x=-5, tags=[], label="lbl", inner=Inner(0))),
        ("scalars", Scalars, Scalars(i=2**63 - 1, f=1e300, s="ünïcode ✓", b=False)),
        ("scalars-neg", Scalars, Scalars(i=-(2**63), f=-0.5, s="", b=True)),
        ("scalars-int-in-float", Scalars, Scalars(i=0, f=3, s="x", b=True)),  # type: ignore[arg-type]
        (
            "dates",
            Dates,
            Dates(dt=dt, d=datetime.date(2024, 2, 29), td=datetime.timedelta(days=1, microseconds=5)),
        ),
        (
            "dates-tz",
            Dates,
            Dates(dt=dt.replace(tzinfo=tz), d=datetime.date(1, 1, 1), td=datetime.timedelta(0), odt=dt),
        ),
        ("enum", WithEnum, WithEnum(color=Color.BLUE)),
        ("enum-full", WithEnum, WithEnum(color=Color.RED, maybe=Color.GREEN, level=Level.HIGH)),
        (
            "collections",
            Collections,
            Collections(
                inners=[Inner(1), Inner(2)],
                by_name={"a": Inner(3), "b": Inner(4)},
                by_id={1: "one", -2: "minus two"},
                grid=[[1, 2], [], [3]],
                maybe_list=[5],
                sparse=[1.5, None, 2.0],
            ),
        ),
        ("collections-empty", Collections, Collections(inners=[], by_name={}, by_id={}, grid=[])),
        ("defaults", Defaults, Defaults()),
        (
            "defaults-set",
            Defaults,
            Defaults(a=2, b=0.25, c="", d=False, e=None, f=Color.RED, j=b"\x00\xff", i=(3, 4)),
        ),
        ("unions-int", Unions, Unions(u=1, w=2, lit="a")),
        ("unions-str", Unions, Unions(u="1", w="x", lit="b", one="z")),
        ("unions-list", Unions, Unions(u=3, w=[1, 2], lit="a")),
        ("unions-dc", Unions, Unions(u=3, w=Inner(5), lit="a")),
        ("unions-none", Unions, Unions(u=3, w=None, lit="a")),
        (
            "loose",
            Loose,
            Loose(
                anything={"k": [1, 2.5, None, True, "s"]},
                raw={"a": 1, "b": {"c": [1]}},
                items=[1, "a", None],
                pair=(1, "p"),
                blob=b"\x00\x01binary",
                ints={3, 1, 2},
                rest=(1.5, 2.5),
            ),
        ),
        (
            "level1",
            Level1,
            Level1(
                l2=Level2(l3=_level3(1), many={"k": [_level3(0), _level3(2)]}),
                when=datetime.date(2020, 5, 17),
            ),
        ),
        ("init-false", InitFalse, InitFalse(a=1)),
        ("empty", Empty, Empty()),
        ("small", Small, Small(1, 2.0, "c")),
        (
            "misc",
            Misc,
            Misc(
                uid=uuid.UUID("12345678-1234-5678-1234-567812345678"),
                amount=decimal.Decimal("3.14159"),
                at=datetime.time(12, 30, 1, 5),
                where=pathlib.PurePosixPath("/data/x.csv"),
                level=Level.HIGH,
                frozen=frozenset({5, 6}),
                span=datetime.timedelta(minutes=3),
            ),
        ),
        (
            "files",
            WithFiles,
            WithFiles(f=FlyteFile("s3://bucket/a/b.txt"), d=FlyteDirectory("s3://bucket/dir")),
        ),
        (
            "files-full",
            WithFiles,
            WithFiles(
                f=FlyteFile("gs://bucket/x"),
                d=FlyteDirectory("s3://bucket/d/"),
                maybe=FlyteFile("s3://bucket/m.txt"),
                csvs=[FlyteFile["csv"]("s3://bucket/1.csv"), FlyteFile["csv"]("s3://bucket/2.csv")],  # type: ignore[misc]
            ),
        ),
        # dataclasses inside containers and unions (the other transformers recurse into ours)
        ("list-of-points", List[Point], [_point(1), _point(2), Point(x=0, tags=[])]),
        ("map-of-points", Dict[str, Point], {"a": _point(3), "b": _point(4)}),
        ("optional-point", Optional[Point], _point(5)),
        ("optional-point-none", Optional[Point], None),
        ("union-point-int", Union[int, Point], _point(6)),
        ("optional-dict", Optional[dict], {"k": [1, 2]}),
        ("list-of-dicts", List[dict], [{"a": 1}, {}]),
        # untyped dicts (PROTOCOL 10.5)
        ("dict-protocol", dict, {"a": 1, "b": [1, 2], "c": {"d": "e"}}),
        (
            "dict-mixed",
            dict,
            {"f": 1.0, "n": None, "t": True, "s": "é", "l": [[]], "neg": -1, "big": 2**64 - 1},
        ),
        ("dict-int-keys", dict, {1: "x", "y": 2}),
        ("dict-empty", dict, {}),
        ("dict-typing", typing.Dict, {"a": [1, {"b": None}]}),
        ("dict-int-str", Dict[int, str], {1: "x", 2: "y"}),
        ("dict-int-dc", Dict[int, Inner], {1: Inner(1), 2: Inner(2)}),
        ("dict-any-any", Dict[Any, Any], {"a": 1, 2: [3]}),
        ("dict-float-date", Dict[float, datetime.date], {1.5: datetime.date(2024, 1, 1)}),
    ]


# ---- generated cases -------------------------------------------------------------------------------------

_LEAVES: List[Any] = [
    int,
    float,
    str,
    bool,
    datetime.datetime,
    datetime.date,
    datetime.timedelta,
    Color,
    Level,
    bytes,
    Union[int, str],
    Set[int],
]


def _random_type(rng: random.Random, depth: int, known: List[type]) -> Any:
    roll = rng.random()
    if depth <= 0 or roll < 0.45:
        if known and rng.random() < 0.25:
            return rng.choice(known)
        return rng.choice(_LEAVES)
    kind = rng.choice(["list", "dict", "optional", "dict_int", "list", "optional", "tuple"])
    inner = _random_type(rng, depth - 1, known)
    if kind == "list":
        return List[inner]  # type: ignore[valid-type]
    if kind == "dict":
        return Dict[str, inner]  # type: ignore[valid-type]
    if kind == "dict_int":
        return Dict[int, inner]  # type: ignore[valid-type]
    if kind == "tuple":
        return Tuple[inner, ...]  # type: ignore[valid-type]
    return Optional[inner]


def _random_value(rng: random.Random, tp: Any, depth: int = 0) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is int:
        return rng.choice([0, 1, -1, 2**31, -(2**40), rng.randint(-1000, 1000)])
    if tp is float:
        return rng.choice([0.0, -0.0, 1.5, 1e-7, -3.25, 1e20, float(rng.randint(-5, 5))])
    if tp is str:
        return rng.choice(["", "a", "hello world", "ünï", "x" * 40, str(rng.randint(0, 99))])
    if tp is bool:
        return rng.random() < 0.5
    if tp is datetime.datetime:
        return datetime.datetime(2000, 1, 1) + datetime.timedelta(
            seconds=rng.randint(0, 10**9), microseconds=rng.randint(0, 999999)
        )
    if tp is datetime.date:
        return datetime.date(2000, 1, 1) + datetime.timedelta(days=rng.randint(0, 20000))
    if tp is datetime.timedelta:
        return datetime.timedelta(
            seconds=rng.randint(-(10**6), 10**6), microseconds=rng.choice([0, 500000, 1])
        )
    if tp in (Color, Level):
        return rng.choice(list(tp))
    if tp is bytes:
        return bytes(rng.randint(0, 255) for _ in range(rng.randint(0, 4)))
    if tp == Union[int, str]:
        return rng.choice([rng.randint(-9, 9), f"u{rng.randint(0, 9)}"])
    if tp == Set[int]:
        return {rng.randint(-20, 20) for _ in range(rng.randint(0, 3))}
    if origin is tuple:
        return tuple(_random_value(rng, args[0], depth + 1) for _ in range(rng.randint(0, 3)))
    if origin is list:
        return [_random_value(rng, args[0], depth + 1) for _ in range(rng.randint(0, 3))]
    if origin is dict:
        if args[0] is int:
            return {
                rng.randint(-50, 50): _random_value(rng, args[1], depth + 1) for _ in range(rng.randint(0, 3))
            }
        return {
            f"k{rng.randint(0, 50)}": _random_value(rng, args[1], depth + 1) for _ in range(rng.randint(0, 3))
        }
    if origin is Union:
        if rng.random() < 0.3:
            return None
        return _random_value(rng, args[0], depth + 1)
    if dataclasses.is_dataclass(tp):
        kwargs = {}
        for f in dataclasses.fields(tp):
            if f.default is not dataclasses.MISSING and rng.random() < 0.3:
                continue
            kwargs[f.name] = _random_value(rng, f.type, depth + 1)
        return tp(**kwargs)
    raise TypeError(tp)


def _random_default(rng: random.Random, tp: Any) -> Any:
    """A plain default for scalar-ish fields, MISSING otherwise."""
    if tp in (
        int,
        float,
        str,
        bool,
        Color,
        Level,
        bytes,
        datetime.date,
        datetime.datetime,
        datetime.timedelta,
    ):
        return _random_value(rng, tp)
    if typing.get_origin(tp) is Union:
        return None
    return dataclasses.MISSING


def generated_types(seed: int, n_types: int) -> List[type]:
    rng = random.Random(seed)
    made: List[type] = []
    for t in range(n_types):
        fields = []
        seen_default = False
        for i in range(rng.randint(0, 6)):
            tp = _random_type(rng, 2, made)
            default = _random_default(rng, tp) if rng.random() < 0.4 else dataclasses.MISSING
            if default is dataclasses.MISSING and seen_default:
                default = None
                tp = Optional[tp]
            if default is not dataclasses.MISSING:
                seen_default = True
                fields.append((f"f{i}", tp, field(default=default)))
            else:
                fields.append((f"f{i}", tp))
        cls = dataclasses.make_dataclass(f"Gen{seed}_{t}", fields)
        cls.__module__ = __name__
        globals()[cls.__name__] = cls
        made.append(cls)
    return made


def generated_cases(seed: int, n: int) -> List[Tuple[str, Any, Any]]:
    types_ = generated_types(seed, max(3, n // 4))
    rng = random.Random(seed * 7919 + 1)
    out = []
    for i in range(n):
        tp = rng.choice(types_)
        out.append((f"gen{seed}-{i}-{tp.__name__}", tp, _random_value(rng, tp)))
    return out


def all_cases(seed: int, n: int) -> List[Tuple[str, Any, Any]]:
    return hand_cases() + generated_cases(seed, n)


# ---- canonical form, to compare decoded values across processes ------------------------------------------


def canon(value: Any) -> Any:
    """A JSON-able, order-independent description of a decoded value (exact types kept).

    Dict key order and set order are not compared (a Struct read back iterates its map in a per-process order).
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    names = {klass.__name__ for klass in type(value).__mro__}
    if "FlyteFile" in names or "FlyteDirectory" in names:
        return ["blob", "file" if "FlyteFile" in names else "directory", str(value.remote_source)]
    if isinstance(value, enum.Enum):
        return ["enum", type(value).__name__, canon(value.value)]
    if isinstance(value, int):
        return ["int", str(value)]
    if isinstance(value, float):
        return ["float", repr(value)]
    if isinstance(value, bytes):
        return ["bytes", value.hex()]
    if isinstance(value, (uuid.UUID, decimal.Decimal, pathlib.PurePath)):
        return [type(value).__name__, str(value)]
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return [type(value).__name__, value.isoformat()]
    if isinstance(value, datetime.timedelta):
        return ["timedelta", value.days, value.seconds, value.microseconds]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [
            "dc",
            type(value).__name__,
            {f.name: canon(getattr(value, f.name)) for f in dataclasses.fields(value)},
        ]
    if isinstance(value, list):
        return ["list", [canon(v) for v in value]]
    if isinstance(value, tuple):
        return ["tuple", [canon(v) for v in value]]
    if isinstance(value, (set, frozenset)):
        return [type(value).__name__, sorted((canon(v) for v in value), key=repr)]
    if isinstance(value, dict):
        return ["dict", sorted(([canon(k), canon(v)] for k, v in value.items()), key=repr)]
    return ["other", type(value).__name__, repr(value)]
