"""The load test's reading of GET /metrics and its pass rule on unavailable answers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from bench.loadtest import MAX_UNAVAILABLE, Stats, _metrics_lines, scrape_metrics
from prometheus_client import CollectorRegistry, Counter, start_http_server

from ..support import free_port


@pytest.fixture
def metrics_server() -> Iterator[tuple[str, CollectorRegistry]]:
    """A real Prometheus endpoint with its own registry, as the service's /metrics is."""
    registry = CollectorRegistry()
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    try:
        yield f"http://127.0.0.1:{port}", registry
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_scrape_sums_the_counters_by_label(
    metrics_server: tuple[str, CollectorRegistry],
) -> None:
    base, registry = metrics_server
    fallbacks = Counter(
        "segue_recommendation_fallbacks", "f", ["reason", "strategy"], registry=registry
    )
    fallbacks.labels(reason="queue_full", strategy="blend").inc(3)
    fallbacks.labels(reason="queue_full", strategy="other").inc(2)
    fallbacks.labels(reason="deadline", strategy="blend").inc(1)
    Counter("segue_recommendation_cache", "c", ["result"], registry=registry).labels("hit").inc(7)
    Counter("unrelated", "u", registry=registry).inc()

    found = scrape_metrics(base)

    assert not isinstance(found, str)
    assert found["segue_recommendation_fallbacks_total"] == {"queue_full": 5.0, "deadline": 1.0}
    assert found["segue_recommendation_cache_total"] == {"hit": 7.0}
    assert found["segue_recommendations_unavailable_total"] == {}
    lines = _metrics_lines(found, recommends=60)
    assert (
        lines[0] == "Fallbacks (segue_recommendation_fallbacks_total): 6, 10.0% of recommendations"
    )


def test_no_metrics_endpoint_is_reported_not_fatal() -> None:
    port = free_port()  # nothing listens there
    assert "failed" in str(scrape_metrics(f"http://127.0.0.1:{port}"))
    assert _metrics_lines("GET /metrics answered 404", 10)[0].startswith("Server metrics: none")


def test_unavailable_share_counts_answered_recommendations_only() -> None:
    stats = Stats()
    stats.statuses["recommend 200"] = 200
    stats.statuses["read 200"] = 500
    stats.unavailable = 3
    assert stats.unavailable_share == pytest.approx(0.015)
    assert stats.unavailable_share > MAX_UNAVAILABLE
