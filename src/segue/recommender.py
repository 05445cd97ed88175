"""The recommendation pipeline: the vector store's two round trips around the pure engine.

>>> ranking = await recommend(store, [12, 40, 7], limit=3)  # doctest: +SKIP
>>> ranking.ids.tolist()  # doctest: +SKIP
[88, 3, 19]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from segue.engine import (
    DIRECT_MAX,
    MAX_CLUSTERS,
    RRF_K,
    IdArray,
    Ranking,
    check_ids,
    check_limit,
    plan_queries,
    query_top_k,
    rrf_merge,
)
from segue.vectors import VectorStore

__all__ = ["recommend"]


async def recommend(
    store: VectorStore,
    track_ids: Sequence[int] | IdArray,
    *,
    limit: int,
    exclude: Sequence[int] | IdArray = (),
    rrf_k: int = RRF_K,
    direct_max: int = DIRECT_MAX,
    max_clusters: int = MAX_CLUSTERS,
) -> Ranking:
    """Up to ``limit`` tracks to add to a playlist of ``track_ids``, best first.

    ``exclude`` names more ids never to return (the playlist's own tracks always are).
    Tracks without an embedding are skipped; with none, the ranking is empty. Exactly two
    store calls: one fetch of the playlist's vectors, one multi-query.
    """
    limit = check_limit(limit)
    playlist = np.unique(check_ids(track_ids))
    if not playlist.size:
        return Ranking.empty()
    excluded = np.union1d(playlist, check_ids(exclude))
    fetched = await store.get_vectors(playlist)
    if not len(fetched):
        return Ranking.empty()
    queries = plan_queries(fetched.vectors, direct_max=direct_max, max_clusters=max_clusters)
    top_k = query_top_k(limit, excluded.size, store.max_top_k)
    lists = await store.query_many(queries, top_k=top_k, exclude=excluded)
    return rrf_merge(lists, k=rrf_k, exclude=excluded, limit=limit)
