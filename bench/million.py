"""The 1M row: a 1,000,000 x 512 local index in the default configuration.

`python -m bench --only million` builds the index once (tens of minutes on two cores) under
``bench/.cache/million/`` (gitignored; a marker written last, so an interrupted build is
rebuilt rather than trusted), then reports build time, files on disk, resident memory of
the open index, query p50/p99 (one vector, and a blend-sized multi-query) and recall@10
against exact search.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from segue.engine import MAX_QUERIES
from segue.ingest import synthetic_catalog
from segue.settings import Settings
from segue.vectors import LocalVectorStore

from ._dataset import CACHE_DIR
from ._timing import percentiles_ms

__all__ = ["run"]

N, DIM = 1_000_000, 512
N_QUERIES = 200
POOL = 100  # Blend's neighbours per query
EF_SEARCH = (48, 128)  # the default, and deeper
DIRECTORY = CACHE_DIR / "million"


def _rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _disk_mib(path: Path) -> dict[str, float]:
    """Sizes of the index's files (through the link to its generation)."""
    real = Path(os.path.realpath(path))
    files = sorted(real.parent.iterdir()) if path.is_symlink() else [real]
    return {f.name: f.stat().st_size / 2**20 for f in files}


def _queries(vectors: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Perturbed catalog vectors (like a playlist's) and their exact top 10 (row indices)."""
    picks = rng.choice(vectors.shape[0], size=N_QUERIES, replace=False)
    noise = 0.3 * rng.normal(size=(N_QUERIES, DIM)).astype(np.float32) / np.sqrt(DIM)
    queries = vectors[picks] + noise
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    rows = []
    for s in range(0, N_QUERIES, 20):
        sims = queries[s : s + 20] @ vectors.T
        top = np.argpartition(-sims, 10, axis=1)[:, :10]
        order = np.argsort(-np.take_along_axis(sims, top, axis=1), axis=1)
        rows.append(np.take_along_axis(top, order, axis=1))
    return queries, np.vstack(rows)


async def _build(path: Path, store: LocalVectorStore, vectors: np.ndarray) -> dict[str, float]:
    marker = path.parent / "built.json"
    if marker.exists():
        built: dict[str, float] = json.loads(marker.read_text())
        return built
    if path.parent.exists():
        shutil.rmtree(path.parent)
    path.parent.mkdir(parents=True)
    done = 0

    def progress(n: int) -> None:
        nonlocal done
        done += n
        if done % 65_536 < n:
            print(f"  built {done:,} / {N:,} ({time.strftime('%H:%M:%S')})", file=sys.stderr)

    load0 = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    await store.upsert(np.arange(1, N + 1, dtype=np.int64), vectors, on_progress=progress)
    built = {
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
        "load_start": load0,
        "load_end": os.getloadavg()[0],
    }
    marker.write_text(json.dumps(built))
    return built


async def _measure(path: Path, queries: np.ndarray, truth: np.ndarray) -> list[str]:
    dtype = Settings(data_dir=path.parent).local_index_dtype.value
    rss0 = _rss_mib()
    t0 = time.perf_counter()
    store = LocalVectorStore(path, dtype=dtype)
    assert await store.count() == N
    reopen = time.perf_counter() - t0
    multi = np.empty(N_QUERIES // 4)
    for i in range(multi.size):
        block = np.roll(queries, -i, axis=0)[:MAX_QUERIES]
        t = time.perf_counter()
        await store.query_many(block, top_k=POOL, exclude=np.arange(1, 21))
        multi[i] = time.perf_counter() - t
    m50, m99 = percentiles_ms(multi)
    rows = []
    for ef in EF_SEARCH:
        store = LocalVectorStore(path, dtype=dtype, expansion_search=ef)
        single, hits = np.empty(N_QUERIES), 0
        for i in range(N_QUERIES):
            t = time.perf_counter()
            [res] = await store.query_many(queries[i : i + 1], top_k=10)
            single[i] = time.perf_counter() - t
            hits += len(set(res.ids.tolist()) & set((truth[i] + 1).tolist()))
        s50, s99 = percentiles_ms(single)
        rows.append(
            f"| {N:,} | {dtype} | {ef} | {reopen * 1e3:.0f} ms | {s50:.2f} / {s99:.2f} "
            f"| {m50:.1f} / {m99:.1f} | {hits / (10 * N_QUERIES):.3f} "
            f"| {_rss_mib() - rss0:.0f} MiB | {os.getloadavg()[0]:.1f} |"
        )
    return rows


def run() -> str:
    settings = Settings(data_dir=DIRECTORY)
    path = settings.index_path
    dtype = settings.local_index_dtype.value
    store = LocalVectorStore(path, dtype=dtype)
    cat = synthetic_catalog(N, dim=DIM, n_styles=15, n_artists=N // 17, seed=N)
    queries, truth = _queries(cat.vectors, np.random.default_rng(1))
    built = asyncio.run(_build(path, store, cat.vectors))
    del cat, store
    gc.collect()
    rows = asyncio.run(_measure(path, queries, truth))
    sizes = _disk_mib(path)
    files = ", ".join(f"{name} {mib:,.0f} MiB" for name, mib in sizes.items())
    return (
        f"1M x {DIM} local index, {dtype} graph (M=16, ef_add=64): built in "
        f"{built['wall_s'] / 60:.1f} min wall, {built['cpu_s'] / 60:.1f} min CPU "
        f"(load {built['load_start']:.1f} -> {built['load_end']:.1f}); on disk "
        f"{sum(sizes.values()):,.0f} MiB ({files}).\n\n"
        "| vectors | graph | ef_search | reopen | 1 query p50 / p99 (ms) | 16 x 100 multi-query "
        "p50 / p99 (ms, default ef) | recall@10 | RSS added by the open index (cumulative) "
        "| load |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|\n" + "\n".join(rows)
    )
