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


def _timestamp(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def _timestamps() -> list[sa.Column[object]]:
    return [_timestamp("created_at"), _timestamp("updated_at")]


def _account() -> list[sa.Column[object]]:
    """An ATProto account's columns, an artist's and a user's alike."""
    return [
        sa.Column("did", sa.String(2048), nullable=False),
        sa.Column("handle", sa.String(253), nullable=False),
        sa.Column("display_name", sa.String(640), nullable=True),
    ]


# Constraint names as the models' naming convention (segue.catalog._models) makes them;
# spelled out here so a later change of convention leaves this migration as it was.
def _pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*columns, name=op.f(f"pk_{table}"))


def _fk(
    table: str, column: str, target: str, *, ondelete: str | None = None
) -> sa.ForeignKeyConstraint:
    """``table.column`` references ``target`` (``"users.did"``)."""
    name = op.f(f"fk_{table}_{column}_{target.split('.')[0]}")
    return sa.ForeignKeyConstraint([column], [target], name=name, ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "artists",
        *_account(),
        sa.Column("avatar_url", sa.String(2048), nullable=True),
        *_timestamps(),
        _pk("artists", "did"),
    )
    op.create_table(
        "users",
        *_account(),
        *_timestamps(),
        _pk("users", "did"),
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
        _fk("tracks", "artist_did", "artists.did"),
        _pk("tracks", "id"),
    )
    op.create_index(op.f("ix_tracks_artist_did"), "tracks", ["artist_did"])
    op.create_table(
        "playlists",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("owner_did", sa.String(2048), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("record_cid", sa.String(256), nullable=False),
        *_timestamps(),
        _fk("playlists", "owner_did", "users.did"),
        _pk("playlists", "id"),
    )
    op.create_index(op.f("ix_playlists_owner_did"), "playlists", ["owner_did"])
    op.create_table(
        "playlist_items",
        sa.Column("playlist_id", sa.String(64), nullable=False),
        sa.Column("track_id", _TRACK_ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _fk("playlist_items", "playlist_id", "playlists.id", ondelete="CASCADE"),
        _fk("playlist_items", "track_id", "tracks.id"),
        _pk("playlist_items", "playlist_id", "track_id"),
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
        _timestamp("created_at"),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        _fk("api_tokens", "user_did", "users.did"),
        _pk("api_tokens", "id"),
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
