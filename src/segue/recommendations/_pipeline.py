"""The recommendation pipeline: the vector store's two round trips around the pure engine.

>>> ranking = await recommend(store, [12, 40, 7], limit=3)  # doctest: +SKIP
>>> ranking.ids.tolist()  # doctest: +SKIP
[88, 3, 19]
>>> await recommend(store, [12, 40, 7], limit=3, strategy="adaptive")  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import numpy as np

from segue.engine import (
    DEFAULT_NEAR_DUPLICATE_DISTANCE,
    DEFAULT_STRATEGY,
    NEGATIVE_PUSH,
    NEGATIVE_RADIUS,
    FloatMatrix,
    IdArray,
    QueryPlan,
    Ranking,
    Strategy,
    Together,
    check_ids,
    check_limit,
    cooccurrence_list,
    explain,
    get_strategy,
    push_away,
)
from segue.metrics import VECTOR_STORE_DURATION
from segue.vectors import VectorStore

__all__ = ["recommend", "resolve_strategy"]

# Up to this many playlist vectors a plan is immediate (the vectors themselves); past it
# strategies cluster, which is worth a hand-off to a worker thread.
_INLINE_PLAN_MAX = 5

_FETCH_DURATION = VECTOR_STORE_DURATION.labels(operation="get_vectors")
_QUERY_DURATION = VECTOR_STORE_DURATION.labels(operation="query_many")


def resolve_strategy(strategy: str | Strategy | None = None) -> Strategy:
    """The strategy object for a registered name, or ``strategy`` itself; ``None`` means
    the default.

        >>> resolve_strategy("adaptive").name
        'adaptive'
    """
    if strategy is None:
        strategy = DEFAULT_STRATEGY
    if isinstance(strategy, str):
        return get_strategy(strategy)
    return strategy


async def recommend(
    store: VectorStore,
    track_ids: Sequence[int] | IdArray,
    *,
    limit: int,
    exclude: Sequence[int] | IdArray = (),
    negatives: Sequence[int] | IdArray = (),
    near_duplicate_distance: float = DEFAULT_NEAR_DUPLICATE_DISTANCE,
    strategy: str | Strategy | None = None,
    negative_push: float = NEGATIVE_PUSH,
    negative_radius: float = NEGATIVE_RADIUS,
    together: Sequence[int] | IdArray | None = None,
) -> Ranking:
    """Up to ``limit`` tracks to add to a playlist of ``track_ids``, best first, each with
    ``because``: the playlist track it is closest to.

    ``strategy`` is a registered name (``segue.engine.STRATEGIES``) or a strategy object;
    by default the evaluated winner. ``exclude`` names more ids never to return, beside
    the playlist's own tracks, which never come back. ``negatives`` (dismissed tracks)
    never come back either, and steer: the queries are pushed away from them by
    ``negative_push`` (:func:`segue.engine.push_away`), and a candidate nearer to one of
    them than to the playlist, within ``negative_radius``, is demoted
    (:func:`segue.engine.demote_near_negatives`; 0 turns that off). A candidate
    closer than ``near_duplicate_distance`` (cosine) to a playlist track is the same
    recording under another id, and is dropped (0: none is). Tracks without an embedding
    are skipped; with none, the ranking is empty.

    ``together`` is the co-occurrence list (tracks other playlists hold with these, best
    first; the caller reads it, e.g. ``segue.catalog.cooccurring_tracks``), used by a
    strategy that fuses it (``together``) and ignored by the others. Its tracks' vectors
    come in the first fetch, so each one is explained and checked for near-duplicates as
    any candidate; one without an embedding is left out.

    Exactly two store calls: one fetch of the playlist's and the negatives' vectors (and
    the co-occurring tracks'), one multi-query that also returns the candidates' vectors
    (for ``because`` and the near-duplicates).
    """
    limit = check_limit(limit)
    chosen = resolve_strategy(strategy)
    playlist = np.unique(check_ids(track_ids))
    if not playlist.size:
        return Ranking.empty()
    dismissed = np.setdiff1d(check_ids(negatives, name="negatives"), playlist)
    excluded = np.union1d(np.union1d(playlist, check_ids(exclude)), dismissed)
    fused = isinstance(chosen, Together) and together is not None
    co_ids = check_ids(together if fused and together is not None else (), name="together")
    # In ranked order, without what may not come back (and each once).
    co_ids = co_ids[~np.isin(co_ids, excluded)]
    co_ids = co_ids[np.sort(np.unique(co_ids, return_index=True)[1])]
    with _FETCH_DURATION.time():
        fetched = await store.get_vectors(np.concatenate([playlist, dismissed, co_ids]))
    is_seed = np.isin(fetched.ids, playlist)
    is_negative = np.isin(fetched.ids, dismissed)
    seed_ids, seeds = fetched.ids[is_seed], fetched.vectors[is_seed]
    negative_vectors = fetched.vectors[is_negative]
    if not seed_ids.size:
        return Ranking.empty()
    # Room for one near-duplicate per playlist track among the candidates asked for.
    wanted = limit + (seed_ids.size if near_duplicate_distance > 0 else 0)
    if seed_ids.size <= _INLINE_PLAN_MAX:
        plan = chosen.plan(seeds, limit=wanted, n_excluded=excluded.size, max_top_k=store.max_top_k)
    else:
        # Planning a long playlist (k-means) takes milliseconds of numpy: off the event loop.
        plan = await asyncio.to_thread(
            chosen.plan,
            seeds,
            limit=wanted,
            n_excluded=excluded.size,
            max_top_k=store.max_top_k,
        )
    if not len(plan):
        return Ranking.empty()
    if negative_vectors.shape[0] and negative_push:
        queries = push_away(plan.queries, negative_vectors, weight=negative_push)
        plan = QueryPlan(queries, plan.top_k, plan.weights, plan.center)
    with _QUERY_DURATION.time():
        lists = await store.query_many(
            plan.queries, top_k=plan.top_k, exclude=excluded, with_vectors=True
        )
    co_list = None
    if fused and isinstance(chosen, Together):
        co_list = cooccurrence_list(*_in_order(co_ids, fetched.ids, fetched.vectors), seeds)
        lists = [*lists, co_list]
    # Every candidate in order, so near-duplicates dropped below leave room for the next.
    pooled = max(limit, sum(len(lst) for lst in lists))
    if co_list is not None and isinstance(chosen, Together):
        ranking = chosen.rank_with(plan, lists[:-1], co_list, exclude=excluded, limit=pooled)
    else:
        ranking = chosen.rank(plan, lists, exclude=excluded, limit=pooled)
    return explain(
        ranking,
        lists,
        seed_ids,
        seeds,
        limit=limit,
        near_duplicate_distance=near_duplicate_distance,
        negatives=negative_vectors,
        negative_radius=negative_radius,
    )


def _in_order(wanted: IdArray, ids: IdArray, vectors: FloatMatrix) -> tuple[IdArray, FloatMatrix]:
    """The rows of ``ids``/``vectors`` for ``wanted``, in ``wanted``'s order; an id the
    store did not return (no embedding) is left out."""
    order = np.argsort(ids, kind="stable")
    at = np.searchsorted(ids, wanted, sorter=order)
    found = at < ids.size
    found[found] = ids[order[at[found]]] == wanted[found]
    rows = order[at[found]]
    return wanted[found], vectors[rows]
