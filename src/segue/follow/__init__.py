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

from ._apply import (
    FOLLOW_CURSOR,
    FOLLOW_WANTED_CURSOR,
    apply_follow,
    clear_follow_gap,
    follow_cursor,
    follow_gap,
    follow_wanted_cursor,
    record_follow_gap,
)
from ._apply_accounts import UNKNOWN_HANDLE
from ._backfill import BackfillOptions, BackfillStats, backfill
from ._changes import (
    AccountChange,
    FollowChange,
    FollowResult,
    IdentityChange,
    PlaylistRecord,
    RecordDeletion,
    TrackRecord,
)
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
from ._records import UNTITLED, TrackFields, track_fields
from ._service import MALFORMED, FollowOptions, FollowStats, follow, follow_options
from ._transport import REWIND_US, Gap, Jetstream, check_jetstream_url
from ._urls import network_url, public_host

__all__ = [
    "COLLECTIONS",
    "DEFAULT_HIDE_LABELS",
    "FOLLOW_CURSOR",
    "FOLLOW_WANTED_CURSOR",
    "HIDING_STATUSES",
    "MALFORMED",
    "REWIND_US",
    "TRUST",
    "UNKNOWN_HANDLE",
    "UNTITLED",
    "AccountChange",
    "BackfillOptions",
    "BackfillStats",
    "Collections",
    "Event",
    "FollowChange",
    "FollowOptions",
    "FollowResult",
    "FollowStats",
    "Gap",
    "IdentityChange",
    "Jetstream",
    "PlaylistRecord",
    "RecordDeletion",
    "TrackFields",
    "TrackRecord",
    "Trust",
    "apply_follow",
    "backfill",
    "check_jetstream_url",
    "clear_follow_gap",
    "decode",
    "follow",
    "follow_cursor",
    "follow_gap",
    "follow_options",
    "follow_wanted_cursor",
    "network_url",
    "public_host",
    "record_follow_gap",
    "track_fields",
]
