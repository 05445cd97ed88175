"""GET /tracks?q= with SQL and wildcard metacharacters: exactly the tracks whose title,
artist handle or artist name contain the query literally, nothing else, nothing harmed.

The catalog's own tests cover search_tracks; these go through HTTP (URL encoding, the
query parameter's validation) and compare with a plain Python oracle over every track.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from segue.catalog import Database
from segue.catalog._models import Artist, Track

from ..api.conftest import World

ODD = {
    901: "100% Pure",
    902: "100 Pure",
    903: "snake_case",
    904: "snakeXcase",
    905: "back\\slash",
    906: "backslash",
    907: "O'Brien",
    908: 'Say "hi"',
    909: "Robert'); DROP TABLE tracks; --",
    910: "[abc] *star* ?what?",
    911: "a\\%b",
    912: "Café Ångström",
}
QUERIES = [
    "%", "%%", "_", "__", "e_c", "\\", "\\%", "%_", "'", "''", '"', "'; --",
    "Robert'); DROP TABLE tracks; --", "DROP TABLE", "[abc]", "[a-c]", "*", "?", "*star*",
    "' OR '1'='1", "1=1", "track", "TRACK 1", "artist0.example", ".", "é", "Café", "a\\%b",
]  # fmt: skip


@pytest.fixture
async def odd_tracks(world: World, database: Database) -> list[tuple[int, str, str, str | None]]:
    async with database.sessionmaker() as s:
        await s.execute(
            sa.insert(Track),
            [{"id": i, "title": t, "artist_did": "did:plc:artist2"} for i, t in ODD.items()],
        )
        await s.commit()
        rows = await s.execute(
            sa.select(Track.id, Track.title, Artist.handle, Artist.display_name)
            .join(Artist, Track.artist_did == Artist.did)
            .where(Track.visible.is_(True), Track.deleted_at.is_(None))
        )
        return [(id_, title, handle, name) for id_, title, handle, name in rows]


def oracle(rows: list[tuple[int, str, str, str | None]], q: str) -> set[int]:
    needle = q.strip().lower()
    return {
        i
        for i, title, handle, name in rows
        if any(needle in (field or "").lower() for field in (title, handle, name))
    }


async def test_metacharacters_match_literally(world: World, odd_tracks, database: Database):
    # One test for every query: the seeded world is what costs, not the requests.
    wrong = {}
    for q in QUERIES:
        expected = oracle(odd_tracks, q)
        assert len(expected) < 100
        r = await world.client.get("/tracks", params={"q": q, "limit": 100}, headers=world.auth())
        assert r.status_code == 200, (q, r.text)
        got = [t["id"] for t in r.json()["tracks"]]
        if len(got) != len(set(got)) or set(got) != expected:
            wrong[q] = (sorted(got), sorted(expected))
    assert not wrong
    async with database.sessionmaker() as s:
        count = await s.scalar(sa.select(sa.func.count()).select_from(Track))
    assert count == 60 + len(ODD)  # nothing was harmed
