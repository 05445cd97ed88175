"""Artist variety: at most a few tracks of each group, in ranked order."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._types import Ranking

__all__ = ["cap_per_group"]


def cap_per_group(ranking: Ranking, groups: ArrayLike, cap: int) -> Ranking:
    """Keep at most ``cap`` tracks of each group (e.g. artist), in ranked order.

    ``groups`` holds one label per ranked track (any hashable numpy dtype). Dropped tracks
    make room for the next ones, so ask the strategy for more than you will show.

        >>> r = Ranking(np.array([5, 6, 7]), np.array([3.0, 2.0, 1.0]), np.zeros(3, np.float32))
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
    keep = within < cap
    return Ranking(ranking.ids[keep], ranking.scores[keep], ranking.distances[keep])
