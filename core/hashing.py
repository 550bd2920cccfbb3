"""``compute_hash_string``: the literal hash flytekit uses for offloaded literals (PROTOCOL §11).

canonical JSON = ``json.dumps(MessageToDict(message), sort_keys=True, separators=(",", ":"))`` with
protobuf's default JSON mapping (lowerCamelCase names, int64 as strings, bytes as base64, enums by
name, well-known types in their JSON forms, proto3 defaults omitted but set oneof members kept) and
Python's default ``ensure_ascii=True`` and float ``repr``. The hash is the standard base64 (padded, 44
characters) of the SHA-256 of that string's UTF-8 bytes.

Laws (``property_tests/test_hashing_laws.py``): the hash is 44 characters of base64 over 32 bytes;
it depends only on the message's value (equal messages, however built or re-parsed, hash equal;
distinct integers hash apart); ``canonical_json`` is ``MessageToDict`` dumped sorted and compact; an
unmappable message is a ``ValueError``; and it equals flytekit's ``hash`` on generated literals.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

__all__ = ["canonical_json", "compute_hash", "compute_hash_string"]


def canonical_json(message: Message) -> str:
    """The canonical JSON text of ``message``; ``ValueError`` if protobuf cannot map it to JSON."""
    try:
        as_dict: dict[str, Any] = json_format.MessageToDict(message)
        return json.dumps(as_dict, sort_keys=True, separators=(",", ":"))
    except Exception as e:  # e.g. a Timestamp outside 0001..9999, or a non-message argument
        raise ValueError(
            f"Failed to marshal Protobuf object of type {type(message).__name__} to JSON: {e}"
        ) from e


def compute_hash(message: Message) -> bytes:
    """SHA-256 (32 bytes) of :func:`canonical_json`."""
    return hashlib.sha256(canonical_json(message).encode("utf-8")).digest()


def compute_hash_string(message: Message) -> str:
    """Standard base64 of :func:`compute_hash`: the value flytekit stores as ``Literal.hash``."""
    return base64.b64encode(compute_hash(message)).decode("ascii")
