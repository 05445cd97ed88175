"""A track's audio source beside its preview URL: the PDS blob (the account's DID and the
blob's CID) that a followed track record names as its canonical audio, for the embedding
pipeline.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tracks") as batch:
        batch.add_column(sa.Column("audio_blob_did", sa.String(2048), nullable=True))
        batch.add_column(sa.Column("audio_blob_cid", sa.String(256), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tracks") as batch:
        batch.drop_column("audio_blob_cid")
        batch.drop_column("audio_blob_did")
