"""Platform tokens: an API token of a platform (``api_tokens.platform``) rather than of a
user, acting for the DID each request names in ``X-Segue-Actor`` (docs/security.md).

``user_did`` becomes optional; exactly one of ``user_did`` and ``platform`` is set.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ONE_OWNER = "(user_did IS NULL) <> (platform IS NULL)"


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("platform", sa.String(64), nullable=True))
        batch.alter_column("user_did", existing_type=sa.String(2048), nullable=True)
        batch.create_check_constraint(op.f("ck_api_tokens_one_owner"), _ONE_OWNER)


def downgrade() -> None:
    # Platform tokens cannot exist without the column: they go with it.
    op.execute("DELETE FROM api_tokens WHERE platform IS NOT NULL")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_constraint(op.f("ck_api_tokens_one_owner"), type_="check")
        batch.alter_column("user_did", existing_type=sa.String(2048), nullable=False)
        batch.drop_column("platform")
