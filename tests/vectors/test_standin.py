"""The stand-in itself, over raw HTTP: it answers and rejects as turbopuffer documents."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import numpy as np
import pytest

from .tpuf_standin import TurbopufferStandin

NS = "/v2/namespaces/ns"


@pytest.fixture
async def http(standin: TurbopufferStandin) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(
        transport=standin.mock_transport(),
        base_url="http://standin.test",
        headers={"Authorization": f"Bearer {standin.api_key}"},
    ) as client:
        yield client


async def _post(http: httpx2.AsyncClient, path: str, body: Any) -> httpx2.Response:
    return await http.post(path, content=json.dumps(body))


def _error(resp: httpx2.Response, status: int, fragment: str) -> None:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["status"] == "error"
    assert fragment in body["error"]


async def _seed(http: httpx2.AsyncClient) -> np.ndarray:
    vectors = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    rows = [
        {"id": i + 1, "vector": v.tolist(), "artist": f"a{i % 2}"} for i, v in enumerate(vectors)
    ]
    resp = await _post(http, NS, {"upsert_rows": rows, "distance_metric": "cosine_distance"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["rows_upserted"] == 6
    return vectors


async def test_requires_the_api_key(standin: TurbopufferStandin) -> None:
    async with httpx2.AsyncClient(
        transport=standin.mock_transport(), base_url="http://standin.test"
    ) as anonymous:
        _error(await anonymous.get(f"{NS}/metadata"), 401, "API key")


async def test_missing_namespace_is_404(http: httpx2.AsyncClient) -> None:
    _error(await _post(http, f"{NS}/query", {"rank_by": ["id", "asc"], "top_k": 1}), 404, "ns")
    _error(await http.get(f"{NS}/metadata"), 404, "not found")
    _error(await _post(http, NS, {"deletes": [1]}), 404, "not found")


async def test_ann_distances_are_exact_cosine(http: httpx2.AsyncClient) -> None:
    vectors = await _seed(http)
    q = [0.3, -1.0, 0.2]
    resp = await _post(http, f"{NS}/query", {"rank_by": ["vector", "ANN", q], "top_k": 6})
    rows = resp.json()["rows"]
    sims = vectors @ np.array(q) / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(q))
    want = np.sort(1 - sims)
    np.testing.assert_allclose([r["$dist"] for r in rows], want, atol=1e-6)
    assert all(set(r) == {"id", "$dist"} for r in rows)  # attributes only when asked


async def test_filters_and_projection(http: httpx2.AsyncClient) -> None:
    await _seed(http)

    async def ids(filters: Any, **extra: Any) -> list[int]:
        body = {"rank_by": ["id", "desc"], "top_k": 10, "filters": filters, **extra}
        resp = await _post(http, f"{NS}/query", body)
        assert resp.status_code == 200, resp.text
        return [r["id"] for r in resp.json()["rows"]]

    assert await ids(["id", "In", [2, 4, 99]]) == [4, 2]
    assert await ids(["id", "NotIn", [1, 2, 3]]) == [6, 5, 4]
    assert await ids(["And", [["id", "Gt", 2], ["artist", "Eq", "a0"]]]) == [5, 3]
    assert await ids(["Or", [["id", "Lte", 1], ["Not", ["id", "Lt", 6]]]]) == [6, 1]
    resp = await _post(
        http,
        f"{NS}/query",
        {"rank_by": ["id", "asc"], "top_k": 1, "include_attributes": ["vector", "artist"]},
    )
    (row,) = resp.json()["rows"]
    assert set(row) == {"id", "vector", "artist"}


async def test_multi_query_answers_each_in_order(http: httpx2.AsyncClient) -> None:
    await _seed(http)
    queries = [{"rank_by": ["id", "asc"], "top_k": n, "filters": ["id", "Gt", n]} for n in (1, 3)]
    resp = await _post(http, f"{NS}/query", {"queries": queries})
    results = resp.json()["results"]
    assert [[r["id"] for r in res["rows"]] for res in results] == [[2], [4, 5, 6]]
    too_many = {"queries": [queries[0]] * 17}
    _error(await _post(http, f"{NS}/query", too_many), 400, "at most 16")


async def test_rejects_what_the_documentation_rejects(http: httpx2.AsyncClient) -> None:
    await _seed(http)
    query = f"{NS}/query"
    _error(await _post(http, query, {"rank_by": ["vector", "ANN", [1, 2]], "top_k": 1}), 400, "dim")
    _error(await _post(http, query, {"rank_by": ["id", "asc"], "top_k": 1201}), 400, "1200")
    _error(await _post(http, query, {"rank_by": ["id", "asc"], "top_k": 0}), 400, "top_k")
    _error(await _post(http, query, {"rank_by": ["id", "asc"]}), 400, "required")
    bad_op = {"rank_by": ["id", "asc"], "top_k": 1, "filters": ["id", "Near", 3]}
    _error(await _post(http, query, bad_op), 400, "unknown filter operator")
    unmodelled = {"rank_by": ["id", "asc"], "top_k": 1, "filters": ["artist", "Glob", "a*"]}
    _error(await _post(http, query, unmodelled), 400, "not implemented")
    _error(
        await _post(http, query, {"rank_by": ["id", "asc"], "top_k": 1, "bogus": 1}), 400, "unknown"
    )
    _error(await http.post(query, content=b"{not json"), 400, "malformed JSON")
    _error(await _post(http, query, [1, 2]), 400, "object")
    wrong_dim = {"upsert_rows": [{"id": 9, "vector": [1.0, 2.0]}]}
    _error(await _post(http, NS, wrong_dim), 400, "dimensions")
    other_metric = {
        "upsert_rows": [{"id": 9, "vector": [1, 2, 3]}],
        "distance_metric": "euclidean_squared",
    }
    _error(await _post(http, NS, other_metric), 400, "distance_metric")


async def test_first_write_needs_a_distance_metric_and_writes_are_atomic(
    http: httpx2.AsyncClient, standin: TurbopufferStandin
) -> None:
    rows = [{"id": 1, "vector": [1.0, 0.0]}]
    _error(await _post(http, NS, {"upsert_rows": rows}), 400, "distance_metric")
    half_bad = [*rows, {"id": 2, "vector": [1.0, float("nan")]}]
    body = {"upsert_rows": half_bad, "distance_metric": "cosine_distance"}
    _error(await http.post(NS, content=json.dumps(body, allow_nan=True)), 400, "malformed")
    mixed = [*rows, {"id": 3, "vector": [1.0, 0.0, 5.0]}]
    _error(
        await _post(http, NS, {"upsert_rows": mixed, "distance_metric": "cosine_distance"}),
        400,
        "dim",
    )
    assert "ns" not in standin.namespaces  # nothing of a rejected write was applied


async def test_request_size_limit(standin: TurbopufferStandin, http: httpx2.AsyncClient) -> None:
    standin.max_request_bytes = 2000
    rows = [{"id": i, "vector": [0.5] * 32} for i in range(20)]
    body = {"upsert_rows": rows, "distance_metric": "cosine_distance"}
    _error(await _post(http, NS, body), 413, "exceeds")


async def test_approximate_search_misses_some_true_neighbours(
    standin: TurbopufferStandin, http: httpx2.AsyncClient
) -> None:
    rng = np.random.default_rng(4)
    vectors = rng.normal(size=(200, 8)).astype(np.float32)
    rows = [{"id": i + 1, "vector": v.tolist()} for i, v in enumerate(vectors)]
    await _post(http, NS, {"upsert_rows": rows, "distance_metric": "cosine_distance"})
    query = {"rank_by": ["vector", "ANN", rng.normal(size=8).tolist()], "top_k": 20}
    exact = (await _post(http, f"{NS}/query", query)).json()["rows"]
    standin.recall = 0.7
    approx = (await _post(http, f"{NS}/query", query)).json()["rows"]
    again = (await _post(http, f"{NS}/query", query)).json()["rows"]
    assert approx == again  # the same query, the same answer
    assert len(approx) == 20  # still full
    dists = [r["$dist"] for r in approx]
    assert dists == sorted(dists)
    found = {r["id"] for r in approx} & {r["id"] for r in exact}
    assert 8 <= len(found) < 20  # some true neighbours missing, most there


async def test_concurrent_queries_past_the_limit_are_429(
    standin: TurbopufferStandin, http: httpx2.AsyncClient
) -> None:
    await _seed(http)
    standin.max_concurrent_queries, standin.latency = 3, 0.05
    query = {"rank_by": ["id", "asc"], "top_k": 1}
    answers = await asyncio.gather(*(_post(http, f"{NS}/query", query) for _ in range(5)))
    assert sorted(r.status_code for r in answers) == [200, 200, 200, 429, 429]
    _error(next(r for r in answers if r.status_code == 429), 429, "concurrent queries")
    assert standin.peak_queries == 3
    assert (await _post(http, f"{NS}/query", query)).status_code == 200  # once they are done


async def test_injected_failures_carry_their_headers(
    standin: TurbopufferStandin, http: httpx2.AsyncClient
) -> None:
    await _seed(http)
    standin.fail_next(429, headers={"retry-after": "2"}, path_suffix="/query")
    standin.fail_next(502, path_suffix="/query")
    query = {"rank_by": ["id", "asc"], "top_k": 1}
    first = await _post(http, f"{NS}/query", query)
    assert first.status_code == 429
    assert first.headers["retry-after"] == "2"
    assert (await _post(http, f"{NS}/query", query)).status_code == 502
    assert (await _post(http, f"{NS}/query", query)).status_code == 200


async def test_write_backpressure_until_indexing_catches_up(
    standin: TurbopufferStandin, http: httpx2.AsyncClient
) -> None:
    standin.max_unindexed_bytes, standin.index_bytes_per_second = 1000, 100_000
    rows = [{"id": i, "vector": [0.5, float(i)] * 16} for i in range(1, 30)]
    body = {"upsert_rows": rows, "distance_metric": "cosine_distance"}
    assert (await _post(http, NS, body)).status_code == 200
    _error(await _post(http, NS, body), 429, "backpressure")
    forced = await _post(http, NS, {**body, "disable_backpressure": True})
    assert forced.status_code == 200, forced.text
    _error(await _post(http, NS, {**body, "disable_backpressure": "yes"}), 400, "boolean")
    await asyncio.sleep(0.5)  # the modelled indexer drains 50 kB meanwhile
    assert (await _post(http, NS, body)).status_code == 200


async def test_warm_hint_and_eventual_reads(http: httpx2.AsyncClient) -> None:
    _error(await http.get(f"{NS}/hint_cache_warm".replace("/v2/", "/v1/")), 404, "not found")
    await _seed(http)
    warm = await http.get("/v1/namespaces/ns/hint_cache_warm")
    assert warm.status_code == 200
    assert warm.json()["status"] == "ACCEPTED"
    query = {"rank_by": ["id", "asc"], "top_k": 1}
    for consistency in ({"level": "eventual"}, {"level": "eventual", "max_staleness_seconds": 60}):
        ok = await _post(http, f"{NS}/query", {**query, "consistency": consistency})
        assert ok.status_code == 200, ok.text
    bad = {"level": "strong", "max_staleness_seconds": 60}
    _error(await _post(http, f"{NS}/query", {**query, "consistency": bad}), 400, "consistency")


async def test_query_answers_record_their_size(
    standin: TurbopufferStandin, http: httpx2.AsyncClient
) -> None:
    await _seed(http)
    small = {"rank_by": ["id", "asc"], "top_k": 1}
    large = {**small, "top_k": 6, "include_attributes": ["vector"]}
    for body in (small, large):
        resp = await _post(http, f"{NS}/query", body)
        assert standin.requests[-1].response_bytes == len(
            json.dumps(resp.json(), separators=(",", ":")).encode()
        )
    assert standin.requests[-1].response_bytes > 2 * standin.requests[-2].response_bytes
