"""Serving the built UI (frontend/dist) and the demo's cover images."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

__all__ = ["mount_ui"]

log = logging.getLogger("segue.api")

_NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Segue: UI not built</title></head>
<body>
<h1>The Segue UI has not been built</h1>
<p>The API is running (its schema: <a href="/openapi.json">/openapi.json</a>), but there
is no built page to serve in the UI directory (<code>SEGUE_UI_DIR</code>; the server's log
names it).</p>
<p>Build it with <code>make demo</code>, or <code>cd frontend &amp;&amp; npm ci &amp;&amp;
npm run build</code>, then reload this page.</p>
</body></html>
"""

# The client-side routes of the single-page app; each answers with index.html.
_PAGES = ("/", "/login", "/playlist/{playlist_id}")


class _Files(StaticFiles):
    """Static files whose directory may not exist yet: until it does, every file is a 404."""

    async def check_config(self) -> None:
        try:
            await super().check_config()
        except RuntimeError as exc:  # "... does not exist" or "is not a directory": a 500
            raise HTTPException(status_code=404) from exc


def mount_ui(app: FastAPI, ui_dir: Path, covers_dir: Path | None = None) -> None:
    """Serve ``ui_dir`` (assets and the SPA's pages); a clear page when it was not built."""
    router = APIRouter(include_in_schema=False)
    index = ui_dir / "index.html"
    warned = False

    async def page() -> Response:
        nonlocal warned
        if not index.is_file():
            # The page names no server path (issue 13): the operator finds it in the log.
            if not warned:
                log.warning("the UI is not built: there is no %s", index)
                warned = True
            return HTMLResponse(_NOT_BUILT, status_code=503)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    for path in _PAGES:
        router.add_api_route(path, page, methods=["GET"])

    @router.get("/favicon.svg")
    async def favicon() -> Response:
        icon = ui_dir / "favicon.svg"
        return FileResponse(icon) if icon.is_file() else Response(status_code=404)

    app.include_router(router)
    # check_dir=False: the UI may be built after the server started.
    app.mount("/assets", _Files(directory=ui_dir / "assets", check_dir=False), name="assets")
    if covers_dir is not None:
        app.mount("/demo-covers", _Files(directory=covers_dir, check_dir=False), name="demo-covers")
