"""The API's routers, one module per domain."""

from ._auth import router as auth_router
from ._dismissals import router as dismissals_router
from ._health import router as health_router
from ._me import router as me_router
from ._playlists import router as playlists_router
from ._tracks import router as tracks_router
from ._wellknown import router as wellknown_router

__all__ = [
    "auth_router",
    "dismissals_router",
    "health_router",
    "me_router",
    "playlists_router",
    "tracks_router",
    "wellknown_router",
]
