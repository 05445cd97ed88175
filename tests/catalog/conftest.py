"""A small seeded catalog on top of the shared ``database`` fixture."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from segue.catalog import Database, UserView, ensure_user
from segue.catalog._models import Artist, Track

AURORA = "did:plc:aurora"
BASSO = "did:plc:basso"
# A real-looking track record reference, for the track that has one.
TRACK_7_URI = "at://did:plc:aurora/fm.segue.track/3kabc2def3ghi"
TRACK_7_CID = "bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a"

HIDDEN = 5
DELETED = 6
AVAILABLE = (1, 2, 3, 4, 7)


@dataclass(frozen=True)
class Seeded:
    alice: UserView
    bob: UserView


@pytest.fixture
async def session(database: Database) -> AsyncIterator[AsyncSession]:
    async with database.sessionmaker() as s:
        yield s


@pytest.fixture
async def seeded(database: Database) -> Seeded:
    """Two users, two artists and seven tracks: 5 is hidden, 6 deleted, 7 has a record."""
    async with database.sessionmaker() as s:
        alice = await ensure_user(s, "did:plc:alice", "alice.example.com", "Alice")
        bob = await ensure_user(s, "did:plc:bob", "bob.example.com", None)
        s.add_all(
            [
                Artist(did=AURORA, handle="aurora.example.com", display_name="Aurora Sky"),
                Artist(did=BASSO, handle="basso.example.com", display_name="Basso Profundo"),
            ]
        )
        s.add_all(
            [
                Track(id=1, title="Ambient Waves", artist_did=AURORA, image_url="https://i/1"),
                Track(id=2, title="Night Drive", artist_did=AURORA),
                Track(id=3, title="Deep Bass", artist_did=BASSO),
                Track(id=4, title="Morning Light", artist_did=BASSO),
                Track(id=HIDDEN, title="Hidden Gem", artist_did=AURORA, visible=False),
                Track(
                    id=DELETED,
                    title="Gone Song",
                    artist_did=BASSO,
                    deleted_at=datetime(2025, 1, 1, tzinfo=UTC),
                ),
                Track(id=7, title="On Record", artist_did=AURORA, uri=TRACK_7_URI, cid=TRACK_7_CID),
            ]
        )
        await s.commit()
    return Seeded(alice=alice, bob=bob)
