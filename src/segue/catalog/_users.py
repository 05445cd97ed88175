"""Users: the people who sign in with a token and own playlists."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from segue.errors import NotFound

from ._db import database_errors
from ._models import User, utc_now
from ._unit import committing
from ._values import check_did, clean_display_name, clean_handle
from ._views import UserView

__all__ = ["ensure_user", "get_user"]


async def ensure_user(
    session: AsyncSession, did: str, handle: str, display_name: str | None = None
) -> UserView:
    """Create the user, or bring its handle and display name up to date; commits.

    >>> await ensure_user(session, "did:plc:abc", "alice.example.com", "Alice")  # doctest: +SKIP
    """
    did = check_did(did)
    handle = clean_handle(handle)
    display_name = clean_display_name(display_name)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # One statement, so two concurrent first sign-ins of the same DID cannot collide.
    upsert = (
        insert(User)
        .values(did=did, handle=handle, display_name=display_name)
        .on_conflict_do_update(
            index_elements=[User.did],
            set_={"handle": handle, "display_name": display_name, "updated_at": utc_now()},
        )
    )
    async with committing(session):
        await session.execute(upsert)
    return UserView(did=did, handle=handle, display_name=display_name)


async def get_user(session: AsyncSession, did: str) -> UserView:
    """The user with this DID (:class:`NotFound` if there is none)."""
    async with database_errors():
        user = await session.get(User, did)
    if user is None:
        raise NotFound(f"no user {did!r}")
    return UserView(did=user.did, handle=user.handle, display_name=user.display_name)
