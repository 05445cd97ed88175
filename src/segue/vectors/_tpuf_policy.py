"""How the turbopuffer store treats time: timeouts, deadlines, patience, batch sizes, and
how long a ranking read with eventual consistency may be cached after a write."""

from __future__ import annotations

import time
from typing import Any, Literal

import httpx2

__all__ = [
    "EVENTUAL_STALENESS_SECONDS",
    "READ_DEADLINE",
    "READ_TIMEOUT",
    "WRITE_BATCH_BYTES",
    "WRITE_PATIENCE",
    "WRITE_TIMEOUT",
    "Consistency",
    "Freshness",
    "consistency_params",
]

Consistency = Literal["strong", "eventual"]

# Timeouts and retries, chosen (docs/turbopuffer.md says the same to operators):
#
# Reads (get_vectors, query_many, count, dimension) sit on the recommendation hot path. A
# warm query answers in tens of milliseconds; a cold namespace (first query after hours
# idle, served from object storage) takes up to ~1.7 s at p99. So: 1 s to connect (TLS to
# the region included), 5 s between bytes, and a deadline on the whole call, retries
# included: SEGUE_VECTOR_TIMEOUT_SECONDS (2 s by default, READ_DEADLINE when the store is
# built directly), or what the request has left of it. A 429 or 5xx is retried only while
# that time lasts (_tpuf_calls.read_call); then the API degrades instead of stalling.
READ_TIMEOUT = httpx2.Timeout(5.0, connect=1.0)
READ_DEADLINE = 2.0
# Writes and scans run in imports and `segue vectors sync`, off the hot path, and are
# idempotent (an upsert or delete by id, or a read, can be repeated safely), so they are
# retried through write backpressure (429 while indexing catches up, which can last
# minutes on a large namespace), 5xx and dropped connections, for up to an hour of
# waiting by default (SEGUE_TURBOPUFFER_WRITE_PATIENCE_SECONDS), never a few seconds.
# A full write batch must upload and commit to object storage: 60 s between bytes.
WRITE_TIMEOUT = httpx2.Timeout(60.0, connect=5.0)
WRITE_PATIENCE = 3600.0
# One write request: well under the documented 256 MB so that building the body keeps
# memory modest. Rows are sized as the client sends them (vectors base64-encoded: about
# 2.8 kB a 512-d row), so about 11,900 rows of 512 dimensions.
WRITE_BATCH_BYTES = 32 * 2**20
#: turbopuffer's staleness bound for eventual reads (the client's ConsistencyEventual:
#: ``max_staleness_seconds``, "Defaults to 60"); sent explicitly, so the bound Segue caps
#: its cache with is the one turbopuffer applies.
EVENTUAL_STALENESS_SECONDS = 60


def consistency_params(consistency: Consistency) -> dict[str, Any]:
    """The query parameters for ``consistency``: none for strong (turbopuffer's default),
    eventual with its staleness bound stated."""
    if consistency == "strong":
        return {}
    return {
        "consistency": {"level": "eventual", "max_staleness_seconds": EVENTUAL_STALENESS_SECONDS}
    }


class Freshness:
    """When this process last saw the index change, to bound how long a ranking computed
    with eventual reads may be cached (:meth:`max_cache_seconds`)."""

    __slots__ = ("_changed_at", "_generation", "consistency")

    def __init__(self, consistency: Consistency) -> None:
        self.consistency: Consistency = consistency
        self._changed_at: float | None = None
        self._generation: int | None = None

    def written(self) -> None:
        """This process just wrote (or deleted) vectors."""
        self._changed_at = time.monotonic()

    def forget(self, seconds: float) -> None:
        """Move the last change ``seconds`` into the past (tests: the bound has passed)."""
        if self._changed_at is not None:
            self._changed_at -= seconds

    def max_cache_seconds(self, index_generation: int | None = None) -> float | None:
        """How long a ranking computed now may be cached, or ``None`` (no limit here).

        With eventual reads, turbopuffer may answer from a view up to
        :data:`EVENTUAL_STALENESS_SECONDS` old: a ranking computed that soon after a write
        of vectors may not see it, so it must not outlive that bound. A write is noticed
        when this process makes it, or when the catalog's ``index_generation`` (moved after
        every write through Segue) differs from the one last seen; the first one a process
        sees counts as new, so a process that starts just after a write is safe too.
        """
        if self.consistency != "eventual":
            return None
        now = time.monotonic()
        if index_generation is not None and index_generation != self._generation:
            self._generation = index_generation
            self._changed_at = now
        if self._changed_at is not None and now - self._changed_at < EVENTUAL_STALENESS_SECONDS:
            return float(EVENTUAL_STALENESS_SECONDS)
        return None
