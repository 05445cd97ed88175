"""Segue configured as before issue 11: the f32 HNSW graph and `blend` with 16 queries.

    SEGUE_DATA_DIR=<an index built in f32> ... uvicorn --factory bench._apps.previous:app

The serving benchmark's "previous configuration" row: the same service code, with the two
things issue 11 changed for cheaper misses put back (the index's type is the file's own;
the strategy's 16 queries are set on the recommender once it is built), so a miss of
today's default is measured against a miss of yesterday's in one run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from segue.api import create_app
from segue.engine import MAX_QUERIES, Blend
from segue.settings import IndexDtype, Settings

__all__ = ["app"]


def app() -> FastAPI:
    """The app, for ``uvicorn --factory``."""
    service = create_app(Settings(local_index_dtype=IndexDtype.F32))
    started = service.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        async with started(application):
            application.state.resources.recommender.strategy = Blend(max_queries=MAX_QUERIES)
            yield

    service.router.lifespan_context = lifespan
    return service
