"""URLs from the network: the first line of defence before anything is stored.

A followed record is someone else's data, and its ``imageUrl`` and ``audioUrl`` end up in
an ``<img>`` and an ``<audio>`` in every listener's browser, and the embedding pipeline
fetches audio from them. So a URL from a record passes the same checks as
``segue import tracks`` (http(s) only: no ``javascript:``, ``data:``, ``file:``, no
scheme-relative ``//host``, no spaces, quotes or control characters) and, beyond them, names
a host by a public DNS name: an IP literal, ``localhost``, a single-label name or a
reserved suffix (``.local``, ``.internal``, ...) is refused, so a record cannot point
Segue's fetchers or its listeners' browsers at their own machines or networks. A bad value
is dropped, never the record. The origin lists (``SEGUE_AUDIO_ORIGINS``,
``SEGUE_IMAGE_ORIGINS``) are the second line, applied where URLs are served or fetched.

    >>> network_url("https://images.plyr.fm/c/1.jpg")
    'https://images.plyr.fm/c/1.jpg'
    >>> network_url("http://127.0.0.1/x") is None, network_url("javascript:alert(1)") is None
    (True, True)
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from segue.catalog import check_audio_url
from segue.errors import InvalidInput

__all__ = ["network_url", "public_host"]

# Names that never resolve to a public host: RFC 6761/6762/8375 and common private zones.
_PRIVATE_SUFFIXES = (
    ".localhost",
    ".local",
    ".localdomain",
    ".internal",
    ".intranet",
    ".lan",
    ".home",
    ".home.arpa",
    ".corp",
    ".private",
    ".test",
    ".invalid",
    ".example",
    ".onion",
    ".arpa",
)
# Characters a browser or an HTML attribute could read differently from us.
_UNSAFE = frozenset("\"'<>\\`{}|^")


def public_host(host: str) -> bool:
    """Whether ``host`` (a URL's hostname) is a public DNS name: not an IP address of any
    kind (v4, v6, or the decimal and hexadecimal forms browsers accept), not ``localhost``,
    not a single label, not under a private or special-use suffix."""
    name = host.lower().rstrip(".")
    if not name or "." not in name or name == "localhost":
        return False
    if name.startswith("[") or ":" in name:
        return False  # an IPv6 literal
    try:
        ipaddress.ip_address(name)
        return False
    except ValueError:
        pass
    last = name.rsplit(".", 1)[1]
    # A last label of digits (or 0x...) is an IPv4 address in one of its other spellings
    # (http://2130706433/, http://0x7f.1/): WHATWG URL parsing makes it one.
    if last.isdigit() or last.startswith("0x"):
        return False
    return not name.endswith(_PRIVATE_SUFFIXES)


def network_url(value: str | None) -> str | None:
    """``value`` if it is an http(s) URL on a public host that is safe to store and serve,
    else ``None`` (dropped: the record keeps its other fields)."""
    try:
        url = check_audio_url(value)  # http(s)://, length, no spaces or control characters
    except InvalidInput:
        return None
    if url is None or any(c in _UNSAFE for c in url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return None
    if host is None or parts.username is not None or parts.password is not None:
        return None
    return url if public_host(host) else None
