"""``segue db``: migrate the catalog and show its revision."""

from __future__ import annotations

import typer

from segue.catalog import (
    current_revision,
    head_revision,
    known_revisions,
    open_database,
    upgrade,
)

from ._common import err_console, run, settings_from
from ._options import DataDirOption

__all__ = ["app"]

app = typer.Typer(help="The catalog database (SEGUE_DATABASE_URL).", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command(data_dir: DataDirOption = None) -> None:
    """Apply the catalog's migrations (SEGUE_DATABASE_URL, else SQLite in the data dir).

    Safe to repeat, and to run from several machines at once on PostgreSQL. A database
    that a newer Segue has migrated is refused (exit 2): Segue never downgrades.
    """
    settings = settings_from(data_dir)

    async def _go() -> str | None:
        async with open_database(settings) as database:
            await upgrade(database)
            return await current_revision(database)

    revision = run(_go())
    err_console().print(f"catalog database at migration {revision}", highlight=False)


@app.command("current")
def current_command(data_dir: DataDirOption = None) -> None:
    """Print the catalog's migration and how it stands against this Segue's.

    One line on stdout: the revision (`none` for an empty database) and `current`,
    `behind` (run `segue db upgrade`) or `newer` (a newer Segue migrated it: see
    CHANGELOG.md). Exit code 0 when current, 1 otherwise, 2 when it cannot be read.
    Changes nothing.
    """
    settings = settings_from(data_dir)

    async def _go() -> str | None:
        async with open_database(settings) as database:
            return await current_revision(database)

    current = run(_go())
    head = head_revision()
    if current == head:
        typer.echo(f"{current} current")
        return
    if current is not None and current not in known_revisions():
        typer.echo(f"{current} newer (this Segue's newest is {head}; see CHANGELOG.md)")
    else:
        typer.echo(f"{current or 'none'} behind (this Segue needs {head}: run `segue db upgrade`)")
    raise typer.Exit(1)
