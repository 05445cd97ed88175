"""How rankings are stored: one format byte, then little-endian int64 ids.

Format 1 is the ids alone (``0x01``, then each id). Format 2 is a ranking as the service
caches it (``0x02``, how many candidates were asked for as a uint32, a flag byte, then the
``n`` ids, then ``n`` "because" ids: for each suggestion, the playlist track it sounds
most like). Eight bytes an id whatever its size, decoded with one ``struct.unpack``; the
format byte lets the formats coexist. The flag byte's bit 0 is ``complete``, bit 1
``provisional`` (added later: an entry written before has it clear, and still decodes).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence

from segue.errors import InvalidInput

__all__ = ["CachedRanking", "CorruptValueError", "decode_ids", "encode_ids"]

_FORMAT_V1 = b"\x01"
_FORMAT_V2 = 2
_HEADER_V2 = struct.Struct("<BIB")  # format, candidates asked for, flags
_COMPLETE = 0x01
_PROVISIONAL = 0x02
_ID_SIZE = 8


class CorruptValueError(ValueError):
    """A stored value is not in a format this code writes."""


class CachedRanking(list[int]):
    """Ranked ids (a list, best first) with what the service stores beside them.

    ``because[i]`` is the playlist track ``self[i]`` sounds most like (empty when not
    stored); ``asked`` how many candidates the computation asked the store for;
    ``complete`` whether the store had no more than it gave, so a longer computation
    would find nothing new; ``provisional`` whether it was computed in a way that is cached
    only briefly (the fallback plan under load, or a store read that may be stale), so a
    longer ranking must not keep it as its start (it would outlive its short TTL).

        >>> r = CachedRanking([88, 3], because=[12, 40], asked=50, complete=True)
        >>> decode_ids(encode_ids(r)) == r, decode_ids(encode_ids(r)).because
        (True, [12, 40])
    """

    __slots__ = ("asked", "because", "complete", "provisional")

    def __init__(
        self,
        ids: Iterable[int] = (),
        *,
        because: Iterable[int] = (),
        asked: int | None = None,
        complete: bool = False,
        provisional: bool = False,
    ) -> None:
        super().__init__(ids)
        self.because: list[int] = list(because)
        if self.because and len(self.because) != len(self):
            raise InvalidInput(f"{len(self.because)} because ids for {len(self)} ids")
        self.asked: int = len(self) if asked is None else asked
        self.complete = complete
        self.provisional = provisional


def encode_ids(ids: Sequence[int]) -> bytes:
    """The stored form of ``ids`` (format 2 for a :class:`CachedRanking` with its
    ``because`` ids, else format 1); :class:`InvalidInput` if one is not an int64, or for
    a provisional ranking without ``because`` ids (format 1 has no flags to carry it).

    >>> encode_ids([1, 2]).hex()
    '0101000000000000000200000000000000'
    >>> decode_ids(encode_ids([3, 1, 2]))
    [3, 1, 2]
    """
    try:
        if isinstance(ids, CachedRanking) and ids.because:
            flags = (_COMPLETE if ids.complete else 0) | (_PROVISIONAL if ids.provisional else 0)
            header = _HEADER_V2.pack(_FORMAT_V2, ids.asked, flags)
            return header + struct.pack(f"<{2 * len(ids)}q", *ids, *ids.because)
        if isinstance(ids, CachedRanking) and ids.provisional:
            # Stored as format 1 it would come back as a lasting ranking.
            raise InvalidInput("a provisional ranking is cached with its because ids")
        return _FORMAT_V1 + struct.pack(f"<{len(ids)}q", *ids)
    except struct.error as exc:  # not an integer, or outside int64 (uint32 for asked)
        raise InvalidInput(f"cannot cache these ids: {exc}") from exc


def decode_ids(value: bytes | str) -> CachedRanking:
    """The ranking stored as ``value`` (:class:`CorruptValueError` if it is not one)."""
    if isinstance(value, str):  # a client decoding responses to text cannot read binary
        raise CorruptValueError("got text, expected bytes: use decode_responses=False")
    if value[:1] == _FORMAT_V1 and (len(value) - 1) % _ID_SIZE == 0:
        return CachedRanking(struct.unpack(f"<{(len(value) - 1) // _ID_SIZE}q", value[1:]))
    size = _HEADER_V2.size
    if value[:1] == bytes([_FORMAT_V2]) and len(value) >= size:
        body = value[size:]
        if len(body) % (2 * _ID_SIZE) == 0:
            _, asked, flags = _HEADER_V2.unpack(value[:size])
            both = struct.unpack(f"<{len(body) // _ID_SIZE}q", body)
            n = len(both) // 2
            return CachedRanking(
                both[:n],
                because=both[n:],
                asked=asked,
                complete=bool(flags & _COMPLETE),
                provisional=bool(flags & _PROVISIONAL),
            )
    raise CorruptValueError(f"{len(value)} bytes starting {value[:8]!r}")
