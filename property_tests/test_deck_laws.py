"""Laws of deck rendering (``flyte_entrypoint.core.deck``): total, and text is always escaped."""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from flyte_entrypoint.core import deck

any_float = st.floats(allow_nan=True, allow_infinity=True)
timing = st.builds(deck.PhaseTiming, st.text(max_size=30), any_float, any_float, any_float)
pairs = st.lists(st.tuples(st.text(max_size=20), st.text(max_size=200)), max_size=5).map(tuple)
hostile = st.sampled_from(
    ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "</section>", "&amp;", "'"]
)
text_with_markup = st.one_of(
    st.text(max_size=50), hostile, st.tuples(st.text(max_size=10), hostile).map("".join)
)

content = st.builds(
    deck.DeckContent,
    timings=st.lists(timing, max_size=6).map(tuple),
    user_pages=st.lists(st.builds(deck.DeckPage, st.text(max_size=20), st.text(max_size=50)), max_size=3).map(
        tuple
    ),
    source_code=st.one_of(st.none(), st.text(max_size=200)),
    dependencies=st.one_of(st.none(), pairs),
    inputs=st.one_of(st.none(), pairs),
    outputs=st.one_of(st.none(), pairs),
)


@given(content)
def test_rendering_is_total_and_has_one_tab_per_page(c: deck.DeckContent) -> None:
    document = deck.render_deck(c)
    pages = deck.deck_pages(c)
    assert document.startswith("<!doctype html>")
    assert document.count('<ul id="deck-tabs">') == 1
    names = re.findall(
        r"<li(?: class=\"active\")?>(.*?)</li>", document.split('<main id="deck-pages">')[0], re.S
    )
    assert [html.unescape(n) for n in names] == [p.name for p in pages]
    assert pages[0].name == deck.TIMELINE


@given(st.lists(st.tuples(text_with_markup, text_with_markup), min_size=1, max_size=4))
def test_value_text_is_escaped_and_cannot_add_rows(values: list[tuple[str, str]]) -> None:
    rendered = deck.values_html(values)
    assert rendered.count("<tr>") == len(values) + 1  # header + one per value: no injected rows
    assert "<script" not in rendered and "<img" not in rendered and "</section>" not in rendered
    for name, text in values:
        assert html.escape(name, quote=True) in rendered
        assert html.escape(deck.clip(text), quote=True) in rendered


@given(
    st.lists(
        st.builds(deck.PhaseTiming, text_with_markup, any_float, any_float, any_float), min_size=1, max_size=4
    )
)
def test_timeline_escapes_phase_names(timings: list[deck.PhaseTiming]) -> None:
    rendered = deck.timeline_html(timings)
    assert rendered.count("<tr>") == len(timings) + 1
    assert "<script" not in rendered and "<img" not in rendered
    for t in timings:
        assert html.escape(t.name, quote=True) in rendered


@given(text_with_markup)
def test_deck_names_are_escaped_but_user_html_is_kept(name: str) -> None:
    page = deck.DeckPage(name, "<b>user markup</b>")
    document = deck.render_html([page])
    assert f'<li class="active">{html.escape(name, quote=True)}</li>' in document
    assert "<b>user markup</b>" in document


@given(st.text(max_size=300), st.integers(min_value=0, max_value=100))
def test_clip_keeps_short_text_and_bounds_long_text(text: str, limit: int) -> None:
    clipped = deck.clip(text, limit)
    if len(text) <= limit:
        assert clipped == text
    else:
        assert clipped.startswith(text[:limit]) and f"({len(text) - limit} more characters)" in clipped


@given(
    st.lists(timing, max_size=6).map(tuple),
    st.lists(st.builds(deck.DeckPage, st.text(max_size=5), st.text(max_size=5)), max_size=3).map(tuple),
)
def test_a_failed_run_shows_only_the_timeline_and_user_decks(
    timings: tuple[deck.PhaseTiming, ...], user: tuple[deck.DeckPage, ...]
) -> None:
    pages = deck.deck_pages(deck.DeckContent(timings, user))
    assert [p.name for p in pages] == [deck.TIMELINE, *[u.name for u in user]]
