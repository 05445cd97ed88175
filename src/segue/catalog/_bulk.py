"""Bulk upserts that write only what changed, on PostgreSQL and SQLite alike (the
catalog's own machinery for imports; ``segue.follow`` borrows ``chunks`` through
``segue.catalog.tables``).

``INSERT ... ON CONFLICT (key) DO UPDATE SET ... WHERE <some column differs>``, sent as
one executemany per chunk. The ``WHERE`` makes a repeated import a true no-op: rows whose
values are already there are not touched, so even ``updated_at`` stays as it was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ._progress import Advance

__all__ = ["CHUNK_ROWS", "chunks", "refresh_statistics", "row_count", "table_of", "upsert_rows"]

# Rows per executemany: large enough that round trips do not dominate, small enough that
# the progress bar moves and one batch's parameters stay modest in memory.
CHUNK_ROWS = 5000


def chunks(items: Sequence[Any], size: int = CHUNK_ROWS) -> list[Sequence[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def table_of(model: Any) -> sa.Table:
    """The Core table of an ORM model (Core statements skip the ORM's per-row overhead)."""
    table = model.__table__
    assert isinstance(table, sa.Table)
    return table


def _upsert_statement(
    session: AsyncSession,
    table: sa.Table,
    key: Sequence[str],
    update: Sequence[str],
    flags: Sequence[str] = (),
) -> Any:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(table)
    if not update and not flags:
        return stmt.on_conflict_do_nothing(index_elements=list(key))
    excluded = stmt.excluded
    differs = [table.c[name].is_distinct_from(excluded[name]) for name in update]
    set_: dict[str, Any] = {name: excluded[name] for name in update}
    for name in flags:
        old, new = table.c[name], excluded[name]
        # Set or cleared, not re-stamped: a track deleted again keeps its deletion time.
        differs.append(
            sa.or_(
                sa.and_(old.is_(None), new.is_not(None)), sa.and_(old.is_not(None), new.is_(None))
            )
        )
        set_[name] = sa.case((new.is_(None), None), else_=sa.func.coalesce(old, new))
    changed = sa.or_(*differs)
    if "updated_at" in table.c:
        set_["updated_at"] = datetime.now(UTC)
    return stmt.on_conflict_do_update(index_elements=list(key), set_=set_, where=changed)


async def upsert_rows(
    session: AsyncSession,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    key: Sequence[str],
    update: Sequence[str],
    advance: Advance,
    flags: Sequence[str] = (),
) -> None:
    """Insert ``rows``, or update the columns ``update`` of those whose ``key`` exists and
    differ (with no ``update``, leave existing rows alone); inside the caller's transaction
    (nothing is committed here).

    ``flags`` are nullable timestamp columns that stand for a yes/no (``deleted_at``): only
    whether they are NULL counts, and a timestamp already there is kept.
    """
    if not rows:
        return
    stmt = _upsert_statement(session, table, key, update, flags)
    for chunk in chunks(rows):
        await session.execute(stmt, list(chunk))
        advance(len(chunk))


async def row_count(session: AsyncSession, table: sa.Table) -> int:
    """Rows in ``table`` as this transaction sees them.

    Counting before and after an import says how many rows were new, without looking up
    each key: a long ``IN (...)`` list against a table whose statistics are stale (just
    bulk-loaded) can get a sequential-scan plan that takes minutes on PostgreSQL.
    """
    return int((await session.execute(sa.select(sa.func.count()).select_from(table))).scalar_one())


async def refresh_statistics(session: AsyncSession, *tables: sa.Table) -> None:
    """``ANALYZE`` the tables on PostgreSQL, inside the import's transaction.

    Right after a bulk load the planner still believes the tables are as small as before
    (autovacuum analyses them only later), and plans chosen on that belief, cached in
    prepared statements, can be very slow. Measured: re-importing 100k tracks right after
    importing them took 103 s without this, a few seconds with it. SQLite's planner does
    not need it for key lookups.
    """
    if session.get_bind().dialect.name == "postgresql":
        names = ", ".join(table.name for table in tables)
        await session.execute(sa.text(f"ANALYZE {names}"))
