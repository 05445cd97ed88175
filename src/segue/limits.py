"""The limits every layer agrees on, defined once: ids, and the sizes of stored text.

The lowest module of Segue (it imports nothing): the engine, the vector stores, the
catalog's columns, the imports, the API's schemas and the CLI all take their bounds from
here, so a value one layer accepts is never refused by another.

    >>> TRACK_ID_MAX == 2**53 - 1
    True
    >>> track_id_out_of_range(2**53).split(" (")[0]
    'id 9007199254740992 is out of range 0..9007199254740991'
"""

from __future__ import annotations

__all__ = [
    "DID_MAX_LENGTH",
    "DISPLAY_NAME_MAX_LENGTH",
    "HANDLE_MAX_LENGTH",
    "PLATFORM_NAME_MAX_LENGTH",
    "PLAYLIST_ID_MAX_LENGTH",
    "PLAYLIST_NAME_MAX_LENGTH",
    "RECORD_URI_MAX_LENGTH",
    "TITLE_MAX_LENGTH",
    "TRACK_ID_MAX",
    "URL_MAX_LENGTH",
    "track_id_out_of_range",
]

# The largest integer a browser's JSON.parse holds exactly (Number.MAX_SAFE_INTEGER): past
# it, ids would round, and "+" or "remove" would act on another track. Also well within
# the signed 64-bit SQL column and usearch's unsigned 64-bit keys.
TRACK_ID_MAX = 2**53 - 1

PLAYLIST_ID_MAX_LENGTH = 64  # an ATProto record key, within the catalog's column
PLAYLIST_NAME_MAX_LENGTH = 200
DISPLAY_NAME_MAX_LENGTH = 640  # ATProto's profile displayName (maxLength 640)
TITLE_MAX_LENGTH = 1000
HANDLE_MAX_LENGTH = 253  # a DNS name
DID_MAX_LENGTH = 2048  # the ATProto DID syntax limit
PLATFORM_NAME_MAX_LENGTH = 64  # `segue token create --platform NAME`
URL_MAX_LENGTH = 2048
# An AT-URI Segue keys a record by (`segue follow`, vectors imported by URI): far above any
# real one (a did:plc URI is about 70 characters), and within what a PostgreSQL index
# entry can hold (about 2,700 bytes), which the spec's 8 KiB is not.
RECORD_URI_MAX_LENGTH = 1024


def track_id_out_of_range(value: int) -> str:
    """The message for a track id outside ``0..TRACK_ID_MAX``, naming the limit and why."""
    return (
        f"id {value} is out of range 0..{TRACK_ID_MAX} "
        "(2**53 - 1, the largest integer a browser holds exactly)"
    )
