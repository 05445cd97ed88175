"""Users: the people who sign in with a token and own playlists.

Read and written through the Core table (``_core_tables.users``), not the ORM's class, so
``segue token`` imports no declarative model (issue 26).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from segue.errors import NotFound

from ._core_tables import users, utc_now
from ._db import database_errors
from ._unit import committing
from ._values import check_did, clean_display_name, clean_handle
from ._views import UserView

__all__ = ["add_user_if_missing", "ensure_user", "find_user", "get_user"]


async def ensure_user(
    session: AsyncSession, did: str, handle: str, display_name: str | None = None
) -> UserView:
    """Create the user, or bring its handle and display name up to date; commits.

    >>> await ensure_user(session, "did:plc:abc", "alice.example.com", "Alice")  # doctest: +SKIP
    """
    did = check_did(did)
    handle = clean_handle(handle)
    display_name = clean_display_name(display_name)
    insert = _upsert_for(session)
    # One statement, so two concurrent first sign-ins of the same DID cannot collide.
    upsert = (
        insert(users)
        .values(did=did, handle=handle, display_name=display_name)
        .on_conflict_do_update(
            index_elements=[users.c.did],
            set_={"handle": handle, "display_name": display_name, "updated_at": utc_now()},
        )
    )
    async with committing(session):
        await session.execute(upsert)
    return UserView(did=did, handle=handle, display_name=display_name)


def _upsert_for(session: AsyncSession) -> Any:
    """The session's dialect's ``insert`` (with ``on_conflict_do_*``), imported on use: the
    PostgreSQL dialect costs a command on SQLite (``segue token``) 30 ms of CPU to import
    (issue 26)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


async def get_user(session: AsyncSession, did: str) -> UserView:
    """The user with this DID (:class:`NotFound` if there is none)."""
    found = await find_user(session, did)
    if found is None:
        raise NotFound(f"no user {did!r}")
    return found


_FIND = sa.select(users.c.did, users.c.handle, users.c.display_name).where(
    users.c.did == sa.bindparam("did")
)


async def find_user(reader: AsyncSession | AsyncConnection, did: str) -> UserView | None:
    """The user with this DID, or ``None``: one primary-key read (a plain connection will do).

    A caller authenticated by a service-auth JWT or a platform token may have no row yet.
    """
    async with database_errors():
        row = (await reader.execute(_FIND, {"did": did})).first()
    return None if row is None else UserView(did=row[0], handle=row[1], display_name=row[2])


async def add_user_if_missing(session: AsyncSession, did: str, handle: str) -> None:
    """Create the user row of a DID that has none (its first playlist needs an owner row);
    commits. An existing row is left as it is: the handle of a DID document or a platform
    does not overwrite what `segue token create` or `segue follow` wrote.
    """
    did = check_did(did)
    handle = clean_handle(handle)
    insert = _upsert_for(session)
    statement = (
        insert(users)
        .values(did=did, handle=handle)
        .on_conflict_do_nothing(index_elements=[users.c.did])
    )
    async with committing(session):
        await session.execute(statement)
