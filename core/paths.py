"""Pure path and URI rules shared by the storage shell and the type engine.

Two kinds of location exist:

* **local**: a plain path (``/tmp/x``, ``rel/x``) or a ``file://`` URI (``file:///tmp/x``);
* **remote**: anything with another scheme (``s3://bucket/key``, ``gs://...``, ``abfs://...``, ``memory://...``).

Both use ``/`` as the separator (posix rules; Windows is not a target). Joining treats every part as a
*relative* key below the prefix: a leading ``/`` on a part does not restart the path (unlike
``posixpath.join``), empty segments are dropped, and a bucket root such as ``s3://b`` joins to ``s3://b/k``.
Nothing here touches the file system.

Laws (``property_tests/test_paths_laws.py``): ``join`` is associative (``join(join(p, a), b) ==
join(p, a, b)``), keeps the prefix's scheme and locality, never doubles a separator after the scheme,
is the identity with no non-empty parts, and keeps the last part's trailing ``/``;
``relative_key(p, join(p, *segs)) == "/".join(segs)``; ``basename(join(p, *segs)) == segs[-1]``;
``ensure_trailing_sep`` and ``strip_trailing_sep`` are idempotent and never turn a root into ``""``.
"""

from __future__ import annotations

import re

SEP = "/"
FILE_SCHEME = "file"

# RFC 3986 scheme: a letter, then letters, digits, "+", "-" or "."; followed by "://".
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")


def split_scheme(uri: str) -> tuple[str | None, str]:
    """``"s3://b/k"`` -> ``("s3", "b/k")``; ``"/tmp/x"`` -> ``(None, "/tmp/x")``. The scheme is lower-cased."""
    m = _SCHEME_RE.match(uri)
    if m is None:
        return None, uri
    return m.group(1).lower(), uri[m.end() :]


def scheme_of(uri: str) -> str:
    """The URI's scheme, lower-cased; ``"file"`` for plain paths (fsspec's convention)."""
    scheme, _ = split_scheme(uri)
    return FILE_SCHEME if scheme is None else scheme


def is_local(uri: str) -> bool:
    """True for plain paths and ``file://`` URIs."""
    return scheme_of(uri) == FILE_SCHEME


def is_remote(uri: str) -> bool:
    return not is_local(uri)


def strip_file_scheme(uri: str) -> str:
    """Drop a leading ``file://`` (any case): ``file:///tmp/x`` -> ``/tmp/x``. Other URIs are returned unchanged."""
    scheme, rest = split_scheme(uri)
    if scheme == FILE_SCHEME:
        return rest
    return uri


def _segments(part: str) -> list[str]:
    return [s for s in part.split(SEP) if s]


def join(prefix: str, *parts: str) -> str:
    """Join ``parts`` below ``prefix`` with ``/``.

    * The prefix keeps its scheme and its interior; only its trailing separators are dropped before joining.
    * Each part is split on ``/`` and its empty segments are dropped, so no ``//`` is introduced.
    * The result ends with ``/`` when the last non-empty part did (``join(p, "dir/")`` names a directory).
    * With no non-empty parts the prefix is returned unchanged.
    * A local root ``/`` and a remote bucket root ``s3://b`` (or ``s3://b/``) work as expected;
      an empty local prefix gives a relative path.
    """
    given = [part for part in parts if _segments(part)]
    if not given:
        return prefix
    segments = [seg for part in given for seg in _segments(part)]
    trailing = given[-1].endswith(SEP)

    scheme, rest = split_scheme(prefix)
    head = prefix[: len(prefix) - len(rest)]  # "s3://" or "" (keeps the prefix's own spelling)
    body = rest.rstrip(SEP)
    tail = SEP.join(segments) + (SEP if trailing else "")
    if body:
        return f"{head}{body}{SEP}{tail}"
    if rest.startswith(SEP) and scheme in (None, FILE_SCHEME):
        # local root: "/" or "file:///"
        return f"{head}{SEP}{tail}"
    # empty local prefix, or a bare "s3://" prefix: the first part is the bucket / first segment
    return f"{head}{tail}"


def basename(uri: str) -> str:
    """The last path segment, ignoring trailing separators (``s3://b/dir/`` -> ``dir``; ``/`` -> ``""``)."""
    _, rest = split_scheme(uri)
    segs = _segments(rest)
    return segs[-1] if segs else ""


def ensure_trailing_sep(prefix: str) -> str:
    """Append ``/`` unless the prefix already ends with it. The empty prefix stays empty (it is not the root)."""
    if not prefix or prefix.endswith(SEP):
        return prefix
    return prefix + SEP


def strip_trailing_sep(uri: str) -> str:
    """Drop trailing separators, but never reduce a root (``/``, ``s3://``, ``file:///``) to nothing."""
    _, rest = split_scheme(uri)
    head = uri[: len(uri) - len(rest)]
    body = rest.rstrip(SEP)
    if not body and rest.startswith(SEP):
        return head + SEP
    return head + body


def relative_key(root: str, path: str) -> str | None:
    """The part of ``path`` below ``root`` (both without a scheme, or both with the same one), or None.

    ``relative_key("b/p", "b/p/x/y")`` -> ``"x/y"``; ``relative_key("b/p", "b/px")`` -> None;
    ``relative_key("b/p", "b/p")`` -> None (a path is not below itself).
    """
    base = ensure_trailing_sep(strip_trailing_sep(root)) if root else ""
    if not path.startswith(base):
        return None
    rel = path[len(base) :].strip(SEP)
    return rel or None


def is_safe_relative(key: str) -> bool:
    """True when ``key`` stays below whatever directory it is joined to: not absolute, no ``..`` segment."""
    if not key or key.startswith(SEP):
        return False
    return all(seg != ".." for seg in key.split(SEP))
