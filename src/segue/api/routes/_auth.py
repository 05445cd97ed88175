"""``/auth``: signing out, which revokes the token the request carries."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from .._deps import BearerToken, ResourcesDep
from ._common import ERRORS, error_response_doc

__all__ = ["router"]

# Signing out takes no input (no 422) and spends no budget (no 429): see logout().
router = APIRouter(prefix="/auth", tags=["auth"], responses={s: ERRORS[s] for s in (401, 503)})


@router.post(
    "/logout",
    summary="Sign out: revoke the token this request carries",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={
        403: error_response_doc(
            "A platform token: its actors do not sign it out, its operator revokes it"
        )
    },
)
async def logout(token: BearerToken, resources: ResourcesDep) -> Response:
    # auth.logout verifies first: only a valid token is revoked (anything else is the
    # usual 401). No CurrentUser, so no budget is spent: a 429 here would leave a token
    # working that its holder asked to revoke. The token stops working in this process at
    # once, in the others within SEGUE_TOKEN_CACHE_SECONDS.
    await resources.auth.logout(token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
