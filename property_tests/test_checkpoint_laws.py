"""Laws of the pure checkpoint rules in ``flyte_entrypoint.core.checkpoint_rules``."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st
from returns.result import Failure, Success

from flyte_entrypoint.core import checkpoint_rules as rules
from flyte_entrypoint.core import paths

_chars = st.sampled_from(list("abcXYZ019._-+= ~%"))
segment = st.text(_chars, min_size=1, max_size=6).filter(lambda s: s not in (".", ".."))
body = st.lists(segment, min_size=0, max_size=4).map("/".join)


@st.composite
def destination(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["s3", "gs", "local", "file"]))
    trail = draw(st.sampled_from(["", "/", "//"]))
    b = draw(body)
    if kind == "local":
        return "/" + b + (trail if b else "")
    if kind == "file":
        return "file:///" + b + (trail if b else "")
    return f"{kind}://{draw(segment)}" + (f"/{b}" if b else "") + trail


@st.composite
def local_path(draw: st.DrawFn) -> str:
    segs = draw(st.lists(st.one_of(segment, st.sampled_from([".", ""])), min_size=0, max_size=5))
    return "/" + "/".join(segs) + draw(st.sampled_from(["", "/", "//"]))


@given(destination(), segment)
@example("s3://b/cp/", "x.bin")
@example("/", "x")
def test_saved_file_lands_directly_below_the_destination(dest: str, name: str) -> None:
    uri = rules.saved_file_uri(dest, name)
    assert paths.basename(uri) == name
    assert uri == paths.join(dest, name)
    assert "//" not in paths.split_scheme(uri)[1]
    assert uri.startswith(paths.strip_trailing_sep(dest).rstrip("/"))


@given(destination())
def test_streams_land_as_dst_cp(dest: str) -> None:
    uri = rules.stream_uri(dest)
    assert paths.basename(uri) == rules.STREAM_FILE_NAME == "_dst_cp"
    assert uri == rules.saved_file_uri(dest, rules.STREAM_FILE_NAME)


@given(st.one_of(st.none(), st.just(""), st.text(min_size=1)))
def test_previous_source_treats_empty_as_none(prev: str | None) -> None:
    got = rules.previous_source(prev)
    assert (got is None) == (not prev)
    if prev:
        assert got == prev


@given(local_path())
@example("//a//b/")
@example("/a/./b/.")
def test_restore_key_is_idempotent_and_ignores_spelling(path: str) -> None:
    key = rules.restore_key(path)
    assert rules.restore_key(key) == key
    assert rules.restore_key(path + "/") == key
    assert rules.restore_key(path.replace("/", "//")) == key
    assert key.startswith("/") and not key.startswith("//")
    assert key == "/" or not key.endswith("/")


@given(local_path(), local_path())
def test_restore_keys_differ_for_different_directories(a: str, b: str) -> None:
    same = [s for s in rules.restore_key(a).split("/") if s] == [
        s for s in rules.restore_key(b).split("/") if s
    ]
    assert (rules.restore_key(a) == rules.restore_key(b)) == same


entry = st.builds(rules.Entry, segment, st.booleans())


@given(st.lists(entry, max_size=6))
def test_single_checkpoint_is_none_one_file_or_an_error(entries: list[rules.Entry]) -> None:
    result = rules.single_checkpoint(entries)
    if not entries:
        assert result == Success(None)
    elif len(entries) == 1 and entries[0].is_file:
        assert result == Success(entries[0])
    else:
        assert isinstance(result, Failure)
        assert isinstance(result.failure(), ValueError)
        if len(entries) > 1:
            assert str(result.failure()) == f"Expected exactly one checkpoint - found {len(entries)}"


@given(st.one_of(st.integers(), st.floats(), st.binary(), st.lists(st.integers())))
def test_invalid_save_target_names_the_type(value: object) -> None:
    err = rules.invalid_save_target(value)
    assert str(err) == f"Only a valid path or IOBase type (reader) should be provided, received {type(value)}"
