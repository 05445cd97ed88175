"""Generations: counters that change when what a cached recommendation was computed from
changes without the playlist's record changing.

The index generation moves with every write of vectors made through Segue that changes
some vector (imports, ``segue embed``, ``segue vectors sync``: ``segue.vectors.write_vectors``
moves it through :class:`CatalogIndexGeneration`); a playlist's seeds generation moves when one of
its tracks is hidden, shown, deleted or restored. Both are part of the cache key (see
``segue.recommendations``), so such a change is a new key, never a stale answer.

    >>> await bump_index_generation(database)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from segue.errors import SegueError

from ._db import Database
from ._models import CatalogState, Playlist, PlaylistItem
from ._unit import committing

__all__ = [
    "INDEX_GENERATION",
    "CatalogIndexGeneration",
    "bump_index_generation",
    "bump_seeds_generation",
]

INDEX_GENERATION = "index_generation"
# Track ids per UPDATE: bounded parameter lists (SQLite allows 32,766, PostgreSQL 65,535).
_CHUNK = 5000


async def bump_index_generation(database: Database) -> None:
    """Record that the vector index was written: cached recommendations stop being read.

    Call after every successful write of vectors (one transaction of its own).
    """
    insert = postgresql.insert if database.dialect == "postgresql" else sqlite.insert
    # An upsert: the row is created by the migration, but an emptied table must not make
    # the bump a silent no-op.
    stmt = insert(CatalogState).values(name=INDEX_GENERATION, value=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[CatalogState.name], set_={"value": CatalogState.value + 1}
    )
    async with database.sessionmaker() as session, committing(session):
        await session.execute(stmt)


class CatalogIndexGeneration:
    """The catalog's index generation, as ``segue.vectors.write_vectors`` moves it.

    >>> generation = CatalogIndexGeneration(database)  # doctest: +SKIP
    >>> await write_vectors(store, ids, vectors, generation=generation)  # doctest: +SKIP
    """

    def __init__(self, database: Database) -> None:
        self._database = database

    async def move(self) -> None:
        try:
            await bump_index_generation(self._database)
        except SegueError as exc:
            raise type(exc)(
                f"vectors were written, but the catalog could not be told ({exc.detail}); "
                f"cached recommendations may use the old vectors for up to "
                f"SEGUE_CACHE_TTL_SECONDS: run the command again once the catalog answers"
            ) from exc


async def bump_seeds_generation(session: AsyncSession, track_ids: Collection[int]) -> None:
    """Move the seeds generation of every playlist holding one of ``track_ids`` (tracks
    whose visibility or deletion just changed), in the caller's transaction."""
    ids = sorted(set(track_ids))
    for start in range(0, len(ids), _CHUNK):
        holding = sa.select(PlaylistItem.playlist_id).where(
            PlaylistItem.track_id.in_(ids[start : start + _CHUNK])
        )
        await session.execute(
            sa.update(Playlist)
            .where(Playlist.id.in_(holding))
            # updated_at is the playlist's own edit time, not its tracks': kept as it is
            .values(seeds_generation=Playlist.seeds_generation + 1, updated_at=Playlist.updated_at)
            .execution_options(synchronize_session=False)
        )
