"""A small UDP statsd client and the user-facing ``ctx.stats`` object (flytekit's ``TaggableStats``).

Naming, tags and the wire format are pure rules in ``flyte_entrypoint.core.stats``; this module only
owns the socket, the clock and the sampling draw. Sending never raises into task code: socket errors
are swallowed (as pystatsd does) and a metric whose name is not ASCII is dropped (pystatsd raises
``UnicodeEncodeError`` from ``incr``).
"""

from __future__ import annotations

import abc
import functools
import inspect
import logging
import random
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from types import TracebackType
from typing import Any, Protocol, TypeVar

from flyte_entrypoint.core.env import get_one_of
from flyte_entrypoint.core.settings_rules import stats_config_from_env
from flyte_entrypoint.core.stats import (
    execution_tags,
    format_stat,
    gauge_values,
    keep_sample,
    metric_name,
    metric_prefix,
    pack_datagrams,
    scoped_prefix,
    timing_value,
)
from flyte_entrypoint.schemas.settings import StatsConfig

__all__ = ["NoopStatsClient", "Pipeline", "StatsClient", "TaggedStats", "Timer", "build_stats", "make_client"]

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


class _Sink(Protocol):
    def send_lines(self, lines: Iterable[str]) -> None: ...


class _ClientBase(abc.ABC):
    """The statsd verbs over raw stat names; subclasses decide where lines go."""

    def __init__(self, draw: Callable[[], float] = random.random) -> None:
        self._draw = draw

    @abc.abstractmethod
    def send_lines(self, lines: Iterable[str]) -> None:
        """Deliver rendered statsd lines."""

    def _send_values(self, stat: str, values: Iterable[str], rate: float) -> None:
        if not keep_sample(rate, self._draw() if rate < 1 else 0.0):
            return
        self.send_lines([format_stat(stat, v, rate) for v in values])

    def incr(self, stat: str, count: float = 1, rate: float = 1) -> None:
        self._send_values(stat, [f"{count}|c"], rate)

    def decr(self, stat: str, count: float = 1, rate: float = 1) -> None:
        self.incr(stat, -count, rate)

    def gauge(self, stat: str, value: float, rate: float = 1, delta: bool = False) -> None:
        values = gauge_values(value, delta)
        if len(values) > 1:  # negative absolute gauge: sampled once, sent unsampled in one datagram
            if rate < 1 and not keep_sample(rate, self._draw()):
                return
            self.send_lines([format_stat(stat, v) for v in values])
        else:
            self._send_values(stat, values, rate)

    def set(self, stat: str, value: object, rate: float = 1) -> None:
        self._send_values(stat, [f"{value}|s"], rate)

    def timing(self, stat: str, delta: float | timedelta, rate: float = 1) -> None:
        """``delta`` in milliseconds, or a ``timedelta``."""
        ms = delta.total_seconds() * 1000.0 if isinstance(delta, timedelta) else delta
        self._send_values(stat, [timing_value(ms)], rate)

    def close(self) -> None:
        """Release resources; only the UDP client holds any."""
        return None


class StatsClient(_ClientBase):
    """Fire-and-forget UDP statsd client (one datagram per metric; see :meth:`pipeline` to batch)."""

    def __init__(
        self,
        host: str = "localhost",
        port: int = 8125,
        maxudpsize: int = 512,
        ipv6: bool = False,
        draw: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(draw)
        family = socket.AF_INET6 if ipv6 else socket.AF_INET
        fam, _, _, _, addr = socket.getaddrinfo(host, port, family, socket.SOCK_DGRAM)[0]
        self._addr = addr
        self._sock: socket.socket | None = socket.socket(fam, socket.SOCK_DGRAM)
        self.maxudpsize = maxudpsize

    def send_lines(self, lines: Iterable[str]) -> None:
        for datagram in pack_datagrams(lines, self.maxudpsize):
            self._send_datagram(datagram)

    def _send_datagram(self, datagram: str) -> None:
        if self._sock is None:
            return
        try:
            self._sock.sendto(datagram.encode("ascii"), self._addr)
        except (OSError, UnicodeEncodeError):
            pass

    def pipeline(self) -> Pipeline:
        return Pipeline(self, self.maxudpsize)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock = None


class NoopStatsClient(_ClientBase):
    """The client used when statsd is disabled: every call is accepted and nothing is sent."""

    def send_lines(self, lines: Iterable[str]) -> None:
        pass

    def pipeline(self) -> Pipeline:
        return Pipeline(self, 512)


class Pipeline(_ClientBase):
    """Collects lines and sends them, packed into as few datagrams as fit, on :meth:`send` / exit."""

    def __init__(self, client: _Sink, maxudpsize: int) -> None:
        super().__init__()
        self._client = client
        self._maxudpsize = maxudpsize
        self._lines: list[str] = []

    def send_lines(self, lines: Iterable[str]) -> None:
        self._lines.extend(lines)

    def send(self) -> None:
        lines, self._lines = self._lines, []
        if lines:
            self._client.send_lines(lines)

    def pipeline(self) -> Pipeline:
        return Pipeline(self, self._maxudpsize)

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(
        self, typ: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.send()


Client = StatsClient | NoopStatsClient | Pipeline


class Timer:
    """Times a block (``with stats.timer("x"):``) or a function (``@stats.timer("x")``), in ms."""

    def __init__(self, stats: TaggedStats, stat: str, rate: float = 1, **kwargs: Any) -> None:
        self._stats = stats
        self.stat = stat
        self.rate = rate
        self._kwargs = kwargs
        self.ms: float | None = None
        self._start: float | None = None
        self._sent = False

    def __call__(self, f: F) -> F:
        if inspect.iscoroutinefunction(f):

            @functools.wraps(f)
            async def async_wrapped(*args: Any, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return await f(*args, **kwargs)
                finally:
                    self._send_since(start)

            return async_wrapped  # type: ignore[return-value]

        @functools.wraps(f)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return f(*args, **kwargs)
            finally:
                self._send_since(start)

        return wrapped  # type: ignore[return-value]

    def _send_since(self, start: float) -> None:
        """Send the time since ``start`` (a ``perf_counter`` reading) without recording it on the timer."""
        self._stats.timing(self.stat, 1000.0 * (time.perf_counter() - start), self.rate, **self._kwargs)

    def start(self) -> Timer:
        self.ms = None
        self._sent = False
        self._start = time.perf_counter()
        return self

    def stop(self, send: bool = True) -> Timer:
        if self._start is None:
            raise RuntimeError("Timer has not started.")
        self.ms = 1000.0 * (time.perf_counter() - self._start)
        if send:
            self.send()
        return self

    def send(self) -> None:
        if self.ms is None:
            raise RuntimeError("No data recorded.")
        if self._sent:
            raise RuntimeError("Already sent data.")
        self._sent = True
        self._stats.timing(self.stat, self.ms, self.rate, **self._kwargs)

    def __enter__(self) -> Timer:
        return self.start()

    def __exit__(
        self, typ: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class TaggedStats:
    """``ctx.stats``: statsd verbs under a prefix, with the execution tags appended to every name.

    Every verb takes flytekit's extra keywords ``tags=`` (merged under the execution tags) and
    ``per_host=`` (adds the tag ``_f=i``).
    """

    def __init__(
        self,
        client: Client,
        prefix: str | None,
        tags: Mapping[str, object] | None = None,
        disable_tags: bool = False,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._tags: dict[str, object] = {} if disable_tags or not tags else dict(tags)
        self._disable_tags = disable_tags

    @property
    def full_prefix(self) -> str | None:
        return self._prefix

    @property
    def tags(self) -> Mapping[str, object]:
        return dict(self._tags)

    @property
    def client(self) -> Client:
        return self._client

    def _name(self, stat: str, tags: Mapping[str, object] | None, per_host: bool) -> str:
        name: str = metric_name(self._prefix, stat, self._tags, tags, self._disable_tags, per_host)
        return name

    def incr(
        self,
        stat: str,
        count: float = 1,
        rate: float = 1,
        tags: Mapping[str, object] | None = None,
        per_host: bool = False,
    ) -> None:
        self._client.incr(self._name(stat, tags, per_host), count, rate)

    def decr(
        self,
        stat: str,
        count: float = 1,
        rate: float = 1,
        tags: Mapping[str, object] | None = None,
        per_host: bool = False,
    ) -> None:
        self._client.decr(self._name(stat, tags, per_host), count, rate)

    def gauge(
        self,
        stat: str,
        value: float,
        rate: float = 1,
        delta: bool = False,
        tags: Mapping[str, object] | None = None,
        per_host: bool = False,
    ) -> None:
        self._client.gauge(self._name(stat, tags, per_host), value, rate, delta)

    def set(
        self,
        stat: str,
        value: object,
        rate: float = 1,
        tags: Mapping[str, object] | None = None,
        per_host: bool = False,
    ) -> None:
        self._client.set(self._name(stat, tags, per_host), value, rate)

    def timing(
        self,
        stat: str,
        delta: float | timedelta,
        rate: float = 1,
        tags: Mapping[str, object] | None = None,
        per_host: bool = False,
    ) -> None:
        self._client.timing(self._name(stat, tags, per_host), delta, rate)

    def timer(
        self, stat: str, rate: float = 1, tags: Mapping[str, object] | None = None, per_host: bool = False
    ) -> Timer:
        return Timer(self, stat, rate, tags=tags, per_host=per_host)

    def get_stats(self, name: str, copy_tags: bool = True) -> TaggedStats:
        """A child scope ``<prefix>.<name>`` on the same client (flytekit's version of this crashes)."""
        return TaggedStats(
            self._client,
            scoped_prefix(self._prefix, name),
            self._tags if copy_tags else None,
            self._disable_tags,
        )

    def with_tags(self, tags: Mapping[str, object]) -> TaggedStats:
        """A copy whose context tags also include ``tags`` (flytekit's mutating ``extend_tags``)."""
        return TaggedStats(self._client, self._prefix, {**self._tags, **tags}, self._disable_tags)

    def extend_tags(self, tags: Mapping[str, object]) -> None:
        if not self._disable_tags:
            self._tags.update(tags)

    def clear_tags(self) -> None:
        self._tags = {}

    def pipeline(self) -> TaggedStats:
        """A scope whose metrics are batched; use it as a context manager to send on exit."""
        return TaggedStats(self._client.pipeline(), self._prefix, self._tags, self._disable_tags)

    def __enter__(self) -> TaggedStats:
        """``with stats.pipeline() as p:`` sends ``p``'s batch on exit; on a plain scope it is a no-op."""
        return self

    def __exit__(
        self, typ: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        if isinstance(self._client, Pipeline):
            self._client.send()

    def close(self) -> None:
        self._client.close()


def make_client(cfg: StatsConfig) -> StatsClient | NoopStatsClient:
    """A UDP client for ``cfg``, or the no-op client when disabled or the host does not resolve."""
    if cfg.disabled:
        return NoopStatsClient()
    try:
        return StatsClient(cfg.host, cfg.port)
    except OSError as e:  # socket.gaierror: flytekit crashes at start-up here
        logger.warning(
            "statsd host %s:%s is not usable (%s); user metrics are disabled", cfg.host, cfg.port, e
        )
        return NoopStatsClient()


def _default_api_version() -> str:
    try:
        from importlib.metadata import version

        return version("flyte-entrypoint")
    except Exception:
        return "unknown"


def build_stats(
    env: Mapping[str, str], api_version: str | None = None, cfg: StatsConfig | None = None
) -> TaggedStats:
    """``ctx.stats`` for a task run: prefix from the task id, tags from the execution id (PROTOCOL §8)."""
    cfg = cfg if cfg is not None else stats_config_from_env(env)
    prefix = metric_prefix(
        get_one_of(env, "FLYTE_INTERNAL_TASK_PROJECT", "_F_TK_PRJ"),
        get_one_of(env, "FLYTE_INTERNAL_TASK_DOMAIN", "_F_TK_DM"),
        get_one_of(env, "FLYTE_INTERNAL_TASK_NAME", "_F_TK_NM"),
    )
    tags = execution_tags(
        get_one_of(env, "FLYTE_INTERNAL_EXECUTION_PROJECT", "_F_PRJ"),
        get_one_of(env, "FLYTE_INTERNAL_EXECUTION_DOMAIN", "_F_DM"),
        get_one_of(env, "FLYTE_INTERNAL_EXECUTION_WORKFLOW", "_F_WF"),
        get_one_of(env, "FLYTE_INTERNAL_EXECUTION_LAUNCHPLAN", "_F_LP"),
        api_version if api_version is not None else _default_api_version(),
    )
    return TaggedStats(make_client(cfg), prefix, tags, cfg.disable_tags)
