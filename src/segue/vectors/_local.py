"""``LocalVectorStore``: the embedded default, a usearch HNSW index in one file."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from usearch.compiled import MetricKind, ScalarKind
from usearch.index import Index

from segue.engine import FloatMatrix, IdArray, Neighbors, check_ids, check_matrix
from segue.errors import DimensionMismatch, InvalidInput, VectorStoreUnavailable

from ._attributes import check_upsert
from ._protocol import FetchedVectors

__all__ = ["LocalVectorStore"]

_ADD_CHUNK = 8192
# Vectors x queries under which a search costs less than a hand-off to a thread.
_INLINE_SEARCH_MAX = 20_000


class LocalVectorStore:
    """The embedded default: a usearch HNSW index in one file.

    Reads memory-map the file, so reopening a large index is instant. Every write builds
    the new index beside the old one and renames it into place, so a crash leaves either
    the old file or the new one, never half of either. Below ``exact_threshold`` vectors
    queries search exhaustively (exact and still fast at that size).

        >>> store = LocalVectorStore(Path("segue-data/vectors.usearch"))  # doctest: +SKIP
        >>> await store.upsert([1, 2], np.eye(2, dtype=np.float32))  # doctest: +SKIP
    """

    max_top_k = 10_000

    def __init__(
        self,
        path: Path,
        *,
        exact_threshold: int = 10_000,
        connectivity: int = 16,
        # 64, not 128: building 100k x 512-d takes ~40% less CPU (87 s vs 140 s here) for a
        # recall@10 of 0.98-0.99 instead of 0.998 (docs/benchmarks.md, "Building the index").
        expansion_add: int = 64,
        # 48: at 100k x 512-d, p50 0.8 ms and recall@10 0.992 (64: 1.15 ms, 0.992; 32: 0.7 ms,
        # 0.990). A query asking for more than this many neighbours searches that deep anyway.
        expansion_search: int = 48,
        add_threads: int = 0,
    ) -> None:
        self.path = Path(path)
        # 0: every core. 1 makes a build reproducible: vectors take index slots in id order,
        # so exact searches break ties between identical vectors the same way every time.
        self.add_threads = add_threads
        self.exact_threshold = exact_threshold
        self.connectivity = connectivity
        self.expansion_add = expansion_add
        self.expansion_search = expansion_search
        self._index: Index | None = None
        self._stamp: tuple[int, int] | None = None
        self._write_lock = asyncio.Lock()

    # -- reading ---------------------------------------------------------------------------

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    def _current(self) -> Index | None:
        """The index as on disk now; re-mapped when another process has replaced the file."""
        stamp = self._file_stamp()
        if stamp != self._stamp:
            self._index = None if stamp is None else self._open_view()
            self._stamp = stamp
        return self._index

    def _open_view(self) -> Index:
        return self._restore(view=True, expansion_search=self.expansion_search)

    def _restore(self, *, view: bool, **options: int) -> Index:
        """The index in the file; :class:`VectorStoreUnavailable` if it cannot be read."""
        try:
            index = Index.restore(str(self.path), view=view, **options)
        except (ValueError, RuntimeError, OSError) as exc:
            # usearch says ValueError for a file that is not an index (truncated, another
            # format) and RuntimeError for its own I/O failures: the store cannot serve.
            raise VectorStoreUnavailable(f"{self.path} cannot be read as an index: {exc}") from exc
        if index is None:
            raise VectorStoreUnavailable(f"{self.path} is not a usearch index")
        return index

    async def dimension(self) -> int | None:
        index = self._current()
        return None if index is None else int(index.ndim)

    async def count(self) -> int:
        index = self._current()
        return 0 if index is None else len(index)

    async def get_vectors(self, ids: Sequence[int] | IdArray) -> FetchedVectors:
        keys = check_ids(ids)
        index = self._current()
        if index is None or not keys.size:
            return FetchedVectors.empty(0 if index is None else int(index.ndim))
        present = keys[np.asarray(index.contains(keys), dtype=bool)]
        return _fetch(index, present)

    async def scan(self, *, batch_size: int = 1000) -> AsyncIterator[FetchedVectors]:
        """Every id and vector in id order, ``batch_size`` at a time.

        Reads one snapshot: the file mapped when the scan starts, even if a writer
        replaces it meanwhile. Holds the ids (8 bytes each) and one batch of vectors.
        """
        if batch_size < 1:
            raise InvalidInput(f"batch_size must be at least 1, got {batch_size}")
        index = self._current()
        if index is None:
            return
        keys = np.sort(np.asarray(index.keys, dtype=np.uint64)).astype(np.int64)
        for start in range(0, keys.size, batch_size):
            yield _fetch(index, keys[start : start + batch_size])

    async def query_many(
        self,
        queries: FloatMatrix,
        *,
        top_k: int,
        exclude: Collection[int] | IdArray = (),
    ) -> list[Neighbors]:
        if top_k < 1:
            raise InvalidInput(f"top_k must be at least 1, got {top_k}")
        index = self._current()
        if index is None:
            q = check_matrix(queries, name="query vectors")
            return [Neighbors.empty() for _ in range(q.shape[0])]
        q = check_matrix(queries, dim=int(index.ndim), name="query vectors")
        excluded = check_ids(exclude)
        # usearch cannot filter inside the search, so ask for enough to survive the filter.
        count = min(top_k + excluded.size, len(index), self.max_top_k + excluded.size)
        if count == 0 or not q.shape[0]:
            return [Neighbors.empty() for _ in range(q.shape[0])]
        exact = len(index) <= self.exact_threshold
        if len(index) * q.shape[0] < _INLINE_SEARCH_MAX:
            matches = index.search(q, count, exact=exact, threads=1)
        else:
            # usearch releases the GIL while it searches (milliseconds at 100k x 512): in a
            # worker thread the event loop keeps serving other requests meanwhile, and
            # timeouts elsewhere (Redis's 50 ms) are not missed because the loop was blocked.
            matches = await asyncio.to_thread(index.search, q, count, exact=exact, threads=1)
        keys = np.atleast_2d(matches.keys).astype(np.int64)
        dists = np.atleast_2d(matches.distances).astype(np.float32)
        # One query row comes back as Matches (1-D, already trimmed), several as BatchMatches.
        counts = getattr(matches, "counts", np.array([keys.shape[1]]))
        out = []
        for row_keys, row_dists, n in zip(keys, dists, counts, strict=True):
            row_keys, row_dists = row_keys[:n], row_dists[:n]
            if excluded.size:
                keep = ~np.isin(row_keys, excluded)
                row_keys, row_dists = row_keys[keep], row_dists[keep]
            out.append(Neighbors(row_keys[:top_k], row_dists[:top_k]))
        return out

    # -- writing ---------------------------------------------------------------------------

    def _writable_copy(self, dim: int) -> Index:
        current = self._current()
        if current is None:
            return Index(
                ndim=dim,
                metric=MetricKind.Cos,
                dtype=ScalarKind.F32,
                connectivity=self.connectivity,
                expansion_add=self.expansion_add,
                expansion_search=self.expansion_search,
            )
        if int(current.ndim) != dim:
            raise DimensionMismatch(f"vectors have dimension {dim}, the index has {current.ndim}")
        return self._restore(
            view=False, expansion_add=self.expansion_add, expansion_search=self.expansion_search
        )

    def _commit(self, index: Index) -> None:
        """Write ``index`` beside the live file, flush it, and rename it into place."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp", dir=self.path.parent)
        os.close(fd)
        try:
            index.save(tmp)
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        self._stamp = None  # re-map the new file on the next read

    def _upsert_sync(
        self, keys: IdArray, matrix: FloatMatrix, on_progress: Callable[[int], None] | None
    ) -> None:
        index = self._writable_copy(matrix.shape[1])
        existing = keys[np.asarray(index.contains(keys), dtype=bool)] if len(index) else keys[:0]
        if existing.size:
            index.remove(existing)
        for start in range(0, keys.size, _ADD_CHUNK):
            stop = min(start + _ADD_CHUNK, keys.size)
            index.add(keys[start:stop], matrix[start:stop], threads=self.add_threads)
            if on_progress is not None:
                on_progress(stop - start)
        self._commit(index)

    def _delete_sync(self, keys: IdArray) -> None:
        current = self._current()
        if current is None or not keys.size:
            return
        index = self._writable_copy(int(current.ndim))
        present = keys[np.asarray(index.contains(keys), dtype=bool)]
        if present.size:
            index.remove(present)
            self._commit(index)

    async def upsert(
        self,
        ids: Sequence[int] | IdArray,
        vectors: FloatMatrix,
        attributes: Mapping[str, Sequence[Any]] | None = None,
        *,
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        """Insert or replace, all or nothing; ``attributes`` are validated, then not stored
        (the catalog has them).

        ``on_progress(n)`` is called as each batch of ``n`` vectors enters the index.
        """
        checked = check_upsert(ids, vectors, attributes)
        keys, matrix = checked.ids, checked.vectors
        if not keys.size:
            return
        async with self._write_lock:
            await asyncio.to_thread(self._upsert_sync, keys, matrix, on_progress)

    async def delete(self, ids: Sequence[int] | IdArray) -> None:
        keys = np.unique(check_ids(ids))
        async with self._write_lock:
            await asyncio.to_thread(self._delete_sync, keys)

    async def aclose(self) -> None:
        self._index = None
        self._stamp = None


def _fetch(index: Index, keys: IdArray) -> FetchedVectors:
    """The vectors of ``keys``, all present in ``index``."""
    if not keys.size:
        return FetchedVectors.empty(int(index.ndim))
    got = index.get(keys)
    rows = [r for r in (got if isinstance(got, tuple) else (got,)) if r is not None]
    if len(rows) != keys.size:
        raise InvalidInput("some ids vanished from the index while it was read")
    matrix = np.vstack(rows).astype(np.float32)
    return FetchedVectors(keys, matrix.reshape(keys.size, int(index.ndim)))
