"""Following the network safely (issue 21): what is never suggested, which playlists are
the network's records, and where a backfill stands.

- ``tracks.suggestible``: false for a followed track carrying a self-label in
  ``SEGUE_HIDE_LABELS`` or a supporter gate; it stays in the catalog and in playlists.
- ``playlists.record_uri``: the AT-URI of the network record a followed playlist is; such a
  playlist is edited where it was made, never through Segue's API (a 409).
- ``follow_backfill``: per repository and collection, the rev a backfill reads at and the
  ``listRecords`` cursor it has reached, so a killed backfill goes on where it stopped.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_URI = 1024


def upgrade() -> None:
    with op.batch_alter_table("tracks") as batch:
        batch.add_column(
            sa.Column("suggestible", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table("playlists") as batch:
        batch.add_column(sa.Column("record_uri", sa.String(_URI), nullable=True))
    op.create_table(
        "follow_backfill",
        sa.Column("did", sa.String(2048), nullable=False),
        sa.Column("collection", sa.String(317), nullable=False),
        sa.Column("rev", sa.String(64), nullable=False),
        sa.Column("cursor", sa.String(_URI), nullable=True),
        sa.Column("done", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("did", "collection", name=op.f("pk_follow_backfill")),
    )


def downgrade() -> None:
    op.drop_table("follow_backfill")
    with op.batch_alter_table("playlists") as batch:
        batch.drop_column("record_uri")
    with op.batch_alter_table("tracks") as batch:
        batch.drop_column("suggestible")
