"""Typed dependencies: the shared resources, a database session per request, the user
(whose token is charged a read or a write here), and a recommendation request's caller,
whose charges the recommender spends (the read with its cache look-up, a miss before it
computes)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from segue.catalog import UserView, database_errors
from segue.errors import Unauthorized
from segue.recommendations import Recommender

from ._ratelimit import Budget, Charge
from ._resources import Resources

__all__ = [
    "BearerToken",
    "Caller",
    "CurrentUser",
    "RecommendationCaller",
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


@dataclass(frozen=True, slots=True)
class Caller:
    """The user of a recommendation request, with the charges the recommender spends: the
    read (riding with the cache look-up: one Redis round trip on a hit), then a miss
    before anything is computed (never on a hit). ``None``: that budget is off."""

    user: UserView
    read: Charge | None
    miss: Charge | None


async def _recommendation_caller(resources: ResourcesDep, token: BearerToken) -> Caller:
    user = await resources.auth.user(token)
    limiter = resources.limiter
    # Charged once the token is known good, as CurrentUser's, but spent by the recommender.
    return Caller(user, limiter.charge(Budget.READ, token), limiter.charge(Budget.MISS, token))


#: For ``GET .../recommendations`` only: like ``CurrentUser``, but the read is left to the
#: recommender (which always spends it, whatever the answer), so it can share the cache's
#: round trip.
RecommendationCaller = Annotated[Caller, Depends(_recommendation_caller)]
