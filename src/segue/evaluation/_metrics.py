"""Ranking metrics with binary gains: hit rate, recall and nDCG at k."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["METRICS", "hit_rate", "ndcg", "recall", "score_ranking"]

#: the reported metrics, in column order
METRICS = ("HR@10", "R@10", "nDCG@10", "HR@50", "R@50")


def _relevance(ranked: ArrayLike, hidden: ArrayLike, k: int) -> tuple[NDArray[np.bool_], int]:
    """Whether each of the top ``k`` is a hidden track (a repeat counts once), and #hidden."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    targets = np.unique(np.asarray(hidden))
    if not targets.size:
        raise ValueError("there must be at least one hidden track")
    top = np.asarray(ranked)[:k]
    _, first = np.unique(top, return_index=True)
    is_first = np.zeros(top.size, bool)
    is_first[first] = True
    return np.isin(top, targets) & is_first, int(targets.size)


def hit_rate(ranked: ArrayLike, hidden: ArrayLike, k: int) -> float:
    """1.0 if any hidden track is in the top ``k``, else 0.0.

    >>> hit_rate([5, 3, 9], [9, 1], 2), hit_rate([5, 3, 9], [9, 1], 3)
    (0.0, 1.0)
    """
    rel, _ = _relevance(ranked, hidden, k)
    return float(rel.any())


def recall(ranked: ArrayLike, hidden: ArrayLike, k: int) -> float:
    """Hidden tracks in the top ``k`` / hidden tracks.

    >>> recall([5, 3, 9], [9, 1], 3)
    0.5
    """
    rel, n_hidden = _relevance(ranked, hidden, k)
    return float(rel.sum()) / n_hidden


def ndcg(ranked: ArrayLike, hidden: ArrayLike, k: int) -> float:
    """nDCG@k with binary gains: DCG / the DCG of min(k, #hidden) hits at the top.

    >>> round(ndcg([5, 9], [9], 2), 4)  # 1/log2(3)
    0.6309
    """
    rel, n_hidden = _relevance(ranked, hidden, k)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = float((rel * discounts[: rel.size]).sum())
    ideal = float(discounts[: min(k, n_hidden)].sum())
    return dcg / ideal


def score_ranking(ranked: ArrayLike, hidden: ArrayLike) -> NDArray[np.float64]:
    """All of :data:`METRICS` for one ranked list, in that order.

    >>> score_ranking([9], [9]).tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0]
    """
    return np.array(
        [
            hit_rate(ranked, hidden, 10),
            recall(ranked, hidden, 10),
            ndcg(ranked, hidden, 10),
            hit_rate(ranked, hidden, 50),
            recall(ranked, hidden, 50),
        ]
    )
