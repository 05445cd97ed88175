"""What the routes share: path parameter types and the error responses in the OpenAPI schema."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path
from pydantic import BeforeValidator

from segue.catalog import PLAYLIST_ID_PATTERN, TRACK_ID_MAX, check_playlist_id
from segue.limits import PLAYLIST_ID_MAX_LENGTH

from .._deps import BEARER_SECURITY
from .._schemas import ErrorOut, catalog_check

__all__ = [
    "BODY_ERRORS",
    "ERRORS",
    "PlaylistId",
    "TrackIdPath",
    "error_response_doc",
    "ranking_route",
]

_Endpoint = TypeVar("_Endpoint", bound=Callable[..., Any])

# Playlist ids are short URL-safe strings (the catalog makes 13 characters; imports may
# bring their own): anything else is refused before it reaches the database.
PlaylistId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=PLAYLIST_ID_MAX_LENGTH,
        pattern=PLAYLIST_ID_PATTERN,
        description="Playlist id",
    ),
    catalog_check(check_playlist_id),
]
# Digits only, no sign, no leading zero, no space, no decimal point: "1.0", "+1", "01" and
# " 1" named track 1 before (issue 26), while bodies refuse 12.0. Checked on the text,
# before pydantic's lax int parsing.
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,15}")


def _strict_id(value: object) -> object:
    if isinstance(value, str) and not _DECIMAL.fullmatch(value):
        raise ValueError(f"a track id is written in decimal digits only, got {value!r}")
    return value


TrackIdPath = Annotated[
    int,
    Path(ge=0, le=TRACK_ID_MAX, description="Track id, at most 2**53 - 1"),
    BeforeValidator(_strict_id),
]


def error_response_doc(description: str) -> dict[str, object]:
    """An error response for the OpenAPI schema: ``{404: error_response_doc("No such x")}``."""
    return {"model": ErrorOut, "description": description}


#: The error responses every authenticated endpoint can give, for the OpenAPI schema.
ERRORS: dict[int | str, dict[str, object]] = {
    401: error_response_doc("Missing, malformed, unknown or revoked token"),
    422: error_response_doc("Malformed input"),
    429: error_response_doc(
        "The token spent its budget of requests (SEGUE_RATE_LIMIT_*); the Retry-After "
        "header says in how many seconds to try again"
    ),
    503: error_response_doc("The database is unavailable"),
}

#: And those of the endpoints that read a JSON body.
BODY_ERRORS: dict[int | str, dict[str, object]] = {
    400: error_response_doc("The body could not be read (not UTF-8 JSON)"),
    413: error_response_doc("The body is larger than SEGUE_MAX_BODY_BYTES"),
}


def ranking_route(
    router: APIRouter,
    path: str,
    *,
    summary: str,
    responses: Mapping[int | str, dict[str, Any]] | None = None,
) -> Callable[[_Endpoint], _Endpoint]:
    """``router.get`` for a route that answers a page of a ranking (it takes ``PageQuery``):
    the bearer scheme in its OpenAPI, which ``PageQuery`` reads itself rather than through
    a ``Depends`` node that would declare it. ``responses``: the route's own, beside the
    router's, as ``router.get`` takes them.

        @ranking_route(router, "/{track_id}/similar", summary="...",
                       responses={404: error_response_doc("No such track")})
        async def similar(track_id: TrackIdPath, page: PageQuery) -> Recommendations: ...
    """
    return router.get(
        path, summary=summary, responses=dict(responses or {}), openapi_extra=BEARER_SECURITY
    )
