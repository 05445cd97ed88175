"""Alembic environment: runs on the connection that :func:`segue.catalog.upgrade` passes in.

There is no ``alembic.ini``: the configuration is built in code, so the migrations ship
inside the wheel and run wherever Segue is installed (``segue db upgrade``).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from segue.catalog._models import Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run migrations with `segue db upgrade` (segue.catalog.upgrade)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
