"""The co-occurrence list of a miss, read from the catalog for a strategy that fuses it."""

from __future__ import annotations

from dataclasses import asdict

from segue.catalog import CooccurrenceRead, Database, PlaylistSeeds, cooccurring_tracks
from segue.engine import Strategy, cooccurrence_of

__all__ = ["read_cooccurrence"]


async def read_cooccurrence(
    database: Database, strategy: Strategy, seeds: PlaylistSeeds
) -> tuple[int, ...] | None:
    """What other playlists hold with the playlist's shown tracks, best first, when
    ``strategy`` uses it (one bounded statement on a connection of its own); ``None``
    for a strategy that does not (the fallback under load reads nothing)."""
    sample = cooccurrence_of(strategy)
    if sample is None or not seeds.seed_ids:
        return None
    async with database.reading() as conn:
        return await cooccurring_tracks(
            conn, seeds.id, seeds.seed_ids, CooccurrenceRead(**asdict(sample))
        )
