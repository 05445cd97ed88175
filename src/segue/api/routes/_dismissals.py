"""``/playlists/{id}/recommendations/dismissed``: "not for this playlist", and its undo.

A dismissed track is never suggested for the playlist again and steers its suggestions
away (a negative example); the catalog keeps it, so it survives restarts.
"""

from __future__ import annotations

from fastapi import APIRouter, status

from segue.catalog import dismiss_track, undismiss_track

from .._deps import SignedInDep
from .._schemas import Dismissal
from ._common import BODY_ERRORS, ERRORS, PlaylistId, TrackIdPath, error_response_doc

__all__ = ["router"]

router = APIRouter(
    prefix="/playlists",
    tags=["playlists"],
    responses={
        **ERRORS,
        403: error_response_doc("Not the playlist's owner"),
        404: error_response_doc("No such playlist or track"),
    },
)


@router.post(
    "/{playlist_id}/recommendations/dismissed",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Dismiss a suggestion: not for this playlist",
    responses={
        409: error_response_doc("The track is in the playlist"),
        422: error_response_doc(
            "Malformed input, or the playlist already has the most dismissals it keeps"
        ),
        **BODY_ERRORS,
    },
)
async def dismiss(playlist_id: PlaylistId, body: Dismissal, me: SignedInDep) -> None:
    await dismiss_track(me.session, playlist_id, body.track_id, actor_did=me.user.did)


@router.delete(
    "/{playlist_id}/recommendations/dismissed/{track_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Undo a dismissal: the track may be suggested again",
)
async def undismiss(playlist_id: PlaylistId, track_id: TrackIdPath, me: SignedInDep) -> None:
    await undismiss_track(me.session, playlist_id, track_id, actor_did=me.user.did)
