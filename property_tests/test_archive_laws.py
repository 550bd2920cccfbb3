"""Laws of the archive member filter (``core.archive``) and the fast-execute command rules (``core.fast_command``)."""

from __future__ import annotations

import io
import os
import tarfile
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from returns.result import Failure, Success

from flyte_entrypoint.core import archive as arc
from flyte_entrypoint.core import fast_command as fc
from flyte_entrypoint.shell import fast_execute as fe

# --- strategies ------------------------------------------------------------------------------------------

# Few distinct components so that members collide, nest, and link to each other often.
component = st.sampled_from(["a", "b", "c", "..", ".", ""])
rel_name = st.lists(component, min_size=1, max_size=4).map("/".join)
any_name = st.one_of(rel_name, rel_name.map(lambda n: "/" + n))
member_type = st.sampled_from(["file", "dir", "symlink", "hardlink", "file", "dir", "symlink"])


@st.composite
def member(draw: st.DrawFn) -> arc.Member:
    kind = draw(member_type)
    linkname = draw(any_name) if kind in ("symlink", "hardlink") else ""
    return arc.Member(draw(any_name), kind, draw(st.integers(0, 64)), linkname, draw(st.integers(0, 0o7777)))


members = st.lists(member(), max_size=10)

# Mostly-acceptable archives (relative names, rare ".."), so that plans get carried out often.
friendly_component = st.sampled_from(["a", "b", "c", "a", "b", "c", "..", "."])
friendly_name = st.lists(friendly_component, min_size=1, max_size=4).map("/".join)


@st.composite
def friendly_member(draw: st.DrawFn) -> arc.Member:
    kind = draw(member_type)
    linkname = draw(friendly_name) if kind in ("symlink", "hardlink") else ""
    return arc.Member(
        draw(friendly_name), kind, draw(st.integers(0, 8)), linkname, draw(st.integers(0, 0o7777))
    )


friendly_members = st.lists(friendly_member(), max_size=10)
LIMITS = arc.ArchiveLimits()

# Members that no archive may contain, wherever they are put.
HOSTILE = [
    arc.Member("/abs", "file"),
    arc.Member("../x", "file"),
    arc.Member("../../x", "dir"),
    arc.Member("dev", "device"),
    arc.Member("fifo", "fifo"),
    arc.Member("odd", "other"),
    arc.Member("l", "symlink", linkname="/etc"),
    arc.Member("l", "symlink", linkname="../.."),
    arc.Member("h", "hardlink", linkname="/etc/passwd"),
    arc.Member(".flyte-fast-execute.lock", "file"),
    arc.Member("x", "file", mode=0o644, size=LIMITS.max_member_bytes + 1),
]


def plan_of(ms: list[arc.Member]) -> arc.ExtractionPlan | None:
    result = arc.plan_extraction(ms, LIMITS)
    return result.unwrap() if isinstance(result, Success) else None


# --- the member filter -------------------------------------------------------------------------------------


def _replay(plan: arc.ExtractionPlan) -> None:
    """An independent check: every action's parents are directories created earlier and still there."""
    kinds: dict[tuple[str, ...], str] = {(): "dir"}
    for action in plan.actions:
        assert arc.is_inside(action.path) and action.path, action
        for i in range(len(action.path)):
            assert kinds.get(action.path[:i]) == "dir", (action, kinds)
        if action.kind == "mkdir":
            assert kinds.get(action.path) is None
            kinds[action.path] = "dir"
        else:
            assert kinds.get(action.path) != "dir"
            kinds[action.path] = action.kind
        if action.kind == "hardlink":
            assert kinds.get(action.link_source) in ("file", "hardlink")
        if action.mode is not None:
            assert action.mode & ~0o755 == 0 and action.mode & 0o600 == 0o600


@given(st.one_of(members, friendly_members))
@example([arc.Member("s", "symlink", linkname="a"), arc.Member("s/x", "file")])
@example([arc.Member("a", "symlink", linkname="b/c"), arc.Member("l", "symlink", linkname="a/../../x")])
def test_accepted_plans_only_write_below_the_root(ms: list[arc.Member]) -> None:
    plan = plan_of(ms)
    if plan is not None:
        _replay(plan)
        assert plan.member_count == len(ms)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(friendly_members)
def test_carrying_out_a_plan_stays_inside_on_disk(ms: list[arc.Member]) -> None:
    """Apply an accepted plan with the shell's writer; nothing appears outside, no link resolves outside."""
    plan = plan_of(ms)
    if plan is None:
        return
    with tempfile.TemporaryDirectory() as outer:
        root = Path(outer) / "root"
        root.mkdir()
        tar_path = Path(outer) / "a.tar"
        with tarfile.open(tar_path, "w") as tar:
            infos = []
            for m in ms:
                info = tarfile.TarInfo(m.name or "x")
                if m.type == "file":
                    info.size = m.size
                    tar.addfile(info, io.BytesIO(b"x" * m.size))
                else:
                    tar.addfile(info)
                infos.append(info)
        with tarfile.open(tar_path) as tar:
            fe.apply_plan(plan, tar.getmembers(), tar, str(root))
        assert sorted(os.listdir(outer)) == ["a.tar", "root"]
        real_root = os.path.realpath(root)
        for dirpath, dirnames, filenames in os.walk(root):
            for name in dirnames + filenames:
                p = os.path.join(dirpath, name)
                if os.path.islink(p):
                    target = os.path.realpath(p)
                    assert os.path.commonpath([target, real_root]) == real_root, (p, os.readlink(p))


@given(st.one_of(members, friendly_members), st.sampled_from(HOSTILE), st.data())
def test_refusal_is_monotone(ms: list[arc.Member], hostile: arc.Member, data: st.DataObject) -> None:
    """Adding a hostile member anywhere to an accepted archive refuses it."""
    assume(plan_of(ms) is not None)
    at = data.draw(st.integers(0, len(ms)))
    assert isinstance(arc.plan_extraction([*ms[:at], hostile, *ms[at:]], LIMITS), Failure)


def _decided_at_culprit(ms: list[arc.Member]) -> arc.ArchiveRefused | None:
    """The refusal, if the members up to and including the culprit already produce it.

    (The other refusals come from the final check of symlinks in the finished tree, which later members
    can change.)
    """
    result = arc.plan_extraction(ms, LIMITS)
    if not isinstance(result, Failure):
        return None
    refusal: arc.ArchiveRefused = result.failure()
    prefix = arc.plan_extraction(ms[: refusal.index + 1], LIMITS)
    return refusal if isinstance(prefix, Failure) and prefix.failure() == refusal else None


@given(members, members)
def test_refusal_survives_appending(ms: list[arc.Member], more: list[arc.Member]) -> None:
    """A refusal decided at its culprit stays the same whatever follows."""
    refusal = _decided_at_culprit(ms)
    if refusal is not None:
        again = arc.plan_extraction([*ms, *more], LIMITS)
        assert isinstance(again, Failure) and again.failure() == refusal


@given(members)
def test_planning_is_deterministic_and_lazy(ms: list[arc.Member]) -> None:
    assert arc.plan_extraction(ms, LIMITS) == arc.plan_extraction(iter(ms), LIMITS)
    consumed: list[int] = []

    def gen():  # type: ignore[no-untyped-def]
        for i, m in enumerate(ms):
            consumed.append(i)
            yield m

    arc.plan_extraction(gen(), LIMITS)
    refusal = _decided_at_culprit(ms)
    if refusal is not None:
        assert consumed[-1] == refusal.index  # stopped reading at the culprit


@given(st.lists(st.just(arc.Member("f", "file", size=1)), min_size=0, max_size=8), st.integers(0, 8))
def test_member_limit(ms: list[arc.Member], limit: int) -> None:
    result = arc.plan_extraction(ms, arc.ArchiveLimits(max_members=limit))
    assert isinstance(result, Success) is (len(ms) <= limit)


@given(st.integers(0, 0o7777))
def test_modes(mode: int) -> None:
    m = arc.safe_mode("file", mode)
    assert m is not None
    assert m & 0o7000 == 0 and m & 0o022 == 0 and m & 0o600 == 0o600
    assert bool(m & 0o111) is bool(mode & 0o100)
    assert arc.safe_mode("dir", mode) is None and arc.safe_mode("symlink", mode) is None


@given(st.text(max_size=20))
def test_distribution_kind(uri: str) -> None:
    kind = arc.distribution_kind(uri)
    base = uri.rstrip("/").rsplit("/", 1)[-1]
    if kind == "tar.gz":
        assert base.endswith(".tar.gz")
    elif kind == "tgz":
        assert base.endswith(".tgz")
    elif kind == "pkl.gz":
        assert base == "pkl.gz"
    assert arc.distribution_kind("s3://b/p/" + "x.tar.gz") == "tar.gz"


# --- the command rewrite --------------------------------------------------------------------------------------

arg = st.sampled_from(["--resolver", "--", "--inputs", "x", "r", "--resolver=y", "--output-prefix", "-"])
command = st.builds(lambda rest: ["pyflyte-execute", *rest], st.lists(arg, max_size=10))
INSERT_LEN = 4


@given(command, st.text(min_size=1, max_size=5), st.text(min_size=1, max_size=5))
def test_rewrite_inserts_at_most_once_and_keeps_the_rest(cmd: list[str], distro: str, dest: str) -> None:
    out = fc.rewrite_task_command(cmd, distro, dest)
    at = fc.resolver_index(cmd)
    if at is None:
        assert out == tuple(cmd)
        return
    block = ("--dynamic-addl-distro", distro, "--dynamic-dest-dir", dest)
    if tuple(cmd[at - INSERT_LEN : at]) == block:
        assert out == tuple(cmd)
        return
    assert len(out) == len(cmd) + INSERT_LEN
    assert out[at : at + INSERT_LEN] == block  # right before the resolver option
    assert out[:at] + out[at + INSERT_LEN :] == tuple(cmd)  # everything else, in order
    assert fc.options_end(cmd) > at  # ... which comes before the resolver args' "--"


@given(command, st.text(min_size=1, max_size=5), st.text(min_size=1, max_size=5))
def test_rewrite_is_idempotent(cmd: list[str], distro: str, dest: str) -> None:
    once = fc.rewrite_task_command(cmd, distro, dest)
    assert fc.rewrite_task_command(once, distro, dest) == once


@given(command, st.one_of(st.none(), st.text(max_size=3)))
def test_no_distribution_no_insertion(cmd: list[str], dest: str | None) -> None:
    assert fc.rewrite_task_command(cmd, None, dest) == tuple(cmd)


@given(st.lists(arg, max_size=6), st.lists(arg, max_size=6))
def test_resolver_after_double_dash_is_positional(before: list[str], after: list[str]) -> None:
    before = [a for a in before if a != "--" and not a.startswith("--resolver")]
    cmd = ["pyflyte-execute", *before, "--", *after]
    assert fc.rewrite_task_command(cmd, "d", "p") == tuple(cmd)


@given(st.integers(-64, 255))
def test_exit_status(returncode: int) -> None:
    status = fc.exit_status_for(returncode)
    assert status == (128 - returncode if returncode < 0 else returncode)
    assert 0 <= status <= 255


@given(st.one_of(st.none(), st.lists(st.text("ab/", min_size=1, max_size=3), max_size=3).map(":".join)))
def test_child_pythonpath_appends(existing: str | None) -> None:
    out = fc.child_pythonpath(existing, "/dest", ":")
    assert out.endswith("/dest")
    if existing:
        assert out == existing + ":/dest"
    else:
        assert out == "/dest"


@given(command)
def test_run_mode_only_inprocess_for_our_commands(cmd: list[str]) -> None:
    assert fc.run_mode("inprocess", ["/usr/bin/python", *cmd[1:]]) is fc.RunMode.SUBPROCESS
    assert fc.run_mode("subprocess", cmd) is fc.RunMode.SUBPROCESS
    assert fc.run_mode("inprocess", ["/v/bin/pyflyte-map-execute", *cmd[1:]]) is fc.RunMode.INPROCESS


@given(
    st.lists(st.tuples(st.sampled_from(["file", "dir", "hardlink"]), st.integers(-2, 12)), max_size=6),
    st.integers(1, 12),
    st.integers(1, 30),
)
def test_size_limits_are_inclusive_and_count_regular_files_only(
    spec: list[tuple[str, int]], per_member: int, total: int
) -> None:
    ms = [arc.Member("f0", "file", size=0)]
    ms += [
        arc.Member(f"m{i}", kind, size, "f0" if kind == "hardlink" else "")
        for i, (kind, size) in enumerate(spec)
    ]  # type: ignore[arg-type]
    sizes = [max(m.size, 0) if m.type == "file" else 0 for m in ms]
    running = [sum(sizes[: i + 1]) for i in range(len(sizes))]
    ok = all(s <= per_member for s in sizes) and all(r <= total for r in running)
    result = arc.plan_extraction(ms, arc.ArchiveLimits(max_total_bytes=total, max_member_bytes=per_member))
    assert isinstance(result, Success) is ok
    if ok:
        assert result.unwrap().total_bytes == running[-1]
