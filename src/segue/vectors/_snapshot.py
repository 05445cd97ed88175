"""One generation of the local index as mapped by a reader, and searching it.

>>> Snapshot.__slots__
('graph', 'exact')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from usearch.index import Index

from segue.engine import FloatMatrix, IdArray, Neighbors
from segue.errors import InvalidInput

from ._exact import ExactVectors
from ._protocol import FetchedVectors

__all__ = ["Snapshot", "exact_of", "fetch", "search"]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One generation of the index: its graph and, for a compact graph, the exact vectors."""

    graph: Index
    exact: ExactVectors | None  # None: an f32 file, whose graph holds the exact vectors


def search(
    snap: Snapshot,
    q: FloatMatrix,
    count: int,
    top_k: int,
    excluded: IdArray,
    exact_below: int,
    with_vectors: bool = False,
) -> list[Neighbors]:
    """One batched search of every query row; compact graphs are re-scored exactly.

    ``with_vectors``: each neighbour's exact vector too (the f32 vectors beside a
    compact graph, or the f32 graph's own), gathered in one read for all rows.
    """
    lists = _search(snap, q, count, top_k, excluded, exact_below)
    return _with_vectors(snap, lists) if with_vectors else lists


def _with_vectors(snap: Snapshot, lists: list[Neighbors]) -> list[Neighbors]:
    ids = np.concatenate([n.ids for n in lists]) if lists else np.empty(0, np.int64)
    unique, inverse = np.unique(ids, return_inverse=True)
    got = snap.exact.fetch(unique) if snap.exact is not None else fetch(snap.graph, unique)
    if len(got) != unique.size:
        raise InvalidInput("some ids vanished from the index while it was read")
    rows = got.vectors[inverse]
    bounds = np.cumsum([len(n) for n in lists])[:-1]
    return [
        Neighbors(n.ids, n.distances, block)
        for n, block in zip(lists, np.split(rows, bounds), strict=True)
    ]


def _search(
    snap: Snapshot, q: FloatMatrix, count: int, top_k: int, excluded: IdArray, exact_below: int
) -> list[Neighbors]:
    index, exact = snap.graph, snap.exact
    if exact is not None and len(index) <= exact_below:
        return exact.search(q, top_k=top_k, exclude=excluded)
    matches = index.search(q, count, exact=len(index) <= exact_below, threads=1)
    keys = np.atleast_2d(matches.keys).astype(np.int64)
    # One query row comes back as Matches (1-D, already trimmed), several as BatchMatches.
    counts = np.asarray(getattr(matches, "counts", [keys.shape[1]]))
    if exact is not None:
        valid = np.arange(keys.shape[1]) < counts[:, None]
        return exact.rescore(q, keys, valid, top_k=top_k, exclude=excluded)
    dists = np.atleast_2d(matches.distances).astype(np.float32)
    out = []
    for row_keys, row_dists, n in zip(keys, dists, counts, strict=True):
        row_keys, row_dists = row_keys[:n], row_dists[:n]
        if excluded.size:
            keep = ~np.isin(row_keys, excluded)
            row_keys, row_dists = row_keys[keep], row_dists[keep]
        out.append(Neighbors(row_keys[:top_k], row_dists[:top_k]))
    return out


def exact_of(snap: Snapshot | None) -> ExactVectors | None:
    """The exact vectors of ``snap``: beside a compact graph, or read out of an f32 one."""
    if snap is None:
        return None
    if snap.exact is not None:
        return snap.exact
    if not len(snap.graph):
        empty = np.empty((0, int(snap.graph.ndim)), np.float32)
        return ExactVectors.from_arrays(np.empty(0, np.int64), empty)
    keys = np.asarray(snap.graph.keys, dtype=np.uint64).astype(np.int64)
    return ExactVectors.from_arrays(keys, fetch(snap.graph, keys).vectors)


def fetch(index: Index, keys: IdArray) -> FetchedVectors:
    """The vectors of ``keys``, all present in ``index``."""
    if not keys.size:
        return FetchedVectors.empty(int(index.ndim))
    got = index.get(keys)
    rows = [r for r in (got if isinstance(got, tuple) else (got,)) if r is not None]
    if len(rows) != keys.size:
        raise InvalidInput("some ids vanished from the index while it was read")
    matrix = np.vstack(rows).astype(np.float32)
    return FetchedVectors(keys, matrix.reshape(keys.size, int(index.ndim)))
