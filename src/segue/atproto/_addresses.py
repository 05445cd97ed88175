"""Which network addresses Segue connects to for other people's URLs, checked when it connects.

A host name is anyone's to point anywhere: ``127.0.0.1.nip.io`` resolves to this machine,
a name may answer 10.0.0.5, and a name checked once may answer differently a second later
(DNS rebinding). So the address is judged where the connection is made:
:class:`PinnedBackend` resolves the name itself, refuses it when any address it resolves to
is not a public one (:func:`is_public_address`), and connects to the address it checked, never
letting the name be looked up again. TLS still verifies the certificate against the name.

Shared with the audio fetcher (``segue.ingest.audio``), which judges addresses the same way.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence

import httpcore2

from segue.errors import InvalidInput

__all__ = ["IpAddress", "PinnedBackend", "Resolver", "is_public_address", "system_resolver"]

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: ``(host, port)`` -> the addresses to connect to, as strings; raises :class:`OSError`
#: (``socket.gaierror``) when the name does not resolve
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]


def is_public_address(address: IpAddress) -> bool:
    """Whether ``address`` is on the public internet.

    ``is_global`` is false for private, loopback, link-local, shared (CGNAT), reserved,
    documentation and unspecified ranges alike; multicast is refused too. An IPv4-mapped
    IPv6 address is judged as its IPv4 self.
    """
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _unmapped(address: IpAddress) -> IpAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


async def system_resolver(host: str, port: int) -> Sequence[str]:
    """The system's resolver (``getaddrinfo``), every address of ``host`` for TCP."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(sockaddr[0]) for *_, sockaddr in infos]


class PinnedBackend(httpcore2.AsyncNetworkBackend):
    """An httpcore network backend that connects only to checked addresses.

    ``exempt(host, port)``: the operator's own services (connected to as the system
    resolves them, whatever the address); ``allow_loopback``: loopback addresses are
    accepted (the tests' stand-ins), other non-public ones still are not.
    """

    def __init__(
        self,
        *,
        resolver: Resolver = system_resolver,
        exempt: Callable[[str, int], bool] = lambda host, port: False,
        allow_loopback: bool = False,
    ) -> None:
        self._resolver = resolver
        self._exempt = exempt
        self._allow_loopback = allow_loopback
        self._inner = httpcore2.AnyIOBackend()

    def _allowed(self, address: IpAddress) -> bool:
        return is_public_address(address) or (
            self._allow_loopback and _unmapped(address).is_loopback
        )

    async def _addresses(self, host: str, port: int, seconds: float | None) -> list[IpAddress]:
        try:
            return [ipaddress.ip_address(host.strip("[]"))]
        except ValueError:  # a name
            pass
        try:
            async with asyncio.timeout(seconds):
                found = await self._resolver(host, port)
        except TimeoutError:
            raise httpcore2.ConnectTimeout(f"{host}: name not resolved in time") from None
        # a name that does not resolve is a failed connection, as it was before the check
        except OSError as exc:
            raise httpcore2.ConnectError(f"{host}: cannot resolve: {exc}") from None
        # an empty or over-long label (a did:web of "a..b"): no resolver will ever take it
        except UnicodeError:
            raise InvalidInput(f"not a valid host name: {host!r}") from None
        if not found:
            raise httpcore2.ConnectError(f"{host}: resolves to no address")
        # %scope suffixes (fe80::1%eth0) are link-local, refused anyway: drop them to parse
        return [ipaddress.ip_address(text.split("%", 1)[0]) for text in found]

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 -- httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore2.SOCKET_OPTION] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        if self._exempt(host, port):
            return await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        addresses = await self._addresses(host, port, timeout)
        for address in addresses:
            # every address, not only the one used: the next connection may pick another
            if not self._allowed(address):
                raise InvalidInput(f"{host} resolves to {address}, not a public address")
        failure: httpcore2.ConnectError | httpcore2.ConnectTimeout | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore2.ConnectError, httpcore2.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None  # addresses is never empty
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 -- httpcore's interface
        socket_options: Iterable[httpcore2.SOCKET_OPTION] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        raise InvalidInput("Unix sockets are not connected to")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
