"""The one fusion core: ranked lists pooled once, scored by weighted reciprocal rank.

Every strategy's ``rank`` goes through :func:`pool_lists` and :func:`rrf_votes`
(:func:`weighted_rrf` is both plus the final order; :func:`rrf_merge` its unit-weight case).

    >>> a = Neighbors(np.array([1, 2]), np.array([0.1, 0.2], np.float32))
    >>> b = Neighbors(np.array([2, 1]), np.array([0.1, 0.2], np.float32))
    >>> weighted_rrf([a, b], [3.0, 1.0]).ids.tolist()
    [1, 2]
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._types import IdArray, Neighbors, Ranking

__all__ = [
    "RRF_K",
    "Pooled",
    "order_desc",
    "pool_lists",
    "positions",
    "rrf_merge",
    "rrf_votes",
    "weighted_rrf",
]

RRF_K = 60

Exclude = Collection[int] | NDArray[np.int64]


class Pooled:
    """Every (list, candidate) pair of some ranked lists, flattened, exclusions removed.

    ``unique`` holds each candidate once (sorted); ``inverse`` maps each pair to it.
    ``rank`` is the 1-based position of the pair in its list (counted before exclusion),
    ``distance`` its cosine distance, ``list_index`` the list it came from and ``best``
    each candidate's smallest distance.
    """

    __slots__ = ("best", "distance", "inverse", "list_index", "n_lists", "rank", "unique")

    def __init__(self, lists: Sequence[Neighbors], exclude: Exclude = ()) -> None:
        self.n_lists = len(lists)
        sizes = np.fromiter((len(lst) for lst in lists), np.intp, count=len(lists))
        if sizes.sum():
            ids = np.concatenate([lst.ids for lst in lists]).astype(np.int64, copy=False)
            dists = np.concatenate([lst.distances for lst in lists]).astype(np.float32, copy=False)
        else:
            ids, dists = np.empty(0, np.int64), np.empty(0, np.float32)
        owner = np.repeat(np.arange(len(lists), dtype=np.intp), sizes)
        starts = np.cumsum(sizes) - sizes
        ranks = (np.arange(ids.size) - np.repeat(starts, sizes) + 1).astype(np.float64)
        excluded = np.asarray(
            exclude if isinstance(exclude, np.ndarray) else list(exclude), dtype=np.int64
        )
        if excluded.size and ids.size:
            # By sorting: a lookup table would span the ids' range (up to 2**53).
            keep = ~np.isin(ids, excluded, kind="sort")
            ids, ranks, dists, owner = ids[keep], ranks[keep], dists[keep], owner[keep]
        unique, inverse = np.unique(ids, return_inverse=True)
        # A backend should not repeat an id within one list; if one does, its first (best)
        # rank counts, so no list can vote twice for the same track.
        pair = owner * unique.size + inverse
        if pair.size and np.bincount(pair).max() > 1:
            _, first = np.unique(pair, return_index=True)
            inverse, ranks, dists, owner = inverse[first], ranks[first], dists[first], owner[first]
        # The pairs' order is free: every sum over them is taken in a fixed order (total).
        self.unique: IdArray = unique
        self.inverse: NDArray[np.intp] = inverse
        self.rank: NDArray[np.float64] = ranks
        self.distance: NDArray[np.float32] = dists
        self.list_index: NDArray[np.intp] = owner
        best = np.full(unique.size, np.inf, dtype=np.float32)
        np.minimum.at(best, inverse, dists)
        self.best: NDArray[np.float32] = best

    def __len__(self) -> int:
        return int(self.unique.size)

    @property
    def sim(self) -> NDArray[np.float64]:
        """Each pair's cosine similarity."""
        out: NDArray[np.float64] = 1.0 - self.distance.astype(np.float64)
        return out

    def total(self, contributions: NDArray[np.float64]) -> NDArray[np.float64]:
        """Per-candidate sum of one value per pair, in a fixed order.

        Each candidate's values are added smallest first, so the float result is exactly
        the same whatever order the lists came in.
        """
        canon = np.lexsort((contributions, self.inverse))
        # bincount adds its weights in array order: the canonical order, here.
        out: NDArray[np.float64] = np.bincount(
            self.inverse[canon], weights=contributions[canon], minlength=self.unique.size
        ).astype(np.float64, copy=False)
        return out


def pool_lists(lists: Sequence[Neighbors], exclude: Exclude = ()) -> Pooled:
    """Flatten ranked lists into candidate/pair arrays, without the excluded ids."""
    return Pooled(lists, exclude)


def rrf_votes(
    pool: Pooled, weights: ArrayLike | None = None, *, k: int = RRF_K
) -> NDArray[np.float64]:
    """Each pooled candidate's weighted RRF score: sum of ``weight[list] / (k + rank)``.

    ``weights`` holds one non-negative value per list (all 1 when ``None``).

        >>> pool = pool_lists([Neighbors(np.array([4, 2]), np.zeros(2, np.float32))])
        >>> rrf_votes(pool, [2.0], k=0).tolist()  # candidates in id order: 2, then 4
        [1.0, 2.0]
    """
    if k < 0:
        raise ValueError(f"k must be non-negative, got {k}")
    if weights is None:
        return pool.total(1.0 / (k + pool.rank))
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (pool.n_lists,):
        raise ValueError("weights must hold one value per list")
    if not np.all(np.isfinite(w) & (w >= 0)):
        raise ValueError("weights must be finite and non-negative")
    return pool.total(w[pool.list_index] / (k + pool.rank))


def order_desc(
    scores: NDArray[np.float64], ids: IdArray, best: NDArray[np.float32]
) -> NDArray[np.intp]:
    """Indices by score descending; ties by best distance, then id (order-independent)."""
    return np.lexsort((ids, best, -scores))


def positions(order: NDArray[np.intp]) -> NDArray[np.float64]:
    """1-based rank of each element, given the indices in ranked order."""
    pos = np.empty(order.size, np.float64)
    pos[order] = np.arange(1, order.size + 1)
    return pos


def weighted_rrf(
    lists: Sequence[Neighbors],
    weights: ArrayLike | None = None,
    *,
    k: int = RRF_K,
    exclude: Exclude = (),
    limit: int | None = None,
) -> Ranking:
    """Weighted reciprocal rank fusion of ranked lists, best first.

    score(track) = sum over the lists containing it of ``weight[list] / (k + rank)``,
    rank from 1; ``weights`` holds one non-negative value per list (all 1 when ``None``).
    Excluded ids never come back; a track keeps its best (lowest) distance. Scores are
    summed in a fixed order and ties broken by best distance, then id, so the result does
    not depend on the order of ``lists``, bit for bit.

        >>> a = Neighbors(np.array([1, 2]), np.array([0.1, 0.2], np.float32))
        >>> b = Neighbors(np.array([2, 1]), np.array([0.1, 0.2], np.float32))
        >>> weighted_rrf([a, b], [1.0, 3.0], k=60).ids.tolist()
        [2, 1]
    """
    pool = pool_lists(lists, exclude)
    scores = rrf_votes(pool, weights, k=k)
    if not len(pool):
        return Ranking.empty()
    order = order_desc(scores, pool.unique, pool.best)[:limit]
    return Ranking.unexplained(pool.unique[order], scores[order], pool.best[order])


def rrf_merge(
    lists: Sequence[Neighbors],
    *,
    k: int = RRF_K,
    exclude: Collection[int] | np.ndarray = (),
    limit: int | None = None,
) -> Ranking:
    """Reciprocal rank fusion of ranked lists: :func:`weighted_rrf` with unit weights.

    score(track) = sum over the lists containing it of ``1 / (k + rank)``, rank from 1.
    Excluded ids never come back; a track keeps its best (lowest) distance. Ties are broken
    by best distance, then by id, so the result does not depend on the order of ``lists``.

        >>> a = Neighbors(np.array([1, 2]), np.array([0.1, 0.2], np.float32))
        >>> b = Neighbors(np.array([2, 3]), np.array([0.05, 0.3], np.float32))
        >>> rrf_merge([a, b]).ids.tolist()
        [2, 1, 3]
    """
    return weighted_rrf(lists, None, k=k, exclude=exclude, limit=limit)
