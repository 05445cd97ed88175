"""``AudioFetcher``: one streaming HTTP client that downloads tracks' audio, strictly.

Audio URLs are other people's data (a followed record names them), so a fetch is refused
for good (:class:`AudioRefused`) when the URL is off ``SEGUE_AUDIO_ORIGINS``, a redirect
leaves them, the host is a private, loopback or link-local address no origin names, the
body is larger than ``SEGUE_AUDIO_MAX_BYTES``, is a web page or is not what its
``Content-Encoding`` says; and fails for now
(:class:`AudioUnavailable`, retried later) on timeouts, lost connections, truncated
bodies, 404, 408, 429 and 5xx. The whole download has a deadline
(``SEGUE_AUDIO_FETCH_TIMEOUT_SECONDS``), so a server sending a byte a second cannot hold
a worker. The body goes to a file, never all into memory.

    >>> async with AudioFetcher(origins=settings.audio_origin_list) as fetcher:  # doctest: +SKIP
    ...     size = await fetcher.fetch(url, Path("/tmp/track.audio"))
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from pathlib import Path
from types import TracebackType
from typing import Final
from urllib.parse import urljoin, urlsplit

import httpx2

from segue.atproto import send_classified
from segue.catalog import url_origin
from segue.errors import AudioRefused, AudioUnavailable

from ._addresses import check_peer, check_resolved

__all__ = ["AudioFetcher"]

#: redirects followed within the trusted origins (a CDN's signed-URL hop, a moved file)
MAX_REDIRECTS: Final = 5
_RETRY_STATUSES: Final = frozenset({404, 408, 425, 429})
# Bodies that are certainly not audio: an error page, a login wall, an API's JSON.
_NOT_AUDIO: Final = ("text/", "application/json", "application/xml", "application/xhtml")
_USER_AGENT: Final = "segue-embed (+https://github.com/segue)"
_CHUNK: Final = 1 << 16


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:  # the HTTP-date form: rare, and a backoff is applied anyway
        return None


class AudioFetcher:
    """Downloads audio from trusted origins; build one per process and close it."""

    def __init__(
        self,
        *,
        origins: Collection[str],
        max_bytes: int = 100_000_000,
        timeout_seconds: float = 120.0,
        connect_timeout_seconds: float = 10.0,
        read_timeout_seconds: float = 30.0,
        max_connections: int = 16,
    ) -> None:
        self.origins = frozenset(origins)
        self.max_bytes = max_bytes
        self.timeout_seconds = timeout_seconds
        self._client = httpx2.AsyncClient(
            timeout=httpx2.Timeout(read_timeout_seconds, connect=connect_timeout_seconds),
            follow_redirects=False,  # each hop is checked here
            trust_env=False,  # no proxy from the environment: where requests go is decided here
            limits=httpx2.Limits(max_connections=max_connections),
            headers={"user-agent": _USER_AGENT, "accept": "audio/*, */*;q=0.5"},
        )

    async def __aenter__(self) -> AudioFetcher:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    def _trusted(self, url: str) -> None:
        if url_origin(url) not in self.origins:
            raise AudioRefused(f"{url}: not on a trusted origin (SEGUE_AUDIO_ORIGINS)")

    async def fetch(self, url: str, dest: Path) -> int:
        """Download ``url`` into ``dest``; the number of bytes. :class:`AudioRefused` or
        :class:`AudioUnavailable` otherwise (``dest`` may then hold part of the body)."""
        try:
            async with asyncio.timeout(self.timeout_seconds):
                return await self._fetch(url, dest)
        except TimeoutError:
            raise AudioUnavailable(
                f"{url}: not downloaded within {self.timeout_seconds:g} s"
            ) from None

    async def _fetch(self, url: str, dest: Path) -> int:
        for _ in range(MAX_REDIRECTS + 1):
            self._trusted(url)
            await check_resolved(url)
            request = self._client.build_request("GET", url)
            response = await send_classified(
                self._client, request, unavailable=AudioUnavailable, refused=AudioRefused
            )
            try:
                stream = response.extensions.get("network_stream")
                peer = stream.get_extra_info("server_addr") if stream is not None else None
                check_peer(url, peer[0] if peer else None)
                if response.is_redirect:
                    location = response.headers.get("location", "")
                    target = urljoin(url, location)
                    if url_origin(target) not in self.origins:
                        raise AudioRefused(
                            f"{url}: redirect ({response.status_code}) to "
                            f"{urlsplit(target).netloc or location} leaves the trusted origins"
                        )
                    url = target
                    continue
                self._check_response(url, response)
                return await self._save(url, response, dest)
            finally:
                await response.aclose()
        raise AudioRefused(f"{url}: more than {MAX_REDIRECTS} redirects")

    def _check_response(self, url: str, response: httpx2.Response) -> None:
        status = response.status_code
        if status in _RETRY_STATUSES or status >= 500:
            raise AudioUnavailable(
                f"{url}: HTTP {status}",
                retry_after=_retry_after(response.headers.get("retry-after")),
            )
        if not 200 <= status < 300:
            raise AudioRefused(f"{url}: HTTP {status}")
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind.startswith(_NOT_AUDIO):
            raise AudioRefused(f"{url}: not audio ({kind})")
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            raise AudioRefused(
                f"{url}: {int(length):,} bytes, more than SEGUE_AUDIO_MAX_BYTES "
                f"({self.max_bytes:,})"
            )

    async def _save(self, url: str, response: httpx2.Response, dest: Path) -> int:
        size = 0
        try:
            with dest.open("wb") as out:
                async for chunk in response.aiter_bytes(_CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise AudioRefused(
                            f"{url}: more than SEGUE_AUDIO_MAX_BYTES ({self.max_bytes:,} bytes)"
                        )
                    out.write(chunk)
        # A connection cut short (a truncated body: fewer bytes than Content-Length), or a
        # read that timed out between bytes: this attempt failed, the next may not.
        except httpx2.TransportError as exc:
            raise AudioUnavailable(f"{url}: {type(exc).__name__}: {exc}") from None
        # A body that is not what its Content-Encoding says (not a TransportError): the
        # server sends the same bytes next time, so the track is refused for good.
        except httpx2.DecodingError as exc:
            raise AudioRefused(f"{url}: undecodable body: {exc}") from None
        if size == 0:
            raise AudioUnavailable(f"{url}: empty body")
        return size
