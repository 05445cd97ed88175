"""``/healthz`` (the process is alive) and ``/readyz`` (the database answers)."""

from __future__ import annotations

from fastapi import APIRouter

from .._deps import ResourcesDep
from ._common import ERRORS

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is alive")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The database answers", responses={503: ERRORS[503]})
async def readyz(resources: ResourcesDep) -> dict[str, str]:
    await resources.database.ping()
    return {"status": "ok"}
