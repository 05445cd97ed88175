"""``PdsBlobFetcher``: a followed track's canonical audio, a blob in its account's repo.

The account's DID is resolved (``segue.atproto``: PLC or did:web, cached) to its PDS, and
the blob read with ``com.atproto.sync.getBlob``, streamed into a file under
``SEGUE_AUDIO_MAX_BYTES``. The PDS is whatever the DID document names, so the atproto
client's own rules apply (https only, no redirects, no loopback host, no private IP
literal: the process's client allows loopback only for the operator's PLC directory). Errors are
sorted as the URL fetcher sorts them: for good (:class:`AudioRefused`) or for now
(:class:`AudioUnavailable`, with the PDS's ``Retry-After``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Final

from segue.atproto import DidResolver, XrpcClient
from segue.errors import (
    AtprotoUnavailable,
    AudioRefused,
    AudioUnavailable,
    DidNotFound,
    InvalidInput,
    RemoteError,
)

__all__ = ["PdsBlobFetcher"]

# A PDS that has not caught up with a fresh upload says so; it may have the blob later.
_NOT_YET: Final = frozenset({"BlobNotFound", "RepoNotFound"})


class PdsBlobFetcher:
    """Downloads PDS blobs through the atproto client; share the resolver and XRPC client
    of the process (one HTTP client for everything ATProto)."""

    def __init__(
        self,
        resolver: DidResolver,
        xrpc: XrpcClient,
        *,
        max_bytes: int,
        timeout_seconds: float = 120.0,
    ) -> None:
        self._resolver = resolver
        self._xrpc = xrpc
        self.max_bytes = max_bytes
        self.timeout_seconds = timeout_seconds

    async def fetch_blob(self, did: str, cid: str, dest: Path) -> int:
        """Write the blob ``cid`` of ``did``'s repo to ``dest``; its size in bytes."""
        try:
            async with asyncio.timeout(self.timeout_seconds):
                return await self._fetch(did, cid, dest)
        except TimeoutError:
            raise AudioUnavailable(
                f"blob {cid} of {did}: not downloaded within {self.timeout_seconds:g} s"
            ) from None

    async def _fetch(self, did: str, cid: str, dest: Path) -> int:
        where = f"blob {cid} of {did}"
        try:
            document = await self._resolver.resolve(did)
            size = 0
            async with self._xrpc.get_blob(
                document.pds, did, cid, max_bytes=self.max_bytes
            ) as body:
                with dest.open("wb") as out:
                    async for chunk in body.iter_bytes():
                        size += len(chunk)
                        out.write(chunk)
        except AtprotoUnavailable as exc:
            raise AudioUnavailable(f"{where}: {exc.detail}", retry_after=exc.retry_after) from None
        except DidNotFound as exc:
            raise AudioRefused(f"{where}: {exc.detail}") from None
        except RemoteError as exc:
            if exc.xrpc_error in _NOT_YET or exc.status == 404:
                raise AudioUnavailable(f"{where}: {exc.detail}") from None
            if "larger than" in exc.detail or "more than" in exc.detail:
                raise AudioRefused(
                    f"{where}: more than SEGUE_AUDIO_MAX_BYTES ({self.max_bytes:,} bytes)"
                ) from None
            raise AudioRefused(f"{where}: {exc.detail}") from None
        # A DID document or PDS URL Segue refuses (http to a public host, a loopback host,
        # a private IP).
        except InvalidInput as exc:
            raise AudioRefused(f"{where}: {exc.detail}") from None
        if size == 0:
            raise AudioUnavailable(f"{where}: empty blob")
        return size
