"""Protobuf base-128 varints: the one implementation the wire builders share (``msgpack_wire`` and ``fastwire``).

Both build serialized protobuf messages as bytes directly (a length prefix before every embedded message), so both
need the varint of a length; :data:`SMALL_VARINTS` is the table of the one- and two-byte ones (lengths below 16384,
the common case), looked up instead of computed.

Laws (``property_tests/test_wire_laws.py``):

* ``varint(n)`` is the payload protobuf writes for ``n`` in a ``uint64`` field, for every ``0 <= n < 2**64``
  (``test_varint_is_protobufs_encoding``);
* ``SMALL_VARINTS[n] == varint(n)`` for ``n < 16384``, and those are exactly the one- and two-byte varints
  (``test_varint_is_protobufs_encoding``, ``test_small_varints_table_covers_exactly_the_two_byte_varints``).
"""

from __future__ import annotations

from typing import Final

__all__ = ["SMALL_VARINTS", "varint"]


def varint(n: int) -> bytes:
    """The base-128 varint of the non-negative ``n`` (low 7-bit groups first, high bit = more follows)."""
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


SMALL_VARINTS: Final = [bytes((i,)) for i in range(0x80)] + [
    bytes(((i & 0x7F) | 0x80, i >> 7)) for i in range(0x80, 1 << 14)
]  # the varints of 0..16383 (one or two bytes), built without calling varint 16k times at import
