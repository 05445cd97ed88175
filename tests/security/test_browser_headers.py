"""Issue 13, point 2: every answer carries the browser hardening headers, authenticated
answers are never stored, and no page of this origin loads a third-party script."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from segue.api import create_app
from segue.catalog._models import Track
from segue.settings import Settings

from ..api.conftest import World

EXPECTED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}
FRONTEND = Path(__file__).resolve().parents[2] / "frontend"


def directives(response: httpx.Response) -> dict[str, list[str]]:
    policy = response.headers.get("content-security-policy", "")
    out: dict[str, list[str]] = {}
    for part in policy.split(";"):
        if part.strip():
            name, *values = part.split()
            out[name] = values
    return out


def assert_hardened(response: httpx.Response) -> None:
    what = f"{response.request.method} {response.request.url.path} -> {response.status_code}"
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (what, name, response.headers)
    csp = directives(response)
    assert csp.get("default-src") == ["'self'"], what
    assert csp.get("script-src") == ["'self'"], what  # no 'unsafe-inline', no host
    assert csp.get("frame-ancestors") == ["'none'"], what
    assert csp.get("object-src") == ["'none'"], what
    assert "'unsafe-inline'" not in csp.get("style-src", []), what
    assert "'unsafe-eval'" not in str(csp), what


@pytest.fixture
def ui_dir(tmp_path: Path) -> Path:
    ui = tmp_path / "ui"
    (ui / "assets").mkdir(parents=True)
    (ui / "index.html").write_text('<!doctype html><script type="module" src="/assets/a.js">')
    (ui / "assets" / "a.js").write_text("export {};")
    (ui / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    return ui


async def test_every_kind_of_answer_is_hardened(world: World):
    c, auth = world.client, world.auth()
    answers = [
        await c.get("/healthz"),
        await c.get("/me", headers=auth),  # authenticated JSON
        await c.get("/me"),  # 401
        await c.get(f"/playlists/{world.bobs}", headers=auth),  # 403
        await c.get("/nowhere"),  # unmatched 404
        await c.get("/assets/missing.js"),  # a mounted directory's 404
        await c.delete("/healthz"),  # 405
        await c.get("/tracks?limit=0", headers=auth),  # 422
        await c.post(
            "/playlists",
            content=b"x" * (world.settings.max_body_bytes + 1),
            headers={**auth, "Content-Type": "application/json"},
        ),  # 413, answered by a middleware
        await c.get("/"),  # the "UI not built" page (503)
        await c.get("/openapi.json"),
        await c.post("/auth/logout", headers=world.auth(world.bob)),  # 204
    ]
    statuses = [r.status_code for r in answers]
    assert statuses == [200, 200, 401, 403, 404, 404, 405, 422, 413, 503, 200, 204]
    for r in answers:
        assert_hardened(r)


async def test_an_unhandled_error_is_hardened_too(world: World):
    # Starlette answers an unhandled exception outside every middleware.
    async def boom() -> None:
        raise RuntimeError("a bug")

    world.app.add_api_route("/boom", boom)
    r = await world.client.get("/boom")
    assert r.status_code == 500
    assert r.json()["error"] == "internal_error"
    assert_hardened(r)


async def test_authenticated_answers_are_never_stored(world: World):
    c, auth = world.client, world.auth()
    dismissed = f"/playlists/{world.playlist}/recommendations/dismissed"
    for r in [
        await c.get("/me", headers=auth),
        await c.get("/me/playlists", headers=auth),
        await c.get(f"/playlists/{world.playlist}", headers=auth),
        await c.get(f"/playlists/{world.playlist}/recommendations", headers=auth),
        await c.get("/tracks?q=Track", headers=auth),
        await c.get(f"/playlists/{world.bobs}", headers=auth),  # an error, authenticated
        # the dismissal routes (issue 14): 204s and an error
        await c.post(dismissed, json={"track_id": 20}, headers=auth),
        await c.delete(f"{dismissed}/20", headers=auth),
        await c.delete(f"{dismissed}/20", headers=auth),  # 404: not dismissed any more
        await c.get("/me", headers=world.auth("segue_nope")),  # a 401 to a bad token
    ]:
        assert r.headers.get("cache-control") == "no-store", (r.request.url, r.headers)
    assert "no-store" not in (await c.get("/healthz")).headers.get("cache-control", "")


async def test_static_files_are_hardened(api_settings: Settings, ui_dir: Path):
    app: FastAPI = create_app(api_settings.model_copy(update={"ui_dir": ui_dir}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://segue.test") as c:
            for path in ("/", "/login", "/playlist/abc", "/assets/a.js", "/favicon.svg"):
                r = await c.get(path)
                assert r.status_code == 200, path
                assert_hardened(r)


async def test_the_api_docs_load_no_third_party_script(world: World):
    # FastAPI's /docs and /redoc pull scripts from a CDN: off. The schema stays.
    assert (await world.client.get("/docs")).status_code == 404
    assert (await world.client.get("/redoc")).status_code == 404
    r = await world.client.get("/openapi.json")
    assert r.status_code == 200
    assert "/auth/logout" in r.json()["paths"]


async def test_api_docs_when_on_come_from_this_origin_only(api_settings: Settings):
    app: FastAPI = create_app(api_settings.model_copy(update={"api_docs": True}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://segue.test") as c:
            page = await c.get("/docs")
            assert page.status_code == 200
            assert_hardened(page)
            scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page.text, flags=re.S)
            sources = [re.search(r'src="([^"]+)"', attrs) for attrs, _ in scripts]
            assert [m.group(1) for m in sources if m] == [
                "/docs/swagger-ui-bundle.js",
                "/docs/start.js",
            ]
            assert all(not body.strip() for _, body in scripts)  # nothing inline
            assert "//" not in re.sub(r"<!doctype[^>]*>", "", page.text)  # no other host
            for path, kind in [
                ("/docs/swagger-ui-bundle.js", "text/javascript"),
                ("/docs/start.js", "text/javascript"),
                ("/docs/swagger-ui.css", "text/css"),
            ]:
                r = await c.get(path)
                assert r.status_code == 200, path
                assert r.headers["content-type"].startswith(kind)
                assert_hardened(r)
            assert "SwaggerUIBundle" in (await c.get("/docs/swagger-ui-bundle.js")).text
            assert (await c.get("/redoc")).status_code == 404
            assert (await c.get("/docs/swagger-editor-bundle.js")).status_code == 404


def test_the_ui_page_has_no_inline_script() -> None:
    """script-src 'self' without 'unsafe-inline' holds only if the page has no inline
    script: the source page (what Vite builds from) loads its one script by src."""
    html = (FRONTEND / "index.html").read_text()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts, "index.html loads the app with a script"
    for attributes, body in scripts:
        assert "src=" in attributes, attributes
        assert not body.strip(), body
    assert not re.search(r"\son[a-z]+=", html), "no inline event handler"
    assert "style=" not in html


def csp_allows(sources: list[str], url: str, origin: str) -> bool:
    """Whether a CSP source list lets the page at ``origin`` load ``url`` (the source
    expressions this policy uses: 'self', 'none', schemes and hosts)."""
    parsed = httpx.URL(url)
    for source in sources:
        if source == "'self'" and f"{parsed.scheme}://{parsed.netloc.decode()}" == origin:
            return True
        # A scheme source; http: also allows https: (CSP level 3).
        if source == f"{parsed.scheme}:" or (source == "http:" and parsed.scheme == "https"):
            return True
        if source in (parsed.host, f"{parsed.scheme}://{parsed.host}"):
            return True
    return False


async def test_the_page_may_play_the_previews_the_api_gives(world: World, database):
    """A suggestion's ``audio_url`` is served only from SEGUE_AUDIO_ORIGINS, and the page's
    CSP lets an <audio> load exactly those (and 'self'): a preview elsewhere is neither
    served nor loadable."""
    async with database.sessionmaker() as session:
        await session.execute(
            sa.update(Track).values(audio_url="https://cdn.example/previews/a.mp3")
        )
        await session.commit()
    r = await world.client.get(
        f"/playlists/{world.playlist}/recommendations?limit=1", headers=world.auth()
    )
    preview = r.json()["tracks"][0]["audio_url"]
    assert preview == "https://cdn.example/previews/a.mp3"
    page = await world.client.get("/")  # the page's own answer carries the same policy
    csp = directives(page)
    media = csp.get("media-src", csp.get("default-src", []))
    assert csp_allows(media, preview, "http://segue.test"), media
    assert not csp_allows(media, "https://elsewhere.example/a.mp3", "http://segue.test"), media
    assert not csp_allows(media, "http://cdn.example/a.mp3", "http://segue.test"), media
    assert not csp_allows(media, "data:audio/mpeg;base64,AAAA", "http://segue.test"), media
    images = csp["img-src"]
    assert csp_allows(images, "https://img.example/1.png", "http://segue.test"), images
    assert not csp_allows(images, "https://tracker.example/1.png", "http://segue.test"), images
