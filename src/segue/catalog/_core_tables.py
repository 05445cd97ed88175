"""The catalog's metadata, its timestamp type, and the tables read and written without the
ORM: ``users`` and ``api_tokens``.

A command that lists tokens or checks one pays for SQLAlchemy Core alone, not for the
declarative classes of every table (``_models.py``, about 40 ms of CPU to import, and the
mappers' configuration on first use; issue 26). The ORM classes :class:`~._models.User`
and :class:`~._models.ApiToken` are mapped onto these same tables, so there is one
definition of each, in one :data:`METADATA` that migrations are checked against.

    >>> select(api_tokens.c.id).where(api_tokens.c.user_did == did)  # doctest: +SKIP
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from segue.limits import (
    DID_MAX_LENGTH,
    DISPLAY_NAME_MAX_LENGTH,
    HANDLE_MAX_LENGTH,
    PLATFORM_NAME_MAX_LENGTH,
)

__all__ = ["METADATA", "NAMING_CONVENTION", "UtcDateTime", "api_tokens", "users", "utc_now"]

# Names every constraint, so migrations can refer to them (and SQLite batch mode can
# rebuild tables) identically on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: every table of the catalog (the ORM's ``Base.metadata`` is this one)
METADATA = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utc_now() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database.

    PostgreSQL keeps the zone (``timestamptz``); SQLite has no zones, so values are stored
    as naive UTC and given back their zone when read.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware one (e.g. utc_now())")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def created_column() -> sa.Column[datetime]:
    """``created_at``: set on insert."""
    return sa.Column(
        "created_at", UtcDateTime(), nullable=False, default=utc_now, server_default=sa.func.now()
    )


def updated_column() -> sa.Column[datetime]:
    """``updated_at``: set on insert and on every update."""
    return sa.Column(
        "updated_at",
        UtcDateTime(),
        nullable=False,
        default=utc_now,
        onupdate=utc_now,
        server_default=sa.func.now(),
    )


#: Someone who signs in with an API token and owns playlists.
users = sa.Table(
    "users",
    METADATA,
    sa.Column("did", sa.String(DID_MAX_LENGTH), primary_key=True),
    sa.Column("handle", sa.String(HANDLE_MAX_LENGTH), nullable=False),
    sa.Column("display_name", sa.String(DISPLAY_NAME_MAX_LENGTH), nullable=True),
    created_column(),
    updated_column(),
)

#: An API token; only the SHA-256 of the secret is kept.
api_tokens = sa.Table(
    "api_tokens",
    METADATA,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column(
        "user_did", sa.String(DID_MAX_LENGTH), sa.ForeignKey("users.did"), nullable=True, index=True
    ),
    # the platform's name (`segue token create --platform NAME`); NULL for a user's token
    sa.Column("platform", sa.String(PLATFORM_NAME_MAX_LENGTH), nullable=True),
    created_column(),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
    # NULL: never expires (tokens issued before expiry existed, or `--expires-in never`)
    sa.Column("expires_at", UtcDateTime(), nullable=True),
    # Recorded at most once an hour per token (segue.api.Authenticator), not per request
    sa.Column("last_used_at", UtcDateTime(), nullable=True),
    # A token is a user's or a platform's (acting for the DID in X-Segue-Actor), never both.
    sa.CheckConstraint("(user_did IS NULL) <> (platform IS NULL)", name="one_owner"),
)
