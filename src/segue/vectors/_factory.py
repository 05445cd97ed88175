"""``open_store(settings)``: the configured vector store."""

from __future__ import annotations

from segue.errors import Misconfigured
from segue.settings import Settings, TurbopufferConsistency, VectorBackend

from ._local import LocalVectorStore
from ._protocol import VectorStore
from ._turbopuffer import TurbopufferVectorStore

__all__ = ["max_cache_seconds", "open_store", "warm_cache"]


def open_store(settings: Settings, *, writing: bool = False) -> VectorStore:
    """The configured backend; call once per process, share it, and ``aclose()`` it at the end.

        >>> async with open_store(settings) as store:  # doctest: +SKIP
        ...     ranking = await recommend(store, [12, 40], limit=5, strategy="centroid")

    The turbopuffer backend creates its one API client (and connection pool) here.

    ``writing``: for a process that writes vectors (imports, ``segue embed``, ``segue
    vectors sync``). Its reads decide what to write (the rows a store lacks or holds
    differently) or what to copy, so on turbopuffer they are strong whatever
    ``SEGUE_TURBOPUFFER_CONSISTENCY`` says: an eventual read up to 60 s stale could find a
    revert already written and skip it, and the store would keep the newer vectors.
    """
    if settings.vector_backend is VectorBackend.LOCAL:
        return LocalVectorStore(
            settings.index_path,
            dtype=settings.local_index_dtype.value,
            exact_threshold=settings.local_exact_threshold,
            expansion_search=settings.local_ef_search,
        )
    if settings.vector_backend is VectorBackend.TURBOPUFFER:
        if writing:
            settings = settings.model_copy(
                update={"turbopuffer_consistency": TurbopufferConsistency.STRONG}
            )
        return TurbopufferVectorStore.from_settings(settings)
    raise Misconfigured(f"vector backend {settings.vector_backend.value!r} is not available here")


async def warm_cache(store: VectorStore) -> None:
    """Ask the store to get ready for the first queries (turbopuffer: ``hint_cache_warm``),
    when a process starts; best effort, never an error. The local index needs nothing."""
    if isinstance(store, TurbopufferVectorStore):
        await store.warm()


def max_cache_seconds(store: VectorStore, index_generation: int | None = None) -> float | None:
    """The longest a ranking computed now from ``store`` may be cached, or ``None`` for no
    limit of the store's: turbopuffer with eventual reads, within its staleness bound of a
    vector write (``index_generation``: the catalog's, which every write moves)."""
    if isinstance(store, TurbopufferVectorStore):
        return store.max_cache_seconds(index_generation)
    return None
