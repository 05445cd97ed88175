"""Host names are judged by the addresses they resolve to, when the connection is made.

A name that resolves to loopback, a private or link-local address is refused with no
connection made; the connection goes to the very address that was checked (so a name that
answers differently the next time cannot move it); the operator's origins and the tests'
``allow_loopback`` keep working. Names are mapped by a resolver passed to the client (its
``resolver=``), as the system's would map them, without touching ``/etc/hosts``.
And what a remote writes in its error body reaches an error's detail escaped and cut.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Sequence

import pytest
from aiohttp import web

from segue.atproto import HttpClient, parse_did_document
from segue.atproto._addresses import PinnedBackend
from segue.errors import AtprotoUnavailable, InvalidDidDocument, InvalidInput, RemoteError
from tests.support.atproto_standins import _Server


class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections it accepts."""

    def __init__(self) -> None:
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


@pytest.fixture
async def listener() -> AsyncIterator[Listener]:
    server = Listener()
    await server.start()
    yield server
    await server.close()


class Names:
    """A resolver from a table: host -> its addresses; any other name does not resolve."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[tuple[str, int]] = []

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.asked.append((host, port))
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.table[host]


@pytest.mark.parametrize(
    "addresses",
    [
        ["127.0.0.1"],
        ["::1"],
        ["::ffff:127.0.0.1"],
        ["10.0.0.5"],
        ["192.168.1.1"],
        ["169.254.169.254"],  # a cloud's metadata service
        ["100.64.0.1"],  # CGNAT
        ["fe80::1%eth0"],
        ["0.0.0.0"],
        # one private address among public ones is enough: the next connection may use it
        ["8.8.8.8", "127.0.0.1"],
    ],
)
async def test_a_name_resolving_to_a_non_public_address_is_refused_unconnected(
    listener: Listener, addresses: list[str]
) -> None:
    names = Names({"rebound.example": addresses})
    async with HttpClient(resolver=names, connect_timeout=2) as http:
        with pytest.raises(InvalidInput, match="not a public address"):
            await http.get_json(f"https://rebound.example:{listener.port}/.well-known/did.json")
    assert names.asked == [("rebound.example", listener.port)]
    assert listener.connections == 0


async def test_allow_loopback_lets_loopback_through_but_not_private_addresses() -> None:
    names = Names({"internal.example": ["10.1.2.3"]})
    async with HttpClient(resolver=names, allow_loopback=True, connect_timeout=2) as http:
        with pytest.raises(InvalidInput, match=r"10\.1\.2\.3, not a public address"):
            await http.get_json("https://internal.example/.well-known/did.json")


async def test_a_name_resolving_to_a_public_address_is_connected_to() -> None:
    # 8.8.8.8 is not reachable from the test machine, or is and is no TLS server for the
    # name: either way the client tried, and failed to connect (not a refusal)
    names = Names({"pds.example.com": ["8.8.8.8"]})
    async with HttpClient(resolver=names, connect_timeout=0.5) as http:
        with pytest.raises(AtprotoUnavailable):
            await http.get_json("https://pds.example.com/xrpc/x")
    assert names.asked == [("pds.example.com", 443)]


async def test_a_name_that_does_not_resolve_is_unavailable() -> None:
    async with HttpClient(resolver=Names({}), connect_timeout=2) as http:
        with pytest.raises(AtprotoUnavailable, match="cannot resolve"):
            await http.get_json("https://nothing.invalid/.well-known/did.json")


async def test_the_connection_goes_to_the_address_checked(listener: Listener) -> None:
    # "pinned.example" resolves nowhere but through this resolver: the connection reaching
    # the listener was made to the address the backend checked, not to the name again
    names = Names({"pinned.example": ["127.0.0.1"]})
    backend = PinnedBackend(resolver=names, allow_loopback=True)
    stream = await backend.connect_tcp("pinned.example", listener.port, timeout=2)
    await stream.aclose()
    await asyncio.sleep(0.05)  # let the listener's accept callback run
    assert listener.connections == 1
    assert names.asked == [("pinned.example", listener.port)]


async def test_an_origin_is_read_wherever_its_name_points() -> None:
    # the operator's PLC on a name resolving to loopback: fetched, the resolver unused
    async def plc(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    server = _Server()
    server.app.router.add_get("/{tail:.*}", plc)
    await server.start()
    try:
        origin = f"http://localhost:{server.port}"
        names = Names({})
        async with HttpClient(origins=[origin], resolver=names) as http:
            assert await http.get_json(origin + "/did:plc:x") == {"ok": True}
        assert names.asked == []
    finally:
        await server.close()


FORGED = "\n2026-12-08 00:00:00,000 INFO:     [1] segue.access: GET /me 200 actor=did:plc:forged"


async def test_a_remote_error_message_reaches_the_detail_escaped_and_cut(
    atproto_http: HttpClient,
) -> None:
    # the API logs a 5xx's detail: a message with a newline would write a forged log line
    async def failing(request: web.Request) -> web.Response:
        return web.json_response(
            {"error": "x\r\nINFO: forged", "message": "boom" + FORGED + "\u2028" + "y" * 70_000},
            status=int(request.query["status"]),
        )

    server = _Server()
    server.app.router.add_get("/{tail:.*}", failing)
    await server.start()
    try:
        errors: list[AtprotoUnavailable | RemoteError] = []
        with pytest.raises(AtprotoUnavailable) as unavailable:
            await atproto_http.get_json(f"{server.url}/x?status=500")
        errors.append(unavailable.value)
        with pytest.raises(RemoteError) as remote:
            await atproto_http.get_json(f"{server.url}/x?status=400")
        errors.append(remote.value)
    finally:
        await server.close()
    for error in errors:
        for text in (error.detail, error.xrpc_message or "", error.xrpc_error or ""):
            assert not {"\n", "\r", "\u2028"} & set(text)
        assert "boom\\n2026-12-08" in error.detail
        assert error.xrpc_error == "x\\r\\nINFO: forged"
        assert len(error.xrpc_message or "") <= 201
        assert len(error.detail) < 600


def test_a_did_documents_fields_are_quoted_escaped_and_cut() -> None:
    did = "did:plc:7iza6de2dwap2sbkpav7c6c6"
    with pytest.raises(InvalidDidDocument) as caught:
        parse_did_document(did, {"id": "did:plc:other" + FORGED * 100})
    assert "\n" not in caught.value.detail
    assert len(caught.value.detail) < 300
