"""``rrf_merge``: reciprocal rank fusion of ranked lists."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from ._types import Neighbors, Ranking

__all__ = ["RRF_K", "rrf_merge"]

RRF_K = 60


def rrf_merge(
    lists: Sequence[Neighbors],
    *,
    k: int = RRF_K,
    exclude: Collection[int] | np.ndarray = (),
    limit: int | None = None,
) -> Ranking:
    """Reciprocal rank fusion of ranked lists.

    score(track) = sum over the lists containing it of ``1 / (k + rank)``, rank from 1.
    Excluded ids never come back; a track keeps its best (lowest) distance. Ties are broken
    by best distance, then by id, so the result does not depend on the order of ``lists``.

        >>> a = Neighbors(np.array([1, 2]), np.array([0.1, 0.2], np.float32))
        >>> b = Neighbors(np.array([2, 3]), np.array([0.05, 0.3], np.float32))
        >>> rrf_merge([a, b]).ids.tolist()
        [2, 1, 3]
    """
    if k < 0:
        raise ValueError(f"k must be non-negative, got {k}")
    parts = [lst for lst in lists if len(lst)]
    if not parts:
        return Ranking.empty()
    ids_parts, rank_parts, dist_parts = [], [], []
    for lst in parts:
        # A backend should not repeat an id within one list; if one does, its first
        # (best) rank counts, so no list can vote twice for the same track.
        _, first = np.unique(lst.ids, return_index=True)
        first.sort()
        ids_parts.append(lst.ids[first])
        rank_parts.append(first + 1)
        dist_parts.append(lst.distances[first])
    ids = np.concatenate(ids_parts).astype(np.int64, copy=False)
    ranks = np.concatenate(rank_parts)
    dists = np.concatenate(dist_parts).astype(np.float32, copy=False)

    excluded = np.asarray(list(exclude) if not isinstance(exclude, np.ndarray) else exclude)
    if excluded.size:
        keep = ~np.isin(ids, excluded.astype(np.int64))
        ids, ranks, dists = ids[keep], ranks[keep], dists[keep]
    if not ids.size:
        return Ranking.empty()

    unique, inverse = np.unique(ids, return_inverse=True)
    contrib = 1.0 / (k + ranks.astype(np.float64))
    # Summing each track's contributions in a canonical order makes the float result
    # exactly independent of the order the lists came in.
    canon = np.lexsort((contrib, inverse))
    scores = np.zeros(unique.shape[0])
    np.add.at(scores, inverse[canon], contrib[canon])
    best = np.full(unique.shape[0], np.inf, dtype=np.float32)
    np.minimum.at(best, inverse, dists)

    order = np.lexsort((unique, best, -scores))
    if limit is not None:
        order = order[:limit]
    return Ranking(unique[order], scores[order], best[order])
