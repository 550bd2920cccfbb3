"""The ``_F_SS_C`` transport encoding of SerializationSettings (PROTOCOL §4.1), for the core.

The codec is a converter of the settings records, so it lives with them in
``schemas.settings_transport`` (``SerializationSettings.from_transport``/``serialized_context`` use it
too); this module is the core's name for the same functions.

Laws (``property_tests/test_settings_laws.py``): ``decode(encode(ss)) == ss`` for any settings, the
encoding is byte-stable and starts with the fixed gzip header, and ``decode`` is total: any text gives
a value or a ``SerializedContextError``, never an exception.
"""

from __future__ import annotations

from flyte_entrypoint.schemas.settings_transport import (
    SERIALIZED_CONTEXT_ENV_VAR,
    SerializedContextError,
    decode_serialized_context,
    encode_serialized_context,
    gzip_deterministic,
    serialized_context,
    with_serialized_context,
)

__all__ = [
    "SERIALIZED_CONTEXT_ENV_VAR",
    "SerializedContextError",
    "decode_serialized_context",
    "encode_serialized_context",
    "gzip_deterministic",
    "serialized_context",
    "with_serialized_context",
]
