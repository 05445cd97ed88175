"""Covers and previews with no SEGUE_IMAGE_ORIGINS / SEGUE_AUDIO_ORIGINS: none from
another host is served, and the page's CSP lets none load (docs/atproto.md, Trust)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from segue.api._media import MediaPolicy
from segue.catalog._models import Track
from segue.settings import Settings

from .conftest import World


@pytest.fixture
def api_settings(api_settings: Settings) -> Settings:
    """This module's API: the shared one without any cover or preview origin."""
    return api_settings.model_copy(update={"image_origins": None, "audio_origins": None})


async def test_no_origin_no_cover_no_preview(world: World, database) -> None:
    async with database.sessionmaker() as session:
        await session.execute(sa.update(Track).values(audio_url="https://cdn.example/a.mp3"))
        await session.execute(
            sa.update(Track).where(Track.id == 2).values(image_url="/demo-covers/2.svg")
        )
        await session.commit()
    page = (await world.client.get(f"/playlists/{world.playlist}", headers=world.auth())).json()
    assert {t["id"]: t["image_url"] for t in page["tracks"]} == {
        1: None,
        2: "/demo-covers/2.svg",  # a path on Segue's own server is 'self'
        3: None,
        4: None,
    }
    r = await world.client.get(
        f"/playlists/{world.playlist}/recommendations?limit=3", headers=world.auth()
    )
    assert [(t["image_url"], t["audio_url"]) for t in r.json()["tracks"]] == [(None, None)] * 3
    found = await world.client.get("/tracks?q=Track", headers=world.auth())
    assert {t["image_url"] for t in found.json()["tracks"]} <= {None, "/demo-covers/2.svg"}
    csp = r.headers["content-security-policy"]
    assert "img-src 'self' data:;" in csp
    assert "media-src 'self';" in csp
    assert "http" not in csp


def test_an_origin_is_compared_exactly() -> None:
    policy = MediaPolicy(
        audio_origins=("https://cdn.example",), image_origins=("http://i.ex:8080",)
    )
    assert policy.audio("https://cdn.example/a.mp3") == "https://cdn.example/a.mp3"
    assert policy.audio("https://CDN.example:443/a.mp3") == "https://CDN.example:443/a.mp3"
    assert policy.audio("http://cdn.example/a.mp3") is None  # another scheme
    assert policy.audio("https://cdn.example.evil.com/a.mp3") is None
    assert policy.audio("https://cdn.example:8443/a.mp3") is None  # another port
    assert policy.image("http://i.ex:8080/c.jpg") == "http://i.ex:8080/c.jpg"
    assert policy.image("http://i.ex/c.jpg") is None
    assert policy.image("//i.ex:8080/c.jpg") is None
