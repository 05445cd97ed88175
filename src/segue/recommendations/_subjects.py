"""A track as the pipeline and the cache key see it: a playlist of one."""

from __future__ import annotations

import hashlib

from segue.catalog import PlaylistSeeds, TrackHead

__all__ = ["track_seeds"]


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
