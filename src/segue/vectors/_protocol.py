"""The ``VectorStore`` protocol every backend implements (and passes the contract suite for)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from segue._lifecycle import AsyncResource
from segue.engine import FloatMatrix, IdArray, Neighbors

__all__ = ["Attributes", "Exclude", "FetchedVectors", "Ids", "OnProgress", "VectorStore"]

#: the ids a query leaves out: any collection of ints, or an id array
Exclude = Collection[int] | IdArray
#: the ids a read or a write names, in order: a sequence of ints, or an id array
Ids = Sequence[int] | IdArray
#: per-row attributes of an upsert, one value per id (``{"artist": [...], ...}``)
Attributes = Mapping[str, Sequence[Any]]
#: called with how many rows a long write has done so far
OnProgress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class FetchedVectors:
    """The vectors a store holds for some requested ids, in request order; missing ids skipped."""

    ids: IdArray
    vectors: FloatMatrix

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @classmethod
    def empty(cls, dim: int = 0) -> FetchedVectors:
        return cls(np.empty(0, np.int64), np.empty((0, dim), np.float32))


@runtime_checkable
class VectorStore(AsyncResource, Protocol):
    """Where track embeddings live. Every backend passes the same contract suite.

    Distances are cosine distances (``1 - cosine similarity``). Each method is one round
    trip to the backend, whatever the number of ids or query vectors. ``async with`` closes
    the store on the way out (``aclose()``).
    """

    #: the most neighbours one query may ask for
    max_top_k: int

    @property
    def identity(self) -> str:
        """Which index this is and how it is searched (backend, where it lives, search
        parameters), for the recommendation cache key: two stores that may rank
        differently never share one. Stable across processes and restarts, unchanged by
        writes (those move the index generation instead); never carries a secret."""
        ...

    async def dimension(self) -> int | None:
        """The vectors' dimension, or ``None`` while the store is empty."""
        ...

    async def count(self) -> int: ...

    async def get_vectors(self, ids: Ids) -> FetchedVectors: ...

    async def query_many(
        self, queries: FloatMatrix, *, top_k: int, exclude: Exclude = (), with_vectors: bool = False
    ) -> list[Neighbors]:
        """Nearest neighbours of each query row, ``exclude`` ids filtered out, at most top_k.

        ``with_vectors``: each neighbour's stored vector comes back too
        (``Neighbors.vectors``), exactly as upserted, in the same round trip.
        """
        ...

    async def upsert(
        self, ids: Ids, vectors: FloatMatrix, attributes: Attributes | None = None
    ) -> None:
        """Insert or replace vectors by id, with optional per-row attributes (one value
        per id, e.g. ``{"artist": [...], "visibility": [...]}``); all or nothing."""
        ...

    async def delete(self, ids: Ids) -> None: ...

    def scan(self, *, batch_size: int = 1000) -> AsyncIterator[FetchedVectors]:
        """Every id and its vector, in id order, at most ``batch_size`` at a time."""
        ...
