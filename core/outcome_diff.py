"""Comparing a recorded run with its replay: the differences, as data.

A run's *outcome* (see ``shell/tools/launch.outcome``) is its outputs view, its error document view, or
neither. Outputs are compared value by value (the JSON views, so map order and serialization details do
not count); error documents by what identifies the failure — code, kind, origin and the ``Message:``
text — and not by timestamp, worker or trace, which differ from run to run by nature.

Laws (``property_tests/test_tools_laws.py``): ``diff_values(a, a) == []``; a changed leaf is reported
once, at its path.
"""

from __future__ import annotations

from typing import Any

ERROR_FIELDS = ("code", "kind", "origin", "summary")


def diff_values(recorded: Any, replayed: Any, path: str = "") -> list[dict[str, Any]]:
    """Every place where two JSON views differ, deepest first found, as ``{path, recorded, replayed}``."""
    if isinstance(recorded, dict) and isinstance(replayed, dict):
        out: list[dict[str, Any]] = []
        for key in sorted(set(recorded) | set(replayed)):
            where = f"{path}.{key}" if path else str(key)
            if key not in recorded:
                out.append({"path": where, "recorded": None, "replayed": replayed[key], "what": "added"})
            elif key not in replayed:
                out.append({"path": where, "recorded": recorded[key], "replayed": None, "what": "removed"})
            else:
                out += diff_values(recorded[key], replayed[key], where)
        return out
    if isinstance(recorded, list) and isinstance(replayed, list):
        out = []
        if len(recorded) != len(replayed):
            out.append(
                {"path": path or "$", "recorded": len(recorded), "replayed": len(replayed), "what": "length"}
            )
        for i, (a, b) in enumerate(zip(recorded, replayed)):
            out += diff_values(a, b, f"{path}[{i}]")
        return out
    if recorded != replayed or type(recorded) is not type(replayed):
        return [{"path": path or "$", "recorded": recorded, "replayed": replayed, "what": "changed"}]
    return []


def _kind(outcome: dict[str, Any]) -> str:
    if outcome.get("outputs") is not None:
        return "outputs"
    if outcome.get("error") is not None:
        return "error"
    return "nothing"


def diff_outcomes(recorded: dict[str, Any], replayed: dict[str, Any]) -> list[dict[str, Any]]:
    """The differences between a recorded outcome and a replayed one (empty: the replay agrees)."""
    kind, replayed_kind = _kind(recorded), _kind(replayed)
    if kind != replayed_kind:
        return [{"path": "outcome", "recorded": kind, "replayed": replayed_kind, "what": "changed"}]
    if kind == "outputs":
        return diff_values(recorded["outputs"], replayed["outputs"], "outputs")
    if kind == "error":
        a = {k: recorded["error"].get(k) for k in ERROR_FIELDS}
        b = {k: replayed["error"].get(k) for k in ERROR_FIELDS}
        return diff_values(a, b, "error")
    return []
