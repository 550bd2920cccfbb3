"""Laws of the FlyteFile / FlyteDirectory transformers (pure: no I/O, nothing is downloaded)."""

from __future__ import annotations

import re
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from flyte_entrypoint.core import paths
from flyte_entrypoint.core.type_engine.blob import blob_literal
from flyte_entrypoint.core.type_engine.engine import ConversionContext, literal_type_of, to_literal, to_python
from flyte_entrypoint.files import FlyteDirectory, FlyteFile

HEX32 = re.compile(r"^[0-9a-f]{32}$")

segment = st.text(alphabet=string.ascii_letters + string.digits + "._-", min_size=1, max_size=12).filter(
    lambda s: s not in (".", "..")
)
local_path = st.lists(segment, min_size=1, max_size=5).map(lambda parts: "/" + "/".join(parts))
raw_prefix = st.one_of(
    local_path,
    st.builds(lambda b, p: f"s3://{b}/{p}", segment.map(str.lower), st.lists(segment, max_size=3).map("/".join)),
)
remote_uri = st.builds(
    lambda scheme, bucket, key: f"{scheme}://{bucket}/{key}",
    st.sampled_from(["s3", "gs", "abfs", "https"]),
    segment.map(str.lower),
    st.lists(segment, min_size=1, max_size=4).map("/".join),
)
seed = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)
fmt = st.text(alphabet=string.ascii_lowercase + string.digits, max_size=8)


def ctx(raw: str, s: str, sandbox: str = "/sandbox") -> ConversionContext:
    return ConversionContext(raw_output_prefix=raw, local_sandbox=sandbox, name_seed=s)


def _below(prefix: str, uri: str) -> str:
    head = prefix.rstrip("/") + "/"
    assert uri.startswith(head), (prefix, uri)
    return uri[len(head) :]


@settings(max_examples=200)
@given(local_path, raw_prefix, seed)
def test_a_local_file_is_uploaded_to_raw_hex_basename(path: str, raw: str, s: str) -> None:
    converted = to_literal(path, FlyteFile, ctx(raw, s)).unwrap()
    uri = converted.value.scalar.blob.uri
    hex32, name = _below(raw, uri).split("/")
    assert HEX32.match(hex32) and name == paths.basename(path)
    (up,) = converted.uploads
    assert (up.local_path, up.remote, up.is_directory) == (path, uri, False)


@settings(max_examples=200)
@given(local_path, raw_prefix, seed)
def test_a_local_directory_is_uploaded_to_raw_hex(path: str, raw: str, s: str) -> None:
    converted = to_literal(path, FlyteDirectory, ctx(raw, s)).unwrap()
    uri = converted.value.scalar.blob.uri
    assert HEX32.match(_below(raw, uri))
    (up,) = converted.uploads
    assert (up.local_path, up.remote, up.is_directory) == (path, uri, True)


@given(remote_uri, raw_prefix, seed, st.booleans())
def test_remote_uris_pass_through_untouched(uri: str, raw: str, s: str, directory: bool) -> None:
    tp = FlyteDirectory if directory else FlyteFile
    for value in (uri, tp(uri)):
        converted = to_literal(value, tp, ctx(raw, s)).unwrap()
        assert converted.value.scalar.blob.uri == uri and converted.uploads == ()


@given(remote_uri, fmt, seed, st.booleans())
def test_an_input_returned_as_output_is_the_same_literal(uri: str, f: str, s: str, directory: bool) -> None:
    tp = (FlyteDirectory if directory else FlyteFile)[f]
    literal = blob_literal(uri, f, directory)
    value = to_python(literal, tp, ctx("s3://b/raw", s)).unwrap()
    assert value.remote_source == uri and not value.downloaded
    again = to_literal(value, tp, ctx("s3://b/raw", s)).unwrap()
    assert again.value == literal and again.uploads == ()


@given(remote_uri, seed)
def test_inputs_get_a_local_path_under_the_sandbox(uri: str, s: str) -> None:
    ff = to_python(blob_literal(uri, "", False), FlyteFile, ctx("s3://b/raw", s, "/sb")).unwrap()
    hex32, name = _below("/sb", str(ff.path)).split("/")
    assert HEX32.match(hex32) and name == paths.basename(uri)
    fd = to_python(blob_literal(uri, "", True), FlyteDirectory, ctx("s3://b/raw", s, "/sb")).unwrap()
    assert HEX32.match(_below("/sb", str(fd.path)))


@given(local_path, seed, seed)
def test_names_are_a_function_of_the_seed(path: str, s1: str, s2: str) -> None:
    a = to_literal(path, FlyteFile, ctx("s3://b/raw", s1)).unwrap()
    b = to_literal(path, FlyteFile, ctx("s3://b/raw", s1)).unwrap()
    assert a == b
    if s1 != s2:
        c = to_literal(path, FlyteFile, ctx("s3://b/raw", s2)).unwrap()
        assert c.value.scalar.blob.uri != a.value.scalar.blob.uri


@given(st.lists(local_path, min_size=2, max_size=6, unique=True), seed)
def test_values_converted_together_never_share_a_remote_name(ps: list[str], s: str) -> None:
    converted = to_literal(ps, list[FlyteFile], ctx("s3://b/raw", s)).unwrap()
    remotes = [u.remote for u in converted.uploads]
    assert len(set(remotes)) == len(ps)


@given(fmt, st.sampled_from(["", "~", "."]), st.booleans())
def test_format_spelling(f: str, lead: str, directory: bool) -> None:
    base = FlyteDirectory if directory else FlyteFile
    tp = base[lead + f]
    assert tp is base[lead + f]
    assert tp.extension() == f
    lt = literal_type_of(tp).unwrap()
    assert lt.blob.format == f and lt.blob.dimensionality == (1 if directory else 0)
