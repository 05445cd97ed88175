"""ATProto identifier syntax: DIDs, handles, NSIDs, AT-URIs, record keys, TIDs and CIDs.

The rules are the ATProto specification's, checked against its interop test files.

    >>> is_did("did:plc:7iza6de2dwap2sbkpav7c6c6"), is_did("did:METHOD:val")
    (True, False)
    >>> is_at_uri("at://did:plc:asdf123/com.atproto.feed.post/record")
    True
"""

from __future__ import annotations

import re

from segue.limits import DID_MAX_LENGTH, HANDLE_MAX_LENGTH, RECORD_URI_MAX_LENGTH

__all__ = [
    "is_at_uri",
    "is_cid",
    "is_did",
    "is_handle",
    "is_nsid",
    "is_record_key",
    "is_record_uri",
    "is_tid",
]

_DID = re.compile(r"did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]")
_HANDLE = re.compile(
    r"([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
)
_NSID = re.compile(
    r"[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+"
    r"(\.[a-zA-Z]([a-zA-Z0-9]{0,62})?)"
)
_NSID_MAX = 317
_RECORD_KEY = re.compile(r"[a-zA-Z0-9_~.:-]{1,512}")
# A TID (a repo rev, most record keys): 13 characters of base32-sortable, so that strings
# sort as the times they encode.
_TID = re.compile(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}")
_AT_URI_MAX = 8 * 1024
# Loose on purpose, like the spec: the exact CID is checked where it is decoded.
_CID = re.compile(r"[a-zA-Z0-9+=]{8,256}")


def is_did(text: str) -> bool:
    """A syntactically valid DID (any method), at most 2048 characters."""
    return len(text) <= DID_MAX_LENGTH and _DID.fullmatch(text) is not None


def is_handle(text: str) -> bool:
    """A syntactically valid handle: a DNS name whose last label starts with a letter."""
    return len(text) <= HANDLE_MAX_LENGTH and _HANDLE.fullmatch(text) is not None


def is_cid(text: str) -> bool:
    """A string shaped like a CID; CIDv0 (``Qm...``) is refused, as ATProto does."""
    return _CID.fullmatch(text) is not None and not text.startswith("Qmb")


def is_nsid(text: str) -> bool:
    """A namespaced identifier, as collections are named (``fm.plyr.track``)."""
    return len(text) <= _NSID_MAX and _NSID.fullmatch(text) is not None


def is_record_key(text: str) -> bool:
    """A record key: 1-512 of ``A-Z a-z 0-9 _ ~ . : -``, not ``.`` or ``..``."""
    return _RECORD_KEY.fullmatch(text) is not None and text not in {".", ".."}


def is_tid(text: str) -> bool:
    """A TID, as repo revs are: comparing two as strings orders them in time."""
    return _TID.fullmatch(text) is not None


def is_at_uri(text: str) -> bool:
    """An AT-URI in the restricted form records use: ``at://AUTHORITY[/NSID[/RKEY]]``."""
    if len(text) > _AT_URI_MAX or not text.startswith("at://"):
        return False
    parts = text[len("at://") :].split("/")
    if len(parts) > 3:
        return False
    authority = parts[0]
    if not (is_did(authority) or is_handle(authority)):
        return False
    if len(parts) >= 2 and not (len(parts[1]) <= _NSID_MAX and _NSID.fullmatch(parts[1])):
        return False
    if len(parts) == 3:
        return is_record_key(parts[2])
    return True


def is_record_uri(text: str) -> bool:
    """A record's AT-URI as Segue keys records: ``at://DID/COLLECTION/RKEY``, at most
    1,024 characters (``RECORD_URI_MAX_LENGTH``)."""
    return (
        len(text) <= RECORD_URI_MAX_LENGTH
        and is_at_uri(text)
        and text.count("/") == 4
        and is_did(text[len("at://") :].split("/")[0])
    )
