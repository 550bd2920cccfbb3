"""The engine-delegated leaves of the dataclass codec: FlyteFile/FlyteDirectory, StructuredDataset and FlyteSchema
values inside dataclasses (and pydantic models), stored as flytekit's maps.

The builtins codec (``builtin_codec.py``) delegates these leaves here. Each is converted by the type engine (so a
file is uploaded, a dataset written, and the upload planned like any output's) and stored as what flytekit's
``_serialize`` stores: ``{"path": <uri>}`` (plus a file's ``metadata``) for a FlyteFile/FlyteDirectory,
``{"uri", "file_format"}`` for a StructuredDataset, ``{"remote_path"}`` for a FlyteSchema; reading builds the
literal back and asks the engine.

The engine and the sink are passed explicitly: every leaf is a ``(value, conversion) -> value`` function and the
:class:`Conversion` (engine, sink) is an argument, bound by the codec compiled for that conversion (or, for
pydantic models, carried in pydantic's validation/serialization context). No per-thread or global state: two
conversions running at once cannot see each other's engine. A leaf reached without one (``None``: a dataclass
with a FlyteFile field converted outside the type engine) is a ``ConversionError``.

Laws:

* round trip: a leaf stored through the engine reads back as the same remote location (a file with the same
  metadata), whatever the URI (``property_tests/test_leaf_codec_laws.py::test_stored_leaves_read_back_as_the_same_locations``);
* ``uses_engine(X)`` is true exactly when a leaf is reachable in ``X``, through lists, optionals, dicts, tuples and
  dataclass fields (``property_tests/test_leaf_codec_laws.py::test_uses_engine_sees_through_containers``);
* the stored shapes are flytekit's ``_serialize`` ones (``tests/test_leaf_codecs.py``, expected values from the
  oracle's sources).
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any, NamedTuple

from flyteidl.core import literals_pb2

from flyte_entrypoint.core.type_engine.codec_errors import _short_repr
from flyte_entrypoint.core.type_engine.engine import ConversionError, Engine, Sink
from flyte_entrypoint.core.type_engine.type_shapes import (
    _is_dataclass_type,
    blob_kind,
    field_hints,
    strip_type,
)

__all__ = ["Conversion", "Leaf", "leaf_decoder", "leaf_encoder", "uses_engine"]


class Conversion(NamedTuple):
    """The engine and the sink of one conversion: what an engine-delegated leaf needs."""

    engine: Engine
    sink: Sink


Leaf = Callable[[Any, "Conversion | None"], Any]
"""An engine-delegated leaf step: ``(value, conversion) -> converted value``."""


def _need(conversion: Conversion | None) -> Conversion:
    if conversion is None:
        raise ConversionError("a FlyteFile/FlyteDirectory inside a dataclass needs the type engine's context")
    return conversion


def leaf_encoder(tp: Any) -> Leaf | None:
    """The encoder of a FlyteFile/FlyteDirectory/StructuredDataset/FlyteSchema class (None for other types)."""
    kind = blob_kind(tp)
    if kind is None:
        return None
    if kind == "structured":
        return _structured_encoder(tp)
    if kind == "schema":
        return _schema_encoder(tp)
    return _blob_encoder(tp, kind)


def leaf_decoder(tp: Any) -> Leaf | None:
    """The decoder of a FlyteFile/FlyteDirectory/StructuredDataset/FlyteSchema class (None for other types)."""
    kind = blob_kind(tp)
    if kind is None:
        return None
    if kind == "structured":
        return _structured_decoder(tp)
    if kind == "schema":
        return _schema_decoder(tp)
    return _blob_decoder(tp)


def _structured_encoder(tp: Any) -> Leaf:
    """A ``StructuredDataset`` field: written by the engine, stored as ``{"uri", "file_format"}`` (flytekit's)."""

    def enc_structured(v: Any, conversion: Conversion | None) -> Any:
        from flyte_entrypoint.core.type_engine.structured import sd_to_dict

        engine, sink = _need(conversion)
        return sd_to_dict(engine.to_literal(v, tp, sink))

    return enc_structured


def _structured_decoder(tp: Any) -> Leaf:
    def dec_structured(v: Any, conversion: Conversion | None) -> Any:
        from flyte_entrypoint.core.type_engine.structured import sd_from_dict

        engine, sink = _need(conversion)
        if not isinstance(v, dict):
            raise ValueError(f"expected a map with a 'uri' string, got {v!r:.80}")
        return engine.to_python(sd_from_dict(v), tp, sink)

    return dec_structured


def _schema_encoder(tp: Any) -> Leaf:
    """A ``FlyteSchema`` field: written by the engine (its folder uploaded), stored as ``{"remote_path"}``."""

    def enc_schema(v: Any, conversion: Conversion | None) -> Any:
        engine, sink = _need(conversion)
        return {"remote_path": engine.to_literal(v, tp, sink).scalar.schema.uri}

    return enc_schema


def _schema_decoder(tp: Any) -> Leaf:
    def dec_schema(v: Any, conversion: Conversion | None) -> Any:
        engine, sink = _need(conversion)
        path = v.get("remote_path") if isinstance(v, dict) else None
        if not isinstance(path, str):
            raise ValueError("FlyteSchema's path should not be None")
        lit = literals_pb2.Literal()
        lit.scalar.schema.uri = path  # the schema transformer reads only the uri (the columns come from ``tp``)
        return engine.to_python(lit, tp, sink)

    return dec_schema


def _blob_encoder(tp: Any, kind: str) -> Leaf:
    """A ``FlyteFile``/``FlyteDirectory`` field: uploaded by the engine, stored as ``{"path"}`` (+ ``metadata``)."""

    def enc_blob(v: Any, conversion: Conversion | None) -> Any:
        engine, sink = _need(conversion)
        lit = engine.to_literal(v, tp, sink)
        out: dict[str, Any] = {"path": lit.scalar.blob.uri}
        if kind == "file" and lit.metadata:
            out["metadata"] = dict(lit.metadata)
        return out

    return enc_blob


def _blob_decoder(tp: Any) -> Leaf:
    def dec_blob(v: Any, conversion: Conversion | None) -> Any:
        engine, sink = _need(conversion)
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
    return any(_uses_engine(a, seen) for a in typing.get_args(tp))  # Ellipsis, Literal values...: never a leaf
