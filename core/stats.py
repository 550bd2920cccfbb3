"""User statsd metrics: names, tags and the statsd wire format, as pure functions (PROTOCOL §8).

A metric sent as ``ctx.stats.incr("rows")`` from task ``wf.add`` of project ``P``/domain ``d`` becomes

    p.d.wf.add.user_stats.rows.__api_version=1_16_31.__exec_domain=d.__exec_project=p...:1|c

* prefix: ``<task project>.<task domain>.<task name>.user_stats``, lower-cased (the stat itself is not);
* tags: the execution tags merged over the call's ``tags=`` (the execution tags win on a clash, as in
  flytekit's ``TaggableStats``), plus ``_f=i`` for ``per_host=True``; rendered in sorted key order as
  ``.__<key>=<value>`` with ``|``, ``.`` and ``:`` in values replaced by ``_``; empty values skipped;
  a non-ASCII key drops **all** tags of that metric (flytekit's sanity check). Disabled tags → none;
* the line format and sampling are pystatsd's (``stat:value|type[|@rate]``), datagrams are
  newline-joined lines kept under ``maxudpsize`` bytes.

Laws (``property_tests/test_stats_laws.py``): a rendered tag value never contains ``|``, ``.``
or ``:``; tags render in sorted key order; with tags disabled the name is ``prefix.stat``; every
datagram but a single over-long line stays below ``maxudpsize`` and splitting datagrams on newlines
gives the lines back in order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

__all__ = [
    "FORBIDDEN_TAG_VALUE_CHARACTERS",
    "execution_tags",
    "format_stat",
    "gauge_values",
    "keep_sample",
    "metric_name",
    "metric_prefix",
    "pack_datagrams",
    "render_tags",
    "scoped_prefix",
    "timing_value",
]

FORBIDDEN_TAG_VALUE_CHARACTERS = re.compile(r"[|.:]")
USER_STATS_SUFFIX = "user_stats"
PER_HOST_TAG = ("_f", "i")


def metric_prefix(task_project: str, task_domain: str, task_name: str) -> str:
    """``<project>.<domain>.<name>.user_stats``, lower-cased."""
    return f"{task_project}.{task_domain}.{task_name}.{USER_STATS_SUFFIX}".lower()


def execution_tags(
    exec_project: str, exec_domain: str, exec_workflow: str, exec_launchplan: str, api_version: str
) -> dict[str, str]:
    """The tags every user metric carries (unless tags are disabled)."""
    return {
        "exec_project": exec_project,
        "exec_domain": exec_domain,
        "exec_workflow": exec_workflow,
        "exec_launchplan": exec_launchplan,
        "api_version": api_version,
    }


def scoped_prefix(prefix: str | None, name: str) -> str:
    """The prefix of a child scope: ``prefix.name``, or ``name`` at the top."""
    return f"{prefix}.{name}" if prefix else name


def render_tags(metric: str, tags: Mapping[str, object]) -> str:
    """``metric`` followed by ``.__key=value`` for each tag in sorted key order (see module doc)."""
    rendered = metric
    for key in sorted(tags, key=str):
        key_text = str(key)
        if not key_text.isascii():
            return metric
        value = FORBIDDEN_TAG_VALUE_CHARACTERS.sub("_", str(tags[key]))
        if value:
            rendered += f".__{key_text}={value}"
    return rendered


def metric_name(
    prefix: str | None,
    stat: str,
    context_tags: Mapping[str, object],
    call_tags: Mapping[str, object] | None = None,
    disable_tags: bool = False,
    per_host: bool = False,
) -> str:
    """The full metric name for ``stat`` sent through a scope with ``prefix`` and ``context_tags``."""
    tags: dict[str, object] = {**(call_tags or {}), **context_tags}
    if per_host:
        tags[PER_HOST_TAG[0]] = PER_HOST_TAG[1]
    if tags and not disable_tags:
        stat = render_tags(stat, tags)
    return f"{prefix}.{stat}" if prefix else stat


# ---------------------------------------------------------------------------------------- wire format


def keep_sample(rate: float, draw: float) -> bool:
    """pystatsd's sampling: with ``rate < 1`` a metric is sent when the uniform ``draw`` is ``<= rate``."""
    return rate >= 1 or draw <= rate


def format_stat(stat: str, value: str, rate: float = 1) -> str:
    """One statsd line: ``stat:value`` plus ``|@rate`` when sampled."""
    if rate < 1:
        value = f"{value}|@{rate}"
    return f"{stat}:{value}"


def timing_value(milliseconds: float) -> str:
    """A timer value: milliseconds with 6 decimals."""
    return f"{milliseconds:0.6f}|ms"


def gauge_values(value: float, delta: bool = False) -> tuple[str, ...]:
    """The value(s) of a gauge line: a negative absolute gauge is sent as ``0`` then the value.

    (A leading ``-`` would otherwise be read as a delta.) ``delta=True`` gives ``+n``/``-n``.
    """
    if value < 0 and not delta:
        return ("0|g", f"{value}|g")
    sign = "+" if delta and value >= 0 else ""
    return (f"{sign}{value}|g",)


def pack_datagrams(lines: Iterable[str], maxudpsize: int = 512) -> list[str]:
    """Join lines with newlines into datagrams, starting a new one before ``maxudpsize`` is reached.

    A single line longer than ``maxudpsize`` still goes out on its own (as pystatsd does).
    """
    datagrams: list[str] = []
    current: str | None = None
    for line in lines:
        if current is None:
            current = line
        elif len(current) + len(line) + 1 >= maxudpsize:
            datagrams.append(current)
            current = line
        else:
            current += "\n" + line
    if current is not None:
        datagrams.append(current)
    return datagrams
