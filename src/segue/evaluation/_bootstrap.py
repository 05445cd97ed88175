"""Bootstrap confidence intervals, plain and paired, over playlists."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["Interval", "bootstrap_ci", "paired_bootstrap_ci"]


@dataclass(frozen=True, slots=True)
class Interval:
    """Per-column mean and percentile-bootstrap confidence bounds."""

    mean: NDArray[np.float64]
    low: NDArray[np.float64]
    high: NDArray[np.float64]


# How many resampled values (resamples x playlists x columns) one pass gathers at most:
# the whole (n_resamples, n, m) gather at once would grow with all three (8 GB for 100k
# playlists x 9 metrics x 1,000 resamples); a chunk of it stays near 16 MB.
_CHUNK_VALUES = 1 << 21


def _resample_means(
    values: NDArray[np.float64], n_resamples: int, seed: int
) -> NDArray[np.float64]:
    n, m = values.shape
    rng = np.random.default_rng(seed)
    means = np.empty((n_resamples, m), dtype=np.float64)
    chunk = max(1, _CHUNK_VALUES // (n * m))
    for start in range(0, n_resamples, chunk):
        stop = min(start + chunk, n_resamples)
        # Every column is resampled with the same rows, so metrics (and strategies compared
        # with the same seed) share their resamples. The rows are drawn a chunk at a time
        # from one Generator, whole resamples at once, which consumes its stream exactly
        # as one (n_resamples, n) draw would: the intervals do not depend on the chunk.
        rows = rng.integers(0, n, size=(stop - start, n))
        means[start:stop] = values[rows].mean(axis=1)
    return means


def _as_rows(values: ArrayLike) -> NDArray[np.float64]:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise ValueError("values must be a non-empty (n,) or (n, m) array")
    return arr


def _interval(observed: NDArray[np.float64], means: NDArray[np.float64], level: float) -> Interval:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha], axis=0)
    # The percentile interval of a mean always contains it up to float rounding; clamp so
    # that holds exactly (matters only for degenerate, constant samples).
    return Interval(observed, np.minimum(low, observed), np.maximum(high, observed))


def bootstrap_ci(
    values: ArrayLike, *, n_resamples: int = 1000, level: float = 0.95, seed: int = 0
) -> Interval:
    """Mean of each column of ``values`` (rows = playlists) with a bootstrap CI.

    Playlists are resampled with replacement ``n_resamples`` times from
    ``default_rng(seed)``: the same seed gives the same interval.

        >>> ci = bootstrap_ci([0.0, 1.0, 1.0, 0.0], seed=1)
        >>> float(ci.mean[0]), bool(ci.low[0] <= 0.5 <= ci.high[0])
        (0.5, True)
    """
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples}")
    arr = _as_rows(values)
    return _interval(arr.mean(axis=0), _resample_means(arr, n_resamples, seed), level)


def paired_bootstrap_ci(
    values: ArrayLike,
    reference: ArrayLike,
    *,
    n_resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> Interval:
    """Mean difference ``values - reference`` over the same playlists, with a bootstrap CI.

    Pairing removes the playlist-to-playlist variance both share, so this is the interval
    that says whether one strategy beats another.
    """
    a, b = _as_rows(values), _as_rows(reference)
    if a.shape != b.shape:
        raise ValueError(f"paired samples differ in shape: {a.shape} vs {b.shape}")
    return bootstrap_ci(a - b, n_resamples=n_resamples, level=level, seed=seed)
