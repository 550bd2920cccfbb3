"""The laws stated in ``core.env``'s docstring."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from flyte_entrypoint.core import env as e

# few names, so that the names asked for are often set (and often set to "")
names = st.sampled_from(["A", "B", "C", "D"])
envs = st.dictionaries(names, st.sampled_from(["", "x", "y", " "]), max_size=4)
words = st.one_of(
    st.none(),
    st.text(max_size=6),
    st.sampled_from(["true", "T", "1", "false", "OFF", " no ", "0", "", '""']),
    st.sampled_from([e.RAW_OUTPUT_PLACEHOLDER, e.CHECKPOINT_PLACEHOLDER, e.PREV_CHECKPOINT_PLACEHOLDER]),
)


@given(envs, st.lists(names, max_size=4))
def test_get_one_of_is_the_first_non_empty(env: dict[str, str], keys: list[str]) -> None:
    assert e.get_one_of(env, *keys) == next((env[k] for k in keys if env.get(k)), "")


@given(words)
def test_str2bool(value: str | None) -> None:
    assert e.str2bool(value) is (value is not None and value.lower() in {"true", "t", "1"})


@given(words, st.booleans())
def test_config_bool(value: str | None, default: bool) -> None:
    expected = default if value is None else value != "" and value.strip().lower() not in {"false", "0", "off", "no"}
    assert e.config_bool(value, default) is expected


@given(words)
def test_normalizers_map_exactly_the_not_given_values_to_none(value: str | None) -> None:
    for normalize, not_given in (
        (e.normalize_raw_output_prefix, {None, "", e.RAW_OUTPUT_PLACEHOLDER}),
        (e.normalize_checkpoint_path, {None, "", e.CHECKPOINT_PLACEHOLDER}),
        (e.normalize_prev_checkpoint, {None, "", '""', e.PREV_CHECKPOINT_PLACEHOLDER}),
    ):
        once = normalize(value)
        assert once == (None if value in not_given else value)
        assert normalize(once) == once  # idempotent
