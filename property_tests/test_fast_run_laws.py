"""Laws of ``pyflyte-fast-execute``'s machine (``core.fast_run``), over random outcomes of every step.

Whatever each step reports (success, its failure, an internal error while installing): the run ends in exactly
one ``Exit``; the task command runs, or a failure is reported, never both (the command never runs after a
failure); a written document exits 0 (1 with ``FLYTE_FAIL_ON_ERROR``), and nothing written (no
``--output-prefix``) exits 1.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from flyte_entrypoint.core import archive as arc
from flyte_entrypoint.core import fast_run as fr

TASK = ("pyflyte-execute", "--inputs", "i", "--output-prefix", "s3://b/out", "--resolver", "r", "--", "x")

STEP = st.sampled_from(["ok", "ok", "fail", "internal"])


@settings(max_examples=200)
@given(
    steps=st.lists(STEP, min_size=8, max_size=8),
    done=st.booleans(),
    fail_on_error=st.booleans(),
    prefix=st.booleans(),
)
def test_laws(steps: list[str], done: bool, fail_on_error: bool, prefix: bool) -> None:
    """Exactly one Exit; the task command never runs after a failure; a written document exits 0 (1 with
    FLYTE_FAIL_ON_ERROR); nothing written (no prefix) exits 1."""
    env = {"FLYTE_FAIL_ON_ERROR": "1"} if fail_on_error else {}
    task = TASK if prefix else ("pyflyte-execute", "--resolver", "r")
    run, cmd = fr.start(fr.FastInvocation("s3://b/c.tgz", "/d", task, env), "/d")
    commands: list[fr.Command] = [cmd]
    for step in steps:
        if isinstance(cmd, fr.Exit):
            break
        ok = step == "ok"
        if step == "internal" and run.state in (
            fr.State.DOWNLOADING,
            fr.State.VERIFYING,
            fr.State.PLANNING,
            fr.State.EXTRACTING,
        ):
            event: fr.Event = fr.InternalError("PermissionError: no")
        elif isinstance(cmd, fr.Download):
            event = fr.Downloaded() if ok else fr.DownloadFailed(False, "reset")
        elif isinstance(cmd, fr.Verify):
            event = fr.Verified("f", done)
        elif isinstance(cmd, fr.ReadMembers):
            event = (
                fr.MembersRead((arc.Member("a.py", "file", 1, "", 0o644),)) if ok else fr.Unreadable("EOF")
            )
        elif isinstance(cmd, fr.Extract):
            event = fr.Extracted() if ok else fr.ExtractFailed("ENOSPC")
        elif isinstance(cmd, fr.RunCommand):
            event = fr.CommandFinished(0 if ok else 3)
        else:
            assert isinstance(cmd, fr.ReportFailure)
            event = fr.FailureReported(cmd.uri is not None)
        run, cmd = fr.receive(run, event)
        commands.append(cmd)
    assert isinstance(cmd, fr.Exit) and sum(isinstance(c, fr.Exit) for c in commands) == 1
    reported = [c for c in commands if isinstance(c, fr.ReportFailure)]
    ran = [c for c in commands if isinstance(c, fr.RunCommand)]
    assert len(reported) + len(ran) == 1
    if reported:
        assert cmd.code == (1 if fail_on_error or not prefix else 0)
