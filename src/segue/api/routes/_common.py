"""What the routes share: path parameter types and the error responses in the OpenAPI schema."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from segue.catalog import PLAYLIST_ID_PATTERN, TRACK_ID_MAX, check_playlist_id
from segue.limits import PLAYLIST_ID_MAX_LENGTH

from .._schemas import ErrorOut, catalog_check

__all__ = ["BODY_ERRORS", "ERRORS", "PlaylistId", "TrackIdPath", "error_response_doc"]

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
TrackIdPath = Annotated[int, Path(ge=0, le=TRACK_ID_MAX, description="Track id, at most 2**53 - 1")]


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
