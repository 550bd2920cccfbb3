"""The seed API's behaviour, written once and run twice: on flytekit 1.16.31 and on ours.

Each scenario runs in a fresh interpreter of the oracle venv (``flytekit.bin.entrypoint``) and of ours
(``flyte_entrypoint.entrypoint``) through ``tests/seed_twice.py``. Every expectation is asserted on
*both* results, so each one is proven on flytekit too; where a result is random (uuids) it is normalized.

(Over 600 lines on purpose: each scenario's source sits next to the assertions about it.)
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

_here = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("seed_twice", _here / "seed_twice.py")
assert _spec is not None and _spec.loader is not None
twice = importlib.util.module_from_spec(_spec)
sys.modules["seed_twice"] = twice
_spec.loader.exec_module(twice)


def both(code: str, arg: Any = None, env: dict[str, str] | None = None) -> list[dict[str, Any]]:
    results = twice.run_both(code, arg, env)
    return [results["flytekit"], results["ours"]]


# ------------------------------------------------------------------------------------------- the stack
STACK = """
FCM = EP.FlyteContextManager
ctx = FCM.current_context()
result["size0"] = FCM.size()
result["same_twice"] = FCM.current_context() is ctx
try:
    with FCM.with_context(ctx.new_builder()) as c1:
        result["inner_size"] = FCM.size()
        result["inner_is_current"] = FCM.current_context() is c1
        result["level_step"] = c1.level - ctx.level
        FCM.push_context(c1.new_builder().build())  # leaked on purpose
        raise ValueError("boom")
except ValueError:
    pass
result["after_size"] = FCM.size()
result["after_is_ctx"] = FCM.current_context() is ctx
c2 = FCM.push_context(ctx.new_builder().build())
result["pushed_size"] = FCM.size()
result["popped_is_c2"] = FCM.pop_context() is c2
result["size_after_pop"] = FCM.size()
es = ctx.execution_state.with_params(mode=EP.ExecutionState.Mode.LOCAL_TASK_EXECUTION)
b = ctx.with_execution_state(es)
result["builder_is_new"] = b.build() is not ctx
result["original_mode_kept"] = ctx.execution_state.mode == es.mode
cond = ctx.with_execution_state(es).enter_conditional_section()
result["cond"] = [cond.in_a_condition, str(cond.execution_state.branch_eval_mode)]
result["local"] = [es.is_local_execution(), ctx.execution_state.with_params(mode=EP.ExecutionState.Mode.TASK_EXECUTION).is_local_execution()]
result["fa_has_raw"] = ctx.file_access.raw_output_prefix.endswith("/")
result["user_space_params_is_es"] = ctx.user_space_params is ctx.execution_state.user_space_params
"""


def test_context_stack_is_balanced_under_exceptions() -> None:
    for r in both(STACK):
        assert r["size0"] == 1 and r["same_twice"]
        assert r["inner_size"] == 2 and r["inner_is_current"] and r["level_step"] == 1
        assert r["after_size"] == 1 and r["after_is_ctx"]
        assert r["pushed_size"] == 2 and r["popped_is_c2"] and r["size_after_pop"] == 1
        assert r["builder_is_new"] and r["original_mode_kept"] is False
        assert r["cond"] == [True, "BranchEvalMode.BRANCH_SKIPPED"]
        assert r["local"] == [True, False]
        assert r["fa_has_raw"] and r["user_space_params_is_es"]


# ------------------------------------------------------------------------------------ file access
FILE_ACCESS = """
import asyncio, io, pathlib
raw = ARG["raw"]
fa = EP.FileAccessProvider(local_sandbox_dir=os.path.join(TMP, "sb"), raw_output_prefix=raw)
result["raw_output_prefix"] = fa.raw_output_prefix.replace(raw, "<raw>")
result["local_sandbox_dir"] = str(fa.local_sandbox_dir).replace(TMP, "<tmp>")
p = fa.put_raw_data(b"hello", upload_prefix="up", file_name="a.txt")
result["raw_bytes_path"] = p.replace(raw, "<raw>")
result["exists"] = [fa.exists(p), fa.exists(p + ".missing")]
local = os.path.join(TMP, "dl", "a.txt")
fa.get_data(p, local)
result["roundtrip"] = open(local, "rb").read().decode()
src = pathlib.Path(TMP, "srcdir"); (src / "sub").mkdir(parents=True)
(src / "x.txt").write_text("x"); (src / "sub" / "y.txt").write_text("y")
remote_dir = fa.join(fa.raw_output_prefix, "dir")
result["put_dir_returns"] = fa.put_data(str(src), remote_dir, is_multipart=True).replace(raw, "<raw>")
dst = os.path.join(TMP, "dldir")
fa.get_data(remote_dir, dst, is_multipart=True)
result["dir_files"] = sorted(str(q.relative_to(dst)) for q in pathlib.Path(dst).rglob("*") if q.is_file())
p2 = fa.put_raw_data(io.BytesIO(b"stream"), file_name="s.bin")
result["stream_path"] = p2.replace(raw, "<raw>")
f = os.path.join(TMP, "f.txt"); open(f, "w").write("file")
p3 = fa.put_raw_data(f, upload_prefix="")
result["file_path"] = p3.replace(raw, "<raw>")
async def go():
    r = await fa.async_put_data(f, fa.join(fa.raw_output_prefix, "async", "f.txt"))
    await fa.async_get_data(r, os.path.join(TMP, "adl", "f.txt"))
    r2 = await fa.async_put_raw_data(b"araw", file_name="r.bin")
    await fa.get(p, os.path.join(TMP, "aget.txt"))
    return r, r2
r, r2 = asyncio.run(go())
result["async"] = [r.replace(raw, "<raw>"), open(os.path.join(TMP, "adl", "f.txt")).read(), r2.replace(raw, "<raw>")]
result["random_remote"] = fa.get_random_remote_path("a/b/c.csv").replace(raw, "<raw>")
result["random_remote_dir"] = fa.get_random_remote_directory().replace(raw, "<raw>")
result["random_local"] = fa.get_random_local_path("x/y.txt").replace(TMP, "<tmp>")
result["tail"] = fa.get_file_tail("a/b/c.txt")
result["strip"] = [fa.strip_file_header("file:///a/b"), fa.strip_file_header("s3://a/b")]
result["is_remote"] = [fa.is_remote("s3://a"), fa.is_remote("/a"), fa.is_remote("file:///a"), fa.is_remote("memory://a")]
result["custom"] = fa.generate_new_custom_path(stem="stem").replace(raw.rstrip("/"), "<raw>")
result["upload_download"] = None
fa.upload(f, fa.join(fa.raw_output_prefix, "u", "f.txt"))
fa.download(fa.join(fa.raw_output_prefix, "u", "f.txt"), os.path.join(TMP, "u2", "f.txt"))
result["upload_download"] = open(os.path.join(TMP, "u2", "f.txt")).read()
fs = fa.get_filesystem_for_path(raw)
result["fs"] = [sorted([fs.protocol] if isinstance(fs.protocol, str) else fs.protocol), fa.sep(None), fa.sep(fs)]
result["recursive"] = list(fa.recursive_paths("s3://a/b", os.path.join(TMP, "x")))
result["recursive"][1] = result["recursive"][1].replace(TMP, "<tmp>")
result["async_get"] = open(os.path.join(TMP, "aget.txt")).read()
try:
    fa.get_data(fa.join(fa.raw_output_prefix, "nope", "missing.txt"), os.path.join(TMP, "m.txt"))
    result["missing"] = "no error"
except Exception as e:
    result["missing"] = type(e).__name__
"""


def _check_file_access(r: dict[str, Any]) -> None:
    assert r["raw_output_prefix"] == "<raw>/"
    assert r["local_sandbox_dir"] == "<tmp>/sb/local_flytekit"
    assert r["raw_bytes_path"] == "<raw>/up/a.txt"
    assert r["exists"] == [True, False]
    assert r["roundtrip"] == "hello"
    assert r["put_dir_returns"] == "<raw>/dir"
    assert r["dir_files"] == ["sub/y.txt", "x.txt"]
    assert r["stream_path"] == "<raw>/<hex>/s.bin"
    assert r["file_path"] == "<raw>/f.txt"
    assert r["async"] == ["<raw>/async/f.txt", "file", "<raw>/<hex>/r.bin"]
    assert r["random_remote"] == "<raw>/<hex>/c.csv"
    assert r["random_remote_dir"] == "<raw>/<hex>"
    assert r["random_local"] == "<tmp>/sb/local_flytekit/<hex>/y.txt"
    assert r["tail"] == "c.txt"
    assert r["strip"] == ["/a/b", "s3://a/b"]
    assert r["is_remote"] == [True, False, False, True]
    assert r["custom"] == "<raw>/stem"
    assert r["upload_download"] == "file"
    assert r["missing"] in ("FlyteDataNotFoundException", "FlyteDownloadDataException")
    assert r["recursive"] == ["s3://a/b/", "<tmp>/x/"]
    assert r["async_get"] == "hello"
    assert r["fs"][1:] == ["/", "/"]


@pytest.mark.parametrize("kind", ["local", "file", "memory"])
def test_file_access_provider(kind: str, tmp_path: Path) -> None:
    raw = {
        "local": str(tmp_path / "raw"),
        "file": f"file://{tmp_path}/raw",
        "memory": "memory://bucket/raw",
    }[kind]
    results = both(FILE_ACCESS, {"raw": raw})
    for r in results:
        _check_file_access(r)
    assert results[0]["missing"] == results[1]["missing"] or kind == "memory"
    assert results[0]["fs"] == results[1]["fs"]


def test_file_access_provider_on_s3(s3: Any) -> None:
    results = both(FILE_ACCESS, {"raw": s3.uri("raw")}, env=s3.env)
    for r in results:
        _check_file_access(r)
    assert results[0]["fs"] == results[1]["fs"]


# ------------------------------------------------------------------------------------ PythonTask
TASK_CLASS = """
from flyteidl.core import literals_pb2
FCM = EP.FlyteContextManager
calls = []
workdirs = []

class Double(EP.PythonTask):
    def __init__(self, mode="ok"):
        super().__init__(task_type="double", name="seedtest.double", interface=interface({"x": int}, {"o0": int}))
        self.mode = mode
    def pre_execute(self, user_params):
        calls.append("pre")
        return user_params.builder().add_attr("MY_ATTR", 5).build()
    def execute(self, **kwargs):
        calls.append("execute")
        seen = FCM.current_context().user_space_params
        calls.append("attr=%s" % seen.get("my_attr"))
        workdirs.append(seen.working_directory)
        if self.mode == "raise":
            raise ValueError("bad value")
        if self.mode == "ignore":
            raise EP.IgnoreOutputs("skip")
        return kwargs["x"] * 2
    def post_execute(self, user_params, rval):
        calls.append("post")
        return rval + 1

def lm(**ints):
    return literals_pb2.LiteralMap(literals={k: literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=v))) for k, v in ints.items()})

def mode_ctx(mode):
    ctx = FCM.current_context()
    return ctx.with_execution_state(ctx.execution_state.with_params(mode=mode)).build()
"""

DISPATCH = (
    TASK_CLASS
    + """
Mode = EP.ExecutionState.Mode
t = Double()
out = as_pb(t.dispatch_execute(mode_ctx(Mode.TASK_EXECUTION), literal_map(lm(x=3))))
result["outputs"] = out.SerializeToString().hex()
result["o0"] = out.literals["o0"].scalar.primitive.integer
result["calls"] = list(calls)
result["types"] = {k: v.__name__ for k, v in t.get_input_types().items()}
result["props"] = [t.name, t.task_type, t.task_type_version, t.enable_deck, t.environment, t.task_config]
result["hooks"] = [t.get_container(None), t.get_k8s_pod(None), t.get_sql(None), t.get_custom(None), t.get_config(None), t.get_extended_resources(None)]
result["local_mode"] = str(t.local_execution_mode())
for mode in ("TASK_EXECUTION", "LOCAL_TASK_EXECUTION"):
    try:
        Double("raise").dispatch_execute(mode_ctx(getattr(Mode, mode)), literal_map(lm(x=1)))
    except Exception as e:
        result["raise_" + mode] = [type(e).__name__, str(e), type(getattr(e, "value", None)).__name__, getattr(e, "error_code", None)]
try:
    Double("ignore").dispatch_execute(mode_ctx(Mode.TASK_EXECUTION), literal_map(lm(x=1)))
except Exception as e:
    result["ignore"] = [type(e).__name__, type(getattr(e, "value", e)).__name__]
bad = literals_pb2.LiteralMap(literals={"x": literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(string_value="nope")))})
try:
    Double().dispatch_execute(mode_ctx(Mode.TASK_EXECUTION), literal_map(bad))
except Exception as e:
    result["bad_inputs"] = [type(e).__name__, EP.FlyteNonRecoverableSystemException.error_code]
"""
)


def test_python_task_dispatch_execute() -> None:
    results = both(DISPATCH)
    for r in results:
        assert r["o0"] == 7
        assert r["calls"] == ["pre", "execute", "attr=5", "post"]
        assert r["types"] == {"x": "int"}
        assert r["props"] == ["seedtest.double", "double", 0, False, {}, None]
        assert r["hooks"] == [None] * 6
        assert r["local_mode"] == "Mode.LOCAL_TASK_EXECUTION"
        assert r["raise_TASK_EXECUTION"] == [
            "FlyteUserRuntimeException",
            "USER:RuntimeError: error=bad value, cause=bad value",
            "ValueError",
            "USER:RuntimeError",
        ]
        assert r["raise_LOCAL_TASK_EXECUTION"][:2] == [
            "ValueError",
            "Error encountered while executing 'seedtest.double':\n  bad value",
        ]
        assert r["bad_inputs"] == ["FlyteNonRecoverableSystemException", "USER:NonRecoverableSystemError"]
    # IgnoreOutputs from task code is user code raising: both wrap it, and _dispatch_execute unwraps it
    assert results[0]["ignore"] == results[1]["ignore"]
    assert results[0]["outputs"] == results[1]["outputs"]


# ------------------------------------------------------------------------------- _dispatch_execute
DISPATCH_FILES = (
    TASK_CLASS
    + """
import pathlib
inputs = os.path.join(TMP, "inputs.pb")
open(inputs, "wb").write(lm(x=ARG["x"]).SerializeToString())
found = {}
for mode in ("ok", "raise", "ignore"):
    out = os.path.join(TMP, "out-" + mode)
    os.makedirs(out)
    with EP.setup_execution(os.path.join(TMP, "raw"), out) as ctx:
        result["ctx_" + mode] = [str(ctx.execution_state.mode), FCM.current_context() is ctx]
        del workdirs[:]
        try:
            EP._dispatch_execute(ctx, lambda: Double(mode), inputs, out)
        except SystemExit as e:
            result["exit_" + mode] = e.code
        result["same_workdir_" + mode] = workdirs == [ctx.user_space_params.working_directory]
    files = sorted(p.name for p in pathlib.Path(out).iterdir())
    found[mode] = files
    if "outputs.pb" in files:
        result["outputs_" + mode] = open(os.path.join(out, "outputs.pb"), "rb").read().hex()
    if "error.pb" in files:
        from flyteidl.core import errors_pb2
        doc = errors_pb2.ErrorDocument()
        doc.ParseFromString(open(os.path.join(out, "error.pb"), "rb").read())
        e = doc.error
        result["error_" + mode] = [e.code, e.kind, e.origin, e.message.rsplit("Message:", 1)[-1].strip()]
result["files"] = found
"""
)


def test_dispatch_execute_writes_outputs_error_or_nothing() -> None:
    results = both(DISPATCH_FILES, {"x": 20})
    for r in results:
        assert r["files"]["ok"] == ["outputs.pb"]
        assert r["files"]["raise"] == ["error.pb"]
        assert [f for f in r["files"]["ignore"] if f.endswith(".pb")] == []
        assert r["error_raise"] == ["USER:RuntimeError", 0, 1, "ValueError: bad value"]
        assert r["ctx_ok"] == ["Mode.TASK_EXECUTION", True]
        assert r["same_workdir_ok"] and r["same_workdir_raise"]
        assert "exit_ok" not in r and "exit_raise" not in r
    assert results[0]["outputs_ok"] == results[1]["outputs_ok"]


def test_fail_on_error_exits_1() -> None:
    for r in both(DISPATCH_FILES, {"x": 1}, env={"FLYTE_FAIL_ON_ERROR": "true"}):
        assert r["exit_raise"] == 1 and "exit_ok" not in r


# ------------------------------------------------------------------ a PythonTask through pyflyte-execute
TASK_MODULE = """
try:
    from flytekit.bin.entrypoint import PythonTask
    from flytekit.core.interface import Interface
except ImportError:
    import types
    from flyte_entrypoint.entrypoint import PythonTask
    Interface = types.SimpleNamespace

class Greeter(PythonTask):
    def __init__(self, name, fail=False):
        super().__init__(task_type="greeter", name=name, interface=Interface(inputs={"who": str}, outputs={"o0": str}))
        self.fail = fail
    def execute(self, **kwargs):
        if self.fail:
            raise KeyError("no such person")
        return "hello " + kwargs["who"]
    def post_execute(self, user_params, rval):
        return rval + "!"

greet = Greeter("seedmod.greet")
broken = Greeter("seedmod.broken", fail=True)
"""


@pytest.mark.parametrize("task_name", ["greet", "broken"])
def test_python_task_subclass_through_pyflyte_execute(task_name: str, tmp_path: Path) -> None:
    import subprocess

    from flyteidl.core import errors_pb2, literals_pb2

    results = {}
    for side, resolver in (
        ("flytekit", "flytekit.core.python_auto_container.default_task_resolver"),
        ("ours", "flyte_entrypoint.default_task_resolver"),
    ):
        work = tmp_path / side
        work.mkdir()
        (work / "seedmod.py").write_text(TASK_MODULE)
        inputs = work / "inputs.pb"
        lit = literals_pb2.Literal(
            scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(string_value="ada"))
        )
        inputs.write_bytes(literals_pb2.LiteralMap(literals={"who": lit}).SerializeToString())
        out = work / "out"
        out.mkdir()
        exe = twice.PYTHONS[side].parent / "pyflyte-execute"
        proc = subprocess.run(
            [
                str(exe),
                "--inputs",
                str(inputs),
                "--output-prefix",
                str(out),
                "--raw-output-data-prefix",
                str(work / "raw"),
                "--resolver",
                resolver,
                "--",
                "task-module",
                "seedmod",
                "task-name",
                task_name,
            ],
            cwd=work,
            env=twice.clean_env({"HOME": str(work)}),
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert proc.returncode == 0, proc.stderr[-4000:]
        files = {p.name: p.read_bytes() for p in out.iterdir()}
        results[side] = files
    for files in results.values():
        if task_name == "greet":
            assert sorted(files) == ["outputs.pb"]
            lm = literals_pb2.LiteralMap()
            lm.ParseFromString(files["outputs.pb"])
            assert lm.literals["o0"].scalar.primitive.string_value == "hello ada!"
        else:
            assert sorted(files) == ["error.pb"]
            doc = errors_pb2.ErrorDocument()
            doc.ParseFromString(files["error.pb"])
            assert doc.error.code == "USER:RuntimeError"
            assert doc.error.origin == 1 and doc.error.kind == 0
            assert doc.error.message.rstrip().endswith("KeyError: 'no such person'")
    if task_name == "greet":
        assert results["flytekit"]["outputs.pb"] == results["ours"]["outputs.pb"]


# ------------------------------------------------------------------------------------------ settings
SETTINGS = """
ss = EP.SerializationSettings.for_image("ghcr.io/x/img:v1", "v2", "proj", "dev")
ss2 = ss.new_builder()
ss2.version = "v3"
built = ss2.build()
result["json"] = ss.to_json()
result["transport"] = ss.serialized_context
result["built_version"] = built.version
result["with_ctx_has_key"] = EP.SERIALIZED_CONTEXT_ENV_VAR in ss.with_serialized_context().env
result["should_fast"] = [ss.should_fast_serialize(), EP.SerializationSettings(EP.ImageConfig(), fast_serialization_settings=EP.FastSerializationSettings(enabled=True)).should_fast_serialize()]
result["venv_root"] = EP.SerializationSettings.venv_root_from_interpreter("/opt/venv/bin/python3")
result["entrypoint"] = EP.SerializationSettings.default_entrypoint_settings("/opt/venv/bin/python3").path
if ARG:
    decoded = EP.SerializationSettings.from_transport(ARG)
    result["decoded_json"] = decoded.to_json()
ic = EP.ImageConfig.auto(img_name="ghcr.io/x/img:v9")
result["image_auto"] = [ic.default_image.full, [i.full for i in ic.images], ic.find_image("default").full]
result["image_from_images"] = [i.full for i in EP.ImageConfig.from_images("a/b:1", {"spark": "c/d:2"}).images]
result["fast_schema"] = EP.FastSerializationSettings.schema().dump(EP.FastSerializationSettings(enabled=True, destination_dir="/root"))
sc = EP.StatsConfig.auto()
result["stats"] = [sc.host, sc.port, sc.disabled, sc.disabled_tags]
"""


def test_settings_round_trip_including_a_flytekit_written_context() -> None:
    flytekit_side = twice.normalize(twice.run("flytekit", SETTINGS))
    transport = flytekit_side["transport"]
    ours = twice.normalize(twice.run("ours", SETTINGS, transport))
    theirs = twice.normalize(twice.run("flytekit", SETTINGS, transport))
    for r in (ours, theirs):
        assert r["decoded_json"] == theirs["json"]
        assert r["built_version"] == "v3" and r["with_ctx_has_key"]
        assert r["should_fast"] == [False, True]
        assert r["venv_root"] == "/opt/venv"
        assert r["entrypoint"] == "/opt/venv/bin/entrypoint.py"
        assert r["image_auto"] == ["ghcr.io/x/img:v9", ["ghcr.io/x/img:v9"], "ghcr.io/x/img:v9"]
        assert r["image_from_images"] == ["a/b:1", "c/d:2"]
        assert r["fast_schema"] == {
            "enabled": True,
            "destination_dir": "/root",
            "distribution_location": None,
        }
        assert r["stats"] == ["localhost", 8125, False, False]
    assert ours["json"] == theirs["json"]
    assert ours["transport"] == theirs["transport"]


# ------------------------------------------------------------------------------------------ checkpoint
CHECKPOINT = """
base = ARG
first = EP.SyncCheckpoint(checkpoint_dest=base + "/attempt-1")
result["first_prev"] = first.prev_exists()
result["first_read"] = first.read()
first.write(b"state-1")
second = EP.SyncCheckpoint(checkpoint_dest=base + "/attempt-2", checkpoint_src=base + "/attempt-1")
result["second_prev"] = second.prev_exists()
result["second_read"] = second.read().decode()
target = os.path.join(TMP, "restore")
os.makedirs(target)
restored = second.restore(target)
result["restored"] = sorted(os.listdir(restored))
second.write(b"state-2")
third = EP.SyncCheckpoint(checkpoint_dest=base + "/attempt-3", checkpoint_src=base + "/attempt-2")
result["third_read"] = third.read().decode()
"""


def _check_checkpoint(r: dict[str, Any]) -> None:
    assert r["first_prev"] is False and r["first_read"] is None
    assert r["second_prev"] is True and r["second_read"] == "state-1"
    assert r["restored"] == ["_dst_cp"]
    assert r["third_read"] == "state-2"


def test_sync_checkpoint_across_two_attempts_local(tmp_path: Path) -> None:
    for side in twice.SIDES:
        _check_checkpoint(twice.run(side, CHECKPOINT, str(tmp_path / side)))


def test_sync_checkpoint_across_two_attempts_s3(s3: Any) -> None:
    for side in twice.SIDES:
        _check_checkpoint(twice.run(side, CHECKPOINT, s3.uri(side), env=s3.env))


# ------------------------------------------------------------------------------------- pure helpers
HELPERS = """
from flyteidl.core import literals_pb2
result["str2bool"] = [EP.str2bool(v) for v in (None, "", "true", "True", "t", "1", "yes", "false", "0")]
os.environ["A_X"] = "a"; os.environ["B_X"] = "b"
result["get_one_of"] = [EP.get_one_of("NOPE", "A_X", "B_X"), EP.get_one_of("NOPE"), EP.get_one_of("B_X", "A_X")]
result["normalize"] = list(EP.normalize_inputs("{{.rawOutputDataPrefix}}", "{{.checkpointOutputPrefix}}", "{{.prevCheckpointPrefix}}"))
result["normalize_kept"] = list(EP.normalize_inputs("s3://r", "s3://c", "s3://p"))
result["error_file"] = EP._build_error_file_name()
result["worker"] = EP._get_worker_name()
os.environ["_F_DES"] = "EARLIEST"; os.environ["_F_WN"] = "worker-3"
result["error_file_dist"] = EP._build_error_file_name()
result["worker_dist"] = EP._get_worker_name()
os.environ["BATCH_JOB_ARRAY_INDEX_VAR_NAME"] = "MY_IDX"; os.environ["MY_IDX"] = "4"; os.environ["BATCH_JOB_ARRAY_INDEX_OFFSET"] = "10"
result["array_index"] = EP._compute_array_job_index()
lit = literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=42)))
result["hash"] = EP.compute_hash_string(lit)
ts = EP.get_container_error_timestamp(EP.FlyteException("x", timestamp=12.5))
result["timestamp"] = [ts.seconds, ts.nanos, type(ts).__name__, isinstance(ts, EP.Timestamp)]
def boom():
    raise ValueError("boom")
try:
    boom()
except ValueError as e:
    text = EP.get_traceback_str(e)
result["traceback"] = [text.startswith("Trace:\\n\\n    Traceback (most recent call last):"), text.split("\\nMessage:\\n\\n")[-1]]
result["load"] = EP.load_object_from_module("os.path.join") is os.path.join
result["exceptions"] = [
    str(EP.FlyteException("a", "b")), str(EP.FlyteException()), EP.FlyteRecoverableException.error_code,
    str(EP.FlyteRecoverableException("retry me")), EP.FlyteUserRuntimeException.error_code,
    issubclass(EP.IgnoreOutputs, Exception), issubclass(EP.FlyteRecoverableException, EP.FlyteException),
    EP.FlyteNonRecoverableSystemException(KeyError("k")).value.args[0],
]
class Coded(Exception):
    error_code = 7
result["wrapped_code"] = EP.FlyteUserRuntimeException(Coded("c")).error_code
vp = EP.VoidPromise("t1")
try:
    vp == 1
    result["void_eq"] = "no error"
except AssertionError as e:
    result["void_eq"] = str(e)
result["void"] = [vp.task_name, vp.ref, vp.with_overrides() is vp, vp.runs_before()]
es = EP.ExecutionState(working_dir=os.path.join(TMP, "wd"))
result["es"] = [es.engine_dir.replace(TMP, "<tmp>"), es.mode, es.is_local_execution(), str(es.with_params(mode=EP.ExecutionState.Mode.LOCAL_WORKFLOW_EXECUTION).mode)]
import datetime
ep = EP.ExecutionParameters(execution_date=datetime.datetime(2024, 1, 2), tmp_dir=TMP, stats=None, execution_id=None, logging=None, raw_output_prefix="s3://r", SPARK_SESSION="spark")
result["params"] = [ep.get("spark_session"), ep.has_attr("spark_session"), ep.has_attr("other"), ep.raw_output_prefix, ep.working_directory == TMP, ep.with_enable_deck(True).build().enable_deck, ep.enable_deck]
try:
    ep.checkpoint
except Exception as e:
    result["no_checkpoint"] = str(e)
result["ts"] = EP.Timestamp(seconds=5).ToJsonString()
result["loop"] = type(EP._get_working_loop()).__name__.endswith("EventLoop")
result["version"] = EP.get_version_message().startswith("Welcome to Flyte! Version: ")
"""


def test_pure_helpers() -> None:
    results = both(HELPERS)
    for r in results:
        assert r["str2bool"] == [False, False, True, True, True, True, False, False, False]
        assert r["get_one_of"] == ["a", "", "b"]
        assert r["normalize"] == [None, None, None]
        assert r["normalize_kept"] == ["s3://r", "s3://c", "s3://p"]
        assert r["error_file"] == "error.pb" and r["worker"] == ""
        assert r["error_file_dist"] == "error-<hex>.pb" and r["worker_dist"] == "worker-3"
        assert r["array_index"] == 14
        assert r["timestamp"] == [12, 500000000, "Timestamp", True]
        assert r["traceback"] == [True, "    ValueError: boom"]
        assert r["load"] is True
        assert r["exceptions"] == [
            "UnknownFlyteException: error=a,b",
            "UnknownFlyteException: error=None",
            "USER:Recoverable",
            "USER:Recoverable: error=retry me",
            "USER:RuntimeError",
            True,
            True,
            "k",
        ]
        assert r["wrapped_code"] == "7"
        assert r["void_eq"] == "Task t1 returns nothing, NoneType return cannot be used"
        assert r["void"] == ["t1", None, True, None]
        assert r["es"] == ["<tmp>/wd/engine_dir", None, False, "Mode.LOCAL_WORKFLOW_EXECUTION"]
        assert r["params"] == ["spark", True, False, "s3://r", True, True, False]
        assert (
            r["no_checkpoint"] == "Checkpointing is not available, please check the version of the platform."
        )
        assert r["ts"] == "1970-01-01T00:00:05Z"
        assert r["loop"] is True and r["version"] is True
    assert results[0]["hash"] == results[1]["hash"]


# ------------------------------------------------------------ the task's context inside pyflyte-execute
CONTEXT_MODULE = """
try:
    from flytekit import task, current_context
    from flytekit.bin.entrypoint import FlyteContextManager, ExecutionState
except ImportError:
    from flyte_entrypoint import task, current_context
    from flyte_entrypoint.entrypoint import FlyteContextManager, ExecutionState

@task
def probe(raw: str) -> str:
    ctx = FlyteContextManager.current_context()
    fa = ctx.file_access
    written = fa.put_raw_data(b"payload", upload_prefix="probe", file_name="p.bin")
    return "|".join([
        str(ctx.execution_state.mode == ExecutionState.Mode.TASK_EXECUTION),
        str(ctx.user_space_params is current_context()),
        str(fa.raw_output_prefix.rstrip("/") == raw.rstrip("/")),
        str(written == fa.raw_output_prefix + "probe/p.bin"),
        str(fa.exists(written)),
    ])
"""


@pytest.mark.parametrize("storage", ["local", "s3"])
def test_task_context_inside_pyflyte_execute(
    storage: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    import subprocess

    from flyteidl.core import literals_pb2

    env: dict[str, str] = {}
    if storage == "s3":
        s3 = request.getfixturevalue("s3")
        env = dict(s3.env)
    for side, resolver in (
        ("flytekit", "flytekit.core.python_auto_container.default_task_resolver"),
        ("ours", "flyte_entrypoint.default_task_resolver"),
    ):
        work = tmp_path / side
        work.mkdir()
        (work / "ctxmod.py").write_text(CONTEXT_MODULE)
        raw = s3.uri(side, "raw") if storage == "s3" else str(work / "raw")
        lit = literals_pb2.Literal(
            scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(string_value=raw))
        )
        (work / "inputs.pb").write_bytes(literals_pb2.LiteralMap(literals={"raw": lit}).SerializeToString())
        out = work / "out"
        out.mkdir()
        exe = twice.PYTHONS[side].parent / "pyflyte-execute"
        proc = subprocess.run(
            [
                str(exe),
                "--inputs",
                str(work / "inputs.pb"),
                "--output-prefix",
                str(out),
                "--raw-output-data-prefix",
                raw,
                "--resolver",
                resolver,
                "--",
                "task-module",
                "ctxmod",
                "task-name",
                "probe",
            ],
            cwd=work,
            env=twice.clean_env({"HOME": str(work), **env}),
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert proc.returncode == 0, proc.stderr[-4000:]
        assert sorted(p.name for p in out.iterdir()) == ["outputs.pb"], (side, proc.stderr[-4000:])
        lm = literals_pb2.LiteralMap()
        lm.ParseFromString((out / "outputs.pb").read_bytes())
        assert lm.literals["o0"].scalar.primitive.string_value == "True|True|True|True|True", side


EXECUTE_IN_PROCESS = """
import sys
open(os.path.join(TMP, "seedmod.py"), "w").write(ARG["module"])
sys.path.insert(0, TMP)
from flyteidl.core import literals_pb2
lit = literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(string_value="bo")))
inputs = os.path.join(TMP, "inputs.pb")
open(inputs, "wb").write(literals_pb2.LiteralMap(literals={"who": lit}).SerializeToString())
resolver = "flytekit.core.python_auto_container.default_task_resolver" if SIDE == "flytekit" else "flyte_entrypoint.default_task_resolver"
for name in ("greet", "broken"):
    out = os.path.join(TMP, "out-" + name)
    os.makedirs(out)
    EP._execute_task(inputs, out, False, os.path.join(TMP, "raw"), resolver, ["task-module", "seedmod", "task-name", name])
    result[name] = sorted(os.listdir(out))
m = literals_pb2.LiteralMap()
m.ParseFromString(open(os.path.join(TMP, "out-greet", "outputs.pb"), "rb").read())
result["value"] = m.literals["o0"].scalar.primitive.string_value
try:
    EP._execute_task(inputs, TMP, False, TMP, resolver, [])
except ValueError as e:
    result["no_args"] = str(e)
"""


def test_execute_task_in_process() -> None:
    for r in both(EXECUTE_IN_PROCESS, {"module": TASK_MODULE}):
        assert r["greet"] == ["outputs.pb"] and r["broken"] == ["error.pb"]
        assert r["value"] == "hello bo!"
        assert r["no_args"] == "cannot be <1"


MAP_IN_PROCESS = """
import sys
open(os.path.join(TMP, "mapmod.py"), "w").write(ARG)
sys.path.insert(0, TMP)
from flyteidl.core import literals_pb2
def ints(*vs):
    return literals_pb2.Literal(collection=literals_pb2.LiteralCollection(literals=[
        literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=v))) for v in vs]))
inputs = os.path.join(TMP, "inputs.pb")
open(inputs, "wb").write(literals_pb2.LiteralMap(literals={"x": ints(5, 6, 7)}).SerializeToString())
if SIDE == "flytekit":
    resolver, inner = "flytekit.core.array_node_map_task.ArrayNodeMapTaskResolver", "flytekit.core.python_auto_container.default_task_resolver"
else:
    resolver, inner = "flyte_entrypoint.ArrayNodeMapTaskResolver", "flyte_entrypoint.default_task_resolver"
os.environ["BATCH_JOB_ARRAY_INDEX_VAR_NAME"] = "IDX"
os.environ["IDX"] = "1"
out = os.path.join(TMP, "out")
os.makedirs(out)
EP._execute_map_task(inputs, out, os.path.join(TMP, "raw"), None, False, resolver,
                     ["vars", "", "resolver", inner, "task-module", "mapmod", "task-name", "square"])
result["files"] = sorted(os.listdir(out))
result["outputs"] = open(os.path.join(out, "outputs.pb"), "rb").read().hex()
"""

MAP_MODULE = """
try:
    from flytekit import task
except ImportError:
    from flyte_entrypoint import task

@task
def square(x: int) -> int:
    return x * x
"""


def test_execute_map_task_in_process() -> None:
    from flyteidl.core import literals_pb2

    results = both(MAP_IN_PROCESS, MAP_MODULE)
    for r in results:
        assert r["files"] == ["outputs.pb"]
        lm = literals_pb2.LiteralMap()
        lm.ParseFromString(bytes.fromhex(r["outputs"]))
        assert lm.literals["o0"].scalar.primitive.integer == 36
    assert results[0]["outputs"] == results[1]["outputs"]


DECK = """
out = os.path.join(TMP, "out")
os.makedirs(out)
with EP.setup_execution(os.path.join(TMP, "raw"), out) as ctx:
    EP._output_deck("my_task", ctx.user_space_params)
    page = ctx.get_deck()
result["files"] = sorted(os.listdir(out))
text = open(os.path.join(out, "deck.html"), encoding="utf-8").read()
result["html"] = ["<html" in text.lower(), "<html" in page.lower()]
"""


def test_output_deck_in_task_execution() -> None:
    for r in both(DECK):
        assert r["files"] == ["deck.html"]
        assert r["html"] == [True, True]
