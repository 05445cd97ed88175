"""The API's request and response bodies."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from segue.catalog import PLAYLIST_MAX_TRACKS, PlaylistSummary, PlaylistView, TrackView, UserView
from segue.engine import MAX_ID

__all__ = [
    "NewPlaylist",
    "NewTrack",
    "PlaylistList",
    "PlaylistOut",
    "PlaylistSummaryOut",
    "Recommendations",
    "TrackList",
    "TrackOrder",
    "TrackOut",
    "UserOut",
]

TrackId = Annotated[int, Field(ge=0, le=MAX_ID)]


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


class NewPlaylist(_Body):
    name: str = Field(min_length=1, max_length=200)


class NewTrack(_Body):
    track_id: TrackId


class TrackOrder(_Body):
    track_ids: list[TrackId] = Field(max_length=PLAYLIST_MAX_TRACKS)
