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
    "BUILD_INFO",
    "COMPUTATIONS_IN_FLIGHT",
    "FOLLOW_CONNECTIONS",
    "FOLLOW_COUNTERS",
    "FOLLOW_EVENTS",
    "FOLLOW_LAG",
    "KNOWN_LABELS",
    "RATE_LIMITED",
    "RATE_LIMIT_ERRORS",
    "RECOMMENDATIONS_UNAVAILABLE",
    "RECOMMENDATION_CACHE",
    "RECOMMENDATION_FALLBACKS",
    "REDIS_CIRCUIT",
    "REQUEST_DURATION",
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

#: every labelled counter with the values each of its labels can take, label by label
#: (tests/api/test_metrics.py holds these to the enums the code labels with)
KNOWN_LABELS: Final[Mapping[Counter, Mapping[str, tuple[str, ...]]]] = {
    RECOMMENDATION_CACHE: {"result": ("hit", "miss", "error")},
    RECOMMENDATIONS_UNAVAILABLE: {"reason": get_args(UnavailableReason)},
    RECOMMENDATION_FALLBACKS: {"reason": ("queue_full", "deadline")},
    RATE_LIMITED: {"budget": ("read", "write", "miss")},
    FOLLOW_EVENTS: {
        "kind": ("track", "playlist", "account", "identity", "other"),
        "result": ("applied", "duplicate", "stale", "ignored", "conflict", "malformed"),
    },
    FOLLOW_CONNECTIONS: {"result": ("opened", "failed")},
}
#: the labelled counters the API's processes record (``segue serve``, ``segue demo``)
API_COUNTERS: Final = (
    RECOMMENDATION_CACHE,
    RECOMMENDATIONS_UNAVAILABLE,
    RECOMMENDATION_FALLBACKS,
    RATE_LIMITED,
)
#: the labelled counters ``segue follow`` records
FOLLOW_COUNTERS: Final = (FOLLOW_EVENTS, FOLLOW_CONNECTIONS)


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
