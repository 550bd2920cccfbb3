"""``core.stats`` boundaries: pystatsd's line format and sampling, datagram packing at exactly
``maxudpsize``, flytekit's ``TaggableStats`` tag names (PROTOCOL §8)."""

from __future__ import annotations

from flyte_entrypoint.core import stats


def test_execution_tags_and_scopes() -> None:
    assert stats.execution_tags("p", "d", "wf", "lp", "1_16_31") == {
        "exec_project": "p",
        "exec_domain": "d",
        "exec_workflow": "wf",
        "exec_launchplan": "lp",
        "api_version": "1_16_31",
    }
    assert stats.scoped_prefix("a.b", "c") == "a.b.c"
    assert stats.scoped_prefix(None, "c") == "c"
    assert stats.scoped_prefix("", "c") == "c"
    assert stats.metric_prefix("P", "d", "T") == "p.d.t.user_stats"


def test_sampling_boundaries() -> None:
    assert stats.keep_sample(1, 5.0)  # rate 1: always sent, whatever the draw
    assert stats.keep_sample(2, 5.0)
    assert stats.keep_sample(0.25, 0.25)
    assert not stats.keep_sample(0.25, 0.2500001)
    assert stats.format_stat("s", "1|c", 1) == "s:1|c"
    assert stats.format_stat("s", "1|c", 0.999) == "s:1|c|@0.999"


def test_gauges_at_zero() -> None:
    assert stats.gauge_values(0) == ("0|g",)
    assert stats.gauge_values(0, delta=True) == ("+0|g",)
    assert stats.gauge_values(-0.5) == ("0|g", "-0.5|g")
    assert stats.timing_value(1.5) == "1.500000|ms"


def test_packing_at_exactly_the_size() -> None:
    # "aaaa\nbbbb" is 9 characters: it must stay below maxudpsize
    assert stats.pack_datagrams(["aaaa", "bbbb"], maxudpsize=10) == ["aaaa\nbbbb"]
    assert stats.pack_datagrams(["aaaa", "bbbb"], maxudpsize=9) == ["aaaa", "bbbb"]
    assert stats.pack_datagrams(["a", "b", "c"], maxudpsize=6) == ["a\nb\nc"]
    assert stats.pack_datagrams(["a", "b", "c"], maxudpsize=5) == ["a\nb", "c"]
    assert stats.pack_datagrams(iter(["x"])) == ["x"]


def test_tags_with_empty_values_and_non_string_keys() -> None:
    assert stats.render_tags("m", {"a": "", "b": "v"}) == "m.__b=v"
    assert stats.render_tags("m", {2: "x", 10: "y"}) == "m.__10=y.__2=x"  # sorted as text
    assert stats.metric_name("p", "s", {}, {}) == "p.s"
    assert stats.metric_name("p", "s", {"a": "1"}, None) == "p.s.__a=1"


def test_default_datagram_size_is_pystatsds_512() -> None:
    assert stats.pack_datagrams(["a" * 255, "b" * 255]) == ["a" * 255 + "\n" + "b" * 255]  # 511 characters
    assert stats.pack_datagrams(["a" * 255, "b" * 256]) == ["a" * 255, "b" * 256]  # 512 would not fit
