"""The Jetstream ``/subscribe`` client: JSON text frames in, reconnecting for ever.

One websocket at a time (the ``websockets`` library), asking for the followed collections
(``wantedCollections``) from a cursor (``time_us``, microseconds). When the connection
fails or closes it tries the next host, after a backoff that doubles up to a ceiling
(with jitter), resuming a few seconds before the last event it received: Jetstream's
advice for gapless playback, and harmless since applying is idempotent.

    >>> jetstream = Jetstream(["wss://jetstream2.us-east.bsky.network"], ("fm.plyr.track",))
    >>> url = jetstream.url("wss://jetstream2.us-east.bsky.network", 1725911162329308)
    >>> url.split("?")[0]
    'wss://jetstream2.us-east.bsky.network/subscribe'
    >>> url.split("?")[1].split("&")
    ['wantedCollections=fm.plyr.track', 'maxMessageSizeBytes=4194304', 'cursor=1725911162329308']
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from websockets.asyncio.client import connect
from websockets.exceptions import InvalidHandshake, InvalidURI, WebSocketException

from segue._retry import RetryPolicy
from segue.errors import InvalidInput
from segue.metrics import FOLLOW_CONNECTIONS

from ._events import UNPARSABLE

__all__ = ["REWIND_US", "Jetstream", "check_jetstream_url"]

log = logging.getLogger("segue.follow")

#: how far a reconnection rewinds before the last event received (Jetstream's advice)
REWIND_US = 5_000_000
# A frame larger than this is refused (the connection closes and is reopened): records are
# small, a list of 500 strong references is about 60 kB.
_MAX_FRAME_BYTES = 4 * 1024 * 1024
# While the queue is full (catching up a backlog faster than the catalog applies it) the
# socket is not read, and neither are the server's pongs: at websockets' default of 20 s a
# backlog of a few thousand events on a loaded machine dropped the connection (measured),
# and each reconnection replays the rewind. A dead connection is still found within this.
_PING_TIMEOUT_SECONDS = 120.0


def check_jetstream_url(url: str) -> str:
    """``url`` as a ``/subscribe`` address: ``ws://`` or ``wss://``, ``/subscribe`` added
    when there is no path.

        >>> check_jetstream_url("wss://jetstream1.us-west.bsky.network")
        'wss://jetstream1.us-west.bsky.network/subscribe'
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in {"ws", "wss"} or not parts.netloc:
        raise InvalidInput(f"not a Jetstream address (ws://HOST or wss://HOST): {url!r}")
    path = parts.path if parts.path not in {"", "/"} else "/subscribe"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


class Jetstream:
    """Reads events from the hosts in turn into a queue; see :meth:`run`."""

    def __init__(
        self,
        urls: Sequence[str],
        collections: Sequence[str],
        *,
        backoff_seconds: float = 1.0,
        max_backoff_seconds: float = 30.0,
        open_timeout: float = 10.0,
        rewind_us: int = REWIND_US,
    ) -> None:
        if not urls:
            raise InvalidInput("no Jetstream address given")
        self.urls = [check_jetstream_url(u) for u in urls]
        self.collections = tuple(collections)
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        # Jittered: a herd of followers restarted together does not reconnect in step.
        self._reconnect = RetryPolicy(
            attempts=None,
            initial=backoff_seconds,
            ceiling=max(backoff_seconds, max_backoff_seconds),
        )
        self.open_timeout = open_timeout
        self.rewind_us = rewind_us
        #: the ``time_us`` of the last event received (where a reconnection resumes)
        self.last_time_us: int | None = None
        #: monotonic time the current connection opened, ``None`` while there is none
        self.connected_since: float | None = None
        self.ever_connected = False
        self.host: str | None = None
        self.last_error: str | None = None

    def url(self, base: str, cursor: int | None) -> str:
        """The subscription address on ``base`` from ``cursor`` (none: live tail)."""
        params: list[tuple[str, Any]] = [("wantedCollections", c) for c in self.collections]
        # The server drops larger events instead of sending them: one such frame would
        # otherwise close the connection again at every resumption.
        params.append(("maxMessageSizeBytes", _MAX_FRAME_BYTES))
        if cursor is not None:
            params.append(("cursor", max(cursor, 0)))
        base = check_jetstream_url(base)
        return f"{base}{'&' if '?' in base else '?'}{urlencode(params)}"

    async def run(self, queue: asyncio.Queue[dict[str, Any]], cursor: int | None) -> None:
        """Put every event (a JSON object) into ``queue``, from ``cursor``, until cancelled.

        The first connection starts at ``cursor`` as given; later ones at the last event
        received, less the rewind.
        """
        attempt = 0
        host = 0
        while True:
            base = self.urls[host % len(self.urls)]
            resume = cursor if self.last_time_us is None else self.last_time_us - self.rewind_us
            try:
                async with connect(
                    self.url(base, resume),
                    open_timeout=self.open_timeout,
                    max_size=_MAX_FRAME_BYTES,
                    ping_timeout=_PING_TIMEOUT_SECONDS,
                    compression=None,
                ) as socket:
                    FOLLOW_CONNECTIONS.labels(result="opened").inc()
                    self.host, self.connected_since, self.ever_connected = (
                        base,
                        time.monotonic(),
                        True,
                    )
                    attempt = 0
                    async for frame in socket:
                        message = _parse(frame)
                        stamp = message.get("time_us")
                        if isinstance(stamp, int) and not isinstance(stamp, bool):
                            self.last_time_us = max(stamp, self.last_time_us or 0)
                        await queue.put(message)
                self.last_error = f"{base}: the server closed the connection"
            except (OSError, TimeoutError, InvalidHandshake, InvalidURI, WebSocketException) as exc:
                FOLLOW_CONNECTIONS.labels(result="failed").inc()
                self.last_error = f"{base}: {type(exc).__name__}: {exc}"
            self.connected_since = None
            log.warning("jetstream: %s; reconnecting", self.last_error)
            host += 1
            await asyncio.sleep(self._reconnect.delay(attempt))
            attempt += 1


def _parse(frame: str | bytes) -> dict[str, Any]:
    try:
        message = json.loads(frame)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: nested deeper than Python's limit; a record may hold anything.
        return dict(UNPARSABLE)  # counted as malformed by the decoder
    return message if isinstance(message, dict) else dict(UNPARSABLE)
