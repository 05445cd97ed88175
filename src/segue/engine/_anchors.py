"""A playlist's anchors: its mean, and each track or k-means centroids when there are many."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._kmeans import kmeans
from ._plan import nonzero_rows, normalize
from ._types import FloatMatrix

__all__ = ["anchors", "nonzero_rows", "playlist_mean"]


def playlist_mean(x: FloatMatrix) -> FloatMatrix | None:
    """The mean of the vectors as stored (not unit-normalised first), or None if ~zero.

    Averaging the raw vectors lets a track with a long vector (a distinctive one, when the
    features are standardised) pull harder than a nondescript one near the origin; with
    unit-length embeddings it is simply the normalised mean.
    """
    mean = x.mean(axis=0, dtype=np.float64)
    scale = float(np.linalg.norm(x, axis=1).mean())
    if scale == 0.0 or float(np.linalg.norm(mean)) <= 1e-6 * scale:
        return None  # opposite tracks cancel out: the mean has no direction to query
    out: FloatMatrix = mean.astype(np.float32).reshape(1, -1)
    return out


def anchors(x: FloatMatrix, max_anchors: int, seed: int) -> tuple[FloatMatrix, NDArray[np.float64]]:
    """Each track while there are at most ``max_anchors``; else k-means centroids.

    The weights are the share of the playlist each anchor stands for (they sum to 1).
    """
    n = x.shape[0]
    if n <= max_anchors:
        return x, np.full(n, 1.0 / n)
    result = kmeans(normalize(x), max_anchors, seed=seed)
    counts = np.bincount(result.labels, minlength=result.centroids.shape[0])
    return result.centroids, counts.astype(np.float64) / n
