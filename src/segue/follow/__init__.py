"""Following the network: tracks and playlists kept in sync with ATProto through Jetstream.

``segue follow`` reads Jetstream's ``/subscribe`` wire (:class:`Jetstream`), checks each
record against its lexicon and maps it (:func:`decode`), and has the catalog apply each
batch with its cursor in one transaction (:func:`segue.catalog.apply_follow`). See
docs/atproto.md.

    >>> options = FollowOptions(urls=("wss://jetstream2.us-east.bsky.network",))  # doctest: +SKIP
    >>> await follow(database, options, on_progress=print)  # doctest: +SKIP
"""

from ._events import (
    COLLECTIONS,
    DEFAULT_HIDE_LABELS,
    HIDING_STATUSES,
    TRUST,
    Collections,
    Event,
    Trust,
    decode,
)
from ._records import (
    LIST_MAX_ITEMS,
    UNTITLED,
    Malformed,
    TrackFields,
    list_fields,
    track_fields,
)
from ._service import MALFORMED, FollowOptions, FollowStats, follow, follow_options
from ._transport import REWIND_US, Gap, Jetstream, check_jetstream_url
from ._urls import network_url, public_host

__all__ = [
    "COLLECTIONS",
    "DEFAULT_HIDE_LABELS",
    "HIDING_STATUSES",
    "LIST_MAX_ITEMS",
    "MALFORMED",
    "REWIND_US",
    "TRUST",
    "UNTITLED",
    "Collections",
    "Event",
    "FollowOptions",
    "FollowStats",
    "Gap",
    "Jetstream",
    "Malformed",
    "TrackFields",
    "Trust",
    "check_jetstream_url",
    "decode",
    "follow",
    "follow_options",
    "list_fields",
    "network_url",
    "public_host",
    "track_fields",
]
