"""Plain, immutable results of the catalog's services: no ORM objects leave the package."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "Because",
    "IssuedToken",
    "PlaylistSummary",
    "PlaylistView",
    "SuggestionView",
    "TokenCheck",
    "TokenInfo",
    "TrackView",
    "UserView",
]


@dataclass(frozen=True, slots=True)
class TrackView:
    """A track as clients see it (the API's track fields, plus the artist's DID)."""

    id: int
    title: str
    artist_did: str
    artist_handle: str
    artist_display_name: str | None
    image_url: str | None
    #: an http(s) preview the UI may play, if the catalog has one
    audio_url: str | None = None


@dataclass(frozen=True, slots=True)
class Because:
    """The playlist track a suggestion sounds most like (the closest by cosine)."""

    track_id: int
    title: str


@dataclass(frozen=True, slots=True)
class SuggestionView(TrackView):
    """A suggested track: a :class:`TrackView` with why it was suggested, if known."""

    because: Because | None = None


@dataclass(frozen=True, slots=True)
class PlaylistView:
    """A playlist with its items in order.

    ``track_ids`` lists every item; ``tracks`` only the items whose track can still be
    shown (visible and not deleted), in the same order.
    """

    id: str
    name: str
    owner_did: str
    record_cid: str
    created_at: datetime
    updated_at: datetime
    track_ids: tuple[int, ...]
    tracks: tuple[TrackView, ...]


@dataclass(frozen=True, slots=True)
class PlaylistSummary:
    id: str
    name: str
    owner_did: str
    record_cid: str
    track_count: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class UserView:
    did: str
    handle: str
    display_name: str | None


@dataclass(frozen=True, slots=True, repr=False)
class IssuedToken:
    """A new API token. ``token`` is the secret: shown once, never stored."""

    id: str
    token: str
    #: ``None`` for a platform's token
    user_did: str | None
    #: ``None``: the token never expires
    expires_at: datetime | None = None
    #: the platform a platform token belongs to (``None`` for a user's)
    platform: str | None = None

    def __repr__(self) -> str:
        return (
            f"IssuedToken(id={self.id!r}, token='***', user_did={self.user_did!r}, "
            f"platform={self.platform!r}, expires_at={self.expires_at!r})"
        )


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """A token that passed verification: whose it is, and what the authenticator needs to
    bound its cache entry (``expires_at``) and to record use sparingly (``last_used_at``)."""

    id: str
    #: the token's user; ``None`` for a platform token, which acts for the DID a request names
    user: UserView | None
    expires_at: datetime | None
    last_used_at: datetime | None
    #: the platform's name, for a platform token
    platform: str | None = None


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as ``segue token list`` shows it: everything but the secret."""

    id: str
    user_did: str | None
    user_handle: str | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    #: the platform's name, for a platform token (``user_did`` is then ``None``)
    platform: str | None = None
