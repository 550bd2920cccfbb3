"""Laws of the run machine (``core.run``), over random event sequences.

A simulated shell carries out each command; hypothesis decides, at every step, whether it succeeds,
fails (with the failure event of that command), is interrupted by SIGTERM, or hits an internal error;
a failing ``WriteOutputs`` may have stored some of its files before the failure, or all of them (the store
completed an upload whose response was lost, so the shell reports a failure). Whatever happens:

* the run ends in exactly one ``Exit`` (the table answers every event the shell can report);
* at most one error document is written;
* ``outputs.pb`` is never written after an error document, and the offloaded literal files it points
  to are stored before it;
* the exit code follows what the shell *reported*, since that is all the machine knows: 0 whenever a
  document was reported written (1 under ``FLYTE_FAIL_ON_ERROR``; ``128+S`` after a termination signal);
  1 (with a diagnostic) when every write was reported failed; 0 for ``IgnoreOutputs``. A failed write may
  still have stored ``outputs.pb`` late; with exit 1 Flyte does not read it (it reads documents only after
  exit 0) and classifies the run by the exit code, so that is safe, not a lost document.
"""

from __future__ import annotations

import traceback
import typing
from typing import Any

from flyteidl.core import literals_pb2
from hypothesis import example, given, settings
from hypothesis import strategies as st

from flyte_entrypoint.core import run as m
from flyte_entrypoint.core.errors import CapturedError
from flyte_entrypoint.core.exceptions import IgnoreOutputs
from flyte_entrypoint.core.task import task
from flyte_entrypoint.schemas.invocation import Invocation, TaskArgs

OUTPUTS = "outputs.pb"


@task
def add(a: int, b: int) -> int:
    return a + b


@task(enable_deck=True)
def decked(a: int, b: int) -> int:
    return a + b


class Late(typing.NamedTuple):
    """Outputs whose offloaded files sort after ``outputs.pb`` (``zeta_...``) and before it (``alpha_...``)."""

    zeta: int
    alpha: int


@task
def late(a: int, b: int) -> Late:
    return Late(a, b)


TASKS = {"add": (add, 3), "decked": (decked, 3), "late": (late, Late(3, 4))}


def _captured(exc: BaseException) -> CapturedError:
    return CapturedError(exc, "".join(traceback.format_exception_only(type(exc), exc)))


def _inputs() -> bytes:
    lm = literals_pb2.LiteralMap()
    lm.literals["a"].scalar.primitive.integer = 1
    lm.literals["b"].scalar.primitive.integer = 2
    return lm.SerializeToString()


STEPS = st.sampled_from(["ok", "ok", "ok", "fail", "fail2", "sigterm", "internal"])


def _event(command: m.Command, step: str, the_task: Any, stored: list[str], cut: int, value: Any = 3) -> m.Event:
    if step == "sigterm":
        return m.Terminated("SIGTERM", 15, "", 9.0)
    if step == "internal":
        return m.InternalError(_captured(KeyError("bug")), 9.0)
    fail = step in ("fail", "fail2")
    if isinstance(command, m.InstallPackages):
        return m.PackagesInstallFailed(1, "no index", 1.0) if fail else m.PackagesInstalled()
    if isinstance(command, m.LoadTask):
        if step == "fail2":
            return m.TaskLoadFailed(_captured(IgnoreOutputs()), 1.0)
        return m.TaskLoadFailed(_captured(ImportError("x")), 1.0) if fail else m.TaskLoaded(the_task)
    if isinstance(command, m.ReadInputs):
        if step == "fail2":
            return m.InputsRead(b"\xff\xff\xff", 1.0)
        return m.InputsReadFailed(_captured(OSError("reset")), 1.0) if fail else m.InputsRead(_inputs(), 1.0)
    if isinstance(command, m.RunTask):
        if step == "fail2":
            return m.TaskRaised(_captured(IgnoreOutputs()), 1.0)
        if fail:
            return m.TaskRaised(_captured(ValueError("bad")), 1.0)
        return m.TaskReturned(value, 1.0)
    if isinstance(command, m.WriteOutputs):
        names = m.write_order(command.files)
        if not fail:
            stored.extend(names)
            return m.OutputsWritten()
        stored.extend(names[: cut % (len(names) + 1)])  # any prefix: none, some, or all (a lost response)
        return m.OutputsWriteFailed(_captured(OSError("503 SlowDown")), 1.0)
    if isinstance(command, m.WriteDeck):
        return m.DeckWritten(ok=not fail)
    raise AssertionError(f"unexpected command {command!r}")


_OK12 = ["ok"] * 12


@settings(max_examples=400)
# outputs.pb and its offloaded file stored, the write reported failed, the error document refused: exit 1
@example(
    steps=["ok", "ok", "ok", "fail", "fail", *_OK12[5:]],
    cuts=[0, 0, 0, 2, *[0] * 8],
    which="add",
    packages=False,
    offload=True,
    fail_on_error=False,
    distributed=False,
)
# no offloading: outputs.pb stored although its write was reported failed; the error document is stored
@example(
    steps=["ok", "ok", "ok", "fail", *_OK12[4:]],
    cuts=[0, 0, 0, 1, *[0] * 8],
    which="add",
    packages=False,
    offload=False,
    fail_on_error=False,
    distributed=False,
)
@given(
    steps=st.lists(STEPS, min_size=12, max_size=12),
    cuts=st.lists(st.integers(0, 5), min_size=12, max_size=12),
    which=st.sampled_from(sorted(TASKS)),
    packages=st.booleans(),
    offload=st.booleans(),
    fail_on_error=st.booleans(),
    distributed=st.booleans(),
)
def test_run_laws(
    steps: list[str],
    cuts: list[int],
    which: str,
    packages: bool,
    offload: bool,
    fail_on_error: bool,
    distributed: bool,
) -> None:
    env = {}
    if packages:
        env["_F_RUNTIME_PACKAGES"] = "six"
    if offload:
        env["_F_L_MIN_SIZE_MB"] = "0"
    if fail_on_error:
        env["FLYTE_FAIL_ON_ERROR"] = "true"
    if distributed:
        env["_F_DES"] = "1"
    args = TaskArgs(
        inputs="s3://b/in/inputs.pb",
        output_prefix="s3://b/out",
        raw_output_data_prefix="s3://b/raw",
        resolver_args=("task-module", "m", "task-name", "add"),
    )
    invocation = Invocation(args, env, now=1.0, uuid_hex="ab" * 16, name_seed="cd" * 16)
    the_task, value = TASKS[which]
    error_name = "error-" + "ab" * 16 + ".pb" if distributed else "error.pb"

    run, command = m.start(invocation)
    commands: list[m.Command] = [command]
    stored: list[str] = []
    reported: list[str] = []  # the files of every WriteOutputs the shell reported written
    terminated = False
    for step, cut in zip(steps * 3, cuts * 3):  # enough steps for any run to end
        if isinstance(command, m.Exit):
            break
        if step == "sigterm":
            terminated = True
        event = _event(command, step, the_task, stored, cut, value)
        if isinstance(command, m.WriteOutputs) and isinstance(event, m.OutputsWritten):
            reported.extend(command.files)
        run, command = m.receive(run, event)
        commands.append(command)
    assert isinstance(command, m.Exit), commands
    assert sum(isinstance(c, m.Exit) for c in commands) == 1

    writes = [c for c in commands if isinstance(c, m.WriteOutputs)]
    error_writes = [i for i, c in enumerate(writes) if error_name in c.files]
    assert len(error_writes) <= 1
    assert all(set(c.files) == {error_name} for c in writes if error_name in c.files)
    if error_writes:
        assert not any(OUTPUTS in c.files for c in writes[error_writes[0] :])
    if OUTPUTS in stored:  # every offloaded file of outputs.pb was stored before it
        before = stored[: stored.index(OUTPUTS)]
        assert all(
            name in before for c in writes if OUTPUTS in c.files for name in c.files if name != OUTPUTS
        )

    assert set(reported) <= set(stored)
    wrote_document = error_name in reported or OUTPUTS in reported
    if run.terminated is not None:
        assert terminated and command.code == 143
    elif error_name in reported:
        assert command.code == (1 if fail_on_error else 0)
    elif OUTPUTS in reported:
        assert command.code == 0
    elif writes:  # something was to be written and nothing could be: the one diagnostic
        assert command.code == 1 and command.diagnostic is not None
    else:  # IgnoreOutputs
        assert command.code == 0 and command.reason.startswith("IgnoreOutputs")
    if wrote_document and command.code != 0:
        assert fail_on_error or run.terminated is not None
