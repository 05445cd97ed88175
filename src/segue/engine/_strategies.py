"""The RRF strategies: :class:`Adaptive` (the baseline), :class:`Centroid`, :class:`Clusters`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ._anchors import anchors, nonzero_rows, playlist_mean
from ._plan import DIRECT_MAX, MAX_CLUSTERS, plan_queries, query_top_k
from ._protocol import QueryPlan
from ._rrf import RRF_K, weighted_rrf
from ._types import FloatMatrix, IdArray, Neighbors, Ranking
from ._validate import check_matrix

__all__ = ["Adaptive", "Centroid", "Clusters"]


class _RanksByWeightedRRF:
    """``rank``: :func:`weighted_rrf` of the store's lists, each voting with its plan weight.

    With the unit weights of :class:`Adaptive` and :class:`Centroid` this is exactly
    :func:`rrf_merge`; :class:`Clusters` weighs each centroid's list by its cluster's size.
    """

    __slots__ = ()
    rrf_k: int

    def rank(
        self, plan: QueryPlan, lists: Sequence[Neighbors], *, exclude: IdArray, limit: int
    ) -> Ranking:
        return weighted_rrf(lists, plan.weights, k=self.rrf_k, exclude=exclude, limit=limit)


@dataclass(frozen=True, slots=True)
class Adaptive(_RanksByWeightedRRF):
    """The baseline: one query per track up to ``direct_max``, else k-means centroids; RRF.

    Exactly :func:`plan_queries` followed by :func:`rrf_merge`.

        >>> Adaptive().plan(np.eye(8, dtype=np.float32), limit=5, n_excluded=8,
        ...                 max_top_k=100).queries.shape
        (3, 8)
    """

    name: ClassVar[str] = "adaptive"
    rrf_k: int = RRF_K
    direct_max: int = DIRECT_MAX
    max_clusters: int = MAX_CLUSTERS
    seed: int = 0

    def plan(
        self, vectors: FloatMatrix, *, limit: int, n_excluded: int, max_top_k: int
    ) -> QueryPlan:
        queries = plan_queries(
            vectors, direct_max=self.direct_max, max_clusters=self.max_clusters, seed=self.seed
        )
        # No room for the excluded ids: every store leaves them out itself and still
        # returns top_k others (turbopuffer with an id NotIn filter), so asking for
        # limit + n_excluded only made each list, and the bytes billed, longer.
        top_k = query_top_k(limit, 0, max_top_k)
        return QueryPlan(queries, top_k, np.ones(queries.shape[0]))


@dataclass(frozen=True, slots=True)
class Centroid(_RanksByWeightedRRF):
    """One query: the mean of the playlist's vectors. Falls back to each track if it is ~0.

    >>> len(Centroid().plan(np.eye(8, dtype=np.float32), limit=5, n_excluded=8,
    ...                     max_top_k=100))
    1
    """

    name: ClassVar[str] = "centroid"
    rrf_k: int = RRF_K

    def plan(
        self, vectors: FloatMatrix, *, limit: int, n_excluded: int, max_top_k: int
    ) -> QueryPlan:
        x = nonzero_rows(check_matrix(vectors))
        mean = playlist_mean(x) if x.shape[0] else None
        queries = x if mean is None else mean
        return QueryPlan(queries, min(limit, max_top_k), np.ones(queries.shape[0]))

    # rank(): with one list RRF keeps its order; with the fallback's several it fuses them.


@dataclass(frozen=True, slots=True)
class Clusters(_RanksByWeightedRRF):
    """More centroids as the playlist grows (about sqrt(n)), RRF weighted by cluster size.

    Up to ``direct_max`` tracks each track is a query with equal weight, as in the baseline.

        >>> plan = Clusters().plan(np.eye(16, dtype=np.float32), limit=5, n_excluded=16,
        ...                        max_top_k=100)
        >>> len(plan), round(float(plan.weights.sum()), 6)
        (4, 1.0)
    """

    name: ClassVar[str] = "clusters"
    rrf_k: int = RRF_K
    direct_max: int = DIRECT_MAX
    max_clusters: int = 16
    seed: int = 0

    def plan(
        self, vectors: FloatMatrix, *, limit: int, n_excluded: int, max_top_k: int
    ) -> QueryPlan:
        x = nonzero_rows(check_matrix(vectors))
        n = x.shape[0]
        top_k = min(limit, max_top_k)
        if n <= self.direct_max:
            return QueryPlan(x, top_k, np.full(n, 1.0 / max(n, 1)))
        queries, weights = anchors(x, min(self.max_clusters, round(math.sqrt(n))), self.seed)
        return QueryPlan(queries, top_k, weights)
