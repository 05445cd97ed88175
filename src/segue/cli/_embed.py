"""``segue embed``: CLAP embeddings of audio files into the vector store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from segue.catalog import CatalogIndexGeneration
from segue.vectors import open_store

from ._common import err_console, open_catalog, run, settings_from
from ._embed_catalog import embed_catalog_command
from ._options import DataDirOption, option_no_default
from ._progress import progress_bar

if TYPE_CHECKING:
    from segue.ingest.clap import EmbedReport, FileOutcome

__all__ = ["embed"]

# The modules `segue[clap]` brings; an ImportError naming another one is a bug, not a
# missing extra, and is left to propagate.
_EXTRA_MODULES = frozenset({"torch", "transformers", "soundfile", "soxr", "_soundfile_data"})


def embed(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATH",
            help="Audio files, or folders searched recursively for .wav .flac .ogg .mp3 files.",
            exists=True,
            show_default=False,
        ),
    ] = None,
    catalog: Annotated[
        bool,
        typer.Option(
            "--catalog",
            help="Embed the catalog's pending tracks (audio on SEGUE_AUDIO_ORIGINS or PDS "
            "blobs) instead of files, then exit.",
        ),
    ] = False,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            help="With --catalog: keep running, picking up new pending tracks within seconds.",
        ),
    ] = False,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="10-second windows per model call.")
    ] = 8,
    model: Annotated[
        str | None,
        option_no_default(
            "--model",
            help="A saved ClapModel folder or hub id (overrides SEGUE_CLAP_MODEL).",
        ),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Embed audio files, or the catalog's tracks, with CLAP (needs the clap extra).

    Each file becomes one track: 10-second windows at 48 kHz mono, embedded,
    mean-pooled, then L2-normalised. Unchanged files are skipped; unreadable
    ones are reported and skipped. Track ids and tags go to
    tracks.embedded.jsonl in the data dir, ready for `segue import tracks`.
    Vectors are written every 64 files or 5 minutes; each write that changes
    one refreshes cached recommendations, so what an interrupted run wrote is
    used at once.

    --catalog embeds the catalog's pending tracks instead: their audio is
    downloaded (SEGUE_AUDIO_ORIGINS only, at most SEGUE_AUDIO_MAX_BYTES),
    retried with backoff up to SEGUE_EMBED_MAX_ATTEMPTS, else marked failed
    with its reason (segue check --failed). Any number of workers may share
    a PostgreSQL catalog; each holds its tracks for SEGUE_EMBED_LEASE_SECONDS.
    """
    settings = settings_from(data_dir)
    model_name = model or settings.clap_model
    if catalog == bool(paths):
        raise typer.BadParameter("give audio files or folders, or --catalog (not both)")
    if watch and not catalog:
        raise typer.BadParameter("--watch goes with --catalog")
    try:
        from segue.ingest.clap import ClapEmbedder, Manifest, embed_files, find_audio_files
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in _EXTRA_MODULES:
            raise
        err_console().print(
            f"[red]error:[/red] segue embed needs the optional extra segue\\[clap] "
            f"({exc.name} is missing): pip install 'segue\\[clap]', or uv sync --extra clap",
            highlight=False,
        )
        raise typer.Exit(2) from None
    if catalog:
        embed_catalog_command(settings, model_name=model_name, batch_size=batch_size, watch=watch)
        return
    assert paths is not None

    files, missing = find_audio_files(paths)

    async def _go() -> EmbedReport:
        # The catalog first: a write moves its index generation, so it must answer before
        # hours of embedding rather than after.
        async with (
            open_catalog(settings) as database,
            open_store(settings, writing=True) as store,
        ):
            with progress_bar(settings.progress_seconds) as bar:
                task = bar.add_task("embedding audio", total=len(files))

                def on_outcome(outcome: FileOutcome) -> None:
                    bar.advance(task)
                    if outcome.result == "failed":
                        _say(f"[yellow]skipped:[/yellow] {escape(outcome.detail)}")

                report = await embed_files(
                    files,
                    store=store,
                    generation=CatalogIndexGeneration(database),
                    manifest=Manifest.load(settings.embed_manifest_path),
                    tracks_path=settings.embedded_tracks_path,
                    model_name=model_name,
                    load_embedder=lambda: ClapEmbedder.load(model_name),
                    batch_size=batch_size,
                    on_outcome=on_outcome,
                )
        return report

    for path, reason in missing:
        _say(f"[yellow]skipped:[/yellow] {escape(str(path))}: {reason}")
    report = run(_go())
    embedded = report.with_result("embedded")
    failed = report.count("failed") + len(missing)
    _say(
        f"embedded {len(embedded):,} file(s) ({sum(o.windows for o in embedded):,} windows), "
        f"{report.count('unchanged'):,} unchanged, {failed:,} unreadable; "
        f"{report.vectors_changed:,} vector(s) changed in the store; "
        f"{report.tracks_written:,} tracks listed in {escape(str(settings.embedded_tracks_path))}"
    )


def _say(markup: str) -> None:
    # Paths stay on one line (copyable) and brackets in file names are escaped by callers.
    err_console().print(markup, highlight=False, soft_wrap=True)
