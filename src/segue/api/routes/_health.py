"""``/healthz`` (the process is alive) and ``/readyz`` (each dependency, and whether the
server is useful); both answer HEAD too, for probes that send it."""

from __future__ import annotations

from fastapi import APIRouter, Response

from .._deps import ResourcesDep
from .._readiness import check_dependencies
from .._schemas import DependencyOut, ReadinessOut

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.head("/healthz", include_in_schema=False)
@router.get("/healthz", summary="The process is alive")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.head("/readyz", include_in_schema=False)
@router.get(
    "/readyz",
    summary="Each dependency's state; 503 while a required one is unusable",
    responses={503: {"model": ReadinessOut, "description": "A required dependency is unusable"}},
)
async def readyz(resources: ResourcesDep, response: Response) -> ReadinessOut:
    dependencies = await check_dependencies(resources)
    ready = all(d.ok or not d.required for d in dependencies)
    if not ready:
        response.status_code = 503
    return ReadinessOut(
        status="ok" if ready else "unavailable",
        dependencies={
            d.name: DependencyOut(ok=d.ok, required=d.required, status=d.status, vectors=d.vectors)
            for d in dependencies
        },
    )
