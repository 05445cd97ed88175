"""Does the vector store hold exactly the catalog's tracks? What ``segue check`` reports.

Tracks still waiting for their vector are *pending*, a normal state (tracks are imported
before they are embedded), unless no track has one at all; vectors without a track,
invalid vectors, a dimension mismatch and a store without a single vector beside a catalog
with tracks are *damage*. The report is ``consistent`` when there is no damage.

>>> report = await check_consistency(database, store)  # doctest: +SKIP
>>> report.consistent, report.damaged, report.tracks_without_vectors[:3]  # doctest: +SKIP
(True, False, [17, 203, 999])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from segue.catalog import Database, Steps, all_track_ids, no_progress
from segue.engine import IdArray
from segue.vectors import VectorStore

__all__ = ["ConsistencyReport", "check_consistency"]

_SCAN_BATCH = 1000


@dataclass(frozen=True, slots=True)
class ConsistencyReport:
    """Differences between the catalog and the vector store; ``consistent`` when no damage.

    Pending, not damage: ``tracks_without_vectors``, tracks (not deleted) the store has no
    vector for yet; until they have one they are never recommended nor used as seeds.
    Damage: ``vectors_without_tracks``, vectors whose id is no track at all (they take
    candidate slots that hydration then drops); ``invalid_vectors``, ids whose vector is not
    finite or is all zeros (cosine distance means nothing there); a ``dimension_mismatch``.
    Vectors of deleted tracks are counted but are neither: hydration skips them.
    """

    tracks: int
    vectors: int
    dimension: int | None
    expected_dimension: int | None
    tracks_without_vectors: list[int] = field(default_factory=list)
    vectors_without_tracks: list[int] = field(default_factory=list)
    invalid_vectors: list[int] = field(default_factory=list)
    vectors_of_deleted_tracks: int = 0

    @property
    def dimension_mismatch(self) -> bool:
        return (
            self.expected_dimension is not None
            and self.dimension is not None
            and self.dimension != self.expected_dimension
        )

    @property
    def pending(self) -> int:
        """How many tracks have no vector yet (normal after an import, before embedding)."""
        return len(self.tracks_without_vectors)

    @property
    def no_vectors_at_all(self) -> bool:
        """Tracks, and not one vector: not "pending" but the wrong store (another data dir,
        another backend or namespace) or an import never made; nothing can be recommended."""
        return self.tracks > 0 and self.vectors == 0

    @property
    def damaged(self) -> bool:
        """Orphan vectors, invalid vectors, a dimension mismatch, or tracks with no vector at
        all: something to repair."""
        return bool(
            self.vectors_without_tracks
            or self.invalid_vectors
            or self.dimension_mismatch
            or self.no_vectors_at_all
        )

    @property
    def consistent(self) -> bool:
        """No damage (pending tracks are allowed): what ``segue check`` exits 0 for."""
        return not self.damaged


async def _track_ids(database: Database) -> tuple[IdArray, IdArray]:
    """(ids of tracks not deleted, ids of deleted tracks), each sorted."""
    live, deleted = await all_track_ids(database)
    return np.asarray(live, np.int64), np.asarray(deleted, np.int64)


async def check_consistency(
    database: Database,
    store: VectorStore,
    *,
    expected_dimension: int | None = None,
    steps: Steps = no_progress,
) -> ConsistencyReport:
    """Compare every track id in the catalog with every vector in the store.

    Reads all track ids and scans the store once (vectors in batches, so memory holds the
    ids and one batch); each vector is checked for its dimension and for finite, non-zero
    values. Differences are returned in full, sorted by id. ``steps`` hears of the scan,
    batch by batch (``segue check``'s progress).
    """
    live, deleted = await _track_ids(database)
    dimension = await store.dimension()
    advance = steps("checking vectors", await store.count())
    vector_ids: list[IdArray] = []
    invalid: list[IdArray] = []
    async for batch in store.scan(batch_size=_SCAN_BATCH):
        if dimension is not None and batch.vectors.shape[1] != dimension:
            # One store, one dimension: anything else is a corrupt store, reported per id.
            invalid.append(batch.ids)
        else:
            norms = np.linalg.norm(batch.vectors, axis=1)
            bad = ~np.isfinite(batch.vectors).all(axis=1) | ~(norms > 0)
            invalid.append(batch.ids[bad])
        vector_ids.append(batch.ids)
        advance(len(batch.ids))
    in_store = np.unique(np.concatenate(vector_ids)) if vector_ids else np.empty(0, np.int64)
    orphans = np.setdiff1d(in_store, np.union1d(live, deleted), assume_unique=True)
    return ConsistencyReport(
        tracks=int(live.size),
        vectors=int(in_store.size),
        dimension=dimension,
        expected_dimension=expected_dimension,
        tracks_without_vectors=np.setdiff1d(live, in_store, assume_unique=True).tolist(),
        vectors_without_tracks=orphans.tolist(),
        invalid_vectors=np.sort(np.concatenate(invalid)).tolist() if invalid else [],
        vectors_of_deleted_tracks=int(np.intersect1d(in_store, deleted).size),
    )
