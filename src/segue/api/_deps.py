"""Typed dependencies: the shared resources, a database session per request, the caller
(a Segue token's user, a platform token's actor, a service-auth JWT's DID), the user
(charged a read or a write here), and a ranking's page with its charges, which the
recommender spends (the read with its cache look-up, a miss before it computes)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from segue.catalog import PlaylistView, UserView, database_errors
from segue.errors import Unauthorized
from segue.limits import DID_MAX_LENGTH
from segue.recommendations import MAX_OFFSET, PageRequest, RecommendationPage, Recommender

from ._auth import Caller
from ._logging import ACCESS_CALLER
from ._media import MediaPolicy
from ._methods import method_of
from ._ratelimit import Budget
from ._resources import Resources
from ._schemas import PlaylistOut, Recommendations, media

__all__ = [
    "ACTOR_HEADER",
    "BEARER_SECURITY",
    "AskedPage",
    "BearerToken",
    "CallerDep",
    "CurrentUser",
    "PageQuery",
    "ResourcesDep",
    "SessionDep",
    "SignedIn",
    "SignedInDep",
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
#: or ``PageQuery``, which charge it.
CallerDep = Annotated[Caller, Depends(_caller)]


async def _current_user(request: Request, resources: ResourcesDep, caller: CallerDep) -> UserView:
    # Charged once the credential is known good, so made-up ones leave no counters behind.
    await resources.limiter.check(Budget.of_method(request.method), caller.rate_key)
    return caller.user


CurrentUser = Annotated[UserView, Depends(_current_user)]


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A playlist route's request: the user (charged), the request's session, and how an
    answer serves covers and previews.

        async def change(playlist_id: PlaylistId, body: PlaylistChange, me: SignedInDep):
            return me.answer(await rename_playlist(me.session, ..., actor_did=me.user.did))
    """

    user: UserView
    session: AsyncSession
    media: MediaPolicy

    def answer(self, playlist: PlaylistView) -> PlaylistOut:
        """The response body of ``playlist``."""
        return PlaylistOut.model_validate(playlist, context=media(self.media))


async def _signed_in(user: CurrentUser, session: SessionDep, resources: ResourcesDep) -> SignedIn:
    # The user first: a bad credential or a spent budget is refused before a session opens.
    return SignedIn(user, session, resources.media)


#: ``CurrentUser`` with the request's session and the answer's media policy.
SignedInDep = Annotated[SignedIn, Depends(_signed_in)]


@dataclass(frozen=True, slots=True)
class AskedPage:
    """A ranking route's request (recommendations, continuation, similar): who asks, the
    page with the charges the recommender spends (the read riding with the cache look-up:
    one Redis round trip on a hit; a miss before anything is computed, never on a hit),
    and how the answer serves covers and previews.

        async def similar(track_id: TrackIdPath, page: PageQuery):
            return page.answer(await page.recommender.similar(track_id, page.request))
    """

    user: UserView
    request: PageRequest
    media: MediaPolicy
    recommender: Recommender

    def answer(self, page: RecommendationPage) -> Recommendations:
        """The response body of ``page``."""
        # The hot path: one model_validate reads the whole page in pydantic-core, cheaper
        # than building a TrackOut per track in Python (about 10 against 18 us for 3 tracks).
        return Recommendations.model_validate(page, context=media(self.media))


async def _page_query(
    request: Request,
    actor: _ActorHeader = None,
    limit: Annotated[int, Query(ge=1, le=10, description="How many tracks")] = 3,
    offset: Annotated[
        int,
        Query(ge=0, le=MAX_OFFSET, description="How many of the ranking to skip (the next page)"),
    ] = 0,
) -> AskedPage:
    # One dependency, not a tree (resources, token, caller, charges): FastAPI solves every
    # node of a tree on every request, and this is the cache hit's path (issue 20). The
    # steps are CallerDep's, whose pieces it calls.
    resources: Resources = request.app.state.resources
    # The bearer token read here rather than by ``Depends(_bearer)``: that is a node of
    # its own, solved on every request (about 11 us of a hit, issue 20); the routes
    # declare the scheme in their OpenAPI with ``BEARER_SECURITY``.
    credentials = await _bearer(request)
    caller = await _authenticated(request, resources, _token_of(credentials), actor)
    limiter = resources.limiter
    # Charged once the credential is known good, as CurrentUser's, but spent by the
    # recommender.
    page = PageRequest(
        limit,
        offset,
        read=limiter.charge(Budget.READ, caller.rate_key),
        miss=limiter.charge(Budget.MISS, caller.rate_key),
    )
    return AskedPage(caller.user, page, resources.media, resources.recommender)


#: What ``Depends(_bearer)`` would put in a route's OpenAPI, for the routes that take
#: ``PageQuery`` (it reads the token itself): ``@router.get(..., openapi_extra=BEARER_SECURITY)``.
BEARER_SECURITY: dict[str, Any] = {"security": [{_bearer.scheme_name: []}]}

#: For ``GET .../recommendations`` and the listeners' routes: ``limit`` and ``offset``, and
#: the caller as ``CurrentUser`` would give it, but with the read left to the recommender
#: (which always spends it, whatever the answer), so it can share the cache's round trip.
PageQuery = Annotated[AskedPage, Depends(_page_query)]
