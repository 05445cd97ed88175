"""The evaluation protocol: modes, deterministic shuffles and seed/hidden splits."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from segue.engine import IdArray
from segue.errors import InvalidInput

__all__ = [
    "DEFAULT_MODES",
    "MIN_TRACKS",
    "Mode",
    "Split",
    "parse_mode",
    "playlist_seed",
    "shuffled",
    "split",
]

#: playlists with fewer distinct tracks are not evaluated
MIN_TRACKS = 10
DEFAULT_MODES = ("n=1", "n=3", "n=5", "n=10", "80%")

_SEED_COUNT = re.compile(r"n=(\d+)")
_SEED_PERCENT = re.compile(r"(\d+)%")


@dataclass(frozen=True, slots=True)
class Mode:
    """How a playlist is split: ``n=K`` seeds with K tracks, ``P%`` with P percent."""

    label: str
    seed_count: int | None = None
    seed_percent: int | None = None

    def hidden_count(self, n: int) -> int:
        """How many of ``n`` shuffled tracks are hidden (0: the playlist is skipped)."""
        if self.seed_count is not None:
            return max(0, n - self.seed_count)
        assert self.seed_percent is not None
        # round() of a Fraction is exact (ties to even); for 80% no tie can occur (n/5).
        hide = round(Fraction(n * (100 - self.seed_percent), 100))
        return min(max(1, hide), n - 1)  # at least one hidden, at least one seed


def parse_mode(text: str) -> Mode:
    """``"n=3"`` or ``"80%"``.

    >>> parse_mode("80%").hidden_count(13)
    3
    """
    label = text.strip()
    if m := _SEED_COUNT.fullmatch(label):
        count = int(m.group(1))
        if count >= 1:
            return Mode(label, seed_count=count)
    elif m := _SEED_PERCENT.fullmatch(label):
        percent = int(m.group(1))
        if 1 <= percent <= 99:
            return Mode(label, seed_percent=percent)
    raise InvalidInput(f"mode {text!r}: expected n=K (K >= 1) or P% (1 <= P <= 99)")


def playlist_seed(playlist_id: str) -> int:
    """The shuffle seed: the first 8 bytes of sha256(id, UTF-8), little-endian.

    >>> playlist_seed("abc")
    16919744041952114874
    """
    return int.from_bytes(hashlib.sha256(playlist_id.encode("utf-8")).digest()[:8], "little")


def shuffled(tracks: IdArray, playlist_id: str) -> IdArray:
    """The playlist's tracks in the protocol's order: ``default_rng(seed).permutation``."""
    order = np.random.default_rng(playlist_seed(playlist_id)).permutation(tracks.size)
    return tracks[order]


@dataclass(frozen=True, slots=True)
class Split:
    seeds: IdArray
    hidden: IdArray


def split(tracks: IdArray, playlist_id: str, mode: Mode) -> Split:
    """Seed and hidden tracks of a playlist (distinct tracks, in playlist order) for a mode.

    ``n=K``: the first K shuffled tracks seed, the rest are hidden. ``P%``: the *last*
    round((100 - P)% of n) shuffled tracks (at least one) are hidden, the rest seed.
    """
    order = shuffled(tracks, playlist_id)
    hide = mode.hidden_count(order.size)
    cut = order.size - hide
    return Split(order[:cut], order[cut:])
