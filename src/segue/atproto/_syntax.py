"""ATProto identifier syntax: DIDs, handles, AT-URIs and CIDs, checked before they are stored.

The rules are the ATProto specification's, checked against its interop test files.

    >>> is_did("did:plc:7iza6de2dwap2sbkpav7c6c6"), is_did("did:METHOD:val")
    (True, False)
    >>> is_at_uri("at://did:plc:asdf123/com.atproto.feed.post/record")
    True
"""

from __future__ import annotations

import re

from segue.limits import DID_MAX_LENGTH, HANDLE_MAX_LENGTH

__all__ = ["is_at_uri", "is_cid", "is_did", "is_handle", "is_nsid"]

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
        key = parts[2]
        return _RECORD_KEY.fullmatch(key) is not None and key not in {".", ".."}
    return True
