"""XRPC reads from PDSes and relays, through the one :class:`HttpClient`.

Each method takes the service's base URL (a PDS from a DID document, a relay from the
settings), since one process reads from many. Answers are checked against the lexicons'
output shapes; a malformed one is a :class:`RemoteError`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any, NamedTuple

from segue.errors import RemoteError

from ._http import HttpClient, ResponseStream

__all__ = ["LatestCommit", "RecordEntry", "RecordPage", "RepoPage", "XrpcClient"]


class LatestCommit(NamedTuple):
    """``com.atproto.sync.getLatestCommit``: the repo's commit CID and its revision (TID)."""

    cid: str
    rev: str


class RecordEntry(NamedTuple):
    """One record of ``com.atproto.repo.listRecords``."""

    uri: str
    cid: str
    value: dict[str, Any]


class RecordPage(NamedTuple):
    """A page of records and the cursor of the next one (``None``: the last page)."""

    records: list[RecordEntry]
    cursor: str | None


class RepoPage(NamedTuple):
    """A page of ``com.atproto.sync.listReposByCollection``: DIDs and the next cursor."""

    dids: list[str]
    cursor: str | None


def _url(base: str, nsid: str) -> str:
    return f"{base.rstrip('/')}/xrpc/{nsid}"


def _str(data: dict[str, Any], key: str, url: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise RemoteError(f"{url}: malformed answer: {key!r} is not a string")
    return value


def _object(data: object, url: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise RemoteError(f"{url}: malformed answer: not a JSON object")
    return data


def _cursor(data: dict[str, Any], url: str) -> str | None:
    cursor = data.get("cursor")
    if cursor is None or cursor == "":
        return None
    if not isinstance(cursor, str):
        raise RemoteError(f"{url}: malformed answer: 'cursor' is not a string")
    return cursor


class XrpcClient:
    """The XRPC queries Segue makes; errors as :meth:`HttpClient.stream` raises them
    (``Retry-After`` on :class:`~segue.errors.AtprotoUnavailable`)."""

    def __init__(self, http: HttpClient) -> None:
        self._http = http

    async def get_latest_commit(self, pds: str, did: str) -> LatestCommit:
        """The repo's current commit: ``com.atproto.sync.getLatestCommit``."""
        url = _url(pds, "com.atproto.sync.getLatestCommit")
        data = _object(await self._http.get_json(url, params={"did": did}), url)
        return LatestCommit(cid=_str(data, "cid", url), rev=_str(data, "rev", url))

    async def list_records(
        self,
        pds: str,
        did: str,
        collection: str,
        *,
        cursor: str | None = None,
        limit: int = 100,
    ) -> RecordPage:
        """One page (``limit`` 1..100) of ``com.atproto.repo.listRecords``."""
        url = _url(pds, "com.atproto.repo.listRecords")
        params = {"repo": did, "collection": collection}
        raw, next_cursor = await self._page(url, params, "records", cursor=cursor, limit=limit)
        records = []
        for item in raw:
            entry = _object(item, url)
            value = entry.get("value")
            if not isinstance(value, dict):
                raise RemoteError(f"{url}: malformed answer: a record's value is not an object")
            records.append(
                RecordEntry(uri=_str(entry, "uri", url), cid=_str(entry, "cid", url), value=value)
            )
        return RecordPage(records=records, cursor=next_cursor)

    @contextlib.asynccontextmanager
    async def get_blob(
        self, pds: str, did: str, cid: str, *, max_bytes: int
    ) -> AsyncIterator[ResponseStream]:
        """A blob's bytes, streamed and capped at ``max_bytes``: ``com.atproto.sync.getBlob``.

        ``async with xrpc.get_blob(pds, did, cid, max_bytes=n) as blob:`` then
        ``blob.iter_bytes()`` or ``await blob.read()``.
        """
        url = _url(pds, "com.atproto.sync.getBlob")
        async with self._http.stream(
            url, params={"did": did, "cid": cid}, max_bytes=max_bytes
        ) as body:
            yield body

    async def list_repos_by_collection(
        self,
        relay: str,
        collection: str,
        *,
        cursor: str | None = None,
        limit: int = 500,
    ) -> RepoPage:
        """One page (``limit`` 1..2000) of ``com.atproto.sync.listReposByCollection``."""
        url = _url(relay, "com.atproto.sync.listReposByCollection")
        raw, next_cursor = await self._page(
            url, {"collection": collection}, "repos", cursor=cursor, limit=limit
        )
        return RepoPage(dids=[_str(_object(r, url), "did", url) for r in raw], cursor=next_cursor)

    async def _page(
        self, url: str, params: dict[str, str], key: str, *, cursor: str | None, limit: int
    ) -> tuple[list[Any], str | None]:
        """One page of a paginated query: the answer's list under ``key`` (checked to be a
        list, its items not yet) and the next page's cursor (``None``: the last page)."""
        query: dict[str, str | int] = {**params, "limit": limit}
        if cursor is not None:
            query["cursor"] = cursor
        data = _object(await self._http.get_json(url, params=query), url)
        items = data.get(key)
        if not isinstance(items, list):
            raise RemoteError(f"{url}: malformed answer: {key!r} is not a list")
        return items, _cursor(data, url)
