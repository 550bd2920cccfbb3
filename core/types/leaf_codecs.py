"""The engine-delegated leaves of the dataclass codec: FlyteFile/FlyteDirectory, StructuredDataset and FlyteSchema
values inside dataclasses (and pydantic models), stored as flytekit's maps.

The builtins codec (``builtin_codec.py``) delegates these leaves here. A FlyteFile/FlyteDirectory is stored as
``{"path": <uri>}`` (plus a file's ``metadata``). Each is converted by the type engine (so the dataset is written
and its upload planned like any output) and stored as what flytekit's ``_serialize`` stores: ``{"uri",
"file_format"}`` for a StructuredDataset, ``{"remote_path"}`` for a FlyteSchema; reading builds the literal back and
asks the engine. The engine and sink come from the conversion in progress (:func:`current_conversion`).
"""

from __future__ import annotations

import threading
import typing
from typing import Any

from flyteidl.core import literals_pb2

from flyte_entrypoint.core.types.codec_errors import _short_repr
from flyte_entrypoint.core.types.engine import ConversionError, Engine, Sink
from flyte_entrypoint.core.types.type_shapes import Fn, _is_dataclass_type, blob_kind, field_hints, strip_type

__all__ = ["conversion_scope", "current_conversion", "decoder", "encoder", "leaf_decoder", "leaf_encoder", "uses_engine"]


def encoder(tp: Any, kind: str) -> Fn:
    return _structured_encoder(tp) if kind == "structured" else _schema_encoder(tp)


def decoder(tp: Any, kind: str) -> Fn:
    return _structured_decoder(tp) if kind == "structured" else _schema_decoder(tp)


def _structured_encoder(tp: Any) -> Fn:
    """A ``StructuredDataset`` field: written by the engine, stored as ``{"uri", "file_format"}`` (flytekit's)."""

    def enc_structured(v: Any) -> Any:
        from flyte_entrypoint.core.types.structured import sd_to_dict

        engine, sink = current_conversion()
        return sd_to_dict(engine.to_literal(v, tp, sink))

    return enc_structured


def _structured_decoder(tp: Any) -> Fn:
    def dec_structured(v: Any) -> Any:
        from flyte_entrypoint.core.types.structured import sd_from_dict

        engine, sink = current_conversion()
        if not isinstance(v, dict):
            raise ValueError(f"expected a map with a 'uri' string, got {v!r:.80}")
        return engine.to_python(sd_from_dict(v), tp, sink)

    return dec_structured


def _schema_encoder(tp: Any) -> Fn:
    """A ``FlyteSchema`` field: written by the engine (its folder uploaded), stored as ``{"remote_path"}``."""

    def enc_schema(v: Any) -> Any:
        engine, sink = current_conversion()
        return {"remote_path": engine.to_literal(v, tp, sink).scalar.schema.uri}

    return enc_schema


def _schema_decoder(tp: Any) -> Fn:
    def dec_schema(v: Any) -> Any:
        engine, sink = current_conversion()
        path = v.get("remote_path") if isinstance(v, dict) else None
        if not isinstance(path, str):
            raise ValueError("FlyteSchema's path should not be None")
        lit = literals_pb2.Literal()
        lit.scalar.schema.uri = path
        lit.scalar.schema.type.CopyFrom(engine.literal_type(tp).schema)
        return engine.to_python(lit, tp, sink)

    return dec_schema


# ---- engine-delegated leaves (FlyteFile / FlyteDirectory fields) -------------------------------------------

_LOCAL = threading.local()


def current_conversion() -> tuple[Engine, Sink]:
    """The engine and sink of the conversion in progress (set by :func:`conversion_scope`)."""
    return _current_conversion()


def _current_conversion() -> tuple[Engine, Sink]:
    ctx = getattr(_LOCAL, "conversion", None)
    if ctx is None:
        raise ConversionError("a FlyteFile/FlyteDirectory inside a dataclass needs the type engine's context")
    return typing.cast("tuple[Engine, Sink]", ctx)


def _blob_encoder(tp: Any, kind: str) -> Fn:
    if kind in ("structured", "schema"):
        return encoder(tp, kind)

    def enc_blob(v: Any) -> Any:
        engine, sink = _current_conversion()
        lit = engine.to_literal(v, tp, sink)
        out: dict[str, Any] = {"path": lit.scalar.blob.uri}
        if kind == "file" and lit.metadata:
            out["metadata"] = dict(lit.metadata)
        return out

    return enc_blob


def _blob_decoder(tp: Any) -> Fn:
    kind = blob_kind(tp)
    if kind in ("structured", "schema"):
        return decoder(tp, kind)

    def dec_blob(v: Any) -> Any:
        engine, sink = _current_conversion()
        path = v.get("path") if isinstance(v, dict) else None
        if not isinstance(path, str):
            raise ValueError(f"expected a map with a 'path' string, got {_short_repr(v)}")
        lit = literals_pb2.Literal()
        blob = lit.scalar.blob
        blob.uri = path
        blob.metadata.type.CopyFrom(engine.literal_type(tp).blob)
        meta = v.get("metadata")
        if isinstance(meta, dict):
            lit.metadata.update({str(k): str(x) for k, x in meta.items()})
        return engine.to_python(lit, tp, sink)

    return dec_blob


_USES_ENGINE: dict[Any, bool] = {}


def uses_engine(tp: Any) -> bool:
    """Does encoding/decoding ``tp`` reach a FlyteFile/FlyteDirectory (which needs the engine and the sink)?"""
    try:
        return _USES_ENGINE[tp]
    except KeyError:
        pass
    except TypeError:
        return _uses_engine(tp, set())
    found = _uses_engine(tp, set())
    _USES_ENGINE[tp] = found
    return found


def _uses_engine(tp: Any, seen: set[int]) -> bool:
    tp = strip_type(tp)
    if id(tp) in seen:
        return False
    seen.add(id(tp))
    if blob_kind(tp) is not None:
        return True
    if _is_dataclass_type(tp):
        return any(_uses_engine(t, seen) for t in field_hints(tp).values())
    return any(
        _uses_engine(a, seen)
        for a in typing.get_args(tp)
        if a is not Ellipsis and not isinstance(a, (str, int))
    )


class _Conversion:
    """``with _Conversion(engine, sink):`` makes them visible to the blob leaves (restored on exit)."""

    __slots__ = ("_new", "_previous")

    def __init__(self, engine: Engine, sink: Sink) -> None:
        self._new = (engine, sink)
        self._previous: Any = None

    def __enter__(self) -> None:
        self._previous = getattr(_LOCAL, "conversion", None)
        _LOCAL.conversion = self._new

    def __exit__(self, *exc: object) -> None:
        _LOCAL.conversion = self._previous


def conversion_scope(engine: Engine, sink: Sink) -> _Conversion:
    """``with conversion_scope(engine, sink):`` lets FlyteFile/FlyteDirectory/StructuredDataset leaves reach both."""
    return _Conversion(engine, sink)


def leaf_encoder(tp: Any) -> Fn | None:
    """The codec's encoder for a FlyteFile/FlyteDirectory/StructuredDataset class (None for other types)."""
    kind = blob_kind(tp)
    return None if kind is None else _blob_encoder(tp, kind)


def leaf_decoder(tp: Any) -> Fn | None:
    return None if blob_kind(tp) is None else _blob_decoder(tp)
