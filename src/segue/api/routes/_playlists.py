"""``/playlists``: read, create and edit a playlist, and its recommendations."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from segue.catalog import (
    append_track,
    create_playlist,
    delete_playlist,
    get_playlist,
    remove_track,
    rename_playlist,
    reorder_tracks,
    require_owner,
)

from .._deps import CallerDep, PageQuery, ResourcesDep, SignedInDep
from .._schemas import (
    NewPlaylist,
    NewTrack,
    PlaylistChange,
    PlaylistOut,
    Recommendations,
    TrackOrder,
)
from ._common import (
    BODY_ERRORS,
    ERRORS,
    PlaylistId,
    TrackIdPath,
    error_response_doc,
    ranking_route,
)

__all__ = ["router"]

# What the owner's routes answer besides the router's errors; creating a playlist (nothing
# owned yet) and what to play after one (any listener) answer neither.
_OWNED: dict[int | str, dict[str, Any]] = {
    403: error_response_doc("Not the playlist's owner"),
    404: error_response_doc("No such playlist"),
}
# The owner's changes to a playlist: a followed ATProto record is changed where it was made.
_FOLLOWED: dict[int | str, dict[str, Any]] = {
    **_OWNED,
    409: error_response_doc("The playlist is a followed ATProto record: edit it there"),
}

router = APIRouter(prefix="/playlists", tags=["playlists"], responses=ERRORS)


@ranking_route(
    router,
    "/{playlist_id}/recommendations",
    summary="Tracks to add to the playlist",
    responses=_OWNED,
)
async def recommendations(playlist_id: PlaylistId, page: PageQuery) -> Recommendations:
    ranked = await page.recommender.recommend(playlist_id, page.request, user_did=page.user.did)
    return page.answer(ranked)


@ranking_route(
    router,
    "/{playlist_id}/continuation",
    summary="What to play after a playlist: for any signed-in listener",
    responses={404: error_response_doc("No such playlist, or a hidden one")},
)
async def continuation(playlist_id: PlaylistId, page: PageQuery) -> Recommendations:
    # Any signed-in user, any visible playlist: the same ranking as its owner's
    # recommendations (the owner's dismissals apply), from the same cache entry.
    ranked = await page.recommender.continuation(playlist_id, page.request, user_did=page.user.did)
    return page.answer(ranked)


@router.get("/{playlist_id}", summary="The playlist and its tracks in order", responses=_OWNED)
async def read(playlist_id: PlaylistId, me: SignedInDep) -> PlaylistOut:
    # The owner first, in one light read: someone else's playlist is refused before its
    # items (up to 10,000) are read.
    await require_owner(me.session, playlist_id, me.user.did)
    return me.answer(await get_playlist(me.session, playlist_id))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a playlist",
    responses={
        409: error_response_doc("The user has SEGUE_MAX_PLAYLISTS_PER_USER playlists already"),
        **BODY_ERRORS,
    },
)
async def create(
    body: NewPlaylist,
    me: SignedInDep,  # charges the write
    caller: CallerDep,
    resources: ResourcesDep,
) -> PlaylistOut:
    cap = resources.settings.max_playlists_per_user
    # A DID signed in by service auth or a platform may have no user row yet: its first
    # playlist makes one (a user token's row exists: `segue token create` made it).
    handle = None if caller.via == "token" else caller.user.handle
    playlist = await create_playlist(
        me.session, me.user.did, body.name, max_playlists=cap, owner_handle=handle
    )
    return me.answer(playlist)


@router.patch(
    "/{playlist_id}", summary="Rename the playlist", responses={**_FOLLOWED, **BODY_ERRORS}
)
async def change(playlist_id: PlaylistId, body: PlaylistChange, me: SignedInDep) -> PlaylistOut:
    playlist = await rename_playlist(me.session, playlist_id, body.name, actor_did=me.user.did)
    return me.answer(playlist)


@router.delete(
    "/{playlist_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete the playlist, its items and its dismissals",
    responses=_FOLLOWED,
)
async def delete(playlist_id: PlaylistId, me: SignedInDep) -> None:
    await delete_playlist(me.session, playlist_id, actor_did=me.user.did)


@router.post(
    "/{playlist_id}/tracks",
    summary="Append a track",
    responses={
        **_OWNED,
        409: error_response_doc(
            "The track is already in the playlist, or the playlist is a followed ATProto "
            "record (edited where it was made)"
        ),
        **BODY_ERRORS,
    },
)
async def add_track(playlist_id: PlaylistId, body: NewTrack, me: SignedInDep) -> PlaylistOut:
    playlist = await append_track(me.session, playlist_id, body.track_id, actor_did=me.user.did)
    return me.answer(playlist)


@router.delete("/{playlist_id}/tracks/{track_id}", summary="Remove a track", responses=_FOLLOWED)
async def delete_track(
    playlist_id: PlaylistId, track_id: TrackIdPath, me: SignedInDep
) -> PlaylistOut:
    playlist = await remove_track(me.session, playlist_id, track_id, actor_did=me.user.did)
    return me.answer(playlist)


@router.put(
    "/{playlist_id}/tracks",
    summary="Set the order of the tracks (same set)",
    responses={**_FOLLOWED, **BODY_ERRORS},
)
async def set_order(playlist_id: PlaylistId, body: TrackOrder, me: SignedInDep) -> PlaylistOut:
    playlist = await reorder_tracks(me.session, playlist_id, body.track_ids, actor_did=me.user.did)
    return me.answer(playlist)
