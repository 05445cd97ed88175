"""The adaptive plan: one query per track for small playlists, k-means centroids for large ones."""

from __future__ import annotations

import numpy as np

from ._kmeans import kmeans
from ._types import FloatMatrix
from ._validate import check_matrix

__all__ = [
    "DIRECT_MAX",
    "MAX_CLUSTERS",
    "nonzero_rows",
    "normalize",
    "plan_queries",
    "query_top_k",
]

DIRECT_MAX = 5
MAX_CLUSTERS = 3


def normalize(vectors: FloatMatrix) -> FloatMatrix:
    """Rows scaled to unit length (zero rows stay zero), so Euclidean k-means is cosine."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    out: FloatMatrix = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    return out


def nonzero_rows(x: FloatMatrix) -> FloatMatrix:
    """The rows that are not all zeros, in order.

    >>> nonzero_rows(np.array([[0, 0], [3, 4]], np.float32)).tolist()
    [[3.0, 4.0]]
    """
    # A zero vector has no direction: cosine queries with it are meaningless.
    out: FloatMatrix = x[np.linalg.norm(x, axis=1) > 0]
    return out


def plan_queries(
    vectors: FloatMatrix,
    *,
    direct_max: int = DIRECT_MAX,
    max_clusters: int = MAX_CLUSTERS,
    seed: int = 0,
    max_iter: int = 100,
) -> FloatMatrix:
    """The query vectors for a playlist's track vectors (the adaptive strategy).

    All-zero vectors are dropped first (they have no direction), and ``n`` counts the
    rest. 1 track: its vector. 2 to ``direct_max``: each track's vector. More: k-means
    centroids of the unit-normalised vectors, ``k = min(max_clusters, n // 2)``. No
    tracks (or only zero vectors): no queries.

        >>> plan_queries(np.eye(8, dtype=np.float32)).shape
        (3, 8)
    """
    x = nonzero_rows(check_matrix(vectors))
    n = x.shape[0]
    if n <= direct_max:
        return x
    k = min(max_clusters, n // 2)
    return kmeans(normalize(x), k, seed=seed, max_iter=max_iter).centroids


def query_top_k(limit: int, n_excluded: int, max_top_k: int) -> int:
    """How many neighbours each query asks for so ``limit`` survive the exclusions, for
    a store that returns excluded ids among its neighbours. Segue's stores do not
    (``VectorStore.query_many`` leaves them out), so strategies pass ``n_excluded=0``.

    >>> query_top_k(3, 25, 1200)
    28
    """
    if max_top_k < 1:
        raise ValueError("max_top_k must be at least 1")
    return max(1, min(limit + n_excluded, max_top_k))
