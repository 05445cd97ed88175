"""Dismissed suggestions (a playlist's "not for this playlist"), their generation in the
cache key, and a track's optional audio preview URL.

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Same as segue.catalog._models.TrackId; repeated so later model changes leave this as it was.
_TRACK_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "dismissals",
        sa.Column("playlist_id", sa.String(64), nullable=False),
        sa.Column("track_id", _TRACK_ID, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["playlist_id"],
            ["playlists.id"],
            name=op.f("fk_dismissals_playlist_id_playlists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_dismissals_track_id_tracks")
        ),
        sa.PrimaryKeyConstraint("playlist_id", "track_id", name=op.f("pk_dismissals")),
    )
    with op.batch_alter_table("playlists") as batch:
        batch.add_column(
            sa.Column("dismissals_generation", sa.BigInteger(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("tracks") as batch:
        batch.add_column(sa.Column("audio_url", sa.String(2048), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tracks") as batch:
        batch.drop_column("audio_url")
    with op.batch_alter_table("playlists") as batch:
        batch.drop_column("dismissals_generation")
    op.drop_table("dismissals")
