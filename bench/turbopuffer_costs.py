"""What turbopuffer bills and how long a bulk load takes, before and after issue 24.

    uv run python -m bench.turbopuffer_costs [--tracks 5000] [--sync-rows 100000]

1. **Bytes returned per cache-miss recommendation** (turbopuffer bills a query by the
   bytes it returns), vectors included as "because" needs them: the adaptive strategy as
   it was (each query's top_k padded with room for the playlist's and dismissed tracks,
   which turbopuffer already leaves out with ``id NotIn``) against now (no padding), and
   the default ``blend`` (never padded) for reference. Exact answer sizes from the
   stand-in behind a real HTTP server on 127.0.0.1, through the official client.
2. **Requests and seconds per 100k-row sync** into turbopuffer (``sync_stores``, as
   ``segue vectors sync --to turbopuffer`` runs it): write batches sized by the old JSON
   estimate (13 kB a 512-d row), vectors handed to the client as lists for it to encode, and
   a lookup per batch of an empty target, against batches sized by what the client sends
   (base64: 2.8 kB a row), the base64 built by numpy, and no lookups on a first load.
   Loopback, no TLS and no network: the seconds are this machine's client and stand-in
   work, not production's; the request counts are exact.

It measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from tests.vectors.tpuf_standin import LoopbackServer, TurbopufferStandin

from segue.engine import Adaptive, FloatMatrix, QueryPlan, Strategy, plan_queries, query_top_k
from segue.ingest import synthetic_catalog
from segue.recommendations import recommend
from segue.vectors import FetchedVectors, TurbopufferVectorStore, sync_stores
from segue.vectors._tpuf_policy import WRITE_BATCH_BYTES
from segue.vectors._tpuf_wire import vector_wire_bytes

from ._timing import machine

__all__ = ["run"]

CANDIDATES = 50  # SEGUE_RECOMMENDATION_CANDIDATES' default: what a miss ranks
PLAYLISTS = (4, 12, 25, 50)
DISMISSED = 5
# The old size estimate of a 512-d row (25 bytes a JSON float + 48), for the "before" leg.
_OLD_ROW_BYTES = 48 + 25 * 512


@dataclass(frozen=True, slots=True)
class PaddedAdaptive(Adaptive):
    """Adaptive as it was before issue 24: top_k = limit + the excluded ids."""

    name: ClassVar[str] = "adaptive-padded"

    def plan(
        self, vectors: FloatMatrix, *, limit: int, n_excluded: int, max_top_k: int
    ) -> QueryPlan:
        queries = plan_queries(
            vectors, direct_max=self.direct_max, max_clusters=self.max_clusters, seed=self.seed
        )
        return QueryPlan(
            queries, query_top_k(limit, n_excluded, max_top_k), np.ones(queries.shape[0])
        )


async def _bytes_per_miss(tracks: int) -> str:
    standin = TurbopufferStandin()
    catalog = synthetic_catalog(tracks, dim=512)
    rng = np.random.default_rng(7)
    legs: list[tuple[str, Strategy]] = [
        ("adaptive, before (top_k + excluded)", PaddedAdaptive()),
        ("adaptive, now", Adaptive()),
        ("blend (default; unchanged)", _blend()),
    ]
    lines = [
        "| strategy | playlist | requests | rows asked (top_k x queries) | bytes returned "
        "| vs before |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    with LoopbackServer(standin) as server:
        async with TurbopufferVectorStore(
            namespace="bench-costs", api_key=standin.api_key, base_url=server.base_url
        ) as store:
            await store.upsert(catalog.ids, catalog.vectors)
            playlists = {n: rng.choice(catalog.ids, size=n, replace=False) for n in PLAYLISTS}
            dismissed = {
                n: np.setdiff1d(rng.choice(catalog.ids, size=DISMISSED * 3), p)[:DISMISSED]
                for n, p in playlists.items()
            }
            before: dict[int, int] = {}
            for label, strategy in legs:
                for n, playlist in playlists.items():
                    first = len(standin.requests)
                    await recommend(
                        store,
                        playlist,
                        limit=CANDIDATES,
                        exclude=playlist,
                        negatives=dismissed[n],
                        strategy=strategy,
                    )
                    made = standin.requests[first:]
                    size = sum(r.response_bytes for r in made)
                    rows = _rows_asked(made[-1].body)
                    if label.startswith("adaptive, before"):
                        before[n] = size
                    ratio = f"{size / before[n]:.2f}" if label.startswith("adaptive") else ""
                    lines.append(
                        f"| {label} | {n} tracks + {DISMISSED} dismissed | {len(made)} | "
                        f"{rows} | {size:,} | {ratio} |"
                    )
    return "\n".join(lines)


def _blend() -> Strategy:
    from segue.engine import get_strategy

    return get_strategy("blend")


def _rows_asked(search_body: object) -> str:
    """top_k x queries of the search (what it returns, the catalog being large enough)."""
    if not isinstance(search_body, dict):
        return "?"
    subs = search_body.get("queries", [search_body])
    return str(sum(int(q.get("top_k", 0)) for q in subs))


class ArraySource:
    """An in-memory source of ``n`` random 512-d vectors, scanned in id order (what
    ``sync_stores`` reads; building a local HNSW index of 100k would dominate the run)."""

    max_top_k = 1200

    def __init__(self, n: int, dim: int = 512) -> None:
        self.ids = np.arange(1, n + 1, dtype=np.int64)
        self.vectors = np.random.default_rng(3).normal(size=(n, dim)).astype(np.float32)

    async def dimension(self) -> int | None:
        return int(self.vectors.shape[1])

    async def count(self) -> int:
        return int(self.ids.size)

    async def scan(self, *, batch_size: int = 1000) -> AsyncIterator[FetchedVectors]:
        for start in range(0, self.ids.size, batch_size):
            stop = start + batch_size
            yield FetchedVectors(self.ids[start:stop], self.vectors[start:stop])


class _NoCachedRankings:
    """The index generation of a sync with no catalog beside it: nothing cached to move."""

    async def move(self) -> None:
        return None


async def _sync_once(rows: int, *, before: bool) -> tuple[Counter[str], int, float]:
    standin = TurbopufferStandin()
    source = ArraySource(rows)
    budget = WRITE_BATCH_BYTES
    if before:
        # The old estimate's rows per request, with today's estimate of a row's bytes.
        budget = int(WRITE_BATCH_BYTES * (48 + vector_wire_bytes(512)) / _OLD_ROW_BYTES)
    with LoopbackServer(standin) as server:
        async with TurbopufferVectorStore(
            namespace="bench-sync",
            api_key=standin.api_key,
            base_url=server.base_url,
            write_batch_bytes=budget,
        ) as target:
            target.encode_vectors = not before
            started = time.perf_counter()
            report = await sync_stores(
                source,  # type: ignore[arg-type]
                target,
                generation=_NoCachedRankings(),
                trust_empty_target=not before,
            )
            seconds = time.perf_counter() - started
    if not report.complete or report.target_count != rows:
        raise RuntimeError(f"the sync did not complete: {report}")
    kinds: Counter[str] = Counter()
    sent = 0
    for r in standin.requests:
        body = r.body if isinstance(r.body, dict) else {}
        kind = (
            "write"
            if "upsert_rows" in body
            else "lookup"
            if r.path.endswith("/query") and "rank_by" in body
            else "other"
        )
        kinds[kind] += 1
        sent += r.body_bytes
    return kinds, sent, seconds


async def _sync_cost(rows: int, runs: int) -> str:
    lines = [
        f"| {rows:,}-row sync | write requests | lookup requests | other | MB sent | "
        "seconds (median) | runs |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for before in (True, False):
        results = [await _sync_once(rows, before=before) for _ in range(runs)]
        kinds, sent, _ = results[0]
        seconds = statistics.median(s for _, _, s in results)
        label = (
            "before (13 kB/row estimate, client encodes, lookups)"
            if before
            else "now (2.8 kB/row, numpy base64, first load)"
        )
        lines.append(
            f"| {label} | {kinds['write']} | {kinds['lookup']} | {kinds['other']} | "
            f"{sent / 1e6:.0f} | {seconds:.1f} | {runs} |"
        )
    return "\n".join(lines)


def run(tracks: int = 5000, sync_rows: int = 100_000, runs: int = 3) -> str:
    """Both tables, as Markdown."""

    async def both() -> str:
        first = await _bytes_per_miss(tracks)
        second = await _sync_cost(sync_rows, runs)
        return f"{first}\n\n{second}"

    with open("/proc/loadavg") as fh:
        load = " ".join(fh.read().split()[:3])
    head = f"turbopuffer costs on the stand-in (loopback); load average before: {load}\n\n"
    return head + asyncio.run(both())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tracks", type=int, default=5000)
    parser.add_argument("--sync-rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"Machine: {machine()}\n")
    print(run(args.tracks, args.sync_rows, args.runs))
