"""``segue recommend``: recommendations from the command line, for a playlist of the
catalog (``--playlist ID``, the service's own answer) or for a list of track ids (the
vector store alone)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from segue.engine import DEFAULT_STRATEGY, STRATEGIES, Ranking
from segue.errors import InvalidInput
from segue.limits import TRACK_ID_MAX
from segue.recommendations import RecommendationPage
from segue.recommendations import recommend as run_recommend
from segue.settings import Settings
from segue.vectors import open_store

from ._common import exit_on_error, out_console, run, settings_from
from ._options import DataDirOption, option_no_default
from ._playlist_recommendations import page_as_dict, playlist_page

__all__ = ["recommend"]


def recommend(
    track_ids: Annotated[
        list[int] | None,
        typer.Argument(
            metavar="TRACK_ID",
            help="The tracks of a playlist that is not in the catalog (at most 2**53 - 1, "
            "what a browser holds exactly): the vector store alone is searched.",
            min=0,
            max=TRACK_ID_MAX,
            show_default=False,
        ),
    ] = None,
    playlist: Annotated[
        str | None,
        option_no_default(
            "--playlist",
            metavar="ID",
            help="A playlist of the catalog: the service's own answer, as the API gives it "
            "to the playlist's owner (titles and artists; variety, duplicates, hidden tracks "
            "and dismissals applied; the cache read and written).",
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, help="How many tracks to recommend.")
    ] = 3,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help='Print [{"id": ..., "distance": ...}] for TRACK_IDs; for --playlist, the '
            "API's answer: {tracks: [{id, title, artist_handle, artist_display_name, "
            "because}], available, more}.",
        ),
    ] = False,
    strategy: Annotated[
        str | None,
        option_no_default(
            "--strategy",
            help=f"One of {', '.join(STRATEGIES)} (default: SEGUE_STRATEGY, else "
            f"{DEFAULT_STRATEGY}). With TRACK_IDs, together ranks as blend, since no other "
            "playlists are read.",
        ),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Recommend tracks to add to a playlist (--playlist ID) or to TRACK_IDs, best first.

    With --playlist ID, the service's own pipeline answers, exactly as the API
    (GET /playlists/ID/recommendations) answers the playlist's owner: titles
    and artists, with the duplicate and artist-variety rules, without hidden,
    deleted or dismissed tracks, through the recommendation cache.

    With TRACK_IDs, the vector store alone is searched, with the strategy: the
    nearest vectors to the given tracks, by id and distance. It is not what
    the API answers for a playlist: no duplicate or artist-variety rule, no
    hidden, deleted or dismissed tracks left out, no cache, no titles. Use it
    to look at the store and the strategies themselves.
    """
    with exit_on_error():
        if (playlist is None) == (not track_ids):
            raise InvalidInput("give TRACK_IDs or --playlist ID (one of the two)")
    if playlist is not None:
        settings = settings_from(data_dir, strategy=strategy)
        _print_page(run(playlist_page(settings, playlist, limit=limit)), as_json)
        return
    assert track_ids
    _print_nearest(settings_from(data_dir), track_ids, limit, strategy, as_json)


def _print_page(page: RecommendationPage, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(page_as_dict(page)))
        return
    if not page.available:
        # What the UI does with it: no section. Say why it may be.
        out_console().print(
            "no recommendations available (no vector store, an empty playlist, or none of "
            "its tracks has an embedding yet)",
            highlight=False,
        )
        return
    table = Table("rank", "track id", "title", "artist", "because", title="recommendations")
    for rank, track in enumerate(page.tracks, 1):
        table.add_row(
            str(rank),
            str(track.id),
            track.title,
            track.artist_display_name or track.artist_handle,
            "" if track.because is None else track.because.title,
        )
    out_console().print(table)


def _print_nearest(
    settings: Settings, track_ids: list[int], limit: int, strategy: str | None, as_json: bool
) -> None:
    async def _go() -> Ranking:
        async with open_store(settings) as store:
            return await run_recommend(
                store,
                track_ids,
                limit=limit,
                strategy=strategy or settings.strategy,
                near_duplicate_distance=settings.near_duplicate_distance,
            )

    ranking = run(_go())
    rows = [
        {"id": int(i), "distance": round(float(d), 6)}
        for i, d in zip(ranking.ids, ranking.distances, strict=True)
    ]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    table = Table("rank", "track id", "distance", title=f"{len(rows)} recommendations")
    for rank, row in enumerate(rows, 1):
        table.add_row(str(rank), str(row["id"]), f"{row['distance']:.4f}")
    out_console().print(table)
