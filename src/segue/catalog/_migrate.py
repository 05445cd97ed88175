"""Alembic migrations, run from code on the catalog's async engine."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from segue import __version__
from segue.errors import Conflict, SchemaNewer, SchemaOutdated

from ._db import Database, database_errors

__all__ = [
    "alembic_config",
    "current_revision",
    "downgrade",
    "ensure_schema",
    "head_revision",
    "known_revisions",
    "refuse_newer",
    "upgrade",
]

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


def known_revisions() -> frozenset[str]:
    """Every migration this Segue ships (its newest is :func:`head_revision`)."""
    script = ScriptDirectory.from_config(alembic_config())
    return frozenset(rev.revision for rev in script.walk_revisions())


def refuse_newer(current: str | None) -> None:
    """Raise :class:`SchemaNewer` when ``current`` is a migration this Segue does not know."""
    if current is None or current in known_revisions():
        return
    raise SchemaNewer(
        f"the database schema is at migration {current}, which this Segue ({__version__}, "
        f"newest migration {head_revision()}) does not know: a newer Segue has upgraded it. "
        f"Run a Segue release that accepts {current} (CHANGELOG.md lists each release's "
        f"revisions), or restore the backup taken before that upgrade; `segue db upgrade` "
        f"cannot go back"
    )


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

    await _migrate(database, lambda conn: command.upgrade(alembic_config(conn), revision))


async def downgrade(database: Database, revision: str) -> None:
    """Undo migrations down to ``revision`` (``"base"``: all), as :func:`upgrade` applies
    them; for tests and by hand (Segue itself never downgrades).

        >>> await downgrade(database, "0004")  # doctest: +SKIP
    """
    await _migrate(database, lambda conn: command.downgrade(alembic_config(conn), revision))


async def _migrate(database: Database, step: Callable[[sa.Connection], None]) -> None:
    def _run(conn: sa.Connection) -> None:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_MIGRATION_LOCK_KEY)))
        # Alembic's own answer to an unknown revision is a traceback ("Can't locate
        # revision"); say what it means instead, under the lock, before touching anything.
        refuse_newer(MigrationContext.configure(conn).get_current_revision())
        step(conn)
        if conn.dialect.name == "sqlite":
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").first()
            if broken is not None:
                raise Conflict(f"the migration left rows of {broken[0]} referring to none")

    async with database_errors(), database.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by rebuilding it (batch mode), and with foreign keys on,
            # dropping the old table deletes every row referring to it (ON DELETE CASCADE):
            # items and dismissals would go. Off for the migration (the pragma only takes
            # outside a transaction), checked before the commit, on again after: Alembic's
            # advice for SQLite.
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await conn.commit()
        try:
            async with conn.begin():
                await conn.run_sync(_run)
        finally:
            if sqlite:
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                await conn.commit()


async def ensure_schema(database: Database, *, migrate: bool) -> None:
    """Make sure the schema is current: migrate if ``migrate``, else fail with a clear hint.

    ``segue serve`` and the CLI migrate the embedded SQLite database themselves; a shared
    PostgreSQL is migrated on purpose, with ``segue db upgrade``.
    """
    if migrate:
        await upgrade(database)  # refuses a newer schema itself
        return
    current = await current_revision(database)
    refuse_newer(current)
    if current != head_revision():
        raise SchemaOutdated(
            f"the database schema is at migration {current or '(none)'} and this Segue "
            f"needs {head_revision()}: run `segue db upgrade`"
        )
