"""The revisions read without Alembic (``_shipped.py``, ``_revisions.py``) are Alembic's."""

from __future__ import annotations

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from segue.catalog import (
    alembic_config,
    current_revision,
    downgrade,
    ensure_schema,
    head_revision,
    known_revisions,
    open_database,
)
from segue.errors import SchemaNewer
from segue.settings import Settings

BOTH = pytest.mark.parametrize("empty_database_url", ["postgresql", "sqlite"], indirect=True)


def test_shipped_revisions_are_alembics() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert head_revision() == script.get_current_head()
    assert known_revisions() == {rev.revision for rev in script.walk_revisions()}


@BOTH
async def test_current_revision_is_alembics_at_every_step(empty_database_url: str) -> None:
    database = open_database(Settings(database_url=empty_database_url))

    async def alembics() -> str | None:
        async with database.engine.connect() as conn:
            return await conn.run_sync(
                lambda c: MigrationContext.configure(c).get_current_revision()
            )

    try:
        assert await current_revision(database) is None
        assert await alembics() is None
        await ensure_schema(database, migrate=True)
        assert await current_revision(database) == await alembics() == head_revision()
        await downgrade(database, "0004")
        assert await current_revision(database) == await alembics() == "0004"
        # An outdated schema is migrated the rest of the way (Alembic imported only now).
        await ensure_schema(database, migrate=True)
        assert await current_revision(database) == head_revision()
    finally:
        await database.aclose()


@BOTH
async def test_a_newer_schema_is_refused_before_any_migration(empty_database_url: str) -> None:
    database = open_database(Settings(database_url=empty_database_url))
    try:
        await ensure_schema(database, migrate=True)
        async with database.engine.begin() as conn:
            await conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
        for migrate in (True, False):
            with pytest.raises(SchemaNewer, match="9999"):
                await ensure_schema(database, migrate=migrate)
    finally:
        await database.aclose()
