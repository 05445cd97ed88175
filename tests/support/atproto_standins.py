"""Loopback stand-ins for the ATProto services Segue reads: a PLC directory, a did:web host,
a PDS and a relay, each an aiohttp server on an ephemeral port of 127.0.0.1.

They answer as the real services do, per the lexicons (bluesky-social/atproto
``lexicons/com/atproto``) and the reference PDS's handlers:

- PLC directory: ``GET /{did}`` -> the document (``application/did+ld+json``); 404
  ``{"message": "DID not registered: ..."}`` for an unknown DID, 410 for a tombstoned one;
  ``delay`` slows each answer, ``max_in_flight`` is the most requests answered at once.
- did:web host: ``GET /.well-known/did.json``.
- PDS: ``com.atproto.sync.getLatestCommit`` (``{cid, rev}``; 400 ``RepoNotFound``),
  ``com.atproto.repo.listRecords`` (``{uri, cid, value}``: the record in its JSON form,
  ``{"$link": cid}`` and ``{"$bytes": base64}`` as given, and the CID of its DAG-CBOR,
  where those are a link and bytes, as a PDS stores it; newest rkey first,
  ``reverse=true`` oldest first;
  ``limit`` 1..100, default 50; ``cursor`` = the last rkey of a non-empty page, as the
  reference PDS does, so the page after the last is empty and has none),
  ``com.atproto.sync.getBlob`` (the bytes; 400 ``BlobNotFound``). XRPC errors are
  ``{"error", "message"}``; ``fail_next`` answers the next requests with 429/503 and a
  ``Retry-After``; ``stuck_cursor`` makes its pages never end.
- Relay: ``com.atproto.sync.listReposByCollection`` (``limit`` 1..2000, default 500; a
  cursor only when more remain).

Fixtures (import them into a conftest): ``plc_directory``, ``did_web_host``, ``pds``,
``relay``, ``atproto_http`` (a :class:`segue.atproto.HttpClient` that allows loopback
hosts, ``allow_loopback=True``), ``did_resolver`` (on
``plc_directory``), ``xrpc``. :func:`make_identity` makes a DID with a real key pair.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

import libipld
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from segue.atproto import (
    DidResolver,
    HttpClient,
    XrpcClient,
    encode_multibase_key,
    record_cid,
)

__all__ = [
    "DidWebHost",
    "Identity",
    "Pds",
    "PlcDirectory",
    "Relay",
    "atproto_http",
    "cid_of",
    "did_document",
    "did_resolver",
    "did_web_host",
    "make_identity",
    "pds",
    "plc_directory",
    "relay",
    "xrpc",
]

_ORDERS = {
    "secp256k1": 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
    "P-256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
}
_CURVES: dict[str, ec.EllipticCurve] = {"secp256k1": ec.SECP256K1(), "P-256": ec.SECP256R1()}


def cid_of(data: bytes, *, codec: int = 0x71) -> str:
    """CIDv1, sha-256, base32: dag-cbor (0x71, records) or raw (0x55, blobs)."""
    digest = hashlib.sha256(data).digest()
    encoded: str = libipld.encode_multibase("b", bytes([0x01, codec, 0x12, 0x20]) + digest)
    return encoded


@dataclass
class Identity:
    """A DID with a real signing key (``private_key``) on ``curve``."""

    did: str
    curve: Literal["secp256k1", "P-256"]
    private_key: ec.EllipticCurvePrivateKey

    @property
    def multibase(self) -> str:
        return encode_multibase_key(self.private_key.public_key(), self.curve)

    def sign(self, data: bytes) -> bytes:
        """ATProto's signature of ``data``: 64 bytes ``r || s``, low-S."""
        r, s = decode_dss_signature(self.private_key.sign(data, ec.ECDSA(hashes.SHA256())))
        n = _ORDERS[self.curve]
        if s > n // 2:
            s = n - s
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def rotate(self) -> None:
        """A new key pair (the document must be published again)."""
        self.private_key = ec.generate_private_key(_CURVES[self.curve])


def make_identity(
    did: str | None = None, curve: Literal["secp256k1", "P-256"] = "secp256k1"
) -> Identity:
    """A fresh key pair, and a random ``did:plc`` unless ``did`` is given."""
    if did is None:
        did = "did:plc:" + "".join(
            secrets.choice("abcdefghijklmnopqrstuvwxyz234567") for _ in range(24)
        )
    return Identity(did=did, curve=curve, private_key=ec.generate_private_key(_CURVES[curve]))


def did_document(
    identity: Identity, *, pds: str | None, handle: str | None = None
) -> dict[str, Any]:
    """The DID document a PLC directory serves for ``identity`` (Multikey, #atproto_pds)."""
    doc: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/multikey/v1",
            "https://w3id.org/security/suites/secp256k1-2019/v1",
        ],
        "id": identity.did,
        "alsoKnownAs": [f"at://{handle}"] if handle else [],
        "verificationMethod": [
            {
                "id": f"{identity.did}#atproto",
                "type": "Multikey",
                "controller": identity.did,
                "publicKeyMultibase": identity.multibase,
            }
        ],
        "service": [],
    }
    if pds is not None:
        doc["service"].append(
            {"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": pds}
        )
    return doc


class _Server:
    """An aiohttp app on 127.0.0.1:<ephemeral>; ``requests`` counts paths served."""

    def __init__(self) -> None:
        self.app = web.Application()
        self.requests: Counter[str] = Counter()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def _xrpc_error(status: int, error: str, message: str, **headers: str) -> web.Response:
    return web.json_response({"error": error, "message": message}, status=status, headers=headers)


class PlcDirectory(_Server):
    """``GET /{did}``: register documents with :meth:`put`, tombstone with :meth:`tombstone`."""

    def __init__(self) -> None:
        super().__init__()
        self.documents: dict[str, dict[str, Any]] = {}
        self.tombstoned: set[str] = set()
        #: seconds each answer waits (a directory far away), so requests overlap
        self.delay = 0.0
        #: requests being answered now, and the most there ever were at once
        self.in_flight = 0
        self.max_in_flight = 0
        self.app.router.add_get("/{did}", self._get)

    def put(self, document: dict[str, Any]) -> None:
        self.documents[document["id"]] = document

    def tombstone(self, did: str) -> None:
        self.documents.pop(did, None)
        self.tombstoned.add(did)

    async def _get(self, request: web.Request) -> web.Response:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            return self._answer(request.match_info["did"])
        finally:
            self.in_flight -= 1

    def _answer(self, did: str) -> web.Response:
        self.requests[did] += 1
        if did in self.tombstoned:
            return web.json_response({"message": f"DID not available: {did}"}, status=410)
        if did not in self.documents:
            return web.json_response({"message": f"DID not registered: {did}"}, status=404)
        return web.Response(
            text=json.dumps(self.documents[did]), content_type="application/did+ld+json"
        )


class DidWebHost(_Server):
    """``GET /.well-known/did.json`` for ``did`` (``did:web:127.0.0.1%3A<port>``)."""

    def __init__(self) -> None:
        super().__init__()
        self.document: dict[str, Any] | None = None
        #: an answer given instead of the document (a host that misbehaves): status,
        #: headers, body
        self.misbehave: tuple[int, dict[str, str], bytes] | None = None
        self.app.router.add_get("/.well-known/did.json", self._get)

    @property
    def did(self) -> str:
        return f"did:web:127.0.0.1%3A{self.port}"

    async def _get(self, request: web.Request) -> web.Response:
        self.requests["did.json"] += 1
        if self.misbehave is not None:
            status, headers, body = self.misbehave
            return web.Response(status=status, headers=headers, body=body)
        if self.document is None:
            return web.Response(status=404, text="Not Found")
        return web.json_response(self.document)


@dataclass
class _Repo:
    rev: str
    commit_cid: str
    # collection -> rkey -> (cid, value)
    records: dict[str, dict[str, tuple[str, dict[str, Any]]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    blobs: dict[str, bytes] = field(default_factory=dict)


class Pds(_Server):
    """A PDS holding repos: :meth:`add_repo`, :meth:`put_record`, :meth:`put_blob`;
    :meth:`fail_next` for 429/503 answers with ``Retry-After``; ``gzip_lies``: blob CIDs
    served as they are but said to be gzip (``Content-Encoding: gzip``)."""

    def __init__(self) -> None:
        super().__init__()
        self.repos: dict[str, _Repo] = {}
        self._failures: list[tuple[int, str | None]] = []
        #: seconds each ``listRecords`` answer waits: a slow PDS, so a test can stop a
        #: backfill between pages
        self.page_delay = 0.0
        #: a PDS whose pages never end: every non-empty ``listRecords`` page has this
        #: cursor instead of its last rkey (one sorting after every rkey, ``"same"``,
        #: gives the first page again when asked)
        self.stuck_cursor: str | None = None
        self.gzip_lies: set[str] = set()
        self._hold_after: int | None = None
        self._released = asyncio.Event()
        for nsid, handler in (
            ("com.atproto.sync.getLatestCommit", self._latest_commit),
            ("com.atproto.repo.listRecords", self._list_records),
            ("com.atproto.sync.getBlob", self._get_blob),
        ):
            self.app.router.add_get(f"/xrpc/{nsid}", handler)

    def add_repo(self, did: str, *, rev: str = "3jzfcijpj2z2a") -> None:
        self.repos[did] = _Repo(rev=rev, commit_cid=cid_of(did.encode() + rev.encode()))

    def set_rev(self, did: str, rev: str) -> None:
        repo = self.repos[did]
        repo.rev, repo.commit_cid = rev, cid_of(did.encode() + rev.encode())

    def put_record(self, did: str, collection: str, rkey: str, value: dict[str, Any]) -> str:
        """Store a record given in its JSON form; its CID is returned: that of its DAG-CBOR
        with ``$link`` objects encoded as links and ``$bytes`` as bytes (the data model's
        JSON mapping, :func:`segue.atproto.record_cid`), as a PDS computes it. A value the
        data model refuses (a float, an integer past 64 bits) raises ``InvalidInput``, as
        a PDS refuses the write."""
        cid = record_cid(value)
        self.repos[did].records[collection][rkey] = (cid, value)
        return cid

    def delete_record(self, did: str, collection: str, rkey: str) -> None:
        del self.repos[did].records[collection][rkey]

    def put_blob(self, did: str, data: bytes) -> str:
        """Store a blob; its CID (raw codec) is returned."""
        cid = cid_of(data, codec=0x55)
        self.repos[did].blobs[cid] = data
        return cid

    def hold(self, *, after: int) -> None:
        """Answer ``after`` more ``listRecords`` requests, then keep the next ones waiting
        until :meth:`release`: a reader stopped mid-way, for as long as a test needs."""
        self._hold_after = self.requests["listRecords"] + after
        self._released.clear()

    def release(self) -> None:
        self._hold_after = None
        self._released.set()

    async def close(self) -> None:
        self.release()  # answer what waits, so the server can stop
        await super().close()

    def fail_next(
        self, count: int = 1, *, status: int = 429, retry_after: str | None = "3"
    ) -> None:
        """Answer the next ``count`` XRPC requests with ``status`` (and ``Retry-After``)."""
        self._failures += [(status, retry_after)] * count

    def _failure(self) -> web.Response | None:
        if not self._failures:
            return None
        status, retry_after = self._failures.pop(0)
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        if status == 429:
            return _xrpc_error(429, "RateLimitExceeded", "Rate Limit Exceeded", **headers)
        return _xrpc_error(status, "InternalServerError", "Internal Server Error", **headers)

    def _repo(self, did: str | None) -> _Repo | web.Response:
        if not did:
            return _xrpc_error(400, "InvalidRequest", 'Error: Params must have the property "did"')
        repo = self.repos.get(did)
        if repo is None:
            return _xrpc_error(400, "RepoNotFound", f"Could not find repo for DID: {did}")
        return repo

    async def _latest_commit(self, request: web.Request) -> web.Response:
        self.requests["getLatestCommit"] += 1
        if failed := self._failure():
            return failed
        repo = self._repo(request.query.get("did"))
        if isinstance(repo, web.Response):
            return repo
        return web.json_response({"cid": repo.commit_cid, "rev": repo.rev})

    async def _list_records(self, request: web.Request) -> web.Response:
        self.requests["listRecords"] += 1
        if self._hold_after is not None and self.requests["listRecords"] > self._hold_after:
            await self._released.wait()
        if self.page_delay:
            await asyncio.sleep(self.page_delay)
        if failed := self._failure():
            return failed
        q = request.query
        try:
            limit = int(q.get("limit", "50"))
        except ValueError:
            return _xrpc_error(400, "InvalidRequest", "Error: limit must be an integer")
        if not 1 <= limit <= 100:
            return _xrpc_error(400, "InvalidRequest", "Error: limit must be between 1 and 100")
        repo = self.repos.get(q.get("repo", ""))
        if repo is None:
            return _xrpc_error(400, "InvalidRequest", f"Could not find repo: {q.get('repo')}")
        reverse = q.get("reverse") == "true"
        records = repo.records.get(q.get("collection", ""), {})
        rkeys = sorted(records, reverse=not reverse)
        if (cursor := q.get("cursor")) is not None:
            rkeys = [k for k in rkeys if (k > cursor if reverse else k < cursor)]
        page = rkeys[:limit]
        did, collection = q["repo"], q.get("collection", "")
        body: dict[str, Any] = {
            "records": [
                {
                    "uri": f"at://{did}/{collection}/{k}",
                    "cid": records[k][0],
                    "value": records[k][1],
                }
                for k in page
            ]
        }
        if page:
            body["cursor"] = self.stuck_cursor or page[-1]
        return web.json_response(body)

    async def _get_blob(self, request: web.Request) -> web.StreamResponse:
        self.requests["getBlob"] += 1
        if failed := self._failure():
            return failed
        repo = self._repo(request.query.get("did"))
        if isinstance(repo, web.Response):
            return repo
        data = repo.blobs.get(request.query.get("cid", ""))
        if data is None:
            return _xrpc_error(400, "BlobNotFound", "Blob not found")
        lie = {"Content-Encoding": "gzip"} if request.query.get("cid") in self.gzip_lies else {}
        return web.Response(body=data, content_type="application/octet-stream", headers=lie)


class Relay(_Server):
    """``com.atproto.sync.listReposByCollection`` over the DIDs given to :meth:`add`."""

    def __init__(self) -> None:
        super().__init__()
        self.collections: dict[str, set[str]] = defaultdict(set)
        self.app.router.add_get("/xrpc/com.atproto.sync.listReposByCollection", self._list_repos)

    def add(self, collection: str, *dids: str) -> None:
        self.collections[collection].update(dids)

    async def _list_repos(self, request: web.Request) -> web.Response:
        self.requests["listReposByCollection"] += 1
        q = request.query
        collection = q.get("collection")
        if not collection:
            return _xrpc_error(
                400, "InvalidRequest", 'Error: Params must have the property "collection"'
            )
        limit = int(q.get("limit", "500")) if q.get("limit", "500").isdigit() else -1
        if not 1 <= limit <= 2000:
            return _xrpc_error(400, "InvalidRequest", "Error: limit must be between 1 and 2000")
        dids = sorted(self.collections.get(collection, ()))
        if (cursor := q.get("cursor")) is not None:
            dids = [d for d in dids if d > cursor]
        page = dids[:limit]
        body: dict[str, Any] = {"repos": [{"did": d} for d in page]}
        if len(dids) > limit:
            body["cursor"] = page[-1]
        return web.json_response(body)


@pytest.fixture
async def plc_directory() -> AsyncIterator[PlcDirectory]:
    server = PlcDirectory()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def did_web_host() -> AsyncIterator[DidWebHost]:
    server = DidWebHost()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def pds() -> AsyncIterator[Pds]:
    server = Pds()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def relay() -> AsyncIterator[Relay]:
    server = Relay()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def atproto_http() -> AsyncIterator[HttpClient]:
    # the stand-ins are on loopback, which Segue refuses unless its client is told otherwise
    async with HttpClient(connect_timeout=2.0, read_timeout=5.0, allow_loopback=True) as client:
        yield client


@pytest.fixture
def did_resolver(atproto_http: HttpClient, plc_directory: PlcDirectory) -> DidResolver:
    return DidResolver(atproto_http, plc_url=plc_directory.url, cache_seconds=3600)


@pytest.fixture
def xrpc(atproto_http: HttpClient) -> XrpcClient:
    return XrpcClient(atproto_http)
