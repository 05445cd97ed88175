"""Cheaper misses: today's local index configuration against the new default, one run.

`python -m bench --only index` (after the index table) or `python -m bench.misses [N]`:
builds the same N clustered 512-d vectors (default 100,000) in each configuration, then,
interleaved so that load hits both alike, measures a blend-sized multi-query (16 x 100
neighbours), recall@10 of single queries against exact search, and the in-process cost
of a whole `blend` miss (get_vectors + plan + query_many + rank) over playlists of 1-50
tracks, with the agreement of each configuration's top 10 with today's `blend` (16
queries) on exact search.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from segue._runtime import single_threaded_blas
from segue.engine import MAX_QUERIES, Blend, Ranking, check_ids
from segue.ingest import synthetic_catalog
from segue.vectors import LocalVectorStore

from ._dataset import recall_queries
from ._timing import machine, percentiles_ms

__all__ = ["CONFIGS", "Config", "run"]

DIM = 512
N_PLAYLISTS = 64
REPS = 5  # each playlist's miss is timed this many times per configuration
N_RECALL = 300
LIMIT = 50  # ranked ids a miss computes (SEGUE_RECOMMENDATION_CANDIDATES)


@dataclass(frozen=True, slots=True)
class Config:
    name: str
    dtype: str
    blend: Blend
    ef_search: int = 48


#: today's strategy constants: the mean and up to 15 anchors
TODAY = Blend(max_queries=MAX_QUERIES)
CONFIGS = (
    Config("today: f32, ef 48, blend 16 queries", "f32", TODAY),
    Config("bf16 + exact f32, blend 16 queries", "bf16", TODAY),
    Config("f16 + exact f32, blend 16 queries", "f16", TODAY),
    Config("new default: bf16 + exact f32, blend 8 queries", "bf16", Blend(max_queries=8)),
)


def _playlists(style: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """1-50 track ids, each playlist from one style of the catalog (ids are rows + 1)."""
    out = []
    for _ in range(N_PLAYLISTS):
        rows = np.flatnonzero(style == rng.integers(style.max() + 1))
        out.append(rng.choice(rows, size=int(rng.integers(1, 51)), replace=False) + 1)
    return out


async def _miss(store: LocalVectorStore, blend: Blend, ids: np.ndarray) -> tuple[Ranking, float]:
    """One recommendation miss as the service computes it; its ranking and its seconds in
    query_many."""
    playlist = np.unique(check_ids(ids))
    fetched = await store.get_vectors(playlist)
    plan = blend.plan(
        fetched.vectors, limit=LIMIT, n_excluded=playlist.size, max_top_k=store.max_top_k
    )
    t = time.perf_counter()
    lists = await store.query_many(plan.queries, top_k=plan.top_k, exclude=playlist)
    searched = time.perf_counter() - t
    return blend.rank(plan, lists, exclude=playlist, limit=LIMIT), searched


def _recall(store: LocalVectorStore, queries: np.ndarray, truth: np.ndarray) -> float:
    hits = 0
    for i in range(queries.shape[0]):
        [res] = asyncio.run(store.query_many(queries[i : i + 1], top_k=10))
        hits += len(set(res.ids.tolist()) & set(truth[i].tolist()))
    return hits / truth.size


def _threads(store: LocalVectorStore, queries: np.ndarray) -> str:
    """usearch's own ``threads`` for one 16 x 100 search, alone and under 4 concurrent callers."""
    graph = store._current().graph  # type: ignore[union-attr]  # bench: the open graph
    cells = []
    for threads in (1, 2):
        for callers in (1, 4):
            jobs = 200

            def one(i: int, threads: int = threads) -> None:
                graph.search(np.roll(queries, -i, axis=0)[:16], 100, threads=threads)

            t0 = time.perf_counter()
            with ThreadPoolExecutor(callers) as pool:
                list(pool.map(one, range(jobs)))
            cells.append(f"{jobs / (time.perf_counter() - t0):.0f}")
    return (
        "usearch `threads` for one 16 x 100 search on the bf16 graph, searches per second "
        "(the store uses threads=1):\n\n| threads | 1 caller | 4 concurrent callers |\n"
        f"|---:|---:|---:|\n| 1 | {cells[0]} | {cells[1]} |\n| 2 | {cells[2]} | {cells[3]} |"
    )


def _build_cell(seconds: float, load: float) -> str:
    return "(same index)" if seconds < 1 else f"{seconds:.0f} s (load {load:.1f})"


def run(n: int = 100_000, configs: Sequence[Config] = CONFIGS) -> str:
    cat = synthetic_catalog(n, dim=DIM, n_styles=15, n_artists=max(30, n // 17), seed=n)
    rng = np.random.default_rng(7)
    queries, truth = recall_queries(cat, N_RECALL, rng)
    playlists = _playlists(cat.style, rng)
    with tempfile.TemporaryDirectory() as tmp:
        stores, builds = [], []
        for c in configs:
            path = Path(tmp) / f"{c.dtype}.usearch"
            load = os.getloadavg()[0]
            t0 = time.perf_counter()
            if not path.exists():  # configurations differing only in the strategy share it
                asyncio.run(LocalVectorStore(path, dtype=c.dtype).upsert(cat.ids, cat.vectors))
            builds.append((time.perf_counter() - t0, load))
            print(f"built {c.name}: {builds[-1][0]:.0f} s", file=sys.stderr, flush=True)
            stores.append(
                LocalVectorStore(
                    path, dtype=c.dtype, exact_threshold=0, expansion_search=c.ef_search
                )
            )
        exact = LocalVectorStore(Path(tmp) / "f32.usearch", exact_threshold=n)
        recall = [_recall(s, queries, truth) for s in stores]
        multi: list[list[float]] = [[] for _ in configs]
        whole: list[list[float]] = [[] for _ in configs]
        searched: list[list[float]] = [[] for _ in configs]
        agree = np.zeros(len(configs))
        load0 = os.getloadavg()[0]

        async def measure() -> None:
            for ids in playlists:
                reference, _ = await _miss(exact, TODAY, ids)
                top = set(reference.ids[:10].tolist())
                for _ in range(REPS):
                    for i, (c, store) in enumerate(zip(configs, stores, strict=True)):
                        t0 = time.perf_counter()
                        ranking, s = await _miss(store, c.blend, ids)
                        whole[i].append(time.perf_counter() - t0)
                        searched[i].append(s)
                        got = set(ranking.ids[:10].tolist())
                        agree[i] += len(got & top) / max(1, len(top)) / REPS
                        block = np.roll(queries, -len(whole[i]), axis=0)[:16]
                        t0 = time.perf_counter()
                        await store.query_many(block, top_k=100, exclude=ids)
                        multi[i].append(time.perf_counter() - t0)

        asyncio.run(measure())
        threads = _threads(stores[1], queries)
    load1 = os.getloadavg()[0]
    base = np.mean(whole[0])
    rows = []
    for i, c in enumerate(configs):
        m50, m99 = percentiles_ms(np.array(multi[i]))
        w50, w99 = percentiles_ms(np.array(whole[i]))
        s50, _ = percentiles_ms(np.array(searched[i]))
        mean = np.mean(whole[i])
        rows.append(
            f"| {c.name} | {_build_cell(*builds[i])} | {m50:.2f} / {m99:.2f} "
            f"| {recall[i]:.3f} | {w50:.2f} / {w99:.2f} | {mean * 1e3:.2f} | {s50:.2f} "
            f"| {mean / base:.2f}x | {agree[i] / len(playlists):.3f} |"
        )
    head = (
        f"Cheaper misses: {n:,} clustered {DIM}-d vectors, M=16, ef_add=64; "
        f"{N_PLAYLISTS} playlists of 1-50 tracks x {REPS}, configurations interleaved; load "
        f"{load0:.1f} -> {load1:.1f}; milliseconds.\n\n"
        "| configuration | build | 16 x 100 multi-query p50 / p99 | recall@10 | blend miss "
        "p50 / p99 | miss mean | query_many p50 | mean vs today | top-10 agreement with "
        "today's blend on exact search |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    return "\n".join([head, *rows]) + "\n\n" + threads


if __name__ == "__main__":
    single_threaded_blas()
    print(f"Machine: {machine()}\n")
    print(run(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
