"""``segue import tracks|vectors|playlists``: validated, all-or-nothing imports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from segue.catalog import CatalogIndexGeneration, mark_vectors_imported
from segue.ingest import (
    PlaylistsResult,
    TracksResult,
    VectorsResult,
    import_playlists,
    import_tracks,
    import_vectors,
    read_playlists,
    read_tracks,
    read_vectors,
    resolve_uris,
)
from segue.vectors import open_store

from ._common import err_console, exit_on_error, open_catalog, run, settings_from
from ._options import DataDirOption, option_no_default
from ._progress import progress_bar, progress_steps

__all__ = ["app"]

app = typer.Typer(
    help="Import tracks, vectors and playlists (validated, all or nothing, idempotent).",
    no_args_is_help=True,
)

FileArgument = Annotated[
    Path, typer.Argument(metavar="FILE", exists=True, dir_okay=False, readable=True)
]


def _format_option(choices: str) -> object:
    return option_no_default(
        "--format",
        help=f"{choices} (default: from the file name's suffix).",
    )


@app.command("tracks")
def tracks(
    file: FileArgument,
    fmt: Annotated[str | None, _format_option("jsonl or csv")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Import tracks and their artists from JSONL or CSV.

    Fields: id (integer, 0 to 2**53 - 1), title, artist_did, artist_handle, and
    optionally artist_display_name, image_url, audio_url (an http(s) preview the
    page can play), uri, cid, visible, deleted.

    visible and deleted (true or false) hide a track, take it down or restore it;
    absent, a track keeps its state.

    Existing tracks are updated; the whole file is checked first, and any problem
    (listed with its line) means nothing is written.
    """
    settings = settings_from(data_dir)
    with progress_bar(settings.progress_seconds) as bar:
        steps = progress_steps(bar)
        with exit_on_error():
            batch = read_tracks(file, fmt, steps=steps)

        async def _go() -> TracksResult:
            async with open_catalog(settings) as database:
                return await import_tracks(
                    database, batch, steps=steps, audio_origins=settings.audio_origin_list
                )

        result = run(_go())
    err_console().print(
        f"imported {result.tracks:,} tracks ({result.new_tracks:,} new) by "
        f"{result.artists:,} artists ({result.new_artists:,} new)",
        highlight=False,
    )


@app.command("vectors")
def vectors(
    file: FileArgument,
    ids: Annotated[
        Path | None,
        typer.Option(
            "--ids",
            metavar="IDS.txt",
            help="For .npy files: one integer track id, or one track AT-URI, per line, in "
            "row order.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    fmt: Annotated[str | None, _format_option("npy, parquet or jsonl")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Import embeddings into the vector store; existing ids are replaced.

    Only vectors the store lacks or holds differently are written, and only they
    refresh cached recommendations: importing the same file again changes nothing.
    The last line says how many changed.

    NPY (float32, one row per track) with --ids; Parquet with an integer id column and a
    list or fixed-size-list vector column; or JSONL {"id": ..., "vector": [...]}. Every
    row is validated first (ids, duplicates, NaN, dimension against the store), and the
    local index file is replaced atomically: a failed import leaves it as it was.

    Tracks may be named by their record's AT-URI instead of an id: {"uri", "vector"} in
    JSONL, a uri column in Parquet, AT-URIs in the ids file. The catalog gives each URI
    its id (once, for ever; the track gets it when `segue follow` brings its record).
    """
    settings = settings_from(data_dir)
    with exit_on_error():
        data = read_vectors(file, fmt, ids_path=ids)

    async def _go() -> VectorsResult:
        async with open_catalog(settings) as database:
            resolved = await resolve_uris(database, data)
            async with open_store(settings, writing=True) as store:
                with progress_bar(settings.progress_seconds) as bar:
                    result = await import_vectors(
                        store,
                        resolved,
                        generation=CatalogIndexGeneration(database),
                        source=str(file),
                        steps=progress_steps(bar),
                    )
            # Tracks with these vectors need no embedding (made elsewhere): done.
            await mark_vectors_imported(database, resolved.ids.tolist())
            return result

    result = run(_go())
    err_console().print(
        f"imported {result.vectors:,} vectors of dimension {result.dimension}: "
        f"{result.changed:,} changed, {result.vectors - result.changed:,} already in the "
        f"store as they are; the store now holds {result.total:,}",
        highlight=False,
    )


@app.command("playlists")
def playlists(file: FileArgument, data_dir: DataDirOption = None) -> None:
    r"""Import playlists from JSONL: {"id", "owner_did", "name", "tracks": \[ids in order]}.

    The owner must be a user, or the row must give owner_handle (and optionally
    owner_display_name) to create one. Every track must be in the catalog. Record CIDs
    are computed; existing playlists (same owner) are replaced by the file's version.
    """
    settings = settings_from(data_dir)
    with progress_bar(settings.progress_seconds) as bar:
        steps = progress_steps(bar)
        with exit_on_error():
            records = read_playlists(file, steps=steps)

        async def _go() -> PlaylistsResult:
            async with open_catalog(settings) as database:
                return await import_playlists(database, records, source=str(file), steps=steps)

        result = run(_go())
    err_console().print(
        f"imported {result.playlists:,} playlists ({result.new_playlists:,} new, "
        f"{result.rewritten:,} changed); {result.new_users:,} new users",
        highlight=False,
    )
