"""``segue recommend``: recommendations for a list of track ids, from the command line."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from segue.engine import DEFAULT_STRATEGY, STRATEGIES, Ranking
from segue.limits import TRACK_ID_MAX
from segue.recommendations import recommend as run_recommend
from segue.vectors import open_store

from ._common import run, settings_from
from ._options import DataDirOption, option_no_default

__all__ = ["recommend"]


def recommend(
    track_ids: Annotated[
        list[int],
        typer.Argument(
            metavar="TRACK_ID...",
            help="The playlist's track ids (at most 2**53 - 1, what a browser holds exactly).",
            min=0,
            max=TRACK_ID_MAX,
        ),
    ],
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, help="How many tracks to recommend.")
    ] = 3,
    as_json: Annotated[
        bool, typer.Option("--json", help='Print [{"id": ..., "distance": ...}].')
    ] = False,
    strategy: Annotated[
        str | None,
        option_no_default(
            "--strategy",
            help=f"One of {', '.join(STRATEGIES)} (default: SEGUE_STRATEGY, else "
            f"{DEFAULT_STRATEGY}). Sound only here: together ranks as blend, since no "
            "other playlists are read.",
        ),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Recommend tracks to add to a playlist of TRACK_IDs, best first.

    This form asks the vector store alone, with the strategy: the nearest vectors to the
    given tracks, by id and distance. It is not what the API answers for a playlist: no
    duplicate or artist-variety rule, no hidden, deleted or dismissed tracks left out, no
    cache, no titles. Use it to look at the store and the strategies themselves.
    """
    settings = settings_from(data_dir)

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
    Console().print(table)
