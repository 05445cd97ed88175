"""A plain pure-Python implementation of the adaptive strategy, kept as the benchmark's
reference: lists of floats, k-means with random initialisation and up to 20 iterations,
RRF with dicts. It is what the engine would be without numpy."""

from __future__ import annotations

import math
import random

__all__ = ["plan_queries", "rrf_merge"]


def _unit(v: list[float]) -> list[float]:
    n = math.sqrt(sum(x * x for x in v))
    return [x / n for x in v] if n else v


def _sq(a: list[float], b: list[float]) -> float:
    return sum((x - y) * (x - y) for x, y in zip(a, b, strict=True))


def kmeans(
    points: list[list[float]], k: int, *, seed: int = 0, max_iter: int = 20
) -> list[list[float]]:
    rng = random.Random(seed)
    centroids = [list(p) for p in rng.sample(points, k)]
    dim = len(points[0])
    for _ in range(max_iter):
        groups: list[list[list[float]]] = [[] for _ in range(k)]
        for p in points:
            j = min(range(k), key=lambda c: _sq(p, centroids[c]))
            groups[j].append(p)
        new = []
        for j, g in enumerate(groups):
            if g:
                new.append([sum(p[i] for p in g) / len(g) for i in range(dim)])
            else:
                new.append(centroids[j])
        if new == centroids:
            break
        centroids = new
    return centroids


def plan_queries(vectors: list[list[float]]) -> list[list[float]]:
    n = len(vectors)
    if n <= 5:
        return vectors
    return kmeans([_unit(v) for v in vectors], min(3, n // 2))


def rrf_merge(
    lists: list[list[tuple[int, float]]], *, k: int = 60, exclude: set[int], limit: int
) -> list[tuple[int, float]]:
    scores: dict[int, float] = {}
    best: dict[int, float] = {}
    for lst in lists:
        for rank, (tid, dist) in enumerate(lst, 1):
            if tid in exclude:
                continue
            scores[tid] = scores.get(tid, 0.0) + 1.0 / (k + rank)
            best[tid] = min(best.get(tid, math.inf), dist)
    ranked = sorted(scores, key=lambda t: (-scores[t], best[t], t))
    return [(t, best[t]) for t in ranked[:limit]]
