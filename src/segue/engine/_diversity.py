"""Artist variety: a cap per group (dropping), or a spread of artists (demoting)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._types import Ranking

__all__ = ["VARIETY_WINDOWS", "artist_variety", "cap_per_group"]


def cap_per_group(ranking: Ranking, groups: ArrayLike, cap: int) -> Ranking:
    """Keep at most ``cap`` tracks of each group (e.g. artist), in ranked order.

    ``groups`` holds one label per ranked track (any hashable numpy dtype). Dropped tracks
    make room for the next ones, so ask the strategy for more than you will show.

        >>> r = Ranking.unexplained(np.array([5, 6, 7]), np.array([3.0, 2.0, 1.0]),
        ...                         np.zeros(3, np.float32))
        >>> cap_per_group(r, ["a", "a", "b"], 1).ids.tolist()
        [5, 7]
    """
    if cap < 1:
        raise ValueError(f"cap must be at least 1, got {cap}")
    labels = np.asarray(groups)
    if labels.shape != (len(ranking),):
        raise ValueError("groups must hold one label per ranked track")
    if not len(ranking):
        return ranking
    _, inverse = np.unique(labels, return_inverse=True)
    # Rank of each track within its group, in ranked order: a stable sort by group keeps
    # the ranking's order inside each group.
    by_group = np.argsort(inverse, kind="stable")
    sorted_groups = inverse[by_group]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    run_start = np.repeat(starts, np.diff(np.r_[starts, sorted_groups.size]))
    within = np.empty(labels.size, np.intp)
    within[by_group] = np.arange(labels.size) - run_start
    return ranking.take(np.flatnonzero(within < cap))


#: (window, multiple of max_per_artist): at most 1x among the first 3, 2x among the first 10
VARIETY_WINDOWS = ((3, 1), (10, 2))


def artist_variety(
    artists: Sequence[Hashable],
    *,
    max_per_artist: int,
    windows: Sequence[tuple[int, int]] = VARIETY_WINDOWS,
) -> NDArray[np.intp]:
    """A reordering of positions ``0..n-1`` that spreads artists over the top of a list.

    At most ``max_per_artist`` tracks of one artist among the first 3 and at most twice
    that among the first 10 (``windows``). A track that would break a cap is demoted (the
    next track that fits takes its place; it comes back as soon as it fits), never
    dropped; the order is otherwise kept. When no remaining track fits, the next one is
    taken anyway. ``max_per_artist=0`` is the identity.

        >>> artist_variety(["a", "a", "a", "b", "c"], max_per_artist=1).tolist()
        [0, 3, 4, 1, 2]
    """
    n = len(artists)
    if max_per_artist < 0:
        raise ValueError(f"max_per_artist must be non-negative, got {max_per_artist}")
    if max_per_artist == 0 or n == 0:
        return np.arange(n, dtype=np.intp)
    deepest = max(size for size, _ in windows)
    remaining = list(range(n))
    order: list[int] = []
    counts: dict[Hashable, int] = {}

    def fits(artist: Hashable, slot: int) -> bool:
        have = counts.get(artist, 0)
        return all(have < m * max_per_artist for size, m in windows if slot < size)

    # Only the first ``deepest`` slots have caps: past them the rest keep their order.
    while remaining and len(order) < deepest:
        slot = len(order)
        pick = next((j for j, i in enumerate(remaining) if fits(artists[i], slot)), 0)
        chosen = remaining.pop(pick)
        counts[artists[chosen]] = counts.get(artists[chosen], 0) + 1
        order.append(chosen)
    return np.asarray(order + remaining, dtype=np.intp)
