"""User statsd metrics: pure naming/format rules, and the UDP client against a real socket on 127.0.0.1."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest

from flyte_entrypoint.core.stats import (
    execution_tags,
    format_stat,
    gauge_values,
    keep_sample,
    metric_name,
    metric_prefix,
    pack_datagrams,
    render_tags,
    timing_value,
)
from flyte_entrypoint.schemas.settings import StatsConfig
from flyte_entrypoint.shell.stats import NoopStatsClient, StatsClient, TaggedStats, build_stats, make_client

# ------------------------------------------------------------------------------------------------ pure


def test_prefix_is_lower_cased() -> None:
    assert metric_prefix("MyProj", "Dev", "wf.Add") == "myproj.dev.wf.add.user_stats"


def test_tags_sorted_and_sanitized() -> None:
    tags = {"b": "x|y.z:w", "a": "1", "empty": "", "n": 5}
    assert render_tags("m", tags) == "m.__a=1.__b=x_y_z_w.__n=5"


def test_non_ascii_key_drops_all_tags() -> None:
    assert render_tags("m", {"a": "1", "é": "2"}) == "m"


def test_metric_name_merging_per_host_and_disabled() -> None:
    ctx = {"exec_project": "p", "k": "ctx"}
    assert (
        metric_name("pre", "rows", ctx, {"k": "call", "z": "1"}) == "pre.rows.__exec_project=p.__k=ctx.__z=1"
    )
    assert metric_name("pre", "rows", {}, None, per_host=True) == "pre.rows.___f=i"
    assert metric_name("pre", "rows", ctx, {"z": "1"}, disable_tags=True, per_host=True) == "pre.rows"
    assert metric_name(None, "rows", {}) == "rows"
    assert metric_name("", "Rows", {}) == "Rows"


def test_wire_format() -> None:
    assert format_stat("s", "1|c") == "s:1|c"
    assert format_stat("s", "1|c", 0.5) == "s:1|c|@0.5"
    assert timing_value(12) == "12.000000|ms"
    assert gauge_values(3) == ("3|g",)
    assert gauge_values(-3) == ("0|g", "-3|g")
    assert gauge_values(3, delta=True) == ("+3|g",)
    assert gauge_values(-3, delta=True) == ("-3|g",)
    assert keep_sample(1, 0.99) and keep_sample(0.5, 0.5) and not keep_sample(0.5, 0.51)


def test_pack_datagrams() -> None:
    assert pack_datagrams([]) == []
    assert pack_datagrams(["a:1|c", "b:1|c"]) == ["a:1|c\nb:1|c"]
    assert pack_datagrams(["aaaa", "bbbb", "cc"], maxudpsize=10) == ["aaaa\nbbbb", "cc"]
    assert pack_datagrams(["x" * 20], maxudpsize=10) == ["x" * 20]


# ----------------------------------------------------------------------------------------- real socket


class Listener:
    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(2.0)
        self.port: int = self.sock.getsockname()[1]

    def recv(self) -> str:
        data, _ = self.sock.recvfrom(65535)
        return data.decode("ascii")

    def nothing(self, wait: float = 0.2) -> bool:
        self.sock.settimeout(wait)
        try:
            self.sock.recvfrom(65535)
        except TimeoutError:
            return True
        finally:
            self.sock.settimeout(2.0)
        return False


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    try:
        yield server
    finally:
        server.sock.close()


def _env(listener: Listener, **extra: str) -> dict[str, str]:
    env = {
        "FLYTE_SECRETS_HOST": "127.0.0.1",
        "FLYTE_SECRETS_PORT": str(listener.port),
        "FLYTE_INTERNAL_TASK_PROJECT": "TProj",
        "FLYTE_INTERNAL_TASK_DOMAIN": "development",
        "FLYTE_INTERNAL_TASK_NAME": "wf.Add",
        "FLYTE_INTERNAL_EXECUTION_PROJECT": "eproj",
        "FLYTE_INTERNAL_EXECUTION_DOMAIN": "edom",
        "FLYTE_INTERNAL_EXECUTION_WORKFLOW": "wf.main",
        "_F_LP": "lp:1",
    }
    env.update(extra)
    return env


TAGS = ".__api_version=1_2_3.__exec_domain=edom.__exec_launchplan=lp_1.__exec_project=eproj.__exec_workflow=wf_main"
PREFIX = "tproj.development.wf.add.user_stats"


def test_incr_reaches_the_listener_with_prefix_and_tags(listener: Listener) -> None:
    stats = build_stats(_env(listener), api_version="1.2.3")
    stats.incr("Rows")
    assert listener.recv() == f"{PREFIX}.Rows{TAGS}:1|c"
    stats.decr("rows", 2, tags={"extra": "x"})
    assert (
        listener.recv()
        == f"{PREFIX}.rows.__api_version=1_2_3.__exec_domain=edom.__exec_launchplan=lp_1.__exec_project=eproj.__exec_workflow=wf_main.__extra=x:-2|c"
    )
    stats.gauge("g", 7)
    assert listener.recv() == f"{PREFIX}.g{TAGS}:7|g"
    stats.gauge("g", -7)
    assert listener.recv() == f"{PREFIX}.g{TAGS}:0|g\n{PREFIX}.g{TAGS}:-7|g"
    stats.set("users", "bob")
    assert listener.recv() == f"{PREFIX}.users{TAGS}:bob|s"
    stats.timing("t", timedelta(milliseconds=1500))
    assert listener.recv() == f"{PREFIX}.t{TAGS}:1500.000000|ms"
    stats.close()


def test_timer_context_manager_and_decorators(listener: Listener) -> None:
    stats = build_stats(_env(listener, FLYTE_SECRETS_DISABLE_TAGS="true"), api_version="x")
    pattern = re.compile(rf"{re.escape(PREFIX)}\.block:\d+\.\d{{6}}\|ms")
    with stats.timer("block") as t:
        pass
    assert pattern.fullmatch(listener.recv())
    assert t.ms is not None and t.ms >= 0

    @stats.timer("fn")
    def f(x: int) -> int:
        return x + 1

    assert f(1) == 2
    assert re.fullmatch(rf"{re.escape(PREFIX)}\.fn:\d+\.\d{{6}}\|ms", listener.recv())

    @stats.timer("afn")
    async def g() -> str:
        return "ok"

    assert asyncio.run(g()) == "ok"
    assert re.fullmatch(rf"{re.escape(PREFIX)}\.afn:\d+\.\d{{6}}\|ms", listener.recv())


def test_disabled_tags_drop_every_tag(listener: Listener) -> None:
    stats = build_stats(_env(listener, FLYTE_SECRETS_DISABLE_TAGS="1"), api_version="1")
    stats.incr("rows", tags={"a": "b"}, per_host=True)
    assert listener.recv() == f"{PREFIX}.rows:1|c"


def test_disabled_stats_send_nothing(listener: Listener) -> None:
    stats = build_stats(_env(listener, FLYTE_SECRETS_DISABLED="true"), api_version="1")
    assert isinstance(stats.client, NoopStatsClient)
    stats.incr("rows")
    stats.gauge("g", -1)
    with stats.timer("t"):
        pass
    assert listener.nothing()


def test_statsd_alias_wins(listener: Listener) -> None:
    env = _env(listener, FLYTE_SECRETS_PORT="1", FLYTE_STATSD_PORT=str(listener.port))
    build_stats(env, api_version="1").incr("x")
    assert listener.recv().startswith(f"{PREFIX}.x.")


def test_pipeline_batches_into_one_datagram(listener: Listener) -> None:
    stats = build_stats(_env(listener, FLYTE_SECRETS_DISABLE_TAGS="1"), api_version="1")
    with stats.pipeline() as pipe:
        pipe.incr("a")
        pipe.incr("b", 3)
        assert listener.nothing(0.05)
    assert listener.recv() == f"{PREFIX}.a:1|c\n{PREFIX}.b:3|c"


def test_child_scope(listener: Listener) -> None:
    stats = build_stats(_env(listener, FLYTE_SECRETS_DISABLE_TAGS="1"), api_version="1")
    stats.get_stats("sub").incr("n")
    assert listener.recv() == f"{PREFIX}.sub.n:1|c"


def test_sampling_uses_the_draw(listener: Listener) -> None:
    draws = iter([0.9, 0.1])
    client = StatsClient("127.0.0.1", listener.port, draw=lambda: next(draws))
    stats = TaggedStats(client, "p", None)
    stats.incr("dropped", rate=0.5)
    stats.incr("kept", rate=0.5)
    assert listener.recv() == "p.kept:1|c|@0.5"
    client.close()


def test_non_ascii_metric_is_dropped_not_raised(listener: Listener) -> None:
    client = StatsClient("127.0.0.1", listener.port)
    TaggedStats(client, "p", None).incr("é")
    TaggedStats(client, "p", None).incr("ok")
    assert listener.recv() == "p.ok:1|c"


def test_unresolvable_host_gives_a_noop_client() -> None:
    assert isinstance(make_client(StatsConfig(host="no-such-host.invalid", port=8125)), NoopStatsClient)
    assert isinstance(make_client(StatsConfig(disabled=True)), NoopStatsClient)


def test_tags_are_those_of_the_execution() -> None:
    assert execution_tags("p", "d", "w", "l", "v") == {
        "exec_project": "p",
        "exec_domain": "d",
        "exec_workflow": "w",
        "exec_launchplan": "l",
        "api_version": "v",
    }
