"""Following the network: tracks and playlists kept in sync with ATProto through Jetstream.

``segue follow`` reads Jetstream's ``/subscribe`` wire (:class:`Jetstream`), checks each
record against its lexicon (:mod:`segue.atproto`) and maps it to what the catalog stores
(:func:`decode`), and applies each batch with its cursor in one transaction
(:func:`apply_follow`). The rules of following live here: a record's versions ordered by
their repo ``rev``, tombstones, the cursor's meaning, accounts' status and handles; they
write the catalog's tables through its primitives (``segue.catalog.tables``). See
docs/atproto.md.

    >>> options = FollowOptions(urls=("wss://jetstream2.us-east.bsky.network",))  # doctest: +SKIP
    >>> await follow(database, options, on_progress=print)  # doctest: +SKIP
"""

from ._apply import FOLLOW_CURSOR, apply_follow, follow_cursor
from ._apply_accounts import UNKNOWN_HANDLE
from ._changes import (
    AccountChange,
    FollowChange,
    FollowResult,
    IdentityChange,
    PlaylistRecord,
    RecordDeletion,
    TrackRecord,
)
from ._events import COLLECTIONS, HIDING_STATUSES, Collections, Event, decode
from ._records import UNTITLED, TrackFields, track_fields
from ._service import MALFORMED, FollowOptions, FollowStats, follow
from ._transport import REWIND_US, Jetstream, check_jetstream_url

__all__ = [
    "COLLECTIONS",
    "FOLLOW_CURSOR",
    "HIDING_STATUSES",
    "MALFORMED",
    "REWIND_US",
    "UNKNOWN_HANDLE",
    "UNTITLED",
    "AccountChange",
    "Collections",
    "Event",
    "FollowChange",
    "FollowOptions",
    "FollowResult",
    "FollowStats",
    "IdentityChange",
    "Jetstream",
    "PlaylistRecord",
    "RecordDeletion",
    "TrackFields",
    "TrackRecord",
    "apply_follow",
    "check_jetstream_url",
    "decode",
    "follow",
    "follow_cursor",
    "track_fields",
]
