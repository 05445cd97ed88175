"""Pooling ranked lists into flat candidate arrays, and a deterministic descending order."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from ._types import IdArray, Neighbors

__all__ = ["Pooled", "order_desc", "pool_lists", "positions"]


class Pooled:
    """Every (list, candidate) pair of some ranked lists, flattened, exclusions removed.

    ``unique`` holds each candidate once (sorted); ``inverse`` maps each pair to it, so
    per-candidate sums are one ``np.bincount``. ``rank`` is the 1-based position of the pair
    in its list, ``sim`` its cosine similarity and ``list_index`` the list it came from.
    """

    __slots__ = ("best", "inverse", "list_index", "rank", "sim", "unique")

    def __init__(self, lists: Sequence[Neighbors], exclude: IdArray) -> None:
        ids_parts, rank_parts, dist_parts, owner_parts = [], [], [], []
        for i, lst in enumerate(lists):
            # A repeated id within one list counts once, at its best rank (as in rrf_merge).
            _, first = np.unique(lst.ids, return_index=True)
            first.sort()
            ids_parts.append(lst.ids[first])
            rank_parts.append(first + 1)
            dist_parts.append(lst.distances[first])
            owner_parts.append(np.full(first.size, i, np.intp))
        if ids_parts:
            ids = np.concatenate(ids_parts).astype(np.int64, copy=False)
            ranks = np.concatenate(rank_parts).astype(np.float64)
            dists = np.concatenate(dist_parts).astype(np.float32, copy=False)
            owner = np.concatenate(owner_parts)
        else:
            ids, ranks = np.empty(0, np.int64), np.empty(0)
            dists, owner = np.empty(0, np.float32), np.empty(0, np.intp)
        if exclude.size and ids.size:
            keep = ~np.isin(ids, exclude)
            ids, ranks, dists, owner = ids[keep], ranks[keep], dists[keep], owner[keep]
        self.unique, self.inverse = np.unique(ids, return_inverse=True)
        self.rank = ranks
        self.sim = 1.0 - dists.astype(np.float64)
        self.list_index = owner
        best = np.full(self.unique.size, np.inf, dtype=np.float32)
        np.minimum.at(best, self.inverse, dists)
        self.best: NDArray[np.float32] = best

    def __len__(self) -> int:
        return int(self.unique.size)

    def total(self, contributions: NDArray[np.float64]) -> NDArray[np.float64]:
        """Per-candidate sum of one value per pair."""
        out: NDArray[np.float64] = np.bincount(
            self.inverse, weights=contributions, minlength=self.unique.size
        ).astype(np.float64, copy=False)
        return out


def pool_lists(lists: Sequence[Neighbors], exclude: IdArray) -> Pooled:
    """Flatten ranked lists into candidate/pair arrays, without the excluded ids."""
    return Pooled(lists, exclude)


def order_desc(
    scores: NDArray[np.float64], ids: IdArray, best: NDArray[np.float32]
) -> NDArray[np.intp]:
    """Indices by score descending; ties by best distance, then id (order-independent)."""
    return np.lexsort((ids, best, -scores))


def positions(order: NDArray[np.intp]) -> NDArray[np.float64]:
    """1-based rank of each element, given the indices in ranked order."""
    pos = np.empty(order.size, np.float64)
    pos[order] = np.arange(1, order.size + 1)
    return pos
