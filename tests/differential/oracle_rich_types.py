"""flytekit's side of ``test_rich_types_oracle.py``. ORACLE venv only.

stdin: ``{"raw": prefix, "sandbox": dir, "data": {"file": path, "dir": path}, "ours": {id: b64 Literal}}``.
stdout: ``{id: {"lt"|"lt_err", "lit"|"lit_err", "ours"|"ours_err", "read"|"read_err"}}`` (b64 protobufs; canon
values; errors as ``<class>: <message>``).
"""

import base64
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rich_types_cases as cases


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _err(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:1500]


def main() -> None:
    os.environ.setdefault("FLYTE_SDK_LOGGING_LEVEL", "50")
    from flyteidl.core import literals_pb2
    from flytekit.configuration import DataConfig
    from flytekit.core.context_manager import ExecutionState, FlyteContextManager
    from flytekit.core.data_persistence import FileAccessProvider
    from flytekit.core.type_engine import TypeEngine
    from flytekit.models.literals import Literal

    job = json.load(sys.stdin)
    ns: dict = {}
    exec(compile(cases.namespace_source(cases.FLYTEKIT_IMPORTS), "<rich_types>", "exec"), ns)
    base = FlyteContextManager.current_context()
    fa = FileAccessProvider(local_sandbox_dir=job["sandbox"], raw_output_prefix=job["raw"], data_config=DataConfig.auto())
    state = base.execution_state.with_params(mode=ExecutionState.Mode.TASK_EXECUTION)
    answer: dict = {}
    data = job.get("data", {})
    with FlyteContextManager.with_context(base.with_file_access(fa).with_execution_state(state)) as ctx:

        def read(encoded: bytes, tp):
            TypeEngine._LITERAL_CACHE.clear()
            return TypeEngine.to_python_value(ctx, Literal.from_flyte_idl(literals_pb2.Literal.FromString(encoded)), tp)

        for cid, type_expr, value_expr in cases.CASES:
            out = answer[cid] = {}
            tp = eval(type_expr, ns)
            try:
                lt = TypeEngine.to_literal_type(tp)
                out["lt"] = _b64(lt.to_flyte_idl().SerializeToString(deterministic=True))
            except Exception as exc:
                out["lt_err"] = _err(exc)
                continue
            if value_expr is not None:
                expr = cases.substitute(value_expr, data)
                try:
                    TypeEngine._LITERAL_CACHE.clear()
                    lit = TypeEngine.to_literal(ctx, eval(expr, ns), tp, lt).to_flyte_idl()
                    out["lit"] = _b64(lit.SerializeToString(deterministic=True))
                except Exception as exc:
                    out["lit_err"] = _err(exc)
            theirs = job.get("ours", {}).get(cid)
            if theirs is not None:
                try:
                    out["ours"] = cases.canon(read(base64.b64decode(theirs), tp))
                except Exception as exc:
                    out["ours_err"] = _err(exc)
        for cid, type_expr, lit_expr in cases.READS:
            out = answer[cid] = {}
            try:
                lit = eval(cases.substitute(lit_expr, data), ns)
                out["read"] = cases.canon(read(lit.SerializeToString(), eval(type_expr, ns)))
            except Exception as exc:
                out["read_err"] = _err(exc)
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
