"""Typed dependencies: the shared resources, a database session per request, the user."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from segue.catalog import UserView, database_errors, verify_token
from segue.errors import Unauthorized

from ._resources import Resources

__all__ = ["CurrentUser", "ResourcesDep", "SessionDep"]


def _resources(request: Request) -> Resources:
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(_resources)]


async def _session(resources: ResourcesDep) -> AsyncIterator[AsyncSession]:
    # database_errors() around the whole request: an outage anywhere in it becomes a 503.
    async with database_errors(), resources.database.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(_session)]

_bearer = HTTPBearer(auto_error=False, description="An API token from `segue token create`.")


async def _current_user(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> UserView:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("a bearer token is required")
    return await verify_token(session, credentials.credentials)


CurrentUser = Annotated[UserView, Depends(_current_user)]
