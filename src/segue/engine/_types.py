"""The engine's array types: vectors, ids, one query's neighbours, the merged ranking."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["FloatMatrix", "IdArray", "Neighbors", "Ranking"]

FloatMatrix = NDArray[np.float32]
IdArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Neighbors:
    """One query's ranked answer: ids by increasing cosine distance."""

    ids: IdArray
    distances: NDArray[np.float32]

    def __post_init__(self) -> None:
        if self.ids.shape != self.distances.shape or self.ids.ndim != 1:
            raise ValueError("ids and distances must be 1-D arrays of the same length")

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @classmethod
    def empty(cls) -> Neighbors:
        return cls(np.empty(0, np.int64), np.empty(0, np.float32))


@dataclass(frozen=True, slots=True)
class Ranking:
    """The merged recommendation: best first, with the RRF score and best distance of each."""

    ids: IdArray
    scores: NDArray[np.float64]
    distances: NDArray[np.float32]

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def head(self, n: int) -> Ranking:
        return Ranking(self.ids[:n], self.scores[:n], self.distances[:n])

    @classmethod
    def empty(cls) -> Ranking:
        return cls(np.empty(0, np.int64), np.empty(0, np.float64), np.empty(0, np.float32))
