"""The API's request and response bodies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from segue.catalog import (
    PLAYLIST_MAX_TRACKS,
    TRACK_ID_MAX,
    PlaylistSummary,
    PlaylistView,
    TrackView,
    UserView,
    clean_playlist_name,
)
from segue.errors import InvalidInput
from segue.limits import PLAYLIST_NAME_MAX_LENGTH

__all__ = [
    "NO_NUL",
    "NewPlaylist",
    "NewTrack",
    "PlaylistList",
    "PlaylistOut",
    "PlaylistSummaryOut",
    "Recommendations",
    "TrackId",
    "TrackList",
    "TrackOrder",
    "TrackOut",
    "UserOut",
    "catalog_check",
]

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
    model_config = ConfigDict(extra="forbid")


class TrackOut(BaseModel):
    id: int
    title: str
    artist_handle: str
    artist_display_name: str | None
    image_url: str | None

    @classmethod
    def of(cls, track: TrackView) -> TrackOut:
        return cls(
            id=track.id,
            title=track.title,
            artist_handle=track.artist_handle,
            artist_display_name=track.artist_display_name,
            image_url=track.image_url,
        )


class Recommendations(BaseModel):
    """Tracks to add, best first. ``available: false`` tells the UI to hide the section."""

    tracks: list[TrackOut]
    available: bool


class PlaylistOut(BaseModel):
    id: str
    name: str
    owner_did: str
    record_cid: str
    tracks: list[TrackOut]

    @classmethod
    def of(cls, playlist: PlaylistView) -> PlaylistOut:
        return cls(
            id=playlist.id,
            name=playlist.name,
            owner_did=playlist.owner_did,
            record_cid=playlist.record_cid,
            tracks=[TrackOut.of(t) for t in playlist.tracks],
        )


class PlaylistSummaryOut(BaseModel):
    id: str
    name: str
    owner_did: str
    record_cid: str
    track_count: int

    @classmethod
    def of(cls, p: PlaylistSummary) -> PlaylistSummaryOut:
        return cls(
            id=p.id,
            name=p.name,
            owner_did=p.owner_did,
            record_cid=p.record_cid,
            track_count=p.track_count,
        )


class PlaylistList(BaseModel):
    playlists: list[PlaylistSummaryOut]


class TrackList(BaseModel):
    tracks: list[TrackOut]


class UserOut(BaseModel):
    did: str
    handle: str
    display_name: str | None

    @classmethod
    def of(cls, user: UserView) -> UserOut:
        return cls(did=user.did, handle=user.handle, display_name=user.display_name)


# PostgreSQL text cannot hold NUL, so no stored name or title contains one.
NO_NUL = r"^[^\x00]*$"


class NewPlaylist(_Body):
    # The bounds are for the schema; the catalog's check is the rule (and says why).
    name: Annotated[
        str,
        Field(min_length=1, max_length=PLAYLIST_NAME_MAX_LENGTH),
        catalog_check(clean_playlist_name),
    ]


class NewTrack(_Body):
    track_id: TrackId


class TrackOrder(_Body):
    track_ids: list[TrackId] = Field(max_length=PLAYLIST_MAX_TRACKS)
