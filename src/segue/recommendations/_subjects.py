"""What a ranking is of: a playlist for its owner, a playlist for any listener, or a track.

Each subject reads its own version (the head the cache key names) and, on a miss, its
seeds, and shapes the page its asker may see; :meth:`Recommender.page` does the rest (the
cache, the computation, hydration) the same way for all three:

    >>> subject = SimilarTrack(42)
    >>> page = await recommender.page(subject, PageRequest(limit=3))  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from segue.catalog import PlaylistHead, PlaylistSeeds, TrackHead, playlist_head, playlist_seeds
from segue.catalog import track_head as read_track_head
from segue.errors import Forbidden

from ._key import PLAYLIST_KIND, SIMILAR_KIND
from ._paging import RecommendationPage

__all__ = [
    "ListenersPlaylist",
    "OwnersPlaylist",
    "SimilarTrack",
    "Subject",
    "track_seeds",
    "without_because",
]


class Subject(Protocol):
    """One request's subject: its cache key's ``kind``, its version, its seeds and what
    its asker may see of a page. One object a request: it may remember what it read."""

    @property
    def kind(self) -> str: ...

    async def head(self, conn: AsyncConnection) -> PlaylistHead:
        """This version (:class:`NotFound`, or :class:`Forbidden` for a refused asker)."""
        ...

    async def seeds(self, conn: AsyncConnection) -> PlaylistSeeds:
        """The items the ranking is computed from (a miss only, after :meth:`head`)."""
        ...

    def shown(self, page: RecommendationPage) -> RecommendationPage:
        """The page as its asker may see it."""
        ...


@dataclass(slots=True)
class OwnersPlaylist:
    """A playlist's suggestions for its owner only (:class:`Forbidden` for anyone else)."""

    playlist_id: str
    user_did: str
    kind: str = field(default=PLAYLIST_KIND, init=False)

    async def head(self, conn: AsyncConnection) -> PlaylistHead:
        head = await playlist_head(conn, self.playlist_id)
        if head.owner_did != self.user_did:
            raise Forbidden("only the playlist's owner can do this")
        return head

    async def seeds(self, conn: AsyncConnection) -> PlaylistSeeds:
        return await playlist_seeds(conn, self.playlist_id)

    def shown(self, page: RecommendationPage) -> RecommendationPage:
        return page


@dataclass(slots=True)
class ListenersPlaylist:
    """What to play after a playlist, for any listener of a visible one: its owner's
    ranking, from the same cache entry (either request warms the other). ``because``
    names a playlist track, and a playlist's items are its owner's to read: only its owner
    gets it."""

    playlist_id: str
    user_did: str
    kind: str = field(default=PLAYLIST_KIND, init=False)
    _owner_did: str | None = field(default=None, init=False)

    async def head(self, conn: AsyncConnection) -> PlaylistHead:
        head = await playlist_head(conn, self.playlist_id)
        self._owner_did = head.owner_did
        return head

    async def seeds(self, conn: AsyncConnection) -> PlaylistSeeds:
        return await playlist_seeds(conn, self.playlist_id)

    def shown(self, page: RecommendationPage) -> RecommendationPage:
        return page if self._owner_did == self.user_did else without_because(page)


@dataclass(slots=True)
class SimilarTrack:
    """Tracks that sound like one track: the track as a playlist of one (``track_seeds``),
    keyed by kind ``similar``. Its seeds are read with its head, in one statement.
    ``because`` would always name the track asked about: it is dropped."""

    track_id: int
    kind: str = field(default=SIMILAR_KIND, init=False)
    _seeds: PlaylistSeeds | None = field(default=None, init=False)

    async def head(self, conn: AsyncConnection) -> PlaylistHead:
        self._seeds = track_seeds(await read_track_head(conn, self.track_id))
        return self._seeds

    async def seeds(self, conn: AsyncConnection) -> PlaylistSeeds:
        assert self._seeds is not None  # read with the head, in one statement
        return self._seeds

    def shown(self, page: RecommendationPage) -> RecommendationPage:
        return without_because(page)


def track_seeds(head: TrackHead) -> PlaylistSeeds:
    """A track as a playlist of one, for the pipeline and the cache key: its version is its
    record's CID, or (an imported track) a digest of its artist and title, which the
    duplicate rule compares suggestions with."""
    version = (
        head.cid
        or "t" + hashlib.sha256(f"{head.artist_did}\x1f{head.title}".encode()).hexdigest()[:16]
    )
    return PlaylistSeeds(
        id=str(head.id),
        owner_did="",
        record_cid=version,
        seeds_generation=0,
        index_generation=head.index_generation,
        item_ids=(head.id,),
        seed_ids=(head.id,),
        seed_titles=((head.artist_did, head.title),),
    )


def without_because(page: RecommendationPage) -> RecommendationPage:
    """The page with no suggestion's ``because``."""
    tracks = tuple(replace(t, because=None) for t in page.tracks)
    return RecommendationPage(tracks=tracks, available=page.available, more=page.more)
