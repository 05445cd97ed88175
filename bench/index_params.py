"""HNSW build parameters of the local index: build time against recall@10.

`python -m bench.index_params [N] [M,EF_ADD[,DTYPE] ...]` builds a usearch index of N
clustered 512-d vectors (default 100,000) for each configuration (default: the ones in
docs/benchmarks.md) and prints a Markdown table: build wall and CPU seconds (all threads),
and recall@10 and time per single-vector query at ef_search 64 and 128, against exact
search. Minutes per configuration on a 2-core machine.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
from usearch.compiled import MetricKind
from usearch.index import Index

from segue._runtime import single_threaded_blas
from segue.ingest import synthetic_catalog

from ._dataset import recall_queries
from ._timing import machine

__all__ = ["run"]

DIM = 512
N_QUERIES = 500
_CHUNK = 8192  # as LocalVectorStore adds them
DEFAULT_CONFIGS = ("16,128", "16,64", "16,48", "16,32", "12,64", "8,64", "16,64,f16", "16,64,bf16")


def _row(
    cat_ids: np.ndarray, vectors: np.ndarray, queries: np.ndarray, truth: np.ndarray, config: str
) -> str:
    parts = config.split(",")
    m, ef_add = int(parts[0]), int(parts[1])
    dtype = parts[2] if len(parts) > 2 else "f32"
    index = Index(
        ndim=DIM, metric=MetricKind.Cos, dtype=dtype, connectivity=m, expansion_add=ef_add
    )
    load = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(0, cat_ids.size, _CHUNK):
        index.add(cat_ids[start : start + _CHUNK], vectors[start : start + _CHUNK], threads=0)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    cells = []
    for ef_search in (64, 128):
        # usearch's Index has a setter for it; mypy reads usearch's property as read-only
        index.expansion_search = ef_search  # type: ignore[misc]
        hits = 0
        t0 = time.perf_counter()
        for i in range(queries.shape[0]):
            found = index.search(queries[i : i + 1], 10, threads=1)
            hits += len(set(np.asarray(found.keys).tolist()) & set(truth[i].tolist()))
        per_query = (time.perf_counter() - t0) / queries.shape[0] * 1e3
        cells.append(f"{hits / (10 * queries.shape[0]):.3f} | {per_query:.2f}")
    return (
        f"| {m} | {ef_add} | {dtype} | {wall:.0f} s | {cpu:.0f} s | {load:.1f} | "
        + " | ".join(cells)
        + " |"
    )


def run(n: int = 100_000, configs: tuple[str, ...] = DEFAULT_CONFIGS) -> str:
    cat = synthetic_catalog(n, dim=DIM, n_styles=15, n_artists=max(30, n // 17), seed=n)
    queries, truth = recall_queries(cat, N_QUERIES, np.random.default_rng(1))
    head = (
        f"HNSW build of {n:,} clustered {DIM}-d vectors (cosine), {N_QUERIES} single-vector "
        "queries; load = 1-minute load average at the start of the build.\n\n"
        "| M | ef_add | dtype | build wall | build CPU | load | recall@10 ef64 | ms/query "
        "| recall@10 ef128 | ms/query |\n|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|"
    )
    rows = []
    for config in configs:
        rows.append(_row(cat.ids, cat.vectors, queries, truth, config))
        print(rows[-1], file=sys.stderr, flush=True)
    return "\n".join([head, *rows])


if __name__ == "__main__":
    single_threaded_blas()
    args = sys.argv[1:]
    size = int(args.pop(0)) if args and args[0].isdigit() else 100_000
    print(f"Machine: {machine()}\n")
    print(run(size, tuple(args) or DEFAULT_CONFIGS))
