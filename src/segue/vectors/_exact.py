"""The exact f32 vectors kept beside a compact (bf16, f16) HNSW graph, memory-mapped.

Three ``.npy`` files in one generation directory: ``keys.npy`` (int64, ascending),
``vectors.npy`` (float32, row ``i`` is ``keys[i]``'s vector, exactly as upserted) and
``norms.npy`` (their float32 norms, for cosine re-scoring). They are opened with
``np.load(mmap_mode="r")``, so every process serving the same index shares one copy in
the page cache.

    >>> exact = ExactVectors.from_arrays(np.array([7, 3]), np.eye(2, dtype=np.float32))
    >>> exact.fetch(np.array([3, 9])).ids.tolist()
    [3]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from segue._files import fsync_path
from segue.engine import FloatMatrix, IdArray, Neighbors
from segue.errors import VectorStoreUnavailable

from ._protocol import FetchedVectors

__all__ = ["ExactVectors", "write_merged"]

KEYS, VECTORS, NORMS = "keys.npy", "vectors.npy", "norms.npy"
_CHUNK = 65_536  # rows copied at a time when writing (256 MiB at 1024-d)


@dataclass(frozen=True, slots=True)
class ExactVectors:
    """Exact vectors by key: ``keys`` ascending, ``vectors`` and ``norms`` row-aligned."""

    keys: IdArray
    vectors: FloatMatrix
    norms: NDArray[np.float32]

    @classmethod
    def from_arrays(cls, keys: IdArray, vectors: FloatMatrix) -> ExactVectors:
        """In memory, from unsorted unique ``keys`` and their vectors."""
        order = np.argsort(keys, kind="stable")
        rows = np.ascontiguousarray(vectors[order], dtype=np.float32)
        return cls(np.asarray(keys, np.int64)[order], rows, _norms(rows))

    @classmethod
    def load(cls, directory: Path) -> ExactVectors:
        """Memory-map the three files; :class:`VectorStoreUnavailable` if they do not agree.

        ``FileNotFoundError`` passes through: a writer removes the generation it replaced,
        and a reader that resolved the link just before is to resolve it again
        (``LocalVectorStore._current``), not to answer that the store is unusable.
        """
        try:
            keys = np.load(directory / KEYS, mmap_mode="r")
            vectors = np.load(directory / VECTORS, mmap_mode="r")
            norms = np.load(directory / NORMS, mmap_mode="r")
        except FileNotFoundError:
            raise
        except (OSError, ValueError) as exc:
            raise VectorStoreUnavailable(f"exact vectors in {directory}: {exc}") from exc
        n = keys.shape[0] if keys.ndim == 1 else -1
        if (
            keys.dtype != np.int64
            or vectors.dtype != np.float32
            or vectors.ndim != 2
            or vectors.shape[0] != n
            or norms.shape != (n,)
        ):
            raise VectorStoreUnavailable(f"exact vectors in {directory} do not match their keys")
        return cls(keys, vectors, norms)

    def __len__(self) -> int:
        return int(self.keys.shape[0])

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def rows(self, ids: IdArray) -> tuple[NDArray[np.bool_], NDArray[np.intp]]:
        """``(found, row)`` for each id; ``row`` is meaningless where not ``found``."""
        pos = np.searchsorted(self.keys, ids)
        if not len(self):
            return np.zeros(ids.shape, bool), pos
        pos = np.minimum(pos, len(self) - 1)
        return self.keys[pos] == ids, pos

    def fetch(self, ids: IdArray) -> FetchedVectors:
        """The vectors of the ``ids`` present, in request order (a copy, not a view)."""
        found, rows = self.rows(ids)
        return FetchedVectors(ids[found], np.array(self.vectors[rows[found]], np.float32))

    def batches(self, batch_size: int) -> Iterator[FetchedVectors]:
        """Every key and vector in key order, ``batch_size`` rows at a time."""
        for start in range(0, len(self), batch_size):
            stop = start + batch_size
            yield FetchedVectors(
                np.array(self.keys[start:stop]), np.array(self.vectors[start:stop], np.float32)
            )

    def rescore(
        self,
        queries: FloatMatrix,
        candidates: IdArray,
        valid: NDArray[np.bool_],
        *,
        top_k: int,
        exclude: IdArray,
    ) -> list[Neighbors]:
        """Exact cosine distances of each query's ``candidates`` (rows of a ``(q, c)``
        matrix, ``valid`` where a key is there), re-sorted, excluded ids left out."""
        found, rows = self.rows(candidates)
        ok = valid & found
        if exclude.size:
            ok &= ~np.isin(candidates, exclude)
        gathered = self.vectors[rows.ravel()].reshape(*rows.shape, self.dim)
        sims = np.einsum("qcd,qd->qc", gathered, _unit(queries)) / self.norms[rows]
        return _top(np.where(ok, 1.0 - sims, np.inf), candidates, top_k)

    def search(self, queries: FloatMatrix, *, top_k: int, exclude: IdArray) -> list[Neighbors]:
        """Exhaustive exact search (for small indexes): every vector against every query."""
        sims = (_unit(queries) @ self.vectors.T) / self.norms
        dist = 1.0 - sims
        if exclude.size:
            dist[:, np.isin(self.keys, exclude)] = np.inf
        k = min(top_k, len(self))
        part = np.argpartition(dist, k - 1, axis=1)[:, :k] if k < len(self) else None
        keys = np.broadcast_to(self.keys, dist.shape)
        if part is not None:
            dist = np.take_along_axis(dist, part, axis=1)
            keys = np.take_along_axis(keys, part, axis=1)
        return _top(dist, keys, top_k)


def _norms(rows: FloatMatrix) -> NDArray[np.float32]:
    norms: NDArray[np.float32] = np.linalg.norm(rows, axis=1).astype(np.float32)
    return norms


def _unit(queries: FloatMatrix) -> FloatMatrix:
    q = np.asarray(queries, np.float32)
    tiny = np.finfo(np.float32).tiny
    unit: FloatMatrix = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), tiny)
    return unit


def _top(dist: NDArray[np.floating], keys: IdArray, top_k: int) -> list[Neighbors]:
    """Per row: the ``top_k`` smallest finite distances, ascending, with their keys."""
    order = np.argsort(dist, axis=1, kind="stable")[:, :top_k]
    dist = np.take_along_axis(dist, order, axis=1).astype(np.float32)
    keys = np.take_along_axis(np.asarray(keys, np.int64), order, axis=1)
    kept = np.isfinite(dist).sum(axis=1)
    return [Neighbors(k[:n], d[:n]) for k, d, n in zip(keys, dist, kept, strict=True)]


def write_merged(
    directory: Path,
    old: ExactVectors | None,
    keep: NDArray[np.bool_] | None,
    new_keys: IdArray,
    new_vectors: FloatMatrix,
) -> ExactVectors:
    """Write ``old``'s ``keep`` rows and the new ones, in key order, into ``directory``
    (flushed to disk); the result, memory-mapped. New keys must not be among the kept."""
    dim = new_vectors.shape[1] if old is None else old.dim
    kept_rows = np.flatnonzero(keep) if old is not None and keep is not None else np.arange(0)
    old_keys = old.keys[kept_rows] if old is not None else np.empty(0, np.int64)
    keys = np.concatenate([old_keys, new_keys]).astype(np.int64)
    order = np.argsort(keys, kind="stable")
    n_old = old_keys.size
    out = np.lib.format.open_memmap(
        directory / VECTORS, mode="w+", dtype=np.float32, shape=(keys.size, dim)
    )
    norms = np.empty(keys.size, np.float32)
    for start in range(0, keys.size, _CHUNK):
        idx = order[start : start + _CHUNK]
        from_old = idx < n_old
        block = np.empty((idx.size, dim), np.float32)
        if old is not None and from_old.any():
            block[from_old] = old.vectors[kept_rows[idx[from_old]]]
        block[~from_old] = new_vectors[idx[~from_old] - n_old]
        out[start : start + idx.size] = block
        norms[start : start + idx.size] = _norms(block)
    out.flush()
    del out
    np.save(directory / KEYS, keys[order])
    np.save(directory / NORMS, norms)
    for name in (KEYS, VECTORS, NORMS):
        fsync_path(directory / name)
    return ExactVectors.load(directory)
