"""The recommendation pipeline: the vector store's two round trips around the pure engine.

>>> ranking = await recommend(store, [12, 40, 7], limit=3)  # doctest: +SKIP
>>> ranking.ids.tolist()  # doctest: +SKIP
[88, 3, 19]
>>> await recommend(store, [12, 40, 7], limit=3, strategy="adaptive")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from segue.engine import (
    DEFAULT_STRATEGY,
    Adaptive,
    IdArray,
    Ranking,
    Strategy,
    check_ids,
    check_limit,
    get_strategy,
)
from segue.errors import InvalidInput
from segue.vectors import VectorStore

__all__ = ["recommend", "resolve_strategy"]


def resolve_strategy(
    strategy: str | Strategy | None = None,
    *,
    rrf_k: int | None = None,
    direct_max: int | None = None,
    max_clusters: int | None = None,
) -> Strategy:
    """The strategy object for a name (or object); ``None`` means the default.

    ``rrf_k``, ``direct_max`` and ``max_clusters`` are the ``adaptive`` strategy's knobs
    (kept from the original signature): passing any of them without a strategy selects
    ``adaptive``, as it did before there was a choice.

        >>> resolve_strategy(rrf_k=30)
        Adaptive(rrf_k=30, direct_max=5, max_clusters=3, seed=0)
    """
    knobs = {
        key: value
        for key, value in (
            ("rrf_k", rrf_k),
            ("direct_max", direct_max),
            ("max_clusters", max_clusters),
        )
        if value is not None
    }
    if strategy is None:
        strategy = Adaptive.name if knobs else DEFAULT_STRATEGY
    if isinstance(strategy, str):
        if knobs and strategy != Adaptive.name:
            raise InvalidInput(
                f"{', '.join(knobs)} configure the adaptive strategy, not {strategy!r}"
            )
        return get_strategy(strategy, **knobs)
    if knobs:
        raise InvalidInput(f"{', '.join(knobs)} cannot reconfigure a strategy object")
    return strategy


async def recommend(
    store: VectorStore,
    track_ids: Sequence[int] | IdArray,
    *,
    limit: int,
    exclude: Sequence[int] | IdArray = (),
    rrf_k: int | None = None,
    direct_max: int | None = None,
    max_clusters: int | None = None,
    strategy: str | Strategy | None = None,
) -> Ranking:
    """Up to ``limit`` tracks to add to a playlist of ``track_ids``, best first.

    ``strategy`` is a registered name (``segue.engine.STRATEGIES``) or a strategy object;
    by default the evaluated winner. ``exclude`` names more ids never to return, beside
    the playlist's own tracks, which never come back. Tracks without an embedding are
    skipped; with none, the ranking is empty. Exactly two store calls: one fetch of the
    playlist's vectors, one multi-query.
    """
    limit = check_limit(limit)
    chosen = resolve_strategy(
        strategy, rrf_k=rrf_k, direct_max=direct_max, max_clusters=max_clusters
    )
    playlist = np.unique(check_ids(track_ids))
    if not playlist.size:
        return Ranking.empty()
    excluded = np.union1d(playlist, check_ids(exclude))
    fetched = await store.get_vectors(playlist)
    if not len(fetched):
        return Ranking.empty()
    plan = chosen.plan(
        fetched.vectors, limit=limit, n_excluded=excluded.size, max_top_k=store.max_top_k
    )
    if not len(plan):
        return Ranking.empty()
    lists = await store.query_many(plan.queries, top_k=plan.top_k, exclude=excluded)
    return chosen.rank(plan, lists, exclude=excluded, limit=limit)
