"""The demo catalog: built once into <data dir>/demo, reused after, always embedded, and
with recommendations that make sense (a style's playlist is answered in that style).

Small sizes keep these quick; tests/cli builds the full-size demo once.
"""

from __future__ import annotations

import asyncio
import json
import os
import stat
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any

import httpx
import pytest

from segue.api import create_app
from segue.catalog import (
    get_playlist,
    hydrate,
    open_database,
    revoke_token,
    token_id_of,
    verify_token,
)
from segue.ingest import DEMO_VERSION, build_demo, demo_settings
from segue.ingest._demo_catalog import DEMO_SEED, generate_demo
from segue.recommendations import recommend
from segue.settings import Settings
from segue.vectors import LocalVectorStore

from .ingest_support import count_rows

SMALL: dict[str, Any] = {"tracks": 900, "artists": 60, "dim": 32}


def stamps(root):
    return {
        name: (st.st_ino, st.st_mtime_ns)
        for name in ("segue.db", "vectors.usearch", "demo.json")
        for st in [os.stat(root / name)]
    }


@pytest.fixture
def plain(tmp_path):
    return Settings(data_dir=tmp_path / "data")


async def test_builds_then_reuses(plain):
    first = await build_demo(plain, **SMALL)
    root = plain.data_dir / "demo"
    assert first.built
    assert first.data_dir == root
    assert first.settings.database_url is None
    assert [len(p.track_ids) for p in first.playlists] == [1, 4, 25]
    before = stamps(root)

    second = await build_demo(plain, **SMALL)
    assert not second.built
    assert stamps(root) == before  # nothing was rewritten
    assert second.token == first.token
    assert second.playlists == first.playlists
    assert second.user == first.user


async def test_two_at_once_build_once(plain):
    first, second = await asyncio.gather(build_demo(plain, **SMALL), build_demo(plain, **SMALL))
    assert sorted([first.built, second.built]) == [False, True]
    assert first.token == second.token


async def test_catalog_contents(plain):
    info = await build_demo(plain, **SMALL)
    expected = generate_demo(**SMALL, seed=DEMO_SEED)
    database = open_database(info.settings)
    store = LocalVectorStore(info.settings.index_path)
    try:
        assert await count_rows(database, "tracks") == SMALL["tracks"]
        assert await count_rows(database, "artists") == len(expected.covers)
        assert await store.count() == SMALL["tracks"]
        assert await store.dimension() == SMALL["dim"]
        async with database.sessionmaker() as s:
            user = await verify_token(s, info.token)
            tracks = await hydrate(s, list(range(1, 51)))
            for demo_playlist in info.playlists:
                stored = await get_playlist(s, demo_playlist.id)
                assert stored.owner_did == user.did
                assert stored.name.startswith("Demo: ")
                assert stored.track_ids == demo_playlist.track_ids
                styles = {expected.track_style[t] for t in stored.track_ids}
                assert styles == {demo_playlist.style}
    finally:
        await store.aclose()
        await database.aclose()
    assert user == info.user
    assert user.handle == "demo.segue.example"
    assert info.user.did.startswith("did:plc:")
    for track in tracks:
        assert track.artist_handle.endswith(".demo.segue.example")
        assert track.image_url is not None
        assert track.image_url.startswith("/demo-covers/")
        cover = info.covers_dir / track.image_url.removeprefix("/demo-covers/")
        svg = ET.fromstring(cover.read_text())  # well-formed
        assert "DEMO" in "".join(svg.itertext())
    token_file = info.data_dir / "demo-token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert token_file.read_text().strip() == info.token
    assert info.login_url("127.0.0.1", 8000) == (f"http://127.0.0.1:8000/login#token={info.token}")
    assert info.token not in repr(info)


async def test_the_big_playlist_is_answered_in_its_style(plain):
    info = await build_demo(plain, **SMALL)
    styles = generate_demo(**SMALL, seed=DEMO_SEED).track_style
    big = info.playlists[2]
    store = LocalVectorStore(info.settings.index_path)
    try:
        ranking = await recommend(store, big.track_ids, limit=10)
    finally:
        await store.aclose()
    got = Counter(styles[int(t)] for t in ranking.ids)
    assert len(ranking.ids) == 10
    assert not set(ranking.ids.tolist()) & set(big.track_ids)
    assert got[big.style] >= 9, got


async def test_another_version_or_size_is_rebuilt(plain):
    await build_demo(plain, **SMALL)
    root = plain.data_dir / "demo"
    marker = json.loads((root / "demo.json").read_text())
    marker["params"]["version"] = DEMO_VERSION - 1
    (root / "demo.json").write_text(json.dumps(marker))
    assert (await build_demo(plain, **SMALL)).built
    smaller = await build_demo(plain, tracks=600, artists=40, dim=16)
    assert smaller.built
    store = LocalVectorStore(smaller.settings.index_path)
    try:
        assert (await store.count(), await store.dimension()) == (600, 16)
    finally:
        await store.aclose()


async def test_a_half_built_demo_is_rebuilt(plain):
    await build_demo(plain, **SMALL)
    (plain.data_dir / "demo" / "vectors.usearch").unlink()
    info = await build_demo(plain, **SMALL)
    assert info.built
    assert (plain.data_dir / "demo" / "vectors.usearch").exists()


@pytest.mark.parametrize("damaged", ["segue.db", "vectors.usearch", "demo.json"])
async def test_a_damaged_demo_is_rebuilt(plain, damaged):
    await build_demo(plain, **SMALL)
    (plain.data_dir / "demo" / damaged).write_bytes(b"garbage" * 200)
    info = await build_demo(plain, **SMALL)
    assert info.built
    assert not (await build_demo(plain, **SMALL)).built


async def test_a_revoked_token_is_replaced(plain):
    first = await build_demo(plain, **SMALL)
    database = open_database(first.settings)
    try:
        async with database.sessionmaker() as s:
            await revoke_token(s, token_id_of(first.token))
    finally:
        await database.aclose()
    second = await build_demo(plain, **SMALL)
    assert not second.built
    assert second.token != first.token
    database = open_database(second.settings)
    try:
        async with database.sessionmaker() as s:
            assert (await verify_token(s, second.token)).did == first.user.did
    finally:
        await database.aclose()


async def test_never_writes_to_the_configured_database(settings, database):
    """Even with SEGUE_DATABASE_URL set (PostgreSQL or another SQLite), the demo stays in
    its own embedded SQLite file."""
    info = await build_demo(settings, **SMALL)
    assert info.settings.database_url is None
    assert info.settings.catalog_url.endswith("/demo/segue.db")
    assert await count_rows(database, "tracks") == 0
    assert await count_rows(database, "users") == 0


def test_demo_settings_are_embedded():
    configured = Settings(
        data_dir="/srv/segue",
        database_url="postgresql://db/segue",
        vector_backend="turbopuffer",
        redis_url="redis://cache:6379/0",
    )
    demo = demo_settings(configured)
    assert str(demo.data_dir) == "/srv/segue/demo"
    assert demo.database_is_embedded
    assert (demo.vector_backend.value, demo.cache_backend.value) == ("local", "memory")
    assert demo.redis_url is None


async def test_the_served_demo_answers_recommendations(plain):
    """The demo as `segue demo` will serve it: its settings, its token, its covers."""
    info = await build_demo(plain, **SMALL)
    styles = generate_demo(**SMALL, seed=DEMO_SEED).track_style
    big = info.playlists[2]
    settings = info.settings.model_copy(update={"ui_dir": plain.data_dir / "no-ui"})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://demo.test") as client:
            auth = {"Authorization": f"Bearer {info.token}"}
            r = await client.get(f"/playlists/{big.id}/recommendations?limit=5", headers=auth)
            assert r.status_code == 200, r.text
            body = r.json()
            cover = await client.get(body["tracks"][0]["image_url"])
    assert body["available"] is True
    ids = [t["id"] for t in body["tracks"]]
    assert len(ids) == 5
    assert not set(ids) & set(big.track_ids)
    assert sum(styles[i] == big.style for i in ids) >= 4
    assert cover.status_code == 200
    assert cover.headers["content-type"].startswith("image/svg+xml")


def _repeated_titles(demo, artist: str) -> list[tuple[str, str]]:
    seen: set[tuple[str, str]] = set()
    repeated = []
    for row in demo.track_rows:
        key = (row[artist], row["title"].casefold())
        if key in seen:
            repeated.append((row["artist_display_name"], row["title"]))
        seen.add(key)
    return repeated


@pytest.mark.parametrize(
    "sizes",
    [
        {},  # the demo itself: its 25-track playlist once held two "Retro Boulevard" by Cruise 84
        {"tracks": 900, "artists": 3, "dim": 4},  # more tracks per artist than word pairs
    ],
    ids=["demo", "crowded"],
)
def test_no_artist_has_two_tracks_of_one_title(sizes):
    demo = generate_demo(**sizes)
    assert _repeated_titles(demo, "artist_did") == []
    # Two artists may draw one name; a listener sees "title by name", so across them too.
    assert _repeated_titles(demo, "artist_display_name") == []
    by_id = {row["id"]: row for row in demo.track_rows}
    for playlist in demo.playlist_rows:
        pairs = {(by_id[t]["artist_did"], by_id[t]["title"]) for t in playlist["tracks"]}
        assert len(pairs) == len(playlist["tracks"])
