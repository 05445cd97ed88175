"""The stand-in behind a real HTTP server on 127.0.0.1, for what needs real connections:
the production client's own aiohttp transport, connection reuse, and the CLI."""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType

from aiohttp import web

from ._api import TurbopufferStandin

__all__ = ["LoopbackServer"]


class LoopbackServer:
    """Serves ``standin`` on 127.0.0.1 from a background thread (its own event loop).

    ``connections`` holds the client (host, port) of every request, so the distinct ones
    are the TCP connections the client opened.

        >>> with LoopbackServer(TurbopufferStandin()) as server:  # doctest: +SKIP
        ...     server.base_url
        'http://127.0.0.1:40213'
    """

    def __init__(self, standin: TurbopufferStandin) -> None:
        self.standin = standin
        self.connections: list[tuple[str, int]] = []
        self.base_url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        if peer is not None:
            self.connections.append((str(peer[0]), int(peer[1])))
        body = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        status, extra, payload = await self.standin.ahandle(
            request.method, request.path, headers, body
        )
        return web.json_response(payload, status=status, headers=extra)

    async def _start(self) -> str:
        app = web.Application(client_max_size=self.standin.max_request_bytes + 2**20)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        self.base_url = asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    @property
    def distinct_connections(self) -> int:
        return len(set(self.connections))
