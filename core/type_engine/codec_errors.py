"""Conversion errors of the dataclass codec: the fast path raises anything; the slow path (here) re-walks the
value to name the failing field (``.inner.tags[3]``) in a ``ConversionError``.

Laws:

* totality: a value the builtins codec cannot convert is a ``ConversionError`` (never another exception), whose
  ``path`` names the failing leaf: ``.field``, ``[i]`` for an item, ``["k"]``/``[k]`` for a value, ``<key k>``
  for a key (``property_tests/test_struct_laws.py``: ``test_a_missing_required_field_is_named``,
  ``test_an_unencodable_field_value_is_named``, ``test_garbage_payloads_give_conversion_errors_only``);
* the message reads ``Cannot <verb> <type>: field '<path>' expected <type>, got <repr> (<class>): <cause>`` (or
  ``required field '<path>' (<type>) is missing``), a repr cut to 80 characters (``tests/test_codec_errors.py``).
"""

from __future__ import annotations

import json
from typing import Any, Final

from flyte_entrypoint.core.type_engine.engine import ConversionError
from flyte_entrypoint.core.type_engine.type_shapes import Fn, _type_name


class _At(Exception):
    """Internal: a conversion failed at ``path`` (segments like ``.x``, ``[3]``, ``['k']``)."""

    def __init__(self, path: tuple[str, ...], expected: Any, value: Any, cause: BaseException | str) -> None:
        self.path = path
        self.expected = expected
        self.value = value
        self.cause = cause

    def under(self, segment: str) -> _At:
        return _At((segment, *self.path), self.expected, self.value, self.cause)


def _render_path(path: tuple[str, ...]) -> str:
    """``.inner.tags[2]``: the engine's path convention (callers prepend ``o0``, containers ``[3]``)."""
    return "".join(path)


def _short_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:
        text = f"<unprintable {type(value).__name__}>"
    return text if len(text) <= 80 else text[:77] + "..."


def _conversion_error(verb: str, top: Any, at: _At) -> ConversionError:
    where = _render_path(at.path)
    shown = where.lstrip(".")
    if at.value is _MISSING_VALUE:
        message = f"Cannot {verb} {_type_name(top)}: required field '{shown}' ({_type_name(at.expected)}) is missing"
        return ConversionError(message, where)
    cause = at.cause if isinstance(at.cause, str) else f"{type(at.cause).__name__}: {at.cause}"
    location = f" field '{shown}'" if shown else ""
    message = (
        f"Cannot {verb} {_type_name(top)}:{location} expected {_type_name(at.expected)}, "
        f"got {_short_repr(at.value)} ({type(at.value).__name__}): {cause}"
    )
    return ConversionError(message, where)


_MISSING_VALUE: Final = object()


def _segment_for_key(key: Any) -> str:
    return f"[{json.dumps(key)}]" if isinstance(key, str) else f"[{key!r}]"


def _fault(step: Fn, value: Any, segment: str, expected: Any) -> _At | None:
    """Where ``step`` fails on ``value`` (found at ``segment``, declared ``expected``); None if it does not."""
    try:
        step(value)
    except _At as inner:
        return inner.under(segment)
    except Exception as e:
        return _At((segment,), expected, value, e)
    return None


def _locate_in_seq(values: Any, step: Fn, elem_tp: Any, exc: BaseException, whole_tp: Any) -> _At:
    if isinstance(exc, _At) and not isinstance(values, (list, tuple, set, frozenset)):
        return exc
    try:
        items = list(values)
    except Exception as e:
        return _At((), whole_tp, values, e)
    for i, item in enumerate(items):
        at = _fault(step, item, f"[{i}]", elem_tp)
        if at is not None:
            return at
    return _At((), whole_tp, values, exc)


def _locate_in_map(
    values: Any, kstep: Fn | None, vstep: Fn | None, ktp: Any, vtp: Any, exc: BaseException, whole_tp: Any
) -> _At:
    try:
        items = list(values.items())
    except Exception as e:
        return _At((), whole_tp, values, e)
    for k, v in items:
        if kstep is not None:
            try:
                kstep(k)
            except _At as inner:
                return inner.under(f"<key {k!r}>")
            except Exception as e:
                return _At((f"<key {k!r}>",), ktp, k, e)
        if vstep is not None:
            try:
                vstep(v)
            except _At as inner:
                return inner.under(_segment_for_key(k))
            except Exception as e:
                return _At((_segment_for_key(k),), vtp, v, e)
    return _At((), whole_tp, values, exc)


