"""The API's request and response bodies.

Responses are read from the catalog's views by attribute, with the process's
:class:`MediaPolicy` as context (:func:`media`), which screens covers and previews:
``PlaylistOut.model_validate(playlist_view, context=media(resources.media))``. Without it,
no external cover or preview is served.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from segue.catalog import (
    PLAYLIST_MAX_TRACKS,
    TRACK_ID_MAX,
    clean_playlist_name,
)
from segue.errors import InvalidInput
from segue.limits import PLAYLIST_NAME_MAX_LENGTH

from ._media import MediaPolicy

__all__ = [
    "NO_NUL",
    "BecauseOut",
    "DependencyOut",
    "Dismissal",
    "ErrorOut",
    "NewPlaylist",
    "NewTrack",
    "PlaylistChange",
    "PlaylistList",
    "PlaylistOut",
    "PlaylistSummaryOut",
    "ReadinessOut",
    "Recommendations",
    "SuggestionOut",
    "TrackId",
    "TrackList",
    "TrackOrder",
    "TrackOut",
    "UserOut",
    "catalog_check",
    "media",
]

_MEDIA = "media"
_STRICT = MediaPolicy()


def media(policy: MediaPolicy) -> dict[str, Any]:
    """The validation context that serves covers and previews by ``policy``."""
    return {_MEDIA: policy}


def _policy(info: ValidationInfo) -> MediaPolicy:
    context = info.context
    found = context.get(_MEDIA) if isinstance(context, dict) else None
    return found if isinstance(found, MediaPolicy) else _STRICT


T = TypeVar("T")


def catalog_check(check: Callable[[T], T]) -> AfterValidator:
    """The catalog's own check of a value (segue.catalog), as a pydantic validator: the
    API refuses exactly what the catalog and the imports refuse, with the same words."""

    def validate(value: T) -> T:
        try:
            return check(value)
        except InvalidInput as exc:
            raise ValueError(exc.detail) from None  # pydantic reports ValueError as a 422

    return AfterValidator(validate)


#: The schema shows the maximum (2**53 - 1: ids a browser holds exactly).
TrackId = Annotated[int, Field(ge=0, le=TRACK_ID_MAX, description="Track id, at most 2**53 - 1")]


class _Body(BaseModel):
    """A request body: strict types, no unknown fields.

    Strict, so ``{"track_id": "12"}`` and ``{"track_id": true}`` are 422 rather than
    tracks 12 and 1: a client sending the wrong type has a bug to hear about.
    """

    model_config = ConfigDict(extra="forbid", strict=True)


class _Out(BaseModel):
    """A response body, read from a catalog view's attributes (views are dataclasses)."""

    model_config = ConfigDict(from_attributes=True)


class ErrorOut(BaseModel):
    """Every error's body: ``{"error": "not_found", "detail": "no playlist 'x'"}``."""

    error: str = Field(description="A stable name for the kind of error")
    detail: str = Field(description="What went wrong, for people")


class DependencyOut(_Out):
    ok: bool
    #: a required dependency that is not ok makes the server unready (503)
    required: bool
    status: str
    #: the vector store's count of vectors, when it answered
    vectors: int | None = None


class ReadinessOut(_Out):
    status: Literal["ok", "unavailable"]
    #: ``database``, ``vectors`` and ``cache``
    dependencies: dict[str, DependencyOut]


class TrackOut(_Out):
    id: int
    title: str
    artist_handle: str
    artist_display_name: str | None
    image_url: str | None = Field(
        description="The cover: a path here, or a URL of SEGUE_IMAGE_ORIGINS; none: the placeholder"
    )

    @field_validator("image_url")
    @classmethod
    def _cover(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _policy(info).image(value)


class BecauseOut(_Out):
    """The playlist track a suggestion sounds most like."""

    track_id: int
    title: str


class SuggestionOut(TrackOut):
    """A track to add: the track's fields, why it is suggested, and its preview if any."""

    because: BecauseOut | None = Field(
        description="The playlist track it sounds most like (closest by cosine)"
    )
    audio_url: str | None = Field(
        description="An http(s) preview to play (of SEGUE_AUDIO_ORIGINS), if there is one"
    )

    @field_validator("audio_url")
    @classmethod
    def _preview(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _policy(info).audio(value)


class Recommendations(_Out):
    """Tracks to add, best first. ``available: false`` tells the UI to hide the section."""

    tracks: list[SuggestionOut]
    available: bool
    more: bool = Field(
        description="The next page (offset + limit) would show more of the same ranking"
    )


class PlaylistOut(_Out):
    id: str
    name: str
    owner_did: str
    record_cid: str
    tracks: list[TrackOut]


class PlaylistSummaryOut(_Out):
    id: str
    name: str
    owner_did: str
    record_cid: str
    track_count: int


class PlaylistList(_Out):
    playlists: list[PlaylistSummaryOut]
    #: the ``cursor`` of the next page; ``null`` on the last
    next_cursor: str | None = None


class TrackList(_Out):
    tracks: list[TrackOut]


class UserOut(_Out):
    did: str
    handle: str
    display_name: str | None


# PostgreSQL text cannot hold NUL, so no stored name or title contains one.
NO_NUL = r"^[^\x00]*$"


class NewPlaylist(_Body):
    # The bounds are for the schema; the catalog's check is the rule (and says why).
    name: Annotated[
        str,
        Field(min_length=1, max_length=PLAYLIST_NAME_MAX_LENGTH),
        catalog_check(clean_playlist_name),
    ]


class PlaylistChange(_Body):
    """``PATCH /playlists/{id}``: what to change (the name, for now)."""

    name: Annotated[
        str,
        Field(min_length=1, max_length=PLAYLIST_NAME_MAX_LENGTH),
        catalog_check(clean_playlist_name),
    ]


class NewTrack(_Body):
    track_id: TrackId


class Dismissal(_Body):
    """A suggestion that is not for this playlist. Strict: ``"12"`` or ``true`` is a 422,
    not track 12 or 1."""

    model_config = ConfigDict(extra="forbid", strict=True)

    track_id: TrackId


class TrackOrder(_Body):
    track_ids: list[TrackId] = Field(max_length=PLAYLIST_MAX_TRACKS)
