"""``segue follow``: keep the catalog in sync with ATProto records through Jetstream."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn

from segue.atproto import is_nsid
from segue.errors import Misconfigured
from segue.follow import COLLECTIONS, Collections, FollowOptions, FollowStats, follow
from segue.metrics import FOLLOW_COUNTERS, start_at_zero

from ._common import DataDirOption, err_console, exit_on_error, open_catalog, run, settings_from
from ._serve import start_metrics_listener

__all__ = ["follow_command"]


def _collection(value: str) -> str:
    if not is_nsid(value):
        raise typer.BadParameter(f"not a collection NSID: {value!r}")
    return value


def follow_command(
    jetstream: Annotated[
        list[str] | None,
        typer.Option(
            "--jetstream",
            metavar="URL",
            help="A Jetstream to read, ws:// or wss:// (/subscribe is added when there is no "
            "path); repeat it for hosts tried in turn (overrides SEGUE_JETSTREAM_URL).",
            show_default=False,
        ),
    ] = None,
    track_collection: Annotated[
        str,
        typer.Option(
            "--track-collection", callback=_collection, help="The collection of track records."
        ),
    ] = COLLECTIONS.track,
    playlist_collection: Annotated[
        str,
        typer.Option(
            "--playlist-collection",
            callback=_collection,
            help="The collection of list records (playlists: listType absent or playlist).",
        ),
    ] = COLLECTIONS.playlist,
    once: Annotated[
        bool,
        typer.Option(
            "--once", help="Stop once caught up: when no event has arrived for --idle seconds."
        ),
    ] = False,
    idle: Annotated[
        float,
        typer.Option("--idle", metavar="SECONDS", min=0.1, help="The quiet time --once waits."),
    ] = 5.0,
    cursor: Annotated[
        int | None,
        typer.Option(
            "--cursor",
            metavar="TIME_US",
            min=0,
            help="Where to start while the catalog holds no cursor yet (unix microseconds; 0: "
            "the oldest event the server keeps). Default: the live tail. Ignored once a "
            "cursor is stored.",
            show_default=False,
        ),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Follow track and playlist records on ATProto through Jetstream, into the catalog.

    A long-running process beside `segue serve`: each batch of events and the cursor
    covering it are written in one transaction, so it can be stopped or killed at any
    moment and resumes where it was. Metrics on SEGUE_METRICS_PORT when it is set.
    See docs/atproto.md.
    """
    settings = settings_from(data_dir)
    urls = jetstream or settings.jetstream_urls
    if not urls:
        with exit_on_error():
            raise Misconfigured("give --jetstream URL, or set SEGUE_JETSTREAM_URL")
    options = FollowOptions(
        urls=tuple(urls),
        collections=Collections(track=track_collection, playlist=playlist_collection),
        once=once,
        idle_seconds=idle,
        start_cursor=cursor,
    )
    start_metrics_listener(settings, follow=True)
    start_at_zero(FOLLOW_COUNTERS)
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        console=err_console,
        disable=not sys.stderr.isatty(),
    )
    task = progress.add_task("connecting", total=None)

    def show(stats: FollowStats) -> None:
        where = f"following {stats.host}" if stats.host else "connecting"
        progress.update(task, description=f"{where}: {stats.summary()}")

    async def _go() -> FollowStats:
        async with open_catalog(settings) as database:
            return await follow(database, options, on_progress=show)

    with progress:
        stats = run(_go())
    err_console.print(f"caught up: {stats.summary()}", highlight=False)
