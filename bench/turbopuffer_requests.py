"""Requests, connections and time per cache-miss recommendation on the turbopuffer backend.

    uv run python -m bench.turbopuffer_requests [--tracks 200] [--dim 512] [--runs 100]

Compares Segue's pattern (one shared client: a fetch by id, then one multi-query) with
the naive one (a new client, hence a new connection, for the fetch and for each query
vector). Both run the official client's production transport against the turbopuffer
stand-in behind a real HTTP server on 127.0.0.1: request and connection counts are
exact; times include loopback connection setup but no TLS and no network round trip,
so they understate the production gap (see docs/turbopuffer.md). It measures; it
asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence

import numpy as np
from tests.vectors.tpuf_standin import LoopbackServer, TurbopufferStandin
from turbopuffer import AsyncTurbopuffer

from segue.engine import Neighbors, check_ids, plan_queries, query_top_k, rrf_merge
from segue.ingest import synthetic_catalog
from segue.recommendations import recommend
from segue.vectors import TurbopufferVectorStore

NAMESPACE = "bench-requests"


async def naive_recommend(base_url: str, api_key: str, playlist: Sequence[int], limit: int) -> int:
    """One new client per call: fetch, then one query per query vector. Returns #results."""

    def client() -> AsyncTurbopuffer:
        return AsyncTurbopuffer(api_key=api_key, base_url=base_url, max_retries=0)

    ids = np.unique(check_ids(playlist))
    async with client() as c:
        got = await c.namespace(NAMESPACE).query(
            rank_by=("id", "asc"),
            top_k=ids.size,
            filters=("id", "In", ids.tolist()),
            include_attributes=["vector"],
        )
    vectors = np.asarray([r.vector for r in got.rows or []], dtype=np.float32)
    lists = []
    for q in plan_queries(vectors):
        async with client() as c:
            res = await c.namespace(NAMESPACE).query(
                rank_by=("vector", "ANN", q.tolist()),
                top_k=query_top_k(limit, ids.size, 1200),
                distance_metric="cosine_distance",
                filters=("id", "NotIn", ids.tolist()),
            )
        rows = res.rows or []
        lists.append(
            Neighbors(
                np.array([r.id for r in rows], np.int64),
                np.array([r["$dist"] for r in rows], np.float32),
            )
        )
    return len(rrf_merge(lists, exclude=ids, limit=limit))


async def measure(
    label: str,
    run: Callable[[], Awaitable[int]],
    standin: TurbopufferStandin,
    server: LoopbackServer,
    runs: int,
) -> None:
    await run()  # warm up (imports, first connection of a shared pool)
    req0, conn0 = len(standin.requests), len(server.connections)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        await run()
        times.append((time.perf_counter() - start) * 1000)
    reqs = (len(standin.requests) - req0) / runs
    conns = len(set(server.connections[conn0:])) / runs
    p90 = statistics.quantiles(times, n=10)[-1]
    med = statistics.median(times)
    print(f"| {label} | {reqs:.1f} | {conns:.2f} | {min(times):.2f} | {med:.2f} | {p90:.2f} |")


async def per_request(
    base_url: str, api_key: str, store: TurbopufferVectorStore, runs: int
) -> None:
    """One small request (a fetch of one vector): on the shared connection, or a new one."""

    async def fresh() -> None:
        async with AsyncTurbopuffer(api_key=api_key, base_url=base_url, max_retries=0) as c:
            await c.namespace(NAMESPACE).query(
                rank_by=("id", "asc"),
                top_k=1,
                filters=("id", "In", [1]),
                include_attributes=["vector"],
            )

    async def reused() -> None:
        await store.get_vectors([1])

    for label, call in (("reused connection", reused), ("new connection", fresh)):
        await call()
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            await call()
            times.append((time.perf_counter() - start) * 1000)
        print(f"| one request, {label} | {min(times):.2f} | {statistics.median(times):.2f} |")


async def main(tracks: int, dim: int, runs: int) -> None:
    standin = TurbopufferStandin()
    catalog = synthetic_catalog(tracks, dim=dim)
    rng = np.random.default_rng(1)
    with LoopbackServer(standin) as server:
        async with TurbopufferVectorStore(
            namespace=NAMESPACE, api_key=standin.api_key, base_url=server.base_url
        ) as store:
            await store.upsert(catalog.ids, catalog.vectors)
            print(f"{tracks} tracks of dimension {dim}, {runs} runs each, loopback HTTP/1.1\n")
            print(
                "| pattern | requests / rec. | new connections / rec. | min ms | median ms |",
                end="",
            )
            print(" p90 ms |\n|---|---|---|---|---|---|")
            for size in (4, 12):
                playlist = rng.choice(catalog.ids, size=size, replace=False).tolist()
                q = plan_queries(catalog.vectors[np.asarray(playlist) - 1]).shape[0]

                async def shared(playlist: list[int] = playlist) -> int:
                    return len(await recommend(store, playlist, limit=5))

                async def naive(playlist: list[int] = playlist) -> int:
                    return await naive_recommend(server.base_url, standin.api_key, playlist, 5)

                await measure(f"Segue, {size} tracks (q={q})", shared, standin, server, runs)
                await measure(f"naive, {size} tracks (q={q})", naive, standin, server, runs)
            print("\n| request | min ms | median ms |\n|---|---|---|")
            await per_request(server.base_url, standin.api_key, store, runs)


def run(tracks: int = 200, dim: int = 512, runs: int = 100) -> None:
    """Print the tables (``python -m bench --only turbopuffer``)."""
    asyncio.run(main(tracks, dim, runs))
    print(flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tracks", type=int, default=200)
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(main(args.tracks, args.dim, args.runs))
