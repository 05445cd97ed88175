"""``/me``: the signed-in user and their playlists."""

from __future__ import annotations

from fastapi import APIRouter

from segue.catalog import list_playlists

from .._deps import CurrentUser, SessionDep
from .._schemas import PlaylistList, UserOut
from ._common import ERRORS

__all__ = ["router"]

router = APIRouter(prefix="/me", tags=["me"], responses=ERRORS)


@router.get("", summary="The signed-in user")
async def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)


@router.get("/playlists", summary="The signed-in user's playlists")
async def my_playlists(user: CurrentUser, session: SessionDep) -> PlaylistList:
    playlists = await list_playlists(session, user.did)
    return PlaylistList.model_validate({"playlists": playlists})
