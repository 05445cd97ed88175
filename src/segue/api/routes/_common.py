from __future__ import annotations

from typing import Annotated

from fastapi import Path

from segue.engine import MAX_ID

__all__ = ["ERRORS", "PlaylistId", "TrackIdPath", "error_response_doc"]

# Playlist ids are short URL-safe strings (the catalog makes 13 characters; imports may
# bring their own): anything else is refused before it reaches the database.
PlaylistId = Annotated[
    str,
    Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._~:-]+$", description="Playlist id"),
]
TrackIdPath = Annotated[int, Path(ge=0, le=MAX_ID, description="Track id")]


def error_response_doc(description: str) -> dict[str, object]:
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["error", "detail"],
                    "properties": {"error": {"type": "string"}, "detail": {"type": "string"}},
                }
            }
        },
    }


#: The error responses every authenticated endpoint can give, for the OpenAPI schema.
ERRORS: dict[int | str, dict[str, object]] = {
    401: error_response_doc("Missing, malformed, unknown or revoked token"),
    422: error_response_doc("Malformed input"),
    503: error_response_doc("The database is unavailable"),
}
