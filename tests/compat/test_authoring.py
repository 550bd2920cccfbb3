"""The authoring names of modules written for flytekit: declaring has no side effects, a workflow called as
plain Python runs its tasks in flytekit's local order, every flytekit ``@task`` keyword is kept, pickle follows
flytekit (with the image switch), and a task the layer cannot support fails only when it is run."""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import flyte_entrypoint.compat as compat
from flyte_entrypoint.core.task import TASK_KEYWORDS
from flyte_entrypoint.schemas.task import TaskRecord, UnsupportedTask

REPO = Path(__file__).resolve().parents[2]
ORACLE_PYTHON = REPO / ".oracle-venv" / "bin" / "python"
OURS_EXECUTE = REPO / ".venv" / "bin" / "pyflyte-execute"


@pytest.fixture(autouse=True)
def active() -> Iterator[None]:
    compat.deactivate()
    compat.activate()
    try:
        yield
    finally:
        compat.deactivate()


def _module(tmp_path: Path, name: str, source: str) -> Any:
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    sys.path.insert(0, str(tmp_path))
    try:
        sys.modules.pop(name, None)
        return __import__(name)
    finally:
        sys.path.remove(str(tmp_path))


def _oracle(script: str) -> Any:
    if not ORACLE_PYTHON.exists():
        pytest.fail("the oracle venv is missing: run scripts/setup-venvs.sh")
    proc = subprocess.run([str(ORACLE_PYTHON), "-c", textwrap.dedent(script)], capture_output=True, text=True,
                          timeout=120, check=False, cwd="/")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_task_keywords_are_exactly_flytekits() -> None:
    theirs = _oracle(
        """
        import inspect, json
        from flytekit.core.task import task
        print(json.dumps([p for p in inspect.signature(task).parameters if p not in ("_task_function", "kwargs")]))
        """
    )
    assert set(TASK_KEYWORDS) == set(theirs) | {"cache_serialize", "cache_version", "cache_ignore_input_vars"}


def test_every_keyword_is_kept_on_the_record(tmp_path: Path) -> None:
    mod = _module(tmp_path, "kw_mod", """
        from datetime import timedelta
        from flytekit import PodTemplate, Resources, Secret, task
        from flytekit.extras.accelerators import A100, T4

        @task(task_config=None, cache=True, retries=3, interruptible=True, deprecated="old", timeout=timedelta(1),
              container_image="img:1", environment={"A": "1"}, requests=Resources(cpu="1"),
              limits=Resources(mem="1Gi"), secret_requests=[Secret(group="g", key="k")], execution_mode=None,
              node_dependency_hints=None, task_resolver=None, docs=None, enable_deck=True, deck_fields=(),
              pod_template=PodTemplate(), pod_template_name="p", accelerator=A100.partition_1g_5gb,
              pickle_untyped=False, shared_memory=True, resources=Resources(cpu=("1", "2")), labels={"l": "1"},
              annotations={"a": "1"}, cache_serialize=True, cache_version="1", cache_ignore_input_vars=("x",))
        def t(x: int) -> int:
            return x

        @task(accelerator=T4)
        def u() -> None:
            return None
    """)
    assert isinstance(mod.t, TaskRecord) and mod.t.enable_deck
    assert mod.t.config["retries"] == 3 and mod.t.config["cache_version"] == "1"
    assert mod.t.config["accelerator"].partition == "1g.5gb" and mod.u.config["accelerator"].device == "nvidia-tesla-t4"
    with pytest.raises(AttributeError):
        mod.t.config = {}  # type: ignore[misc]  # the record is immutable
    from flytekit import task

    with pytest.raises(ValueError, match="Unrecognized argument"):
        task(retires=2)


def test_workflow_runs_tasks_in_order_and_skips_branches_not_taken(tmp_path: Path) -> None:
    mod = _module(tmp_path, "wf_mod", """
        from flytekit import conditional, task, workflow
        calls = []

        @task
        def square(x: int) -> int:
            calls.append(("square", x))
            return x * x

        @task
        def is_big(x: int) -> bool:
            calls.append(("is_big", x))
            return x > 10

        @task
        def shout(s: str) -> str:
            calls.append(("shout", s))
            return s.upper()

        @task
        def whisper(s: str) -> str:
            calls.append(("whisper", s))
            return s.lower()

        @workflow
        def wf(x: int = 2, s: str = "Hi") -> str:
            y = square(x=x)
            big = is_big(x=y)
            return conditional("loud").if_(big.is_true()).then(shout(s=s)).else_().then(whisper(s=s))

        @workflow
        def wf_cmp(x: int) -> str:
            return (conditional("c").if_((x > 1) & (x < 10)).then(shout(s="mid"))
                    .elif_(x >= 10).then(whisper(s="BIG")).else_().fail("too small"))
    """)
    assert mod.calls == []  # declaring runs nothing
    assert mod.wf() == "hi"
    assert mod.calls == [("square", 2), ("is_big", 4), ("whisper", "Hi")]
    mod.calls.clear()
    assert mod.wf(x=5) == "HI" and [c[0] for c in mod.calls] == ["square", "is_big", "shout"]
    assert mod.wf_cmp(x=3) == "MID" and mod.wf_cmp(x=30) == "big"
    with pytest.raises(ValueError, match="too small"):
        mod.wf_cmp(x=0)


def test_imperative_workflow_nodes_launch_plans_and_gates(tmp_path: Path) -> None:
    mod = _module(tmp_path, "imp_mod", """
        from datetime import timedelta
        from flytekit import (CronSchedule, Email, FixedRate, LaunchPlan, Workflow, WorkflowExecutionPhase,
                              approve, sleep, task, workflow)
        from flytekit.core.node_creation import create_node

        @task
        def inc(x: int) -> int:
            return x + 1

        @task
        def pair(x: int) -> tuple[int, int]:
            return x, -x

        @task
        def noop() -> None:
            return None

        imp = Workflow(name="imp")
        imp.add_workflow_input("x", int)
        n1 = imp.add_entity(inc, x=imp.inputs["x"])
        n2 = imp.add_entity(inc, x=n1.outputs["o0"])
        imp.add_workflow_output("out", n2.outputs["o0"])

        @workflow
        def wf(x: int) -> int:
            a = create_node(pair, x=x)
            n = noop()
            s = sleep(timedelta(seconds=1))
            n >> s
            approved = approve(a.o1, "check", timeout=timedelta(hours=1))
            return inc(x=approved)

        lp = LaunchPlan.get_or_create(wf, name="lp", fixed_inputs={"x": 10},
                                      schedule=CronSchedule(schedule="0 * * * *"),
                                      notifications=[Email(phases=[WorkflowExecutionPhase.SUCCEEDED],
                                                           recipients_email=["a@b.c"])])
        lp_rate = LaunchPlan.get_or_create(wf, name="lp_rate", schedule=FixedRate(duration=timedelta(hours=1)),
                                           default_inputs={"x": 1})
    """)
    assert mod.imp(x=1) == 3
    assert mod.wf(x=4) == -3
    assert mod.lp() == -9 and mod.lp_rate() == 0 and mod.lp_rate(x=5) == -4
    from flytekit import LaunchPlan

    assert LaunchPlan.get_or_create(mod.wf, name="lp", fixed_inputs={"x": 10},
                                    schedule=mod.lp.schedule, notifications=list(mod.lp.notifications)) is mod.lp
    with pytest.raises(AssertionError, match="same name"):
        LaunchPlan.get_or_create(mod.wf, name="lp", fixed_inputs={"x": 11})


def test_main_block_of_a_flytekit_module_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "script_mod.py"
    path.write_text(textwrap.dedent("""
        from flytekit import task, workflow

        @task
        def add(a: int, b: int) -> int:
            return a + b

        @workflow
        def wf(a: int = 1, b: int = 2) -> int:
            return add(a=add(a=a, b=b), b=b)

        if __name__ == "__main__":
            print(f"result={wf(a=3)}")
    """))
    runpy.run_path(str(path), run_name="__main__")
    assert "result=7" in capsys.readouterr().out


def test_task_mock_and_patch(tmp_path: Path) -> None:
    mod = _module(tmp_path, "mock_mod", """
        from flytekit import task, workflow

        @task
        def fetch(n: int) -> int:
            raise RuntimeError("no network in tests")

        @workflow
        def wf(n: int) -> int:
            return fetch(n=n)
    """)
    from flytekit.testing import patch, task_mock

    with task_mock(mod.fetch) as mock:
        mock.return_value = 42
        assert mod.wf(n=1) == 42 and mod.fetch(n=2) == 42
    mock.assert_called_with(n=2)

    @patch(mod.fetch)
    def check(mocked: Any) -> None:
        mocked.return_value = 7
        assert mod.wf(n=3) == 7

    check()
    with pytest.raises(RuntimeError, match="no network"):
        mod.wf(n=1)


def test_heavy_types_import_and_fail_only_when_used(tmp_path: Path) -> None:
    mod = _module(tmp_path, "heavy_mod", """
        from flytekit import task
        from flytekit.extras.pytorch import PyTorchCheckpoint

        @task
        def train() -> PyTorchCheckpoint:
            return PyTorchCheckpoint()

        @task
        def fine() -> int:
            return 1
    """)
    assert isinstance(mod.train, UnsupportedTask) and "not supported" in mod.train.reason
    assert isinstance(mod.fine, TaskRecord)
    with pytest.raises(TypeError, match="not supported"):
        mod.train()


def _run(tmp_path: Path, task_name: str, env: dict[str, str]) -> tuple[str, str] | bytes:
    from flyteidl.core import errors_pb2

    out = tmp_path / f"out-{task_name}"
    (tmp_path / "inputs.pb").write_bytes(b"")  # an empty LiteralMap: the tasks take no inputs
    proc = subprocess.run(
        [str(OURS_EXECUTE), "--inputs", str(tmp_path / "inputs.pb"), "--output-prefix", str(out),
         "--raw-output-data-prefix", str(tmp_path / "raw"), "--resolver",
         "flytekit.core.python_auto_container.default_task_resolver", "--", "task-module", "pk_mod",
         "task-name", task_name],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
        env={**{k: v for k, v in os.environ.items() if not k.startswith(("FLYTE", "_F_"))}, **env},
    )
    assert proc.returncode == 0, proc.stderr
    if (out / "error.pb").exists():
        doc = errors_pb2.ErrorDocument()
        doc.ParseFromString((out / "error.pb").read_bytes())
        return doc.error.code, doc.error.message
    return (out / "outputs.pb").read_bytes()


PICKLE_MODULE = """
    from flytekit import task

    class Model:
        pass

    @task
    def make() -> Model:
        return Model()

    @task
    def plain() -> int:
        return 3
"""


def test_pickle_fallback_can_be_turned_off_and_then_fails_only_that_task(tmp_path: Path) -> None:
    (tmp_path / "pk_mod.py").write_text(textwrap.dedent(PICKLE_MODULE))
    made = _run(tmp_path, "make", {})
    assert isinstance(made, bytes) and b"PythonPickle" in made  # flytekit's semantics by default
    off = {"FLYTE_ENTRYPOINT_COMPAT_PICKLE": "0"}
    refused = _run(tmp_path, "make", off)
    assert isinstance(refused, tuple)
    code, message = refused
    assert code.startswith("USER:") and "FlytekitFeatureNotSupported" in message
    assert "task pk_mod.make" in message and "unsupported type" in message
    plain = _run(tmp_path, "plain", off)
    assert isinstance(plain, bytes)  # the module still imports; its other tasks run


IMAGE_SPECS: list[dict[str, Any]] = [
    {},
    {"name": "My-Image"},
    {"name": "x", "packages": ["pandas", "numpy==1.26"], "registry": "ghcr.io/Org"},
    {"name": "x", "python_version": "3.11", "apt_packages": ["git"], "env": {"A": "1", "B": "2"}},
    {"name": "x", "base_image": "python:3.11-slim", "cuda": "12.1", "cudnn": "8"},
    {"name": "x", "base_image": {"name": "base", "packages": ["torch"]}},
    {"name": "x", "conda_packages": ["pytorch"], "conda_channels": ["pytorch"], "platform": "linux/arm64"},
    {"name": "x", "pip_index": "https://pypi.example/simple", "pip_extra_index_url": ["https://a/simple"]},
    {"name": "x", "pip_secret_mounts": [(".netrc", "/root/.netrc")], "builder": "envd",
     "runtime_packages": ["rich"]},
    {"name": "x", "pip_extra_args": "--no-deps", "registry_config": "/tmp/cfg.json", "entrypoint": ["/bin/sh"]},
    {"name": "x", "commands": ["echo hi"], "tag_format": "{spec_hash}-dev", "python_exec": "/usr/bin/python3"},
    {"name": "x", "source_root": "/src"},
    {"name": "x", "source_root": "/src", "source_copy_mode": "ALL"},
    {"name": "x", "copy": ["a.txt", "b/"], "builder_options": {"k": "v", "n": 1}},
    {"name": "x", "builder_config": {"uv_image": "ghcr.io/astral-sh/uv:0.5"}, "requirements": "req.txt"},
    {"name": "localhost-img", "registry": "localhost:30000", "packages": []},
    {"name": "x", "env": {}, "packages": ["a"] * 3},
]


def _generated_specs(n: int, seed: int = 8) -> list[dict[str, Any]]:
    """Specs with random subsets of fields and values (seeded: the same list on every run)."""
    import random

    rng = random.Random(seed)
    words = ["a", "B", "numpy==1.26", "pandas>=2", "git", "x y", "ünï", "", "c-d_e.f"]
    pools: dict[str, Any] = {
        "name": lambda: rng.choice(["img", "My-Img", "x_y", "flytekit"]),
        "python_version": lambda: rng.choice(["3.10", "3.11", "3.12"]),
        "builder": lambda: rng.choice(["envd", "default", "noop"]),
        "env": lambda: {rng.choice(words): rng.choice(words) for _ in range(rng.randint(0, 3))},
        "registry": lambda: rng.choice(["ghcr.io/org", "localhost:30000", "docker.io/u", "reg:5000/a/b"]),
        "packages": lambda: rng.sample(words, rng.randint(0, 4)),
        "conda_packages": lambda: rng.sample(words, rng.randint(0, 2)),
        "apt_packages": lambda: rng.sample(words, rng.randint(0, 2)),
        "cuda": lambda: rng.choice(["11.8", "12.1"]),
        "base_image": lambda: rng.choice(["python:3.11", {"name": "base", "packages": ["torch"]}]),
        "platform": lambda: rng.choice(["linux/amd64", "linux/arm64", "linux/amd64,linux/arm64"]),
        "pip_index": lambda: "https://pypi.example/simple",
        "pip_extra_index_url": lambda: rng.sample(["https://a/simple", "https://b/simple"], rng.randint(0, 2)),
        "pip_secret_mounts": lambda: [(".netrc", "/root/.netrc")],
        "pip_extra_args": lambda: rng.choice(["--no-deps", "-U --pre"]),
        "entrypoint": lambda: rng.choice([[], ["/bin/sh", "-c"]]),
        "commands": lambda: rng.sample(["echo 1", "ls", "true"], rng.randint(0, 3)),
        "tag_format": lambda: "{spec_hash}-dev",
        "source_root": lambda: "/src",
        "source_copy_mode": lambda: rng.choice(["LOADED_MODULES", "ALL", "NO_COPY"]),
        "copy": lambda: ["a.txt"],
        "runtime_packages": lambda: ["rich"],
        "builder_options": lambda: {"k": rng.randint(0, 9)},
    }
    specs = []
    for _ in range(n):
        keys = rng.sample(sorted(pools), rng.randint(0, 8))
        specs.append({k: pools[k]() for k in keys})
    return specs


def _spec_kwargs(raw: dict[str, Any], spec_cls: Any, mode_cls: Any) -> dict[str, Any]:
    kwargs = dict(raw)
    if isinstance(kwargs.get("base_image"), dict):
        kwargs["base_image"] = spec_cls(**kwargs["base_image"])
    if "source_copy_mode" in kwargs:
        kwargs["source_copy_mode"] = mode_cls[kwargs["source_copy_mode"]]
    if "pip_secret_mounts" in kwargs:
        kwargs["pip_secret_mounts"] = [tuple(m) for m in kwargs["pip_secret_mounts"]]
    return kwargs


def test_image_spec_id_is_flytekits() -> None:
    from flytekit import ImageSpec
    from flytekit.constants import CopyFileDetection

    theirs = _oracle(
        f"""
        import json
        from flytekit import ImageSpec
        from flytekit.constants import CopyFileDetection
        specs = json.loads({json.dumps(json.dumps(IMAGE_SPECS + _generated_specs(150)))})
        def kw(raw):
            raw = dict(raw)
            if isinstance(raw.get("base_image"), dict):
                raw["base_image"] = ImageSpec(**raw["base_image"])
            if "source_copy_mode" in raw:
                raw["source_copy_mode"] = CopyFileDetection[raw["source_copy_mode"]]
            if "pip_secret_mounts" in raw:
                raw["pip_secret_mounts"] = [tuple(m) for m in raw["pip_secret_mounts"]]
            return raw
        out = []
        for raw in specs:
            s = ImageSpec(**kw(raw))
            out.append([s.id, s.with_packages(["extra"]).id, s.with_commands("x").id])
        print(json.dumps(out))
        """
    )
    ours = []
    for raw in json.loads(json.dumps(IMAGE_SPECS + _generated_specs(150))):
        spec = ImageSpec(**_spec_kwargs(raw, ImageSpec, CopyFileDetection))
        ours.append([spec.id, spec.with_packages(["extra"]).id, spec.with_commands("x").id])
    assert ours == theirs


def test_is_container_compares_the_image_id_only_in_a_task_container(monkeypatch: pytest.MonkeyPatch) -> None:
    from flytekit import ImageSpec

    spec = ImageSpec(name="x", packages=["pandas"])
    monkeypatch.setenv("_F_IMG_ID", "not-this-one")
    assert spec.is_container()  # a local run (flytekit: no task execution state) is always True
    compat.activate(task_container=True)
    assert not spec.is_container()
    monkeypatch.setenv("_F_IMG_ID", spec.id)
    assert spec.is_container()


def test_declaring_workflows_and_launch_plans_has_no_side_effects(tmp_path: Path) -> None:
    before = set(os.listdir(tmp_path))
    mod = _module(tmp_path, "quiet_mod", """
        from datetime import timedelta
        from flytekit import LaunchPlan, FixedRate, ImageSpec, task, workflow
        ran = []

        @task
        def t() -> int:
            ran.append(1)
            return 1

        @workflow
        def wf() -> int:
            return t()

        lp = LaunchPlan.get_or_create(wf, name="quiet", schedule=FixedRate(duration=timedelta(days=1)))
        image = ImageSpec(name="quiet", packages=["x"])
    """)
    assert mod.ran == [] and set(os.listdir(tmp_path)) == before | {"quiet_mod.py"}


def test_values_between_tasks_pass_through_the_type_engine(tmp_path: Path) -> None:
    mod = _module(tmp_path, "values_mod", """
        import os
        from dataclasses import dataclass
        from flytekit import current_context, task, workflow
        from flytekit.types.file import FlyteFile

        @dataclass
        class P:
            x: int
            tags: list[str]

        @task
        def make(n: int) -> tuple[FlyteFile, P]:
            path = os.path.join(current_context().working_directory, "f.txt")
            with open(path, "w") as fh:
                fh.write("abc" * n)
            return FlyteFile(path), P(n, ["a"])

        @task
        def use(f: FlyteFile, p: P) -> str:
            with open(f) as fh:
                return f"{fh.read()}:{p.x}:{p.tags}:{os.path.basename(f.path)}:{'flyte-local-' in os.fspath(f)}"

        @task
        def wants_int(x: int) -> int:
            return x

        @workflow
        def wf(n: int = 2) -> str:
            f, p = make(n=n)
            return use(f=f, p=p)

        @workflow
        def bad() -> int:
            return wants_int(x="seven")
    """)
    assert mod.wf() == "abcabc:2:['a']:f.txt:True"  # the file went to the local raw data, as under flytekit
    with pytest.raises(TypeError, match="wants_int input 'x'"):
        mod.bad()


def test_pickle_untyped_makes_unannotated_parameters_pickles(tmp_path: Path) -> None:
    mod = _module(tmp_path, "untyped_mod", """
        from flytekit import task

        @task(pickle_untyped=True)
        def anything(x, y: int):
            return [x, y]

        @task
        def strict(x) -> int:
            return 1
    """)
    from flyte_entrypoint.core.type_engine.engine import literal_type_of

    assert isinstance(mod.anything, TaskRecord) and mod.anything(x="a", y=2) == ["a", 2]
    types = [literal_type_of(v.python_type).unwrap().blob.format for v in mod.anything.interface.inputs[:1]]
    assert types == ["PythonPickle"]
    assert literal_type_of(mod.anything.interface.outputs[0].python_type).unwrap().blob.format == "PythonPickle"
    assert isinstance(mod.strict, UnsupportedTask) and "no type annotation" in mod.strict.reason


def test_eager_workflows_run_as_plain_python(tmp_path: Path) -> None:
    mod = _module(tmp_path, "eager_mod", """
        import asyncio
        from flytekit import eager, task, workflow
        from flytekit.exceptions.eager import EagerException

        @task
        def add_one(x: int) -> int:
            return x + 1

        @task
        def double(x: int) -> int:
            return x * 2

        @task
        def raises_exc(x: int) -> int:
            if x <= 0:
                raise TypeError
            return x

        @workflow
        def sub(x: int) -> int:
            return double(x=add_one(x=x))

        @eager
        async def simple(x: int) -> int:
            out = await add_one(x=x)
            return await double(x=out)

        @eager
        async def fan_out(x: int) -> int:
            outs = await asyncio.gather(*[add_one(x=i) for i in range(x)])
            return await double(x=sum(outs)) + await sub(x=x)

        @eager
        async def nested(x: int) -> int:
            return await double(x=await simple(x=x))

        @eager
        async def with_exception(x: int) -> int:
            try:
                return await raises_exc(x=x)
            except EagerException:
                return -1
    """)
    assert mod.simple(x=1) == 4
    assert mod.fan_out(x=3) == 2 * (1 + 2 + 3) + 8
    assert mod.nested(x=1) == 8
    assert mod.with_exception(x=0) == -1 and mod.with_exception(x=5) == 5


def test_deck_renderers_render_as_flytekits() -> None:
    pytest.importorskip("markdown_it")
    pytest.importorskip("pygments")
    pd = pytest.importorskip("pandas")
    text, source = "# Title\n\n* a `b`\n* **c**", "def f(x):\n    return x + 1\n"
    theirs = _oracle(
        f"""
        import json
        import pandas as pd
        from flytekit.deck import TopFrameRenderer
        from flytekit.deck.renderer import MarkdownRenderer, SourceCodeRenderer
        df = pd.DataFrame({{"a": list(range(30)), "b": ["x"] * 30}})
        print(json.dumps([MarkdownRenderer().to_html({text!r}), SourceCodeRenderer().to_html({source!r}),
                          TopFrameRenderer(5).to_html(df)]))
        """
    )
    from flytekit.deck import TopFrameRenderer
    from flytekit.deck.renderer import MarkdownRenderer, SourceCodeRenderer

    df = pd.DataFrame({"a": list(range(30)), "b": ["x"] * 30})
    ours = [MarkdownRenderer().to_html(text), SourceCodeRenderer().to_html(source), TopFrameRenderer(5).to_html(df)]
    assert ours == theirs


def test_sqlite3_task_runs_its_query_in_a_local_call(tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    import sqlite3
    import zipfile

    db = tmp_path / "chinook.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE tracks (id INTEGER, name TEXT)")
        conn.executemany("INSERT INTO tracks VALUES (?, ?)", [(i, f"t{i}") for i in range(5)])
    with zipfile.ZipFile(tmp_path / "chinook.zip", "w") as archive:
        archive.write(db, "chinook.db")
    mod = _module(tmp_path, "sql_mod", f"""
        from flytekit import kwtypes
        from flytekit.extras.sqlite3.task import SQLite3Config, SQLite3Task

        sql = SQLite3Task(
            name="sql_mod.tracks",
            query_template="SELECT * FROM tracks WHERE id >= {{{{ .inputs.low }}}}\\n LIMIT {{{{.inputs.limit}}}}",
            inputs=kwtypes(low=int, limit=int),
            task_config=SQLite3Config(uri={str(tmp_path / "chinook.zip")!r}, compressed=True),
        )
    """)
    frame = mod.sql(low=1, limit=3)
    assert frame.to_dict("list") == {"id": [1, 2, 3], "name": ["t1", "t2", "t3"]}
    assert mod.sql.query_template == "SELECT * FROM tracks WHERE id >= {{ .inputs.low }} LIMIT {{.inputs.limit}}"


def test_map_task_in_a_local_workflow_converts_each_element(tmp_path: Path) -> None:
    mod = _module(tmp_path, "map_mod", """
        import functools
        from dataclasses import dataclass
        from flytekit import map_task, task, workflow

        @dataclass
        class Item:
            n: int

        @task
        def bump(item: Item, by: int) -> Item:
            return Item(item.n + by)

        @workflow
        def wf(items: list[Item]) -> list[Item]:
            return map_task(functools.partial(bump, by=10))(item=items)
    """)
    out = mod.wf(items=[mod.Item(1), mod.Item(2)])
    assert out == [mod.Item(11), mod.Item(12)]
    with pytest.raises(TypeError, match="bump input 'item'"):
        mod.wf(items=[{"n": "x"}])
