"""flytekit's side of the FlyteFile / FlyteDirectory / DataFrame / pickle differential test.  ORACLE venv only.

Reads one JSON document from stdin::

    {"raw": "<raw output prefix>", "sandbox": "/abs/dir", "out": "/abs/result.json",
     "encode": {"<case>": <value spec>},            # values flytekit converts to literals (uploads to raw)
     "decode": {"<case>": "<b64 Literal>"}}         # literals (ours, or flytekit's own) flytekit reads back

Cases name a python type (``TYPES`` below; the dev-venv side has the matching table). Value specs:
``{"str": p}``, ``{"path": p}`` (pathlib.Path), ``{"file": p, "remote_path": x}`` (FlyteFile; ``x`` may be
false), ``{"dir": p, "remote_directory": x}`` (FlyteDirectory), ``{"df": {col: [values]}}``, ``{"obj": n}``.

Writes ``out`` as JSON: for every case in TYPES ``lt`` (b64 of the serialized LiteralType); for every encoded case
``lit`` (b64 Literal) or ``err``; for every decoded case ``content`` (see :func:`content`) or ``read_err``.
S3 access comes from the ``FLYTE_AWS_*`` environment, as in a flytekit task pod.
"""

import base64
import json
import os
import pathlib
import sys
import typing
from typing import Annotated

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import blob_types
import pandas as pd
from flyteidl.core import literals_pb2
from flytekit import kwtypes
from flytekit.configuration import DataConfig
from flytekit.core.context_manager import ExecutionState, FlyteContextManager
from flytekit.core.data_persistence import FileAccessProvider
from flytekit.core.type_engine import TypeEngine
from flytekit.models.literals import Literal
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile

TYPES: dict[str, typing.Any] = {
    "file": FlyteFile,
    "file_csv": FlyteFile[typing.TypeVar("csv")],
    "file_str_fmt": FlyteFile["txt"],
    "pathlike": os.PathLike,
    "dir": FlyteDirectory,
    "dir_fmt": FlyteDirectory[typing.TypeVar("parquet")],
    "df": pd.DataFrame,
    "df_cols": Annotated[pd.DataFrame, kwtypes(a=int, b=str)],
    "df_sub": Annotated[pd.DataFrame, kwtypes(b=str)],
    "pickle": blob_types.Obj,
}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _err(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _value(spec: dict[str, typing.Any]) -> typing.Any:
    if "str" in spec:
        return spec["str"]
    if "path" in spec:
        return pathlib.Path(spec["path"])
    if "file" in spec:
        return FlyteFile(spec["file"], remote_path=spec.get("remote_path"))
    if "dir" in spec:
        return FlyteDirectory(spec["dir"], remote_directory=spec.get("remote_directory"))
    if "df" in spec:
        return pd.DataFrame(spec["df"])
    if "obj" in spec:
        return blob_types.Obj(spec["obj"])
    raise ValueError(f"unknown value spec {spec}")


def content(value: typing.Any) -> typing.Any:
    """What a task would see: file bytes, a directory's {relative path: bytes}, a frame's records, an Obj."""
    if isinstance(value, FlyteDirectory):
        root = value.download()
        out = {}
        for base, _dirs, files in os.walk(root):
            for name in files:
                full = os.path.join(base, name)
                with open(full, "rb") as fh:
                    out[os.path.relpath(full, root)] = _b64(fh.read())
        return {"dir": out, "remote_source": value.remote_source, "ext": value.extension()}
    if isinstance(value, FlyteFile):
        with open(value, "rb") as fh:
            data = fh.read()
        return {"file": _b64(data), "remote_source": value.remote_source, "ext": value.extension()}
    if isinstance(value, pd.DataFrame):
        return {"df": json.loads(value.to_json(orient="split"))}
    if isinstance(value, blob_types.Obj):
        return {"obj": value.n}
    raise TypeError(f"cannot describe {type(value)}")


def main() -> None:
    job = json.load(sys.stdin)
    base = FlyteContextManager.current_context()
    fa = FileAccessProvider(local_sandbox_dir=job["sandbox"], raw_output_prefix=job["raw"], data_config=DataConfig.auto())
    state = base.execution_state.with_params(mode=ExecutionState.Mode.TASK_EXECUTION)
    out: dict[str, dict[str, typing.Any]] = {case: {} for case in TYPES}
    with FlyteContextManager.with_context(base.with_file_access(fa).with_execution_state(state)) as ctx:
        for case, tp in TYPES.items():
            out[case]["lt"] = _b64(TypeEngine.to_literal_type(tp).to_flyte_idl().SerializeToString())
        for case, spec in job.get("encode", {}).items():
            tp = TYPES[case.split(":")[0]]
            res = out.setdefault(case, {})
            try:
                lit = TypeEngine.to_literal(ctx, _value(spec), tp, TypeEngine.to_literal_type(tp))
                res["lit"] = _b64(lit.to_flyte_idl().SerializeToString(deterministic=True))
            except Exception as exc:
                res["err"] = _err(exc)
        for case, encoded in job.get("decode", {}).items():
            tp = TYPES[case.split(":")[0]]
            res = out.setdefault(case, {})
            try:
                pb = literals_pb2.Literal.FromString(base64.b64decode(encoded))
                value = TypeEngine.to_python_value(ctx, Literal.from_flyte_idl(pb), tp)
                res["content"] = content(value)
            except Exception as exc:
                res["read_err"] = _err(exc)
    with open(job["out"], "w") as fh:
        json.dump(out, fh)


if __name__ == "__main__":
    main()
