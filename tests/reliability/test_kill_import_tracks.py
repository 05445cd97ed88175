"""SIGKILL in the middle of `segue import tracks`: the catalog holds the old tracks or the
new ones, never a mix, `segue check` reports what the index then has that the catalog has
not, and the same import run again completes it.

PostgreSQL, which the import writes in one transaction: the test waits until the import's
connection is inserting tracks, then kills the command (the installed `segue`).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path

import asyncpg
import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from segue.catalog import open_database
from segue.catalog._models import Artist, Track
from segue.consistency import ConsistencyReport, check_consistency
from segue.settings import Settings
from segue.vectors import LocalVectorStore

from ..support import segue_binary

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

OLD, NEW = 2000, 20_000
ARTIST = "did:plc:artist"
GUARD = 120.0  # seconds for one import on a loaded machine
ATTEMPTS = 3


async def _seed(settings: Settings) -> None:
    database = open_database(settings)
    try:
        async with database.sessionmaker() as s:
            s.add(Artist(did=ARTIST, handle="artist.example.com"))
            await s.flush()
            rows = [{"id": i, "title": f"Old {i}", "artist_did": ARTIST} for i in range(1, OLD + 1)]
            await s.execute(sa.insert(Track), rows)
            await s.commit()
    finally:
        await database.aclose()
    # The vectors came first (as `segue embed` writes them): every new track has one.
    vectors = np.random.default_rng(0).normal(size=(NEW, 4)).astype(np.float32)
    await LocalVectorStore(settings.index_path).upsert(np.arange(1, NEW + 1), vectors)


async def _titles(settings: Settings) -> dict[int, str]:
    database = open_database(settings)
    try:
        async with database.sessionmaker() as s:
            return dict((await s.execute(sa.select(Track.id, Track.title))).all())
    finally:
        await database.aclose()


async def _reset(settings: Settings) -> None:
    database = open_database(settings)
    try:
        async with database.sessionmaker() as s:
            await s.execute(sa.delete(Track).where(Track.id > OLD))
            await s.execute(sa.update(Track).values(title="Old " + sa.cast(Track.id, sa.String)))
            await s.commit()
    finally:
        await database.aclose()


async def _report(settings: Settings) -> ConsistencyReport:
    database = open_database(settings)
    try:
        return await check_consistency(database, LocalVectorStore(settings.index_path))
    finally:
        await database.aclose()


async def _writing(admin: asyncpg.Connection, database: str) -> bool:
    return bool(
        await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 "
            "AND state = 'active' AND query ILIKE 'INSERT INTO tracks%'",
            database,
        )
    )


async def _connected(admin: asyncpg.Connection, database: str) -> int:
    return int(
        await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 "
            "AND application_name = 'segue' AND pid <> pg_backend_pid()",
            database,
        )
    )


async def _kill_while_writing(command: list[str], env: dict[str, str], url: str) -> int | None:
    database = make_url(url).database
    assert database
    admin = await asyncpg.connect(url.replace("+asyncpg", ""), timeout=10)
    try:
        proc = await asyncio.create_subprocess_exec(
            *command, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
        )
        async with asyncio.timeout(GUARD):
            # Polling the server's view: there is no event to wait on.
            while proc.returncode is None and not await _writing(admin, database):  # noqa: ASYNC110
                await asyncio.sleep(0.002)
            if proc.returncode is None:
                proc.send_signal(signal.SIGKILL)
            code = await proc.wait()
            # PostgreSQL rolls the transaction back once it sees the client gone.
            while await _connected(admin, database):  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        return code
    finally:
        await admin.close()


async def test_sigkill_while_writing_tracks(settings: Settings, tmp_path: Path):
    await _seed(settings)
    source = tmp_path / "tracks.jsonl"
    source.write_text(
        "".join(
            json.dumps({"id": i, "title": f"New {i}", "artist_did": ARTIST,
                        "artist_handle": "artist.example.com"}) + "\n"
            for i in range(1, NEW + 1)
        )
    )  # fmt: skip
    command = [
        segue_binary(),
        "import",
        "tracks",
        str(source),
        "--data-dir",
        str(settings.data_dir),
    ]
    env = {**os.environ, "SEGUE_DATABASE_URL": settings.catalog_url}
    for _ in range(ATTEMPTS):
        code = await _kill_while_writing(command, env, settings.catalog_url)
        titles = await _titles(settings)
        if code == -signal.SIGKILL:
            break
        await _reset(settings)  # it committed before the poller saw it: start again
    assert code == -signal.SIGKILL, f"the import ended by itself ({code}) every time"

    old = {i: f"Old {i}" for i in range(1, OLD + 1)}
    new = {i: f"New {i}" for i in range(1, NEW + 1)}
    assert titles in (old, new), "a mix of the old catalog and the new one"
    report = await _report(settings)  # what `segue check` reports
    if titles == old:
        assert not report.consistent
        assert report.vectors_without_tracks == list(range(OLD + 1, NEW + 1))
        assert report.tracks_without_vectors == []
    else:
        assert report.consistent

    done = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    async with asyncio.timeout(GUARD):
        _, err = await done.communicate()
    assert done.returncode == 0, err
    assert await _titles(settings) == new
    assert (await _report(settings)).consistent
