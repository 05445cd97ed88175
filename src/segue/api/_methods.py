"""The method name (an NSID) of each authenticated route, which a service-auth JWT's ``lxm``
claim must match when it has one (docs/api.md lists them).

A PDS issues a service-auth token for one method when asked to
(``com.atproto.server.getServiceAuth?lxm=...``): a token leaked from one call then cannot
be replayed against another route. Segue's routes are not XRPC methods, so each gets a name
in Segue's own namespace. A route missing here accepts only tokens without ``lxm``.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request

__all__ = ["METHODS", "NAMESPACE", "method_of"]

NAMESPACE: Final = "fm.segue"

#: (HTTP method, route path) -> the NSID a token's ``lxm`` names it by
METHODS: Final[dict[tuple[str, str], str]] = {
    ("GET", "/me"): f"{NAMESPACE}.getMe",
    ("GET", "/me/playlists"): f"{NAMESPACE}.listMyPlaylists",
    ("GET", "/tracks"): f"{NAMESPACE}.searchTracks",
    ("GET", "/tracks/{track_id}/similar"): f"{NAMESPACE}.getSimilarTracks",
    ("POST", "/playlists"): f"{NAMESPACE}.createPlaylist",
    ("GET", "/playlists/{playlist_id}"): f"{NAMESPACE}.getPlaylist",
    ("PATCH", "/playlists/{playlist_id}"): f"{NAMESPACE}.renamePlaylist",
    ("DELETE", "/playlists/{playlist_id}"): f"{NAMESPACE}.deletePlaylist",
    ("POST", "/playlists/{playlist_id}/tracks"): f"{NAMESPACE}.addTrack",
    ("DELETE", "/playlists/{playlist_id}/tracks/{track_id}"): f"{NAMESPACE}.removeTrack",
    ("PUT", "/playlists/{playlist_id}/tracks"): f"{NAMESPACE}.reorderTracks",
    ("GET", "/playlists/{playlist_id}/recommendations"): f"{NAMESPACE}.getRecommendations",
    ("GET", "/playlists/{playlist_id}/continuation"): f"{NAMESPACE}.getContinuation",
    ("POST", "/playlists/{playlist_id}/recommendations/dismissed"): f"{NAMESPACE}.dismissTrack",
    (
        "DELETE",
        "/playlists/{playlist_id}/recommendations/dismissed/{track_id}",
    ): f"{NAMESPACE}.undismissTrack",
}


def method_of(request: Request) -> str | None:
    """The NSID of the route ``request`` matched (``None`` when it has none)."""
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    return None if path is None else METHODS.get((request.method, path))
