"""``/docs``: Swagger UI from this origin's own files, when ``SEGUE_API_DOCS=true``.

FastAPI's own ``/docs`` loads Swagger UI from a CDN and starts it with an inline script;
the Content-Security-Policy refuses both. Here the page loads two files that the
``docs`` extra (``swagger-ui-py``, which packages Swagger UI's release files) installs,
and a start-up script that is a file too, so the page runs under the same policy as the
rest of the site.

    >>> mount_docs(app)  # doctest: +SKIP
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response

from segue.errors import Misconfigured

__all__ = ["mount_docs"]

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Segue API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/start.js"></script></body></html>
"""
_START = "window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui' });\n"
_FILES = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css"}


def _swagger_files() -> Path:
    # find_spec rather than import: the package's own module pulls in jinja2 and YAML for
    # the frameworks it supports; only its files are used here.
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise Misconfigured(
            "SEGUE_API_DOCS=true needs Swagger UI's files: install the docs extra "
            "(uv sync --extra docs, or pip install 'segue[docs]')"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def mount_docs(app: FastAPI) -> None:
    """Serve ``/docs`` (the page, its start-up script and Swagger UI's two files)."""
    static = _swagger_files()
    router = APIRouter(include_in_schema=False)

    @router.get("/docs")
    async def page() -> HTMLResponse:
        return HTMLResponse(_PAGE)

    @router.get("/docs/start.js")
    async def start() -> Response:
        return Response(_START, media_type="text/javascript")

    def serve_file(name: str, media_type: str) -> None:
        async def file() -> FileResponse:
            return FileResponse(static / name, media_type=media_type)

        router.add_api_route(f"/docs/{name}", file, methods=["GET"])

    for name, media_type in _FILES.items():
        serve_file(name, media_type)
    app.include_router(router)
