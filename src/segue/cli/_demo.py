"""``segue demo``: build the demo catalog once, then serve it signed in."""

from __future__ import annotations

import contextlib
import socket
from typing import Annotated

import typer
import uvicorn
from rich.table import Table

from segue._runtime import serving_collector
from segue.api import create_app
from segue.catalog import TrackView, hydrate, open_database
from segue.ingest import DemoInfo, DemoPlaylist, build_demo
from segue.recommendations import recommend
from segue.settings import Settings
from segue.vectors import open_store

from ._common import err_console, out_console, run, settings_from
from ._options import DataDirOption
from ._progress import progress_bar, progress_steps
from ._serve import HostOption, PortOption, start_metrics_listener, uvicorn_options

__all__ = ["demo"]

_SHOWN = 5


class _AnnouncingServer(uvicorn.Server):
    """A uvicorn server that prints ``line`` once its socket accepts connections.

    uvicorn's ``startup`` runs the app's lifespan, then binds and listens, then sets
    ``started``: printing after it means a click on the printed address finds a server.
    """

    def __init__(self, config: uvicorn.Config, line: str) -> None:
        super().__init__(config)
        self.line = line

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            typer.echo(self.line)


def _serve_announcing(settings: Settings, host: str, port: int, line: str) -> None:
    """Serve like ``segue serve`` (one process), printing ``line`` once it listens."""
    config = uvicorn.Config(
        create_app(settings),
        host=host,
        port=port,
        **uvicorn_options(settings),
    )
    start_metrics_listener(settings)
    serving_collector()
    # A port already taken ends uvicorn's startup with its own message and exit code.
    # A second Ctrl+C during shutdown is no error, as uvicorn.run treats it.
    with contextlib.suppress(KeyboardInterrupt):
        _AnnouncingServer(config, line).run()


def demo(
    host: HostOption = None,
    port: PortOption = None,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the API and UI after building.")
    ] = True,
    data_dir: DataDirOption = None,
) -> None:
    """Build the demo catalog (once), show its recommendations, and serve it signed in.

    The catalog goes to <data dir>/demo; the printed address opens the UI signed in as
    the demo user. It is printed once the server accepts connections (with --no-serve,
    right away).

    The catalog is generated, not real music: 5,000 tracks by about 300 artists in 15
    styles, with embeddings clustered by style and artist, a demo user and three
    playlists (1, 4 and 25 tracks). Always embedded: SQLite, the local index and the
    in-process cache, whatever SEGUE_DATABASE_URL and the other settings say.
    """
    settings = settings_from(data_dir, host=host, port=port)
    host, port = settings.host, settings.port

    async def _go() -> tuple[DemoInfo, list[tuple[DemoPlaylist, list[TrackView], list[TrackView]]]]:
        with progress_bar(settings.progress_seconds) as bar:
            info = await build_demo(settings, steps=progress_steps(bar))
        # The store is closed first, and the database even when closing the store fails.
        async with open_database(info.settings) as database, open_store(info.settings) as store:
            shown = []
            for playlist in info.playlists:
                ranking = await recommend(
                    store, playlist.track_ids, limit=_SHOWN, strategy=info.settings.strategy
                )
                async with database.sessionmaker() as session:
                    tracks = await hydrate(session, playlist.track_ids[:_SHOWN])
                    recs = await hydrate(session, ranking.ids.tolist(), limit=_SHOWN)
                shown.append((playlist, tracks, recs))
            return info, shown

    info, shown = run(_go())
    state = "built" if info.built else "already built"
    err_console().print(
        f"demo catalog ({state}; generated data, not real music) in {info.data_dir}",
        highlight=False,
    )
    console = out_console()
    for playlist, tracks, recs in shown:
        table = Table("", "track", "artist", title=f"{playlist.name} ({len(playlist.track_ids)})")
        for track in tracks:
            table.add_row("in", track.title, track.artist_display_name or track.artist_handle)
        if len(playlist.track_ids) > len(tracks):
            table.add_row("", f"... {len(playlist.track_ids) - len(tracks)} more", "")
        for rank, track in enumerate(recs, 1):
            table.add_row(f"+{rank}", track.title, track.artist_display_name or track.artist_handle)
        console.print(table)
    line = f"Sign in as the demo user: {info.login_url(host, port)}"
    if serve:
        _serve_announcing(info.settings, host, port, line)
    else:
        typer.echo(line)
