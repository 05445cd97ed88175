"""The mean-plus-anchors strategies: :class:`Blend` (the default) and :class:`Softmax`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from ._anchors import anchors, nonzero_rows, playlist_mean
from ._protocol import QueryPlan
from ._rrf import RRF_K, Pooled, order_desc, pool_lists, positions, rrf_votes
from ._types import FloatMatrix, IdArray, Neighbors, Ranking
from ._validate import check_matrix

__all__ = ["BLEND_QUERIES", "MAX_QUERIES", "Blend", "Softmax", "plan_mean_and_anchors"]

#: queries per request: turbopuffer answers up to 16 in one multi-query request
MAX_QUERIES = 16
#: Blend's queries by default: the mean and up to 3 anchors, chosen by 5-fold
#: cross-validation, which prefers the simpler (cheaper) choice when a gain is inside the
#: interval: 8 and 16 queries did not do better beyond it (docs/evaluation.md,
#: "Cross-validated constants"). A search costs about its number of queries.
BLEND_QUERIES = 4


def plan_mean_and_anchors(
    vectors: FloatMatrix, *, pool: int, limit: int, max_top_k: int, max_queries: int, seed: int
) -> QueryPlan:
    """Row 0: the playlist's mean (``center``); then each track, or k-means centroids
    weighted by cluster size once the tracks outnumber ``max_queries - 1``.

    One track is its own mean: a single query. ``pool`` neighbours each (at least
    ``limit``), so every list reaches well past what will be shown.
    """
    if max_queries < 2:
        raise ValueError(f"max_queries must be at least 2, got {max_queries}")
    x = nonzero_rows(check_matrix(vectors))
    top_k = max(1, min(max(pool, limit), max_top_k))
    if x.shape[0] <= 1:
        return QueryPlan(x, top_k, np.ones(x.shape[0]), center=0 if x.shape[0] else None)
    points, weights = anchors(x, max_queries - 1, seed)
    mean = playlist_mean(x)
    if mean is None:  # no direction to the mean: the anchors alone
        return QueryPlan(points, top_k, weights)
    return QueryPlan(np.vstack([mean, points]), top_k, np.concatenate([[0.0], weights]), center=0)


def _fuse(
    pool: Pooled, plan: QueryPlan, local: NDArray[np.float64], rrf_k: int, limit: int
) -> Ranking:
    """Reciprocal-rank fusion of two orders of the pooled candidates.

    The order of ``local`` (over candidates some anchor returned) and the order of the
    center list (cosine similarity to the playlist's mean) count equally.
    """
    pair_weight = plan.weights[pool.list_index]
    from_anchor = np.bincount(pool.inverse, weights=pair_weight > 0, minlength=len(pool)) > 0
    local_pos = positions(order_desc(local, pool.unique, pool.best))
    scores = np.where(from_anchor, 1.0 / (rrf_k + local_pos), 0.0)
    if plan.center is not None:
        from_center = pool.list_index == plan.center
        center_rank = np.full(len(pool), np.inf)
        center_rank[pool.inverse[from_center]] = pool.rank[from_center]
        scores = scores + 1.0 / (rrf_k + center_rank)
    order = order_desc(scores, pool.unique, pool.best)[:limit]
    return Ranking.unexplained(pool.unique[order], scores[order], pool.best[order])


@dataclass(frozen=True, slots=True)
class Blend:
    """The playlist as a whole and its neighbourhoods, fused (the audio half of the default,
    ``together``).

    One multi-query: the playlist's mean, plus one query per *anchor* (each track, or
    k-means centroids once the playlist outgrows ``max_queries``), ``pool`` neighbours
    each. Every pooled candidate is then ordered twice: by its rank in the mean's list
    (the playlist's overall sound), and by reciprocal-rank votes from the anchors' lists,
    each anchor voting with the share of the playlist it stands for (its local
    neighbourhoods). The two orders are fused by reciprocal rank, ``rrf_k`` in both.

    Ranks rather than raw similarities make the votes independent of how similarities
    are spread in a given embedding space, and of how crowded the catalog is around each
    anchor. One track: its own neighbours, in order.

        >>> plan = Blend().plan(np.eye(8, dtype=np.float32)[:3], limit=5, n_excluded=3,
        ...                     max_top_k=1000)
        >>> len(plan), plan.center, plan.top_k
        (4, 0, 100)
    """

    name: ClassVar[str] = "blend"
    pool: int = 100
    max_queries: int = BLEND_QUERIES
    rrf_k: int = RRF_K
    seed: int = 0

    def plan(
        self, vectors: FloatMatrix, *, limit: int, n_excluded: int, max_top_k: int
    ) -> QueryPlan:
        return plan_mean_and_anchors(
            vectors,
            pool=self.pool,
            limit=limit,
            max_top_k=max_top_k,
            max_queries=self.max_queries,
            seed=self.seed,
        )

    def rank(
        self, plan: QueryPlan, lists: Sequence[Neighbors], *, exclude: IdArray, limit: int
    ) -> Ranking:
        pool = pool_lists(lists, exclude)
        if not len(pool):
            return Ranking.empty()
        return _fuse(pool, plan, rrf_votes(pool, plan.weights, k=self.rrf_k), self.rrf_k, limit)


@dataclass(frozen=True, slots=True)
class Softmax(Blend):
    """As :class:`Blend`, but candidates are re-scored by similarity, not by rank.

    The local score of a candidate is a soft-max (kernel density) of its similarities to
    the anchors, ``sum_a w_a * exp((sim_a - 1) / temperature)``; a similarity below an
    anchor's pool counts as zero. The temperature is in cosine units, so it depends on
    how similarities are spread in the embedding space.

        >>> Softmax().plan(np.eye(8, dtype=np.float32)[:1], limit=5, n_excluded=1,
        ...                max_top_k=1000).center
        0
    """

    name: ClassVar[str] = "softmax"
    max_queries: int = MAX_QUERIES
    temperature: float = 0.1

    # plan() is Blend's: the same queries, only the ranking differs.

    def rank(
        self, plan: QueryPlan, lists: Sequence[Neighbors], *, exclude: IdArray, limit: int
    ) -> Ranking:
        if self.temperature <= 0:
            raise ValueError(f"temperature must be positive, got {self.temperature}")
        pool = pool_lists(lists, exclude)
        if not len(pool):
            return Ranking.empty()
        kernel = np.exp((pool.sim - 1.0) / self.temperature)
        density = pool.total(plan.weights[pool.list_index] * kernel)
        return _fuse(pool, plan, density, self.rrf_k, limit)
