"""Lloyd's k-means with k-means++ seeding, vectorised and deterministic."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ._types import FloatMatrix
from ._validate import check_matrix

__all__ = ["KMeansResult", "kmeans"]


@dataclass(frozen=True, slots=True)
class KMeansResult:
    centroids: FloatMatrix
    labels: NDArray[np.intp]
    n_iter: int
    converged: bool


def _sq_distances(x: FloatMatrix, c: FloatMatrix) -> FloatMatrix:
    # ||x||^2 - 2 x.c + ||c||^2, clipped: rounding can make a zero distance slightly negative.
    d = (x * x).sum(1)[:, None] - 2.0 * (x @ c.T) + (c * c).sum(1)[None, :]
    out: FloatMatrix = np.maximum(d, 0.0)
    return out


def _plus_plus(x: FloatMatrix, k: int, rng: np.random.Generator) -> FloatMatrix:
    """k-means++ seeding; stops early when every point coincides with a chosen centre."""

    def sq_to(i: int) -> NDArray[np.float64]:
        # Direct differences, not the expanded form: a duplicate point must be exactly 0.
        diff = x - x[i]
        sq: NDArray[np.float64] = np.einsum("ij,ij->i", diff, diff).astype(np.float64)
        return sq

    chosen = [int(rng.integers(x.shape[0]))]
    closest = sq_to(chosen[0])
    while len(chosen) < k:
        total = closest.sum()
        if total <= 0.0:
            break  # fewer distinct points than k: more centres would be duplicates
        nxt = int(rng.choice(x.shape[0], p=closest / total))
        chosen.append(nxt)
        closest = np.minimum(closest, sq_to(nxt))
    return x[chosen].copy()


def _means(x: FloatMatrix, labels: NDArray[np.intp], centroids: FloatMatrix) -> FloatMatrix:
    k = centroids.shape[0]
    counts = np.bincount(labels, minlength=k).astype(np.float32)
    onehot = np.zeros((k, x.shape[0]), np.float32)
    onehot[labels, np.arange(x.shape[0])] = 1.0
    sums = onehot @ x
    out = centroids.copy()
    nonempty = counts > 0
    out[nonempty] = sums[nonempty] / counts[nonempty, None]
    return out


def kmeans(vectors: FloatMatrix, k: int, *, seed: int = 0, max_iter: int = 100) -> KMeansResult:
    """Lloyd's k-means with k-means++ seeding, vectorised, deterministic for a given seed.

    Returns at most ``k`` centroids: fewer when there are fewer distinct points than ``k``.
    When ``converged`` is true every centroid is the mean of its members and every point is
    labelled with its nearest centroid.

        >>> r = kmeans(np.array([[0, 0], [0, 1], [9, 9], [9, 8]], np.float32), 2)
        >>> sorted(r.centroids.tolist())
        [[0.0, 0.5], [9.0, 8.5]]
    """
    x32 = check_matrix(vectors)
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if max_iter < 1:
        raise ValueError(f"max_iter must be at least 1, got {max_iter}")
    x = x32
    rng = np.random.default_rng(seed)
    centroids = _plus_plus(x, min(k, x.shape[0]), rng)
    labels = _sq_distances(x, centroids).argmin(1)
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007 - n_iter is reported
        centroids = _means(x, labels, centroids)
        new_labels = _sq_distances(x, centroids).argmin(1)
        if np.array_equal(new_labels, labels):
            converged = True
            break
        labels = new_labels
    # An empty cluster keeps a stale centre that no point chose; it is no "sound region".
    used = np.bincount(labels, minlength=centroids.shape[0]) > 0
    if not used.all():
        remap = np.cumsum(used) - 1
        centroids, labels = centroids[used], remap[labels]
    return KMeansResult(centroids.astype(np.float32), labels, n_iter, converged)
