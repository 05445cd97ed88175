"""Typed dependencies: the shared resources, a database session per request, the user
(whose token is charged a read or a write here), and the charge for a recommendation miss."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from segue.catalog import UserView, database_errors
from segue.errors import Unauthorized
from segue.recommendations import Recommender

from ._ratelimit import Budget
from ._resources import Resources

__all__ = [
    "BearerToken",
    "ChargeMiss",
    "CurrentUser",
    "RecommenderDep",
    "ResourcesDep",
    "SessionDep",
]


async def _resources(request: Request) -> Resources:
    # async on purpose: FastAPI runs a plain-def dependency in its thread pool, a thread
    # hand-off on every request for what is an attribute read.
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(_resources)]


async def _recommender(request: Request) -> Recommender:
    recommender: Recommender = request.app.state.resources.recommender
    return recommender


RecommenderDep = Annotated[Recommender, Depends(_recommender)]


async def _session(resources: ResourcesDep) -> AsyncIterator[AsyncSession]:
    # database_errors() around the whole request: an outage anywhere in it becomes a 503.
    async with database_errors(), resources.database.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(_session)]

_bearer = HTTPBearer(auto_error=False, description="An API token from `segue token create`.")


async def _bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("a bearer token is required")
    return credentials.credentials


#: The request's bearer token, unchecked (401 when there is none): for ``/auth/logout``.
BearerToken = Annotated[str, Depends(_bearer_token)]


async def _current_user(request: Request, resources: ResourcesDep, token: BearerToken) -> UserView:
    # No session: a route that needs only the user (a cache hit) opens none.
    user = await resources.auth.user(token)
    # Charged once the token is known good, so made-up tokens leave no counters behind.
    await resources.limiter.check(Budget.of_method(request.method), token)
    return user


CurrentUser = Annotated[UserView, Depends(_current_user)]


async def _charge_miss(
    resources: ResourcesDep, token: BearerToken
) -> Callable[[], Awaitable[None]]:
    async def charge() -> None:
        await resources.limiter.check(Budget.MISS, token)

    return charge


#: Spends one of the token's recommendation misses (``RateLimited`` once they are spent);
#: the recommender calls it only when it is about to compute, never on a cache hit.
ChargeMiss = Annotated[Callable[[], Awaitable[None]], Depends(_charge_miss)]
