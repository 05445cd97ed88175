"""``LocalVectorStore``: the embedded default, a usearch HNSW index in one file."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import numpy as np
from usearch.compiled import MetricKind, ScalarKind
from usearch.index import Index

from segue._files import fsync_path, replacing
from segue._lifecycle import AsyncClosing
from segue.engine import FloatMatrix, IdArray, Neighbors, check_ids, check_matrix
from segue.errors import DimensionMismatch, InvalidInput, VectorStoreUnavailable

from ._attributes import check_upsert
from ._exact import ExactVectors, write_merged
from ._generations import (
    discard,
    generation_dir,
    graph_of,
    new_generation,
    publish,
    remove_stale,
)
from ._protocol import Attributes, Exclude, FetchedVectors, Ids, OnProgress
from ._snapshot import Snapshot, exact_of, fetch, search

__all__ = ["INDEX_DTYPES", "LocalVectorStore"]

#: graph storage types: f32 holds the exact vectors itself; the others keep them beside it
INDEX_DTYPES = {"f32": ScalarKind.F32, "bf16": ScalarKind.BF16, "f16": ScalarKind.F16}
_ADD_CHUNK = 8192
# Vectors x queries under which a search costs less than a hand-off to a thread.
_INLINE_SEARCH_MAX = 20_000
_OPEN_ATTEMPTS = 3  # a writer may remove a generation between resolving the link and opening it


class LocalVectorStore(AsyncClosing):
    """The embedded default: a usearch HNSW index, memory-mapped.

    ``dtype="f32"``: one file, the graph holding the vectors. ``"bf16"`` or ``"f16"``: the
    graph holds compact copies for the search, the exact f32 vectors are kept beside it
    (``get_vectors``, ``scan`` and re-scored distances use those), and the path is a link
    to the current generation (see ``_generations``). Reads use whatever the file is;
    a write whose ``dtype`` differs from the file's rebuilds the graph in ``dtype``.

    Every write builds the new index beside the old one and renames it into place, so a
    crash leaves either the old index or the new one, never half of either. Below
    ``exact_threshold`` vectors queries search exhaustively (exact and still fast).

        >>> path = Path("segue-data/vectors.usearch")
        >>> async with LocalVectorStore(path) as store:  # doctest: +SKIP
        ...     await store.upsert([1, 2], np.eye(2, dtype=np.float32))
    """

    max_top_k = 10_000

    def __init__(
        self,
        path: Path,
        *,
        dtype: str = "f32",
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
        if dtype not in INDEX_DTYPES:
            raise InvalidInput(f"index dtype must be one of {', '.join(INDEX_DTYPES)}: {dtype!r}")
        self.path = Path(path)
        self.dtype = dtype
        # 0: every core. 1 makes a build reproducible: vectors take index slots in id order,
        # so exact searches break ties between identical vectors the same way every time.
        self.add_threads = add_threads
        self.exact_threshold = exact_threshold
        self.connectivity = connectivity
        self.expansion_add = expansion_add
        self.expansion_search = expansion_search
        self._snapshot: Snapshot | None = None
        self._stamp: tuple[int, int] | None = None
        self._write_lock = asyncio.Lock()

    @property
    def identity(self) -> str:
        # Everything that decides what a query answers: the file (its directory resolved,
        # so two spellings of one path are one index; not the file itself, a link a write
        # moves to the next generation), the graph's type and shape, the search depth and
        # where the search turns exhaustive.
        where = self.path.parent.resolve() / self.path.name
        return (
            f"local:{where}:dtype={self.dtype}:exact_below={self.exact_threshold}"
            f":m={self.connectivity}:ef_add={self.expansion_add}:ef={self.expansion_search}"
        )

    # -- reading ---------------------------------------------------------------------------

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()  # through the link: the current generation's graph
        except FileNotFoundError:
            if self.path.is_symlink():
                return (-1, -1)  # a link whose generation was just replaced: re-resolve
            return None
        return (st.st_ino, st.st_mtime_ns)

    def _current(self) -> Snapshot | None:
        """The index as on disk now; re-mapped when another process has replaced it."""
        for _ in range(_OPEN_ATTEMPTS):
            stamp = self._file_stamp()
            if stamp == self._stamp:
                return self._snapshot
            try:
                snapshot = None if stamp is None else self._open()
            except FileNotFoundError:
                continue  # the generation went away between resolving and opening it
            self._snapshot, self._stamp = snapshot, stamp
            return snapshot
        raise VectorStoreUnavailable(f"{self.path} names a generation that no longer exists")

    def _open(self) -> Snapshot:
        directory = generation_dir(self.path)
        if directory is None:
            graph = self._restore(self.path, view=True, expansion_search=self.expansion_search)
            if graph.dtype != ScalarKind.F32:
                raise VectorStoreUnavailable(
                    f"{self.path} is a {graph.dtype} graph without its exact vectors beside it"
                )
            return Snapshot(graph, None)
        if not directory.is_dir():
            raise FileNotFoundError(directory)
        exact = ExactVectors.load(directory)
        graph = self._restore(
            graph_of(directory), view=True, expansion_search=self.expansion_search
        )
        if len(graph) != len(exact) or int(graph.ndim) != exact.dim:
            raise VectorStoreUnavailable(
                f"{directory}: the graph ({len(graph)} x {graph.ndim}) does not match its "
                f"exact vectors ({len(exact)} x {exact.dim})"
            )
        return Snapshot(graph, exact)

    def _restore(self, path: Path, *, view: bool, **options: int) -> Index:
        """The index in ``path``; :class:`VectorStoreUnavailable` if it cannot be read."""
        if not path.exists():
            raise FileNotFoundError(path)
        try:
            index = Index.restore(str(path), view=view, **options)
        except (ValueError, RuntimeError, OSError) as exc:
            # usearch says ValueError for a file that is not an index (truncated, another
            # format) and RuntimeError for its own I/O failures: the store cannot serve.
            raise VectorStoreUnavailable(f"{path} cannot be read as an index: {exc}") from exc
        if index is None:
            raise VectorStoreUnavailable(f"{path} is not a usearch index")
        return index

    async def dimension(self) -> int | None:
        snap = self._current()
        return None if snap is None else int(snap.graph.ndim)

    async def count(self) -> int:
        snap = self._current()
        return 0 if snap is None else len(snap.graph)

    async def get_vectors(self, ids: Ids) -> FetchedVectors:
        keys = check_ids(ids)
        snap = self._current()
        if snap is None or not keys.size:
            return FetchedVectors.empty(0 if snap is None else int(snap.graph.ndim))
        if snap.exact is not None:
            return snap.exact.fetch(keys)
        present = keys[np.asarray(snap.graph.contains(keys), dtype=bool)]
        return fetch(snap.graph, present)

    async def scan(self, *, batch_size: int = 1000) -> AsyncIterator[FetchedVectors]:
        """Every id and vector in id order, ``batch_size`` at a time.

        Reads one snapshot: the index mapped when the scan starts, even if a writer
        replaces it meanwhile. Holds the ids (8 bytes each) and one batch of vectors.
        """
        if batch_size < 1:
            raise InvalidInput(f"batch_size must be at least 1, got {batch_size}")
        snap = self._current()
        if snap is None:
            return
        if snap.exact is not None:
            for batch in snap.exact.batches(batch_size):
                yield batch
            return
        keys = np.sort(np.asarray(snap.graph.keys, dtype=np.uint64)).astype(np.int64)
        for start in range(0, keys.size, batch_size):
            yield fetch(snap.graph, keys[start : start + batch_size])

    async def query_many(
        self, queries: FloatMatrix, *, top_k: int, exclude: Exclude = (), with_vectors: bool = False
    ) -> list[Neighbors]:
        if top_k < 1:
            raise InvalidInput(f"top_k must be at least 1, got {top_k}")
        snap = self._current()
        if snap is None:
            q = check_matrix(queries, name="query vectors")
            dim = q.shape[1] if with_vectors else None
            return [Neighbors.empty(dim) for _ in range(q.shape[0])]
        index = snap.graph
        q = check_matrix(queries, dim=int(index.ndim), name="query vectors")
        excluded = check_ids(exclude)
        # usearch cannot filter inside the search, so ask for enough to survive the filter.
        count = min(top_k + excluded.size, len(index), self.max_top_k + excluded.size)
        if count == 0 or not q.shape[0]:
            dim = int(index.ndim) if with_vectors else None
            return [Neighbors.empty(dim) for _ in range(q.shape[0])]
        args = (snap, q, count, top_k, excluded, self.exact_threshold, with_vectors)
        if len(index) * q.shape[0] < _INLINE_SEARCH_MAX:
            return search(*args)
        # usearch releases the GIL while it searches (milliseconds at 100k x 512), and so
        # does numpy while it re-scores: in a worker thread the event loop keeps serving
        # other requests meanwhile, and timeouts elsewhere (Redis's 50 ms) are not missed.
        return await asyncio.to_thread(search, *args)

    # -- writing ---------------------------------------------------------------------------

    def _new_graph(self, dim: int) -> Index:
        return Index(
            ndim=dim,
            metric=MetricKind.Cos,
            dtype=INDEX_DTYPES[self.dtype],
            connectivity=self.connectivity,
            expansion_add=self.expansion_add,
            expansion_search=self.expansion_search,
        )

    def _writable_graph(self, snap: Snapshot | None, dim: int) -> tuple[Index, bool]:
        """A graph to change in memory, and whether it already holds ``snap``'s vectors
        (False: a new, empty graph in this store's dtype, to be filled from scratch)."""
        if snap is not None and int(snap.graph.ndim) != dim:
            raise DimensionMismatch(
                f"vectors have dimension {dim}, the index has {snap.graph.ndim}"
            )
        if snap is None or snap.graph.dtype != INDEX_DTYPES[self.dtype]:
            return self._new_graph(dim), False
        graph = self._restore(
            self.path, view=False, expansion_add=self.expansion_add,
            expansion_search=self.expansion_search,
        )  # fmt: skip
        return graph, True

    def _add(
        self,
        index: Index,
        keys: IdArray,
        matrix: FloatMatrix,
        progress: Callable[[int], None] | None,
    ) -> None:
        for start in range(0, keys.size, _ADD_CHUNK):
            stop = min(start + _ADD_CHUNK, keys.size)
            index.add(keys[start:stop], matrix[start:stop], threads=self.add_threads)
            if progress is not None:
                progress(stop - start)

    def _commit_file(self, index: Index) -> None:
        """Write an f32 ``index`` beside the live file, flush it, and rename it into place."""
        with replacing(self.path) as tmp:  # also replaces a link to a compact generation
            index.save(str(tmp))
        remove_stale(self.path, keep=None)
        self._stamp = None  # re-map the new file on the next read

    def _write(
        self,
        keys: IdArray,
        matrix: FloatMatrix,
        drop: IdArray,
        progress: Callable[[int], None] | None,
    ) -> None:
        """Remove ``drop`` and the ``keys`` present, add ``keys`` with ``matrix``, commit."""
        snap = self._current()
        graph, incremental = self._writable_graph(snap, int(matrix.shape[1]))
        # An f32 graph changed in place needs no copy of its vectors (today's single file).
        old = None if incremental and self.dtype == "f32" else exact_of(snap)
        gone = np.union1d(drop, keys)
        if incremental:
            present = gone[np.asarray(graph.contains(gone), dtype=bool)] if len(graph) else gone[:0]
            if present.size:
                graph.remove(present)
        elif old is not None:  # rebuild: the kept vectors first, then the new ones
            kept = ~np.isin(old.keys, gone)
            self._add(graph, old.keys[kept], old.vectors[kept], None)
        self._add(graph, keys, matrix, progress)
        if self.dtype == "f32":
            self._commit_file(graph)
            return
        tmp = new_generation(self.path)
        try:
            keep = None if old is None else ~np.isin(old.keys, gone)
            write_merged(tmp, old, keep, keys, matrix)
            graph.save(str(graph_of(tmp)))
            fsync_path(graph_of(tmp))
            publish(self.path, tmp)
        finally:
            if tmp.exists():
                discard(tmp)
        self._stamp = None

    def _upsert_sync(
        self, keys: IdArray, matrix: FloatMatrix, on_progress: Callable[[int], None] | None
    ) -> None:
        self._write(keys, matrix, keys[:0], on_progress)

    def _delete_sync(self, keys: IdArray) -> None:
        snap = self._current()
        if snap is None or not keys.size:
            return
        if not np.asarray(snap.graph.contains(keys), dtype=bool).any():
            return
        empty = np.empty((0, int(snap.graph.ndim)), np.float32)
        self._write(keys[:0], empty, keys, None)

    async def upsert(
        self,
        ids: Ids,
        vectors: FloatMatrix,
        attributes: Attributes | None = None,
        *,
        on_progress: OnProgress | None = None,
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

    async def delete(self, ids: Ids) -> None:
        keys = np.unique(check_ids(ids))
        async with self._write_lock:
            await asyncio.to_thread(self._delete_sync, keys)

    async def aclose(self) -> None:
        self._snapshot = None
        self._stamp = None
