"""A local Jetstream: a real websocket server (``websockets``) replaying recorded events.

It speaks the ``/subscribe`` wire: JSON text frames; ``wantedCollections`` filters commit
events (exact NSIDs or ``prefix.*``) while account and identity events always pass, as
Jetstream does; ``cursor`` replays from the first event whose ``time_us`` is at or after
it, and without one the client gets the live tail only (events published after it
connected). Every subscription is recorded, so tests can check what the client asked for.

Two faults of real hosts: ``blind`` (a set of collections whose commits it drops while
still sending everything else, as a public host did with ``fm.plyr.*`` for ten hours),
and ``retention_us`` (it keeps only events no older than that before its newest one; a
cursor older than what it keeps is answered from its oldest event, silently).

    async with JetstreamStandIn(recording.events) as jetstream:
        await follow(database, FollowOptions(urls=(jetstream.url,), once=True, start_cursor=0))
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed


@dataclass(frozen=True)
class Subscription:
    path: str
    collections: tuple[str, ...]
    cursor: int | None


def _wanted(event: dict[str, Any], collections: tuple[str, ...]) -> bool:
    if event.get("kind") != "commit" or not collections:
        return True
    collection = event["commit"]["collection"]
    return any(
        collection.startswith(c[:-1]) if c.endswith(".*") else collection == c for c in collections
    )


class JetstreamStandIn:
    def __init__(
        self,
        events: list[dict[str, Any]] | None = None,
        *,
        delay: float = 0.0,
        drop_after: int | None = None,
        blind: frozenset[str] = frozenset(),
        retention_us: int | None = None,
    ) -> None:
        self.events: list[dict[str, Any]] = list(events or [])
        self.delay = delay
        self.drop_after = drop_after  # close the first connection after this many frames
        self.blind = set(blind)  # collections whose commits are dropped (changeable)
        self.retention_us = retention_us
        self.subscriptions: list[Subscription] = []
        self.sent: list[dict[str, Any]] = []
        self._published = asyncio.Event()
        self._server: Server | None = None
        self.url = ""

    async def __aenter__(self) -> JetstreamStandIn:
        self._server = await serve(self._handle, "127.0.0.1", 0)
        port = next(iter(self._server.sockets)).getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    def publish(self, *events: dict[str, Any]) -> None:
        """Live events: sent to every connected client, and kept for later replays."""
        self.events.extend(events)
        self._published.set()

    async def _handle(self, socket: ServerConnection) -> None:
        assert socket.request is not None
        parts = urlsplit(socket.request.path)
        query = parse_qs(parts.query)
        collections = tuple(query.get("wantedCollections", []))
        cursor = int(query["cursor"][0]) if "cursor" in query else None
        self.subscriptions.append(Subscription(parts.path, collections, cursor))
        if parts.path != "/subscribe":
            await socket.close(1008, "unknown path")
            return
        if cursor is not None and self.retention_us is not None and self.events:
            # What it no longer keeps it cannot replay: it starts from its oldest event.
            cursor = max(cursor, self.events[-1]["time_us"] - self.retention_us)
        index = (
            len(self.events)
            if cursor is None
            else next(
                (i for i, e in enumerate(self.events) if e["time_us"] >= cursor), len(self.events)
            )
        )
        sent = 0
        try:
            while True:
                while index < len(self.events):
                    event = self.events[index]
                    index += 1
                    if not _wanted(event, collections) or self._blind_to(event):
                        continue
                    # A prepared frame ("_frame") goes out as it is: a broken one, say.
                    await socket.send(event.get("_frame") or json.dumps(event))
                    self.sent.append(event)
                    sent += 1
                    if self.drop_after is not None and sent >= self.drop_after:
                        self.drop_after = None
                        await socket.close()
                        return
                    if self.delay:
                        await asyncio.sleep(self.delay)
                self._published.clear()
                if not await self._more(socket):
                    return
        except ConnectionClosed:
            return

    def _blind_to(self, event: dict[str, Any]) -> bool:
        commit = event.get("commit")
        return isinstance(commit, dict) and commit.get("collection") in self.blind

    async def _more(self, socket: ServerConnection) -> bool:
        """Wait for a published event (True) or for the connection to close (False)."""
        published = asyncio.ensure_future(self._published.wait())
        closed = asyncio.ensure_future(socket.wait_closed())
        done, pending = await asyncio.wait({published, closed}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        return published in done
