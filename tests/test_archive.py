"""Where an accepted archive's members land, and why a refused one is refused (``core.archive``).

Expected paths follow ``realpath`` on the tree the archive builds (POSIX: a missing component is taken
lexically, ``..`` goes to the parent of what was resolved so far, a symlink is replaced by its target),
limits follow the module docstring, modes Python's ``tarfile`` ``data`` filter.
"""

from __future__ import annotations

import pytest
from returns.result import Failure, Success

from flyte_entrypoint.core import archive as arc
from flyte_entrypoint.core.archive import Action, ArchiveLimits, Member, Reason

LIMITS = ArchiveLimits()


def actions(*members: Member, limits: ArchiveLimits = LIMITS) -> tuple[Action, ...]:
    result = arc.plan_extraction(members, limits)
    assert isinstance(result, Success), result
    return result.unwrap().actions


def refusal(*members: Member, limits: ArchiveLimits = LIMITS) -> arc.ArchiveRefused:
    result = arc.plan_extraction(members, limits)
    assert isinstance(result, Failure), result
    return result.failure()


def landed(*members: Member) -> list[tuple[str, str]]:
    return [(a.kind, a.relpath) for a in actions(*members)]


# --- where files land ------------------------------------------------------------------------------------


def test_dot_dot_inside_a_name_is_resolved_lexically() -> None:
    # pkg/sub does not exist: realpath takes it lexically, so pkg/sub/.. is pkg
    assert actions(Member("pkg/sub/../mod.py", "file", size=3, mode=0o644)) == (
        Action("mkdir", ("pkg",)),
        Action("file", ("pkg", "mod.py"), 0, 0o644),
    )


def test_dot_and_empty_components_are_dropped() -> None:
    assert landed(Member("./a//./b.txt", "file")) == [("mkdir", "a"), ("file", "a/b.txt")]


def test_dot_dot_back_to_the_root_stays_inside() -> None:
    assert landed(Member("a/../b.txt", "file")) == [("file", "b.txt")]


def test_writing_through_a_symlinked_directory_lands_in_its_target() -> None:
    assert actions(
        Member("real", "dir"),
        Member("link", "symlink", linkname="real"),
        Member("link/f.py", "file", mode=0o600),
    ) == (
        Action("mkdir", ("real",), 0),
        Action("symlink", ("link",), 1, link_target="real"),
        Action("file", ("real", "f.py"), 2, 0o600),
    )


def test_a_symlink_with_dot_dot_is_followed_from_its_own_directory() -> None:
    assert landed(
        Member("d/l", "symlink", linkname="../e/f"),
        Member("d/l/x.py", "file"),
    ) == [("mkdir", "d"), ("symlink", "d/l"), ("mkdir", "e"), ("mkdir", "e/f"), ("file", "e/f/x.py")]


def test_a_directory_member_through_a_symlink_is_made_at_the_target() -> None:
    assert landed(
        Member("t", "dir"),
        Member("l", "symlink", linkname="t"),
        Member("l/sub", "dir"),
    ) == [("mkdir", "t"), ("symlink", "l"), ("mkdir", "t/sub")]


def test_the_last_component_of_a_symlink_is_replaced_not_followed() -> None:
    # a file member named like an existing symlink replaces the link: it is not written through it
    got = actions(
        Member("t", "dir"),
        Member("l", "symlink", linkname="t"),
        Member("l", "file"),
    )
    assert got[-1] == Action("file", ("l",), 2, 0o644)


def test_a_hard_link_into_a_directory_not_yet_made() -> None:
    assert actions(
        Member("a.txt", "file", size=1, mode=0o755),
        Member("new/dir/h.txt", "hardlink", linkname="a.txt", mode=0o640),
    ) == (
        Action("file", ("a.txt",), 0, 0o755),
        Action("mkdir", ("new",)),
        Action("mkdir", ("new", "dir")),
        Action("hardlink", ("new", "dir", "h.txt"), 1, 0o640, link_source=("a.txt",)),
    )


def test_a_hard_link_names_its_source_resolved() -> None:
    got = actions(
        Member("t/a.txt", "file"),
        Member("l", "symlink", linkname="t"),
        Member("h", "hardlink", linkname="l/a.txt"),
    )
    assert got[-1] == Action("hardlink", ("h",), 2, 0o644, link_source=("t", "a.txt"))


def test_a_hard_link_to_a_hard_link_is_a_link_to_a_file() -> None:
    assert landed(
        Member("a", "file"), Member("b", "hardlink", linkname="a"), Member("c", "hardlink", linkname="b")
    ) == [("file", "a"), ("hardlink", "b"), ("hardlink", "c")]


def test_parents_are_made_once_and_named_directories_keep_their_index() -> None:
    assert actions(Member("a/b/c", "file"), Member("a/b", "dir"), Member("a/d", "dir")) == (
        Action("mkdir", ("a",)),
        Action("mkdir", ("a", "b")),
        Action("file", ("a", "b", "c"), 0, 0o644),
        Action("mkdir", ("a", "d"), 2),
    )


def test_the_destination_itself_as_a_directory_member_writes_nothing() -> None:
    assert actions(Member(".", "dir"), Member("./", "dir"), Member("", "dir")) == ()


def test_a_file_may_replace_a_file() -> None:
    assert landed(Member("a", "file"), Member("a", "file")) == [("file", "a"), ("file", "a")]


def test_plan_counts_members_and_file_bytes_only() -> None:
    result = arc.plan_extraction(
        [
            Member("a", "file", size=5),
            Member("d", "dir", size=100),
            Member("h", "hardlink", linkname="a", size=100),
            Member("l", "symlink", linkname="a", size=100),
            Member("n", "file", size=-7),
        ],
        LIMITS,
    )
    plan = result.unwrap()
    assert plan.member_count == 5
    assert plan.total_bytes == 5


def test_top_level_written_paths_and_relpath() -> None:
    plan = arc.plan_extraction(
        [Member("b/x", "file"), Member("a", "file"), Member("b/y", "file"), Member("c/d/e", "dir")], LIMITS
    ).unwrap()
    assert plan.top_level == ("b", "a", "c")
    assert arc.written_paths(plan) == (
        ("b",),
        ("b", "x"),
        ("a",),
        ("b", "y"),
        ("c",),
        ("c", "d"),
        ("c", "d", "e"),
    )
    assert [a.relpath for a in plan.actions][-1] == "c/d/e"
    assert arc.ExtractionPlan((Action("mkdir", ()),), 0, 0).top_level == ()


def test_is_inside() -> None:
    assert arc.is_inside(("a", "b.c"))
    assert arc.is_inside(())
    for bad in [("a", ".."), (".",), ("",), ("a/b",), ("a\x00",)]:
        assert not arc.is_inside(bad), bad


# --- refusals ----------------------------------------------------------------------------------------------


def _check(got: arc.ArchiveRefused, member: str, index: int, reason: Reason, detail: str) -> None:
    assert (got.member, got.index, got.reason, got.detail) == (member, index, reason, detail)


def test_absolute_member() -> None:
    _check(
        refusal(Member("ok", "file"), Member("/etc/x", "file")),
        "/etc/x",
        1,
        Reason.ABSOLUTE_PATH,
        "absolute member path",
    )


def test_dot_dot_above_the_root() -> None:
    _check(
        refusal(Member("a/../../x", "file")),
        "a/../../x",
        0,
        Reason.OUTSIDE_DESTINATION,
        "the member's parent directory resolves outside the destination directory",
    )
    _check(
        refusal(Member("..", "dir")),
        "..",
        0,
        Reason.OUTSIDE_DESTINATION,
        "the directory resolves outside the destination directory",
    )


def test_writing_through_a_link_that_leads_above_the_root() -> None:
    # the link is harmless while "u" does not lead anywhere; the write through it is checked again
    _check(
        refusal(Member("d", "dir"), Member("d/u", "symlink", linkname=".."), Member("d/u/../x", "file")),
        "d/u/../x",
        2,
        Reason.OUTSIDE_DESTINATION,
        "the member's parent directory resolves outside the destination directory",
    )


@pytest.mark.parametrize("kind", ["device", "fifo", "other"])
def test_special_files(kind: arc.MemberType) -> None:
    _check(refusal(Member("x", kind)), "x", 0, Reason.SPECIAL_FILE, f"{kind} members are not extracted")


def test_nul_in_a_name_or_a_link() -> None:
    _check(refusal(Member("a\x00b", "file")), "a\x00b", 0, Reason.INVALID_NAME, "NUL character in the name")
    _check(
        refusal(Member("l", "symlink", linkname="a\x00")),
        "l",
        0,
        Reason.INVALID_NAME,
        "NUL character in the name",
    )


@pytest.mark.parametrize("name", ["", ".", "./", "a/..", "a/b/.."])
def test_a_non_directory_must_name_an_entry(name: str) -> None:
    _check(
        refusal(Member(name, "file")),
        name,
        0,
        Reason.INVALID_NAME,
        "a non-directory member must name an entry below the destination",
    )


def test_reserved_names_at_the_top_level_only() -> None:
    for kind in ("file", "dir"):
        got = refusal(Member(".flyte-fast-execute.lock", kind))
        assert got.reason is Reason.RESERVED_NAME
        assert (
            got.detail
            == "'.flyte-fast-execute.lock' is reserved for fast-execute's own files in the destination"
        )
    assert refusal(Member(".flyte-fast-execute-staging/x", "file")).reason is Reason.RESERVED_NAME
    assert refusal(Member("l", "symlink", linkname="."), Member("l/.flyte-fast-execute", "file")).reason is (
        Reason.RESERVED_NAME
    )
    assert landed(Member("a/.flyte-fast-execute.lock", "file"))[-1] == ("file", "a/.flyte-fast-execute.lock")
    assert landed(Member("x.flyte-fast-execute", "file")) == [("file", "x.flyte-fast-execute")]


def test_type_conflicts() -> None:
    _check(
        refusal(Member("a", "dir"), Member("a", "file")),
        "a",
        1,
        Reason.TYPE_CONFLICT,
        "would replace the directory a with a file",
    )
    _check(
        refusal(Member("a/b", "dir"), Member("a/b", "symlink", linkname="c")),
        "a/b",
        1,
        Reason.TYPE_CONFLICT,
        "would replace the directory a/b with a symlink",
    )
    _check(
        refusal(Member("a", "file"), Member("a", "dir")),
        "a",
        1,
        Reason.TYPE_CONFLICT,
        "would replace the file a with a directory",
    )
    # "l" resolves to the directory "t": a directory member "l" has nothing to do
    assert landed(Member("t", "dir"), Member("l", "symlink", linkname="t"), Member("l", "dir")) == [
        ("mkdir", "t"),
        ("symlink", "l"),
    ]


def test_a_path_through_a_regular_file() -> None:
    _check(
        refusal(Member("f", "file"), Member("f/x", "file")),
        "f/x",
        1,
        Reason.NOT_A_DIRECTORY,
        "f is not a directory",
    )
    _check(
        refusal(Member("f", "file"), Member("f/x/y", "file")),
        "f/x/y",
        1,
        Reason.NOT_A_DIRECTORY,
        "the member's parent directory goes through a regular file",
    )
    _check(
        refusal(Member("f", "file"), Member("f/x", "dir")),
        "f/x",
        1,
        Reason.NOT_A_DIRECTORY,
        "the directory goes through a regular file",
    )


def test_a_link_to_a_file_used_as_a_directory() -> None:
    # the parent resolves onto the regular file itself, so making it a directory is refused
    _check(
        refusal(Member("f", "file"), Member("l", "symlink", linkname="f"), Member("l/x", "file")),
        "l/x",
        2,
        Reason.NOT_A_DIRECTORY,
        "f is not a directory",
    )


def test_symlinks() -> None:
    _check(
        refusal(Member("l", "symlink", linkname="/etc")),
        "l",
        0,
        Reason.ABSOLUTE_LINK,
        "symlink to the absolute path '/etc'",
    )
    _check(
        refusal(Member("l", "symlink", linkname="")),
        "l",
        0,
        Reason.INVALID_NAME,
        "symlink with an empty target",
    )
    _check(
        refusal(Member("a/l", "symlink", linkname="../../x")),
        "a/l",
        0,
        Reason.LINK_OUTSIDE_DESTINATION,
        "symlink target '../../x' is outside the destination",
    )
    # a link to a dangling or looping target is harmless while nothing is written through it
    assert landed(Member("a", "symlink", linkname="b"), Member("b", "symlink", linkname="a")) == [
        ("symlink", "a"),
        ("symlink", "b"),
    ]
    assert landed(Member("f", "file"), Member("l", "symlink", linkname="f/x")) == [
        ("file", "f"),
        ("symlink", "l"),
    ]


def test_hard_links() -> None:
    _check(
        refusal(Member("h", "hardlink", linkname="/etc/passwd")),
        "h",
        0,
        Reason.ABSOLUTE_LINK,
        "hard link to the absolute path '/etc/passwd'",
    )
    _check(
        refusal(Member("h", "hardlink", linkname="../x")),
        "h",
        0,
        Reason.LINK_OUTSIDE_DESTINATION,
        "hard link target '../x' is outside the destination",
    )
    not_extracted = "hard link target {!r} is not a regular file extracted earlier from this archive"
    for earlier, target in [
        ([], "missing"),
        ([Member("d", "dir")], "d"),
        ([Member("l", "symlink", linkname="m")], "l"),
        ([Member("a", "symlink", linkname="b"), Member("b", "symlink", linkname="a")], "a"),
        ([Member("f", "file")], "f/x"),
    ]:
        _check(
            refusal(*earlier, Member("h", "hardlink", linkname=target)),
            "h",
            len(earlier),
            Reason.HARDLINK_TARGET_INVALID,
            not_extracted.format(target),
        )
    _check(
        refusal(Member("f", "file"), Member("f", "hardlink", linkname="f")),
        "f",
        1,
        Reason.HARDLINK_TARGET_INVALID,
        "hard link to itself",
    )
    # a hard link follows a symlink to reach its target
    assert landed(
        Member("f", "file"), Member("l", "symlink", linkname="f"), Member("h", "hardlink", linkname="l")
    )[-1] == ("hardlink", "h")


# --- the end-of-archive check of every symlink ------------------------------------------------------------


def test_a_later_member_turns_an_earlier_link_into_an_escape() -> None:
    # d/A -> ../L/.. is inside while L does not exist (L/.. is the root); L -> . makes it the parent
    members = [
        Member("d/", "dir"),
        Member("d/A", "symlink", linkname="../L/.."),
        Member("L", "symlink", linkname="."),
    ]
    _check(
        refusal(*members),
        "d/A",
        1,
        Reason.LINK_OUTSIDE_DESTINATION,
        "symlink target '../L/..' resolves outside the destination once the archive is extracted",
    )
    assert isinstance(arc.plan_extraction(members[:2], LIMITS), Success)  # each prefix alone is fine


def test_a_link_replaced_later_is_not_checked_again() -> None:
    assert landed(
        Member("d/", "dir"),
        Member("d/A", "symlink", linkname="../L/.."),
        Member("d/A", "file"),
        Member("L", "symlink", linkname="."),
    ) == [("mkdir", "d"), ("symlink", "d/A"), ("file", "d/A"), ("symlink", "L")]


def test_the_first_escaping_link_by_member_order_is_named() -> None:
    got = refusal(
        Member("d", "dir"),
        Member("d/x", "symlink", linkname="a"),  # d/x is recorded first ...
        Member("d/y", "symlink", linkname="../M/.."),
        Member("d/x", "symlink", linkname="../L/.."),  # ... but relinked by a later member
        Member("L", "symlink", linkname="."),
        Member("M", "symlink", linkname="."),
    )
    assert (got.member, got.index) == ("d/y", 2)


def test_the_final_check_follows_a_link_in_last_position() -> None:
    # d/A -> ../L is harmless until L -> M/.. and M -> . make L the destination's parent
    got = refusal(
        Member("d", "dir"),
        Member("d/A", "symlink", linkname="../L"),
        Member("L", "symlink", linkname="M/.."),
        Member("M", "symlink", linkname="."),
    )
    assert (got.member, got.index, got.reason) == ("d/A", 1, Reason.LINK_OUTSIDE_DESTINATION)


def test_a_new_link_through_a_link_that_escapes_by_now_is_refused_at_once() -> None:
    got = refusal(
        Member("d", "dir"),
        Member("d/A", "symlink", linkname="../L/.."),
        Member("L", "symlink", linkname="."),
        Member("X", "symlink", linkname="d/A"),
    )
    assert (got.member, got.index, got.reason, got.detail) == (
        "X",
        3,
        Reason.LINK_OUTSIDE_DESTINATION,
        "symlink target 'd/A' is outside the destination",
    )


def test_link_targets_are_resolved_from_the_links_own_directory() -> None:
    # from a/b, ../../x is the root's x (inside); from the root, .. alone is outside
    assert landed(Member("a/b/l", "symlink", linkname="../../x"))[-1] == ("symlink", "a/b/l")
    assert refusal(Member("l", "symlink", linkname="..")).reason is Reason.LINK_OUTSIDE_DESTINATION
    assert refusal(Member("a/l", "symlink", linkname="../..")).reason is Reason.LINK_OUTSIDE_DESTINATION


# --- symlink hops ----------------------------------------------------------------------------------------


def _chain(hops: int) -> list[Member]:
    """``l1 -> l2 -> ... -> l<hops> -> t``: resolving ``l1`` takes ``hops`` link hops."""
    members = [Member("t", "dir")]
    members += [Member(f"l{i}", "symlink", linkname=f"l{i + 1}") for i in range(hops - 1, 0, -1)]
    members.insert(1, Member(f"l{hops}", "symlink", linkname="t"))
    return members


def test_forty_link_hops_are_followed() -> None:
    assert arc.MAX_SYMLINK_HOPS == 40  # Linux's ELOOP limit
    assert actions(*_chain(40), Member("l1/f", "file"))[-1] == Action("file", ("t", "f"), 41, 0o644)


def test_forty_one_link_hops_are_a_loop() -> None:
    _check(
        refusal(*_chain(41), Member("l1/f", "file")),
        "l1/f",
        42,
        Reason.SYMLINK_LOOP,
        "the member's parent directory goes through a symlink loop",
    )


def test_a_real_loop() -> None:
    got = refusal(
        Member("a", "symlink", linkname="b"), Member("b", "symlink", linkname="a"), Member("a/x", "dir")
    )
    assert (got.reason, got.detail) == (Reason.SYMLINK_LOOP, "the directory goes through a symlink loop")


# --- limits ------------------------------------------------------------------------------------------------


def test_default_limits() -> None:
    assert ArchiveLimits() == ArchiveLimits(1_000_000, 16 * 1024**3, 8 * 1024**3)
    assert (arc.DEFAULT_MAX_MEMBERS, arc.DEFAULT_MAX_TOTAL_BYTES, arc.DEFAULT_MAX_MEMBER_BYTES) == (
        1_000_000,
        17_179_869_184,
        8_589_934_592,
    )


def test_member_size_limit_is_inclusive() -> None:
    limits = ArchiveLimits(max_member_bytes=10)
    assert actions(Member("a", "file", size=10), limits=limits)
    _check(
        refusal(Member("a", "file", size=1), Member("b", "file", size=11), limits=limits),
        "b",
        1,
        Reason.MEMBER_TOO_LARGE,
        "11 bytes is more than the per-member limit of 10",
    )
    assert refusal(Member("a", "file", size=LIMITS.max_member_bytes + 1)).reason is Reason.MEMBER_TOO_LARGE
    assert actions(Member("a", "file", size=LIMITS.max_member_bytes))


def test_total_size_limit_is_inclusive() -> None:
    limits = ArchiveLimits(max_total_bytes=10)
    assert actions(Member("a", "file", size=4), Member("b", "file", size=6), limits=limits)
    _check(
        refusal(Member("a", "file", size=4), Member("b", "file", size=7), limits=limits),
        "b",
        1,
        Reason.ARCHIVE_TOO_LARGE,
        "the archive's members add up to more than 10 bytes",
    )
    big = LIMITS.max_member_bytes
    assert actions(Member("a", "file", size=big), Member("b", "file", size=big))
    assert (
        refusal(
            Member("a", "file", size=big), Member("b", "file", size=big), Member("c", "file", size=1)
        ).reason
        is Reason.ARCHIVE_TOO_LARGE
    )


def test_member_count_limit_is_inclusive() -> None:
    limits = ArchiveLimits(max_members=2)
    assert actions(Member("a", "dir"), Member("b", "dir"), limits=limits)
    _check(
        refusal(Member("a", "dir"), Member("b", "dir"), Member("c", "dir"), limits=limits),
        "c",
        2,
        Reason.TOO_MANY_MEMBERS,
        "more than 2 members",
    )


def test_limits_are_checked_before_the_member_itself() -> None:
    got = refusal(Member("/abs", "file", size=11), limits=ArchiveLimits(max_member_bytes=10))
    assert got.reason is Reason.MEMBER_TOO_LARGE


def test_limits_from_env() -> None:
    assert arc.ENV_MAX_MEMBERS == "FLYTE_ENTRYPOINT_ARCHIVE_MAX_MEMBERS"
    assert arc.ENV_MAX_TOTAL_BYTES == "FLYTE_ENTRYPOINT_ARCHIVE_MAX_TOTAL_BYTES"
    assert arc.ENV_MAX_MEMBER_BYTES == "FLYTE_ENTRYPOINT_ARCHIVE_MAX_MEMBER_BYTES"
    assert arc.archive_limits_from_env({}) == Success(ArchiveLimits())
    assert arc.archive_limits_from_env(
        {
            "FLYTE_ENTRYPOINT_ARCHIVE_MAX_MEMBERS": "5",
            "FLYTE_ENTRYPOINT_ARCHIVE_MAX_TOTAL_BYTES": " 7 ",
            "FLYTE_ENTRYPOINT_ARCHIVE_MAX_MEMBER_BYTES": "1",
        }
    ) == Success(ArchiveLimits(5, 7, 1))
    assert arc.archive_limits_from_env({"FLYTE_ENTRYPOINT_ARCHIVE_MAX_TOTAL_BYTES": " "}) == Success(
        ArchiveLimits()
    )


@pytest.mark.parametrize("raw", ["0", "-1", "x", "1.5", "0x10"])
@pytest.mark.parametrize(
    "var",
    [
        "FLYTE_ENTRYPOINT_ARCHIVE_MAX_MEMBERS",
        "FLYTE_ENTRYPOINT_ARCHIVE_MAX_TOTAL_BYTES",
        "FLYTE_ENTRYPOINT_ARCHIVE_MAX_MEMBER_BYTES",
    ],
)
def test_limits_from_env_must_be_positive_integers(var: str, raw: str) -> None:
    assert arc.archive_limits_from_env({var: raw}) == Failure(
        f"{var} must be a positive integer, got {raw!r}"
    )


# --- modes, kinds, messages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "safe"),
    [
        (0o644, 0o644),
        (0o755, 0o755),
        (0o777, 0o755),  # group/other write cleared
        (0o4755, 0o755),  # setuid cleared
        (0o2775, 0o755),
        (0o1777, 0o755),
        (0o000, 0o600),  # owner read/write always
        (0o400, 0o600),
        (0o100, 0o700),
        (0o011, 0o600),  # no owner execute: every execute bit goes
        (0o154, 0o754),
    ],
)
def test_safe_mode_of_files_and_hard_links(mode: int, safe: int) -> None:
    assert arc.safe_mode("file", mode) == safe
    assert arc.safe_mode("hardlink", mode) == safe


def test_directories_and_symlinks_get_no_mode() -> None:
    assert arc.safe_mode("dir", 0o777) is None
    assert arc.safe_mode("symlink", 0o777) is None
    assert actions(Member("d", "dir", mode=0o777), Member("l", "symlink", linkname="d", mode=0o777)) == (
        Action("mkdir", ("d",), 0, None),
        Action("symlink", ("l",), 1, None, link_target="d"),
    )


@pytest.mark.parametrize(
    ("uri", "kind"),
    [
        ("s3://b/p/code.tar.gz", "tar.gz"),
        ("s3://b/p/code.tar.gz/", "tar.gz"),
        ("/tmp/x.tgz", "tgz"),
        ("pkl.gz", "pkl.gz"),
        ("s3://b/pkl.gz", "pkl.gz"),
        ("s3://b/x.pkl.gz", "unknown"),
        ("s3://b/.tar.gz", "unknown"),
        ("s3://b/.tgz", "unknown"),
        ("s3://b/x.zip", "unknown"),
        ("s3://b/x.tar", "unknown"),
        ("s3://b/pkl.gzX", "unknown"),
        ("s3://b/x.tgz//", "tgz"),
        ("", "unknown"),
    ],
)
def test_distribution_kind(uri: str, kind: str) -> None:
    assert arc.distribution_kind(uri) == kind
    assert arc.is_archive(arc.distribution_kind(uri)) is (kind in ("tar.gz", "tgz"))


def test_refusal_message_and_reason_slugs() -> None:
    got = arc.ArchiveRefused("a/b", 3, Reason.SPECIAL_FILE, "fifo members are not extracted")
    assert got.message() == (
        "refusing the code archive: member #3 'a/b': fifo members are not extracted (special-file)"
    )
    assert {r.name: r.value for r in Reason} == {
        "ABSOLUTE_PATH": "absolute-path",
        "OUTSIDE_DESTINATION": "outside-destination",
        "ABSOLUTE_LINK": "absolute-link",
        "LINK_OUTSIDE_DESTINATION": "link-outside-destination",
        "HARDLINK_TARGET_INVALID": "hardlink-target-invalid",
        "SPECIAL_FILE": "special-file",
        "NOT_A_DIRECTORY": "not-a-directory",
        "TYPE_CONFLICT": "type-conflict",
        "SYMLINK_LOOP": "symlink-loop",
        "INVALID_NAME": "invalid-name",
        "RESERVED_NAME": "reserved-name",
        "TOO_MANY_MEMBERS": "too-many-members",
        "MEMBER_TOO_LARGE": "member-too-large",
        "ARCHIVE_TOO_LARGE": "archive-too-large",
    }
    assert arc.RESERVED_PREFIX == ".flyte-fast-execute"


def test_member_defaults() -> None:
    assert Member("x", "file") == Member("x", "file", 0, "", 0o644)
    assert Action("mkdir", ("a",)) == Action("mkdir", ("a",), -1, None, "", ())
