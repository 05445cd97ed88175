"""Generations for the recommendation cache key: the index's, and each playlist's seeds'.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "playlists",
        sa.Column("seeds_generation", sa.BigInteger(), server_default="0", nullable=False),
    )
    state = op.create_table(
        "catalog_state",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_catalog_state")),
    )
    op.bulk_insert(state, [{"name": "index_generation", "value": 0}])


def downgrade() -> None:
    op.drop_table("catalog_state")
    with op.batch_alter_table("playlists") as batch:
        batch.drop_column("seeds_generation")
