"""``segue vectors sync``: copy the vector index between backends."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from segue.catalog import CatalogIndexGeneration
from segue.settings import VectorBackend
from segue.vectors import SyncReport, open_store, sync_stores

from ._common import err_console, open_catalog, run, settings_from
from ._options import DataDirOption, option_no_default
from ._progress import progress_bar

__all__ = ["app"]

app = typer.Typer(help="Manage the vector index.", no_args_is_help=True)


class Backend(StrEnum):
    """The backends that hold vectors (``disabled`` holds none)."""

    LOCAL = VectorBackend.LOCAL.value
    TURBOPUFFER = VectorBackend.TURBOPUFFER.value


@app.command("sync")
def sync(
    source: Annotated[
        Backend,
        option_no_default(
            "--from",
            help="Backend to copy from: local or turbopuffer.",
        ),
    ],
    target: Annotated[
        Backend,
        option_no_default(
            "--to",
            help="Backend to copy into: local or turbopuffer.",
        ),
    ],
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Ids read from the source at a time.")
    ] = 1000,
    rewrite: Annotated[
        bool,
        typer.Option("--rewrite", help="Write every vector, even those the target already has."),
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Copy the vector index from one backend to another, e.g. --from local --to turbopuffer.

    Safe to re-run after an interruption: it skips what the target already holds. Into
    turbopuffer, writes wait out its write backpressure (429 while indexing catches up)
    for up to SEGUE_TURBOPUFFER_WRITE_PATIENCE_SECONDS.

    Ids that exist only in the target are left alone.

    Backends are configured as usual: SEGUE_DATA_DIR, SEGUE_TURBOPUFFER_*.
    """
    settings = settings_from(data_dir)
    if source is target:
        raise typer.BadParameter("--from and --to must be two different backends")

    async def _go() -> SyncReport:
        src_settings = settings.model_copy(update={"vector_backend": VectorBackend(source)})
        dst_settings = settings.model_copy(update={"vector_backend": VectorBackend(target)})
        async with (
            open_catalog(settings) as database,
            open_store(src_settings, writing=True) as src,
            open_store(dst_settings, writing=True) as dst,
        ):
            total = await src.count()
            with progress_bar(settings.progress_seconds) as bar:
                task = bar.add_task(f"{source.value} -> {target.value}", total=total)
                report = await sync_stores(
                    src,
                    dst,
                    generation=CatalogIndexGeneration(database),
                    read_batch=batch_size,
                    skip_unchanged=not rewrite,
                    on_progress=lambda n: bar.advance(task, n),
                )
        return report

    report = run(_go())
    err_console().print(
        f"{report.scanned:,} vectors in {source.value}: {report.written:,} written, "
        f"{report.unchanged:,} already in {target.value}; "
        f"{source.value} holds {report.source_count:,}, {target.value} {report.target_count:,}"
    )
    if report.target_count < report.source_count or not report.complete:
        err_console().print(
            f"[red]error:[/red] {target.value} holds fewer vectors than {source.value}; "
            "run the same command again to finish"
        )
        raise typer.Exit(1)
    if report.target_count > report.source_count:
        extra = report.target_count - report.source_count
        err_console().print(
            f"note: {target.value} also holds {extra:,} ids that {source.value} lacks"
        )
