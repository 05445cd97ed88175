"""What ``segue follow`` applies to the catalog: records and account changes, already
checked against their lexicons, and what became of each.

    >>> TrackRecord(uri, did, rev="3l3qo2vutsw2b", cid=cid, time_us=1, title="Song",
    ...             artist_name="Alice", image_url=None)  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, TypeAlias

from segue.atproto import StrongRef

__all__ = [
    "AccountChange",
    "FollowChange",
    "FollowResult",
    "IdentityChange",
    "PlaylistRecord",
    "RecordDeletion",
    "TrackRecord",
]


class FollowResult(StrEnum):
    """What applying one change did (the ``result`` label of ``segue_follow_events_total``)."""

    APPLIED = "applied"
    #: the same version was applied already (a redelivery, a rewound cursor)
    DUPLICATE = "duplicate"
    #: an older version than the one applied (or than its tombstone)
    STALE = "stale"
    #: nothing to do: an account Segue does not know, a list that is not a playlist
    IGNORED = "ignored"
    #: the playlist id (the record key) belongs to another owner's playlist
    CONFLICT = "conflict"
    #: the account has ``SEGUE_FOLLOW_MAX_LISTS_PER_ACCOUNT`` followed playlists already
    LIMITED = "limited"
    #: a change the database refused (a value out of its range): skipped, the rest applied
    MALFORMED = "malformed"


@dataclass(frozen=True, slots=True)
class TrackRecord:
    """A track record's current version (create or update)."""

    uri: str
    did: str
    rev: str
    cid: str
    time_us: int
    title: str
    artist_name: str | None
    image_url: str | None
    #: ``audioUrl`` after the network checks (served only from ``SEGUE_AUDIO_ORIGINS``)
    audio_url: str | None = None
    #: the CID of the record's ``audioBlob`` (in the repo of ``did``): its canonical audio
    audio_blob_cid: str | None = None
    #: false for a track with a hiding self-label or a supporter gate: never suggested
    suggestible: bool = True


@dataclass(frozen=True, slots=True)
class PlaylistRecord:
    """A playlist record's current version; ``playlist_id`` is its record key."""

    uri: str
    did: str
    rev: str
    cid: str
    time_us: int
    playlist_id: str
    name: str
    items: tuple[StrongRef, ...]


@dataclass(frozen=True, slots=True)
class RecordDeletion:
    """A deleted record. ``only_if_known``: ignore it unless Segue holds the record (a list
    record that stopped being a playlist), and leave no tombstone then."""

    uri: str
    did: str
    kind: Literal["track", "playlist"]
    rev: str
    time_us: int
    only_if_known: bool = False


@dataclass(frozen=True, slots=True)
class AccountChange:
    """An account's status; ``hidden`` is whether its content is to be hidden, or ``None``
    for a status that changes nothing (it is still recorded)."""

    did: str
    seq: int
    active: bool
    status: str | None
    hidden: bool | None


@dataclass(frozen=True, slots=True)
class IdentityChange:
    """An identity event: the account's handle, when the event carries one."""

    did: str
    seq: int
    handle: str | None


FollowChange: TypeAlias = (
    TrackRecord | PlaylistRecord | RecordDeletion | AccountChange | IdentityChange
)
