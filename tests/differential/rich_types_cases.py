"""Cases shared by ``oracle_rich_types.py`` (flytekit's side, oracle venv) and ``test_rich_types_oracle.py`` (ours).

Every case is ``(id, type expression, value expression or None)``, evaluated in a namespace made of a side's
imports (:data:`FLYTEKIT_IMPORTS` / :data:`OURS_IMPORTS`, the same names bound to each side's objects) plus
:data:`COMMON`. Both sides compare the LiteralType, the literal (URIs normalized), and read the other side's
literal back to the same :func:`canon` value.
"""

from __future__ import annotations

import base64
import json
from typing import Any

FLYTEKIT_IMPORTS = r'''
from flytekit import HashMethod, kwtypes
from flytekit.types.file import (FlyteFile, CSVFile, HDF5EncodedFile, HTMLPage, JoblibSerializedFile, JPEGImageFile,
    JSONLFile, ONNXFile, PDFFile, PNGImageFile, PythonNotebook, PythonPickledFile, SVGImageFile, TFRecordFile)
from flytekit.types.directory import FlyteDirectory, TensorboardLogs, TFRecordsDirectory
from flytekit.types.error import FlyteError
from flytekit.types.structured import StructuredDataset
from flytekit.types.structured.structured_dataset import CSV, PARQUET
from flytekit.types.iterator import JSON
from flytekit.core.type_engine import BatchSize
from flytekit.types.schema import FlyteSchema
'''

OURS_IMPORTS = r'''
from flyte_entrypoint import HashMethod, kwtypes
from flyte_entrypoint import (FlyteFile, CSVFile, HDF5EncodedFile, HTMLPage, JoblibSerializedFile, JPEGImageFile,
    JSONLFile, ONNXFile, PDFFile, PNGImageFile, PythonNotebook, PythonPickledFile, SVGImageFile, TFRecordFile)
from flyte_entrypoint import FlyteDirectory, TensorboardLogs, TFRecordsDirectory
from flyte_entrypoint import FlyteError
from flyte_entrypoint import StructuredDataset, CSV, PARQUET
from flyte_entrypoint.iterators import JSON
from flyte_entrypoint import BatchSize, FlyteSchema
'''

COMMON = r'''
import datetime, typing
from typing import Annotated, Dict, List, Optional, Union
import dataclasses
import pandas as pd
import pyarrow as pa
import numpy as np

DF = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"], "c": [0.5, 1.5, -2.0]})
DF_TIMES = pd.DataFrame({"t": pd.to_datetime(["2024-01-02T03:04:05.123456", "2000-02-29T00:00:00.000000"]), "ok": [True, False]})
TABLE = pa.table({"a": [1, 2], "b": ["p", "q"]})

def hash_rows(df):
    return "rows-" + str(len(df))

import dataclasses

from pydantic import BaseModel

class PInner(BaseModel):
    x: int
    tags: List[str] = []

class PModel(BaseModel):
    a: int
    when: datetime.datetime
    inner: PInner
    f: float = 1.5
    s: str = "s"
    maybe: Optional[PInner] = None
    items: List[PInner] = []
    m: Dict[str, int] = {}
    flag: Optional[bool] = None

class PFiles(BaseModel):
    ff: FlyteFile
    fd: Optional[FlyteDirectory] = None
    sd: Optional[StructuredDataset] = None
    n: int = 0

WHEN = datetime.datetime(2024, 1, 2, 3, 4, 5, 123456)
WHEN_TZ = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))

NESTED = [
    {"company": "XYZ pvt ltd", "location": "London",
     "info": {"president": "Rakesh Kapoor", "contacts": {"email": "contact@xyz.com", "tel": "9876543210"}}},
    {"company": "ABC pvt ltd", "location": "USA",
     "info": {"president": "Kapoor Rakesh", "contacts": {"email": "contact@abc.com", "tel": "0123456789"}}},
]

@dataclasses.dataclass
class ContactsField:
    email: str
    tel: str

@dataclasses.dataclass
class InfoField:
    president: str
    contacts: ContactsField

@dataclasses.dataclass
class CompanyField:
    location: str
    info: InfoField
    company: str

def written_schema(cls):
    schema = cls()
    writer = schema.open()
    writer.write(DF[["a", "b"]])
    writer.write(DF[["a", "b"]].iloc[:1])
    return schema

class Datum(BaseModel):
    x: int
    y: str
    z: dict[int, str]

class FlyteTypes(BaseModel):
    dataframe: StructuredDataset
    file: FlyteFile
    directory: FlyteDirectory

class PAliases(BaseModel):
    f: CSVFile
    g: Optional[FlyteFile["txt"]] = None
    d: Optional[TensorboardLogs] = None

class PSchema(BaseModel):
    s: FlyteSchema
    t: Optional[FlyteSchema[kwtypes(a=int, b=str)]] = None

@dataclasses.dataclass
class WithSchema:
    s: FlyteSchema
    t: Optional[FlyteSchema[kwtypes(a=int, b=str)]] = None

@dataclasses.dataclass
class WithSD:
    sd: StructuredDataset
    n: int = 0
    osd: Optional[StructuredDataset] = None
'''

NESTED = [
    {"company": "XYZ pvt ltd", "location": "London",
     "info": {"president": "Rakesh Kapoor", "contacts": {"email": "contact@xyz.com", "tel": "9876543210"}}},
    {"company": "ABC pvt ltd", "location": "USA",
     "info": {"president": "Kapoor Rakesh", "contacts": {"email": "contact@abc.com", "tel": "0123456789"}}},
]  # flytesnacks' structured_dataset.py data (also defined in COMMON for the value expressions)

FILE_ALIASES = [
    "CSVFile", "HDF5EncodedFile", "HTMLPage", "JoblibSerializedFile", "JPEGImageFile", "JSONLFile", "ONNXFile",
    "PDFFile", "PNGImageFile", "PythonNotebook", "PythonPickledFile", "SVGImageFile", "TFRecordFile",
]
DIR_ALIASES = ["TensorboardLogs", "TFRecordsDirectory"]

# (id, type, value): value None = type only. "<file>" / "<dir>" in a value stand for the case's local data.
CASES: list[tuple[str, str, str | None]] = [
    *[(f"alias_{a}", a, f"{a}('<file>')") for a in FILE_ALIASES],
    *[(f"alias_{a}", a, f"{a}('<dir>')") for a in DIR_ALIASES],
    *[(f"list_{a}", f"List[{a}]", f"[{a}('<file>')]") for a in ("CSVFile", "PNGImageFile")],
    ("opt_alias", "Optional[JSONLFile]", "JSONLFile('<file>')"),
    ("opt_alias_none", "Optional[JSONLFile]", "None"),
    ("error", "FlyteError", "FlyteError(message='boom', failed_node_id='n1')"),
    ("error_empty", "FlyteError", "FlyteError(message='', failed_node_id='')"),
    ("opt_error", "Optional[FlyteError]", "FlyteError(message='it failed: x', failed_node_id='fn0')"),
    ("opt_error_none", "Optional[FlyteError]", "None"),
    ("error_wrong", "FlyteError", "'not an error'"),
    ("list_error", "List[FlyteError]", "[FlyteError(message='a', failed_node_id='b')]"),
    ("union_error", "Union[int, FlyteError]", "FlyteError(message='u', failed_node_id='v')"),
    # StructuredDataset and dataframes
    ("df", "pd.DataFrame", "DF"),
    ("df_times", "pd.DataFrame", "DF_TIMES"),
    ("df_cols", "Annotated[pd.DataFrame, kwtypes(a=int, b=str)]", "DF"),
    ("df_csv_annot", "Annotated[pd.DataFrame, 'csv']", "DF"),
    ("df_hash", "Annotated[pd.DataFrame, HashMethod(hash_rows)]", "DF"),
    ("df_cols_hash", "Annotated[Annotated[pd.DataFrame, kwtypes(a=int)], HashMethod(hash_rows)]", "DF"),
    ("opt_df", "Optional[pd.DataFrame]", "DF"),
    ("list_df", "List[pd.DataFrame]", "[DF, DF]"),
    ("sd", "StructuredDataset", "StructuredDataset(dataframe=DF)"),
    ("sd_cols", "Annotated[StructuredDataset, kwtypes(a=int, c=float)]", "StructuredDataset(dataframe=DF)"),
    ("sd_csv", "Annotated[StructuredDataset, CSV]", "StructuredDataset(dataframe=DF)"),
    ("sd_parquet", "Annotated[StructuredDataset, PARQUET]", "StructuredDataset(dataframe=DF)"),
    ("sd_fileformat_ignored", "StructuredDataset", "StructuredDataset(dataframe=DF, file_format='csv')"),
    ("sd_hash", "Annotated[StructuredDataset, HashMethod(lambda sd: 'h')]", "StructuredDataset(dataframe=DF)"),
    ("sd_uri_dir", "StructuredDataset", "StructuredDataset(uri='<pq_dir>', file_format='parquet')"),
    ("sd_uri_file", "StructuredDataset", "StructuredDataset(uri='<pq_file>')"),
    ("sd_uri_remote", "StructuredDataset", "StructuredDataset(uri='s3://bucket/some/key', file_format='parquet')"),
    ("sd_no_uri", "StructuredDataset", "StructuredDataset()"),
    ("sd_bare_df", "StructuredDataset", "DF"),
    ("sd_arrow", "StructuredDataset", "StructuredDataset(dataframe=TABLE)"),
    ("arrow", "pa.Table", "TABLE"),
    ("df_nested_cols", "Annotated[pd.DataFrame, {'l': List[int], 'm': Dict[str, float], 'n': {'x': bool}}]", None),
    ("df_dt_cols", "Annotated[pd.DataFrame, kwtypes(t=datetime.datetime, d=datetime.timedelta, s=str)]", None),
    ("opt_sd", "Optional[StructuredDataset]", "None"),
    ("dc_sd", "WithSD", "WithSD(sd=StructuredDataset(dataframe=DF), n=3)"),
    ("dc_sd_uri", "WithSD", "WithSD(sd=StructuredDataset(uri='<pq_dir>', file_format='parquet'), osd=StructuredDataset(dataframe=DF))"),
    ("list_dc_sd", "List[WithSD]", "[WithSD(sd=StructuredDataset(dataframe=DF))]"),
    # pydantic models
    ("pyd", "PModel", "PModel(a=1, when=WHEN, inner=PInner(x=2, tags=['a', 'b']))"),
    ("pyd_tz", "PModel", "PModel(a=-5, when=WHEN_TZ, inner=PInner(x=0), f=2, s='ü', flag=True)"),
    ("pyd_full", "PModel", "PModel(a=1, when=WHEN, inner=PInner(x=2), maybe=PInner(x=3), items=[PInner(x=4, tags=['t'])],"
     " m={'k': 1, 'j': 2}, f=float('inf'))"),
    ("list_pyd", "List[PModel]", "[PModel(a=i, when=WHEN, inner=PInner(x=i)) for i in range(5)]"),
    ("list_pyd_bulk", "List[PModel]", "[PModel(a=i, when=WHEN_TZ, inner=PInner(x=-i, tags=['t'] * (i % 3)), f=i / 3)"
     " for i in range(40)]"),
    ("opt_pyd", "Optional[PModel]", "PModel(a=1, when=WHEN, inner=PInner(x=2))"),
    ("opt_pyd_none", "Optional[PModel]", "None"),
    ("dict_pyd", "Dict[str, PInner]", "{'one': PInner(x=1), 'two': PInner(x=2, tags=['z'])}"),
    ("pyd_wrong", "PModel", "PInner(x=1)"),
    ("pyd_files", "PFiles", "PFiles(ff=FlyteFile('<file>'), fd=FlyteDirectory('<dir>'), sd=StructuredDataset(dataframe=DF), n=2)"),
    ("pyd_file_only", "PFiles", "PFiles(ff=FlyteFile('<file>'))"),
    # numpy, iterators, BatchSize
    ("np", "np.ndarray", "np.arange(6).reshape(2, 3)"),
    ("np_float", "np.ndarray", "np.array([1.5, -2.0, float('nan')])"),
    ("np_pickle", "Annotated[np.ndarray, kwtypes(allow_pickle=True)]", "np.array([{'a': 1}, None], dtype=object)"),
    ("np_hash", "Annotated[np.ndarray, HashMethod(lambda a: 'arr')]", "np.zeros(3)"),
    ("np_bad_annotation", "Annotated[np.ndarray, 'x']", "np.zeros(3)"),
    ("list_np", "List[np.ndarray]", "[np.ones(2), np.zeros((1, 1))]"),
    ("json_iter", "typing.Iterator[JSON]", "iter([{'a': 1, 'b': [1, 2]}, [1, 2], 'ü', 3.5, True])"),
    ("json_iter_empty", "typing.Iterator[JSON]", "iter([])"),
    ("int_iter", "typing.Iterator[int]", "iter([1, 2, 3])"),
    ("file_iter", "typing.Iterator[FlyteFile]", "iter([FlyteFile('<file>'), FlyteFile('<file>')])"),
    ("batch_dir", "Annotated[FlyteDirectory, BatchSize(2)]", "FlyteDirectory('<dir>')"),
    ("batch_list", "Annotated[List[int], BatchSize(2)]", "[1, 2, 3]"),
    ("type_nested_arg", "Annotated[StructuredDataset, kwtypes(company=str)]", None),
    ("type_nested_top_dc", "Annotated[StructuredDataset, CompanyField]", None),
    ("type_nested_top_dict", "Annotated[StructuredDataset, {'company': str, 'location': str}]", None),
    ("type_nested_dict", "Annotated[StructuredDataset, kwtypes(info={'contacts': {'tel': str}})]", None),
    ("type_nested_dict_list", "Annotated[StructuredDataset, kwtypes(info={'contacts': {'tel': str, 'email': str}})]", None),
    ("type_nested_second_dc", "Annotated[StructuredDataset, kwtypes(info=InfoField)]", None),
    ("type_nested_nested_dc", "Annotated[StructuredDataset, kwtypes(info=kwtypes(contacts=ContactsField))]", None),
    ("nested_write", "StructuredDataset", "StructuredDataset(dataframe=pd.json_normalize(NESTED, max_level=0))"),
    # legacy FlyteSchema
    ("schema_df", "FlyteSchema[kwtypes(a=int, b=str)]", "DF[['a', 'b']]"),
    ("schema_plain_df", "FlyteSchema", "DF"),
    ("schema_obj", "FlyteSchema[kwtypes(a=int, b=str)]", "written_schema(FlyteSchema[kwtypes(a=int, b=str)])"),
    ("schema_types", "FlyteSchema[kwtypes(t=datetime.datetime, d=datetime.timedelta, f=float, ok=bool)]", None),
    ("schema_bad_col", "FlyteSchema[kwtypes(a=complex)]", None),
    ("schema_wrong_value", "FlyteSchema", "[1, 2]"),
    ("dc_schema", "WithSchema", "WithSchema(s=written_schema(FlyteSchema), t=written_schema(FlyteSchema[kwtypes(a=int, b=str)]))"),
    ("dc_schema_none", "WithSchema", "WithSchema(s=written_schema(FlyteSchema))"),
    ("pyd_schema", "PSchema", "PSchema(s=written_schema(FlyteSchema))"),
    # flytesnacks' pydantic_basemodel.py
    ("pyd_datum", "Datum", "Datum(x=10, y='10', z={10: '10', -3: 'x'})"),
    ("pyd_flyte_types", "FlyteTypes", "FlyteTypes(dataframe=StructuredDataset(dataframe=DF), file=FlyteFile('<file>'),"
     " directory=FlyteDirectory('<dir>'))"),
    ("pyd_aliases", "PAliases", "PAliases(f=CSVFile('<file>'), d=TensorboardLogs('<dir>'))"),
]

# literal-only read cases: (id, type, python expression building a flyteidl Literal with ``literals_pb2``)
READS: list[tuple[str, str, str]] = [
    ("read_error", "FlyteError", "_error_literal('m', 'node-3')"),
    ("read_error_int", "FlyteError", "_int_literal(3)"),
    ("read_opt_error", "Optional[FlyteError]", "_error_literal('m2', 'node-4')"),
    # a StructuredDataset given as a URI only: a bare literal, a dataclass attribute's msgpack, the console's Struct
    ("read_sd_uri_only", "pd.DataFrame", "_sd_literal('<pq_dir>', '')"),
    ("read_sd_uri_only_wrapper", "StructuredDataset", "_sd_literal('<pq_dir>', '')"),
    ("read_sd_uri_cols", "Annotated[pd.DataFrame, kwtypes(b=str)]", "_sd_literal('<pq_dir>', 'parquet')"),
    ("read_sd_msgpack", "pd.DataFrame", "_msgpack_literal({'uri': '<pq_dir>', 'file_format': 'parquet'})"),
    ("read_sd_msgpack_wrapper", "StructuredDataset", "_msgpack_literal({'uri': '<pq_dir>', 'file_format': 'parquet'})"),
    ("read_sd_struct", "pd.DataFrame", "_struct_literal({'uri': '<pq_dir>', 'file_format': 'parquet'})"),
    ("read_sd_no_uri", "pd.DataFrame", "_msgpack_literal({'file_format': 'parquet'})"),
    ("read_schema_as_df", "pd.DataFrame", "_schema_literal('<pq_dir>')"),
    ("read_sd_as_schema", "FlyteSchema", "_sd_literal('<pq_dir>', 'parquet')"),
    # flytesnacks' structured_dataset.py: nested columns (struct columns read through dotted / dataclass subsets)
    ("read_nested_arg", "Annotated[StructuredDataset, kwtypes(company=str)]", "_sd_literal('<nested_dir>', 'parquet')"),
    ("read_nested_top_dc", "Annotated[StructuredDataset, CompanyField]", "_sd_literal('<nested_dir>', 'parquet')"),
    ("read_nested_top_dict", "Annotated[StructuredDataset, {'company': str, 'location': str}]", "_sd_literal('<nested_dir>', 'parquet')"),
    ("read_nested_dict", "Annotated[StructuredDataset, kwtypes(info={'contacts': {'tel': str}})]", "_sd_literal('<nested_dir>', 'parquet')"),
    ("read_nested_dict_list", "Annotated[StructuredDataset, kwtypes(info={'contacts': {'tel': str, 'email': str}})]", "_sd_literal('<nested_dir>', 'parquet')"),
    ("read_nested_second_dc", "Annotated[StructuredDataset, kwtypes(info=InfoField)]", "_sd_literal('<nested_dir>', 'parquet')"),
    ("read_nested_nested_dc", "Annotated[StructuredDataset, kwtypes(info=kwtypes(contacts=ContactsField))]", "_sd_literal('<nested_dir>', 'parquet')"),
]

LITERAL_HELPERS = r'''
from flyteidl.core import literals_pb2

def _error_literal(message, node):
    lit = literals_pb2.Literal()
    lit.scalar.error.message = message
    lit.scalar.error.failed_node_id = node
    return lit

def _sd_literal(uri, fmt):
    lit = literals_pb2.Literal()
    lit.scalar.structured_dataset.uri = uri
    lit.scalar.structured_dataset.metadata.structured_dataset_type.format = fmt
    return lit

def _msgpack_literal(obj):
    import msgpack
    lit = literals_pb2.Literal()
    lit.scalar.binary.value = msgpack.dumps(obj)
    lit.scalar.binary.tag = "msgpack"
    return lit

def _struct_literal(obj):
    from google.protobuf import json_format, struct_pb2
    lit = literals_pb2.Literal()
    lit.scalar.generic.CopyFrom(json_format.ParseDict(obj, struct_pb2.Struct()))
    return lit

def _schema_literal(uri):
    lit = literals_pb2.Literal()
    lit.scalar.schema.uri = uri
    return lit

def _int_literal(n):
    lit = literals_pb2.Literal()
    lit.scalar.primitive.integer = n
    return lit
'''


def _random_frame(rng: Any) -> tuple[str, list[tuple[str, str]]]:
    """A ``pd.DataFrame({...})`` expression with 1-5 random columns of random dtypes, and the (name, type) list."""
    kinds = {
        "int": ("int", lambda: str(rng.choice([0, 1, -1, 2**40, -(2**62), rng.randint(-1000, 1000)]))),
        "float": ("float", lambda: repr(rng.choice([0.0, -0.0, 1.5, -2.25, 1e300, rng.random()]))),
        "str": ("str", lambda: repr(rng.choice(["", "a", "ü", "x y", "😀", "long" * 5]))),
        "bool": ("bool", lambda: repr(rng.random() < 0.5)),
        "datetime": (
            "datetime.datetime",
            lambda: f"datetime.datetime({rng.randint(1970, 2100)}, {rng.randint(1, 12)}, {rng.randint(1, 28)},"
            f" {rng.randint(0, 23)}, 0, 0, {rng.randint(0, 999999)})",
        ),
    }
    rows = rng.randint(1, 6)
    cols: list[tuple[str, str]] = []
    parts = []
    for i in range(rng.randint(1, 5)):
        kind = rng.choice(sorted(kinds))
        tp, gen = kinds[kind]
        name = f"c{i}_{kind}"
        cols.append((name, tp))
        parts.append(f"{name!r}: [{', '.join(gen() for _ in range(rows))}]")
    return "pd.DataFrame({" + ", ".join(parts) + "})", cols


def _random_model(rng: Any, depth: int = 0) -> str:
    """A random ``PModel(...)`` expression (nested PInner values, lists, dicts, optionals)."""
    def inner() -> str:
        tags = [repr(rng.choice(["", "t", "ü", "a,b"])) for _ in range(rng.randint(0, 3))]
        return f"PInner(x={rng.randint(-(2**62), 2**62)}, tags=[{', '.join(tags)}])"

    fields = [
        f"a={rng.randint(-(2**63), 2**63 - 1)}",
        f"when=datetime.datetime({rng.randint(1, 9999)}, {rng.randint(1, 12)}, {rng.randint(1, 28)},"
        f" {rng.randint(0, 23)}, {rng.randint(0, 59)}, {rng.randint(0, 59)}, {rng.randint(0, 999999)})",
        f"inner={inner()}",
    ]
    if rng.random() < 0.5:
        fields.append(f"f={rng.choice([0.0, -0.0, 1e-300, 3.14, 1e300, -7.5])!r}")
    if rng.random() < 0.5:
        fields.append(f"s={rng.choice(['', 'ü', '😀', 'x' * 40])!r}")
    if rng.random() < 0.5:
        fields.append(f"maybe={inner()}")
    if rng.random() < 0.5:
        fields.append(f"items=[{', '.join(inner() for _ in range(rng.randint(0, 3)))}]")
    if rng.random() < 0.5:
        fields.append("m={" + ", ".join(f"'k{i}': {rng.randint(-5, 5)}" for i in range(rng.randint(0, 3))) + "}")
    if rng.random() < 0.5:
        fields.append(f"flag={rng.choice([True, False, None])}")
    return f"PModel({', '.join(fields)})"


def random_cases(seed: int, n: int) -> list[tuple[str, str, str | None]]:
    """Seeded random frames (whole, and read back through a random column subset) and nested pydantic models."""
    import random

    rng = random.Random(seed)
    out: list[tuple[str, str, str | None]] = []
    for i in range(n):
        frame, cols = _random_frame(rng)
        declared = rng.sample(cols, rng.randint(0, len(cols)))
        tp = "pd.DataFrame"
        if declared and rng.random() < 0.5:
            tp = "Annotated[pd.DataFrame, kwtypes(" + ", ".join(f"{c}={t}" for c, t in declared) + ")]"
        out.append((f"rand_df_{i}", tp, frame))
        if declared:
            kw = ", ".join(f"{c}={t}" for c, t in declared)
            out.append((f"rand_sd_{i}", f"Annotated[StructuredDataset, kwtypes({kw})]", f"StructuredDataset(dataframe={frame})"))
        out.append((f"rand_model_{i}", "PModel", _random_model(rng)))
        if i % 3 == 0:
            out.append((f"rand_models_{i}", "List[PModel]", "[" + ", ".join(_random_model(rng) for _ in range(3)) + "]"))
    return out


CASES.extend(random_cases(seed=1010, n=25))


def pydantic_overlay(folder: Any) -> str | None:
    """A PYTHONPATH entry lending this venv's pydantic to the oracle venv (which has none; it is never modified).

    flytekit registers its pydantic transformer only when pydantic imports; with the same pydantic (and
    pydantic-core, built for the same python) both sides produce comparable model schemas. None when the oracle has
    its own pydantic."""
    import subprocess
    from pathlib import Path

    oracle_python = Path(__file__).resolve().parents[2] / ".oracle-venv" / "bin" / "python"
    probe = subprocess.run([str(oracle_python), "-c", "import pydantic"], capture_output=True, check=False)
    if probe.returncode == 0:
        return None
    import pydantic

    site = Path(pydantic.__file__).resolve().parents[1]
    overlay = Path(folder) / "oracle-overlay"
    overlay.mkdir(parents=True, exist_ok=True)
    for name in ("pydantic", "pydantic_core", "annotated_types", "typing_inspection"):
        if (site / name).exists() and not (overlay / name).exists():
            (overlay / name).symlink_to(site / name)
    return str(overlay)


def substitute(expr: str, data: dict[str, str]) -> str:
    """``<name>`` placeholders in a value expression replaced by the case data's paths."""
    for key, path in data.items():
        expr = expr.replace(f"<{key}>", path)
    return expr


def namespace_source(imports: str) -> str:
    return imports + COMMON + LITERAL_HELPERS


def canon(value: Any) -> Any:
    """A JSON-able description of a value that both sides' objects map to identically."""
    name = type(value).__name__
    if isinstance(value, float) and value != value:
        return "nan"
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [canon(v) for v in value]
    if isinstance(value, dict):
        return {str(k): canon(v) for k, v in value.items()}
    if name == "_TypedSchema" or name == "FlyteSchema":
        return {"schema": canon(value.open().all())}
    if name == "StructuredDataset":
        import pandas

        return {"sd": canon(value.open(pandas.DataFrame).all()), "format": value.file_format}
    if name == "Table" and hasattr(value, "to_pydict"):
        return {"table": canon(value.to_pydict())}
    if name == "FlyteError":
        return {"FlyteError": [value.message, value.failed_node_id]}
    if name == "DataFrame" and hasattr(value, "to_json"):
        return {"df": json.loads(value.to_json(orient="split", date_format="iso"))}
    if name == "ndarray":
        return {"np": canon(value.tolist()), "dtype": str(value.dtype), "shape": list(value.shape)}
    if name in ("JSONIterator", "FlyteIterator"):
        return {"iter": [canon(v) for v in value]}
    if hasattr(value, "isoformat"):
        return {"iso": value.isoformat()}
    if hasattr(value, "model_dump"):  # pydantic
        return {"model": type(value).__name__, "fields": {k: canon(getattr(value, k)) for k in type(value).model_fields}}
    if hasattr(value, "__fspath__") and hasattr(value, "extension"):
        import os

        path = value.download()
        if os.path.isdir(path):
            files = {}
            for base, _dirs, names in os.walk(path):
                for n in names:
                    full = os.path.join(base, n)
                    with open(full, "rb") as fh:
                        files[os.path.relpath(full, path)] = base64.b64encode(fh.read()).decode()
            return {"dir": files, "ext": type(value).extension()}
        with open(path, "rb") as fh:
            return {"file": base64.b64encode(fh.read()).decode(), "ext": type(value).extension()}
    if hasattr(value, "__dataclass_fields__") and not isinstance(value, type):
        return {"dc": name, "fields": {k: canon(getattr(value, k)) for k in value.__dataclass_fields__}}
    raise TypeError(f"no canon for {type(value)}")
