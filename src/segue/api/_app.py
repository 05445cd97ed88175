"""The app factory: ``create_app(settings)`` builds the API, its middleware and the UI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from segue import __version__
from segue.settings import Settings

from ._errors import install_error_handlers
from ._limits import BodySizeLimit
from ._metrics import RequestMetrics, metrics_router
from ._resources import open_resources
from ._ui import mount_ui
from .routes import (
    dismissals_router,
    health_router,
    me_router,
    playlists_router,
    tracks_router,
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
        async with open_resources(settings) as resources:
            app.state.resources = resources
            yield

    app = FastAPI(
        title="Segue",
        version=__version__,
        summary="Playlist recommendations from the audio embeddings of its tracks.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    # Added last, so outermost: it times and labels every answer, a 413 included.
    app.add_middleware(RequestMetrics)
    routers = (health_router, me_router, playlists_router, dismissals_router, tracks_router)
    for router in routers:
        app.include_router(router)
    if settings.metrics_port is None:  # else `segue serve` serves it on a listener of its own
        app.include_router(metrics_router)
    mount_ui(app, settings.ui_dir, covers_dir=settings.data_dir / "demo-covers")
    return app
