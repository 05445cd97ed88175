"""``segue import vectors``: a validated :class:`VectorFile` into the vector store.

>>> data = read_vectors(Path("vectors.parquet"))  # doctest: +SKIP
>>> result = await import_vectors(  # doctest: +SKIP
...     store, data, generation=CatalogIndexGeneration(database), source="vectors.parquet")
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from segue.catalog import Database, Steps, no_progress, resolve_track_uris
from segue.errors import DimensionMismatch, InvalidInput
from segue.vectors import IndexGeneration, VectorStore, write_vectors

from ._vector_checks import VectorFile

__all__ = ["VectorsResult", "import_vectors", "resolve_uris"]


@dataclass(frozen=True, slots=True)
class VectorsResult:
    vectors: int  # rows in the file
    dimension: int
    total: int  # vectors in the store afterwards
    changed: int  # rows the store lacked or held with another vector: those written


async def resolve_uris(database: Database, data: VectorFile) -> VectorFile:
    """``data`` with the ids the catalog holds for its AT-URIs (new URIs get theirs now,
    kept for ever: the tracks of those records get them when they arrive). A file of
    integer ids is returned as it is.

        >>> data = await resolve_uris(database, read_vectors(Path("v.jsonl")))  # doctest: +SKIP
    """
    if data.uris is None:
        return data
    ids = await resolve_track_uris(database, data.uris)
    resolved = np.fromiter((ids[uri] for uri in data.uris), np.int64, len(data.uris))
    return VectorFile(resolved, data.vectors)


async def import_vectors(
    store: VectorStore,
    data: VectorFile,
    *,
    generation: IndexGeneration,
    source: str = "vectors",
    steps: Steps = no_progress,
) -> VectorsResult:
    """Insert or replace ``data`` in ``store``; refused whole if its dimension differs from
    the store's. The local index is replaced atomically, so a failure leaves it as it was.

    Only rows the store lacks or holds with another vector are written, and ``generation``
    (the catalog's index generation) moves only then: re-importing the same file keeps
    every cached ranking.

    Ids need not be in the catalog yet: vectors may come first (``segue embed`` writes
    them before their tracks are imported).
    """
    if data.uris is not None:
        raise InvalidInput(f"{source}: the file names tracks by URI; resolve_uris() first")
    dim = int(data.vectors.shape[1]) if data.vectors.ndim == 2 else 0
    if data.ids.size:
        held = await store.dimension()
        if held is not None and held != dim:
            raise DimensionMismatch(
                f"{source}: the vectors have dimension {dim}, but the store holds vectors "
                f"of dimension {held}; nothing was written"
            )
        changed = await write_vectors(
            store,
            data.ids,
            data.vectors,
            generation=generation,
            on_progress=steps("writing vectors", int(data.ids.size)),
        )
    else:
        changed = 0
    return VectorsResult(
        vectors=int(data.ids.size), dimension=dim, total=await store.count(), changed=changed
    )
