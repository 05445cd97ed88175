"""The catalog's tables, as SQLAlchemy 2 declarative models.

``artists`` and ``users`` are separate on purpose: artists come with the imported catalog
(tracks point at them), users are the people who sign in with a token and own playlists.
Both are ATProto accounts keyed by DID, so one person can be in both with the same DID.

Track ids are chosen by the importer, never generated here, because they are also the ids
of the tracks' vectors in the vector store.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from segue.limits import (
    DID_MAX_LENGTH,
    DISPLAY_NAME_MAX_LENGTH,
    HANDLE_MAX_LENGTH,
    PLAYLIST_ID_MAX_LENGTH,
    PLAYLIST_NAME_MAX_LENGTH,
    RECORD_URI_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    URL_MAX_LENGTH,
)

from ._core_tables import METADATA, UtcDateTime, api_tokens, users, utc_now

__all__ = [
    "ApiToken",
    "Artist",
    "Base",
    "CatalogState",
    "Dismissal",
    "EmbeddingState",
    "FollowAccount",
    "FollowBackfill",
    "FollowListItem",
    "FollowRecord",
    "Playlist",
    "PlaylistItem",
    "Track",
    "TrackUri",
    "User",
    "UtcDateTime",
    "utc_now",
]

AT_URI_LENGTH = 8192
CID_LENGTH = 256


def _created() -> Any:
    return mapped_column(UtcDateTime(), default=utc_now, server_default=sa.func.now())


def _updated() -> Any:
    return mapped_column(
        UtcDateTime(), default=utc_now, onupdate=utc_now, server_default=sa.func.now()
    )


# A rowid alias on SQLite (fast lookups by id), a 64-bit integer elsewhere. Segue keeps
# ids within 0..2**53 - 1 (segue.limits.TRACK_ID_MAX), checked before they are written.
TrackId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = METADATA


class Artist(Base):
    __tablename__ = "artists"

    did: Mapped[str] = mapped_column(sa.String(DID_MAX_LENGTH), primary_key=True)
    handle: Mapped[str] = mapped_column(sa.String(HANDLE_MAX_LENGTH))
    display_name: Mapped[str | None] = mapped_column(sa.String(DISPLAY_NAME_MAX_LENGTH))
    avatar_url: Mapped[str | None] = mapped_column(sa.String(URL_MAX_LENGTH))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()

    tracks: Mapped[list[Track]] = relationship(back_populates="artist")


class Track(Base):
    __tablename__ = "tracks"

    id: Mapped[int] = mapped_column(TrackId, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX_LENGTH))
    artist_did: Mapped[str] = mapped_column(sa.ForeignKey("artists.did"), index=True)
    image_url: Mapped[str | None] = mapped_column(sa.String(URL_MAX_LENGTH))
    # An http(s) URL of a short preview the UI may play; most catalogs have none.
    audio_url: Mapped[str | None] = mapped_column(sa.String(URL_MAX_LENGTH))
    # The track's own ATProto record, when it has one; the playlist record refers to it.
    uri: Mapped[str | None] = mapped_column(sa.String(AT_URI_LENGTH))
    cid: Mapped[str | None] = mapped_column(sa.String(CID_LENGTH))
    # The canonical audio of a followed track record (``audioBlob``): a blob in the account's
    # repo, fetched from its PDS by the embedding pipeline. Both set or both unset.
    audio_blob_did: Mapped[str | None] = mapped_column(sa.String(DID_MAX_LENGTH))
    audio_blob_cid: Mapped[str | None] = mapped_column(sa.String(CID_LENGTH))
    # False for a followed track with a self-label in SEGUE_HIDE_LABELS or a supporter gate:
    # it stays in the catalog and in playlists, but no answer suggests it.
    suggestible: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    visible: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()

    artist: Mapped[Artist] = relationship(back_populates="tracks")


class User(Base):
    """Someone who signs in with an API token and owns playlists (the Core table
    ``_core_tables.users``, which the token and user functions use without the ORM)."""

    __table__ = users

    did: Mapped[str]
    handle: Mapped[str]
    display_name: Mapped[str | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Playlist(Base):
    __tablename__ = "playlists"

    id: Mapped[str] = mapped_column(sa.String(PLAYLIST_ID_MAX_LENGTH), primary_key=True)
    owner_did: Mapped[str] = mapped_column(sa.ForeignKey("users.did"), index=True)
    name: Mapped[str] = mapped_column(sa.String(PLAYLIST_NAME_MAX_LENGTH))
    # CID of the playlist's record (name + ordered items); rewritten with every item change.
    record_cid: Mapped[str] = mapped_column(sa.String(CID_LENGTH))
    # Bumped when one of its tracks is hidden, shown, deleted or restored: the seeds (the
    # visible items) change although the record does not. Part of the cache key.
    seeds_generation: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    # Bumped with every dismissal and undo, in the same transaction: part of the cache key.
    dismissals_generation: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    # False while its owner's account is taken down, suspended, deleted or deactivated on
    # the network (`segue follow`); a hidden playlist reads as missing.
    visible: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # The AT-URI of the network record a followed playlist is (`segue follow`): such a
    # playlist is the record, edited where it was made, never through Segue's API.
    record_uri: Mapped[str | None] = mapped_column(sa.String(RECORD_URI_MAX_LENGTH))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class PlaylistItem(Base):
    """One track in a playlist.

    ``position`` only orders the items: removing one leaves a gap rather than renumbering
    the rest, and a reorder rewrites the positions 0..n-1.
    """

    __tablename__ = "playlist_items"
    __table_args__ = (sa.UniqueConstraint("playlist_id", "position"),)

    playlist_id: Mapped[str] = mapped_column(
        sa.ForeignKey("playlists.id", ondelete="CASCADE"), primary_key=True
    )
    # Part of the primary key: a track is in a playlist at most once.
    track_id: Mapped[int] = mapped_column(
        TrackId, sa.ForeignKey("tracks.id"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column()


class Dismissal(Base):
    """A suggestion its playlist's owner said is not for this playlist: never suggested
    for it again, and a negative example for its recommendations."""

    __tablename__ = "dismissals"

    playlist_id: Mapped[str] = mapped_column(
        sa.ForeignKey("playlists.id", ondelete="CASCADE"), primary_key=True
    )
    track_id: Mapped[int] = mapped_column(TrackId, sa.ForeignKey("tracks.id"), primary_key=True)
    created_at: Mapped[datetime] = _created()


class CatalogState(Base):
    """Counters the whole catalog shares, by name (``index_generation``: bumped by every
    write of vectors through Segue; part of the recommendation cache key)."""

    __tablename__ = "catalog_state"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")


class ApiToken(Base):
    """An API token; only the SHA-256 of the secret is kept (the Core table
    ``_core_tables.api_tokens``: a user's or a platform's, never both)."""

    __table__ = api_tokens

    id: Mapped[str]
    token_hash: Mapped[str]
    user_did: Mapped[str | None]
    platform: Mapped[str | None]
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


# -- what `segue follow` keeps (docs/atproto.md) --------------------------------------------


class TrackUri(Base):
    """The integer id Segue gave a track record's AT-URI: assigned once, kept forever (the
    vector store knows tracks by it), even after the record is deleted."""

    __tablename__ = "track_uris"

    uri: Mapped[str] = mapped_column(sa.String(RECORD_URI_MAX_LENGTH), primary_key=True)
    track_id: Mapped[int] = mapped_column(TrackId, unique=True)
    created_at: Mapped[datetime] = _created()


class FollowRecord(Base):
    """The version of a followed record last applied: its repo ``rev`` (newer ones only are
    applied) and ``cid``; ``deleted_at`` makes it a tombstone, so a replayed older event
    cannot bring a deleted record back."""

    __tablename__ = "follow_records"

    uri: Mapped[str] = mapped_column(sa.String(RECORD_URI_MAX_LENGTH), primary_key=True)
    did: Mapped[str] = mapped_column(sa.String(DID_MAX_LENGTH), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # "track" or "playlist"
    rev: Mapped[str] = mapped_column(sa.String(64))
    cid: Mapped[str | None] = mapped_column(sa.String(CID_LENGTH))
    time_us: Mapped[int] = mapped_column(sa.BigInteger)  # the event's, for tombstone expiry
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class FollowListItem(Base):
    """A followed playlist record's items, in record order, whether or not their tracks have
    arrived yet: ``playlist_items`` holds the arrived ones, rebuilt from these."""

    __tablename__ = "follow_list_items"

    playlist_id: Mapped[str] = mapped_column(
        sa.ForeignKey("playlists.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    uri: Mapped[str] = mapped_column(sa.String(RECORD_URI_MAX_LENGTH), index=True)
    cid: Mapped[str] = mapped_column(sa.String(CID_LENGTH))


class FollowAccount(Base):
    """An account's status and handle as the network last said (``account`` and ``identity``
    events, each applied only if its ``seq`` is newer)."""

    __tablename__ = "follow_accounts"

    did: Mapped[str] = mapped_column(sa.String(DID_MAX_LENGTH), primary_key=True)
    handle: Mapped[str | None] = mapped_column(sa.String(HANDLE_MAX_LENGTH))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    status: Mapped[str | None] = mapped_column(sa.String(64))
    hidden: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    account_seq: Mapped[int | None] = mapped_column(sa.BigInteger)
    identity_seq: Mapped[int | None] = mapped_column(sa.BigInteger)


class FollowBackfill(Base):
    """Where ``segue follow backfill`` stands in one repository's collection: the repo
    ``rev`` it reads at (kept, so a resumed run stamps every record alike) and the
    ``listRecords`` cursor of the next page; ``done`` once the last page is applied."""

    __tablename__ = "follow_backfill"

    did: Mapped[str] = mapped_column(sa.String(DID_MAX_LENGTH), primary_key=True)
    collection: Mapped[str] = mapped_column(sa.String(317), primary_key=True)
    rev: Mapped[str] = mapped_column(sa.String(64))
    cursor: Mapped[str | None] = mapped_column(sa.String(RECORD_URI_MAX_LENGTH))
    done: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    updated_at: Mapped[datetime] = _updated()


# -- what `segue embed --catalog` keeps (docs/embedding.md) ----------------------------------


class EmbeddingState(Base):
    """A track's embedding: ``pending`` (its audio source has no vector yet, or a new one),
    ``done`` (``model`` made the vector; none: the vector was imported) or ``failed``
    (``attempts`` used up, ``last_error`` says why).

    No foreign key to ``tracks``: vectors may be imported before their tracks. ``source``
    is the audio the state is about (a trusted URL, or ``blob:DID/CID``); ``version`` moves
    with every new source, so a worker still embedding the old one cannot mark it done.
    A worker holds the rows it embeds with a lease (``lease_owner`` until
    ``lease_expires_at``); a killed worker's lease runs out and another takes them.
    """

    __tablename__ = "track_embeddings"
    __table_args__ = (
        sa.CheckConstraint("state IN ('pending', 'done', 'failed')", name="state"),
        sa.Index("ix_track_embeddings_state_next_attempt_at", "state", "next_attempt_at"),
    )

    track_id: Mapped[int] = mapped_column(TrackId, primary_key=True, autoincrement=False)
    state: Mapped[str] = mapped_column(sa.String(16))
    source: Mapped[str | None] = mapped_column(sa.Text())
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    model: Mapped[str | None] = mapped_column(sa.String(1024))
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(sa.Text())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lease_owner: Mapped[str | None] = mapped_column(sa.String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = _updated()
