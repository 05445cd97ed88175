"""The catalog's tables, for the feature whose rules write them outside this package
(``segue.follow``: rev ordering, tombstones, the cursor, account status).

The catalog owns the schema and its migrations; a feature writing these tables keeps the
invariants that cross features by going through the catalog's primitives, never around
them: a track's id for a record URI (:func:`segue.catalog.track_ids_for`), a playlist's
items with what keys its cached recommendations (:func:`segue.catalog.replace_items`),
the seeds generation of the playlists holding a track (:func:`segue.catalog.bump_seeds_generation`),
a track's embedding state after its audio columns are written
(:func:`segue.catalog.note_audio_sources`: a new or changed source is pending).
"""

from ._bulk import chunks, table_of
from ._models import (
    Artist,
    CatalogState,
    FollowAccount,
    FollowBackfill,
    FollowListItem,
    FollowRecord,
    Playlist,
    PlaylistItem,
    Track,
    TrackUri,
    User,
    utc_now,
)
from ._track_uris import insert_for

__all__ = [
    "Artist",
    "CatalogState",
    "FollowAccount",
    "FollowBackfill",
    "FollowListItem",
    "FollowRecord",
    "Playlist",
    "PlaylistItem",
    "Track",
    "TrackUri",
    "User",
    "chunks",
    "insert_for",
    "table_of",
    "utc_now",
]
