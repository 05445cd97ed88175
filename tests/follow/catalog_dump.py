"""The catalog's rows as plain values, to compare two catalogs (timestamps left out: the
times rows were written differ between runs, what they say must not)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from segue.catalog import Database
from segue.catalog._models import Base
from segue.follow import follow_cursor

_TIMES = {"created_at", "updated_at", "revoked_at", "expires_at", "last_used_at"}


async def dump(database: Database) -> dict[str, Any]:
    """Every table's rows as dicts, sorted; ``deleted_at`` only as whether it is set."""
    tables: dict[str, Any] = {}
    async with database.reading() as conn:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in _TIMES]
            rows = (await conn.execute(sa.select(*columns))).all()
            # Rows by column name, so a column added by a later migration moves nothing.
            tables[table.name] = sorted(
                (
                    {
                        column.name: (value is not None) if column.name == "deleted_at" else value
                        for column, value in zip(columns, row, strict=True)
                    }
                    for row in rows
                ),
                key=repr,
            )
    tables["cursor"] = await follow_cursor(database)
    return tables
