"""``write_vectors``: the one way Segue writes vectors, so every write moves the index
generation, and only a write that changes something does.

Cached rankings are keyed by the catalog's index generation. A write that changes vectors
must move it, or a cached ranking computed from the old vectors is served until it
expires; a write that changes nothing must not, or every cached ranking is thrown away
for nothing (a nightly idempotent import would cost a full round of misses). So the
vectors about to be written are compared with what the store holds (one read per
``read_batch`` ids), only the rows that differ are written, and the generation moves in
a ``finally`` around that write: a write that fails part-way (a turbopuffer upsert of
several requests, an interrupted ``segue embed``) may have landed, so it moves too.

    >>> changed = await write_vectors(store, ids, vectors, generation=gen)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from segue.engine import FloatMatrix, IdArray

from ._attributes import check_upsert
from ._local import LocalVectorStore
from ._protocol import FetchedVectors, VectorStore
from ._turbopuffer import TurbopufferVectorStore

__all__ = ["IndexGeneration", "changed_rows", "write_vectors"]

#: ids compared per read of the store
READ_BATCH = 10_000


class IndexGeneration(Protocol):
    """The counter in the cache key that says which vectors a cached ranking was computed
    from (``segue.catalog.CatalogIndexGeneration`` is the real one)."""

    async def move(self) -> None:
        """Make cached rankings computed before now stop being read."""
        ...


def changed_rows(ids: IdArray, vectors: FloatMatrix, held: FetchedVectors) -> np.ndarray:
    """Mask of the rows of ``ids``/``vectors`` that ``held`` (what the store holds for some
    of those ids) lacks, or holds with another vector. ``ids`` must be unique.

    >>> held = FetchedVectors(np.array([2]), np.array([[0.0, 1.0]], np.float32))
    >>> changed_rows(np.array([1, 2]), np.eye(2, dtype=np.float32), held).tolist()
    [True, False]
    """
    changed = np.ones(ids.shape[0], dtype=bool)
    if not len(held):
        return changed
    order = np.argsort(ids)
    rows = order[np.searchsorted(ids, held.ids, sorter=order)]
    same = np.all(vectors[rows] == held.vectors, axis=1)
    changed[rows[same]] = False
    return changed


async def write_vectors(
    store: VectorStore,
    ids: Sequence[int] | IdArray,
    vectors: FloatMatrix,
    attributes: Mapping[str, Sequence[Any]] | None = None,
    *,
    generation: IndexGeneration,
    only_changed: bool = True,
    read_batch: int = READ_BATCH,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Upsert the rows whose vector the store lacks or holds differently; how many.

    ``generation`` moves after that write (in a ``finally``), and only if there was one.
    With ``only_changed=False`` every row is written and counts as changed (a rewrite of
    attributes, which the comparison does not look at). ``on_progress(n)`` counts rows
    done: found unchanged, or written.
    """
    checked = check_upsert(ids, vectors, attributes)
    keys, matrix = checked.ids, checked.vectors
    changed = np.ones(keys.shape[0], dtype=bool)
    if only_changed:
        for start in range(0, keys.shape[0], max(1, read_batch)):
            part = slice(start, start + read_batch)
            held = await store.get_vectors(keys[part])
            changed[part] = changed_rows(keys[part], matrix[part], held)
    count = int(changed.sum())
    if on_progress is not None and count < keys.shape[0]:
        on_progress(int(keys.shape[0]) - count)
    if not count:
        return 0
    # Attribute values may be lists: picked by row number, not through a numpy array.
    rows = np.flatnonzero(changed).tolist()
    attrs = {name: [values[i] for i in rows] for name, values in checked.attributes.items()}
    try:
        await _upsert(store, keys[changed], matrix[changed], attrs or None, on_progress)
    finally:
        await generation.move()
    return count


async def _upsert(
    store: VectorStore,
    ids: IdArray,
    vectors: FloatMatrix,
    attributes: Mapping[str, Sequence[Any]] | None,
    on_progress: Callable[[int], None] | None,
) -> None:
    # The two backends report progress batch by batch; the protocol does not promise it.
    if isinstance(store, LocalVectorStore | TurbopufferVectorStore):
        await store.upsert(ids, vectors, attributes, on_progress=on_progress)
        return
    await store.upsert(ids, vectors, attributes)
    if on_progress is not None:
        on_progress(int(ids.shape[0]))
