"""``GET /metrics``: the Prometheus text format, route templates as labels, nothing secret.

Through the ASGI app with its lifespan (one process: the default registry), on PostgreSQL
with Redis and on SQLite. The registry is the process's, shared by every test, so counts
are compared before and after.
"""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from segue import metrics
from segue.api import RequestMetrics, create_app
from segue.settings import Settings

from .conftest import World

REQUEST_COUNT = "segue_http_request_duration_seconds_count"
RECOMMENDATIONS = "/playlists/{playlist_id}/recommendations"
TEMPLATE = re.compile(r"(/([a-z][a-z.-]*|\{[a-z_]+\})?)+")


async def scrape(client: httpx.AsyncClient) -> str:
    r = await client.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == CONTENT_TYPE_LATEST
    return r.text


def counts(text: str) -> dict[tuple[str, str, str], float]:
    """Request counts by (route, method, status), parsed as Prometheus would."""
    out: dict[tuple[str, str, str], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == REQUEST_COUNT:
                labels = sample.labels
                out[labels["route"], labels["method"], labels["status"]] = sample.value
    return out


Counts = dict[tuple[str, str, str], float]


def grew(before: Counts, after: Counts) -> Counts:
    return {
        key: after[key] - before.get(key, 0.0) for key in after if after[key] != before.get(key)
    }


async def test_every_contract_metric_is_exposed_with_its_type(world: World) -> None:
    families = {f.name: f for f in text_string_to_metric_families(await scrape(world.client))}
    expected = {
        metrics.REQUEST_DURATION: "histogram",
        metrics.RECOMMENDATION_CACHE: "counter",
        metrics.VECTOR_STORE_DURATION: "histogram",
        metrics.RECOMMENDATIONS_UNAVAILABLE: "counter",
        metrics.RECOMMENDATION_FALLBACKS: "counter",
        metrics.COMPUTATIONS_IN_FLIGHT: "gauge",
    }
    for metric, kind in expected.items():
        # As registered (a counter's family is named without its _total suffix).
        [family] = metric.describe()
        name = family.name
        assert name in families, f"{name} missing from /metrics"
        assert families[name].type == kind
    assert families["segue_http_request_duration_seconds"].documentation


async def test_requests_are_labelled_by_route_template_method_and_status(world: World) -> None:
    before = counts(await scrape(world.client))
    auth = world.auth()
    assert (await world.client.get(f"/playlists/{world.playlist}", headers=auth)).status_code == 200
    r = await world.client.get(f"/playlists/{world.playlist}/recommendations", headers=auth)
    assert r.status_code == 200
    r = await world.client.get(f"/playlists/{world.bobs}/recommendations", headers=auth)
    assert r.status_code == 403
    assert (await world.client.get(f"/playlists/{world.playlist}")).status_code == 401
    assert (await world.client.delete("/healthz")).status_code == 405
    for path in ("/wp-login.php", "/.env", f"/x/{world.alice}"):  # scanners: one label
        assert (await world.client.get(path)).status_code == 404
    for asset in ("/assets/app-1.js", "/assets/app-2.css"):  # static files: one label
        assert (await world.client.get(asset)).status_code == 404
    assert (await world.client.request("BREW", "/healthz")).status_code == 405

    delta = grew(before, counts(await scrape(world.client)))
    assert delta.pop(("/metrics", "GET", "200")) == 1
    assert delta == {
        ("/playlists/{playlist_id}", "GET", "200"): 1,
        (RECOMMENDATIONS, "GET", "200"): 1,
        (RECOMMENDATIONS, "GET", "403"): 1,
        ("/playlists/{playlist_id}", "GET", "401"): 1,
        ("/healthz", "DELETE", "405"): 1,
        ("unmatched", "GET", "404"): 3,
        ("static", "GET", "404"): 2,
        ("/healthz", "other", "405"): 1,
    }


async def test_no_id_token_or_user_appears_after_authenticated_requests(world: World) -> None:
    for token in (world.alice, world.bob):
        for playlist in (world.playlist, world.bobs, world.empty):
            headers = world.auth(token)
            await world.client.get(f"/playlists/{playlist}/recommendations", headers=headers)
            await world.client.get(f"/playlists/{playlist}?token={token}", headers=headers)
        await world.client.get("/me/playlists", headers=world.auth(token))
        await world.client.get(f"/{token}")  # a token in the path itself
    text = await scrape(world.client)
    secrets = [world.alice, world.bob, world.playlist, world.bobs, world.empty]
    secrets += ["did:plc:alice", "did:plc:bob", "alice.example.com", "bob.example.com"]
    for secret in secrets:
        assert secret not in text
    # Every route label is a template (literal words and {placeholders}) or a fixed word.
    routes = {key[0] for key in counts(text)}
    assert "unmatched" in routes
    for route in routes - {"unmatched", "static"}:
        assert TEMPLATE.fullmatch(route), route
    assert set(world.app.openapi()["paths"]) & routes


async def test_metrics_port_takes_metrics_off_the_api_port(api_settings: Settings) -> None:
    settings = api_settings.model_copy(update={"metrics_port": 9100})
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://segue.test") as client:
        assert (await client.get("/metrics")).status_code == 404
        assert (await client.get("/healthz")).status_code == 200


def test_the_metrics_listener_serves_the_same_exposition() -> None:
    from segue.api import start_metrics_server

    from ..support import free_port

    port = free_port()
    server = start_metrics_server("127.0.0.1", port)
    try:
        r = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
    finally:
        server.shutdown()
        server.server_close()
    assert r.status_code == 200
    names = {f.name for f in text_string_to_metric_families(r.text)}
    assert {"segue_http_request_duration_seconds", "segue_recommendation_cache"} <= names


async def test_a_failure_before_any_response_is_recorded_as_a_500() -> None:
    app = FastAPI()

    @app.get("/boom/{part}")
    async def boom(part: str) -> None:
        raise RuntimeError(part)

    app.add_middleware(RequestMetrics)
    labels = {"route": "/boom/{part}", "method": "GET", "status": "500"}
    before = REGISTRY.get_sample_value(REQUEST_COUNT, labels) or 0.0
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://segue.test") as client:
        assert (await client.get("/boom/secret-part")).status_code == 500
    assert REGISTRY.get_sample_value(REQUEST_COUNT, labels) == before + 1
