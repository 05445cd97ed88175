"""The Jetstream ``/subscribe`` client: JSON text frames in, reconnecting for ever.

One websocket at a time (the ``websockets`` library), asking for the followed collections
(``wantedCollections``) from a cursor (``time_us``, microseconds). When the connection
fails or closes it tries the next host, after a backoff that doubles up to a ceiling
(with jitter), resuming ``rewind_us`` (15 s) before the last event it received: hosts
position themselves independently, and a replay is harmless since applying is
idempotent. A host that sends no event of a followed collection for ``silence_seconds``
once it has caught up with the live tail is left at once (it may be blind to them while
still passing account events), resuming before the last followed event; two hosts in
turn that show the same window without one move that point to its end. A host that
cannot replay from the
cursor asked for answers with its oldest event, silently: that is recorded as a
:class:`Gap`, to be filled by a backfill.

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
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidURI,
    WebSocketException,
)

from segue._retry import RetryPolicy
from segue.errors import InvalidInput
from segue.metrics import FOLLOW_CONNECTIONS, FOLLOW_GAPS, FOLLOW_HOST_SWITCHES

from ._events import UNPARSABLE, event_time

__all__ = [
    "RETENTION_US",
    "REWIND_US",
    "SILENCE_SECONDS",
    "Gap",
    "Jetstream",
    "check_jetstream_url",
]

log = logging.getLogger("segue.follow")

#: how far a reconnection rewinds before the last event received (SEGUE_FOLLOW_REWIND_SECONDS):
#: hosts position themselves independently, so a switch needs more than Jetstream's 5 s
REWIND_US = 15_000_000
#: SEGUE_FOLLOW_SILENCE_SECONDS: no event of a followed collection for this long is a blind host
SILENCE_SECONDS = 600.0
#: SEGUE_JETSTREAM_RETENTION_HOURS in microseconds: how far back a host replays
RETENTION_US = 24 * 3600 * 1_000_000
# A first event later than the cursor by more than twice the rewind and this is a gap; an
# event older than now by as much is a replay, not the live tail.
_GAP_SLACK_US = 60 * 1_000_000
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


@dataclass(frozen=True, slots=True)
class Gap:
    """A window of the network a host did not replay: from ``after_us`` (the cursor asked
    for) to ``before_us`` (the first event it sent, or the oldest it keeps); what
    happened in it must come from a backfill."""

    after_us: int
    before_us: int
    host: str


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
        silence_seconds: float = SILENCE_SECONDS,
        retention_us: int = RETENTION_US,
        wanted_since: int | None = None,
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
        self.silence_seconds = silence_seconds
        self.retention_us = retention_us
        #: the ``time_us`` of the last event received (where a reconnection resumes)
        self.last_time_us: int | None = None
        #: the ``time_us`` up to which no event of a followed collection can have been
        #: missed: the last one received (or stored by an earlier run), or the end of a
        #: window two hosts both showed without one; where leaving a silent host resumes
        self.wanted_time_us: int | None = wanted_since
        #: the ``time_us`` of the first event this run received
        self.first_time_us: int | None = None
        #: monotonic time the current connection opened, ``None`` while there is none
        self.connected_since: float | None = None
        self.ever_connected = False
        self.host: str | None = None
        self.last_error: str | None = None
        #: gaps found and not yet taken by :meth:`take_gaps`
        self.gaps: list[Gap] = []
        # The last connection left as silent, while no followed event has come since.
        self._quiet: _Covered | None = None

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

    def take_gaps(self) -> list[Gap]:
        """The gaps found since the last call."""
        gaps, self.gaps = self.gaps, []
        return gaps

    def resume_cursor(self, cursor: int | None, *, silent: bool) -> int | None:
        """Where the next connection starts: the first at ``cursor`` as given; later ones
        the rewind before the last event received, or, leaving a host that was silent
        about the followed collections, before the last event of one of them (account and
        identity events reach every subscriber and moved the other past what it hid)."""
        if silent and (since := self._silent_from(cursor)) is not None:
            return since - self.rewind_us
        if self.last_time_us is None:
            return cursor
        return self.last_time_us - self.rewind_us

    def _silent_from(self, cursor: int | None) -> int | None:
        """The time to which the followed collections are known complete, what
        :meth:`resume_cursor` rewinds from when leaving a silent host: the last followed
        event (:attr:`wanted_time_us`), else where this run began."""
        if self.wanted_time_us is not None:
            return self.wanted_time_us
        if cursor is not None:
            return cursor + self.rewind_us  # no followed event yet: where this run began
        return self.first_time_us

    def _left_silent(self, covered: _Covered, cursor: int | None) -> None:
        """A connection was left as silent: if the last one left so was another host's,
        and both began before the point the followed collections are complete to and
        sent none of their events after it, the two showed the same window empty. Two
        hosts blind together are not guarded against (nor can a stream tell them from a
        quiet network), so the window counts as quiet and the point moves to the end of
        it: the next silent host resumes there, not ever further back (a replay that grew
        with every switch and, past the hosts' retention, a gap at each)."""
        since = self._silent_from(cursor)
        if since is None or not covered.vouches(since):
            return
        quiet, self._quiet = self._quiet, covered
        if quiet is None or quiet.host == covered.host or not quiet.vouches(since):
            return  # one host's word, again and again, is no second opinion
        end = min(quiet.end or since, covered.end or since)
        if end > since:
            self.wanted_time_us = end
            log.info(
                "jetstream: %s and %s both sent no event of %s up to %s",
                quiet.host,
                covered.host,
                ", ".join(self.collections),
                _iso(end),
            )

    async def run(
        self, queue: asyncio.Queue[dict[str, Any]], cursor: int | None, *, resumed: bool = True
    ) -> None:
        """Put every event (a JSON object) into ``queue``, from ``cursor``, until cancelled.

        The first connection starts at ``cursor`` as given; later ones at the last event
        received, less the rewind. ``resumed``: ``cursor`` continues an earlier run (a
        stored cursor), so a host that cannot replay from it is a gap.
        """
        attempt = 0
        host = 0
        silent = False
        checked = resumed
        while True:
            base = self.urls[host % len(self.urls)]
            resume = self.resume_cursor(cursor, silent=silent)
            checked = checked or self.last_time_us is not None
            # From the cursor asked for even when the host keeps less (a gap): the gap is
            # recorded, and what it hides is the backfill's, not the next host's to replay.
            covered = _Covered(base, resume)
            reason = "error"
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
                    silent = await self._read(
                        socket, queue, base, resume if checked else None, covered
                    )
                    reason = "silence" if silent else "closed"
                if silent:
                    self._left_silent(covered, cursor)
                    self.last_error = (
                        f"{base}: no event of {', '.join(self.collections)} for "
                        f"{self.silence_seconds:,.0f} s"
                    )
                else:
                    self.last_error = f"{base}: the server closed the connection"
            except (OSError, TimeoutError, InvalidHandshake, InvalidURI, WebSocketException) as exc:
                FOLLOW_CONNECTIONS.labels(result="failed").inc()
                self.last_error = f"{base}: {type(exc).__name__}: {exc}"
                silent = False
            FOLLOW_HOST_SWITCHES.labels(reason=reason).inc()
            self.connected_since = None
            log.warning("jetstream: %s; switching host", self.last_error)
            host += 1
            if not silent:
                await asyncio.sleep(self._reconnect.delay(attempt))
                attempt += 1

    async def _read(
        self,
        socket: ClientConnection,
        queue: asyncio.Queue[dict[str, Any]],
        base: str,
        asked: int | None,
        covered: _Covered,
    ) -> bool:
        """Read frames into ``queue`` until the server closes (``False``) or no event of a
        followed collection has come for ``silence_seconds`` of the live tail (``True``).

        The silence is counted from the last followed event, or the last event of a
        replay (older than now by more than twice the rewind and a minute), or the
        start: a replay of a quiet stretch longer than the window is no silence, and
        leaving in the middle of it would replay it again from its start, for ever. A host
        that sends nothing at all for the window is left too. ``covered`` gets the stretch
        of the stream this connection sent.
        """
        heard = time.monotonic()  # see above: followed, replayed, or the start
        replay_before_us = 2 * self.rewind_us + _GAP_SLACK_US
        first = True
        while True:
            left = self.silence_seconds - (time.monotonic() - heard)
            if left <= 0:
                return True
            try:
                # asyncio.timeout, not wait_for: Python 3.11's wait_for returns a frame that
                # arrives as the task is cancelled and drops the cancellation, so a stopped
                # follower read on for ever (seen under a stream of events every 20 ms).
                async with asyncio.timeout(left):
                    frame = await socket.recv()
            except TimeoutError:
                return True
            except ConnectionClosed:
                return False
            message = _parse(frame)
            stamp = event_time(message)
            if stamp is not None:
                if first and asked is not None:
                    self._check_gap(base, asked, stamp)
                if first and covered.start is None:
                    covered.start = stamp  # began at the live tail
                first = False
                covered.end = max(stamp, covered.end or 0)
                if self.first_time_us is None:
                    self.first_time_us = stamp
                self.last_time_us = max(stamp, self.last_time_us or 0)
                if self._wanted(message):
                    heard = time.monotonic()
                    covered.followed = max(stamp, covered.followed or 0)
                    self.wanted_time_us = max(stamp, self.wanted_time_us or 0)
                elif stamp < time.time_ns() // 1000 - replay_before_us:
                    heard = time.monotonic()  # still replaying: not yet the live tail
            await queue.put(message)

    def _wanted(self, message: dict[str, Any]) -> bool:
        commit = message.get("commit")
        return (
            message.get("kind") == "commit"
            and isinstance(commit, dict)
            and commit.get("collection") in self.collections
        )

    def _check_gap(self, base: str, asked: int, first_us: int) -> None:
        """A host answers a cursor older than it keeps with its oldest event, silently:
        a cursor older than the retention, or a first event far later than asked for (by
        more than twice the rewind and a minute), is a gap."""
        now_us = time.time_ns() // 1000
        oldest_kept = now_us - self.retention_us
        if asked < oldest_kept or first_us - asked > 2 * self.rewind_us + _GAP_SLACK_US:
            gap = Gap(asked, first_us, base)
            self.gaps.append(gap)
            FOLLOW_GAPS.inc()
            log.warning(
                "jetstream: a gap: %s did not replay from %s; events between %s and %s may be "
                "missing: run segue follow backfill",
                base,
                _iso(asked),
                _iso(gap.after_us),
                _iso(gap.before_us),
            )


@dataclass(slots=True)
class _Covered:
    """A connection's stretch of the stream: from ``start`` (the cursor asked for, or its
    first event) to ``end`` (its last event, ``None`` before one); ``followed``: its last
    event of a followed collection."""

    host: str
    start: int | None
    end: int | None = None
    followed: int | None = None

    def vouches(self, since: int) -> bool:
        """Whether it showed the stream after ``since`` without a followed event."""
        return (
            self.start is not None
            and self.end is not None
            and self.start <= since < self.end
            and (self.followed is None or self.followed <= since)
        )


def _iso(time_us: int) -> str:
    return datetime.fromtimestamp(time_us / 1e6, UTC).isoformat(timespec="seconds")


def _parse(frame: str | bytes) -> dict[str, Any]:
    try:
        message = json.loads(frame)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: nested deeper than Python's limit; a record may hold anything.
        return dict(UNPARSABLE)  # counted as malformed by the decoder
    return message if isinstance(message, dict) else dict(UNPARSABLE)
