"""Against real turbopuffer, only with SEGUE_TURBOPUFFER_API_KEY (and _REGION) set.

With a key, the whole contract suite also gains a ``turbopuffer-live`` leg (conftest.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from segue.recommendations import recommend
from segue.settings import Settings
from segue.vectors import TurbopufferVectorStore

from .conftest import live_store

pytestmark = pytest.mark.live


async def test_live_round_trip_and_recommendation() -> None:
    store: TurbopufferVectorStore = live_store()  # skips, saying why, without a key
    try:
        assert await store.count() == 0  # a namespace never written is an empty store
        rng = np.random.default_rng(3)
        ids = np.arange(1, 61, dtype=np.int64)
        vectors = rng.normal(size=(60, 16)).astype(np.float32)
        visibility = ["public" if i % 4 else "private" for i in range(60)]
        await store.upsert(
            ids, vectors, {"artist": [f"a{i % 7}" for i in range(60)], "visibility": visibility}
        )
        assert await store.count() == 60
        assert await store.dimension() == 16
        got = await store.get_vectors([9, 4, 1000])
        assert got.ids.tolist() == [9, 4]
        np.testing.assert_array_equal(got.vectors, vectors[[8, 3]])
        ranking = await recommend(store, [1, 2, 3, 4], limit=5)
        assert len(ranking) == 5
        assert not {1, 2, 3, 4} & set(ranking.ids.tolist())
        assert await store.warm() is True  # hint_cache_warm on a namespace that exists
        eventual = TurbopufferVectorStore.from_settings(
            Settings(turbopuffer_namespace=store.namespace, turbopuffer_consistency="eventual")
        )
        try:
            (near,) = await eventual.query_many(vectors[:1], top_k=3)
            assert len(near) == 3  # eventual reads answer (a bounded view, maybe stale)
        finally:
            await eventual.aclose()
        await store.delete([1, 2])
        assert await store.count() == 58
    finally:
        await store.drop()
        await store.aclose()
