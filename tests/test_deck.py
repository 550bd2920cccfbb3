"""Flyte Decks: pure rendering, the user-facing ``Deck`` API, and ``deck.html`` through the real CLI."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from flyteidl.core import literals_pb2

from flyte_entrypoint.core import deck as render
from flyte_entrypoint.schemas.execution import ExecutionParameters
from flyte_entrypoint.shell.context import current_context, using_context
from flyte_entrypoint.shell.deck import Deck, DeckBook, DeckRecorder

EXECUTE = str(Path(sys.executable).parent / "pyflyte-execute")
TAB = re.compile(r"<li(?: class=\"active\")?>(.*?)</li>")


def tabs(document: str) -> list[str]:
    nav = document.split('<main id="deck-pages">')[0]
    return [html.unescape(t) for t in TAB.findall(nav)]


# ---------------------------------------------------------------------------------- pure rendering
def test_page_order_on_success() -> None:
    content = render.DeckContent(
        timings=(render.PhaseTiming("Load task", 0.0, 0.01, 0.005),),
        user_pages=(render.DeckPage("mine", "<b>hi</b>"), render.DeckPage("default", "<i>d</i>")),
        source_code="def f(): ...",
        dependencies=(("attrs", "23.1"),),
        inputs=(("a", "2"),),
        outputs=(("o0", "'xx'"),),
    )
    document = render.render_deck(content)
    # flytekit 1.16's names and order for a task with enable_deck=True
    assert tabs(document) == ["Timeline", "mine", "default", "Source Code", "Dependencies", "Input", "Output"]
    assert "<b>hi</b>" in document  # user HTML kept as is
    assert "0.010000" in document and "Load task" in document


def test_values_and_source_are_escaped() -> None:
    content = render.DeckContent(
        source_code="x = '<script>'", inputs=(("s", "'<script>alert(1)</script>'"),), outputs=(("o0", "'&'"),)
    )
    document = render.render_deck(content)
    assert "<script>alert" not in document and "&lt;script&gt;alert(1)&lt;/script&gt;" in document
    assert "x = &#x27;&lt;script&gt;&#x27;" in document
    assert "&#x27;&amp;&#x27;" in document


def test_timeline_handles_odd_numbers() -> None:
    rows = render.timeline_html(
        [render.PhaseTiming("a", 0.0, float("nan"), -1.0), render.PhaseTiming("b", float("inf"), 0.0, 0.0)]
    )
    assert rows.count("<tr>") == 3 and "nan" in rows


def test_long_values_are_clipped() -> None:
    text = "x" * (render.MAX_VALUE_CHARS + 5)
    assert "(5 more characters)" in render.values_html([("big", text)])


# ---------------------------------------------------------------------------------- Deck API
def _params(book: DeckBook | None) -> ExecutionParameters:
    import datetime

    return ExecutionParameters(
        execution_date=datetime.datetime.now(datetime.timezone.utc), tmp_dir="/tmp", deck_book=book
    )


def test_deck_registers_with_the_current_run() -> None:
    book = DeckBook()
    with using_context(_params(book)):
        mine = Deck("mine", "<b>1</b>")
        assert mine.append("<b>2</b>") is mine
        Deck("detached", "", auto_add_to_deck=False)
        ctx = current_context()
        default = ctx.default_deck
        default.append("<i>d</i>")
        assert ctx.default_deck is default  # reused (flytekit makes a new "default" deck per access)
        assert [d.name for d in ctx.decks] == ["mine", "default"]
    assert mine.html == "<b>1</b>\n<b>2</b>"
    assert book.pages() == (
        render.DeckPage("mine", "<b>1</b>\n<b>2</b>"),
        render.DeckPage("default", "\n<i>d</i>"),
    )


def test_deck_outside_a_run_does_not_fail() -> None:
    deck = Deck("local", "x")
    assert deck.name == "local"
    assert isinstance(current_context().decks, list)


def test_deck_rejects_non_str() -> None:
    with pytest.raises(TypeError):
        Deck("x").append(b"bytes")  # type: ignore[arg-type]


def test_recorder_measures_phases_with_injected_clocks() -> None:
    ticks = iter([10.0, 11.0, 13.5])
    cpu = iter([0.0, 0.25])
    rec = DeckRecorder(clock=lambda: next(ticks), cpu_clock=lambda: next(cpu))
    with rec.phase("Load task"):
        pass
    with rec.phase(None):
        pass
    assert rec.timings == (render.PhaseTiming("Load task", 1.0, 2.5, 0.25),)


def test_deck_write_failure_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from flyte_entrypoint.core.task import task

    @task(enable_deck=True)
    def t() -> None:
        return None

    class Broken:
        def put_bytes(self, *args: Any, **kwargs: Any) -> None:
            raise OSError("bucket on fire")

    log = logging.getLogger("test-deck")
    with caplog.at_level(logging.ERROR, logger="test-deck"):
        assert DeckRecorder().write(Broken(), "s3://b/out", t, True, log) is False
    assert "bucket on fire" in caplog.text


# ---------------------------------------------------------------------------------- the real CLI
TASKS = textwrap.dedent(
    """
    from flyte_entrypoint import task, current_context, Deck, IgnoreOutputs

    @task(enable_deck=True)
    def decked(a: int, s: str) -> str:
        Deck("mine", "<b>hello</b>")
        current_context().default_deck.append("<i>dflt</i>")
        return s * a

    @task(enable_deck=True)
    def decked_fails(a: int) -> int:
        Deck("before-failure", "<p>partial</p>")
        raise ValueError("x")

    @task(enable_deck=True)
    def decked_ignores() -> None:
        raise IgnoreOutputs()

    @task(enable_deck=True)
    def decked_publishes() -> None:
        Deck("early", "<p>published</p>")
        Deck.publish()

    @task
    def plain(a: int, s: str) -> str:
        Deck("ignored", "<p>not written</p>")
        return s * a
    """
)


def _inputs(path: Path, **values: Any) -> str:
    lm = literals_pb2.LiteralMap()
    for k, v in values.items():
        if isinstance(v, int):
            lm.literals[k].scalar.primitive.integer = v
        else:
            lm.literals[k].scalar.primitive.string_value = v
    path.write_bytes(lm.SerializeToString())
    return str(path)


def _execute(
    workdir: Path, out: str, task: str, env: dict[str, str] | None = None, **inputs: Any
) -> subprocess.CompletedProcess[str]:
    args = [
        EXECUTE,
        "--inputs",
        _inputs(workdir / "inputs.pb", **inputs),
        "--output-prefix",
        out,
        "--raw-output-data-prefix",
        str(workdir / "raw"),
        "--resolver",
        "flyte_entrypoint.default_task_resolver",
        "--",
        "task-module",
        "deckwf",
        "task-name",
        task,
    ]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE", "_F_"))}
    full_env.update(env or {})
    return subprocess.run(args, cwd=workdir, capture_output=True, text=True, timeout=120, env=full_env)


@pytest.fixture()
def deckwork(tmp_path: Path) -> Path:
    (tmp_path / "deckwf.py").write_text(TASKS)
    return tmp_path


def test_cli_success_writes_deck_with_default_pages(deckwork: Path) -> None:
    proc = _execute(deckwork, str(deckwork / "out"), "decked", a=2, s="<x>")
    assert proc.returncode == 0, proc.stderr
    assert (deckwork / "out" / "outputs.pb").exists()
    document = (deckwork / "out" / "deck.html").read_text()
    assert tabs(document) == ["Timeline", "mine", "default", "Source Code", "Dependencies", "Input", "Output"]
    for phase in (
        "Load task",
        "Download inputs from",
        "Translate literal to python value",
        "Execute user level code",
        "Translate the output to literals",
        "Upload data to",
    ):
        assert phase in document, phase
    assert "&#x27;&lt;x&gt;&#x27;" in document  # input s, escaped repr
    assert "&#x27;&lt;x&gt;&lt;x&gt;&#x27;" in document  # output o0
    assert "<x>" not in document
    assert "<b>hello</b>" in document and "<i>dflt</i>" in document
    assert "def decked(a: int, s: str) -&gt; str:" in document  # source code page
    assert "attrs" in document  # dependencies page


def test_cli_failure_writes_timeline_and_user_decks_only(deckwork: Path) -> None:
    proc = _execute(deckwork, str(deckwork / "out"), "decked_fails", a=1)
    assert proc.returncode == 0, proc.stderr
    assert (deckwork / "out" / "error.pb").exists()
    document = (deckwork / "out" / "deck.html").read_text()
    assert tabs(document) == ["Timeline", "before-failure"]
    assert "Execute user level code" in document


def test_cli_ignore_outputs_writes_no_deck(deckwork: Path) -> None:
    proc = _execute(deckwork, str(deckwork / "out"), "decked_ignores")
    assert proc.returncode == 0, proc.stderr
    assert not (deckwork / "out").exists()


def test_cli_decks_disabled_writes_no_deck(deckwork: Path) -> None:
    proc = _execute(deckwork, str(deckwork / "out"), "plain", a=1, s="y")
    assert proc.returncode == 0, proc.stderr
    assert sorted(os.listdir(deckwork / "out")) == ["outputs.pb"]


def test_cli_publish_then_final_deck(deckwork: Path) -> None:
    proc = _execute(deckwork, str(deckwork / "out"), "decked_publishes")
    assert proc.returncode == 0, proc.stderr
    document = (deckwork / "out" / "deck.html").read_text()  # the final deck replaces the published one
    assert tabs(document) == ["Timeline", "early", "Source Code", "Dependencies", "Input", "Output"]


def test_cli_deck_upload_failure_does_not_fail_the_task(deckwork: Path) -> None:
    (deckwork / "out" / "deck.html").mkdir(parents=True)  # writing the deck file will fail
    proc = _execute(deckwork, str(deckwork / "out"), "decked", a=1, s="z")
    assert proc.returncode == 0, proc.stderr
    assert (deckwork / "out" / "outputs.pb").exists()
    assert not (deckwork / "out" / "error.pb").exists()
    assert "Failed to write flyte deck html" in proc.stderr


def test_cli_deck_on_s3_is_text_html(deckwork: Path, s3: Any) -> None:
    proc = _execute(deckwork, s3.uri("out"), "decked", env=s3.env, a=1, s="q")
    assert proc.returncode == 0, proc.stderr
    head = s3.client().head_object(Bucket=s3.bucket, Key="out/deck.html")
    assert head["ContentType"] == "text/html"
    body = s3.client().get_object(Bucket=s3.bucket, Key="out/deck.html")["Body"].read().decode()
    assert tabs(body)[0] == "Timeline"
