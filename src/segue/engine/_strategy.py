"""The ``Strategy`` protocol and its ``QueryPlan``: pure functions around one multi-query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from ._types import FloatMatrix, IdArray, Neighbors, Ranking

__all__ = ["QueryPlan", "Strategy"]


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """What a strategy asks the vector store: one ``query_many`` call.

    ``weights`` holds one weight per query row, for strategies that fuse the lists
    unequally; ``center`` is the row holding the playlist's mean when a strategy scores
    that list apart (``None`` otherwise).
    """

    queries: FloatMatrix
    top_k: int
    weights: NDArray[np.float64]
    center: int | None = None

    def __post_init__(self) -> None:
        if self.weights.shape != (self.queries.shape[0],):
            raise ValueError("weights must hold one value per query row")
        if self.top_k < 1:
            raise ValueError(f"top_k must be at least 1, got {self.top_k}")
        if self.center is not None and not 0 <= self.center < self.queries.shape[0]:
            raise ValueError(f"center row {self.center} is not a query row")

    def __len__(self) -> int:
        return int(self.queries.shape[0])


@runtime_checkable
class Strategy(Protocol):
    """A recommendation strategy: pure functions around the store's one multi-query.

    ``plan`` turns the playlist's vectors into query vectors; ``rank`` turns the store's
    ranked lists into the recommendation. Neither does I/O, so a request costs exactly two
    store round trips (fetch the playlist's vectors, then one ``query_many``).
    """

    @property
    def name(self) -> str:
        """The name the strategy is registered under."""
        ...

    def plan(
        self, vectors: FloatMatrix, *, limit: int, n_excluded: int, max_top_k: int
    ) -> QueryPlan:
        """The queries for a playlist whose (non-empty) vectors are ``vectors``."""
        ...

    def rank(
        self, plan: QueryPlan, lists: Sequence[Neighbors], *, exclude: IdArray, limit: int
    ) -> Ranking:
        """At most ``limit`` tracks, best first, none of them in ``exclude``."""
        ...
