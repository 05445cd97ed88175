"""Stores for the contract suite: every backend, each test on a fresh, empty one."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from segue.settings import Settings
from segue.vectors import LocalVectorStore, TurbopufferVectorStore, VectorStore

from .tpuf_standin import TurbopufferStandin

LIVE_KEY = "SEGUE_TURBOPUFFER_API_KEY"
LIVE_SKIP = (
    f"{LIVE_KEY} is not set, so nothing ran against real turbopuffer (set it and "
    "SEGUE_TURBOPUFFER_REGION to run this test and the contract suite's live leg)"
)
STANDIN_URL = "http://tpuf-standin.test"
#: The contract suite's turbopuffer leg misses this share of true neighbours, as an ANN
#: index may: turbopuffer documents 90-100% recall@10, never exact search.
CONTRACT_RECALL = 0.9

# The live leg joins the contract suite only with credentials; test_live.py says it was
# skipped otherwise (once, rather than once per contract test).
BACKENDS = ["local", "local-bf16", "local-f16", "turbopuffer"] + (
    [pytest.param("turbopuffer-live", marks=pytest.mark.live)] if os.environ.get(LIVE_KEY) else []
)


@pytest.fixture
def standin() -> TurbopufferStandin:
    return TurbopufferStandin()


def standin_store(standin: TurbopufferStandin, **kwargs: Any) -> TurbopufferVectorStore:
    """A store on a fresh namespace of ``standin``, through the official client."""
    return TurbopufferVectorStore(
        namespace=f"segue-test-{uuid.uuid4().hex[:12]}",
        api_key=standin.api_key,
        base_url=STANDIN_URL,
        http_client=standin.http_client(),
        **kwargs,
    )


def live_store() -> TurbopufferVectorStore:
    if not os.environ.get(LIVE_KEY):
        pytest.skip(LIVE_SKIP)
    settings = Settings(turbopuffer_namespace=f"segue-test-{uuid.uuid4().hex[:12]}")
    return TurbopufferVectorStore.from_settings(settings)


@pytest.fixture
async def make_store(
    tmp_path: Path, standin: TurbopufferStandin
) -> AsyncIterator[Callable[[str], VectorStore]]:
    """``make_store(backend)``: a new empty store; closed (and a live namespace dropped)
    after the test."""
    made: list[VectorStore] = []

    def make(backend: str) -> VectorStore:
        store: VectorStore
        if backend.startswith("local"):
            dtype = backend.partition("-")[2] or "f32"
            store = LocalVectorStore(tmp_path / f"{uuid.uuid4().hex}.usearch", dtype=dtype)
        elif backend == "turbopuffer":
            standin.recall = CONTRACT_RECALL
            store = standin_store(standin)
        elif backend == "turbopuffer-live":
            store = live_store()
        else:
            raise ValueError(backend)
        made.append(store)
        return store

    yield make
    for store in made:
        if isinstance(store, TurbopufferVectorStore) and store.namespace.startswith("segue-test"):
            await store.drop()
        await store.aclose()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, make_store: Callable[[str], VectorStore]) -> VectorStore:
    return make_store(request.param)
