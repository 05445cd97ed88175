"""``/tracks``: search tracks by title or artist, and tracks that sound like one track."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from segue.catalog import SEARCH_MAX_LIMIT, search_tracks

from .._deps import CurrentUser, PageQuery, ResourcesDep, SessionDep
from .._schemas import NO_NUL, Recommendations, TrackList, media
from ._common import ERRORS, TrackIdPath, error_response_doc, ranking_route

__all__ = ["router"]

router = APIRouter(prefix="/tracks", tags=["tracks"], responses=ERRORS)


@router.get("", summary="Search tracks by title or artist")
async def search(
    user: CurrentUser,
    session: SessionDep,
    resources: ResourcesDep,
    q: Annotated[
        str, Query(min_length=1, max_length=200, pattern=NO_NUL, description="Words to look for")
    ],
    limit: Annotated[int, Query(ge=1, le=SEARCH_MAX_LIMIT)] = 20,
) -> TrackList:
    tracks = await search_tracks(session, q, limit=limit)
    return TrackList.model_validate({"tracks": tracks}, context=media(resources.media))


@ranking_route(
    router,
    "/{track_id}/similar",
    summary="Tracks that sound like this one",
    responses={404: error_response_doc("No such track, or a hidden or deleted one")},
)
async def similar(track_id: TrackIdPath, page: PageQuery) -> Recommendations:
    return page.answer(await page.recommender.similar(track_id, page.request))
