"""The building blocks the builtins codec compiles into: step combinators (None-passing, sequences, fixed tuples,
maps) and the generated (``exec``-compiled) encoder/decoder function of each dataclass, as mashumaro generates.

Laws (the codec's, run through :mod:`builtin_codec`'s entry points):

* round trip: decoding what a dataclass's generated encoder wrote gives the value back, missing optional keys
  take their defaults and unknown keys are ignored (``property_tests/test_struct_laws.py``: ``test_round_trip``,
  ``test_missing_fields_with_defaults_take_the_default``, ``test_unknown_keys_are_ignored``);
* a failing step is found again by the slow path and named (see :mod:`codec_errors`' laws);
* a decoding step fails only with ``codec_errors._At`` (where and why), whatever the value or the dataclass's
  own ``__init__``/``__post_init__`` raised (``tests/test_type_engine_dataclasses.py::
  test_a_dataclass_refusing_its_value_in_a_list_fails_the_read_naming_the_element``).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

from flyte_entrypoint.core.type_engine.codec_errors import (
    _MISSING_VALUE,
    _At,
    _fault,
    _locate_in_map,
    _locate_in_seq,
)
from flyte_entrypoint.core.type_engine.type_shapes import Fn


def _none_passes(step: Fn | None, default_is_none: bool) -> Fn | None:
    """mashumaro lets ``None`` through unconverted for a field whose default is ``None``, whatever its type."""
    if not default_is_none:
        return step
    return _none_or(step)


def _none_or(step: Fn | None) -> Fn | None:
    """``step``, letting ``None`` through unconverted (None for no step: everything passes through)."""
    if step is None:
        return None
    inner: Fn = step

    def none_or(v: Any) -> Any:
        return None if v is None else inner(v)

    return none_or


def _compose(outer: Fn, inner: Fn) -> Fn:
    def composed(v: Any) -> Any:
        return outer(inner(v))

    return composed


def _empty_list(_v: Any) -> list[Any]:
    return []


def _empty_tuple(_v: Any) -> tuple[()]:
    return ()


def _seq_encoder(step: Fn, tp: Any, elem_tp: Any) -> Fn:
    def enc_seq(v: Any) -> Any:
        try:
            return [step(x) for x in v]
        except Exception as exc:
            raise _locate_in_seq(v, step, elem_tp, exc, tp) from None

    if step is list:

        def enc_set(v: Any) -> Any:
            try:
                return list(v)
            except Exception as exc:
                raise _At((), tp, v, exc) from None

        return enc_set
    return enc_seq


def _fixed_tuple_encoder(steps: list[Fn | None], arg_types: list[Any], tp: Any) -> Fn:
    n = len(steps)
    pairs = list(enumerate(steps))

    def enc_tuple(v: Any) -> Any:
        try:
            return [v[i] if s is None else s(v[i]) for i, s in pairs]
        except Exception as exc:
            try:
                if len(v) < n:
                    raise _At((), tp, v, f"expected {n} items") from None
            except TypeError:
                raise _At((), tp, v, exc) from None
            for i, s in pairs:
                if s is None:
                    continue
                try:
                    s(v[i])
                except _At as inner:
                    raise inner.under(f"[{i}]") from None
                except Exception as e:
                    raise _At((f"[{i}]",), arg_types[i], v[i], e) from None
            raise _At((), tp, v, exc) from None

    return enc_tuple


def _map_step(kstep: Fn | None, vstep: Fn | None, ktp: Any, vtp: Any, tp: Any) -> Fn:
    """A dict's encoder or decoder: ``kstep``/``vstep`` on every key/value (None: kept as is)."""
    k = kstep or _identity
    val = vstep or _identity

    def map_step(v: Any) -> Any:
        try:
            return {k(key): val(value) for key, value in v.items()}
        except Exception as exc:
            raise _locate_in_map(v, kstep, vstep, ktp, vtp, exc, tp) from None

    return map_step


def _identity(v: Any) -> Any:
    return v


def _seq_decoder(step: Fn | None, wrap: Fn | None, tp: Any, elem_tp: Any) -> Fn:
    if step is None:
        if wrap is None:
            wrap = list

        def dec_plain(v: Any) -> Any:
            try:
                return wrap(v)
            except Exception as exc:
                raise _At((), tp, v, exc) from None

        return dec_plain

    if wrap is None:

        def dec_list(v: Any) -> Any:
            try:
                return [step(x) for x in v]
            except Exception as exc:
                raise _locate_in_seq(v, step, elem_tp, exc, tp) from None

        return dec_list

    def dec_wrapped(v: Any) -> Any:
        try:
            return wrap([step(x) for x in v])
        except Exception as exc:
            raise _locate_in_seq(v, step, elem_tp, exc, tp) from None

    return dec_wrapped


def _fixed_tuple_decoder(steps: list[Fn | None], arg_types: list[Any], tp: Any) -> Fn:
    pairs = list(enumerate(steps))

    def dec_tuple(v: Any) -> Any:
        try:
            return tuple([v[i] if s is None else s(v[i]) for i, s in pairs])
        except Exception as exc:
            for i, s in pairs:
                try:
                    item = v[i]
                except Exception as e:
                    raise _At((f"[{i}]",), arg_types[i], v, e) from None
                if s is None:
                    continue
                at = _fault(s, item, f"[{i}]", arg_types[i])
                if at is not None:
                    raise at from None
            raise _At((), tp, v, exc) from None

    return dec_tuple


# ---- generated dataclass functions ------------------------------------------------------------------------


_CODE: dict[tuple[str, str], types.CodeType] = {}


def _compiled(source: str, filename: str) -> types.CodeType:
    """``compile(source)``, once per source text: a codec compiled for another conversion (engine, sink) of the
    same dataclass execs the same code in a namespace of its own steps."""
    key = (source, filename)
    code = _CODE.get(key)
    if code is None:
        code = _CODE[key] = compile(source, filename, "exec")
    return code


def _generate_dataclass_encoder(cls: type, plan: list[tuple[str, Fn | None]], hints: dict[str, Any]) -> Fn:
    """``def enc(v): return {'x': v.x, 'inner': _e1(v.inner), ...}`` with a slow path that names the field."""
    namespace: dict[str, Any] = {}
    items: list[str] = []
    for i, (name, step) in enumerate(plan):
        access = f"v.{name}"  # dataclasses refuses field names that are not identifiers
        if step is None:
            items.append(f"{name!r}: {access}")
        else:
            namespace[f"_e{i}"] = step
            items.append(f"{name!r}: _e{i}({access})")
    source = (
        "def enc(v):\n"
        "    try:\n"
        f"        return {{{', '.join(items)}}}\n"
        "    except BaseException as exc:\n"
        "        raise _slow(v, exc) from None\n"
    )

    def slow(v: Any, exc: BaseException) -> BaseException:
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            return exc
        if not dataclasses.is_dataclass(v) or isinstance(v, type):
            return _At((), cls, v, f"expected a {cls.__qualname__} instance")
        for name, step in plan:
            segment = f".{name}"
            try:
                value = getattr(v, name)
            except Exception as e:
                return _At((segment,), hints.get(name, Any), v, e)
            if step is None:
                continue
            at = _fault(step, value, segment, hints.get(name, Any))
            if at is not None:
                return at
        return _At((), cls, v, exc)

    namespace["_slow"] = slow
    exec(_compiled(source, f"<flyte-entrypoint encoder {cls.__qualname__}>"), namespace)
    return typing.cast(Fn, namespace["enc"])


def _generate_dataclass_decoder(
    cls: type, plan: list[tuple[str, Fn | None, bool, bool]], hints: dict[str, Any]
) -> Fn:
    """``def dec(d): ... return cls(int(d['x']), **optional)``: missing optional keys keep their defaults.

    Required positional fields are passed positionally (they lead ``__init__``'s signature), the rest by keyword.
    """
    namespace: dict[str, Any] = {"_cls": cls}
    lines = ["def dec(d):", "    try:"]
    required_args: list[str] = []
    has_optional = False
    positional = True
    for i, (name, step, required, kw_only) in enumerate(plan):
        if step is not None:
            namespace[f"_d{i}"] = step
            expr = f"_d{i}(d[{name!r}])"
        else:
            expr = f"d[{name!r}]"
        if required and positional and not kw_only:
            required_args.append(expr)
            continue
        positional = False
        if required:
            required_args.append(f"{name}={expr}")
        else:
            has_optional = True
            lines.append(f"        if {name!r} in d:")
            lines.append(f"            kw[{name!r}] = {expr}")
    if has_optional:
        lines.insert(2, "        kw = {}")
        required_args.append("**kw")
    lines.append(f"        return _cls({', '.join(required_args)})")
    lines.append("    except BaseException as exc:")
    lines.append("        raise _slow(d, exc) from None")
    source = "\n".join(lines) + "\n"

    def slow(d: Any, exc: BaseException) -> BaseException:
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            return exc
        if not isinstance(d, dict):
            return _At((), cls, d, "expected a map of field names to values")
        for name, step, required, _kw_only in plan:
            segment = f".{name}"
            if name not in d:
                if required:
                    return _At((segment,), hints.get(name, Any), _MISSING_VALUE, "missing")
                continue
            if step is None:
                continue
            at = _fault(step, d[name], segment, hints.get(name, Any))
            if at is not None:
                return at
        return _At((), cls, d, exc)

    namespace["_slow"] = slow
    exec(_compiled(source, f"<flyte-entrypoint decoder {cls.__qualname__}>"), namespace)
    return typing.cast(Fn, namespace["dec"])


