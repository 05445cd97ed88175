"""An app factory whose start fails, for the supervisor's tests (imported by its workers)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI


class StartFailed(RuntimeError):
    pass


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    raise StartFailed("this worker cannot start")
    yield  # pragma: no cover


def failing_app() -> FastAPI:
    return FastAPI(lifespan=_lifespan)
