"""Alembic migrations, run from code on the catalog's async engine."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from segue.errors import SchemaOutdated

from ._db import Database, database_errors

__all__ = ["alembic_config", "current_revision", "ensure_schema", "head_revision", "upgrade"]

# Any constant works; it only has to be the same in every Segue process.
_MIGRATION_LOCK_KEY = 0x5E6E_0001


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """Alembic's configuration, built in code (no ``alembic.ini``) so it works from the wheel.

    To write a new migration, see ``docs/catalog.md``.
    """
    config = Config()
    config.set_main_option("script_location", "segue.catalog:migrations")
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration shipped with this version of Segue."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "segue.catalog ships at least one migration"
    return head


async def current_revision(database: Database) -> str | None:
    """The migration the database is at; ``None`` for an empty database."""
    async with database_errors(), database.engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def upgrade(database: Database, revision: str = "head") -> None:
    """Apply migrations up to ``revision``, in one transaction where the database allows.

    Safe to run from several processes at once on PostgreSQL: they take turns on an
    advisory lock, and the later ones find nothing left to do.

        >>> await upgrade(open_database(Settings()))  # doctest: +SKIP
    """

    def _run(conn: sa.Connection) -> None:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_MIGRATION_LOCK_KEY)))
        command.upgrade(alembic_config(conn), revision)

    async with database_errors(), database.engine.begin() as conn:
        await conn.run_sync(_run)


async def ensure_schema(database: Database, *, migrate: bool) -> None:
    """Make sure the schema is current: migrate if ``migrate``, else fail with a clear hint.

    ``segue serve`` and the CLI migrate the embedded SQLite database themselves; a shared
    PostgreSQL is migrated on purpose, with ``segue db upgrade``.
    """
    if migrate:
        await upgrade(database)
        return
    current = await current_revision(database)
    if current != head_revision():
        raise SchemaOutdated(
            f"the database schema is at migration {current or '(none)'} and this Segue "
            f"needs {head_revision()}: run `segue db upgrade`"
        )
