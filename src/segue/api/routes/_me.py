"""``/me``: the signed-in user and their playlists."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from segue.catalog import playlists_page

from .._deps import CurrentUser, SessionDep
from .._schemas import PlaylistList, UserOut
from ._common import ERRORS

__all__ = ["router"]

router = APIRouter(prefix="/me", tags=["me"], responses=ERRORS)


@router.get("", summary="The signed-in user")
async def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)


@router.get("/playlists", summary="The signed-in user's playlists, a page at a time")
async def my_playlists(
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="Playlists per page")] = 100,
    cursor: Annotated[
        str | None,
        Query(max_length=256, description="The previous page's next_cursor"),
    ] = None,
) -> PlaylistList:
    page = await playlists_page(session, user.did, limit=limit, cursor=cursor)
    return PlaylistList.model_validate(
        {"playlists": page.playlists, "next_cursor": page.next_cursor}
    )
