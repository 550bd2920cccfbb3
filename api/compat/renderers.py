"""flytekit's deck renderers: objects with ``to_html(value) -> str`` (used in ``Deck(...)`` and ``Annotated``)."""

from __future__ import annotations

import html
from typing import Any, Protocol


class Renderable(Protocol):
    def to_html(self, python_value: Any) -> str: ...


class TopFrameRenderer:
    """The first ``max_rows`` rows of a DataFrame as an HTML table (pandas' own ``to_html``)."""

    def __init__(self, max_rows: int = 10, max_cols: int = 100) -> None:
        self._max_rows = max_rows
        self._max_cols = max_cols

    def to_html(self, df: Any) -> str:
        return str(df.to_html(max_rows=self._max_rows, max_cols=self._max_cols))


class MarkdownRenderer:
    """Markdown → HTML with markdown-it-py (as flytekit); without it, the text, escaped, in ``<pre>``."""

    def to_html(self, text: str) -> str:
        try:
            from markdown_it import MarkdownIt
        except ImportError:
            return f"<pre>{html.escape(text)}</pre>"
        return str(MarkdownIt().render(text))


class SourceCodeRenderer:
    """Python source highlighted by pygments' ``colorful`` style (as flytekit); without pygments, escaped."""

    def __init__(self, title: str = "Source Code") -> None:
        self._title = title

    def to_html(self, source_code: str) -> str:
        try:
            from pygments import highlight
            from pygments.formatters.html import HtmlFormatter
            from pygments.lexers.python import PythonLexer
        except ImportError:
            return f"<pre><code>{html.escape(source_code)}</code></pre>"
        formatter = HtmlFormatter(style="colorful")
        css = formatter.get_style_defs(".highlight").replace("#fff0f0", "#ffffff")
        return f"<style>{css}</style>{highlight(source_code, PythonLexer(), formatter)}"
