"""The local usearch index: build time, query latency, recall@10 against exact search, memory."""

from __future__ import annotations

import asyncio
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from segue.ingest import synthetic_catalog
from segue.vectors import LocalVectorStore

from ._timing import percentiles_ms

__all__ = ["run"]

DIM = 512
N_QUERIES = 500
EF_SEARCH = (32, 48, 128)


def _rss_mib() -> float:
    """Resident memory now (not the peak), from /proc."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20


def _exact_top10(vectors: np.ndarray, queries: np.ndarray) -> np.ndarray:
    out = []
    for start in range(0, queries.shape[0], 50):
        sims = queries[start : start + 50] @ vectors.T
        out.append(np.argsort(-sims, axis=1)[:, :10])
    return np.vstack(out)


async def _one(n: int) -> str:
    cat = synthetic_catalog(n, dim=DIM, n_styles=15, n_artists=max(30, n // 17), seed=n)
    rng = np.random.default_rng(1)
    # Queries are perturbed catalog tracks: like a playlist's vectors or centroids.
    picks = rng.choice(n, size=N_QUERIES, replace=False)
    queries = cat.vectors[picks] + 0.3 * rng.normal(size=(N_QUERIES, DIM)).astype(
        np.float32
    ) / np.sqrt(DIM)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    truth = cat.ids[_exact_top10(cat.vectors, queries)]

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "vectors.usearch"
        t0 = time.perf_counter()
        await LocalVectorStore(path).upsert(cat.ids, cat.vectors)
        build = time.perf_counter() - t0
        rss0 = _rss_mib()
        t0 = time.perf_counter()
        # exact_threshold=0 forces the graph: this measures HNSW, at two search depths.
        store = LocalVectorStore(path, exact_threshold=0)
        assert await store.count() == n
        reopen = time.perf_counter() - t0
        by_ef = {}
        for ef in EF_SEARCH:
            store = LocalVectorStore(path, exact_threshold=0, expansion_search=ef)
            lat = np.empty(N_QUERIES)
            hits = 0
            for i in range(N_QUERIES):
                t = time.perf_counter()
                [res] = await store.query_many(queries[i : i + 1], top_k=10)
                lat[i] = time.perf_counter() - t
                hits += len(set(res.ids.tolist()) & set(truth[i].tolist()))
            by_ef[ef] = (*percentiles_ms(lat), hits / (10 * N_QUERIES))
        exact = LocalVectorStore(path, exact_threshold=n)
        lat_exact = np.empty(50)
        for i in range(50):
            t = time.perf_counter()
            await exact.query_many(queries[i : i + 1], top_k=10)
            lat_exact[i] = time.perf_counter() - t
        size_mib = path.stat().st_size / 2**20
        rss = _rss_mib() - rss0
    e50, _ = percentiles_ms(lat_exact)
    hnsw = " | ".join(f"{p50:.3f} / {p99:.3f} / {rec:.3f}" for p50, p99, rec in by_ef.values())
    return (
        f"| {n:,} | {build:.1f} s | {reopen * 1e3:.1f} ms | {hnsw} "
        f"| {e50:.2f} | {size_mib:.0f} MiB | {rss:.0f} MiB | {os.getloadavg()[0]:.1f} |"
    )


def run(sizes: tuple[int, ...]) -> str:
    head = (
        f"Local index (usearch HNSW, cosine, f32, M=16, ef_add=64; ef_search 48 is the default), "
        f"{DIM}-d clustered vectors, "
        f"{N_QUERIES} single-vector queries, top 10; milliseconds.\n\n"
        "| vectors | build | reopen | "
        + " | ".join(f"ef_search {ef}: p50 / p99 / recall@10" for ef in EF_SEARCH)
        + " | exact p50 | file | RSS of the open index | load |\n"
        + "|---:" * (7 + len(EF_SEARCH))
        + "|"
    )
    return "\n".join([head, *(asyncio.run(_one(n)) for n in sizes)])
