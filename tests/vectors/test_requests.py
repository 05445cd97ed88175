"""Measured: a cache-miss recommendation costs turbopuffer at most 2 HTTP requests, and
a process's recommendations share one kept-alive connection.

The store uses the client's production transport (aiohttp) against the stand-in behind
a real server on 127.0.0.1, which records the client port of every request.
"""

from __future__ import annotations

import numpy as np

from segue.engine import MAX_QUERIES, Blend
from segue.ingest import synthetic_catalog
from segue.recommendations import recommend
from segue.vectors import TurbopufferVectorStore

from .tpuf_standin import LoopbackServer, TurbopufferStandin

PLAYLISTS = {
    "one track: its vector": [5],
    "four tracks: each vector": [1, 2, 3, 4],
    "twelve tracks: three centroids": list(range(10, 22)),
}


async def test_cache_miss_recommendation_is_two_requests_over_one_connection() -> None:
    standin = TurbopufferStandin()
    catalog = synthetic_catalog(400, dim=16, n_styles=4, n_artists=20)
    with LoopbackServer(standin) as server:
        writer = TurbopufferVectorStore(
            namespace="segue-requests", api_key=standin.api_key, base_url=server.base_url
        )
        await writer.upsert(catalog.ids, catalog.vectors)
        await writer.aclose()
        # a fresh store, as in a new API process: nothing known about the namespace yet
        store = TurbopufferVectorStore(
            namespace="segue-requests", api_key=standin.api_key, base_url=server.base_url
        )
        first_conn = len(server.connections)
        queries_sent = []
        for playlist in PLAYLISTS.values():
            before = len(standin.requests)
            ranking = await recommend(store, playlist, limit=5, strategy="adaptive")
            made = standin.requests[before:]
            assert len(made) == 2
            assert all(r.status == 200 and r.path.endswith("/query") for r in made)
            fetch, search = made[0].body, made[1].body
            assert fetch["filters"][:2] == ["id", "In"]
            queries_sent.append(len(search.get("queries", [search])))
            assert len(ranking) == 5
            assert not set(playlist) & set(ranking.ids.tolist())
        await store.aclose()
        used = server.connections[first_conn:]
    assert queries_sent == [1, 4, 3]
    assert len(used) == 6
    assert len(set(used)) == 1  # one connection, kept alive across all six requests
    assert np.unique([port for _, port in used]).size == 1


async def test_default_strategy_is_two_requests_even_with_its_most_queries() -> None:
    # blend with 16 queries (the playlist's mean plus up to 15 anchors; 8 by default) asks
    # the most one turbopuffer multi-query request carries: still 2 requests.
    standin = TurbopufferStandin()
    catalog = synthetic_catalog(400, dim=16, n_styles=4, n_artists=20)
    playlists = [*PLAYLISTS.values(), list(range(100, 140))]
    with LoopbackServer(standin) as server:
        store = TurbopufferVectorStore(
            namespace="segue-requests", api_key=standin.api_key, base_url=server.base_url
        )
        await store.upsert(catalog.ids, catalog.vectors)
        queries_sent = []
        for playlist in playlists:
            before = len(standin.requests)
            ranking = await recommend(
                store, playlist, limit=5, strategy=Blend(max_queries=MAX_QUERIES)
            )
            made = standin.requests[before:]
            assert len(made) == 2
            assert all(r.status == 200 and r.path.endswith("/query") for r in made)
            queries_sent.append(len(made[1].body.get("queries", [made[1].body])))
            assert len(ranking) == 5
            assert not set(playlist) & set(ranking.ids.tolist())
        await store.aclose()
    assert queries_sent == [1, 5, 13, MAX_QUERIES]


async def test_because_and_negatives_add_no_request() -> None:
    # The dismissed tracks' vectors come in the playlist's fetch; the candidates' vectors
    # (for because and near-duplicates) in the multi-query, base64-encoded.
    standin = TurbopufferStandin()
    catalog = synthetic_catalog(400, dim=16, n_styles=4, n_artists=20)
    playlist, dismissed = list(range(10, 22)), [300, 301]
    with LoopbackServer(standin) as server:
        store = TurbopufferVectorStore(
            namespace="segue-requests", api_key=standin.api_key, base_url=server.base_url
        )
        await store.upsert(catalog.ids, catalog.vectors)
        before = len(standin.requests)
        ranking = await recommend(store, playlist, limit=5, negatives=dismissed)
        made = standin.requests[before:]
        await store.aclose()
    assert len(made) == 2
    fetch, search = made[0].body, made[1].body
    assert sorted(fetch["filters"][2]) == sorted(playlist + dismissed)
    assert search["vector_encoding"] == "base64"
    assert all(q["include_attributes"] == ["vector"] for q in search["queries"])
    assert len(ranking) == 5
    assert set(ranking.because.tolist()) <= set(playlist)
    assert not set(dismissed) & set(ranking.ids.tolist())
