"""What a client is told when something fails (issue 13, point 5): a generic detail, never
a driver's message, a host or a server path; the log keeps the specifics."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from segue.api import create_app
from segue.errors import SegueError, Unavailable
from segue.settings import Settings

from ..support import free_port

TOKEN = f"segue_{'a' * 16}_{'b' * 43}"


async def test_a_database_that_refuses_is_a_generic_503(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    port = free_port()  # nothing listens: the driver says "[Errno 111] Connection refused"
    settings = Settings(
        data_dir=tmp_path,
        database_url=f"postgresql://segue_user@127.0.0.1:{port}/segue_secret_db",
        database_connect_timeout=1.0,
        cache_backend="memory",
        ui_dir=tmp_path / "no-ui",
    )
    app = create_app(settings)
    caplog.set_level(logging.WARNING, logger="segue.api")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            answers = [
                await c.get("/readyz"),
                await c.get("/me", headers={"Authorization": f"Bearer {TOKEN}"}),
                await c.get("/me/playlists", headers={"Authorization": f"Bearer {TOKEN}"}),
            ]
    for r in answers:
        assert r.status_code == 503, r.text
        if r.url.path == "/readyz":  # each dependency's state, no error body
            assert r.json()["dependencies"]["database"]["status"] == "unavailable"
        else:
            assert r.json() == {"error": "database_unavailable", "detail": "database unavailable"}
        for secret in ("Errno", "refused", str(port), "127.0.0.1", "segue_user", "secret_db"):
            assert secret not in r.text
    # ... and the operator still learns why, from the log.
    assert "Connection refused" in caplog.text or "Errno 111" in caplog.text


def test_every_server_error_has_a_generic_client_detail():
    def subclasses(cls: type[SegueError]) -> list[type[SegueError]]:
        return [cls, *(s for sub in cls.__subclasses__() for s in subclasses(sub))]

    for cls in subclasses(SegueError):
        if cls.status_code >= 500:
            exc = cls("at /srv/segue/data: [Errno 13] Permission denied for user bob@db.internal")
            assert exc.client_detail != exc.detail, cls
            assert "/srv" not in exc.client_detail
            assert "bob" not in exc.client_detail
        else:  # a 4xx describes the client's own request, word for word
            assert cls.public_detail is None, cls
    assert issubclass(Unavailable, SegueError)


async def test_the_ui_not_built_page_names_no_server_path(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    ui_dir = tmp_path / "very-private-place" / "dist"
    settings = Settings(data_dir=tmp_path / "data", cache_backend="memory", ui_dir=ui_dir)
    app = create_app(settings)
    caplog.set_level(logging.WARNING, logger="segue.api")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            r = await c.get("/")
    assert r.status_code == 503
    assert "has not been built" in r.text
    assert "very-private-place" not in r.text
    assert str(tmp_path) not in r.text
    assert "very-private-place" in caplog.text  # the operator is told where it looked
