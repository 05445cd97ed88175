"""The vector store hanging, erroring or unreadable: ``available: false`` within its
timeout, never a 500, and the rest of the API unaffected meanwhile.

tests/api/test_recommendations.py covers a store whose methods raise or sleep; these use
real failures: the turbopuffer backend against a server that accepts connections and then
never answers, or answers errors, and a local index file that is corrupt.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from segue.settings import Settings

from ._world import SmallWorld, running_app, seed

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

VECTOR_TIMEOUT = 2.0
HANG_GUARD = VECTOR_TIMEOUT + 5.0
UNAVAILABLE = {"tracks": [], "available": False, "more": False}


class BadServer:
    """An HTTP server on 127.0.0.1 that hangs, or answers every request with ``status``."""

    def __init__(self, status: int | None) -> None:
        self.status = status
        self.requests = 0
        self.called = asyncio.Event()
        self._writers: list[asyncio.StreamWriter] = []

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            self.requests += 1
            self.called.set()
            length = next(
                (int(line.split(b":")[1]) for line in head.split(b"\r\n")
                 if line.lower().startswith(b"content-length:")),
                0,
            )  # fmt: skip
            await reader.readexactly(length)
            if self.status is None:
                await asyncio.Event().wait()  # hang until the test ends
            body = b'{"error": "broken on purpose"}'
            writer.write(
                f"HTTP/1.1 {self.status} Oops\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            await writer.drain()

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        for writer in self._writers:
            writer.close()


def tpuf_settings(settings: Settings, tmp_path: Path, base_url: str) -> Settings:
    return Settings.model_validate(
        {
            **settings.model_dump(),
            "vector_backend": "turbopuffer",
            "turbopuffer_api_key": "tpuf_test",
            "turbopuffer_base_url": base_url,
            "vector_timeout_seconds": VECTOR_TIMEOUT,
            "cache_backend": "memory",
            "ui_dir": tmp_path / "no-ui",
        }
    )


@pytest.fixture
async def world(settings: Settings) -> SmallWorld:
    return await seed(settings, n_playlists=3)


async def test_hanging_store_leaves_the_rest_of_the_api_alone(
    settings: Settings, world: SmallWorld, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    server = BadServer(status=None)
    async with server as url, running_app(tpuf_settings(settings, tmp_path, url)) as (_, client):
        pid = world.playlists[0]
        async with asyncio.timeout(HANG_GUARD):
            pending = asyncio.create_task(
                client.get(f"/playlists/{pid}/recommendations", headers=world.auth)
            )
            await server.called.wait()  # the store has been called and is hanging now
            others = await asyncio.gather(
                client.get(f"/playlists/{pid}", headers=world.auth),
                client.get("/tracks", params={"q": "Track 1"}, headers=world.auth),
                client.get("/me/playlists", headers=world.auth),
                client.get("/healthz"),
            )
            assert [r.status_code for r in others] == [200] * 4
            assert not pending.done(), "answered before the store's timeout: nothing hung"
            r = await pending
        assert r.status_code == 200
        assert r.json() == UNAVAILABLE
        assert "did not answer in time" in caplog.text


@pytest.mark.parametrize("status", [500, 503, 429, 400, 401])
async def test_erroring_store_is_unavailable(
    status: int, settings: Settings, world: SmallWorld, tmp_path: Path
):
    server = BadServer(status=status)
    async with server as url, running_app(tpuf_settings(settings, tmp_path, url)) as (_, client):
        async with asyncio.timeout(HANG_GUARD):
            for pid in world.playlists:
                r = await client.get(f"/playlists/{pid}/recommendations", headers=world.auth)
                assert r.status_code == 200, r.text
                assert r.json() == UNAVAILABLE
        assert server.requests >= len(world.playlists)


async def test_unreadable_local_index_is_unavailable_until_replaced(
    settings: Settings, world: SmallWorld, tmp_path: Path
):
    s = Settings.model_validate(
        {**settings.model_dump(), "cache_backend": "none", "ui_dir": tmp_path / "no-ui"}
    )
    pid = world.playlists[0]
    good = tmp_path / "good.usearch"
    shutil.copyfile(s.index_path, good)
    async with running_app(s) as (_, client):
        url = f"/playlists/{pid}/recommendations"
        assert (await client.get(url, headers=world.auth)).json()["available"] is True
        # Replaced by something that is not an index (a botched copy, a truncated restore):
        broken = s.index_path.with_suffix(".broken")
        broken.write_bytes(good.read_bytes()[:4096])
        broken.replace(s.index_path)
        r = await client.get(url, headers=world.auth)
        assert r.status_code == 200, r.text
        assert r.json() == UNAVAILABLE
        assert (await client.get(f"/playlists/{pid}", headers=world.auth)).status_code == 200
        shutil.copyfile(good, broken)
        broken.replace(s.index_path)
        assert (await client.get(url, headers=world.auth)).json()["available"] is True


@asynccontextmanager
async def _late_store(
    settings: Settings, tmp_path: Path, *, gives_up: float, answers: float | asyncio.Event
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, list[int]]]:
    """The app with an in-process cache and a store that answers late: ``answers`` seconds
    after it is asked, or once the event is set (requests give up after ``gives_up``
    seconds); the list grows by one per store query."""
    s = Settings.model_validate(
        {
            **settings.model_dump(),
            "cache_backend": "memory",
            "vector_timeout_seconds": gives_up,
            "ui_dir": tmp_path / "no-ui",
        }
    )
    async with running_app(s) as (app, client):
        store = app.state.resources.store
        original, calls = store.query_many, []

        async def late(*args, **kwargs):
            calls.append(1)
            if isinstance(answers, asyncio.Event):
                await answers.wait()
            else:
                await asyncio.sleep(answers)
            return await original(*args, **kwargs)

        store.query_many = late
        yield app, client, calls


async def _unavailable_then_settled(
    app: FastAPI,
    client: httpx.AsyncClient,
    url: str,
    auth,
    *,
    given_up: asyncio.Event | None = None,
):
    """Ask once (the store is too late), set ``given_up``, then wait for the computation
    left running."""
    async with asyncio.timeout(HANG_GUARD):
        assert (await client.get(url, headers=auth)).json() == UNAVAILABLE
        if given_up is not None:
            given_up.set()
        while len(app.state.resources.recommender.flights):  # noqa: ASYNC110
            await asyncio.sleep(0.05)  # the computation finishing in the background


async def test_a_late_answer_is_cached_for_the_next_request(
    settings: Settings, world: SmallWorld, tmp_path: Path
):
    # The store answers after the request has given up: the work still fills the cache,
    # so under load a slow computation is not thrown away and repeated. It answers as soon
    # as the request has given up (an event, not a fixed delay), so that the computation
    # keeps all but one timeout of its grace (four timeouts) for the rest of its work: a
    # fixed 0.4 s delay left it 0.4 s, which a stall of a loaded machine once took.
    given_up = asyncio.Event()
    async with _late_store(settings, tmp_path, gives_up=0.3, answers=given_up) as (
        app,
        client,
        calls,
    ):
        url = f"/playlists/{world.playlists[0]}/recommendations"
        await _unavailable_then_settled(app, client, url, world.auth, given_up=given_up)
        r = await client.get(url, headers=world.auth)
        assert r.json()["available"] is True
        assert len(calls) == 1


async def test_a_computation_past_its_grace_is_dropped_and_says_so(
    settings: Settings, world: SmallWorld, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    # The store answers after four request timeouts: the background work is dropped, a
    # warning says so (no request is left to), and nothing is cached.
    async with _late_store(settings, tmp_path, gives_up=0.05, answers=0.5) as (app, client, calls):
        url = f"/playlists/{world.playlists[0]}/recommendations"
        await _unavailable_then_settled(app, client, url, world.auth)
        dropped = [r for r in caplog.records if "was dropped after" in r.getMessage()]
        assert len(dropped) == 1, [r.getMessage() for r in caplog.records]
        assert (await client.get(url, headers=world.auth)).json() == UNAVAILABLE
        assert len(calls) == 2  # nothing was cached: the second request computed again
