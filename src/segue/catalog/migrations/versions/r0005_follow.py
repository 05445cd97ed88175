"""`segue follow`: track URIs and their ids, followed records' versions and tombstones,
followed playlists' items (waiting for their tracks), accounts, hidden playlists.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Same as segue.catalog._models.TrackId; repeated so later model changes leave this as it was.
_TRACK_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_URI = 1024


def upgrade() -> None:
    with op.batch_alter_table("playlists") as batch:
        batch.add_column(
            sa.Column("visible", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    op.create_table(
        "track_uris",
        sa.Column("uri", sa.String(_URI), nullable=False),
        sa.Column("track_id", _TRACK_ID, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("uri", name=op.f("pk_track_uris")),
        sa.UniqueConstraint("track_id", name=op.f("uq_track_uris_track_id")),
    )
    op.create_table(
        "follow_records",
        sa.Column("uri", sa.String(_URI), nullable=False),
        sa.Column("did", sa.String(2048), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("rev", sa.String(64), nullable=False),
        sa.Column("cid", sa.String(256), nullable=True),
        sa.Column("time_us", sa.BigInteger(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("uri", name=op.f("pk_follow_records")),
    )
    op.create_index(op.f("ix_follow_records_did"), "follow_records", ["did"])
    op.create_table(
        "follow_list_items",
        sa.Column("playlist_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("uri", sa.String(_URI), nullable=False),
        sa.Column("cid", sa.String(256), nullable=False),
        sa.ForeignKeyConstraint(
            ["playlist_id"],
            ["playlists.id"],
            name=op.f("fk_follow_list_items_playlist_id_playlists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("playlist_id", "position", name=op.f("pk_follow_list_items")),
    )
    op.create_index(op.f("ix_follow_list_items_uri"), "follow_list_items", ["uri"])
    op.create_table(
        "follow_accounts",
        sa.Column("did", sa.String(2048), nullable=False),
        sa.Column("handle", sa.String(253), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("status", sa.String(64), nullable=True),
        sa.Column("hidden", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("account_seq", sa.BigInteger(), nullable=True),
        sa.Column("identity_seq", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("did", name=op.f("pk_follow_accounts")),
    )


def downgrade() -> None:
    op.drop_table("follow_accounts")
    op.drop_table("follow_list_items")
    op.drop_table("follow_records")
    op.drop_table("track_uris")
    with op.batch_alter_table("playlists") as batch:
        batch.drop_column("visible")
