"""The ``_F_SS_C`` transport encoding (a converter, pure: it lives with the records it encodes) of SerializationSettings (PROTOCOL §4.1).

``encode``: settings → flytekit-shaped JSON → gzip (``mtime=0``, level 9, no file name; the 10-byte
header ``1f8b08000000000002ff``) → standard base64 with padding. ``decode`` reverses it.

The gzip member is assembled by hand (raw deflate + header + CRC32/size trailer) rather than with
``gzip.compress``: CPython 3.11's ``gzip.compress(..., mtime=0)`` delegates to zlib and writes OS byte
``03`` instead of ``ff``, which would change the value flytekit (``GzipFile`` over a ``BytesIO``) emits.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import zlib
from collections.abc import Mapping

import attrs
import cattrs
from returns.result import Failure, Result, Success

from flyte_entrypoint.schemas.settings import SerializationSettings, from_dict, to_json

__all__ = [
    "SERIALIZED_CONTEXT_ENV_VAR",
    "SerializedContextError",
    "decode_serialized_context",
    "encode_serialized_context",
    "gzip_deterministic",
    "serialized_context",
    "with_serialized_context",
]

SERIALIZED_CONTEXT_ENV_VAR = "_F_SS_C"  # the same name as core.env.SERIALIZED_CONTEXT_ENV_VAR

# ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=2 (max compression) OS=255 (unknown), as Python's GzipFile writes it.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"


class SerializedContextError(ValueError):
    """``_F_SS_C`` could not be decoded: not base64, not gzip, not JSON, or not SerializationSettings."""


def gzip_deterministic(data: bytes) -> bytes:
    """A single gzip member exactly as ``GzipFile(fileobj=BytesIO(), mode="wb", mtime=0)`` writes it."""
    deflater = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS, zlib.DEF_MEM_LEVEL, 0)
    body = deflater.compress(data) + deflater.flush()
    trailer = zlib.crc32(data).to_bytes(4, "little") + (len(data) & 0xFFFFFFFF).to_bytes(4, "little")
    return _GZIP_HEADER + body + trailer


def encode_serialized_context(ss: SerializationSettings) -> str:
    """The ``_F_SS_C`` value for ``ss`` (always freshly encoded; see :func:`serialized_context`)."""
    return base64.b64encode(gzip_deterministic(to_json(ss).encode("utf-8"))).decode("ascii")


def decode_serialized_context(s: str) -> Result[SerializationSettings, SerializedContextError]:
    """Parse an ``_F_SS_C`` value. Like flytekit, base64 decoding skips non-alphabet characters."""
    try:
        raw = base64.b64decode(s.encode("utf-8"))
    except (binascii.Error, UnicodeEncodeError) as e:
        return Failure(SerializedContextError(f"_F_SS_C is not valid base64: {e}"))
    try:
        text = gzip.decompress(raw).decode("utf-8")
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as e:
        return Failure(SerializedContextError(f"_F_SS_C is not gzip-compressed UTF-8 JSON: {e}"))
    try:
        data = json.loads(text)
    except ValueError as e:
        return Failure(SerializedContextError(f"_F_SS_C does not hold JSON: {e}"))
    if not isinstance(data, dict):
        return Failure(SerializedContextError(f"_F_SS_C holds a JSON {type(data).__name__}, not an object"))
    try:
        return Success(from_dict(SerializationSettings, data))
    except Exception as e:  # any structuring failure is a bad value, never a crash
        detail = (
            "; ".join(cattrs.transform_error(e)) if isinstance(e, cattrs.BaseValidationError) else repr(e)
        )
        return Failure(SerializedContextError(f"_F_SS_C does not hold SerializationSettings: {detail}"))


def serialized_context(ss: SerializationSettings) -> str:
    """flytekit's ``SerializationSettings.serialized_context``: an ``_F_SS_C`` already in ``ss.env`` wins."""
    if ss.env and SERIALIZED_CONTEXT_ENV_VAR in ss.env:
        existing: str = ss.env[SERIALIZED_CONTEXT_ENV_VAR]
        return existing
    return encode_serialized_context(ss)


def with_serialized_context(ss: SerializationSettings) -> SerializationSettings:
    """``ss`` with ``env[_F_SS_C]`` set to its own encoding (unchanged if it is already there)."""
    if ss.env and SERIALIZED_CONTEXT_ENV_VAR in ss.env:
        return ss
    env: Mapping[str, str] = {**(ss.env or {}), SERIALIZED_CONTEXT_ENV_VAR: encode_serialized_context(ss)}
    return attrs.evolve(ss, env=env)
