"""flytekit's side of the base-type differential test, plus the cases both sides share.

Importable anywhere (flytekit is only imported inside :func:`main`, which runs in the ORACLE venv)::

    .oracle-venv/bin/python oracle_types.py < request.json > answer.json

Request: ``{"ours": {"<case id>": "<b64 Literal>" | null}, "extra_write": [[id, type, value], ...]}``: our
literal for every ``write`` case, so that flytekit can read it, and more write cases (the random batch).  Answer, one object per case id:

* write cases (``type`` + ``value``): ``lt`` (b64 LiteralType, deterministic) or ``lt_err``; ``lit`` (b64 Literal,
  deterministic) and ``lit_plain`` (plain ``SerializeToString``) or ``lit_err``; ``self`` (canon of flytekit
  reading its own literal) or ``self_err``; ``ours`` (canon of flytekit reading our literal) or ``ours_err``;
* read cases (``type`` + ``literal``, a python expression building a flyteidl ``Literal``): ``read`` or
  ``read_err``;
* output cases (``output`` annotation + ``value``): ``map`` (b64 LiteralMap, deterministic) or ``map_err``,
  ``iface`` (b64 TypedInterface, deterministic) or ``iface_err``, and the task's ``name``.

Type and value expressions are evaluated in a module made by :func:`module_source` (:data:`PRELUDE` plus the
output-case functions), where each side imports its own ``FlyteAnnotation`` and ``HashMethod``.
"""

from __future__ import annotations

import base64
import datetime
import enum
import json
import math
import sys
from typing import Any

PRELUDE = r'''
import datetime, enum, typing
from typing import Annotated, Dict, List, NamedTuple, Optional, Tuple, Union
from flyteidl.core import literals_pb2, types_pb2

UTC = datetime.timezone.utc
TZ2 = datetime.timezone(datetime.timedelta(hours=2))
TZM5 = datetime.timezone(datetime.timedelta(hours=-5))

class Color(enum.Enum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"

class Shade(enum.Enum):
    LIGHT = "light"
    RED = "red"

class Out(NamedTuple):
    total: int
    label: str

class One(NamedTuple):
    only: int

class Mixed(NamedTuple):
    xs: List[float]
    maybe: Optional[str]
    when: datetime.datetime

def h5(v):
    return "h" + str(v)

def L(**scalar_fields):
    """A Literal from keyword fields of Primitive (integer=3, string_value="x", ...)."""
    lit = literals_pb2.Literal()
    for k, v in scalar_fields.items():
        if k == "datetime":
            lit.scalar.primitive.datetime.FromDatetime(v)
        elif k == "duration":
            lit.scalar.primitive.duration.FromTimedelta(v)
        else:
            setattr(lit.scalar.primitive, k, v)
    return lit

def NONE():
    lit = literals_pb2.Literal()
    lit.scalar.none_type.SetInParent()
    return lit

def COLL(*items):
    lit = literals_pb2.Literal()
    lit.collection.SetInParent()
    for it in items:
        lit.collection.literals.add().CopyFrom(it)
    return lit

def MAP(**items):
    lit = literals_pb2.Literal()
    lit.map.SetInParent()
    for k, it in items.items():
        lit.map.literals[k].CopyFrom(it)
    return lit

def SIMPLE(name):
    return types_pb2.LiteralType(simple=getattr(types_pb2.SimpleType, name))

def UNION(value, stored=None, tag=None):
    lit = literals_pb2.Literal()
    lit.scalar.union.value.CopyFrom(value)
    if stored is not None:
        lit.scalar.union.type.CopyFrom(stored)
        if tag is not None:
            lit.scalar.union.type.structure.tag = tag
    return lit

def BINARY(obj):
    import msgpack
    lit = literals_pb2.Literal()
    lit.scalar.binary.value = msgpack.dumps(obj)
    lit.scalar.binary.tag = "msgpack"
    return lit
'''

# (id, type expression, value expression): encode on both sides, compare LT + literal, cross-read.
WRITE_CASES: list[tuple[str, str, str]] = [
    ("int", "int", "42"),
    ("int_zero", "int", "0"),
    ("int_neg", "int", "-7"),
    ("int_max", "int", "2**63 - 1"),
    ("int_min", "int", "-(2**63)"),
    ("int_overflow", "int", "2**63"),
    ("int_bool", "int", "True"),
    ("int_str", "int", "'5'"),
    ("int_float", "int", "5.0"),
    ("int_none", "int", "None"),
    ("int_tuple", "int", "(1, 2)"),
    ("float", "float", "3.5"),
    ("float_zero", "float", "0.0"),
    ("float_negzero", "float", "-0.0"),
    ("float_inf", "float", "float('inf')"),
    ("float_nan", "float", "float('nan')"),
    ("float_int", "float", "3"),
    ("str", "str", "'hello'"),
    ("str_empty", "str", "''"),
    ("str_unicode", "str", "'é\\u00e9\\U0001f600\\n'"),
    ("str_int", "str", "5"),
    ("str_surrogate", "str", "'\\ud800'"),
    ("bool_true", "bool", "True"),
    ("bool_false", "bool", "False"),
    ("bool_int", "bool", "1"),
    ("dt_naive", "datetime.datetime", "datetime.datetime(2024, 1, 2, 3, 4, 5, 123456)"),
    ("dt_tz", "datetime.datetime", "datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=TZ2)"),
    ("dt_utc", "datetime.datetime", "datetime.datetime(2024, 1, 2, 23, 30, tzinfo=TZM5)"),
    ("dt_epoch", "datetime.datetime", "datetime.datetime(1970, 1, 1)"),
    ("dt_old", "datetime.datetime", "datetime.datetime(1, 1, 1)"),
    ("dt_max", "datetime.datetime", "datetime.datetime(9999, 12, 31, 23, 59, 59, 999999)"),
    ("dt_date", "datetime.datetime", "datetime.date(2024, 1, 2)"),
    ("date", "datetime.date", "datetime.date(2024, 1, 2)"),
    ("date_dt", "datetime.date", "datetime.datetime(2024, 1, 2)"),
    ("td", "datetime.timedelta", "datetime.timedelta(days=1, seconds=3, microseconds=500)"),
    ("td_zero", "datetime.timedelta", "datetime.timedelta(0)"),
    ("td_neg", "datetime.timedelta", "datetime.timedelta(microseconds=-1)"),
    ("td_neg2", "datetime.timedelta", "datetime.timedelta(days=-3, seconds=5)"),
    ("td_huge", "datetime.timedelta", "datetime.timedelta(days=999999999)"),
    ("none", "type(None)", "None"),
    ("none_as_None", "None", "None"),
    ("none_int", "type(None)", "0"),
    ("ann_meta", "Annotated[int, 'meta']", "5"),
    ("ann_flyte", "Annotated[int, FlyteAnnotation({'foo': 'bar', 'n': 1, 'nested': {'a': [1, 2]}})]", "5"),
    ("ann_hash", "Annotated[int, HashMethod(h5)]", "5"),
    ("ann_hash_list", "List[Annotated[int, HashMethod(h5)]]", "[1, 2]"),
    ("ann_list_flyte", "List[Annotated[str, FlyteAnnotation({'k': 'v'})]]", "['a']"),
    ("opt_int", "Optional[int]", "5"),
    ("opt_none", "Optional[int]", "None"),
    ("opt_pep604", "int | None", "5"),
    ("opt_pep604_none", "int | None", "None"),
    ("opt_wrong", "Optional[int]", "'x'"),
    ("union_int", "Union[int, str]", "7"),
    ("union_str", "Union[int, str]", "'x'"),
    ("union_float", "Union[int, str]", "1.5"),
    ("union_int_float_i", "Union[int, float]", "1"),
    ("union_int_float_f", "Union[int, float]", "1.5"),
    ("union_bool_int", "Union[int, bool]", "True"),
    ("union_enum_str", "Union[Color, str]", "'red'"),
    ("union_enum_str2", "Union[str, Color]", "'red'"),
    ("union_enum_member", "Union[str, Color]", "Color.RED"),
    ("union_enum_only", "Union[int, Color]", "'green'"),
    ("union_two_enums", "Union[Color, Shade]", "Shade.LIGHT"),
    ("union_two_enums_amb", "Union[Color, Shade]", "'red'"),
    ("union_lists", "Union[List[int], List[str]]", "[1]"),
    ("union_lists_empty", "Union[List[int], List[str]]", "[]"),
    ("union_list_dict", "Union[List[int], Dict[str, int]]", "{'a': 1}"),
    ("union_dt_date", "Union[datetime.datetime, datetime.date]", "datetime.date(2024, 1, 2)"),
    ("union_ann", "Union[Annotated[int, FlyteAnnotation({'u': 1})], str]", "3"),
    ("union_hash_variant", "Union[Annotated[int, HashMethod(h5)], str]", "3"),
    ("union_nested_opt", "Optional[Union[int, str]]", "'s'"),
    ("union_opt_list", "Optional[List[Optional[int]]]", "[1, None, 3]"),
    ("union_none_first", "Union[None, int]", "4"),
    ("union_tuple", "Union[int, str]", "(1,)"),
    ("enum", "Color", "Color.GREEN"),
    ("enum_str", "Color", "'blue'"),
    ("enum_bad_str", "Color", "'purple'"),
    ("enum_other", "Color", "Shade.RED"),
    ("enum_other_missing", "Color", "Shade.LIGHT"),
    ("enum_int", "Color", "1"),
    ("list_int", "List[int]", "[1, 2, 3]"),
    ("list_int_big", "List[int]", "list(range(-20, 300, 7))"),
    ("list_pep585", "list[int]", "[1, 2]"),
    ("list_empty", "List[int]", "[]"),
    ("list_float", "List[float]", "[0.5, -1.0, float('inf'), 2.0]"),
    ("list_float_big", "List[float]", "[i / 7 for i in range(100)]"),
    ("list_float_int", "List[float]", "[1.0, 2]"),
    ("list_str", "List[str]", "['a', '', 'é' * 200]"),
    ("list_str_big", "List[str]", "[str(i) * (i % 50) for i in range(100)]"),
    ("list_bool", "List[bool]", "[True, False] * 20"),
    ("list_bool_int", "List[bool]", "[True, 1]"),
    ("list_nested", "List[List[int]]", "[[1], [2, 3], []]"),
    ("list_tuple", "List[int]", "(1, 2)"),
    ("list_elem_tuple", "List[List[int]]", "[(1, 2)]"),
    ("list_none_elem", "List[int]", "[1, None]"),
    ("list_opt", "List[Optional[int]]", "[1, None]"),
    ("list_opt_big", "List[Optional[int]]", "[None if i % 3 == 0 else (i - 20) * 7 ** (i % 20) for i in range(60)] + [2**63 - 1, -2**63]"),
    ("list_opt_all_none", "List[Optional[int]]", "[None] * 20"),
    ("list_opt_big_bool", "List[Optional[int]]", "[1] * 20 + [True]"),
    ("list_dt", "List[datetime.datetime]", "[datetime.datetime(2024, 1, 1), datetime.datetime(2024, 1, 1, tzinfo=TZ2)]"),
    ("list_enum", "List[Color]", "[Color.RED, 'green']"),
    ("list_big_overflow", "List[int]", "[1] * 20 + [2**64]"),
    ("list_big_bad", "List[int]", "[1] * 20 + ['x']"),
    ("dict", "Dict[str, int]", "{'a': 1, 'b': 2}"),
    ("dict_pep585", "dict[str, int]", "{'a': 1}"),
    ("dict_empty", "Dict[str, int]", "{}"),
    ("dict_float_big", "Dict[str, float]", "{str(i): i / 3 for i in range(50)}"),
    ("dict_str_big", "Dict[str, str]", "{'k' + str(i): 'v' * i for i in range(50)}"),
    ("dict_int_big", "Dict[str, int]", "{'k' + str(i): i * 99991 for i in range(50)}"),
    ("dict_bool_big", "Dict[str, bool]", "{'k' + str(i): i % 2 == 0 for i in range(50)}"),
    # the bulk map codecs (fastwire): unicode and long keys, unsorted insertion, NaN/inf/-0.0, long and empty strings
    ("dict_float_special", "Dict[str, float]",
     "{**{chr(0x3b1 + i) * (i % 5 + 1): i * -0.5 for i in range(30)}, 'nan': float('nan'), 'inf': float('inf'),"
     " '-inf': float('-inf'), 'neg0': -0.0, 'k' * 200: 1e308, '': 5e-324, 'z\U0001F600': 0.0}"),
    ("dict_str_unicode", "Dict[str, str]",
     "{**{'\u00e9' * i + str(i): 'x\U0001F600' * (i * 7) for i in range(40, 0, -1)}, '': '', 'long' * 50: 'y' * 300}"),
    ("dict_nested", "Dict[str, List[Dict[str, float]]]", "{'x': [{'y': 1.5}], 'z': []}"),
    ("dict_opt", "Dict[str, Optional[str]]", "{'a': None, 'b': 'x'}"),
    ("dict_int_key", "Dict[str, int]", "{1: 2}"),
    ("dict_bad_val", "Dict[str, int]", "{'a': 'b'}"),
    ("dict_list_value", "Dict[str, int]", "[1]"),
    # typing.Literal (flytekit's LiteralTypeTransformer): the values' type, no membership check
    ("lit_str", "typing.Literal['a', 'b']", "'a'"),
    ("lit_str_other", "typing.Literal['a', 'b']", "'c'"),
    ("lit_str_wrong", "typing.Literal['a', 'b']", "5"),
    ("lit_int", "typing.Literal[1, 2]", "2"),
    ("lit_int_bool", "typing.Literal[1, 2]", "True"),
    ("lit_float", "typing.Literal[1.5]", "1.5"),
    ("lit_bool", "typing.Literal[True, False]", "False"),
    ("lit_opt", "Optional[typing.Literal['x', 'y']]", "'y'"),
    ("lit_opt_none", "Optional[typing.Literal['x', 'y']]", "None"),
    ("lit_list", "List[typing.Literal['x', 'y']]", "['x', 'y', 'x']"),
    ("lit_dict", "Dict[str, typing.Literal[3, 4]]", "{'k': 4}"),
    ("lit_mixed", "typing.Literal['a', 1]", "'a'"),
]

# (id, type expression, literal expression): decode on both sides.
READ_CASES: list[tuple[str, str, str]] = [
    ("r_lit_str", "typing.Literal['a', 'b']", "L(string_value='c')"),
    ("r_int", "int", "L(integer=3)"),
    ("r_int_from_float", "int", "L(float_value=3.9)"),
    ("r_int_from_negfloat", "int", "L(float_value=-3.9)"),
    ("r_int_from_str", "int", "L(string_value='3')"),
    ("r_int_from_bool", "int", "L(boolean=True)"),
    ("r_int_from_none", "int", "NONE()"),
    ("r_int_from_coll", "int", "COLL(L(integer=1))"),
    ("r_int_from_union", "int", "UNION(L(integer=3), SIMPLE('INTEGER'), 'int')"),
    ("r_float_from_int", "float", "L(integer=3)"),
    ("r_float", "float", "L(float_value=2.5)"),
    ("r_str_from_int", "str", "L(integer=3)"),
    ("r_bool_from_int", "bool", "L(integer=1)"),
    ("r_bool", "bool", "L(boolean=False)"),
    ("r_dt_tz", "datetime.datetime", "L(datetime=datetime.datetime(2024, 1, 2, 23, 30, tzinfo=TZM5))"),
    ("r_dt", "datetime.datetime", "L(datetime=datetime.datetime(2024, 1, 2, 3, 4, 5, 999999))"),
    ("r_date_from_dt", "datetime.date", "L(datetime=datetime.datetime(2024, 1, 2, 23, 30, tzinfo=TZM5))"),
    ("r_dt_from_int", "datetime.datetime", "L(integer=5)"),
    ("r_td", "datetime.timedelta", "L(duration=datetime.timedelta(seconds=-1, microseconds=5))"),
    ("r_none", "type(None)", "NONE()"),
    ("r_none_from_int", "type(None)", "L(integer=0)"),
    ("r_enum", "Color", "L(string_value='green')"),
    ("r_enum_bad", "Color", "L(string_value='purple')"),
    ("r_enum_int", "Color", "L(integer=1)"),
    ("r_list", "List[int]", "COLL(L(integer=1), L(float_value=2.5))"),
    ("r_list_mixed_bad", "List[int]", "COLL(L(integer=1), L(string_value='x'))"),
    ("r_list_from_int", "List[int]", "L(integer=1)"),
    ("r_list_float_ints", "List[float]", "COLL(*[L(integer=i) for i in range(40)])"),
    ("r_list_union_elems", "List[int]", "COLL(*[UNION(L(integer=i), SIMPLE('INTEGER'), 'int') for i in range(20)])"),
    ("r_list_hash_elems", "List[int]", "COLL(*[L(integer=i) for i in range(20)] + [(lambda l: (setattr(l, 'hash', 'x'), l)[1])(L(integer=5))])"),
    ("r_dict", "Dict[str, float]", "MAP(a=L(integer=1), b=L(float_value=0.5))"),
    ("r_dict_from_coll", "Dict[str, int]", "COLL()"),
    ("r_opt_plain_int", "Optional[int]", "L(integer=3)"),
    ("r_opt_plain_none", "Optional[int]", "NONE()"),
    ("r_union_tag", "Union[int, str]", "UNION(L(string_value='x'), SIMPLE('STRING'), 'str')"),
    ("r_union_tag_mismatch", "Union[int, str]", "UNION(L(string_value='x'), SIMPLE('STRING'), 'int')"),
    ("r_union_tag_uncastable", "Union[int, str]", "UNION(L(integer=1), SIMPLE('FLOAT'), 'int')"),
    ("r_union_notag", "Union[int, str]", "UNION(L(integer=7), SIMPLE('INTEGER'))"),
    ("r_union_notype", "Optional[int]", "UNION(L(integer=7))"),
    ("r_union_emptytag", "Union[int, str]", "UNION(L(integer=7), SIMPLE('INTEGER'), '')"),
    ("r_union_int_float_plain", "Union[int, float]", "L(integer=3)"),
    ("r_union_int_float_fplain", "Union[int, float]", "L(float_value=3.5)"),
    ("r_union_str_enum_plain", "Union[str, Color]", "L(string_value='red')"),
    ("r_union_dt_date_plain", "Union[datetime.datetime, datetime.date]", "L(datetime=datetime.datetime(2024, 1, 2))"),
    ("r_union_enum_tag", "Union[Color, Shade]", "UNION(L(string_value='red'), types_pb2.LiteralType(enum_type=types_pb2.EnumType(values=['light', 'red'])), 'DefaultEnumTransformer')"),
    ("r_union_list_tag", "Union[List[int], List[str]]", "UNION(COLL(L(string_value='a')), types_pb2.LiteralType(collection_type=SIMPLE('STRING')), 'Typed List')"),
    ("r_union_into_nonunion", "str", "UNION(L(string_value='x'), SIMPLE('STRING'), 'str')"),
    ("r_bin_int", "int", "BINARY(5)"),
    ("r_bin_float_from_int", "float", "BINARY(5)"),
    ("r_bin_list", "List[int]", "BINARY([1, 2])"),
    ("r_bin_dict", "Dict[str, float]", "BINARY({'a': 1})"),
    ("r_bin_enum", "Color", "BINARY('red')"),
    ("r_bin_dt", "datetime.datetime", "BINARY('2024-01-02T03:04:05')"),
]

# (id, return annotation expression, returned value expression): the outputs map and the interface.
OUTPUT_CASES: list[tuple[str, str, str]] = [
    ("o_int", "int", "5"),
    ("o_none", "None", "None"),
    ("o_none_ignored", "None", "5"),
    ("o_tuple2", "Tuple[int, str]", "(1, 'a')"),
    ("o_tuple2_list", "Tuple[int, str]", "[1, 'a']"),
    ("o_pep585", "tuple[int, List[int]]", "(1, [2])"),
    ("o_named", "Out", "Out(10, 'x')"),
    ("o_named_plain", "Out", "(10, 'x')"),
    ("o_one", "One", "One(3)"),
    ("o_one_plain", "One", "3"),
    ("o_single_tuple", "int", "(1, 2)"),
    ("o_named_bad", "Out", "Out('x', 10)"),
    ("o_int_for_float", "float", "3"),
    ("o_none_for_int", "int", "None"),
    ("o_optional", "Optional[int]", "None"),
    ("o_optional_val", "Optional[int]", "4"),
    ("o_mixed", "Mixed", "Mixed([1.5], None, datetime.datetime(2024, 1, 1, tzinfo=TZ2))"),
    ("o_tuple_elem_tuple", "Tuple[int, int]", "(1, (2, 3))"),
    ("o_list_err", "Tuple[int, List[int]]", "(1, [1, 'x'])"),
    ("o_ann", "Annotated[int, FlyteAnnotation({'a': 'b'})]", "1"),
]


_LEAF_TYPES = [
    "int",
    "float",
    "str",
    "bool",
    "type(None)",
    "datetime.datetime",
    "datetime.date",
    "datetime.timedelta",
    "Color",
]
_LEAF_TAGS = {t: t for t in _LEAF_TYPES}


def _tag(tp: Any) -> str:
    if isinstance(tp, str):
        return "enum" if tp == "Color" else tp
    return tp[0]


def _random_type(rng: Any, depth: int) -> Any:
    """A type as a tree: a leaf name, ("list", T), ("dict", T) or ("union", [T, ...])."""
    if depth == 0 or rng.random() < 0.4:
        return rng.choice(_LEAF_TYPES)
    kind = rng.choice(["list", "dict", "optional", "union"])
    if kind in ("list", "dict"):
        return (kind, _random_type(rng, depth - 1))
    if kind == "optional":
        inner = _random_type(rng, depth - 1)
        variants = [inner] if _tag(inner) != "union" else list(inner[1])
        if all(_tag(v) != "type(None)" for v in variants):
            variants.append("type(None)")
        return ("union", variants) if len(variants) > 1 else variants[0]
    variants, seen = [], set()
    for _ in range(rng.randint(2, 4)):
        v = _random_type(rng, depth - 1)
        for part in (v[1] if _tag(v) == "union" else [v]):
            if _tag(part) not in seen:
                seen.add(_tag(part))
                variants.append(part)
    return ("union", variants) if len(variants) > 1 else variants[0]


def render_type(tp: Any) -> str:
    if isinstance(tp, str):
        return tp
    if tp[0] == "list":
        return f"List[{render_type(tp[1])}]"
    if tp[0] == "dict":
        return f"Dict[str, {render_type(tp[1])}]"
    return "Union[" + ", ".join(render_type(v) for v in tp[1]) + "]"


def _random_text(rng: Any) -> str:
    alphabet = "abcxyz019 _-/\\'\"\n\té€😀\u0000"
    return "".join(rng.choice(alphabet) for _ in range(rng.choice([0, 1, 3, 8, 40, 130])))


def random_value(rng: Any, tp: Any) -> str:
    """A python expression for a value of ``tp``."""
    if tp == "int":
        return repr(rng.choice([0, 1, -1, 127, 128, 300, -(2**63), 2**63 - 1, rng.randint(-(10**12), 10**12)]))
    if tp == "float":
        return rng.choice(["float('nan')", "float('inf')", "-float('inf')", "-0.0", repr(rng.uniform(-1e6, 1e6)), "1e-310"])
    if tp == "str":
        return repr(_random_text(rng))
    if tp == "bool":
        return repr(rng.random() < 0.5)
    if tp == "type(None)":
        return "None"
    if tp == "datetime.datetime":
        tz = rng.choice(["", ", tzinfo=UTC", ", tzinfo=TZ2", ", tzinfo=TZM5"])
        return (
            f"datetime.datetime({rng.randint(1, 9998)}, {rng.randint(1, 12)}, {rng.randint(1, 28)}, "
            f"{rng.randint(0, 23)}, {rng.randint(0, 59)}, {rng.randint(0, 59)}, {rng.randint(0, 999999)}{tz})"
        )
    if tp == "datetime.date":
        return f"datetime.date({rng.randint(1, 9999)}, {rng.randint(1, 12)}, {rng.randint(1, 28)})"
    if tp == "datetime.timedelta":
        return (
            f"datetime.timedelta(days={rng.randint(-10**6, 10**6)}, seconds={rng.randint(0, 86399)}, "
            f"microseconds={rng.randint(0, 999999)})"
        )
    if tp == "Color":
        return rng.choice(["Color.RED", "Color.GREEN", "Color.BLUE", "'blue'"])
    if tp[0] == "list":
        n = rng.choice([0, 1, 3, 20])
        return "[" + ", ".join(random_value(rng, tp[1]) for _ in range(n)) + "]"
    if tp[0] == "dict":
        n = rng.choice([0, 1, 3, 20])
        return "{" + ", ".join(f"{_random_text(rng)!r}: {random_value(rng, tp[1])}" for _ in range(n)) + "}"
    return random_value(rng, rng.choice(tp[1]))


def random_cases(seed: int, n: int) -> list[tuple[str, str, str]]:
    """``n`` reproducible (id, type, value) write cases; about one in eight has a value of another type."""
    import random

    rng = random.Random(seed)
    out = []
    for i in range(n):
        tp = _random_type(rng, 3)
        value_tp = tp if rng.random() < 0.875 else _random_type(rng, 2)
        out.append((f"rand{i}", render_type(tp), random_value(rng, value_tp)))
    return out


def canon(v: Any) -> Any:
    """A JSON-able, exact description of a python value (types included), comparable across processes."""
    if v is None:
        return ["none"]
    if isinstance(v, enum.Enum):
        return ["enum", type(v).__name__, canon(v.value)]
    if isinstance(v, bool):
        return ["bool", v]
    if isinstance(v, int):
        return ["int", str(v)]
    if isinstance(v, float):
        return ["float", "nan" if math.isnan(v) else repr(v)]
    if isinstance(v, str):
        return ["str", v]
    if isinstance(v, datetime.datetime):
        return ["datetime", v.isoformat(), str(v.tzinfo)]
    if isinstance(v, datetime.date):
        return ["date", v.isoformat()]
    if isinstance(v, datetime.timedelta):
        return ["timedelta", v.days, v.seconds, v.microseconds]
    if isinstance(v, list):
        return ["list", [canon(x) for x in v]]
    if isinstance(v, tuple):
        return ["tuple", type(v).__name__, [canon(x) for x in v]]
    if isinstance(v, dict):
        return ["dict", sorted(([canon(k), canon(x)] for k, x in v.items()), key=json.dumps)]
    return ["repr", type(v).__name__, repr(v)]


def module_source(marker_imports: str) -> str:
    """The shared module: marker imports, PRELUDE, and one function per output case."""
    funcs = "".join(
        f"\ndef {cid}() -> {annotation}:\n    return {value_expr}\n" for cid, annotation, value_expr in OUTPUT_CASES
    )
    return marker_imports + "\n" + PRELUDE + funcs


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _err(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def main() -> None:  # pragma: no cover - runs in the oracle venv
    import asyncio
    import os

    os.environ.setdefault("FLYTE_SDK_LOGGING_LEVEL", "50")
    import importlib
    import tempfile

    from flyteidl.core import literals_pb2
    from flytekit import task
    from flytekit.core.context_manager import FlyteContextManager
    from flytekit.core.type_engine import TypeEngine
    from flytekit.models.literals import Literal

    request = json.load(sys.stdin)
    ours: dict[str, str | None] = request.get("ours", {})
    folder = tempfile.mkdtemp(prefix="oracle_types_")
    with open(os.path.join(folder, "oracle_type_cases.py"), "w") as fh:
        fh.write(
            module_source("from flytekit import HashMethod\nfrom flytekit.core.annotation import FlyteAnnotation\n")
        )
    sys.path.insert(0, folder)
    ns = vars(importlib.import_module("oracle_type_cases"))
    ctx = FlyteContextManager.current_context()
    answer: dict[str, dict[str, Any]] = {}

    def read(data: bytes, tp: Any) -> Any:
        TypeEngine._LITERAL_CACHE.clear()
        return TypeEngine.to_python_value(ctx, Literal.from_flyte_idl(literals_pb2.Literal.FromString(data)), tp)

    extra = [tuple(c) for c in request.get("extra_write", [])]
    for cid, type_expr, value_expr in WRITE_CASES + extra:
        out: dict[str, Any] = {}
        answer[cid] = out
        tp = eval(type_expr, ns)
        try:
            lt = TypeEngine.to_literal_type(tp)
            out["lt"] = _b64(lt.to_flyte_idl().SerializeToString(deterministic=True))
        except Exception as exc:
            out["lt_err"] = _err(exc)
            lt = None
        value = eval(value_expr, ns)
        try:
            TypeEngine._LITERAL_CACHE.clear()
            lit = TypeEngine.to_literal(ctx, value, tp, lt).to_flyte_idl()
            out["lit"] = _b64(lit.SerializeToString(deterministic=True))
            out["lit_plain"] = _b64(lit.SerializeToString())
        except Exception as exc:
            out["lit_err"] = _err(exc)
        else:
            try:
                out["self"] = canon(read(lit.SerializeToString(), tp))
            except Exception as exc:
                out["self_err"] = _err(exc)
        theirs = ours.get(cid)
        if theirs is not None:
            try:
                out["ours"] = canon(read(base64.b64decode(theirs), tp))
            except Exception as exc:
                out["ours_err"] = _err(exc)

    for cid, type_expr, literal_expr in READ_CASES:
        out = {}
        answer[cid] = out
        tp = eval(type_expr, ns)
        lit_pb = eval(literal_expr, ns)
        try:
            out["read"] = canon(read(lit_pb.SerializeToString(), tp))
        except Exception as exc:
            out["read_err"] = _err(exc)

    for cid, annotation, value_expr in OUTPUT_CASES:
        out = {}
        answer[cid] = out
        del annotation
        try:
            t = task(ns[cid])
            out["name"] = t.name
            out["iface"] = _b64(t.interface.to_flyte_idl().SerializeToString(deterministic=True))
        except Exception as exc:
            out["iface_err"] = _err(exc)
            continue
        value = eval(value_expr, ns)
        try:
            TypeEngine._LITERAL_CACHE.clear()
            lm, _ = asyncio.run(t._output_to_literal_map(value, ctx))
            out["map"] = _b64(lm.to_flyte_idl().SerializeToString(deterministic=True))
        except Exception as exc:
            out["map_err"] = _err(exc)

    json.dump(answer, sys.stdout)


if __name__ == "__main__":  # pragma: no cover
    main()
