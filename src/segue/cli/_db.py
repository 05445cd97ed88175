"""``segue db``: migrate the catalog and show its revision."""

from __future__ import annotations

import typer

from segue.catalog import current_revision, open_database, upgrade

from ._common import DataDirOption, err_console, run, settings_from

__all__ = ["app"]

app = typer.Typer(help="The catalog database (SEGUE_DATABASE_URL).", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command(data_dir: DataDirOption = None) -> None:
    """Apply the catalog's migrations (SEGUE_DATABASE_URL, else SQLite in the data dir).

    Safe to repeat, and to run from several machines at once on PostgreSQL.
    """
    settings = settings_from(data_dir)

    async def _go() -> str | None:
        async with open_database(settings) as database:
            await upgrade(database)
            return await current_revision(database)

    revision = run(_go())
    err_console.print(f"catalog database at migration {revision}", highlight=False)
