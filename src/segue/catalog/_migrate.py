"""Alembic migrations, run from code on the catalog's async engine.

Only what migrates imports this module (and so Alembic); the revisions a database is at
and this Segue ships are read without it (``_revisions.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from segue.errors import Conflict

from ._db import Database, database_errors
from ._revisions import read_revision
from ._shipped import refuse_newer

__all__ = ["alembic_config", "downgrade", "upgrade"]

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
        refuse_newer(read_revision(conn))
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
