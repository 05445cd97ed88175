"""What issue 14 adds to a miss: `because`, near-duplicates and negatives, one run.

`python -m bench --only because` (or `python -m bench.because`): on the cached 100k x 512
catalog in Segue's index type (bf16 graph + exact f32 vectors), the same playlists (1-50
tracks) are computed three ways, interleaved so that load hits each alike:

* before: get_vectors, plan, query_many (ids and distances), rank to 50 (the previous
  pipeline, inlined here);
* now: ``segue.recommendations.recommend`` (query_many also returns the candidates'
  vectors; every candidate ranked; `because` and near-duplicates for the first 50);
* now, with 3 dismissed tracks as negatives (their vectors in the same fetch; every
  pooled candidate compared with them).
"""

from __future__ import annotations

import asyncio
import os
import time

import numpy as np

from segue._runtime import single_threaded_blas
from segue.engine import Blend, Ranking, check_ids
from segue.recommendations import recommend
from segue.vectors import LocalVectorStore

from ._dataset import build_index, catalog_spec
from ._timing import machine, percentiles_ms

__all__ = ["run"]

N_TRACKS, DIM = 100_000, 512
N_PLAYLISTS = 64
REPS = 5
LIMIT = 50  # ranked ids a miss computes (SEGUE_RECOMMENDATION_CANDIDATES)


async def _before(store: LocalVectorStore, blend: Blend, ids: np.ndarray) -> Ranking:
    """The miss as computed before issue 14: no vectors back, rank straight to ``LIMIT``."""
    playlist = np.unique(check_ids(ids))
    fetched = await store.get_vectors(playlist)
    plan = blend.plan(
        fetched.vectors, limit=LIMIT, n_excluded=playlist.size, max_top_k=store.max_top_k
    )
    lists = await store.query_many(plan.queries, top_k=plan.top_k, exclude=playlist)
    return blend.rank(plan, lists, exclude=playlist, limit=LIMIT)


def run() -> str:
    spec = catalog_spec(N_TRACKS, DIM)
    build_index(spec)
    store = LocalVectorStore(spec.data_dir / "vectors.usearch", dtype="bf16")
    rng = np.random.default_rng(14)
    playlists = [
        rng.choice(N_TRACKS, size=int(rng.integers(1, 51)), replace=False) + 1
        for _ in range(N_PLAYLISTS)
    ]
    names = ("before (no because)", "now: because + near-duplicates", "now, with 3 negatives")
    times: list[list[float]] = [[], [], []]
    same_top = 0
    blend = Blend()
    load0 = os.getloadavg()[0]

    async def measure() -> None:
        nonlocal same_top
        for ids in playlists:
            first = await recommend(store, ids, limit=LIMIT)
            negatives = first.ids[:3]
            for _ in range(REPS):
                t0 = time.perf_counter()
                old = await _before(store, blend, ids)
                times[0].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                new = await recommend(store, ids, limit=LIMIT)
                times[1].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                await recommend(store, ids, limit=LIMIT, negatives=negatives)
                times[2].append(time.perf_counter() - t0)
            same_top += int(old.ids[:10].tolist() == new.ids[:10].tolist())

    asyncio.run(measure())
    load1 = os.getloadavg()[0]
    base = float(np.mean(times[0]))
    rows = []
    for name, t in zip(names, times, strict=True):
        p50, p99 = percentiles_ms(np.array(t))
        mean = float(np.mean(t))
        rows.append(
            f"| {name} | {p50:.2f} | {p99:.2f} | {mean * 1e3:.2f} | "
            f"{(mean - base) * 1e3:+.2f} ({mean / base:.2f}x) |"
        )
    return (
        f"Issue 14 on a miss: {N_TRACKS:,} x {DIM}-d, bf16 graph + exact f32, blend, limit "
        f"{LIMIT}; {N_PLAYLISTS} playlists of 1-50 tracks x {REPS}, interleaved; load "
        f"{load0:.1f} -> {load1:.1f}; milliseconds, in process. The top 10 was the same as "
        f"before for {same_top} of {N_PLAYLISTS} playlists (near-duplicates aside, it must "
        "be).\n\n| pipeline | p50 | p99 | mean | mean vs before |\n|---|---:|---:|---:|---:|\n"
        + "\n".join(rows)
    )


if __name__ == "__main__":
    single_threaded_blas()
    print(f"Machine: {machine()}\n")
    print(run())
