"""What revision a database is at, and making sure it is current, without Alembic.

Every command opens the catalog through :func:`ensure_schema`, and Alembic (with Mako and
its own SQLAlchemy helpers) costs about a third of a second of CPU to import: read the
``alembic_version`` table directly, and import Alembic (``_migrate.py``) only to migrate
(issue 26). ``tests/catalog/test_revisions.py`` holds these answers to Alembic's own.

    >>> await current_revision(database)  # doctest: +SKIP
    '0009'
    >>> await ensure_schema(database, migrate=False)  # doctest: +SKIP
"""

from __future__ import annotations

import sqlalchemy as sa

from segue.errors import Conflict, SchemaOutdated

from ._db import Database, database_errors
from ._shipped import head_revision, refuse_newer

__all__ = ["current_revision", "ensure_schema", "read_revision"]


def read_revision(conn: sa.Connection) -> str | None:
    """The revision in ``alembic_version`` on a synchronous connection; ``None``: no schema."""
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    found = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(found) > 1:
        raise Conflict(f"the database records several schema revisions at once: {sorted(found)}")
    return found[0] if found else None


async def current_revision(database: Database) -> str | None:
    """The migration the database is at; ``None`` for an empty database."""
    async with database_errors(), database.engine.connect() as conn:
        return await conn.run_sync(read_revision)


async def ensure_schema(database: Database, *, migrate: bool) -> None:
    """Make sure the schema is current: migrate if ``migrate``, else fail with a clear hint.

    ``segue serve`` and the CLI migrate the embedded SQLite database themselves; a shared
    PostgreSQL is migrated on purpose, with ``segue db upgrade``. A current schema costs
    one read, and no Alembic.
    """
    current = await current_revision(database)
    refuse_newer(current)
    if current == head_revision():
        return
    if migrate:
        # Alembic only now: a command on a current catalog never imports it.
        from ._migrate import upgrade

        await upgrade(database)  # under its lock: another process may have done it meanwhile
        return
    raise SchemaOutdated(
        f"the database schema is at migration {current or '(none)'} and this Segue "
        f"needs {head_revision()}: run `segue db upgrade`"
    )
