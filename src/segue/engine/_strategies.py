from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from ._fusion import order_desc, pool_lists
from ._kmeans import kmeans
from ._plan import DIRECT_MAX, MAX_CLUSTERS, normalize, plan_queries, query_top_k
from ._rrf import RRF_K, rrf_merge
from ._strategy import QueryPlan
from ._types import FloatMatrix, IdArray, Neighbors, Ranking
from ._validate import check_matrix

__all__ = ["Adaptive", "Centroid", "Clusters", "Rerank"]


def _playlist_mean(x: FloatMatrix) -> FloatMatrix | None:
    """The mean of the vectors as stored (not unit-normalised first), or None if ~zero.

    Averaging the raw vectors lets a track with a long vector (a distinctive one, when the
    features are standardised) pull harder than a nondescript one near the origin; with
    unit-length embeddings it is simply the normalised mean.
    """
    mean = x.mean(axis=0, dtype=np.float64)
    scale = float(np.linalg.norm(x, axis=1).mean())
    if scale == 0.0 or float(np.linalg.norm(mean)) <= 1e-6 * scale:
        return None  # opposite tracks cancel out: the mean has no direction to query
    return mean.astype(np.float32).reshape(1, -1)


def _anchors(
    x: FloatMatrix, max_anchors: int, seed: int
) -> tuple[FloatMatrix, NDArray[np.float64]]:
    """Each track while there are at most ``max_anchors``; else k-means centroids.

    The weights are the share of the playlist each anchor stands for (they sum to 1).
    """
    n = x.shape[0]
    if n <= max_anchors:
        return x, np.full(n, 1.0 / n)
    result = kmeans(normalize(x), max_anchors, seed=seed)
    counts = np.bincount(result.labels, minlength=result.centroids.shape[0])
    return result.centroids, counts.astype(np.float64) / n


def _nonzero_rows(x: FloatMatrix) -> FloatMatrix:
    # A zero vector has no direction: cosine queries with it are meaningless.
    return x[np.linalg.norm(x, axis=1) > 0]


def _positions(order: NDArray[np.intp]) -> NDArray[np.float64]:
    """1-based rank of each element, given the indices in ranked order."""
    pos = np.empty(order.size, np.float64)
    pos[order] = np.arange(1, order.size + 1)
    return pos


@dataclass(frozen=True, slots=True)
class Adaptive:
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
        top_k = query_top_k(limit, n_excluded, max_top_k)
        return QueryPlan(queries, top_k, np.ones(queries.shape[0]))

    def rank(
        self, plan: QueryPlan, lists: Sequence[Neighbors], *, exclude: IdArray, limit: int
    ) -> Ranking:
        return rrf_merge(lists, k=self.rrf_k, exclude=exclude, limit=limit)


@dataclass(frozen=True, slots=True)
class Centroid:
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
        x = _nonzero_rows(check_matrix(vectors))
        mean = _playlist_mean(x) if x.shape[0] else None
        queries = x if mean is None else mean
        return QueryPlan(queries, min(limit, max_top_k), np.ones(queries.shape[0]))

    def rank(
        self, plan: QueryPlan, lists: Sequence[Neighbors], *, exclude: IdArray, limit: int
    ) -> Ranking:
        # With one list RRF keeps its order; with the fallback's several it fuses them.
        return rrf_merge(lists, k=self.rrf_k, exclude=exclude, limit=limit)


@dataclass(frozen=True, slots=True)
class Clusters:
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
        x = _nonzero_rows(check_matrix(vectors))
        n = x.shape[0]
        top_k = min(limit, max_top_k)
        if n <= self.direct_max:
            return QueryPlan(x, top_k, np.full(n, 1.0 / max(n, 1)))
        queries, weights = _anchors(x, min(self.max_clusters, round(math.sqrt(n))), self.seed)
        return QueryPlan(queries, top_k, weights)

    def rank(
        self, plan: QueryPlan, lists: Sequence[Neighbors], *, exclude: IdArray, limit: int
    ) -> Ranking:
        pool = pool_lists(lists, exclude)
        if not len(pool):
            return Ranking.empty()
        scores = pool.total(plan.weights[pool.list_index] / (self.rrf_k + pool.rank))
        order = order_desc(scores, pool.unique, pool.best)[:limit]
        return Ranking(pool.unique[order], scores[order], pool.best[order])


@dataclass(frozen=True, slots=True)
class Rerank:
    """Retrieve, then re-rank every candidate against the whole playlist.

    Retrieve: one query with the playlist's mean and one per *anchor* (each track, or
    ``max_anchors`` k-means centroids once the playlist is larger), ``pool`` neighbours each.
    Re-rank every pooled candidate twice: by cosine similarity to the playlist's mean, and
    by a soft-max of its similarities to the anchors (a kernel density of the playlist,
    ``sum_a w_a * exp((sim_a - 1) / temperature)``, anchors weighted by the share of the
    playlist they stand for; a similarity below an anchor's pool counts as zero). The two
    orders are fused by reciprocal rank (``rrf_k``), the density's counting
    ``local_weight`` times. One track: its own neighbours, in order.

        >>> plan = Rerank().plan(np.eye(8, dtype=np.float32)[:3], limit=5, n_excluded=3,
        ...                      max_top_k=1000)
        >>> len(plan), plan.center, plan.top_k
        (4, 0, 100)
    """

    name: ClassVar[str] = "rerank"
    pool: int = 100
    max_anchors: int = 16
    temperature: float = 0.1
    rrf_k: int = RRF_K
    local_weight: float = 1.0
    seed: int = 0

    def plan(
        self, vectors: FloatMatrix, *, limit: int, n_excluded: int, max_top_k: int
    ) -> QueryPlan:
        x = _nonzero_rows(check_matrix(vectors))
        top_k = max(1, min(max(self.pool, limit), max_top_k))
        if x.shape[0] <= 1:
            # The mean of one track is the track: a single query serves as both.
            return QueryPlan(x, top_k, np.ones(x.shape[0]), center=0 if x.shape[0] else None)
        anchors, weights = _anchors(x, self.max_anchors, self.seed)
        mean = _playlist_mean(x)
        if mean is None:
            return QueryPlan(anchors, top_k, weights)
        return QueryPlan(
            np.vstack([mean, anchors]), top_k, np.concatenate([[0.0], weights]), center=0
        )

    def rank(
        self, plan: QueryPlan, lists: Sequence[Neighbors], *, exclude: IdArray, limit: int
    ) -> Ranking:
        pool = pool_lists(lists, exclude)
        if not len(pool):
            return Ranking.empty()
        pair_weight = plan.weights[pool.list_index]
        density = pool.total(pair_weight * np.exp((pool.sim - 1.0) / self.temperature))
        has_density = np.bincount(pool.inverse, weights=pair_weight > 0, minlength=len(pool)) > 0
        local_pos = _positions(order_desc(density, pool.unique, pool.best))
        scores = np.where(has_density, self.local_weight / (self.rrf_k + local_pos), 0.0)
        if plan.center is not None:
            from_center = pool.list_index == plan.center
            center_rank = np.full(len(pool), np.inf)
            center_rank[pool.inverse[from_center]] = pool.rank[from_center]
            scores = scores + 1.0 / (self.rrf_k + center_rank)
        order = order_desc(scores, pool.unique, pool.best)[:limit]
        return Ranking(pool.unique[order], scores[order], pool.best[order])
