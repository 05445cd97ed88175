"""Duplicate tracks by name: the normalised (artist, title) key, and dropping repeats.

Real catalogs hold the same recording several times (re-uploads, single and album
versions, remasters); this is the rule by name. The rule by vector is
:func:`segue.engine.closest_seeds` with a distance threshold.

    >>> title_key("Cruise 84", "Retro Boulevard - Remastered 2011")
    'cruise 84\\x1fretro boulevard'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["drop_title_duplicates", "title_key"]

# Words that mark another release of the same recording, not another recording: a
# remaster, an edit for radio, the single's or the album's cut, mono/stereo, a clean or
# explicit cut. "Live", "acoustic", "remix" are other recordings and stay distinct.
_RELEASE_WORDS = (
    r"remaster(?:ed)?|re-?master(?:ed)?|radio (?:edit|version|mix)|single (?:version|edit)|"
    r"album (?:version|edit)|mono|stereo|explicit|clean|bonus track|deluxe(?: edition)?"
)
# Credits: "(feat. X)", "[ft. X]", " feat. X" to the end; "(with X)" and " - with X" only
# as a bracket or a dash part ("Dancing with Myself" keeps its "with"). "From <film>" in
# the same places names the soundtrack, not another recording.
_FEAT = r"(?:feat\.?|ft\.?|featuring)\s"
_FEATURING = re.compile(
    rf"\s*[(\[]\s*(?:{_FEAT}|with\s|from\s)[^)\]]*[)\]]|\s+{_FEAT}.*$"
    r"|\s+[-\u2013\u2014]\s+(?:with|from)\s.*$"
)
_RELEASE_BRACKET = re.compile(rf"\s*[(\[][^)\]]*\b(?:{_RELEASE_WORDS})\b[^)\]]*[)\]]")
_RELEASE_DASH = re.compile(rf"\s+[-\u2013\u2014]\s+[^-\u2013\u2014]*\b(?:{_RELEASE_WORDS})\b.*$")
_SEPARATOR = "\x1f"  # cannot survive the normalisation inside either part


def _clean(text: str, *, title: bool) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _FEATURING.sub("", text)
    if title:
        text = _RELEASE_BRACKET.sub("", text)
        text = _RELEASE_DASH.sub("", text)
    # Punctuation and symbols go; letters and digits of every script stay.
    kept = "".join(c if c.isalnum() else " " for c in text)
    return " ".join(kept.split())


def title_key(artist: str, title: str) -> str:
    """The duplicate key of a track: its artist and title, normalised.

    NFKC and case folded, "feat." parts dropped, release qualifiers dropped from the
    title ("- Remastered 2011", "(Radio Edit)", "[Single Version]"...), punctuation
    and repeated whitespace removed.

        >>> title_key("Daft Punk", "Get Lucky (Radio Edit) [feat. Pharrell Williams]")
        'daft punk\\x1fget lucky'
        >>> title_key("\uff21\uff22\uff22\uff21", "Waterloo!") == title_key("abba", "waterloo")
        True
    """
    return f"{_clean(artist, title=False)}{_SEPARATOR}{_clean(title, title=True)}"


def drop_title_duplicates(keys: Sequence[str], seen: Iterable[str] = ()) -> NDArray[np.intp]:
    """The positions of ``keys`` to keep, in order: a key already in ``seen`` (e.g. the
    playlist's) or earlier in ``keys`` is dropped.

        >>> drop_title_duplicates(["a", "b", "a", "c"], seen=["c"]).tolist()
        [0, 1]
    """
    known = set(seen)
    kept: list[int] = []
    for i, key in enumerate(keys):
        if key not in known:
            known.add(key)
            kept.append(i)
    return np.asarray(kept, dtype=np.intp)
