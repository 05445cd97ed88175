"""The app factory: ``create_app(settings)`` builds the API, its middleware and the UI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from segue import __version__
from segue.metrics import API_COUNTERS, start_at_zero
from segue.settings import Settings

from ._docs import mount_docs
from ._errors import install_error_handlers
from ._gauges import keeping_gauges
from ._headers import SecurityHeaders
from ._limits import BodySizeLimit
from ._media import MediaPolicy
from ._metrics import RequestMetrics, metrics_router
from ._resources import open_resources
from ._ui import mount_ui
from .routes import (
    auth_router,
    dismissals_router,
    health_router,
    me_router,
    playlists_router,
    tracks_router,
    wellknown_router,
)

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> FastAPI:
    """The Segue API and UI. Shared clients are opened in the lifespan, once.

    >>> app = create_app(Settings(data_dir="/tmp/segue"))
    >>> app.title
    'Segue'
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # In each worker: under --workers N its counters live in files of its own.
        start_at_zero(API_COUNTERS)
        async with open_resources(settings) as resources, keeping_gauges(resources.redis):
            app.state.resources = resources
            yield

    app = FastAPI(
        title="Segue",
        version=__version__,
        summary="Playlist recommendations from the audio embeddings of its tracks.",
        lifespan=lifespan,
        # FastAPI's /docs and /redoc load scripts from a CDN, which the CSP refuses and a
        # same-origin page should not run anyway; /openapi.json is always served, and
        # SEGUE_API_DOCS=true serves /docs from this origin's own files (_docs.py).
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    # Outside the body limit: it times and labels every answer, a 413 included.
    app.add_middleware(RequestMetrics)
    # Outermost: every answer gets the headers, a 413 and a 404 included (the 500 of an
    # unhandled error is answered outside all middleware, and carries them itself).
    app.add_middleware(
        SecurityHeaders,
        content_security_policy=MediaPolicy.from_settings(settings).content_security_policy(),
    )
    routers = (
        auth_router,
        health_router,
        me_router,
        playlists_router,
        dismissals_router,
        tracks_router,
        wellknown_router,
    )
    for router in routers:
        app.include_router(router)
    if settings.metrics_port is None:  # else `segue serve` serves it on a listener of its own
        app.include_router(metrics_router)
    if settings.api_docs:
        mount_docs(app)
    mount_ui(app, settings.ui_dir, covers_dir=settings.data_dir / "demo-covers")
    return app
