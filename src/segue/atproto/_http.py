"""The one HTTP client of ``segue.atproto``: DID directories, PDSes and relays.

Everything it fetches comes from other people's servers (a DID document names the PDS), so
it is strict: explicit connect/read timeouts, a cap on every response's size, no redirect
followed (a 3xx is an error naming its ``Location``), ``https://`` only, and no loopback
host (``localhost``, ``127.0.0.1``, ``::1``) nor IP-literal private or link-local one
(:func:`check_url`, before the request), and no host NAME that resolves to any non-public
address (loopback, private, link-local, CGNAT, reserved...): the name is resolved and
checked when the connection is made, and the connection goes to the address checked
(``_addresses.PinnedBackend``), so DNS rebinding cannot move it. A DID document or a
token's issuer names these hosts, so anyone could otherwise point Segue at its own machine
or network. Two explicit exceptions, both through the constructor: ``origins``, the
services the operator configured (``SEGUE_PLC_URL``, a ``--relay``), which may be on
loopback or a private address and over ``http://``; and ``allow_loopback=True``, for the
tests' loopback stand-ins only (no setting or environment variable turns it on; loopback
addresses only, private ones are still refused). What a remote writes in an error body is
escaped and cut (:func:`remote_text`) before it reaches an error's detail or a log.
Built once by its owner (the app lifespan, a CLI command) and closed by it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
from collections.abc import AsyncIterator, Collection, Mapping
from typing import Any, Final
from urllib.parse import urlsplit

import httpcore2
import httpx2

from segue.errors import AtprotoUnavailable, InvalidInput, RemoteError, SegueError

from ._addresses import PinnedBackend, Resolver, system_resolver

__all__ = [
    "DEFAULT_JSON_MAX_BYTES",
    "HttpClient",
    "ResponseStream",
    "check_url",
    "remote_text",
    "send_classified",
]

#: a JSON answer larger than this is refused: a DID document is a few hundred bytes and a
#: page of 100 records tens of kilobytes, so 4 MiB is generous and still bounds memory
DEFAULT_JSON_MAX_BYTES: Final = 4 * 1024 * 1024

_USER_AGENT: Final = "segue (+https://github.com/segue)"

#: how much of a text another server chose is kept in an error's detail
REMOTE_TEXT_MAX: Final = 200


async def send_classified(
    client: httpx2.AsyncClient,
    request: httpx2.Request,
    *,
    unavailable: type[SegueError],
    refused: type[SegueError],
) -> httpx2.Response:
    """``client.send(request, stream=True)``, its failures in Segue's terms: ``unavailable``
    for the network's (a refused or lost connection, a timeout: worth trying again later),
    ``refused`` for every other request error, the remote's doing (a body that is not what
    its ``Content-Encoding`` says, too many redirects), which it would do again.

    The one rule for every HTTP client of Segue's (ATProto reads, audio downloads): a
    ``DecodingError`` once escaped both, since it is not a ``TransportError``.

        >>> response = await send_classified(  # doctest: +SKIP
        ...     client, request, unavailable=AtprotoUnavailable, refused=RemoteError
        ... )
    """
    try:
        return await client.send(request, stream=True)
    except httpx2.TransportError as e:
        raise unavailable(f"{request.url}: {type(e).__name__}: {e}") from e
    except httpx2.RequestError as e:
        raise refused(f"{request.url}: {type(e).__name__}: {e}") from e


def remote_text(text: str, limit: int = REMOTE_TEXT_MAX) -> str:
    """``text`` that another server chose, made safe to put in a detail and a log line.

    Every character that is not printable (newlines, carriage returns, ANSI escapes, the
    Unicode line separators) is escaped as ``repr`` writes it, so a remote's message can
    never start a forged log line; the result is cut to ``limit`` characters (``…`` then).
    """
    escaped = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return escaped if len(escaped) <= limit else escaped[:limit] + "…"


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """``host`` as an IP address when a resolver would read it as one, else ``None``.

    Besides the usual forms, the legacy IPv4 ones ``getaddrinfo`` accepts too (``127.1``,
    ``0x7f000001``, ``2130706433``): a did:web host may be written so.
    """
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):  # a DNS name
        return None


def _is_loopback(host: str) -> bool:
    name = host.rstrip(".").lower()
    # RFC 6761: localhost and every name under it are this machine
    if name == "localhost" or name.endswith(".localhost"):
        return True
    address = _ip_literal(host)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address is not None and address.is_loopback


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_url(url: str, *, allow_loopback: bool = False, origins: Collection[str] = ()) -> str:
    """``url`` if Segue may fetch it, else :class:`InvalidInput`.

    https only; no credentials in the URL; no loopback host, and no IP-literal host that
    is private, link-local, multicast or unspecified (a DID document could otherwise point
    Segue at its own machine or network). A host name passes here: what it resolves to is
    checked when :class:`HttpClient` connects. ``origins`` (``scheme://host:port``, configured
    by the operator) are exempt from the host rules and may be ``http://``;
    ``allow_loopback`` lets loopback hosts through, over http too (the tests' stand-ins).
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host:
        raise InvalidInput(f"URL without a host: {url!r}")
    if parts.username is not None or parts.password is not None:
        raise InvalidInput(f"URL with credentials refused: {host}")
    if parts.scheme not in ("https", "http"):
        raise InvalidInput(f"only https:// URLs are fetched, not {parts.scheme or 'none'}://")
    if _origin(url) in {_origin(origin) for origin in origins}:
        return url
    loopback = _is_loopback(host)
    if loopback and not allow_loopback:
        raise InvalidInput(f"loopback host refused: {host}")
    if parts.scheme == "http" and not loopback:
        raise InvalidInput(f"only https:// URLs are fetched, not http:// to {host}")
    if not loopback:
        ip = _ip_literal(host)
        if ip is not None and not ip.is_global:
            raise InvalidInput(f"non-public IP address refused: {host}")
    return url


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds; the HTTP-date form is rare on XRPC and read as absent."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return max(0.0, seconds)


def _xrpc_body(body: bytes) -> tuple[str | None, str | None]:
    """The XRPC error body's ``error`` and ``message``, when it is one."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    error, message = data.get("error"), data.get("message")
    # the remote's words, escaped and cut where they enter Segue: they reach the details
    # of errors, which the API logs for every 5xx
    return (
        remote_text(error) if isinstance(error, str) else None,
        remote_text(message) if isinstance(message, str) else None,
    )


class ResponseStream:
    """A streamed response body, read at most ``max_bytes`` bytes of.

    ``content_type`` and ``content_length`` are the server's headers (unchecked hints);
    reading past the cap raises :class:`RemoteError` whatever ``Content-Length`` said.
    """

    def __init__(self, response: httpx2.Response, url: str, max_bytes: int) -> None:
        self._response = response
        self._url = url
        self.max_bytes = max_bytes
        self.content_type: str | None = response.headers.get("content-type")
        length = response.headers.get("content-length")
        self.content_length: int | None = int(length) if length and length.isdigit() else None

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """The body in chunks; :class:`RemoteError` once more than ``max_bytes`` arrived."""
        seen = 0
        try:
            async for chunk in self._response.aiter_bytes():
                seen += len(chunk)
                if seen > self.max_bytes:
                    raise RemoteError(
                        f"{self._url}: response larger than {self.max_bytes} bytes",
                        status=self._response.status_code,
                    )
                yield chunk
        except httpx2.TransportError as e:
            raise AtprotoUnavailable(f"{self._url}: {type(e).__name__}: {e}") from e
        # Not a TransportError, yet the remote's doing: a body that is not what its
        # Content-Encoding says. Asking again gets the same body, so not "unavailable".
        except httpx2.DecodingError as e:
            raise RemoteError(
                f"{self._url}: undecodable body: {e}", status=self._response.status_code
            ) from e

    async def read(self) -> bytes:
        """The whole body (within ``max_bytes``)."""
        return b"".join([chunk async for chunk in self.iter_bytes()])


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    default = 443 if parts.scheme == "https" else 80
    return (parts.hostname or "", parts.port or default)


class _PinnedTransport(httpx2.AsyncHTTPTransport):
    """httpx2's transport, its connections made by a :class:`PinnedBackend`."""

    def __init__(self, *, limits: httpx2.Limits, backend: PinnedBackend) -> None:
        super().__init__(trust_env=False, limits=limits)
        # httpx2's transport takes no network backend: its pool is built again, as it was
        # (the same TLS context and limits), with the backend that checks each address
        self._pool = httpcore2.AsyncConnectionPool(
            ssl_context=httpx2.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


class HttpClient:
    """One pooled async HTTP client for ATProto reads; close it with :meth:`aclose`."""

    def __init__(
        self,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
        json_max_bytes: int = DEFAULT_JSON_MAX_BYTES,
        max_connections: int = 50,
        origins: Collection[str] = (),
        allow_loopback: bool = False,
        resolver: Resolver = system_resolver,
    ) -> None:
        """``origins``: the operator's configured services (``SEGUE_PLC_URL``, a relay),
        fetched even on a loopback or private host; ``allow_loopback``: loopback hosts
        are fetched (over http too) -- for the tests' stand-ins, never set in production;
        ``resolver``: how host names become addresses (the system's ``getaddrinfo``;
        a test passes its own to map a name without touching ``/etc/hosts``)."""
        self.json_max_bytes = json_max_bytes
        self.origins = tuple(origins)
        self.allow_loopback = allow_loopback
        exempt = frozenset(_host_port(origin) for origin in self.origins)
        limits = httpx2.Limits(max_connections=max_connections)
        backend = PinnedBackend(
            resolver=resolver,
            exempt=lambda host, port: (host.lower(), port) in exempt,
            allow_loopback=allow_loopback,
        )
        self._client = httpx2.AsyncClient(
            transport=_PinnedTransport(limits=limits, backend=backend),
            timeout=httpx2.Timeout(read_timeout, connect=connect_timeout),
            follow_redirects=False,
            # no proxy or netrc from the environment: where Segue's requests go is decided
            # here and by check_url, nowhere else
            trust_env=False,
            headers={"user-agent": _USER_AGENT},
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @contextlib.asynccontextmanager
    async def stream(
        self,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        max_bytes: int,
        accept: str = "*/*",
    ) -> AsyncIterator[ResponseStream]:
        """GET ``url`` and hand its body over as a :class:`ResponseStream` (2xx only).

        A 429 or 503 (or any 5xx) raises :class:`AtprotoUnavailable` with its
        ``Retry-After``; another non-2xx, a redirect included, raises :class:`RemoteError`;
        both carry the XRPC error body's ``error`` and ``message``.
        """
        check_url(url, allow_loopback=self.allow_loopback, origins=self.origins)
        try:
            request = self._client.build_request(
                "GET", url, params=params, headers={"accept": accept}
            )
        except httpx2.InvalidURL as e:  # e.g. a port out of range in a DID document
            raise InvalidInput(f"invalid URL {url!r}: {e}") from e
        response = await send_classified(
            self._client, request, unavailable=AtprotoUnavailable, refused=RemoteError
        )
        try:
            if not 200 <= response.status_code < 300:
                await self._raise_for(response, url)
            if response.headers.get("content-length", "").isdigit() and (
                int(response.headers["content-length"]) > max_bytes
            ):
                raise RemoteError(
                    f"{url}: response of {response.headers['content-length']} bytes, "
                    f"more than {max_bytes}",
                    status=response.status_code,
                )
            yield ResponseStream(response, url, max_bytes)
        finally:
            await response.aclose()

    async def get_json(self, url: str, *, params: Mapping[str, str | int] | None = None) -> Any:
        """GET ``url`` and parse its JSON body (at most ``json_max_bytes``)."""
        async with self.stream(
            url, params=params, max_bytes=self.json_max_bytes, accept="application/json"
        ) as body:
            raw = await body.read()
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as e:
            raise RemoteError(f"{url}: the answer is not JSON: {e}") from e

    async def _raise_for(self, response: httpx2.Response, url: str) -> None:
        status = response.status_code
        if 300 <= status < 400:
            location = response.headers.get("location", "")
            raise RemoteError(
                f"{url}: redirect ({status}) to {remote_text(location)!r} not followed",
                status=status,
            )
        # an error body is small; read only a little of it
        body = b""
        try:
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > 64 * 1024:
                    break
        # the status is the answer; an error body that cannot be read adds nothing to it
        except (httpx2.TransportError, httpx2.DecodingError):
            body = b""
        error, message = _xrpc_body(body)
        said = f": {error}: {message}" if error or message else ""
        detail = f"{url}: HTTP {status}{said}"
        if status == 429 or status >= 500:
            raise AtprotoUnavailable(
                detail,
                retry_after=_retry_after(response.headers.get("retry-after")),
                status=status,
                xrpc_error=error,
                xrpc_message=message,
            )
        raise RemoteError(detail, status=status, xrpc_error=error, xrpc_message=message)
