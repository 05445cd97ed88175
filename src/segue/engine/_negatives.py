"""Dismissed tracks as negative examples: steering the queries and the order away.

Two pure steps, each a constant as a parameter (0 turns it off), in the spirit of Qdrant's
recommend API with negatives: :func:`push_away` moves the query vectors away from the
negatives (its ``average_vector`` strategy, Rocchio's formula), :func:`demote_near_negatives`
moves a candidate that is closer to a negative than to every playlist track behind the
others (its ``best_score`` strategy).

    >>> push_away(np.array([[1, 0]], np.float32), np.array([[0, 1]], np.float32),
    ...           weight=0.5).round(3).tolist()
    [[1.0, -0.5]]
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._plan import normalize
from ._types import FloatMatrix

__all__ = ["NEGATIVE_PUSH", "NEGATIVE_RADIUS", "demote_near_negatives", "push_away"]

#: :func:`push_away`'s default weight (docs/evaluation.md, "Dismissals as negatives")
NEGATIVE_PUSH = 0.0
#: :func:`demote_near_negatives`'s default radius, in cosine distance (0 is off): the
#: near-duplicate distance, so a dismissed track's other copies and versions go down too;
#: wider radii lost on the evaluation (docs/evaluation.md, "Dismissals as negatives")
NEGATIVE_RADIUS = 0.003


def push_away(queries: FloatMatrix, negatives: FloatMatrix, *, weight: float) -> FloatMatrix:
    """Each query, unit length, minus ``weight`` times the unit mean of the negatives.

    Cosine search ignores the length of a query, so only the direction moves; no
    negatives, a weight of 0 or negatives that cancel out leave the queries as they are.
    """
    if weight < 0:
        raise ValueError(f"weight must be non-negative, got {weight}")
    if weight == 0 or not negatives.shape[0] or not queries.shape[0]:
        return queries
    direction = normalize(normalize(negatives).mean(axis=0, keepdims=True))
    if not np.any(direction):
        return queries
    out: FloatMatrix = (normalize(queries) - weight * direction).astype(np.float32)
    return out


def demote_near_negatives(
    seed_distance: NDArray[np.floating], negative_distance: NDArray[np.floating], *, radius: float
) -> NDArray[np.intp]:
    """Positions ``0..n-1`` reordered: a candidate within ``radius`` (cosine distance) of
    a negative and nearer to it than to every playlist track goes behind all the others;
    both groups keep their order.

        >>> demote_near_negatives(np.array([0.1, 0.3, 0.2]), np.array([0.5, 0.1, 0.9]),
        ...                       radius=0.2).tolist()
        [0, 2, 1]
    """
    if seed_distance.shape != negative_distance.shape:
        raise ValueError("one seed distance and one negative distance per candidate")
    demoted = (negative_distance < radius) & (negative_distance < seed_distance)
    out: NDArray[np.intp] = np.argsort(demoted, kind="stable")
    return out
