"""The catalog: artists, tracks, users, playlists and their items, API tokens.

Revision ID: 0001
Revises:
Create Date: 2025-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Same as segue.catalog._models.TrackId; repeated so later model changes leave this as it was.
_TRACK_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "artists",
        sa.Column("did", sa.String(2048), nullable=False),
        sa.Column("handle", sa.String(253), nullable=False),
        sa.Column("display_name", sa.String(640), nullable=True),
        sa.Column("avatar_url", sa.String(2048), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("did", name=op.f("pk_artists")),
    )
    op.create_table(
        "users",
        sa.Column("did", sa.String(2048), nullable=False),
        sa.Column("handle", sa.String(253), nullable=False),
        sa.Column("display_name", sa.String(640), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("did", name=op.f("pk_users")),
    )
    op.create_table(
        "tracks",
        sa.Column("id", _TRACK_ID, autoincrement=False, nullable=False),
        sa.Column("title", sa.String(1000), nullable=False),
        sa.Column("artist_did", sa.String(2048), nullable=False),
        sa.Column("image_url", sa.String(2048), nullable=True),
        sa.Column("uri", sa.String(8192), nullable=True),
        sa.Column("cid", sa.String(256), nullable=True),
        sa.Column("visible", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["artist_did"], ["artists.did"], name=op.f("fk_tracks_artist_did_artists")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracks")),
    )
    op.create_index(op.f("ix_tracks_artist_did"), "tracks", ["artist_did"])
    op.create_table(
        "playlists",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("owner_did", sa.String(2048), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("record_cid", sa.String(256), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["owner_did"], ["users.did"], name=op.f("fk_playlists_owner_did_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playlists")),
    )
    op.create_index(op.f("ix_playlists_owner_did"), "playlists", ["owner_did"])
    op.create_table(
        "playlist_items",
        sa.Column("playlist_id", sa.String(64), nullable=False),
        sa.Column("track_id", _TRACK_ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["playlist_id"],
            ["playlists.id"],
            name=op.f("fk_playlist_items_playlist_id_playlists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_playlist_items_track_id_tracks")
        ),
        sa.PrimaryKeyConstraint("playlist_id", "track_id", name=op.f("pk_playlist_items")),
        sa.UniqueConstraint(
            "playlist_id", "position", name=op.f("uq_playlist_items_playlist_id_position")
        ),
    )
    op.create_index(op.f("ix_playlist_items_track_id"), "playlist_items", ["track_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_did", sa.String(2048), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_did"], ["users.did"], name=op.f("fk_api_tokens_user_did_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_user_did"), "api_tokens", ["user_did"])


def downgrade() -> None:
    op.drop_table("api_tokens")
    op.drop_table("playlist_items")
    op.drop_table("playlists")
    op.drop_table("tracks")
    op.drop_table("users")
    op.drop_table("artists")
