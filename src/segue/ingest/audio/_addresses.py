"""Which network addresses audio may be fetched from.

A trusted origin's name could still point at this machine or its network (a DNS record
set by whoever controls the name, or changed after the check): so every address a name
resolves to must be public, and so must the one actually connected to. A private,
loopback or link-local address is allowed only when an origin in ``SEGUE_AUDIO_ORIGINS``
names that very address (``http://127.0.0.1:8123``: a local test server, an internal
mirror the operator chose).

What is public is :func:`segue.atproto.is_public_address`, the rule the ATProto client
applies to the hosts DID documents and tokens name.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from segue.atproto import is_public_address
from segue.errors import AudioRefused, AudioUnavailable

__all__ = ["check_peer", "check_resolved", "literal_address"]

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def literal_address(host: str) -> IpAddress | None:
    """``host`` as an IP address when it is one (``[::1]`` brackets removed), else ``None``."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


async def check_resolved(url: str) -> None:
    """Refuse ``url`` when its host is a name that resolves to a non-public address.

    An IP literal is left alone here: it is on a trusted origin (checked before), so an
    origin names it exactly. A name that does not resolve is a temporary failure.
    """
    host = urlsplit(url).hostname or ""
    if literal_address(host) is not None:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise AudioUnavailable(f"{host}: cannot resolve: {exc.strerror}") from None
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0])
        if not is_public_address(address):
            raise AudioRefused(
                f"{host} resolves to {address}, not a public address; name the address "
                "itself in SEGUE_AUDIO_ORIGINS to fetch from it"
            )


def check_peer(url: str, peer: str | None) -> None:
    """Refuse a connection to a name that ended at a non-public address (the name changed
    between the check and the connection)."""
    host = urlsplit(url).hostname or ""
    if peer is None or literal_address(host) is not None:
        return
    address = literal_address(peer)
    if address is not None and not is_public_address(address):
        raise AudioRefused(f"{host} connected to {address}, not a public address")
