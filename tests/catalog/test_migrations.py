"""Migrations on a real PostgreSQL and on SQLite."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from segue.catalog import (
    Database,
    alembic_config,
    current_revision,
    ensure_schema,
    head_revision,
    open_database,
    upgrade,
)
from segue.catalog._models import Base
from segue.errors import SchemaOutdated
from segue.settings import Settings

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
