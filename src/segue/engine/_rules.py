"""The catalog's rules on a ranking, by name: no title duplicates, then artist variety.

The service and ``segue eval`` apply them the same way, after the pipeline (which has
already dropped near-identical vectors), to the ranked ids and their catalog metadata.

    >>> show_order(["a\\x1fx", "a\\x1fx", "a\\x1fy", "b\\x1fz"], ["a", "a", "a", "b"],
    ...            seen=[], max_per_artist=1).tolist()
    [0, 3, 2]
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._diversity import artist_variety
from ._duplicates import drop_title_duplicates

__all__ = ["show_order"]


def show_order(
    keys: Sequence[str],
    artists: Sequence[Hashable] | NDArray[Any],
    *,
    seen: Iterable[str],
    max_per_artist: int,
) -> NDArray[np.intp]:
    """Positions of a ranking to show, in order: a track whose :func:`title_key` is in
    ``seen`` (the playlist's) or earlier in the ranking is dropped, then the rest is
    reordered by :func:`artist_variety` (``max_per_artist=0``: not reordered).

    ``keys`` and ``artists`` hold one entry per ranked track.
    """
    if len(keys) != len(artists):
        raise ValueError("keys and artists must hold one entry per ranked track")
    kept = drop_title_duplicates(keys, seen)
    order = artist_variety([artists[i] for i in kept], max_per_artist=max_per_artist)
    out: NDArray[np.intp] = kept[order]
    return out
