"""Rendering ``deck.html`` (flytekit's Flyte Deck) from plain values: pure string building.

The shell measures the phases, collects the user's decks and the reprs of the task's inputs and
outputs, then calls :func:`render_deck`; it writes the result to ``<output prefix>/deck.html``.

Pages, in flytekit 1.16's order (its ``deck_fields`` default):

1. ``Timeline``: every phase of the run with its start offset, wall time and process (CPU) time,
   and a bar showing where it falls in the run;
2. the user's own decks (``Deck(name, html)``, ``current_context().default_deck``), in creation order;
3. ``Source Code`` of the task function;
4. ``Dependencies``: the installed distributions (name and version);
5. ``Input`` and ``Output``: one row per value with its ``repr``.

As in flytekit, pages 3-5 are only rendered when the task succeeded; a failed task's deck has the
timeline and whatever decks user code created before failing.

Escaping: deck names, phase names, source code, dependency names and value reprs are text and are
always HTML-escaped (flytekit inserts a ``str`` input raw, so ``"<script>"`` becomes markup). A user
deck's ``html`` is HTML by contract and is inserted as is, as flytekit does.

Laws (``property_tests/test_deck_laws.py``): rendering is total, with one tab per page in the
order above; value texts, phase names and deck names are escaped and cannot add table rows; a user
deck's HTML is kept as is; ``clip`` keeps text up to the limit and bounds longer text; a failed run's
deck has only the timeline and the user's decks.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import attrs

DECK_FILE_NAME = "deck.html"
DECK_CONTENT_TYPE = "text/html"

TIMELINE = "Timeline"
SOURCE_CODE = "Source Code"
DEPENDENCIES = "Dependencies"
INPUT = "Input"
OUTPUT = "Output"
DEFAULT_DECK = "default"

#: Value reprs longer than this are cut (the deck is for people, not for data transfer).
MAX_VALUE_CHARS = 10_000


@attrs.frozen
class PhaseTiming:
    """One measured phase; ``start_seconds`` is relative to the start of the run."""

    name: str
    start_seconds: float
    wall_seconds: float
    process_seconds: float


@attrs.frozen
class DeckPage:
    """One tab of the deck. ``html`` is trusted markup."""

    name: str
    html: str


@attrs.frozen
class DeckContent:
    """Everything a deck shows. ``None`` for source/dependencies/inputs/outputs leaves that page out."""

    timings: tuple[PhaseTiming, ...] = ()
    user_pages: tuple[DeckPage, ...] = ()
    source_code: str | None = None
    dependencies: tuple[tuple[str, str], ...] | None = None
    inputs: tuple[tuple[str, str], ...] | None = None
    outputs: tuple[tuple[str, str], ...] | None = None


def _text(value: str) -> str:
    return html.escape(value, quote=True)


def clip(text: str, limit: int = MAX_VALUE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters)"


def _seconds(value: float) -> str:
    return f"{value:.6f}"


def _percent(part: float, whole: float) -> float:
    if not (math.isfinite(part) and math.isfinite(whole)) or whole <= 0:
        return 0.0
    return min(100.0, max(0.0, part / whole * 100.0))


def timeline_html(timings: Sequence[PhaseTiming]) -> str:
    """A table of the phases; empty when nothing was measured (flytekit renders an empty page too)."""
    if not timings:
        return ""
    span = max(
        (
            t.start_seconds + t.wall_seconds
            for t in timings
            if math.isfinite(t.start_seconds + t.wall_seconds)
        ),
        default=0.0,
    )
    rows = []
    for t in timings:
        left = _percent(t.start_seconds, span)
        width = max(_percent(t.wall_seconds, span), 0.2 if t.wall_seconds > 0 else 0.0)
        width = min(width, 100.0 - left)
        bar = (
            f'<div class="deck-bar-track"><div class="deck-bar" '
            f'style="margin-left:{left:.3f}%;width:{width:.3f}%"></div></div>'
        )
        rows.append(
            f"<tr><td>{_text(t.name)}</td><td>{_seconds(t.start_seconds)}</td><td>{_seconds(t.wall_seconds)}</td>"
            f"<td>{_seconds(t.process_seconds)}</td><td>{bar}</td></tr>"
        )
    return (
        '<table class="deck-table"><thead><tr><th>Phase</th><th>Start (s)</th><th>Wall time (s)</th>'
        "<th>Process time (s)</th><th>Timeline</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        '<p class="deck-note">Start and wall time come from a monotonic clock and are relative to the start '
        "of the run; process time is the CPU time this process spent in the phase.</p>"
    )


def values_html(values: Sequence[tuple[str, str]]) -> str:
    """One row per ``(name, repr text)``; the text is clipped and escaped."""
    rows = "".join(
        f"<tr><td>{_text(name)}</td><td><pre>{_text(clip(text))}</pre></td></tr>" for name, text in values
    )
    return f'<table class="deck-table"><thead><tr><th>Name</th><th>Value</th></tr></thead><tbody>{rows}</tbody></table>'


def source_code_html(source: str) -> str:
    return f'<pre class="deck-source">{_text(source)}</pre>'


def dependencies_html(dependencies: Sequence[tuple[str, str]]) -> str:
    rows = "".join(
        f"<tr><td>{_text(name)}</td><td>{_text(version)}</td></tr>" for name, version in dependencies
    )
    return (
        '<table class="deck-table"><thead><tr><th>Name</th><th>Version</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def deck_pages(content: DeckContent) -> tuple[DeckPage, ...]:
    """The tabs of the deck, in order (see the module docstring)."""
    pages = [DeckPage(TIMELINE, timeline_html(content.timings)), *content.user_pages]
    if content.source_code is not None:
        pages.append(DeckPage(SOURCE_CODE, source_code_html(content.source_code)))
    if content.dependencies is not None:
        pages.append(DeckPage(DEPENDENCIES, dependencies_html(content.dependencies)))
    if content.inputs is not None:
        pages.append(DeckPage(INPUT, values_html(content.inputs)))
    if content.outputs is not None:
        pages.append(DeckPage(OUTPUT, values_html(content.outputs)))
    return tuple(pages)


_HEAD = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0; color: #222; }}
#deck-tabs {{ display: flex; flex-wrap: wrap; list-style: none; margin: 0; padding: 0 1rem;
  border-bottom: 1px solid #ddd; }}
#deck-tabs li {{ cursor: pointer; padding: 0.6rem 1rem; font-weight: 600; color: #666; }}
#deck-tabs li.active {{ color: #222; border-bottom: 3px solid #6f2dbd; }}
.deck-page {{ display: none; padding: 1.5rem 2rem; }}
.deck-page.active {{ display: block; }}
.deck-table {{ border-collapse: collapse; width: 100%; }}
.deck-table th, .deck-table td {{ border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }}
.deck-table pre, .deck-source {{ margin: 0; white-space: pre-wrap; word-break: break-word; }}
.deck-bar-track {{ min-width: 12rem; height: 0.8rem; background: #f2f2f2; }}
.deck-bar {{ height: 100%; background: #6f2dbd; }}
.deck-note {{ color: #666; font-size: 0.9em; }}
</style>
</head>
<body>
"""

_SCRIPT = """<script>
(function () {
  var tabs = document.querySelectorAll('#deck-tabs li');
  var pages = document.querySelectorAll('#deck-pages > .deck-page');
  function show(index) {
    for (var i = 0; i < tabs.length; i++) {
      tabs[i].classList.toggle('active', i === index);
      if (pages[i]) { pages[i].classList.toggle('active', i === index); }
    }
  }
  for (var i = 0; i < tabs.length; i++) {
    tabs[i].addEventListener('click', show.bind(null, i));
  }
})();
</script>
"""


def render_html(pages: Sequence[DeckPage], title: str = "Flyte Deck") -> str:
    """The deck document: one tab per page, the first one shown. Names are escaped, page HTML is not."""
    tabs = []
    bodies = []
    for i, page in enumerate(pages):
        active = ' class="active"' if i == 0 else ""
        tabs.append(f"<li{active}>{_text(page.name)}</li>")
        state = "deck-page active" if i == 0 else "deck-page"
        bodies.append(f'<section class="{state}">{page.html}</section>')
    return (
        _HEAD.format(title=_text(title))
        + '<nav><ul id="deck-tabs">'
        + "".join(tabs)
        + '</ul></nav>\n<main id="deck-pages">'
        + "".join(bodies)
        + "</main>\n"
        + _SCRIPT
        + "</body>\n</html>\n"
    )


def render_deck(content: DeckContent, title: str = "Flyte Deck") -> str:
    """``deck.html`` for ``content``. Total: any strings and any floats (NaN, inf, negative) render."""
    return render_html(deck_pages(content), title)
