"""flytekit's extension API for modules written for flytekit: ``flytekit.extend`` (``TypeEngine``,
``TypeTransformer``, ``Interface``, ``PythonTask``) and ``flytekit.clis.sdk_in_container.pyflyte``.

Expected literals, literal types and task results come from flytekit itself: the same module source runs in the
oracle venv and prints them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import flyte_entrypoint.compat as compat

REPO = Path(__file__).resolve().parents[2]
ORACLE_PYTHON = REPO / ".oracle-venv" / "bin" / "python"


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


def _oracle(tmp_path: Path, module: str, script: str) -> Any:
    """Run ``script`` under flytekit with ``tmp_path`` (holding ``module``) importable; its last line is JSON."""
    if not ORACLE_PYTHON.exists():
        pytest.fail("the oracle venv is missing: run scripts/setup-venvs.sh")
    proc = subprocess.run(
        [str(ORACLE_PYTHON), "-c", f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n" + textwrap.dedent(script)],
        capture_output=True, text=True, timeout=120, check=False, cwd=str(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


# A scalar-backed user type (its literal bytes are deterministic, so they are compared with flytekit's as they are).
CELSIUS = """
    import typing
    from flytekit import Literal, LiteralType, Scalar, task, workflow
    from flytekit.models.literals import Primitive
    from flytekit.models.types import SimpleType
    from flytekit.extend import TypeEngine, TypeTransformer


    class Celsius:
        def __init__(self, degrees: float) -> None:
            self.degrees = degrees

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Celsius) and other.degrees == self.degrees


    class Kelvinish(Celsius):
        pass


    class CelsiusTransformer(TypeTransformer[Celsius]):
        def __init__(self) -> None:
            super().__init__(name="celsius", t=Celsius)

        def get_literal_type(self, t: typing.Type[Celsius]) -> LiteralType:
            return LiteralType(simple=SimpleType.FLOAT)

        def to_literal(self, ctx, python_val: Celsius, python_type, expected: LiteralType) -> Literal:
            return Literal(scalar=Scalar(primitive=Primitive(float_value=python_val.degrees)))

        def to_python_value(self, ctx, lv: Literal, expected_python_type) -> Celsius:
            return expected_python_type(lv.scalar.primitive.float_value)

        def guess_python_type(self, literal_type: LiteralType) -> typing.Type[Celsius]:
            if literal_type.simple == SimpleType.FLOAT:
                return Celsius
            raise ValueError("not a float")


    TypeEngine.register(CelsiusTransformer())


    @task
    def warmer(t: Celsius, by: float) -> typing.List[Celsius]:
        return [t, Celsius(t.degrees + by)]


    @task
    def maybe(t: typing.Optional[Celsius]) -> typing.Optional[Celsius]:
        return t


    @workflow
    def wf(by: float = 1.5) -> typing.List[Celsius]:
        return warmer(t=Celsius(20.0), by=by)
"""

# What both sides print: literal types and literals (serialized protobuf, hex) for the user type inside our
# containers, plus what the local workflow returns.
CELSIUS_PROBE = """
    import json, typing
    from flytekit import FlyteContextManager, HashMethod
    from flytekit.core.annotation import FlyteAnnotation
    from flytekit.extend import TypeEngine
    import m_celsius as m

    ctx = FlyteContextManager.current_context()

    def idl(x):
        return (x.to_flyte_idl() if hasattr(x, "to_flyte_idl") else x).SerializeToString(deterministic=True).hex()

    out = {}
    for label, tp, value in [
        ("plain", m.Celsius, m.Celsius(21.5)),
        ("list", typing.List[m.Celsius], [m.Celsius(1.0), m.Celsius(2.0)]),
        ("dict", typing.Dict[str, m.Celsius], {"a": m.Celsius(3.0)}),
        ("optional", typing.Optional[m.Celsius], m.Celsius(4.0)),
        ("union", typing.Union[int, m.Celsius], m.Celsius(5.0)),
        ("subclass", m.Kelvinish, m.Kelvinish(6.0)),
        ("hashed", typing.Annotated[m.Celsius, HashMethod(lambda c: f"h{c.degrees}")], m.Celsius(7.0)),
        ("annotated", typing.Annotated[m.Celsius, FlyteAnnotation({"unit": "C"})], m.Celsius(8.0)),
    ]:
        lt = TypeEngine.to_literal_type(tp)
        lit = TypeEngine.to_literal(ctx, value, tp, lt)
        back = TypeEngine.to_python_value(ctx, lit, tp)
        out[label] = [idl(lt), idl(lit), repr(back == value)]
    out["wf"] = [c.degrees for c in m.wf(by=2.0)]
    out["transformer"] = TypeEngine.get_transformer(m.Kelvinish).name
    out["builtin"] = TypeEngine.get_transformer(int).name
    print(json.dumps(out))
"""


def _ours(tmp_path: Path, script: str) -> Any:
    import contextlib
    import io

    buf = io.StringIO()
    sys.path.insert(0, str(tmp_path))
    try:
        with contextlib.redirect_stdout(buf):
            exec(compile(textwrap.dedent(script), "<probe>", "exec"), {"__name__": "probe"})
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("m_celsius", None)
    return json.loads(buf.getvalue().strip().splitlines()[-1])


def test_extend_names_resolve_to_one_implementation() -> None:
    import flytekit  # noqa: F401  (the compatibility package)
    from flytekit.clis.sdk_in_container import pyflyte
    from flytekit.core.interface import Interface as CoreInterface
    from flytekit.core.type_engine import TypeEngine as CoreTypeEngine
    from flytekit.core.type_engine import TypeTransformer as CoreTypeTransformer
    from flytekit.extend import Interface, PythonTask, TypeEngine, TypeTransformer

    import flyte_entrypoint as fe
    from flyte_entrypoint.compat import pyflyte as our_pyflyte
    from flyte_entrypoint.shell.python_task import PythonTask as OurPythonTask

    assert TypeEngine is CoreTypeEngine is fe.TypeEngine
    assert TypeTransformer is CoreTypeTransformer is fe.TypeTransformer
    assert Interface is CoreInterface is fe.Interface
    assert PythonTask is OurPythonTask
    assert pyflyte is our_pyflyte
    from flytekit.core.promise import Promise as CorePromise
    from flytekit.extend import (
        FileAccessProvider,
        ImageConfig,
        Promise,
        SecretsManager,
        SQLTask,
        context_manager,
    )

    assert Promise is CorePromise
    assert context_manager.FlyteContext is fe.FlyteContext
    assert (FileAccessProvider, ImageConfig, SQLTask) == (fe.FileAccessProvider, fe.entrypoint.ImageConfig, fe.SQLTask)
    assert SecretsManager is not None
    with pytest.raises(compat.FlytekitNameNotProvided, match=r"flytekit\.extend\.DictTransformer"):
        from flytekit.extend import DictTransformer  # noqa: F401


def test_user_transformer_round_trips_as_flytekits(tmp_path: Path) -> None:
    (tmp_path / "m_celsius.py").write_text(textwrap.dedent(CELSIUS))
    theirs = _oracle(tmp_path, "m_celsius", CELSIUS_PROBE)
    ours = _ours(tmp_path, CELSIUS_PROBE)
    assert ours == theirs
    assert theirs["plain"][2] == "True" and theirs["transformer"] == "celsius"


def test_registration_rules(tmp_path: Path) -> None:
    import enum

    from flytekit.extend import TypeEngine, TypeTransformer

    from flyte_entrypoint.core.type_engine.registry import ENGINE

    class Tag:
        pass

    class Color(enum.Enum):
        RED = "red"

    class TagTransformer(TypeTransformer[Tag]):
        def get_literal_type(self, t: Any) -> Any:
            from flyteidl.core import types_pb2

            return types_pb2.LiteralType(simple=types_pb2.SimpleType.STRING)

        def to_literal(self, ctx: Any, python_val: Any, python_type: Any, expected: Any) -> Any:
            from flyteidl.core import literals_pb2

            return literals_pb2.Literal(
                scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(string_value="tag"))
            )

        def to_python_value(self, ctx: Any, lv: Any, expected_python_type: Any) -> Any:
            return Tag()

    first = TagTransformer("tag", Tag)
    TypeEngine.register(first)
    with pytest.raises(ValueError, match="already registered"):
        TypeEngine.register(TagTransformer("tag2", Tag))
    # as flytekit: a type of flytekit's own registry cannot be taken over (its transformer's name is given)
    with pytest.raises(ValueError, match=r"^Transformer int for type <class 'int'> is already registered\. "
                                         r"Cannot override with tag3$"):
        TypeEngine.register(TagTransformer("tag3", int))  # type: ignore[arg-type]
    from flytekit.types.file import FlyteFile

    with pytest.raises(ValueError, match="Transformer FlyteFilePath for type"):
        TypeEngine.register(TagTransformer("tag4", FlyteFile))  # type: ignore[arg-type]
    # an enum is never a user transformer's, even when a base class is registered (flytekit's special case)
    TypeEngine.register(TagTransformer("color", Color))  # type: ignore[arg-type]
    assert ENGINE.resolve(Color).transformer.name != "color"
    assert TypeEngine.get_transformer(Tag) is first
    # a value of the wrong type is refused by assert_type with flytekit's words and exception class
    from flytekit.core.type_engine import TypeTransformerFailedError

    from flyte_entrypoint.shell.flyte_context import FlyteContextManager

    ctx = FlyteContextManager.current_context()
    with pytest.raises(TypeTransformerFailedError, match=r"Expected value of type .*Tag.* but got '3'"):
        TypeEngine.to_literal(ctx, 3, Tag)
    assert TypeEngine.to_python_value(ctx, TypeEngine.to_literal(ctx, Tag(), Tag), Tag).__class__ is Tag


PROBE_TASK = """
    import typing
    from flytekit import task, workflow
    from flytekit.extend import Interface, PythonTask


    class Repeat(PythonTask):
        def __init__(self, name: str, **kwargs) -> None:
            super().__init__(task_type="repeat", name=name, task_config=None,
                             interface=Interface(inputs={"word": str, "times": (int, 2)},
                                                 outputs={"out": typing.List[str]}), **kwargs)

        def execute(self, **kwargs):
            return [kwargs["word"]] * kwargs["times"]


    repeat = Repeat(name="m_repeat.repeat")


    @task
    def join(words: typing.List[str]) -> str:
        return "-".join(words)


    @workflow
    def wf(word: str = "a") -> str:
        return join(words=repeat(word=word, times=3))
"""

PROBE_TASK_SCRIPT = """
    import json
    from flytekit.extend import Interface
    import m_repeat as m

    i = Interface(inputs={"word": str, "times": (int, 2)}, outputs={"out": int})
    print(json.dumps({
        "wf": m.wf(word="x"),
        "call": m.repeat(word="y", times=2),
        "inputs": sorted(m.repeat.python_interface.inputs),
        "defaults": {k: repr(v) for k, v in i.inputs_with_defaults.items()},
        "kwargs": i.default_inputs_as_kwargs,
        "removed": sorted(i.remove_inputs(["times"]).inputs),
        "more": sorted(i.with_outputs({"extra": str}).outputs),
        "typed": m.repeat.interface.to_flyte_idl().SerializeToString(deterministic=True).hex()
            if hasattr(m.repeat.interface, "to_flyte_idl") else None,
    }))
"""


def test_interface_with_a_python_task_subclass_runs_as_flytekits(tmp_path: Path) -> None:
    (tmp_path / "m_repeat.py").write_text(textwrap.dedent(PROBE_TASK))
    theirs = _oracle(tmp_path, "m_repeat", PROBE_TASK_SCRIPT)
    sys.path.insert(0, str(tmp_path))
    try:
        sys.modules.pop("m_repeat", None)
        import m_repeat as m

        from flyte_entrypoint.shell.python_task import _interface_of

        record = _interface_of(m.repeat.python_interface)
        assert [(v.name, v.required) for v in record.inputs] == [("word", True), ("times", False)]
        script = PROBE_TASK_SCRIPT.replace(
            'if hasattr(m.repeat.interface, "to_flyte_idl") else None',
            'if hasattr(m.repeat.interface, "to_flyte_idl") else m.repeat.interface.SerializeToString('
            'deterministic=True).hex()',
        )
        ours = _ours(tmp_path, script)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("m_repeat", None)
    typed_theirs, typed_ours = theirs.pop("typed"), ours.pop("typed")
    assert ours == theirs
    assert theirs["wf"] == "x-x-x"
    from flyteidl.core import interface_pb2

    a, b = interface_pb2.TypedInterface(), interface_pb2.TypedInterface()
    a.ParseFromString(bytes.fromhex(typed_theirs))
    b.ParseFromString(bytes.fromhex(typed_ours))
    # flytekit's variable descriptions are the names too; compare the variables' types
    assert {k: v.type for k, v in a.inputs.variables.items()} == {k: v.type for k, v in b.inputs.variables.items()}
    assert {k: v.type for k, v in a.outputs.variables.items()} == {k: v.type for k, v in b.outputs.variables.items()}


def test_pyflyte_imports_and_refuses_to_run_with_one_clear_line() -> None:
    from click.testing import CliRunner
    from flytekit.clis.sdk_in_container import pyflyte

    result = CliRunner().invoke(pyflyte.main, ["run", "wf.py", "wf", "--help"])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == ["Error: pyflyte is not provided by flyte-entrypoint: run pyflyte from flytekit"]


def test_pyflyte_as_a_command_exits_non_zero() -> None:
    proc = subprocess.run(
        [sys.executable, "-c",
         "import flyte_entrypoint.compat as c; c.activate()\n"
         "from flytekit.clis.sdk_in_container import pyflyte\npyflyte.main(['register', '.'])"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip() == "Error: pyflyte is not provided by flyte-entrypoint: run pyflyte from flytekit"
