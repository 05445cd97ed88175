"""Following the network: tracks and playlists kept in sync with ATProto through Jetstream.

``segue follow`` reads Jetstream's ``/subscribe`` wire (:class:`Jetstream`), checks each
record against its lexicon and maps it (:func:`decode`), and has the catalog apply each
batch with its cursor in one transaction (:func:`segue.catalog.apply_follow`). See
docs/atproto.md.

    >>> options = FollowOptions(urls=("wss://jetstream2.us-east.bsky.network",))  # doctest: +SKIP
    >>> await follow(database, options, on_progress=print)  # doctest: +SKIP
"""

from ._events import COLLECTIONS, HIDING_STATUSES, Collections, Event, decode
from ._records import (
    LIST_MAX_ITEMS,
    UNTITLED,
    Malformed,
    TrackFields,
    list_fields,
    track_fields,
)
from ._service import MALFORMED, FollowOptions, FollowStats, follow
from ._transport import REWIND_US, Jetstream, check_jetstream_url

__all__ = [
    "COLLECTIONS",
    "HIDING_STATUSES",
    "LIST_MAX_ITEMS",
    "MALFORMED",
    "REWIND_US",
    "UNTITLED",
    "Collections",
    "Event",
    "FollowOptions",
    "FollowStats",
    "Jetstream",
    "Malformed",
    "TrackFields",
    "check_jetstream_url",
    "decode",
    "follow",
    "list_fields",
    "track_fields",
]
