"""The laws stated in ``core.stats``'s docstring."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from flyte_entrypoint.core import stats

keys = st.text(st.sampled_from(list("abc_")), min_size=1, max_size=3)
tag_values = st.text(st.sampled_from(list("x|.:y")), max_size=4)
tags = st.dictionaries(keys, tag_values, max_size=4)


@given(tags)
def test_tags_render_sorted_and_sanitized(t: dict[str, str]) -> None:
    rendered = stats.render_tags("m", t)
    expected = "m" + "".join(
        f".__{k}={v.replace('|', '_').replace('.', '_').replace(':', '_')}" for k, v in sorted(t.items()) if v
    )
    assert rendered == expected
    for piece in rendered.split(".__")[1:]:
        assert not set(piece.split("=", 1)[1]) & set("|.:")


@given(st.one_of(st.none(), st.just("p.q")), tags, tags, st.booleans())
def test_disabled_tags_leave_prefix_dot_stat(prefix: str | None, ctx: dict[str, str], call: dict[str, str], per_host: bool) -> None:
    name = stats.metric_name(prefix, "s", ctx, call, disable_tags=True, per_host=per_host)
    assert name == (f"{prefix}.s" if prefix else "s")
    merged = stats.metric_name(prefix, "s", ctx, call, per_host=per_host)
    expected_tags = {**call, **ctx, **({"_f": "i"} if per_host else {})}
    assert merged == (f"{prefix}." if prefix else "") + stats.render_tags("s", expected_tags)


@given(st.lists(st.text(st.sampled_from(list("ab:|")), min_size=1, max_size=30), max_size=20), st.integers(8, 64))
def test_datagrams(lines: list[str], size: int) -> None:
    grams = stats.pack_datagrams(lines, size)
    assert [line for g in grams for line in g.split("\n")] == lines
    for g in grams:
        assert len(g) < size or "\n" not in g
