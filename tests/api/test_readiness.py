"""Never healthy while useless (issue 26, item 1): one start-up line per dependency with
what is in effect, a loud warning for an empty store beside a catalog with tracks, and a
``/readyz`` that names each dependency and fails while a required one is unusable."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import httpx
import numpy as np
import pytest

from segue.api import create_app
from segue.catalog import open_database
from segue.catalog._models import Artist, Track
from segue.settings import Settings, VectorBackend
from segue.vectors import LocalVectorStore


def _real(path: Path) -> Path:
    return path.resolve()


async def _one_track(settings: Settings) -> None:
    database = open_database(settings)
    try:
        async with database.sessionmaker() as s:
            s.add(Artist(did="did:plc:a", handle="a.example.com"))
            await s.flush()
            s.add(Track(id=7, title="Seven", artist_did="did:plc:a"))
            await s.commit()
    finally:
        await database.aclose()


async def _ready(settings: Settings) -> httpx.Response:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            head = await c.head("/readyz")
            r = await c.get("/readyz")
            assert head.status_code == r.status_code
            return r


async def test_an_empty_store_beside_tracks_is_unready_and_loud(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    await _one_track(settings)
    caplog.set_level(logging.INFO, logger="segue.api")
    r = await _ready(settings.model_copy(update={"ui_dir": settings.data_dir / "no-ui"}))
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "unavailable"
    assert body["dependencies"]["vectors"]["ok"] is False
    assert body["dependencies"]["vectors"]["status"].startswith("empty")
    assert body["dependencies"]["database"]["ok"] is True
    assert "THE VECTOR STORE IS EMPTY while the catalog has tracks" in caplog.text
    assert str(settings.data_dir.resolve()) in caplog.text

    # The vectors arrive: ready, with their count, and no warning at the next start.
    await LocalVectorStore(settings.index_path).upsert(
        np.array([7]), np.full((1, 4), 0.5, np.float32)
    )
    caplog.clear()
    r = await _ready(settings)
    assert r.status_code == 200
    assert r.json()["dependencies"]["vectors"] == {
        "ok": True, "required": True, "status": "ok", "vectors": 1
    }  # fmt: skip
    assert "EMPTY" not in caplog.text
    assert "1 vectors" in caplog.text


async def test_an_empty_catalog_and_store_is_ready(settings: Settings) -> None:
    r = await _ready(settings)
    assert r.status_code == 200
    assert r.json()["dependencies"]["vectors"]["status"] == "ok, empty catalog"


async def test_a_disabled_store_is_not_required(settings: Settings) -> None:
    await _one_track(settings)
    r = await _ready(settings.model_copy(update={"vector_backend": VectorBackend.DISABLED}))
    assert r.status_code == 200
    assert r.json()["dependencies"]["vectors"] == {
        "ok": True, "required": False, "status": "disabled", "vectors": None
    }  # fmt: skip


async def test_startup_lines_name_every_dependency_with_absolute_paths_and_no_secret(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
    postgres_database_url: str,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    secret_url = postgres_database_url.replace("postgres@", "postgres:hunter2@", 1)
    settings = Settings(
        data_dir=Path("rel-data"),
        ui_dir=Path("rel-ui"),
        database_url=secret_url,
        redis_url="redis://:sesame@127.0.0.1:6379/3",
        metrics_port=9100,
    )
    caplog.set_level(logging.INFO, logger="segue.api")
    await _ready(settings)
    lines = [r.getMessage() for r in caplog.records if r.name == "segue.api"]
    by_part = {line.split(":", 1)[0]: line for line in lines}
    root = _real(tmp_path)
    assert {"data dir", "database", "cache", "vectors", "metrics", "ui"} <= set(by_part)
    assert by_part["data dir"] == f"data dir: {root / 'rel-data'}"
    assert f"{root / 'rel-data' / 'vectors.usearch'}" in by_part["vectors"]
    assert f"{root / 'rel-ui'}" in by_part["ui"]
    assert "schema 0" in by_part["database"]
    assert "127.0.0.1:6379/3" in by_part["cache"]
    assert "127.0.0.1:9100" in by_part["metrics"]
    for secret in ("hunter2", "sesame"):
        assert secret not in caplog.text
    assert os.getcwd() == str(tmp_path)
