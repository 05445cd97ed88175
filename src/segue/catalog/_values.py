"""The checks of the catalog's values, one function each: the API's request schemas and
every import call these, so a value is accepted or refused the same way wherever it comes
from. Each returns the clean value or raises :class:`InvalidInput` naming what is wrong.

    >>> clean_playlist_name("  Late   night ")
    'Late night'
    >>> clean_playlist_name("a\\x00b")
    Traceback (most recent call last):
    ...
    segue.errors.InvalidInput: the playlist name contains a control character (U+0000)
    >>> check_track_id(2**53)
    Traceback (most recent call last):
    ...
    segue.errors.InvalidInput: track id 9007199254740992 is out of range 0..9007199254740991 (...)
"""

from __future__ import annotations

import re

from segue.atproto import is_did, is_handle, is_record_uri
from segue.errors import InvalidInput
from segue.limits import (
    DISPLAY_NAME_MAX_LENGTH,
    PLAYLIST_ID_MAX_LENGTH,
    PLAYLIST_NAME_MAX_LENGTH,
    RECORD_URI_MAX_LENGTH,
    TRACK_ID_MAX,
    URL_MAX_LENGTH,
    track_id_out_of_range,
)

__all__ = [
    "PLAYLIST_ID_PATTERN",
    "check_audio_url",
    "check_did",
    "check_playlist_id",
    "check_record_uri",
    "check_track_id",
    "clean_display_name",
    "clean_handle",
    "clean_playlist_name",
    "text_problem",
]

# An ATProto record key's characters (the catalog makes 13 of base32; imports may bring
# their own), as a regular expression the API's OpenAPI schema shows too.
PLAYLIST_ID_PATTERN = rf"^[A-Za-z0-9._~:-]{{1,{PLAYLIST_ID_MAX_LENGTH}}}$"
_PLAYLIST_ID = re.compile(PLAYLIST_ID_PATTERN)
# C0 controls and DEL (NUL among them: PostgreSQL text cannot hold it), and UTF-16
# surrogates, which only a broken encoder or a JSON "\ud800" escape produces: no UTF-8
# (the database's, the record's DAG-CBOR) can encode one alone.
_BAD_CHARACTER = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
# Characters that change how the text around them displays, or display as nothing (issue
# 26: "\u202egnp.exe\u202c Song" shows as "exe.png Song"). Refused wherever a name or a
# title comes from (the API, the imports, the follower), all through text_problem:
# the bidi embeddings and overrides U+202A-202E and isolates U+2066-2069; zero width space,
# word joiner and invisible operators U+200B, U+2060-2064; the byte order mark U+FEFF; and
# the fillers that render blank (U+115F, U+1160, U+3164, U+FFA0, U+180E) and interlinear
# annotations U+FFF9-FFFB. Allowed on purpose: ZWJ and ZWNJ (emoji sequences, Persian and
# Indic scripts), the marks LRM, RLM and ALM (they place neutral characters in
# right-to-left text and reorder nothing else), and tag characters (subdivision flags).
_DECEPTIVE = re.compile(
    "[\u202a-\u202e\u2066-\u2069\u200b\u2060-\u2064\ufeff"
    "\u115f\u1160\u3164\uffa0\u180e\ufff9-\ufffb]"
)
_SHOWN = 60  # characters of a bad value quoted back in a message


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def text_problem(text: str, *, allow: str = "") -> str | None:
    """What makes ``text`` unstorable (a control character, a lone surrogate) or deceptive
    (a text-direction override, an invisible character), or ``None``.

    ``allow`` lists control characters that are fine here (a tab in a title).

        >>> text_problem("ok"), text_problem("\\ud800")
        (None, 'contains a lone surrogate (U+D800), which no UTF-8 text can hold')
        >>> text_problem("\\u202egnp.exe\\u202c Song")[:59]
        'contains an invisible or text-direction character (U+202E),'
    """
    deceptive = _DECEPTIVE.search(text)
    if deceptive:
        return (
            f"contains an invisible or text-direction character "
            f"(U+{ord(deceptive.group()):04X}), refused: it changes how the text displays"
        )
    for match in _BAD_CHARACTER.finditer(text):
        char = match.group()
        if char in allow:
            continue
        if "\ud800" <= char <= "\udfff":
            return f"contains a lone surrogate (U+{ord(char):04X}), which no UTF-8 text can hold"
        return f"contains a control character (U+{ord(char):04X})"
    return None


def check_track_id(value: int) -> int:
    """A track id: an integer in ``0..TRACK_ID_MAX`` (2**53 - 1)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"expected an integer track id, got {_show(value)}")
    if not 0 <= value <= TRACK_ID_MAX:
        raise InvalidInput(f"track {track_id_out_of_range(value)}")
    return value


def check_audio_url(value: str | None) -> str | None:
    """A preview's address: an ``http://`` or ``https://`` URL, at most 2,048 characters,
    without spaces or control characters; empty or ``None`` means none.

    The UI gives it to an ``<audio>`` element, so nothing but the web's own schemes (no
    ``javascript:``, ``data:``, ``file:``, nor a protocol-relative ``//host``).

        >>> check_audio_url(" https://cdn.example/p/12.mp3 ")
        'https://cdn.example/p/12.mp3'
        >>> check_audio_url("javascript:alert(1)")
        Traceback (most recent call last):
        ...
        segue.errors.InvalidInput: the audio URL must start with http:// or https://, got ...
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"the audio URL must be text, got {_show(value)}")
    url = value.strip()
    if not url:
        return None
    if len(url) > URL_MAX_LENGTH:
        raise InvalidInput(f"the audio URL is longer than {URL_MAX_LENGTH} characters")
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("http", "https") or not rest or rest.startswith("/"):
        raise InvalidInput(f"the audio URL must start with http:// or https://, got {_show(value)}")
    if any(c.isspace() for c in url) or text_problem(url):
        raise InvalidInput("the audio URL contains spaces or control characters")
    return url


def check_playlist_id(value: str) -> str:
    """A playlist id: 1-64 of ``A-Z a-z 0-9 . _ ~ : -``, not ``.`` or ``..`` (a record key)."""
    if not isinstance(value, str) or not _PLAYLIST_ID.fullmatch(value) or value in {".", ".."}:
        raise InvalidInput(
            f"not a playlist id (1-{PLAYLIST_ID_MAX_LENGTH} of A-Z a-z 0-9 . _ ~ : -): "
            f"{_show(value)}"
        )
    return value


def clean_playlist_name(value: str) -> str:
    """A playlist name with runs of whitespace made one space; not empty, at most 200."""
    if not isinstance(value, str):
        raise InvalidInput(f"the playlist name must be text, got {_show(value)}")
    name = " ".join(value.split())
    if not name:
        raise InvalidInput("the playlist name is empty")
    problem = text_problem(name)
    if problem:
        raise InvalidInput(f"the playlist name {problem}")
    if len(name) > PLAYLIST_NAME_MAX_LENGTH:
        raise InvalidInput(
            f"the playlist name is longer than {PLAYLIST_NAME_MAX_LENGTH} characters"
        )
    return name


def clean_display_name(value: str | None) -> str | None:
    """A display name without surrounding whitespace; empty or ``None`` means none."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"the display name must be text, got {_show(value)}")
    name = value.strip()
    if not name:
        return None
    problem = text_problem(name)
    if problem:
        raise InvalidInput(f"the display name {problem}")
    if len(name) > DISPLAY_NAME_MAX_LENGTH:
        raise InvalidInput(f"the display name is longer than {DISPLAY_NAME_MAX_LENGTH} characters")
    return name


def clean_handle(value: str) -> str:
    """A handle, lower-cased as ATProto compares them."""
    handle = value.strip().lower() if isinstance(value, str) else None
    if handle is None or not is_handle(handle):
        raise InvalidInput(f"not a handle: {_show(value)}")
    return handle


def check_did(value: str) -> str:
    """A DID (any method), without surrounding whitespace."""
    did = value.strip() if isinstance(value, str) else None
    if did is None or not is_did(did):
        raise InvalidInput(f"not a DID: {_show(value)}")
    return did


def check_record_uri(value: str) -> str:
    """A record's AT-URI, ``at://DID/COLLECTION/RKEY``, at most 1,024 characters.

    >>> check_record_uri("at://did:plc:abc/fm.plyr.track/3kq2d7x4m5abc")
    'at://did:plc:abc/fm.plyr.track/3kq2d7x4m5abc'
    """
    if not isinstance(value, str) or not is_record_uri(value):
        raise InvalidInput(
            f"not a record AT-URI (at://DID/COLLECTION/RKEY, at most "
            f"{RECORD_URI_MAX_LENGTH} characters): {_show(value)}"
        )
    return value
