"""Differential: FlyteFile / FlyteDirectory / pandas.DataFrame / pickle literals, ours against flytekit 1.16.31.

For every case, on a local raw prefix and on the S3-compatible server:

* the LiteralType is byte-identical;
* the literal each side writes for the same value has the same shape, once the random ``<hex32>`` path component
  and the side's own raw prefix are normalized (pickle URIs end in the md5 of the bytes: equal too, unless
  cloudpickle and stdlib pickle disagree, so only the last component's *shape* is compared there);
* flytekit reads OUR literal (and the data we uploaded) to the same content we wrote, and we read flytekit's.

flytekit runs in ``oracle_blob.py`` (one subprocess per backend); our side runs in this process.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import typing
from pathlib import Path
from typing import Annotated, Any

import pytest
from flyteidl.core import literals_pb2

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
ORACLE_PYTHON = REPO / ".oracle-venv" / "bin" / "python"
SCRIPT = HERE / "oracle_blob.py"

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

sys.path.insert(0, str(HERE))
import blob_types  # noqa: E402

from flyte_entrypoint.core.type_engine.engine import ConversionContext, literal_type_of, to_literal, to_python  # noqa: E402
from flyte_entrypoint.core.type_engine.pickled import AllowPickle  # noqa: E402
from flyte_entrypoint.files import FlyteDirectory, FlyteFile, install_data_access  # noqa: E402
from flyte_entrypoint.shell import blob_io  # noqa: E402
from flyte_entrypoint.shell.storage import Storage  # noqa: E402

OUR_TYPES: dict[str, Any] = {
    "file": FlyteFile,
    "file_csv": FlyteFile[typing.TypeVar("csv")],
    "file_str_fmt": FlyteFile["txt"],
    "pathlike": os.PathLike,
    "dir": FlyteDirectory,
    "dir_fmt": FlyteDirectory[typing.TypeVar("parquet")],
    "df": pd.DataFrame,
    "df_cols": Annotated[pd.DataFrame, {"a": int, "b": str}],
    "df_sub": Annotated[pd.DataFrame, {"b": str}],
    "pickle": Annotated[blob_types.Obj, AllowPickle],
}

HEX32 = re.compile(r"/[0-9a-f]{32}(?=[/\"]|$)")
FRAME = {"a": [1, 2, 3], "b": ["x", "y", "z"]}


def _oracle_available() -> bool:
    if not ORACLE_PYTHON.exists():
        return False
    probe = subprocess.run(
        [str(ORACLE_PYTHON), "-c", "import pandas, pyarrow, flytekit"], capture_output=True, timeout=120
    )
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(
    not _oracle_available(), reason="oracle venv without pandas/pyarrow (pip install pandas pyarrow into it)"
)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _lit(encoded: str) -> literals_pb2.Literal:
    return literals_pb2.Literal.FromString(base64.b64decode(encoded))


def _value(spec: dict[str, Any]) -> Any:
    if "str" in spec:
        return spec["str"]
    if "path" in spec:
        return Path(spec["path"])
    if "file" in spec:
        return FlyteFile(spec["file"], remote_path=spec.get("remote_path"))
    if "dir" in spec:
        return FlyteDirectory(spec["dir"], remote_directory=spec.get("remote_directory"))
    if "df" in spec:
        return pd.DataFrame(spec["df"])
    if "obj" in spec:
        return blob_types.Obj(spec["obj"])
    raise ValueError(spec)


def content(value: Any) -> Any:
    """The same description as ``oracle_blob.content``."""
    if isinstance(value, FlyteDirectory):
        root = value.download()
        out = {}
        for base, _dirs, files in os.walk(root):
            for name in files:
                full = os.path.join(base, name)
                out[os.path.relpath(full, root)] = _b64(Path(full).read_bytes())
        return {"dir": out, "remote_source": value.remote_source, "ext": value.extension()}
    if isinstance(value, FlyteFile):
        with open(value, "rb") as fh:
            data = fh.read()
        return {"file": _b64(data), "remote_source": value.remote_source, "ext": value.extension()}
    if isinstance(value, pd.DataFrame):
        return {"df": json.loads(value.to_json(orient="split"))}
    if isinstance(value, blob_types.Obj):
        return {"obj": value.n}
    raise TypeError(type(value))


def normalize(literal: literals_pb2.Literal, raw: str) -> str:
    from google.protobuf import text_format

    text = text_format.MessageToString(literal, as_one_line=True).replace(raw.rstrip("/"), "<raw>")
    return HEX32.sub("/<hex32>", text)


class Backend:
    def __init__(self, root: Path, raw_base: str, env: dict[str, str]) -> None:
        self.root = root
        self.raw_base = raw_base.rstrip("/")
        self.env = env

    def raw(self, side: str) -> str:
        return f"{self.raw_base}/{side}"


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "local":
        return Backend(tmp_path, str(tmp_path / "store"), {})
    s3 = request.getfixturevalue("s3")
    return Backend(tmp_path, s3.uri("store"), dict(s3.env))


@pytest.fixture
def data(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "src").mkdir()
    f = tmp_path / "src" / "hello.txt"
    f.write_text("hello flyte\n")
    d = tmp_path / "src" / "tree"
    (d / "sub").mkdir(parents=True)
    (d / "x.txt").write_text("x")
    (d / "sub" / "y.txt").write_text("y")
    return {"file": str(f), "dir": str(d)}


def _specs(data: dict[str, str], backend: Backend) -> dict[str, dict[str, Any]]:
    return {
        "file": {"str": data["file"]},
        "file:path": {"path": data["file"]},
        "file:obj": {"file": data["file"]},
        "file:remote_path": {"file": data["file"], "remote_path": "<raw>/exact/hello.txt"},
        "file:no_upload": {"file": data["file"], "remote_path": False},
        "file:remote_uri": {"str": "s3://some-bucket/key/data.csv"},
        "file_csv": {"str": data["file"]},
        "file_str_fmt": {"str": data["file"]},
        "pathlike": {"str": data["file"]},
        "dir": {"str": data["dir"]},
        "dir:obj": {"dir": data["dir"]},
        "dir:no_upload": {"dir": data["dir"], "remote_directory": False},
        "dir_fmt": {"str": data["dir"]},
        "df": {"df": FRAME},
        "df_cols": {"df": FRAME},
        "pickle": {"obj": 7},
    }


def _for_side(specs: dict[str, dict[str, Any]], raw: str) -> dict[str, dict[str, Any]]:
    out = {}
    for case, spec in specs.items():
        spec = dict(spec)
        if isinstance(spec.get("remote_path"), str):
            spec["remote_path"] = spec["remote_path"].replace("<raw>", raw)
        out[case] = spec
    return out


def run_oracle(backend: Backend, job: dict[str, Any]) -> dict[str, Any]:
    out = backend.root / f"oracle-{len(list(backend.root.glob('oracle-*')))}.json"
    job = {**job, "out": str(out), "sandbox": str(backend.root / "oracle-sandbox")}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE", "_F_"))}
    env.update(backend.env)
    proc = subprocess.run(
        [str(ORACLE_PYTHON), str(SCRIPT)], input=json.dumps(job), capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    result: dict[str, Any] = json.loads(out.read_text())
    return result


@pytest.fixture
def ours(backend: Backend, tmp_path: Path) -> Any:
    storage = Storage.from_env({**os.environ, **backend.env})
    previous = install_data_access(
        blob_io.StorageDataAccess(lambda: storage, str(tmp_path / "our-sandbox"), backend.raw("ours"))
    )
    yield storage
    install_data_access(previous)


def _encode_ours(storage: Any, backend: Backend, specs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    raw = backend.raw("ours")
    results: dict[str, Any] = {}
    for i, (case, spec) in enumerate(_for_side(specs, raw).items()):
        tp = OUR_TYPES[case.split(":")[0]]
        ctx = blob_io.shell_parts(
            ConversionContext(raw_output_prefix=raw, local_sandbox=str(backend.root / "our-stage"), name_seed=f"{i:032x}")
        )
        converted = to_literal(_value(spec), tp, ctx).unwrap()
        blob_io.perform_uploads(storage, converted.uploads)
        results[case] = converted.value
    return results


def test_literal_types_are_byte_identical(backend: Backend) -> None:
    if backend.env:
        pytest.skip("types do not depend on the backend")
    oracle = run_oracle(backend, {"raw": backend.raw("flytekit")})
    for case, tp in OUR_TYPES.items():
        ours = literal_type_of(tp).unwrap().SerializeToString(deterministic=True)
        assert _b64(ours) == oracle[case]["lt"], case


def test_literals_match_and_each_side_reads_the_other(
    backend: Backend, data: dict[str, str], ours: Any
) -> None:
    specs = _specs(data, backend)
    our_lits = _encode_ours(ours, backend, specs)
    # remote uris that do not exist cannot be read back; everything else is cross-read
    readable = {c: lit for c, lit in our_lits.items() if c != "file:remote_uri"}
    oracle = run_oracle(
        backend,
        {
            "raw": backend.raw("flytekit"),
            "encode": _for_side(specs, backend.raw("flytekit")),
            "decode": {c: _b64(lit.SerializeToString()) for c, lit in readable.items()},
        },
    )
    problems = []
    for case, our_lit in our_lits.items():
        res = oracle[case]
        if "err" in res:
            problems.append(f"{case}: flytekit failed to encode: {res['err']}")
            continue
        theirs = _lit(res["lit"])
        a = normalize(our_lit, backend.raw("ours"))
        b = normalize(theirs, backend.raw("flytekit"))
        if case == "pickle":  # <md5 of the bytes>: both pickle streams are valid, bytes may differ
            a, b = (re.sub(r"/<hex32>/[0-9a-f]{32}\"", '/<hex32>/<md5>"', t) for t in (a, b))
        if a != b:
            problems.append(f"{case}: literal differs\n ours:     {a}\n flytekit: {b}")
    # flytekit reads ours
    for case in readable:
        res = oracle[case]
        if "read_err" in res:
            problems.append(f"{case}: flytekit cannot read ours: {res['read_err']}")
            continue
        expected = _expected_content(case, specs[case], data)
        got = res["content"]
        if not _same_content(got, expected):
            problems.append(f"{case}: flytekit read {got!r}, expected {expected!r}")
    # we read flytekit's
    for i, case in enumerate(readable):
        res = oracle[case]
        if "lit" not in res:
            continue
        tp = OUR_TYPES[case.split(":")[0]]
        ctx = ConversionContext(
            raw_output_prefix=backend.raw("ours"),
            local_sandbox=str(backend.root / "our-inputs"),
            name_seed=f"f{i:031x}",  # one seed per input, as the run derives them
        )
        literal = _lit(res["lit"])
        value = blob_io.convert_with_reads(ours, ctx, lambda c, lit=literal, t=tp: to_python(lit, t, c))
        if not hasattr(value, "unwrap") or value.__class__.__name__ == "Failure":
            problems.append(f"{case}: we cannot read flytekit's literal: {value}")
            continue
        got = content(value.unwrap())
        expected = _expected_content(case, specs[case], data)
        if not _same_content(got, expected):
            problems.append(f"{case}: we read {got!r}, expected {expected!r}")
    assert not problems, "\n".join(problems)


def _expected_content(case: str, spec: dict[str, Any], data: dict[str, str]) -> Any:
    kind = case.split(":")[0]
    if kind.startswith("file") or kind == "pathlike":
        return {"file": _b64(Path(data["file"]).read_bytes())}
    if kind.startswith("dir"):
        root = Path(data["dir"])
        return {"dir": {str(p.relative_to(root)): _b64(p.read_bytes()) for p in root.rglob("*") if p.is_file()}}
    if kind == "df":
        return {"df": json.loads(pd.DataFrame(FRAME).to_json(orient="split"))}
    if kind == "df_cols":
        return {"df": json.loads(pd.DataFrame(FRAME).to_json(orient="split"))}
    if kind == "pickle":
        return {"obj": spec["obj"]}
    raise AssertionError(case)


def _same_content(got: dict[str, Any], expected: dict[str, Any]) -> bool:
    return all(got.get(k) == v for k, v in expected.items())


def test_column_subsetting_on_read(backend: Backend, ours: Any) -> None:
    """A frame written with columns (a, b) and read as Annotated[DataFrame, kwtypes(b=str)] keeps only b."""
    specs = {"df_cols": {"df": FRAME}}
    our_lits = _encode_ours(ours, backend, specs)
    oracle = run_oracle(
        backend,
        {
            "raw": backend.raw("flytekit"),
            "encode": specs,
            "decode": {"df_sub": _b64(our_lits["df_cols"].SerializeToString())},
        },
    )
    expected = json.loads(pd.DataFrame({"b": FRAME["b"]}).to_json(orient="split"))
    assert oracle["df_sub"]["content"] == {"df": expected}
    ctx = ConversionContext(local_sandbox=str(backend.root / "sub"))
    literal = _lit(oracle["df_cols"]["lit"])
    ours_read = blob_io.convert_with_reads(ours, ctx, lambda c: to_python(literal, OUR_TYPES["df_sub"], c)).unwrap()
    assert json.loads(ours_read.to_json(orient="split")) == expected
