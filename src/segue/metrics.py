"""The service's Prometheus metrics, defined once for every process.

The names are a contract with dashboards and alerts (issue 11): add, never rename. Under
``segue serve --workers N`` prometheus-client runs in multi-process mode (the environment
variable ``PROMETHEUS_MULTIPROC_DIR`` is set before any worker imports this module), so
each metric says how its values from several processes combine.

    >>> RECOMMENDATION_CACHE.labels(result="hit").inc()
    >>> with VECTOR_STORE_DURATION.labels(operation="query_many").time():
    ...     pass

Labels never carry ids, tokens or user names: ``/metrics`` may be readable by anyone who
can reach the port.

Every labelled counter lists the label values it can take (:data:`KNOWN_LABELS`), and the
process that owns it creates them all at 0 at start (:func:`start_at_zero`): a counter
with no child is absent from ``/metrics`` (under ``--workers N`` it has no file at all),
and a dashboard then reads "no data" where it should read 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import product
from typing import Final, Literal, get_args

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "API_COUNTERS",
    "BACKFILL_COUNTERS",
    "BUILD_INFO",
    "COMPUTATIONS_IN_FLIGHT",
    "EMBED_COUNTERS",
    "EMBED_PENDING",
    "EMBED_RESULTS",
    "EMBED_SECONDS",
    "EMBED_TRACKS",
    "FOLLOW_BACKFILL_RECORDS",
    "FOLLOW_CONNECTIONS",
    "FOLLOW_COUNTERS",
    "FOLLOW_EVENTS",
    "FOLLOW_GAPS",
    "FOLLOW_HOST_SWITCHES",
    "FOLLOW_LAG",
    "KNOWN_LABELS",
    "RATE_LIMITED",
    "RATE_LIMIT_ERRORS",
    "RECOMMENDATIONS_UNAVAILABLE",
    "RECOMMENDATION_CACHE",
    "RECOMMENDATION_FALLBACKS",
    "REDIS_CIRCUIT",
    "REQUEST_DURATION",
    "TURBOPUFFER_CALLS",
    "TURBOPUFFER_RETRIES",
    "VECTOR_STORE_DURATION",
    "UnavailableReason",
    "start_at_zero",
]

#: why an answer is ``available: false`` (the ``reason`` of
#: ``segue_recommendations_unavailable_total``)
UnavailableReason = Literal[
    "disabled", "empty_playlist", "no_embeddings", "store_error", "store_timeout"
]

# From a sub-millisecond cache hit to the 2 s store timeout and beyond.
_LATENCY_BUCKETS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)

REQUEST_DURATION = Histogram(
    "segue_http_request_duration_seconds",
    "HTTP requests by route template (never the raw path), method and status.",
    ["route", "method", "status"],
    buckets=_LATENCY_BUCKETS,
)
RECOMMENDATION_CACHE = Counter(
    "segue_recommendation_cache_total",
    "Recommendation cache look-ups: hit, miss, or error (cache unreachable: computed).",
    ["result"],
)
VECTOR_STORE_DURATION = Histogram(
    "segue_vector_store_duration_seconds",
    "Vector store calls made for recommendations, by operation.",
    ["operation"],
    buckets=_LATENCY_BUCKETS,
)
RECOMMENDATIONS_UNAVAILABLE = Counter(
    "segue_recommendations_unavailable_total",
    "Answers with available: false, by reason.",
    ["reason"],
)
RECOMMENDATION_FALLBACKS = Counter(
    "segue_recommendation_fallbacks_total",
    "Recommendations computed with a cheaper plan than the configured strategy, by reason.",
    ["reason"],
)
COMPUTATIONS_IN_FLIGHT = Gauge(
    "segue_recommendation_computations_in_flight",
    "Recommendation computations running now (summed over live processes).",
    multiprocess_mode="livesum",
)
RATE_LIMITED = Counter(
    "segue_rate_limited_total",
    "Requests refused with 429 because their token spent a budget, by budget.",
    ["budget"],
)
RATE_LIMIT_ERRORS = Counter(
    "segue_rate_limit_errors_total",
    "Rate-limit checks that Redis could not answer (down, slow, refusing); each was then "
    "decided by this process's own counters.",
)

BUILD_INFO = Gauge(
    "segue_build_info",
    "Always 1: the running Segue's version and the catalog schema revision it needs.",
    ["version", "schema"],
    multiprocess_mode="livemax",
)
REDIS_CIRCUIT = Gauge(
    "segue_redis_circuit",
    "Processes whose Redis circuit breaker is in each state (closed: Redis is used; open: "
    "not, after consecutive failures; half_open: one probe is out), summed over live ones.",
    ["state"],
    multiprocess_mode="livesum",
)
# turbopuffer (docs/turbopuffer.md): `read` is the hot path (retried within the request's
# deadline), `bulk` writes and scans (retried through backpressure).
TURBOPUFFER_CALLS = Counter(
    "segue_turbopuffer_calls_total",
    "turbopuffer calls by kind (read, bulk) and outcome: ok, retried (ok after retries), "
    "deadline (read: no time left), gave_up (bulk: patience spent), missing (namespace "
    "not written yet), error (not retried).",
    ["kind", "outcome"],
)
TURBOPUFFER_RETRIES = Counter(
    "segue_turbopuffer_retries_total",
    "turbopuffer requests repeated, by kind (read, bulk) and what was answered (429, 4xx, "
    "5xx, connection).",
    ["kind", "status"],
)

# `segue follow` (docs/atproto.md): its own process, exposed on SEGUE_METRICS_PORT.
FOLLOW_EVENTS = Counter(
    "segue_follow_events_total",
    "Jetstream events read by segue follow, by kind (track, playlist, account, identity, "
    "other) and result (applied, duplicate, stale, ignored, conflict, malformed).",
    ["kind", "result"],
)
FOLLOW_LAG = Gauge(
    "segue_follow_lag_seconds",
    "How far segue follow is behind the network: now less the time_us of the last event applied.",
    multiprocess_mode="max",
)
FOLLOW_CONNECTIONS = Counter(
    "segue_follow_connections_total",
    "Connections to Jetstream hosts by segue follow: opened, or failed.",
    ["result"],
)
FOLLOW_HOST_SWITCHES = Counter(
    "segue_follow_host_switches_total",
    "Jetstream hosts left by segue follow, by reason: silence (no event of a followed "
    "collection for SEGUE_FOLLOW_SILENCE_SECONDS while connected), error, closed.",
    ["reason"],
)
FOLLOW_GAPS = Counter(
    "segue_follow_gaps_total",
    "Windows of the network segue follow could not read from Jetstream (a cursor older than "
    "the host keeps): each needs a backfill.",
)
FOLLOW_BACKFILL_RECORDS = Counter(
    "segue_follow_backfill_records_total",
    "Records read by segue follow backfill from PDSes, by result (applied, duplicate, stale, "
    "ignored, conflict, limited, malformed, deleted).",
    ["result"],
)

# `segue embed --catalog` (docs/embedding.md): its own processes, exposed on SEGUE_METRICS_PORT.
#: every value of ``segue_embed_tracks_total``'s ``result`` label, initialised at zero
EMBED_RESULTS = ("embedded", "retried", "failed", "stale")
EMBED_TRACKS = Counter(
    "segue_embed_tracks_total",
    "Tracks segue embed --catalog worked on, by result: embedded (vector written), retried "
    "(failed this time, pending again), failed (for good, reason kept), stale (the audio "
    "source changed meanwhile: embedded again later).",
    ["result"],
)
EMBED_PENDING = Gauge(
    "segue_embed_pending",
    "Catalog tracks waiting for their embedding, as a worker last counted them.",
    multiprocess_mode="max",
)
EMBED_SECONDS = Histogram(
    "segue_embed_seconds",
    "Per track embedded: seconds from its claim to its vector written (fetch, decode, "
    "waiting for and running the model, write).",
    buckets=(0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0),
)


#: what applying a followed record did, streamed or backfilled (segue.follow's FollowResult
#: and the reader's "malformed"); a backfill also counts the records it found deleted
_RECORD_RESULTS: Final = (
    "applied",
    "duplicate",
    "stale",
    "ignored",
    "conflict",
    "limited",
    "malformed",
)

#: every labelled counter with the values each of its labels can take, label by label
#: (tests/api/test_metrics.py holds these to the enums the code labels with)
KNOWN_LABELS: Final[Mapping[Counter, Mapping[str, tuple[str, ...]]]] = {
    RECOMMENDATION_CACHE: {"result": ("hit", "miss", "error")},
    RECOMMENDATIONS_UNAVAILABLE: {"reason": get_args(UnavailableReason)},
    RECOMMENDATION_FALLBACKS: {"reason": ("queue_full", "deadline")},
    RATE_LIMITED: {"budget": ("read", "write", "miss")},
    FOLLOW_EVENTS: {
        "kind": ("track", "playlist", "account", "identity", "other"),
        "result": _RECORD_RESULTS,
    },
    FOLLOW_CONNECTIONS: {"result": ("opened", "failed")},
    FOLLOW_HOST_SWITCHES: {"reason": ("silence", "error", "closed")},
    FOLLOW_BACKFILL_RECORDS: {"result": (*_RECORD_RESULTS, "deleted")},
    TURBOPUFFER_CALLS: {
        "kind": ("read", "bulk"),
        "outcome": ("ok", "retried", "deadline", "gave_up", "missing", "error"),
    },
    TURBOPUFFER_RETRIES: {"kind": ("read", "bulk"), "status": ("429", "4xx", "5xx", "connection")},
    EMBED_TRACKS: {"result": EMBED_RESULTS},
}
#: the labelled counters the API's processes record (``segue serve``, ``segue demo``)
API_COUNTERS: Final = (
    RECOMMENDATION_CACHE,
    RECOMMENDATIONS_UNAVAILABLE,
    RECOMMENDATION_FALLBACKS,
    RATE_LIMITED,
    TURBOPUFFER_CALLS,
    TURBOPUFFER_RETRIES,
)
#: the labelled counters ``segue follow`` records
FOLLOW_COUNTERS: Final = (FOLLOW_EVENTS, FOLLOW_CONNECTIONS, FOLLOW_HOST_SWITCHES)
#: the labelled counters ``segue follow backfill`` records
BACKFILL_COUNTERS: Final = (FOLLOW_BACKFILL_RECORDS,)
#: the labelled counters a ``segue embed --catalog`` worker records
EMBED_COUNTERS: Final = (EMBED_TRACKS,)


def start_at_zero(counters: Iterable[Counter]) -> None:
    """Create every known label combination of ``counters`` at 0 in this process, so each
    is in ``/metrics`` before its first event. Call once in each process that records them,
    after ``PROMETHEUS_MULTIPROC_DIR`` is set (a worker's lifespan); calling again is harmless.

        >>> start_at_zero(API_COUNTERS)
    """
    for counter in counters:
        known = KNOWN_LABELS[counter]
        for values in product(*known.values()):
            counter.labels(**dict(zip(known, values, strict=True)))
