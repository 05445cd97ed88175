"""``sync_stores``: copy every vector from one store to another, safely re-runnable."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from segue.engine import FloatMatrix, IdArray
from segue.errors import DimensionMismatch, InvalidInput

from ._protocol import VectorStore
from ._writes import IndexGeneration, changed_rows, write_vectors

__all__ = ["AttributesFor", "SyncReport", "sync_stores"]

#: looks up the attributes (artist, visibility, ...) to write with some ids
AttributesFor = Callable[[IdArray], Awaitable[Mapping[str, Sequence[Any]]]]


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What :func:`sync_stores` did, and the two stores' sizes afterwards."""

    scanned: int
    written: int
    unchanged: int
    source_count: int
    target_count: int

    @property
    def complete(self) -> bool:
        """Every scanned id was found in, or written to, the target."""
        return self.scanned == self.written + self.unchanged


async def sync_stores(
    source: VectorStore,
    target: VectorStore,
    *,
    generation: IndexGeneration,
    read_batch: int = 1000,
    write_batch: int = 20_000,
    skip_unchanged: bool = True,
    attributes_for: AttributesFor | None = None,
    on_progress: Callable[[int], None] | None = None,
    trust_empty_target: bool = True,
) -> SyncReport:
    """Copy every vector of ``source`` into ``target``; safe to re-run after an interruption.

    Reads ``read_batch`` ids at a time in id order; with ``skip_unchanged`` it leaves out
    ids the target already holds with an identical vector, so a re-run only writes what
    is missing; a target empty at the start (no dimension yet: a first load) has nothing
    to compare with, so it is not asked (``trust_empty_target=False`` asks anyway, one
    request per ``read_batch`` ids, as before). Writes go out ``write_batch`` rows at a
    time (each one atomic in both backends, and idempotent), so memory stays bounded; each
    moves ``generation`` (the index generation of the catalog served from ``target``), and
    a sync that changes nothing does not move it. Ids only in the target stay.
    ``attributes_for(ids)`` supplies attributes to write with them (turbopuffer keeps
    them; an upsert replaces the whole document). ``on_progress(n)`` counts ids done:
    written, or found unchanged.

        >>> report = await sync_stores(  # doctest: +SKIP
        ...     local, tpuf, generation=CatalogIndexGeneration(database), on_progress=bar.advance)
        >>> report.complete, report.written  # doctest: +SKIP
        (True, 5000)
    """
    if read_batch < 1 or write_batch < 1:
        raise InvalidInput("batch sizes must be positive")
    src_dim = await source.dimension()
    dst_dim = await target.dimension()
    if src_dim is not None and dst_dim is not None and src_dim != dst_dim:
        raise DimensionMismatch(f"the source has dimension {src_dim}, the target {dst_dim}")
    # A first load: every id is new, and a fetch per batch would only say so (a 100k-row
    # load into turbopuffer made 100 such requests).
    compare = skip_unchanged and (dst_dim is not None or not trust_empty_target)
    scanned = written = unchanged = 0
    pending_ids: list[IdArray] = []
    pending_vecs: list[FloatMatrix] = []

    async def flush() -> int:
        if not pending_ids:
            return 0
        ids, vecs = np.concatenate(pending_ids), np.vstack(pending_vecs)
        pending_ids.clear()
        pending_vecs.clear()
        attrs = await attributes_for(ids) if attributes_for is not None else None
        # Compared per read batch below, so attributes are looked up for changed ids only.
        return await write_vectors(
            target,
            ids,
            vecs,
            attrs,
            generation=generation,
            only_changed=False,
            on_progress=on_progress,
        )

    async for batch in source.scan(batch_size=read_batch):
        scanned += len(batch)
        keep = np.ones(len(batch), dtype=bool)
        if compare:
            keep = changed_rows(batch.ids, batch.vectors, await target.get_vectors(batch.ids))
        same = int((~keep).sum())
        unchanged += same
        if same and on_progress is not None:
            on_progress(same)
        if keep.any():
            pending_ids.append(batch.ids[keep])
            pending_vecs.append(batch.vectors[keep])
        if sum(a.size for a in pending_ids) >= write_batch:
            written += await flush()
    written += await flush()
    return SyncReport(scanned, written, unchanged, await source.count(), await target.count())
