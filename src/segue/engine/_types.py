"""The engine's array types: vectors, ids, one query's neighbours, the merged ranking."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["NO_REASON", "FloatMatrix", "IdArray", "Neighbors", "Ranking"]

FloatMatrix = NDArray[np.float32]
IdArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Neighbors:
    """One query's ranked answer: ids by increasing cosine distance.

    ``vectors`` holds each neighbour's stored vector (row ``i`` for ``ids[i]``) when the
    store was asked for them (``query_many(..., with_vectors=True)``), else ``None``.
    """

    ids: IdArray
    distances: NDArray[np.float32]
    vectors: FloatMatrix | None = None

    def __post_init__(self) -> None:
        if self.ids.shape != self.distances.shape or self.ids.ndim != 1:
            raise ValueError("ids and distances must be 1-D arrays of the same length")
        if self.vectors is not None and (
            self.vectors.ndim != 2 or self.vectors.shape[0] != self.ids.shape[0]
        ):
            raise ValueError("vectors must hold one row per id")

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @classmethod
    def empty(cls, dim: int | None = None) -> Neighbors:
        """No neighbours; with ``dim``, an empty ``(0, dim)`` matrix of vectors too."""
        vectors = None if dim is None else np.empty((0, dim), np.float32)
        return cls(np.empty(0, np.int64), np.empty(0, np.float32), vectors)


#: ``Ranking.because`` of a track whose closest playlist track is not known (yet)
NO_REASON = -1


@dataclass(frozen=True, slots=True)
class Ranking:
    """The merged recommendation: best first, with the fused score and best distance of
    each, and ``because``: the playlist track each is closest to by cosine
    (:data:`NO_REASON` where unknown; a strategy's ``rank`` leaves it so, the pipeline
    fills it in).

        >>> r = Ranking(np.array([5, 6]), np.array([2.0, 1.0]), np.zeros(2, np.float32),
        ...             np.array([1, 1]))
        >>> r.head(1).because.tolist()
        [1]
    """

    ids: IdArray
    scores: NDArray[np.float64]
    distances: NDArray[np.float32]
    because: IdArray

    def __post_init__(self) -> None:
        n = self.ids.shape
        if self.scores.shape != n or self.distances.shape != n or self.because.shape != n:
            raise ValueError("a ranking's arrays must have one entry per id")

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def head(self, n: int) -> Ranking:
        return Ranking(self.ids[:n], self.scores[:n], self.distances[:n], self.because[:n])

    def take(self, positions: NDArray[np.intp]) -> Ranking:
        """The tracks at ``positions``, in that order (e.g. what a filter kept)."""
        return Ranking(
            self.ids[positions],
            self.scores[positions],
            self.distances[positions],
            self.because[positions],
        )

    @classmethod
    def unexplained(
        cls, ids: IdArray, scores: NDArray[np.float64], distances: NDArray[np.float32]
    ) -> Ranking:
        """A ranking whose ``because`` is not known yet (all :data:`NO_REASON`)."""
        return cls(ids, scores, distances, np.full(ids.shape, NO_REASON, np.int64))

    @classmethod
    def empty(cls) -> Ranking:
        return cls.unexplained(
            np.empty(0, np.int64), np.empty(0, np.float64), np.empty(0, np.float32)
        )
