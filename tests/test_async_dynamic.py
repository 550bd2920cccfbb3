"""``async def`` tasks run to completion (directly and through the CLI); ``@dynamic`` tasks are refused cleanly."""

from __future__ import annotations

import asyncio
import datetime
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest
from flyteidl.core import errors_pb2, literals_pb2

from flyte_entrypoint.core import run as m
from flyte_entrypoint.core.errors import NON_RECOVERABLE, ORIGIN_SYSTEM, ORIGIN_USER
from flyte_entrypoint.core.plan import describe_task
from flyte_entrypoint.core.task import dynamic, task
from flyte_entrypoint.schemas.execution import ExecutionParameters
from flyte_entrypoint.schemas.invocation import Invocation, TaskArgs
from flyte_entrypoint.shell.context import current_context, using_context
from flyte_entrypoint.shell.runtime import call_task

EXECUTE = str(Path(sys.executable).parent / "pyflyte-execute")


@task
async def add_async(a: int, b: int) -> int:
    await asyncio.sleep(0)
    return a + b


@task
async def reads_context() -> str:
    await asyncio.sleep(0)
    return current_context().tmp_dir


_SPAWNED: list[Any] = []


@task
async def spawns_background() -> int:
    background = asyncio.get_running_loop().create_task(asyncio.sleep(3600))  # never awaited
    _SPAWNED.append((asyncio.get_running_loop(), background))
    return 1


@task
async def fails_async() -> int:
    await asyncio.sleep(0)
    raise ValueError("async boom")


class _Awaitable:
    def __await__(self) -> Any:
        yield from asyncio.sleep(0).__await__()
        return 42


@task
def returns_awaitable() -> int:
    return _Awaitable()  # type: ignore[return-value]


def _params(tmp: str = "/tmp/ctx-marker") -> ExecutionParameters:
    return ExecutionParameters(execution_date=datetime.datetime.now(datetime.timezone.utc), tmp_dir=tmp)


def _no_running_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return True
    return False


# ---------------------------------------------------------------------------------- async, directly
def test_async_task_is_a_coroutine_function_record() -> None:
    assert add_async.is_async is True
    assert describe_task(add_async)["is_async"] is True


def test_call_async_task_from_sync_code() -> None:
    threads = threading.active_count()
    assert call_task(add_async, {"a": 2, "b": 3}) == 5
    assert threading.active_count() == threads
    assert _no_running_loop()


def test_call_async_task_from_inside_a_running_loop() -> None:
    async def main() -> int:
        return int(call_task(add_async, {"a": 4, "b": 5}))

    threads = threading.active_count()
    assert asyncio.run(main()) == 9
    assert threading.active_count() == threads  # the helper thread is gone


@pytest.mark.parametrize("inside_loop", [False, True])
def test_context_reaches_async_task_code(inside_loop: bool) -> None:
    with using_context(_params("/tmp/ctx-marker")):
        if inside_loop:

            async def main() -> str:
                return str(call_task(reads_context, {}))

            got = asyncio.run(main())
        else:
            got = call_task(reads_context, {})
    assert got == "/tmp/ctx-marker"


@pytest.mark.parametrize("inside_loop", [False, True])
def test_pending_background_tasks_are_cancelled_and_the_loop_closed(inside_loop: bool) -> None:
    _SPAWNED.clear()
    threads = threading.active_count()

    async def main() -> Any:
        return call_task(spawns_background, {})

    assert (asyncio.run(main()) if inside_loop else call_task(spawns_background, {})) == 1
    ((loop, background),) = _SPAWNED
    assert loop.is_closed()  # no loop leaks
    assert background.cancelled()  # nothing of the task outlives the run
    assert threading.active_count() == threads
    assert _no_running_loop()


def test_async_exception_propagates() -> None:
    with pytest.raises(ValueError, match="async boom"):
        call_task(fails_async, {})


def test_any_awaitable_result_is_awaited() -> None:
    assert call_task(returns_awaitable, {}) == 42


# ---------------------------------------------------------------------------------- dynamic
@dynamic
def fan_out(n: int) -> list[int]:
    return [n, n]


@dynamic(cache=True)
def fan_out_configured(n: int) -> int:
    return n


def test_dynamic_builds_a_flagged_task_record() -> None:
    assert fan_out.is_dynamic and fan_out_configured.is_dynamic
    assert not add_async.is_dynamic
    assert fan_out_configured.config["cache"] is True
    assert fan_out(3) == [3, 3]  # plain python still works
    assert describe_task(fan_out)["is_dynamic"] is True


def test_machine_refuses_dynamic_tasks_with_a_system_error() -> None:
    args = TaskArgs(
        inputs="/in.pb", output_prefix="/out", resolver_args=("task-module", "m", "task-name", "fan_out")
    )
    run, _ = m.start(Invocation(args, {}, now=1.0, uuid_hex="ab" * 16))
    run, cmd = m.receive(run, m.TaskLoaded(fan_out, 1700000000.25))
    assert isinstance(cmd, m.WriteOutputs) and list(cmd.files) == ["error.pb"]
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString(cmd.files["error.pb"])
    assert doc.error.code == "SYSTEM:DynamicNotSupported"
    assert doc.error.kind == NON_RECOVERABLE and doc.error.origin == ORIGIN_SYSTEM
    assert "dynamic tasks are not supported by flyte-entrypoint" in doc.error.message.lower()
    assert "test_async_dynamic.fan_out" in doc.error.message
    assert (doc.error.timestamp.seconds, doc.error.timestamp.nanos) == (1700000000, 250000000)
    _, cmd = m.receive(run, m.OutputsWritten())
    assert cmd == m.Exit(0, "error document written")


# ---------------------------------------------------------------------------------- through the CLI
TASKS = textwrap.dedent(
    """
    import asyncio
    from flyte_entrypoint import task, dynamic, current_context, Deck

    @task
    async def add(a: int, b: int) -> int:
        await asyncio.sleep(0.01)
        return a + b

    @task(enable_deck=True)
    async def ctx_async(a: int) -> str:
        await asyncio.sleep(0)
        Deck("from-async", "<p>async deck</p>")
        return f"{current_context().execution_id.name}:{a}"

    @task
    async def boom(a: int) -> int:
        await asyncio.sleep(0)
        raise ValueError(f"async bad {a}")

    @dynamic
    def fan(a: int) -> int:
        return a
    """
)


def _execute(workdir: Path, task_name: str, **values: int) -> subprocess.CompletedProcess[str]:
    lm = literals_pb2.LiteralMap()
    for k, v in values.items():
        lm.literals[k].scalar.primitive.integer = v
    (workdir / "in.pb").write_bytes(lm.SerializeToString())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE", "_F_"))}
    env["FLYTE_INTERNAL_EXECUTION_ID"] = "exec-1"
    return subprocess.run(
        [EXECUTE, "--inputs", "in.pb", "--output-prefix", "out", "--raw-output-data-prefix", "raw", "--",
         "task-module", "adwf", "task-name", task_name],
        cwd=workdir, capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip


@pytest.fixture()
def adwork(tmp_path: Path) -> Path:
    (tmp_path / "adwf.py").write_text(TASKS)
    return tmp_path


def _outputs(workdir: Path) -> literals_pb2.LiteralMap:
    out = literals_pb2.LiteralMap()
    out.ParseFromString((workdir / "out" / "outputs.pb").read_bytes())
    return out


def _error(workdir: Path) -> errors_pb2.ErrorDocument:
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString((workdir / "out" / "error.pb").read_bytes())
    return doc


def test_cli_async_task(adwork: Path) -> None:
    proc = _execute(adwork, "add", a=2, b=40)
    assert proc.returncode == 0, proc.stderr
    assert _outputs(adwork).literals["o0"].scalar.primitive.integer == 42


def test_cli_async_task_sees_context_and_decks(adwork: Path) -> None:
    proc = _execute(adwork, "ctx_async", a=7)
    assert proc.returncode == 0, proc.stderr
    assert _outputs(adwork).literals["o0"].scalar.primitive.string_value == "exec-1:7"
    assert "<p>async deck</p>" in (adwork / "out" / "deck.html").read_text()


def test_cli_async_task_failure_is_a_user_error(adwork: Path) -> None:
    proc = _execute(adwork, "boom", a=3)
    assert proc.returncode == 0, proc.stderr
    doc = _error(adwork)
    assert doc.error.code == "USER:RuntimeError" and doc.error.origin == ORIGIN_USER
    assert "ValueError: async bad 3" in doc.error.message


def test_cli_dynamic_task_is_refused(adwork: Path) -> None:
    proc = _execute(adwork, "fan", a=1)
    assert proc.returncode == 0, proc.stderr
    doc = _error(adwork)
    assert doc.error.code == "SYSTEM:DynamicNotSupported"
    assert doc.error.kind == NON_RECOVERABLE and doc.error.origin == ORIGIN_SYSTEM
    assert "adwf.fan" in doc.error.message
    assert not (adwork / "out" / "futures.pb").exists() and not (adwork / "out" / "outputs.pb").exists()
