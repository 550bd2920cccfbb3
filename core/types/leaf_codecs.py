"""StructuredDataset and FlyteSchema values inside dataclasses (and pydantic models): flytekit's stored maps.

``struct.py``'s codec delegates these leaves here. Each is converted by the type engine (so the dataset is written
and its upload planned like any output) and stored as what flytekit's ``_serialize`` stores: ``{"uri",
"file_format"}`` for a StructuredDataset, ``{"remote_path"}`` for a FlyteSchema; reading builds the literal back and
asks the engine. The engine and sink come from the conversion in progress (``struct.current_conversion``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flyteidl.core import literals_pb2

from flyte_entrypoint.core.types import struct

__all__ = ["decoder", "encoder"]

Fn = Callable[[Any], Any]


def encoder(tp: Any, kind: str) -> Fn:
    return _structured_encoder(tp) if kind == "structured" else _schema_encoder(tp)


def decoder(tp: Any, kind: str) -> Fn:
    return _structured_decoder(tp) if kind == "structured" else _schema_decoder(tp)


def _structured_encoder(tp: Any) -> Fn:
    """A ``StructuredDataset`` field: written by the engine, stored as ``{"uri", "file_format"}`` (flytekit's)."""

    def enc_structured(v: Any) -> Any:
        from flyte_entrypoint.core.types.structured import sd_to_dict

        engine, sink = struct.current_conversion()
        return sd_to_dict(engine.to_literal(v, tp, sink))

    return enc_structured


def _structured_decoder(tp: Any) -> Fn:
    def dec_structured(v: Any) -> Any:
        from flyte_entrypoint.core.types.structured import sd_from_dict

        engine, sink = struct.current_conversion()
        if not isinstance(v, dict):
            raise ValueError(f"expected a map with a 'uri' string, got {v!r:.80}")
        return engine.to_python(sd_from_dict(v), tp, sink)

    return dec_structured


def _schema_encoder(tp: Any) -> Fn:
    """A ``FlyteSchema`` field: written by the engine (its folder uploaded), stored as ``{"remote_path"}``."""

    def enc_schema(v: Any) -> Any:
        engine, sink = struct.current_conversion()
        return {"remote_path": engine.to_literal(v, tp, sink).scalar.schema.uri}

    return enc_schema


def _schema_decoder(tp: Any) -> Fn:
    def dec_schema(v: Any) -> Any:
        engine, sink = struct.current_conversion()
        path = v.get("remote_path") if isinstance(v, dict) else None
        if not isinstance(path, str):
            raise ValueError("FlyteSchema's path should not be None")
        lit = literals_pb2.Literal()
        lit.scalar.schema.uri = path
        lit.scalar.schema.type.CopyFrom(engine.literal_type(tp).schema)
        return engine.to_python(lit, tp, sink)

    return dec_schema
