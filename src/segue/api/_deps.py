"""Typed dependencies: the shared resources, a database session per request, the caller
(a Segue token's user, a platform token's actor, a service-auth JWT's DID), the user
(charged a read or a write here), and a recommendation request's charges, which the
recommender spends (the read with its cache look-up, a miss before it computes)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from segue.catalog import UserView, database_errors
from segue.errors import Unauthorized
from segue.limits import DID_MAX_LENGTH

from ._auth import Caller
from ._logging import ACCESS_CALLER
from ._methods import method_of
from ._ratelimit import Budget, Charge
from ._resources import Resources

__all__ = [
    "ACTOR_HEADER",
    "BearerToken",
    "CallerDep",
    "Charged",
    "CurrentUser",
    "RecommendationCaller",
    "ResourcesDep",
    "SessionDep",
]


async def _resources(request: Request) -> Resources:
    # async on purpose: FastAPI runs a plain-def dependency in its thread pool, a thread
    # hand-off on every request for what is an attribute read.
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(_resources)]


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


def _token_of(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("a bearer token is required")
    return credentials.credentials


async def _bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    return _token_of(credentials)


#: The request's bearer token, unchecked (401 when there is none): for ``/auth/logout``.
BearerToken = Annotated[str, Depends(_bearer_token)]


_ActorHeader = Annotated[
    str | None,
    Header(
        alias=ACTOR_HEADER,
        max_length=DID_MAX_LENGTH,
        # A DID is ASCII (docs/atproto.md); saying so also keeps schema fuzzing to
        # header values an HTTP client can send.
        pattern=r"^[\x20-\x7e]*$",
        description="With a platform token (only): the DID of the user it acts for",
    ),
]


async def _caller(
    request: Request, resources: ResourcesDep, token: BearerToken, actor: _ActorHeader = None
) -> Caller:
    # No session: a route that needs only the caller (a cache hit) opens none.
    return await _authenticated(request, resources, token, actor)


async def _authenticated(
    request: Request, resources: Resources, token: str, actor: str | None
) -> Caller:
    caller = await resources.auth.caller(token, actor=actor, method=method_of(request))
    if caller.platform is not None:
        # The access log names the platform and the DID it acts for, never the token.
        ACCESS_CALLER.set(f" platform={caller.platform} actor={caller.user.did}")
    return caller


#: Who the request acts for and how it signed in (a user token, a platform token with
#: ``X-Segue-Actor``, or a service-auth JWT); nothing charged: use with ``CurrentUser``
#: or ``RecommendationCaller``, which charge it.
CallerDep = Annotated[Caller, Depends(_caller)]


async def _current_user(request: Request, resources: ResourcesDep, caller: CallerDep) -> UserView:
    # Charged once the credential is known good, so made-up ones leave no counters behind.
    await resources.limiter.check(Budget.of_method(request.method), caller.rate_key)
    return caller.user


CurrentUser = Annotated[UserView, Depends(_current_user)]


@dataclass(frozen=True, slots=True)
class Charged:
    """The user of a recommendation request, with the charges the recommender spends: the
    read (riding with the cache look-up: one Redis round trip on a hit), then a miss
    before anything is computed (never on a hit). ``None``: that budget is off.
    ``resources``: the process's, for the route (its recommender, its media policy)."""

    user: UserView
    read: Charge | None
    miss: Charge | None
    resources: Resources


async def _recommendation_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    actor: _ActorHeader = None,
) -> Charged:
    # One dependency, not a tree (resources, token, caller, charges): FastAPI solves every
    # node of the tree on every request, and this is the cache hit's path (issue 20). The
    # steps are the same as CallerDep's, whose pieces it calls.
    resources: Resources = request.app.state.resources
    caller = await _authenticated(request, resources, _token_of(credentials), actor)
    limiter = resources.limiter
    # Charged once the credential is known good, as CurrentUser's, but spent by the
    # recommender.
    return Charged(
        caller.user,
        limiter.charge(Budget.READ, caller.rate_key),
        limiter.charge(Budget.MISS, caller.rate_key),
        resources,
    )


#: For ``GET .../recommendations`` and the listeners' routes: like ``CurrentUser``, but the
#: read is left to the recommender (which always spends it, whatever the answer), so it can
#: share the cache's round trip.
RecommendationCaller = Annotated[Charged, Depends(_recommendation_caller)]
