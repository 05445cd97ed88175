"""How ids are stored: one format byte, then each id as a little-endian int64.

Eight bytes an id whatever its size, decoded with one ``struct.unpack``; the format byte
lets a later format coexist with entries written by this one.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from segue.errors import InvalidInput

__all__ = ["CorruptValueError", "decode_ids", "encode_ids"]

_FORMAT_V1 = b"\x01"
_ID_SIZE = 8


class CorruptValueError(ValueError):
    """A stored value is not in a format this code writes."""


def encode_ids(ids: Sequence[int]) -> bytes:
    """The stored form of ``ids``; :class:`InvalidInput` if one is not an int64.

    >>> encode_ids([1, 2]).hex()
    '0101000000000000000200000000000000'
    >>> decode_ids(encode_ids([3, 1, 2]))
    [3, 1, 2]
    """
    try:
        return _FORMAT_V1 + struct.pack(f"<{len(ids)}q", *ids)
    except struct.error as exc:  # not an integer, or outside int64
        raise InvalidInput(f"cannot cache these ids: {exc}") from exc


def decode_ids(value: bytes | str) -> list[int]:
    if isinstance(value, str):  # a client decoding responses to text cannot read binary
        raise CorruptValueError("got text, expected bytes: use decode_responses=False")
    body = value[1:]
    if value[:1] != _FORMAT_V1 or len(body) % _ID_SIZE:
        raise CorruptValueError(f"{len(value)} bytes starting {value[:8]!r}")
    return list(struct.unpack(f"<{len(body) // _ID_SIZE}q", body))
