"""JSON values <-> python values of a declared type, for tools that talk to people in JSON.

:func:`from_json` turns what a person typed (``{"a": 1, "when": "2024-01-02T03:04:05Z"}``) into the python
values a task's interface declares, so that the type engine, not this module, makes the literals (the
literals are then flytekit's, byte for byte). It is strict about kinds — a JSON string is never an int,
``true`` is never ``1`` — with the one widening flytekit also does, an integer where a float is declared.
A union takes the first variant that accepts the value without widening, then the first that accepts it
with widening (the strings ``"nan"``/``"inf"``/``"-inf"`` for a float count as widening, so a ``str``
variant takes them first). :func:`to_json` is the way back, used to show values decoded through an interface.

Conventions, the same in both directions (so ``show --task`` output can be fed to ``make``):
datetimes are ISO 8601 / RFC 3339 strings (``Z`` or an offset; a naive one is UTC, as in flytekit);
dates ``YYYY-MM-DD``; durations protobuf's ``"1.500s"`` (a JSON number of seconds is accepted too);
enums their value; dataclasses objects of their fields (a field the constructor does not take,
``init=False``, is written by :func:`to_json` and ignored by :func:`from_json`); files and directories
their URI or path (or a ``{"uri": ...}`` object as ``show`` prints blobs); non-finite floats ``"nan"``,
``"inf"``, ``"-inf"``.

Laws:

* ``property_tests/test_tools_laws.py``: for types whose union variants JSON can tell apart,
  ``to_literal(from_json(to_json(v), T))`` is ``to_literal(v)``, byte for byte (NaN payloads aside);
* ``property_tests/test_json_values_laws.py``: ``from_json(to_json(v), T) == Success(v)`` for every
  ``timedelta`` and every aware ``datetime`` a timestamp can hold (read back in UTC); ``from_json`` is
  total (a Success or a ``JsonValueError`` Failure for any JSON value).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import enum
import math
import re
import types
import typing
from typing import Any

from returns.result import Failure, Result, Success

from flyte_entrypoint.core.literal_view import duration_text, json_float


class JsonValueError(ValueError):
    """A JSON value does not fit the declared type; ``path`` says where (``.a[2]["k"]``)."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.message = message
        self.path = path


_DURATION = re.compile(r"^(-)?(\d+)(?:\.(\d{1,9}))?s$")
_NON_FINITE = {
    "nan": math.nan,
    "inf": math.inf,
    "-inf": -math.inf,
    "infinity": math.inf,
    "-infinity": -math.inf,
}


def _strip_annotated(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) is typing.Union or isinstance(tp, types.UnionType)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object" if isinstance(value, dict) else type(value).__name__


def _type_text(tp: Any) -> str:
    return (
        tp.__name__ if isinstance(tp, type) and not typing.get_args(tp) else repr(tp).replace("typing.", "")
    )


def _fail(value: Any, tp: Any, path: str, why: str = "") -> JsonValueError:
    return JsonValueError(f"expected {_type_text(tp)}, got {_kind(value)}{': ' + why if why else ''}", path)


def parse_datetime(text: str) -> datetime.datetime:
    """An ISO 8601 / RFC 3339 timestamp (``Z`` allowed); a naive one is taken as UTC."""
    fixed = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    parsed = datetime.datetime.fromisoformat(fixed)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=datetime.timezone.utc)


def parse_duration(value: Any) -> datetime.timedelta:
    """``"1.500s"`` (protobuf JSON) or a number of seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.timedelta(seconds=value)
    if isinstance(value, str):
        m = _DURATION.match(value.strip())
        if m:
            sign = -1 if m.group(1) else 1
            micros = int(f"{m.group(3) or ''}000000"[:6])  # nanoseconds below a microsecond are cut
            return sign * datetime.timedelta(seconds=int(m.group(2)), microseconds=micros)
    raise ValueError(f"not a duration: {value!r} (use seconds, or a string like '1.5s')")


def _convert(value: Any, tp: Any, path: str, widen: bool) -> Any:
    tp = _strip_annotated(tp)
    if tp is typing.Any or tp is object:
        return value
    if tp is None or tp is type(None):
        if value is not None:
            raise _fail(value, None, path)
        return None
    if _is_union(tp):
        return _convert_union(value, typing.get_args(tp), tp, path, widen)
    if tp is bool:
        if not isinstance(value, bool):
            raise _fail(value, tp, path)
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(value, tp, path)
        return value
    if tp is float:
        if widen and isinstance(value, str) and value.lower() in _NON_FINITE:
            return _NON_FINITE[value.lower()]
        if isinstance(value, float) or (widen and isinstance(value, int) and not isinstance(value, bool)):
            return float(value)
        raise _fail(value, tp, path)
    if tp is str:
        if not isinstance(value, str):
            raise _fail(value, tp, path)
        return value
    if tp is bytes:
        if not isinstance(value, str):
            raise _fail(value, tp, path)
        try:
            return base64.b64decode(value)
        except ValueError as exc:  # binascii.Error: bad padding or length
            raise _fail(value, tp, path, str(exc)) from None
    if tp is datetime.datetime:
        if not isinstance(value, str):
            raise _fail(value, tp, path)
        try:
            return parse_datetime(value)
        except ValueError as exc:
            raise _fail(value, tp, path, str(exc)) from None
    if tp is datetime.date:
        if not isinstance(value, str):
            raise _fail(value, tp, path)
        try:
            return datetime.date.fromisoformat(value)
        except ValueError as exc:
            raise _fail(value, tp, path, str(exc)) from None
    if tp is datetime.timedelta:
        try:
            return parse_duration(value)
        except ValueError as exc:
            raise _fail(value, tp, path, str(exc)) from None
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        for member in tp:
            if member.value == value:
                return member
        for member in tp:
            if member.name == value:
                return member
        allowed = ", ".join(repr(m.value) for m in tp)
        raise JsonValueError(f"{value!r} is not a {tp.__name__} (one of {allowed})", path)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _convert_dataclass(value, tp, path, widen)
    origin = typing.get_origin(tp)
    if origin is list or tp is list:
        if not isinstance(value, list):
            raise _fail(value, tp, path)
        (element,) = typing.get_args(tp) or (typing.Any,)
        return [_convert(v, element, f"{path}[{i}]", widen) for i, v in enumerate(value)]
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            raise _fail(value, tp, path)
        key_type, value_type = typing.get_args(tp) or (typing.Any, typing.Any)
        return {
            _convert_key(k, key_type, path): _convert(v, value_type, f"{path}[{k!r}]", widen)
            for k, v in value.items()
        }
    blob = _blob(value, tp, path)
    if blob is not None:
        return blob
    raise JsonValueError(f"values of type {_type_text(tp)} cannot be written as JSON", path)


def _convert_key(key: str, key_type: Any, path: str) -> Any:
    key_type = _strip_annotated(key_type)
    if key_type in (str, typing.Any):
        return key
    if key_type is int:
        try:
            return int(key)
        except ValueError:
            raise JsonValueError(f"map key {key!r} is not an int", path) from None
    raise JsonValueError(f"map keys of type {_type_text(key_type)} cannot be written as JSON", path)


def _convert_union(value: Any, variants: tuple[Any, ...], tp: Any, path: str, widen: bool) -> Any:
    for attempt_widen in (False, True) if widen else (False,):
        for variant in variants:
            try:
                return _convert(value, variant, path, attempt_widen)
            except JsonValueError:
                pass
    raise _fail(value, tp, path, "no variant accepts it")


def _convert_dataclass(value: Any, tp: type, path: str, widen: bool) -> Any:
    if not isinstance(value, dict):
        raise _fail(value, tp, path)
    hints = typing.get_type_hints(tp)
    every = dataclasses.fields(tp)
    fields = {f.name: f for f in every if f.init}
    unknown = sorted(set(value) - {f.name for f in every})  # init=False fields: written by to_json, ignored here
    if unknown:
        raise JsonValueError(f"{tp.__name__} has no field {unknown[0]!r}", path)
    kwargs = {}
    for name, field in fields.items():
        if name in value:
            kwargs[name] = _convert(value[name], hints.get(name, typing.Any), f"{path}.{name}", widen)
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise JsonValueError(f"{tp.__name__} needs field {name!r}", path)
    return tp(**kwargs)


def _blob(value: Any, tp: Any, path: str) -> Any:
    """A FlyteFile/FlyteDirectory (or os.PathLike) from its URI or path, or None if ``tp`` is not one.

    The declared class is built (recognised by name: the core does not import the api package); for
    ``os.PathLike`` the path string itself, which the type engine writes as the same literal (never uploaded)."""
    from flyte_entrypoint.core.type_engine.blob import is_pathlike_type
    from flyte_entrypoint.core.type_engine.recognize import is_directory_class, is_file_class

    pathlike = is_pathlike_type(tp)
    cls = typing.get_origin(tp) or tp
    if not pathlike and not (is_file_class(cls) or is_directory_class(cls)):
        return None
    uri = value.get("uri") if isinstance(value, dict) else value
    if not isinstance(uri, str):
        raise _fail(value, tp, path, "give a URI or path string")
    if pathlike:
        return uri
    if is_directory_class(cls):
        return cls(uri, remote_directory=False)
    return cls(uri, remote_path=False)


def from_json(value: Any, tp: Any, path: str = "") -> Result[Any, JsonValueError]:
    """The python value of declared type ``tp`` that the JSON value ``value`` stands for."""
    try:
        return Success(_convert(value, tp, path, widen=True))
    except JsonValueError as exc:
        return Failure(exc)
    except RecursionError:
        return Failure(JsonValueError("the value is nested too deeply", path))


def _timestamp(value: datetime.datetime) -> str:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=datetime.timezone.utc)
    utc = aware.astimezone(datetime.timezone.utc)
    return utc.replace(tzinfo=None).isoformat() + "Z"


def _duration(value: datetime.timedelta) -> str:
    return duration_text(value.days * 86400 + value.seconds, value.microseconds * 1000)


def to_json(value: Any) -> Any:
    """A python value (as a task gets or returns it) as JSON-ready data, in this module's conventions."""
    from flyte_entrypoint.core.type_engine.recognize import is_directory_class, is_file_class

    if value is None or isinstance(value, (int, str)):  # bool is an int
        return value.value if isinstance(value, enum.Enum) else value
    if isinstance(value, enum.Enum):
        return to_json(value.value)
    if isinstance(value, float):
        return json_float(value)
    if isinstance(value, datetime.datetime):
        return _timestamp(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return _duration(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if is_file_class(type(value)) or is_directory_class(type(value)):
        return value.remote_source or str(value.path)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    columns = getattr(value, "columns", None)
    if columns is not None and hasattr(value, "shape"):
        return {"dataframe": {"columns": [str(c) for c in columns], "rows": int(value.shape[0])}}
    return repr(value)
