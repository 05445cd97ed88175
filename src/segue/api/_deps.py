"""Typed dependencies: the shared resources, a database session per request, the caller
(charged a read or a write here) and its user, and the charge for a recommendation miss."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from segue.catalog import UserView, database_errors
from segue.errors import Unauthorized
from segue.limits import DID_MAX_LENGTH
from segue.recommendations import Recommender

from ._auth import Caller
from ._logging import ACCESS_CALLER
from ._methods import method_of
from ._ratelimit import Budget
from ._resources import Resources

__all__ = [
    "ACTOR_HEADER",
    "BearerToken",
    "CallerDep",
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

_bearer = HTTPBearer(
    auto_error=False,
    description="An API token from `segue token create` (a platform's with X-Segue-Actor), "
    "or an ATProto service-auth JWT addressed to SEGUE_SERVICE_DID.",
)

#: the header a platform token names the DID it acts for in
ACTOR_HEADER = "X-Segue-Actor"


async def _bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("a bearer token is required")
    return credentials.credentials


#: The request's bearer token, unchecked (401 when there is none): for ``/auth/logout``.
BearerToken = Annotated[str, Depends(_bearer_token)]


async def _caller(
    request: Request,
    resources: ResourcesDep,
    token: BearerToken,
    actor: Annotated[
        str | None,
        Header(
            alias=ACTOR_HEADER,
            max_length=DID_MAX_LENGTH,
            description="With a platform token (only): the DID of the user it acts for",
        ),
    ] = None,
) -> Caller:
    # No session: a route that needs only the caller (a cache hit) opens none.
    caller = await resources.auth.caller(token, actor=actor, method=method_of(request))
    if caller.platform is not None:
        # The access log names the platform and the DID it acts for, never the token.
        ACCESS_CALLER.set(f" platform={caller.platform} actor={caller.user.did}")
    # Charged once the credential is known good, so made-up ones leave no counters behind.
    await resources.limiter.check(Budget.of_method(request.method), caller.rate_key)
    return caller


#: Who the request acts for and how it signed in (a user token, a platform token with
#: ``X-Segue-Actor``, or a service-auth JWT); its read or write is charged.
CallerDep = Annotated[Caller, Depends(_caller)]


async def _current_user(caller: CallerDep) -> UserView:
    return caller.user


CurrentUser = Annotated[UserView, Depends(_current_user)]


async def _charge_miss(resources: ResourcesDep, caller: CallerDep) -> Callable[[], Awaitable[None]]:
    async def charge() -> None:
        await resources.limiter.check(Budget.MISS, caller.rate_key)

    return charge


#: Spends one of the caller's recommendation misses (``RateLimited`` once they are spent);
#: the recommender calls it only when it is about to compute, never on a cache hit.
ChargeMiss = Annotated[Callable[[], Awaitable[None]], Depends(_charge_miss)]
