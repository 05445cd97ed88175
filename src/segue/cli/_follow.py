"""``segue follow``: keep the catalog in sync with ATProto records through Jetstream;
``segue follow backfill``: read the records that already exist from their PDSes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from segue.atproto import DidResolver, HttpClient, XrpcClient, is_nsid
from segue.catalog import Database
from segue.errors import Misconfigured
from segue.follow import (
    COLLECTIONS,
    BackfillOptions,
    BackfillStats,
    Collections,
    FollowStats,
    Gap,
    Trust,
    backfill,
    clear_follow_gap,
    follow,
    follow_options,
)
from segue.metrics import BACKFILL_COUNTERS, FOLLOW_COUNTERS, start_at_zero
from segue.settings import Settings

from ._common import (
    Wiring,
    err_console,
    exit_on_error,
    open_catalog,
    run,
    settings_from,
    wiring,
)
from ._options import DataDirOption, option_no_default
from ._progress import progress_bar, progress_status
from ._serve import start_metrics_listener

__all__ = ["app"]

app = typer.Typer(no_args_is_help=False)


def _collection(value: str) -> str:
    if not is_nsid(value):
        raise typer.BadParameter(f"not a collection NSID: {value!r}")
    return value


# The stream and the backfill read the same collections (their playlist help differs).
TrackCollectionOption = Annotated[
    str,
    typer.Option(
        "--track-collection", callback=_collection, help="The collection of track records."
    ),
]


def _playlist_collection(help: str) -> Any:
    return typer.Option("--playlist-collection", callback=_collection, help=help)


@app.callback(invoke_without_command=True)
def follow_command(
    ctx: typer.Context,
    jetstream: Annotated[
        list[str] | None,
        option_no_default(
            "--jetstream",
            metavar="URL",
            help="A Jetstream to read, ws:// or wss:// (/subscribe is added when there is no "
            "path); repeat it for hosts tried in turn (overrides SEGUE_JETSTREAM_URL).",
        ),
    ] = None,
    track_collection: TrackCollectionOption = COLLECTIONS.track,
    playlist_collection: Annotated[
        str,
        _playlist_collection(
            "The collection of list records (playlists: listType absent or playlist)."
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
        option_no_default(
            "--cursor",
            metavar="TIME_US",
            min=0,
            help="Where to start while the catalog holds no cursor yet (unix microseconds; 0: "
            "the oldest event the server keeps). Default: the live tail. Ignored once a "
            "cursor is stored.",
        ),
    ] = None,
    backfill_on_gap: Annotated[
        bool,
        typer.Option(
            "--backfill-on-gap",
            help="When a Jetstream host cannot replay from the cursor (a gap), run the "
            "backfill (the accounts of SEGUE_RELAY_URL) before going on with the stream.",
        ),
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Follow track and playlist records on ATProto through Jetstream, into the catalog.

    A long-running process beside `segue serve`: each batch of events and the cursor
    covering it are written in one transaction, so it can be stopped or killed at any
    moment and resumes where it was. A host silent about the collections for
    SEGUE_FOLLOW_SILENCE_SECONDS is left for the next; a window no host replays is a gap
    (`segue check` reports it). Metrics on SEGUE_METRICS_PORT when it is set. On day one,
    run `segue follow backfill` first. See docs/atproto.md.
    """
    if ctx.invoked_subcommand is not None:
        return
    settings = settings_from(data_dir)
    urls = jetstream or settings.jetstream_urls
    if not urls:
        with exit_on_error():
            raise Misconfigured("give --jetstream URL, or set SEGUE_JETSTREAM_URL")
    if backfill_on_gap and settings.relay_url is None:
        with exit_on_error():
            raise Misconfigured("--backfill-on-gap reads the accounts from SEGUE_RELAY_URL: set it")
    collections = Collections(track=track_collection, playlist=playlist_collection)
    start_metrics_listener(settings, follow=True)
    start_at_zero(FOLLOW_COUNTERS)
    # Off a terminal, a line every SEGUE_PROGRESS_SECONDS: a follower runs for weeks in a
    # journal, where a spinner said nothing between "connecting" and its last line.
    progress = progress_status(settings.progress_seconds)
    task = progress.add_task("connecting", total=None)

    def show(stats: FollowStats) -> None:
        where = f"following {stats.host}" if stats.host else "connecting"
        progress.update(task, description=f"{where}: {stats.summary()}")

    async def _go() -> FollowStats:
        async with (
            open_catalog(settings) as database,
            _atproto_http(settings, wiring(ctx), relay=settings.relay_url) as http,
        ):
            resolver = DidResolver(
                http, plc_url=settings.plc_url, cache_seconds=settings.did_cache_seconds
            )
            on_gap = None
            if backfill_on_gap:

                async def on_gap(gap: Gap) -> None:
                    err_console().print(f"a gap on {gap.host}: backfilling", highlight=False)
                    stats = await _backfill(
                        database,
                        settings,
                        _backfill_options(settings, collections, relay=settings.relay_url, dids=()),
                        wired=wiring(ctx),
                    )
                    err_console().print(f"backfilled: {stats.summary()}", highlight=False)

            options = follow_options(
                settings,
                urls,
                collections=collections,
                once=once,
                idle_seconds=idle,
                start_cursor=cursor,
                on_gap=on_gap,
                resolver=resolver,
            )
            return await follow(database, options, on_progress=show)

    with progress:
        stats = run(_go())
    err_console().print(f"caught up: {stats.summary()}", highlight=False)


def _atproto_http(settings: Settings, wired: Wiring, *, relay: str | None = None) -> HttpClient:
    """The process's one HTTP client for ATProto reads (close it with ``async with``).

    The PLC directory and the relay are the operator's choice, so they may be on loopback;
    any other loopback host (a DID document's PDS, a did:web host) is refused, unless
    the program running the command wired it otherwise (the tests' stand-ins).
    """
    return HttpClient(
        connect_timeout=settings.atproto_connect_timeout_seconds,
        read_timeout=settings.atproto_read_timeout_seconds,
        origins=[settings.plc_url, *([relay] if relay else [])],
        allow_loopback=wired.atproto_allow_loopback,
    )


def _backfill_options(
    settings: Settings, collections: Collections, *, relay: str | None, dids: tuple[str, ...]
) -> BackfillOptions:
    return BackfillOptions(
        dids=dids,
        relay=relay,
        collections=collections,
        per_pds=settings.backfill_pds_concurrency,
        trust=Trust(settings.hide_label_set, settings.suggest_gated),
        max_lists_per_account=settings.follow_max_lists_per_account,
        audio_origins=settings.audio_origin_list,
    )


async def _backfill(
    database: Database,
    settings: Settings,
    options: BackfillOptions,
    on_progress: Callable[[BackfillStats], None] = lambda _stats: None,
    *,
    wired: Wiring,
) -> BackfillStats:
    """The backfill with the process's one HTTP client; the gap is forgotten once every
    repository was read."""
    async with _atproto_http(settings, wired, relay=options.relay) as http:
        resolver = DidResolver(
            http, plc_url=settings.plc_url, cache_seconds=settings.did_cache_seconds
        )
        stats = await backfill(
            database, XrpcClient(http), resolver, options, on_progress=on_progress
        )
    if options.relay is not None and not stats.failed:
        await clear_follow_gap(database)
    return stats


@app.command("backfill")
def backfill_command(
    ctx: typer.Context,
    relay: Annotated[
        str | None,
        option_no_default(
            "--relay",
            metavar="URL",
            help="A relay whose com.atproto.sync.listReposByCollection names the accounts "
            "(overrides SEGUE_RELAY_URL).",
        ),
    ] = None,
    did: Annotated[
        list[str] | None,
        typer.Option("--did", metavar="DID", help="An account to read; repeat it for more."),
    ] = None,
    dids_file: Annotated[
        Path | None,
        typer.Option(
            "--dids-file",
            metavar="FILE",
            exists=True,
            dir_okay=False,
            help="Accounts to read, one DID a line (blank lines and # comments skipped).",
        ),
    ] = None,
    track_collection: TrackCollectionOption = COLLECTIONS.track,
    playlist_collection: Annotated[
        str, _playlist_collection("The collection of list records.")
    ] = COLLECTIONS.playlist,
    concurrency: Annotated[
        int | None,
        option_no_default(
            "--concurrency",
            min=1,
            max=64,
            help="Requests in flight to one PDS (overrides SEGUE_BACKFILL_PDS_CONCURRENCY).",
        ),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Read the track and playlist records that already exist, from the accounts' PDSes.

    The accounts come from a relay (--relay, SEGUE_RELAY_URL) or are given (--did,
    --dids-file); each DID resolves to its PDS (did:plc through SEGUE_PLC_URL, did:web
    through its well-known document). Records are applied as the stream's are: a newer
    version from the stream is never overwritten, and a stored record the repository no
    longer holds is deleted. Resumable: run it again after a kill and it goes on where it
    stopped; run again later, it reads again the repositories whose rev moved (one request
    for each that did not). On day one, run it before `segue follow`. See docs/atproto.md.
    """
    settings = settings_from(data_dir)
    given = list(did or [])
    if dids_file is not None:
        for line in dids_file.read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                given.append(line)
    source = relay or (settings.relay_url if not given else None)
    if source is None and not given:
        with exit_on_error():
            raise Misconfigured(
                "give --relay URL, --did DID or --dids-file FILE, or set SEGUE_RELAY_URL"
            )
    if concurrency is not None:
        settings = settings.model_copy(update={"backfill_pds_concurrency": concurrency})
    collections = Collections(track=track_collection, playlist=playlist_collection)
    options = _backfill_options(settings, collections, relay=source, dids=tuple(given))
    bar = progress_bar(settings.progress_seconds)
    task = bar.add_task("repositories", total=None)

    def show(stats: BackfillStats) -> None:
        bar.update(task, total=stats.total, completed=stats.repos)

    async def _go() -> BackfillStats:
        async with open_catalog(settings) as database:
            return await _backfill(database, settings, options, show, wired=wiring(ctx))

    start_metrics_listener(settings, follow=True)
    start_at_zero(BACKFILL_COUNTERS)
    with bar:
        stats = run(_go())
    err_console().print(f"backfilled: {stats.summary()}", highlight=False)
    for failed_did, why in sorted(stats.failed.items())[:20]:
        err_console().print(f"  {failed_did}: {why}", highlight=False)
    if stats.failed:
        raise typer.Exit(1)
