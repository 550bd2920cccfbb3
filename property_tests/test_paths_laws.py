"""Laws of the pure path rules in ``flyte_entrypoint.core.paths``."""

from __future__ import annotations

import posixpath

from hypothesis import example, given
from hypothesis import strategies as st

from flyte_entrypoint.core import paths

# --- strategies --------------------------------------------------------------------------------------

_seg_chars = st.sampled_from(list("abcXYZ019._-+= ~%"))
segment = st.text(_seg_chars, min_size=1, max_size=6).filter(lambda s: s not in (".", ".."))
# A "part" as a caller might pass it: segments with optional leading/trailing/doubled separators.
part = st.builds(
    lambda lead, segs, seps, trail: (
        ("/" if lead else "")
        + "".join(s + sep for s, sep in zip(segs, seps)).rstrip("/")
        + ("/" if trail else "")
    ),
    st.booleans(),
    st.lists(segment, min_size=0, max_size=3),
    st.lists(st.sampled_from(["/", "//"]), min_size=3, max_size=3),
    st.booleans(),
)
clean_body = st.lists(segment, min_size=0, max_size=3).map("/".join)
scheme = st.sampled_from(["s3", "gs", "abfs", "memory", "S3"])


@st.composite
def remote_prefix(draw: st.DrawFn) -> str:
    sch = draw(scheme)
    bucket = draw(segment)
    body = draw(clean_body)
    trail = draw(st.sampled_from(["", "/", "//"]))
    return f"{sch}://{bucket}" + (f"/{body}" if body else "") + trail


@st.composite
def local_prefix(draw: st.DrawFn) -> str:
    absolute = draw(st.booleans())
    body = draw(clean_body)
    trail = draw(st.sampled_from(["", "/"]))
    file_scheme = absolute and draw(st.booleans())
    p = ("/" if absolute else "") + body + (trail if body else "")
    return ("file://" + p) if file_scheme else p


any_prefix = st.one_of(remote_prefix(), local_prefix(), st.sampled_from(["s3://", "/", "file:///", ""]))


def _after_scheme(uri: str) -> str:
    _, rest = paths.split_scheme(uri)
    return rest


# --- join ----------------------------------------------------------------------------------------------


@given(any_prefix, part, part)
@example("s3://b", "a", "b")
@example("s3://b/", "/a/", "b")
@example("", "a", "b")
@example("/", "a", "")
def test_join_is_associative(prefix: str, a: str, b: str) -> None:
    assert paths.join(paths.join(prefix, a), b) == paths.join(prefix, a, b)


@given(any_prefix, st.lists(part, max_size=4))
def test_join_never_doubles_separators_after_the_scheme(prefix: str, parts: list[str]) -> None:
    out = paths.join(prefix, *parts)
    if any(paths._segments(p) for p in parts):
        assert "//" not in _after_scheme(out)


@given(any_prefix, st.lists(part, max_size=4))
def test_join_keeps_the_scheme_and_locality(prefix: str, parts: list[str]) -> None:
    out = paths.join(prefix, *parts)
    assert paths.scheme_of(out) == paths.scheme_of(prefix)
    assert paths.is_local(out) == paths.is_local(prefix)


@given(any_prefix, st.lists(part, max_size=4))
def test_join_of_nothing_is_identity(prefix: str, parts: list[str]) -> None:
    empties = ["", "/", "//"]
    assert paths.join(prefix) == prefix
    assert paths.join(prefix, *empties) == prefix


@given(any_prefix, st.lists(segment, min_size=1, max_size=4))
def test_join_then_relative_key_round_trips(prefix: str, segs: list[str]) -> None:
    out = paths.join(prefix, *segs)
    assert paths.relative_key(prefix, out) == "/".join(segs)


@given(any_prefix, st.lists(segment, min_size=1, max_size=4))
def test_basename_of_join_is_the_last_segment(prefix: str, segs: list[str]) -> None:
    assert paths.basename(paths.join(prefix, *segs)) == segs[-1]
    assert paths.basename(paths.join(prefix, *segs) + "/") == segs[-1]


@given(st.sampled_from(["s3", "gs"]), segment, st.lists(segment, min_size=1, max_size=3))
def test_bucket_roots_join_below_the_bucket(sch: str, bucket: str, segs: list[str]) -> None:
    want = f"{sch}://{bucket}/" + "/".join(segs)
    assert paths.join(f"{sch}://{bucket}", *segs) == want
    assert paths.join(f"{sch}://{bucket}/", *segs) == want
    assert paths.join(f"{sch}://", bucket, *segs) == want


@given(
    local_prefix().filter(lambda p: not p.startswith("file://")), st.lists(segment, min_size=1, max_size=4)
)
def test_local_join_agrees_with_posixpath_for_relative_segments(prefix: str, segs: list[str]) -> None:
    assert paths.join(prefix, *segs) == posixpath.join(prefix, *segs)


@given(st.lists(segment, min_size=0, max_size=3), st.lists(segment, min_size=1, max_size=3))
def test_file_scheme_join_commutes_with_stripping(body: list[str], segs: list[str]) -> None:
    local = "/" + "/".join(body)
    assert paths.strip_file_scheme(paths.join("file://" + local, *segs)) == paths.join(local, *segs)


@given(any_prefix, segment)
def test_trailing_sep_of_last_part_is_kept(prefix: str, seg: str) -> None:
    assert paths.join(prefix, seg + "/").endswith(seg + "/")
    assert paths.join(prefix, seg + "/", seg).endswith("/" + seg)


# --- trailing separators ---------------------------------------------------------------------------------


@given(any_prefix)
def test_ensure_trailing_sep_is_idempotent(prefix: str) -> None:
    once = paths.ensure_trailing_sep(prefix)
    assert paths.ensure_trailing_sep(once) == once
    assert once == "" or once.endswith("/")
    assert once.rstrip("/") == prefix.rstrip("/")


@given(any_prefix)
def test_strip_trailing_sep_is_idempotent_and_keeps_roots(prefix: str) -> None:
    once = paths.strip_trailing_sep(prefix)
    assert paths.strip_trailing_sep(once) == once
    assert paths.scheme_of(once) == paths.scheme_of(prefix)


# --- schemes ----------------------------------------------------------------------------------------------


@given(remote_prefix())
def test_remote_uris_are_not_local(uri: str) -> None:
    assert not paths.is_local(uri)
    assert paths.is_remote(uri)
    assert paths.scheme_of(uri) == uri.split("://", 1)[0].lower()
    assert paths.strip_file_scheme(uri) == uri


@given(local_prefix())
def test_local_paths_are_local(uri: str) -> None:
    assert paths.is_local(uri)
    assert paths.scheme_of(uri) == "file"
    assert "://" not in paths.strip_file_scheme(uri)


def test_examples() -> None:
    assert paths.split_scheme("S3://B/k") == ("s3", "B/k")
    assert paths.scheme_of("/tmp/x") == "file"
    assert paths.scheme_of("file:///tmp/x") == "file"
    assert paths.strip_file_scheme("file:///tmp/x") == "/tmp/x"
    assert paths.strip_file_scheme("FILE:///tmp/x") == "/tmp/x"
    assert paths.join("s3://b", "k") == "s3://b/k"
    assert paths.join("s3://b/p/", "/x/", "y") == "s3://b/p/x/y"
    assert paths.join("/", "tmp") == "/tmp"
    assert paths.join("file:///", "tmp", "x") == "file:///tmp/x"
    assert paths.join("", "a", "b/") == "a/b/"
    assert paths.join("/data", "/etc/passwd") == "/data/etc/passwd"  # parts never restart the path
    assert paths.basename("s3://b/dir/") == "dir"
    assert paths.basename("/") == ""
    assert paths.ensure_trailing_sep("") == ""
    assert paths.ensure_trailing_sep("s3://b") == "s3://b/"
    assert paths.strip_trailing_sep("/") == "/"
    assert paths.strip_trailing_sep("file:///") == "file:///"
    assert paths.strip_trailing_sep("s3://b//") == "s3://b"
    assert paths.relative_key("b/p", "b/px") is None
    assert paths.relative_key("b/p", "b/p") is None
    assert paths.is_safe_relative("a/b")
    assert not paths.is_safe_relative("a/../../b")
    assert not paths.is_safe_relative("/a")
    assert not paths.is_safe_relative("")
