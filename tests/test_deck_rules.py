"""``core.deck``: what each page shows, the timeline's bar geometry, clipping, and escaping."""

from __future__ import annotations

import re

from flyte_entrypoint.core import deck
from flyte_entrypoint.core.deck import DeckContent, DeckPage, PhaseTiming

BAR = re.compile(r'margin-left:([0-9.]+)%;width:([0-9.]+)%')


def bars(timings: list[PhaseTiming]) -> list[tuple[str, str]]:
    return BAR.findall(deck.timeline_html(timings))


def test_bars_are_the_share_of_the_run() -> None:
    assert bars([PhaseTiming("a", 0, 1, 0.5), PhaseTiming("b", 1, 3, 2)]) == [
        ("0.000", "25.000"),
        ("25.000", "75.000"),
    ]


def test_span_is_the_latest_end_not_the_last_phase() -> None:
    assert bars([PhaseTiming("a", 0, 4, 0), PhaseTiming("b", 1, 1, 0)]) == [("0.000", "100.000"), ("25.000", "25.000")]


def test_short_phases_get_a_visible_bar_and_bars_stay_inside() -> None:
    got = bars([PhaseTiming("a", 0, 1000, 0), PhaseTiming("tiny", 999.9999, 0.0001, 0), PhaseTiming("zero", 10, 0, 0)])
    assert got[1] == ("100.000", "0.000")  # min 0.2%, but never past 100%
    assert got[2] == ("1.000", "0.000")  # a zero-length phase has no bar
    assert bars([PhaseTiming("a", 0, 1000, 0), PhaseTiming("tiny", 500, 0.0001, 0)])[1] == ("50.000", "0.200")


def test_odd_numbers_give_no_bar() -> None:
    nan, inf = float("nan"), float("inf")
    assert bars([PhaseTiming("a", nan, 1, 0), PhaseTiming("b", 0, inf, 0), PhaseTiming("c", -1, -2, 0)]) == [
        ("0.000", "0.200"),
        ("0.000", "0.200"),
        ("0.000", "0.000"),
    ]
    assert deck._percent(1, 0) == 0.0 and deck._percent(0, 5) == 0.0 and deck._percent(-1, 5) == 0.0
    assert deck._percent(10, 5) == 100.0 and deck._percent(1, 4) == 25.0


def test_timeline_rows() -> None:
    two = deck.timeline_html([PhaseTiming("a", 0, 1, 0), PhaseTiming("b", 1, 1, 0)])
    assert "</td></tr><tr><td>b</td>" in two  # rows follow each other directly
    html = deck.timeline_html([PhaseTiming("<load>", 0.5, 1.25, 0.125)])
    assert "<tr><td>&lt;load&gt;</td><td>0.500000</td><td>1.250000</td><td>0.125000</td><td>" in html
    assert html.startswith('<table class="deck-table"><thead><tr><th>Phase</th><th>Start (s)</th>')
    assert deck.timeline_html([]) == ""


def test_clip_at_the_limit() -> None:
    assert deck.clip("abc", 3) == "abc"
    assert deck.clip("abcd", 3) == "abc... (1 more characters)"
    assert deck.MAX_VALUE_CHARS == 10_000
    assert deck.clip("x" * 10_000) == "x" * 10_000
    assert deck.clip("x" * 10_001).endswith("... (1 more characters)")


def test_pages_in_order_and_left_out_when_none() -> None:
    content = DeckContent(
        (PhaseTiming("p", 0, 1, 1),),
        (DeckPage("mine", "<b>hi</b>"),),
        "def f(): pass",
        (("attrs", "23.1"),),
        (("a", "1"),),
        (("o0", "'<x>'"),),
    )
    pages = deck.deck_pages(content)
    assert [p.name for p in pages] == ["Timeline", "mine", "Source Code", "Dependencies", "Input", "Output"]
    assert pages[1].html == "<b>hi</b>"
    assert pages[2].html == '<pre class="deck-source">def f(): pass</pre>'
    assert pages[3].html == (
        '<table class="deck-table"><thead><tr><th>Name</th><th>Version</th></tr></thead>'
        "<tbody><tr><td>attrs</td><td>23.1</td></tr></tbody></table>"
    )
    assert pages[5].html == (
        '<table class="deck-table"><thead><tr><th>Name</th><th>Value</th></tr></thead>'
        "<tbody><tr><td>o0</td><td><pre>&#x27;&lt;x&gt;&#x27;</pre></td></tr></tbody></table>"
    )
    assert [p.name for p in deck.deck_pages(DeckContent())] == ["Timeline"]
    assert [p.name for p in deck.deck_pages(DeckContent(outputs=()))] == ["Timeline", "Output"]


def test_render_html_first_tab_active() -> None:
    doc = deck.render_html([DeckPage("a&b", "<i>1</i>"), DeckPage("c", "2")], title="T<1>")
    assert "<title>T&lt;1&gt;</title>" in doc
    assert '<ul id="deck-tabs"><li class="active">a&amp;b</li><li>c</li></ul>' in doc
    assert '<section class="deck-page active"><i>1</i></section><section class="deck-page">2</section>' in doc
    assert doc.startswith("<!doctype html>") and doc.endswith("</body>\n</html>\n")
    assert "<title>Flyte Deck</title>" in deck.render_deck(DeckContent())


def test_constants() -> None:
    assert (deck.DECK_FILE_NAME, deck.DECK_CONTENT_TYPE) == ("deck.html", "text/html")
    assert deck.DEFAULT_DECK == "default"


def test_sub_second_runs_and_an_unknown_start() -> None:
    assert bars([PhaseTiming("a", 0, 0.5, 0), PhaseTiming("b", 0.25, 0.25, 0)]) == [
        ("0.000", "100.000"),
        ("50.000", "50.000"),
    ]
    # a phase whose start is not a number is drawn from the left edge, with its share of the run
    assert bars([PhaseTiming("a", 0, 4, 0), PhaseTiming("n", float("nan"), 1, 0)])[1] == ("0.000", "25.000")
    assert bars([PhaseTiming("a", 0, 4, 0), PhaseTiming("i", float("inf"), 1, 0)])[1] == ("0.000", "25.000")


def test_the_scale_ignores_phases_that_end_at_no_finite_time() -> None:
    # a phase ending past the float range does not stretch the scale of the others
    assert bars([PhaseTiming("big", 1e308, 1e308, 0), PhaseTiming("a", 0, 2, 0)]) == [
        ("100.000", "0.000"),
        ("0.000", "100.000"),
    ]
    # with no finite end at all there is no scale: positive phases get the minimal bar
    assert bars([PhaseTiming("n", float("nan"), 1, 0)]) == [("0.000", "0.200")]


def test_tables_join_rows_directly_and_the_timeline_explains_its_clocks() -> None:
    two_rows = deck.values_html([("a", "1"), ("b", "2")])
    assert "<tbody><tr><td>a</td><td><pre>1</pre></td></tr><tr><td>b</td><td><pre>2</pre></td></tr></tbody>" in two_rows
    deps = deck.dependencies_html([("x", "1"), ("y", "2")])
    assert "<tbody><tr><td>x</td><td>1</td></tr><tr><td>y</td><td>2</td></tr></tbody></table>" in deps
    timeline = deck.timeline_html([PhaseTiming("p", 0, 1, 1)])
    assert "</tbody></table><p class=\"deck-note\">" in timeline and timeline.endswith("</p>")
    assert "monotonic clock" in timeline and "CPU time" in timeline


def test_the_document_switches_tabs_with_a_script_after_the_pages() -> None:
    doc = deck.render_html([DeckPage("a", "1")])
    assert "<title>Flyte Deck</title>" in doc
    assert "</main>\n<script>\n" in doc and doc.endswith("</script>\n</body>\n</html>\n")
    assert "querySelectorAll('#deck-tabs li')" in doc and "classList.toggle('active'" in doc
