"""One handler turns every error into ``{"error": ..., "detail": ...}`` with its status."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from segue.errors import RateLimited, SegueError, Unauthorized

from ._headers import SECURITY_HEADERS

__all__ = ["error_response", "install_error_handlers"]

log = logging.getLogger("segue.api")


def error_response(
    status: int, error: str, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail}, status_code=status, headers=headers)


async def _segue_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SegueError)
    if exc.status_code >= 500:
        # The specifics (a driver's message, a host, a path) go to the log only; the
        # client gets the class's generic detail (segue.errors).
        log.warning("%s %s: %s", request.method, request.url.path, exc.detail)
    headers = None
    if isinstance(exc, Unauthorized):
        headers = {"WWW-Authenticate": "Bearer"}
    elif isinstance(exc, RateLimited):
        headers = {"Retry-After": str(exc.retry_after)}
    return error_response(exc.status_code, exc.error, exc.client_detail, headers)


def _describe(errors: list[dict[str, object]]) -> str:
    parts = []
    for err in errors[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")  # type: ignore[attr-defined]
        parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
    return "; ".join(parts)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(422, "invalid_input", _describe(list(exc.errors())))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    # 400 comes from FastAPI when a body cannot be decoded at all (not UTF-8).
    names = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}
    error = names.get(exc.status_code, "http_error")
    return error_response(exc.status_code, error, str(exc.detail), dict(exc.headers or {}))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # The last resort for bugs: logged with the trace, never shown to the client.
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    # Starlette answers this one outside every middleware, so it brings its own headers
    # (no-store whoever asked: an error is never worth keeping).
    return error_response(
        500,
        "internal_error",
        "an internal error occurred; it has been logged",
        {**SECURITY_HEADERS, "Cache-Control": "no-store"},
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SegueError, _segue_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
