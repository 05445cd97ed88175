"""Candidates against the playlist's vectors: the closest track ("because") and
near-identical vectors (the same recording under another id).

    >>> seeds = np.array([[1, 0], [0, 1]], np.float32)
    >>> idx, dist = closest_seeds(np.array([[0.1, 2.0]], np.float32), seeds)
    >>> idx.tolist(), round(float(dist[0]), 4)
    ([1], 0.0012)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from segue._strategy_names import DEFAULT_NEAR_DUPLICATE_DISTANCE

from ._negatives import NEGATIVE_RADIUS, demote_near_negatives
from ._plan import normalize
from ._types import FloatMatrix, IdArray, Neighbors, Ranking

__all__ = ["DEFAULT_NEAR_DUPLICATE_DISTANCE", "closest_seeds", "cosine_distances", "explain"]

# DEFAULT_NEAR_DUPLICATE_DISTANCE lives in segue._strategy_names (settings read it
# without numpy).


def cosine_distances(a: FloatMatrix, b: FloatMatrix) -> NDArray[np.float32]:
    """``(len(a), len(b))`` cosine distances; a zero vector is at distance 1 from all."""
    sims = normalize(np.asarray(a, np.float32)) @ normalize(np.asarray(b, np.float32)).T
    out: NDArray[np.float32] = (1.0 - np.clip(sims, -1.0, 1.0)).astype(np.float32)
    return out


def closest_seeds(
    candidates: FloatMatrix, seeds: FloatMatrix
) -> tuple[NDArray[np.intp], NDArray[np.float32]]:
    """For each candidate row: the row of the closest of ``seeds`` by cosine, and its
    distance. Ties go to the earlier seed row."""
    if not seeds.shape[0]:
        raise ValueError("closest_seeds needs at least one seed vector")
    if not candidates.shape[0]:
        return np.empty(0, np.intp), np.empty(0, np.float32)
    dist = cosine_distances(candidates, seeds)
    idx = dist.argmin(axis=1)
    return idx, dist[np.arange(idx.size), idx]


def explain(
    ranking: Ranking,
    lists: Sequence[Neighbors],
    seed_ids: IdArray,
    seed_vectors: FloatMatrix,
    *,
    limit: int,
    near_duplicate_distance: float = DEFAULT_NEAR_DUPLICATE_DISTANCE,
    negatives: FloatMatrix | None = None,
    negative_radius: float = NEGATIVE_RADIUS,
) -> Ranking:
    """The first ``limit`` tracks of ``ranking`` that are not near-duplicates of a seed,
    each with ``because``: the id of the seed (playlist track) closest to it.

    A candidate whose cosine distance to some seed is below ``near_duplicate_distance``
    is the same recording under another id and is dropped (0 drops none). The
    candidates' vectors come from ``lists`` (a store's answer with ``with_vectors``), so
    this costs no store round trip; only as many candidates as needed are compared, a
    window at a time. With ``negatives`` (dismissed tracks' vectors) and a positive
    ``negative_radius``, every candidate is compared first, and those within that radius
    of a negative and nearer to it than to the playlist are demoted
    (:func:`demote_near_negatives`).

        >>> lst = Neighbors(np.array([7, 8]), np.zeros(2, np.float32),
        ...                 np.array([[1, 0], [0, 1]], np.float32))
        >>> r = Ranking.unexplained(np.array([8, 7]), np.array([2.0, 1.0]), np.zeros(2, np.float32))
        >>> explain(r, [lst], np.array([3, 4]), np.array([[1, 0.1], [1, 1]], np.float32),
        ...         limit=2).because.tolist()
        [4, 3]
    """
    if not len(ranking) or limit < 1:
        return ranking.head(0)
    if any(lst.vectors is None for lst in lists):
        raise ValueError("explain needs the candidates' vectors (query_many with_vectors)")
    known = np.concatenate([lst.ids for lst in lists])
    vectors = np.concatenate([lst.vectors for lst in lists if lst.vectors is not None])
    unique, first = np.unique(known, return_index=True)

    def rows_of(ids: IdArray) -> NDArray[np.intp]:
        at = np.searchsorted(unique, ids)
        if np.any(at >= unique.size) or np.any(unique[np.minimum(at, unique.size - 1)] != ids):
            raise ValueError("a ranked id is in none of the lists")
        out: NDArray[np.intp] = first[at]
        return out

    if negatives is not None and negatives.shape[0] and negative_radius > 0:
        candidates = vectors[rows_of(ranking.ids)]
        _, to_seed = closest_seeds(candidates, seed_vectors)
        to_negative = cosine_distances(candidates, negatives).min(axis=1)
        ranking = ranking.take(demote_near_negatives(to_seed, to_negative, radius=negative_radius))
    kept: list[NDArray[np.intp]] = []
    because: list[IdArray] = []
    n_kept, start = 0, 0
    while start < len(ranking) and n_kept < limit:
        # Twice what is still missing: near-duplicates are rare, so one window is the rule.
        stop = min(len(ranking), start + 2 * (limit - n_kept))
        seed_row, dist = closest_seeds(vectors[rows_of(ranking.ids[start:stop])], seed_vectors)
        ok = np.flatnonzero(~(dist < near_duplicate_distance))[: limit - n_kept]
        kept.append(start + ok)
        because.append(seed_ids[seed_row[ok]])
        n_kept += ok.size
        start = stop
    positions = np.concatenate(kept)
    out = ranking.take(positions)
    return Ranking(out.ids, out.scores, out.distances, np.concatenate(because).astype(np.int64))
