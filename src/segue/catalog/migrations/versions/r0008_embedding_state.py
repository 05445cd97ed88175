"""Embedding state: each track with an audio source is pending, done or failed, and the
rows a ``segue embed --catalog`` worker holds carry its lease (docs/embedding.md).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
# The lead relinks this after issue 21's 0007 when both are merged.
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "track_embeddings",
        sa.Column(
            "track_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("model", sa.String(1024), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'done', 'failed')", name="ck_track_embeddings_state"
        ),
        sa.PrimaryKeyConstraint("track_id", name="pk_track_embeddings"),
    )
    op.create_index(
        "ix_track_embeddings_state_next_attempt_at",
        "track_embeddings",
        ["state", "next_attempt_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_track_embeddings_state_next_attempt_at", table_name="track_embeddings")
    op.drop_table("track_embeddings")
