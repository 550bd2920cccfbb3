"""The transformers, in priority order (first match wins), and the engine built from them."""

from __future__ import annotations

from flyte_entrypoint.core.types.engine import Engine, Transformer


def _transformers() -> list[Transformer]:
    found: list[Transformer] = []
    return found


ENGINE = Engine(_transformers())
