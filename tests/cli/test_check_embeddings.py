"""`segue check` reports the embedding states, and the failed tracks with their reasons on
request; on PostgreSQL and SQLite."""

from __future__ import annotations

import asyncio
import json

import pytest
from typer.testing import CliRunner

from segue.catalog import claim_embeddings, fail_embedding, open_database, upsert_tracks
from segue.cli import app
from segue.settings import Settings

CDN = "https://cdn.example.com"
ARTIST = {"did": "did:plc:ewvi7nxzyoun6zhxrhs64oiz", "handle": "alice.example.com"}


async def _seed(settings: Settings) -> None:
    database = open_database(settings)
    try:
        tracks = [
            {"id": i, "title": f"T{i}", "artist_did": ARTIST["did"], "image_url": None,
             "audio_url": f"{CDN}/{i}.mp3", "uri": None, "cid": None}
            for i in (1, 2, 3)
        ]  # fmt: skip
        await upsert_tracks(database, [ARTIST], tracks, audio_origins=(CDN,))
        [claim] = await claim_embeddings(database, "w", limit=1, lease_seconds=60)
        await fail_embedding(database, claim, "HTTP 404 from cdn.example.com", retry_in=None)
    finally:
        await database.aclose()


@pytest.fixture
def invoke(settings: Settings, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SEGUE_DATABASE_URL", settings.catalog_url)

    def go(*args: str):
        return CliRunner().invoke(app, ["check", *args, "--data-dir", str(settings.data_dir)])

    return go


def test_counts_by_state_and_failed_reasons_on_request(settings: Settings, invoke) -> None:
    asyncio.run(_seed(settings))
    res = invoke("--json")
    # Tracks and not one vector: damage since issue 26 (the wrong store, or none imported).
    assert res.exit_code == 1, res.output
    report = json.loads(res.stdout)
    assert report["no_vectors_at_all"] is True
    assert report["embeddings"] == {"pending": 2, "done": 0, "failed": 1}
    assert "failed_embeddings" not in report
    listed = json.loads(invoke("--json", "--failed").stdout)["failed_embeddings"]
    assert listed == [
        {
            "id": 1,
            "source": f"{CDN}/1.mp3",
            "attempts": 1,
            "reason": "HTTP 404 from cdn.example.com",
        }
    ]
    text = invoke("--failed").stdout
    assert "embeddings: 2 pending, 0 done, 1 failed" in text
    assert "failed: track 1 after 1 attempt(s): HTTP 404 from cdn.example.com" in text
    assert "--failed lists them" in invoke().stdout
