"""Migrations on a real PostgreSQL and on SQLite."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from segue.atproto import StrongRef
from segue.catalog import (
    Database,
    alembic_config,
    current_revision,
    downgrade,
    ensure_schema,
    head_revision,
    open_database,
    resolve_track_uris,
    upgrade,
)
from segue.catalog._models import Base, Dismissal
from segue.errors import SchemaOutdated
from segue.follow import PlaylistRecord, TrackRecord, apply_follow
from segue.settings import Settings

TRACK_CID = "bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi"
BOTH = pytest.mark.parametrize("empty_database_url", ["postgresql", "sqlite"], indirect=True)


async def _tables(database: Database) -> set[str]:
    async with database.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names()))


@BOTH
async def test_upgrade_creates_every_table_and_is_repeatable(empty_database_url: str) -> None:
    database = open_database(Settings(database_url=empty_database_url))
    try:
        assert await current_revision(database) is None
        await upgrade(database)
        assert await current_revision(database) == head_revision()
        assert await _tables(database) == set(Base.metadata.tables) | {"alembic_version"}
        await upgrade(database)  # nothing left to do, and no error
        assert await current_revision(database) == head_revision()
    finally:
        await database.aclose()


@BOTH
async def test_migrations_match_the_models(empty_database_url: str) -> None:
    database = open_database(Settings(database_url=empty_database_url))
    try:
        await upgrade(database)
        async with database.engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata
                )
            )
        assert diff == []
    finally:
        await database.aclose()


@BOTH
async def test_downgrade_then_upgrade(empty_database_url: str) -> None:
    database = open_database(Settings(database_url=empty_database_url))
    try:
        await upgrade(database)
        async with database.engine.begin() as conn:
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "base"))
        assert await _tables(database) == {"alembic_version"}
        await upgrade(database)
        assert await current_revision(database) == head_revision()
    finally:
        await database.aclose()


@BOTH
async def test_ensure_schema_refuses_an_unmigrated_database(empty_database_url: str) -> None:
    database = open_database(Settings(database_url=empty_database_url))
    try:
        with pytest.raises(SchemaOutdated, match="segue db upgrade"):
            await ensure_schema(database, migrate=False)
        await ensure_schema(database, migrate=True)
        await ensure_schema(database, migrate=False)
        assert await current_revision(database) == head_revision()
    finally:
        await database.aclose()


@BOTH
async def test_downgrading_the_newest_keeps_playlists_items_and_dismissals(
    empty_database_url: str,
) -> None:
    """0005's downgrade rebuilds ``playlists`` on SQLite (a dropped column): the rows that
    refer to it (items, dismissals) must survive the rebuild, not cascade away with it."""
    database = open_database(Settings(database_url=empty_database_url))
    did, cid = "did:plc:ewvi7nxzyoun6zhxrhs64oiz", TRACK_CID
    track_uri = f"at://{did}/fm.plyr.track/3lbtrack22222"
    try:
        await upgrade(database)
        track = TrackRecord(track_uri, did, "3lbrev0000001", cid, 1, "T", "A", None)
        listed = PlaylistRecord(
            f"at://{did}/fm.plyr.list/3lblist222222",
            did,
            "3lbrev0000002",
            cid,
            2,
            "3lblist222222",
            "Mix",
            (StrongRef(track_uri, cid),),
        )
        await apply_follow(database, [track, listed], cursor=2)
        track_id = (await resolve_track_uris(database, [track_uri]))[track_uri]
        async with database.engine.begin() as conn:
            await conn.execute(
                sa.insert(Dismissal).values(playlist_id="3lblist222222", track_id=track_id)
            )
        await downgrade(database, "0004")
        async with database.engine.connect() as conn:
            counts = [
                await conn.scalar(sa.text(f"SELECT count(*) FROM {table}"))
                for table in ("playlists", "playlist_items", "dismissals")
            ]
        assert counts == [1, 1, 1]
    finally:
        await database.aclose()


@BOTH
async def test_upgrading_to_the_newest_keeps_playlists_items_and_dismissals(
    empty_database_url: str,
) -> None:
    """An existing catalog at 0004 upgraded: 0005 adds ``playlists.visible``, and the rows
    that refer to ``playlists`` (items, dismissals) are all still there."""
    database = open_database(Settings(database_url=empty_database_url))
    try:
        await upgrade(database, "0004")
        async with database.engine.begin() as conn:
            for statement in (
                "INSERT INTO artists (did, handle) VALUES ('did:plc:a', 'a.example.com')",
                "INSERT INTO users (did, handle) VALUES ('did:plc:a', 'a.example.com')",
                "INSERT INTO tracks (id, title, artist_did, visible) "
                "VALUES (1, 'T', 'did:plc:a', true)",
                "INSERT INTO playlists (id, owner_did, name, record_cid) "
                f"VALUES ('p1', 'did:plc:a', 'Mix', '{TRACK_CID}')",
                "INSERT INTO playlist_items (playlist_id, track_id, position) VALUES ('p1', 1, 0)",
                "INSERT INTO dismissals (playlist_id, track_id) VALUES ('p1', 1)",
            ):
                await conn.execute(sa.text(statement))
        await upgrade(database)
        async with database.engine.connect() as conn:
            counts = [
                await conn.scalar(sa.text(f"SELECT count(*) FROM {table}"))
                for table in ("playlists", "playlist_items", "dismissals")
            ]
            if database.dialect == "sqlite":  # switched off to migrate, on again after
                assert await conn.scalar(sa.text("PRAGMA foreign_keys")) == 1
        assert counts == [1, 1, 1]
    finally:
        await database.aclose()
