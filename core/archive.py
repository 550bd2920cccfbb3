"""Safe extraction of a fast-registration code archive, decided without touching the file system.

flytekit 1.16 shells out to ``tar -xvf`` and relies on whatever ``tar`` the image has (PROTOCOL §6, Q8).
We extract in-process instead, and this module decides *what* gets written, member by member, with the
semantics of Python's ``tarfile`` ``data`` filter, made stricter where the filter is lenient:

* a member name must be relative. The ``data`` filter strips a leading ``/``; we **refuse** the archive;
* a member must land inside the destination after following ``..`` and every symlink, including the
  symlinks that earlier members of the same archive created (``realpath`` semantics, evaluated on a
  virtual tree that starts empty, because the shell extracts into an empty staging directory);
* a symlink must be relative and resolve inside the destination, both when it is created and in the
  final tree (a later member cannot turn an earlier, harmless link into an escaping one);
* a hard link must name a regular file the archive itself created earlier;
* devices, FIFOs and unknown member types are refused;
* modes: high bits (setuid/setgid/sticky) and group/other write are cleared; a regular file gets owner
  read/write, and loses every execute bit unless the owner had one; directories and symlinks get no mode
  (the shell uses the system default). Ownership is never applied;
* a path through a regular file, a directory replaced by a non-directory (or the reverse), the
  destination itself named as a non-directory, a NUL in a name, a symlink loop on the way to a write,
  and names starting with ``.flyte-fast-execute`` at the top level (the shell's lock, marker and
  staging files) are refused too, because extracting them would fail half-way or break the shell;
* limits: member count, total bytes and bytes per member (``ArchiveLimits``).

One refused member refuses the **whole** archive: ``plan_extraction`` returns ``Failure(ArchiveRefused)``
naming the member and the reason. It consumes its ``members`` iterable lazily and stops at the first
refusal, so the shell can feed it headers straight from the tar stream (a 100 GB member is refused
from its header, before its data is skipped).

Accepted archives become an ``ExtractionPlan``: a list of ``Action`` values whose ``path`` is already
resolved (it contains no symlink and no ``..``), so carrying one out never follows a link.

No ``os``/``posixpath`` here: paths are tuples of components and ``/`` is the only separator (tar's).

Laws (``property_tests/test_archive_laws.py``; where members land: ``tests/test_archive.py``):

* every action of an accepted plan writes inside the root, below directories made by earlier actions,
  and carrying the plan out on disk creates nothing outside and no link that resolves outside;
* refusal is monotone: a hostile member anywhere refuses the archive, and a refusal decided at its
  culprit stays the same whatever follows; planning is deterministic and reads no member past it;
* limits are inclusive: accepted only if ``count <= max_members``, every file's size is
  ``<= max_member_bytes`` and the running total ``<= max_total_bytes``; only regular files count;
* ``safe_mode``: no setuid/setgid/sticky, no group/other write, owner read/write always, execute bits
  only if the owner had one.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Literal, Union

import attrs
from returns.result import Failure, Result, Success

MemberType = Literal["file", "dir", "symlink", "hardlink", "device", "fifo", "other"]
Path = tuple[str, ...]

RESERVED_PREFIX = ".flyte-fast-execute"
"""Top-level names the shell uses in the destination (lock file, done markers, staging dirs, downloads)."""

MAX_SYMLINK_HOPS = 40  # Linux's ELOOP limit

# Generous defaults: flytekit has no limits at all; these only stop pathological archives.
DEFAULT_MAX_MEMBERS = 1_000_000
DEFAULT_MAX_TOTAL_BYTES = 16 * 1024**3
DEFAULT_MAX_MEMBER_BYTES = 8 * 1024**3

ENV_MAX_MEMBERS = "FLYTE_ENTRYPOINT_ARCHIVE_MAX_MEMBERS"
ENV_MAX_TOTAL_BYTES = "FLYTE_ENTRYPOINT_ARCHIVE_MAX_TOTAL_BYTES"
ENV_MAX_MEMBER_BYTES = "FLYTE_ENTRYPOINT_ARCHIVE_MAX_MEMBER_BYTES"


# --------------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------------


@attrs.frozen
class Member:
    """One tar header, as the shell read it (``tarfile.TarInfo`` reduced to what matters)."""

    name: str
    type: MemberType
    size: int = 0
    linkname: str = ""
    mode: int = 0o644


@attrs.frozen
class ArchiveLimits:
    max_members: int = DEFAULT_MAX_MEMBERS
    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES
    max_member_bytes: int = DEFAULT_MAX_MEMBER_BYTES


class Reason(str, enum.Enum):
    """Why a member (and so the archive) was refused. The value is a stable, greppable slug."""

    ABSOLUTE_PATH = "absolute-path"
    OUTSIDE_DESTINATION = "outside-destination"
    ABSOLUTE_LINK = "absolute-link"
    LINK_OUTSIDE_DESTINATION = "link-outside-destination"
    HARDLINK_TARGET_INVALID = "hardlink-target-invalid"
    SPECIAL_FILE = "special-file"
    NOT_A_DIRECTORY = "not-a-directory"
    TYPE_CONFLICT = "type-conflict"
    SYMLINK_LOOP = "symlink-loop"
    INVALID_NAME = "invalid-name"
    RESERVED_NAME = "reserved-name"
    TOO_MANY_MEMBERS = "too-many-members"
    MEMBER_TOO_LARGE = "member-too-large"
    ARCHIVE_TOO_LARGE = "archive-too-large"


@attrs.frozen
class ArchiveRefused:
    """The first member that made the archive unacceptable."""

    member: str
    index: int
    reason: Reason
    detail: str

    def message(self) -> str:
        return (
            f"refusing the code archive: member #{self.index} {self.member!r}: "
            f"{self.detail} ({self.reason.value})"
        )


ActionKind = Literal["mkdir", "file", "symlink", "hardlink"]


@attrs.frozen
class Action:
    """One step of an extraction, relative to the (empty) extraction root.

    ``path`` is fully resolved: every component but the last is a directory created by an earlier action.
    ``index`` is the member's position in the archive (-1 for a parent directory no member named).
    ``mode`` is the mode to set (files and hard links), or None for "system default / leave alone".
    ``link_target`` is the symlink text (symlinks); ``link_source`` the resolved file a hard link names.
    """

    kind: ActionKind
    path: Path
    index: int = -1
    mode: int | None = None
    link_target: str = ""
    link_source: Path = ()

    @property
    def relpath(self) -> str:
        return "/".join(self.path)


@attrs.frozen
class ExtractionPlan:
    actions: tuple[Action, ...]
    member_count: int
    total_bytes: int

    @property
    def top_level(self) -> tuple[str, ...]:
        """The distinct first components the plan writes, in first-written order."""
        seen: dict[str, None] = {}
        for action in self.actions:
            if action.path:
                seen.setdefault(action.path[0], None)
        return tuple(seen)


# --------------------------------------------------------------------------------------------------
# Distribution kinds, limits from the environment, modes
# --------------------------------------------------------------------------------------------------

DistributionKind = Literal["tar.gz", "tgz", "pkl.gz", "unknown"]
NOTEBOOK_PICKLE_NAME = "pkl.gz"


def distribution_kind(uri: str) -> DistributionKind:
    """What ``--additional-distribution`` points at, judged by its basename.

    ``*.tar.gz`` (flytekit's only archive suffix), ``*.tgz`` (we accept it too, Q8), exactly ``pkl.gz``
    (a notebook pickle that is downloaded and read later; flytekit matches the exact name), else unknown.
    """
    base = uri.rstrip("/").rpartition("/")[2]
    if base == NOTEBOOK_PICKLE_NAME:
        return "pkl.gz"
    if base.endswith(".tar.gz") and base != ".tar.gz":
        return "tar.gz"
    if base.endswith(".tgz") and base != ".tgz":
        return "tgz"
    return "unknown"


def is_archive(kind: DistributionKind) -> bool:
    return kind in ("tar.gz", "tgz")


def archive_limits_from_env(env: Mapping[str, str]) -> Result[ArchiveLimits, str]:
    """Limits, each overridable by a positive integer env var; a bad value is an error, not ignored."""
    values: dict[str, int] = {}  # a field left out keeps ArchiveLimits' default
    for field, var in (
        ("max_members", ENV_MAX_MEMBERS),
        ("max_total_bytes", ENV_MAX_TOTAL_BYTES),
        ("max_member_bytes", ENV_MAX_MEMBER_BYTES),
    ):
        raw = env.get(var, "").strip()
        if not raw:
            continue
        try:
            value = int(raw)
        except ValueError:
            return Failure(f"{var} must be a positive integer, got {raw!r}")
        if value < 1:
            return Failure(f"{var} must be a positive integer, got {raw!r}")
        values[field] = value
    return Success(ArchiveLimits(**values))


def safe_mode(member_type: MemberType, mode: int) -> int | None:
    """The ``data`` filter's mode rule for the member types we extract (None: do not chmod)."""
    if member_type in ("dir", "symlink"):
        return None
    mode &= 0o755
    if not mode & 0o100:
        mode &= ~0o111
    return mode | 0o600


# --------------------------------------------------------------------------------------------------
# The virtual tree
# --------------------------------------------------------------------------------------------------


@attrs.frozen
class _Dir:
    pass


@attrs.frozen
class _File:
    pass


@attrs.frozen
class _Link:
    target: tuple[str, ...]  # relative, "" and "." dropped


_Node = Union[_Dir, _File, _Link]
_DIR = _Dir()
_FILE = _File()


class _Escape:
    pass


class _Loop:
    pass


class _NotDir:
    pass


_ESCAPE = _Escape()
_LOOP = _Loop()
_NOTDIR = _NotDir()
_Resolved = Union[Path, _Escape, _Loop, _NotDir]


def _components(text: str) -> list[str]:
    return [c for c in text.split("/") if c not in ("", ".")]


def _resolve(nodes: Mapping[Path, _Node], start: Path, comps: list[str], follow_last: bool) -> _Resolved:
    """``realpath`` over the virtual tree, from ``start`` (already resolved), without leaving the root.

    A missing component is taken lexically (like ``os.path.realpath``). ``..`` above the root escapes.
    A regular file followed by more components is "not a directory"; too many link hops is a loop.
    """
    pending = list(reversed(comps))
    cur = start
    hops = 0
    while pending:
        comp = pending.pop()
        if comp == "..":
            if not cur:
                return _ESCAPE
            cur = cur[:-1]
            continue
        nxt = (*cur, comp)
        node = nodes.get(nxt)
        if isinstance(node, _Link) and (pending or follow_last):
            hops += 1
            if hops > MAX_SYMLINK_HOPS:
                return _LOOP
            pending.extend(reversed(node.target))
            continue
        if isinstance(node, _File) and pending:
            return _NOTDIR
        cur = nxt
    return cur


class _Refuse(Exception):
    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _describe(path: Path) -> str:
    return "/".join(path)  # never the root itself: the root is a directory and is never replaced


class _Planner:
    def __init__(self) -> None:
        self.nodes: dict[Path, _Node] = {(): _DIR}
        self.actions: list[Action] = []
        self.links: dict[Path, tuple[int, str]] = {}  # location -> (member index, target text), final check

    # -- helpers ----------------------------------------------------------------------------------
    def _resolve_or_refuse(self, start: Path, comps: list[str], follow_last: bool, what: str) -> Path:
        got = _resolve(self.nodes, start, comps, follow_last)
        if isinstance(got, _Escape):
            raise _Refuse(Reason.OUTSIDE_DESTINATION, f"{what} resolves outside the destination directory")
        if isinstance(got, _Loop):
            raise _Refuse(Reason.SYMLINK_LOOP, f"{what} goes through a symlink loop")
        if isinstance(got, _NotDir):
            raise _Refuse(Reason.NOT_A_DIRECTORY, f"{what} goes through a regular file")
        return got

    def _make_parents(self, path: Path) -> None:
        for i in range(len(path)):
            prefix = path[: i + 1]
            node = self.nodes.get(prefix)
            if node is None:
                self.nodes[prefix] = _DIR
                self.actions.append(Action("mkdir", prefix))
            elif not isinstance(node, _Dir):  # a parent that resolved onto a regular file
                raise _Refuse(Reason.NOT_A_DIRECTORY, f"{_describe(prefix)} is not a directory")

    @staticmethod
    def _check_reserved(path: Path) -> None:
        if path and path[0].startswith(RESERVED_PREFIX):
            raise _Refuse(
                Reason.RESERVED_NAME,
                f"{path[0]!r} is reserved for fast-execute's own files in the destination",
            )

    def _leaf_location(self, member: Member) -> Path:
        """Resolved parent + the last name component (which is replaced, never followed)."""
        comps = _components(member.name)
        if not comps or comps[-1] == "..":
            raise _Refuse(
                Reason.INVALID_NAME, "a non-directory member must name an entry below the destination"
            )
        parent = self._resolve_or_refuse((), comps[:-1], True, "the member's parent directory")
        path = (*parent, comps[-1])
        self._check_reserved(path)
        existing = self.nodes.get(path)
        if isinstance(existing, _Dir):
            raise _Refuse(
                Reason.TYPE_CONFLICT, f"would replace the directory {_describe(path)} with a {member.type}"
            )
        return path

    # -- members ----------------------------------------------------------------------------------
    def add(self, index: int, member: Member) -> None:
        if "\x00" in member.name or "\x00" in member.linkname:
            raise _Refuse(Reason.INVALID_NAME, "NUL character in the name")
        if member.name.startswith("/"):
            raise _Refuse(Reason.ABSOLUTE_PATH, "absolute member path")
        kind = member.type
        if kind in ("device", "fifo", "other"):
            raise _Refuse(Reason.SPECIAL_FILE, f"{kind} members are not extracted")
        if kind == "dir":
            self._add_dir(index, member)
        elif kind == "file":
            path = self._leaf_location(member)
            self._make_parents(path[:-1])
            self.nodes[path] = _FILE
            self.actions.append(Action("file", path, index, safe_mode(kind, member.mode)))
        elif kind == "symlink":
            self._add_symlink(index, member)
        else:  # hardlink
            self._add_hardlink(index, member)

    def _add_dir(self, index: int, member: Member) -> None:
        path = self._resolve_or_refuse((), _components(member.name), True, "the directory")
        self._check_reserved(path)
        existing = self.nodes.get(path)
        if existing is None:
            self._make_parents(path[:-1])
            self.nodes[path] = _DIR
            self.actions.append(Action("mkdir", path, index))
        elif not isinstance(existing, _Dir):
            raise _Refuse(Reason.TYPE_CONFLICT, f"would replace the file {_describe(path)} with a directory")
        # an existing directory (including the destination itself, for "." / "./"): nothing to do

    def _add_symlink(self, index: int, member: Member) -> None:
        target = member.linkname
        if target.startswith("/"):
            raise _Refuse(Reason.ABSOLUTE_LINK, f"symlink to the absolute path {target!r}")
        if not target:
            raise _Refuse(Reason.INVALID_NAME, "symlink with an empty target")
        path = self._leaf_location(member)
        got = _resolve(self.nodes, path[:-1], _components(target), True)
        if isinstance(got, _Escape):
            raise _Refuse(
                Reason.LINK_OUTSIDE_DESTINATION, f"symlink target {target!r} is outside the destination"
            )
        # a loop or a path through a file at this point is harmless: nothing is written through it now,
        # and every later write through it is resolved (and checked) again.
        self._make_parents(path[:-1])
        self.nodes[path] = _Link(tuple(_components(target)))
        self.links[path] = (index, target)
        self.actions.append(Action("symlink", path, index, link_target=target))

    def _add_hardlink(self, index: int, member: Member) -> None:
        target = member.linkname
        if target.startswith("/"):
            raise _Refuse(Reason.ABSOLUTE_LINK, f"hard link to the absolute path {target!r}")
        path = self._leaf_location(member)
        got = _resolve(self.nodes, (), _components(target), True)
        if isinstance(got, _Escape):
            raise _Refuse(
                Reason.LINK_OUTSIDE_DESTINATION, f"hard link target {target!r} is outside the destination"
            )
        if not isinstance(got, tuple) or not isinstance(self.nodes.get(got), _File):  # loop, not-a-dir
            raise _Refuse(
                Reason.HARDLINK_TARGET_INVALID,
                f"hard link target {target!r} is not a regular file extracted earlier from this archive",
            )
        if got == path:
            raise _Refuse(Reason.HARDLINK_TARGET_INVALID, "hard link to itself")
        self._make_parents(path[:-1])
        self.nodes[path] = _FILE
        self.actions.append(
            Action("hardlink", path, index, safe_mode(member.type, member.mode), link_source=got)
        )

    def final_link_check(self) -> tuple[int, str] | None:
        """(index, target) of the first symlink that, in the finished tree, resolves outside the destination."""
        for location, (index, target) in sorted(self.links.items(), key=lambda item: item[1][0]):
            if not isinstance(self.nodes.get(location), _Link):
                continue  # replaced by a later member
            if isinstance(_resolve(self.nodes, location[:-1], _components(target), True), _Escape):
                return index, target
        return None


# --------------------------------------------------------------------------------------------------
# The decision
# --------------------------------------------------------------------------------------------------


def plan_extraction(
    members: Iterable[Member], limits: ArchiveLimits
) -> Result[ExtractionPlan, ArchiveRefused]:
    """Accept the whole archive as an ``ExtractionPlan``, or refuse it at its first bad member."""
    planner = _Planner()
    total = 0
    count = 0
    names: list[str] = []
    for index, member in enumerate(members):
        count += 1
        names.append(member.name)
        if count > limits.max_members:
            return Failure(
                ArchiveRefused(
                    member.name, index, Reason.TOO_MANY_MEMBERS, f"more than {limits.max_members} members"
                )
            )
        size = max(member.size, 0) if member.type == "file" else 0
        if size > limits.max_member_bytes:
            return Failure(
                ArchiveRefused(
                    member.name,
                    index,
                    Reason.MEMBER_TOO_LARGE,
                    f"{size} bytes is more than the per-member limit of {limits.max_member_bytes}",
                )
            )
        total += size
        if total > limits.max_total_bytes:
            return Failure(
                ArchiveRefused(
                    member.name,
                    index,
                    Reason.ARCHIVE_TOO_LARGE,
                    f"the archive's members add up to more than {limits.max_total_bytes} bytes",
                )
            )
        try:
            planner.add(index, member)
        except _Refuse as refusal:
            return Failure(ArchiveRefused(member.name, index, refusal.reason, refusal.detail))
    bad = planner.final_link_check()
    if bad is not None:
        index, target = bad
        return Failure(
            ArchiveRefused(
                names[index],
                index,
                Reason.LINK_OUTSIDE_DESTINATION,
                f"symlink target {target!r} resolves outside the destination once the archive is extracted",
            )
        )
    return Success(ExtractionPlan(tuple(planner.actions), count, total))


def written_paths(plan: ExtractionPlan) -> tuple[Path, ...]:
    """Every path the plan creates (for laws and logging)."""
    return tuple(action.path for action in plan.actions)


def is_inside(path: Path) -> bool:
    """A plan path stays inside the root: non-empty-component, no ``.``/``..``, no separator inside."""
    return all(c not in ("", ".", "..") and "/" not in c and "\x00" not in c for c in path)
