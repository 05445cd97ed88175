"""What other playlists put with a playlist's tracks: the co-occurrence list of a miss.

One statement, bounded whatever the catalog holds (:class:`CooccurrenceRead`, the
strategy's ``segue.engine.CooccurrenceSample``): for each of the last ``max_seeds``
seeds, the first ``playlists_per_seed`` other visible playlists holding it, in the order
the ``playlist_items.track_id`` index yields them (a cap, not a random sample: one LIMIT
per seed, so a seed in a million playlists reads at most that many index entries); of
each, the items at positions below ``items_per_playlist`` (a range of the
``(playlist_id, position)`` unique index). So it visits at most ``max_seeds x
playlists_per_seed x items_per_playlist`` items. Each playlist votes
``1 / n ** length_exponent`` (``n``: its items in that window) once per seed it was
found with; the ``limit`` best suggestible tracks that are not the playlist's own come
back, ties by id, exactly as :func:`segue.engine.cooccurrence_ranking` scores them (the
evaluation's corpus uses that function; a test holds the two together).

Works on PostgreSQL and SQLite (``power`` is one of SQLite's math functions, built into
the SQLite that Python ships since 3.35).

    >>> async with database.reading() as conn:  # doctest: +SKIP
    ...     ids = await cooccurring_tracks(conn, "3kq2d7x4m5abc", (12, 40), read)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from ._db import database_errors
from ._models import Playlist, PlaylistItem, Track
from ._reads import Reader
from ._tracks import suggestible_track

__all__ = ["CooccurrenceRead", "cooccurring_tracks"]


@dataclass(frozen=True, slots=True)
class CooccurrenceRead:
    """The bounds and weighting of the read; the same fields, with the same meaning, as
    ``segue.engine.CooccurrenceSample`` (the strategy's constants), without the catalog
    depending on the engine."""

    max_seeds: int
    playlists_per_seed: int
    items_per_playlist: int
    limit: int
    length_exponent: float
    spread_seeds: bool = False
    popularity_exponent: float = 0.0
    popularity_cap: int = 20
    popularity_pool: int = 300


def seeds_read(seed_ids: Sequence[int], max_seeds: int, *, spread: bool) -> list[int]:
    """The seeds a read uses (as ``segue.engine.seed_positions``): the last ``max_seeds``
    in playlist order, or ``max_seeds`` spread evenly from the first to the last.

    >>> seeds_read(range(10), 4, spread=True)
    [0, 3, 6, 9]
    """
    seeds = list(seed_ids)
    n = len(seeds)
    if n <= max_seeds:
        return seeds
    if not spread:
        return seeds[n - max_seeds :]
    if max_seeds == 1:
        return [seeds[-1]]
    return [seeds[i * (n - 1) // (max_seeds - 1)] for i in range(max_seeds)]


# Built once per seed count and bounds (at most max_seeds shapes): a miss reuses the
# statement, and SQLAlchemy its compiled form.
@lru_cache(maxsize=64)
def _statement(n_seeds: int, sample: CooccurrenceRead) -> sa.Select[Any]:
    own: sa.BindParameter[str] = sa.bindparam("playlist_id", type_=sa.String)
    per_seed = []
    for i in range(n_seeds):
        found = (
            sa.select(PlaylistItem.playlist_id.label("playlist_id"))
            .join(Playlist, Playlist.id == PlaylistItem.playlist_id)
            .where(
                PlaylistItem.track_id == sa.bindparam(f"seed_{i}"),
                Playlist.visible.is_(True),
                Playlist.id != own,
            )
            .limit(sample.playlists_per_seed)
            .subquery()
        )
        # Each LIMIT inside a subquery of its own: SQLite takes none on a UNION's member.
        per_seed.append(sa.select(found.c.playlist_id))
    sampled = sa.union_all(*per_seed).cte("sampled")
    # Each sampled playlist's window: a range of the (playlist_id, position) unique index.
    window = sa.orm.aliased(PlaylistItem)
    in_window = sa.and_(
        window.playlist_id == sampled.c.playlist_id,
        window.position < sample.items_per_playlist,
    )
    if sample.length_exponent == 0:
        # One vote per (seed, playlist): no lengths to read.
        vote: sa.ColumnElement[Any] = sa.literal(1.0, sa.Float)
        rows = (
            sa.select(window.track_id, vote.label("vote"))
            .select_from(sampled)
            .join(window, in_window)
        )
    else:
        counted = sa.orm.aliased(PlaylistItem)
        lengths = (
            sa.select(counted.playlist_id, sa.func.count().label("n"))
            .where(
                counted.playlist_id.in_(sa.select(sampled.c.playlist_id).distinct()),
                counted.position < sample.items_per_playlist,
            )
            .group_by(counted.playlist_id)
            .cte("lengths")
        )
        vote = sa.literal(1.0, sa.Float) / sa.func.power(
            sa.cast(lengths.c.n, sa.Float), sa.literal(sample.length_exponent, sa.Float)
        )
        rows = (
            sa.select(window.track_id, vote.label("vote"))
            .select_from(sampled)
            .join(lengths, lengths.c.playlist_id == sampled.c.playlist_id)
            .join(window, in_window)
        )
    votes = rows.subquery("votes")
    # Summed first, then filtered: one track lookup per distinct track, not per row.
    scored = (
        sa.select(votes.c.track_id, sa.func.sum(votes.c.vote).label("score"))
        .group_by(votes.c.track_id)
        .subquery("scored")
    )
    mine = sa.orm.aliased(PlaylistItem)
    best = (
        sa.select(scored.c.track_id, scored.c.score)
        .join(Track, Track.id == scored.c.track_id)
        .where(
            suggestible_track(),
            ~sa.exists().where(mine.playlist_id == own, mine.track_id == scored.c.track_id),
        )
        .order_by(scored.c.score.desc(), scored.c.track_id)
    )
    if sample.popularity_exponent == 0:
        return best.limit(sample.limit)
    # Popular tracks damped: the pool best by votes, each divided by the number of visible
    # playlists holding it to the exponent, counted up to the cap (one LIMIT per track on
    # the track_id index: a track in a million playlists costs at most the cap).
    pool = best.limit(sample.popularity_pool).subquery("pool")
    holder = sa.orm.aliased(PlaylistItem)
    capped = (
        sa.select(sa.literal(1).label("one"))
        .select_from(holder)
        .join(Playlist, Playlist.id == holder.playlist_id)
        .where(holder.track_id == pool.c.track_id, Playlist.visible.is_(True))
        .limit(sample.popularity_cap)
        .correlate(pool)
        .subquery("capped")
    )
    held = sa.select(sa.func.count()).select_from(capped).scalar_subquery()
    damped = (
        pool.c.score
        / sa.func.power(sa.cast(held, sa.Float), sa.literal(sample.popularity_exponent, sa.Float))
    ).label("damped")
    return (
        sa.select(pool.c.track_id, damped)
        .order_by(damped.desc(), pool.c.track_id)
        .limit(sample.limit)
    )


async def cooccurring_tracks(
    reader: Reader, playlist_id: str, seed_ids: Sequence[int], sample: CooccurrenceRead
) -> tuple[int, ...]:
    """The tracks other visible playlists hold with ``seed_ids`` (the playlist's shown
    tracks, in playlist order), best first: at most ``sample.limit``, none of the
    playlist's own items, only suggestible ones (one bounded statement)."""
    seeds = seeds_read(seed_ids, sample.max_seeds, spread=sample.spread_seeds)
    if not seeds:
        return ()
    params: dict[str, object] = {"playlist_id": playlist_id}
    params.update({f"seed_{i}": int(seed) for i, seed in enumerate(seeds)})
    async with database_errors():
        rows = (await reader.execute(_statement(len(seeds), sample), params)).all()
    return tuple(int(row[0]) for row in rows)
