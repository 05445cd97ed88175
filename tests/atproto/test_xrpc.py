"""XRPC reads and the HTTP client's rules, against the loopback PDS and relay."""

from __future__ import annotations

from typing import Any

import libipld
import pytest
from aiohttp import web

from segue.atproto import HttpClient, XrpcClient, check_url
from segue.errors import AtprotoUnavailable, InvalidInput, RemoteError
from tests.support.atproto_standins import Pds, Relay, _Server, cid_of, make_identity

COLLECTION = "fm.plyr.track"


async def test_latest_commit(pds: Pds, xrpc: XrpcClient) -> None:
    did = make_identity().did
    pds.add_repo(did, rev="3kabcdefghi22")

    commit = await xrpc.get_latest_commit(pds.url, did)

    assert commit.rev == "3kabcdefghi22"
    assert commit == (pds.repos[did].commit_cid, "3kabcdefghi22")


async def test_unknown_repo_surfaces_the_xrpc_error(pds: Pds, xrpc: XrpcClient) -> None:
    with pytest.raises(RemoteError) as caught:
        await xrpc.get_latest_commit(pds.url, make_identity().did)
    assert caught.value.status == 400
    assert caught.value.xrpc_error == "RepoNotFound"
    assert "Could not find repo" in (caught.value.xrpc_message or "")
    assert "RepoNotFound" in caught.value.detail


async def test_list_records_pages_through_everything(pds: Pds, xrpc: XrpcClient) -> None:
    did = make_identity().did
    pds.add_repo(did)
    cids = {
        f"3k{i:011d}": pds.put_record(did, COLLECTION, f"3k{i:011d}", {"title": f"t{i}"})
        for i in range(23)
    }
    pds.put_record(did, "fm.plyr.list", "other", {"name": "not this collection"})

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = await xrpc.list_records(pds.url, did, COLLECTION, cursor=cursor, limit=10)
        pages += 1
        for rec in page.records:
            assert rec.uri == f"at://{did}/{COLLECTION}/{rec.uri.rsplit('/', 1)[1]}"
            assert rec.cid == cids[rec.uri.rsplit("/", 1)[1]]
            assert rec.value["title"].startswith("t")
        seen += [r.uri.rsplit("/", 1)[1] for r in page.records]
        if page.cursor is None:
            break
        cursor = page.cursor

    assert sorted(seen) == sorted(cids)
    assert len(seen) == len(set(seen))
    assert pages == 4  # 10 + 10 + 3, then the empty page without a cursor


async def test_list_records_gives_the_cid_of_the_records_dag_cbor(
    pds: Pds, xrpc: XrpcClient
) -> None:
    """``$link`` and ``$bytes`` are a link and bytes in the DAG-CBOR a CID is computed from,
    and stay in their JSON form in what listRecords returns."""
    did = make_identity().did
    pds.add_repo(did)
    blob = pds.put_blob(did, b"audio")
    value: dict[str, Any] = {
        "$type": COLLECTION,
        "audioBlob": {"$type": "blob", "ref": {"$link": blob}, "mimeType": "audio/mpeg", "size": 5},
        "digest": {"$bytes": "aGVsbG8"},
    }
    cid = pds.put_record(did, COLLECTION, "3kaaaaaaaaa22", value)

    [record] = (await xrpc.list_records(pds.url, did, COLLECTION)).records

    assert (record.cid, record.value) == (cid, value)
    # libipld writes bytes holding a binary CID as a link (tag 42), other bytes as bytes.
    as_ipld = {
        **value,
        "audioBlob": {**value["audioBlob"], "ref": libipld.decode_multibase(blob)[1]},
        "digest": b"hello",
    }
    assert cid == cid_of(libipld.encode_dag_cbor(as_ipld))
    assert cid != cid_of(libipld.encode_dag_cbor(value))  # not the plain JSON's


async def test_list_records_limit_out_of_range_is_the_pds_error(pds: Pds, xrpc: XrpcClient) -> None:
    did = make_identity().did
    pds.add_repo(did)
    with pytest.raises(RemoteError) as caught:
        await xrpc.list_records(pds.url, did, COLLECTION, limit=101)
    assert caught.value.xrpc_error == "InvalidRequest"


@pytest.mark.parametrize(
    ("status", "retry_after", "expected"), [(429, "7", 7.0), (503, "2", 2.0), (503, None, None)]
)
async def test_retry_after_is_surfaced(
    pds: Pds,
    xrpc: XrpcClient,
    status: int,
    retry_after: str | None,
    expected: float | None,
) -> None:
    did = make_identity().did
    pds.add_repo(did)
    pds.fail_next(1, status=status, retry_after=retry_after)

    with pytest.raises(AtprotoUnavailable) as caught:
        await xrpc.list_records(pds.url, did, COLLECTION)
    assert caught.value.status == status
    assert caught.value.retry_after == expected
    # the next call goes through: the failure was the server's, not the client's state
    assert (await xrpc.list_records(pds.url, did, COLLECTION)).records == []


async def test_blob_streams_within_the_cap(pds: Pds, xrpc: XrpcClient) -> None:
    did = make_identity().did
    pds.add_repo(did)
    data = bytes(range(256)) * 4096  # 1 MiB
    cid = pds.put_blob(did, data)

    async with xrpc.get_blob(pds.url, did, cid, max_bytes=len(data)) as blob:
        assert blob.content_length == len(data)
        got = b"".join([chunk async for chunk in blob.iter_bytes()])
    assert got == data

    with pytest.raises(RemoteError, match="more than"):
        async with xrpc.get_blob(pds.url, did, cid, max_bytes=len(data) - 1) as blob:
            await blob.read()

    with pytest.raises(RemoteError) as caught:
        async with xrpc.get_blob(pds.url, did, "bafkreinotthere", max_bytes=10) as blob:
            await blob.read()
    assert caught.value.xrpc_error == "BlobNotFound"


async def test_blob_cap_holds_without_content_length(atproto_http: HttpClient) -> None:
    # a chunked answer with no Content-Length: the cap must be enforced while reading
    async def chunked(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(10):
            await response.write(b"x" * 1000)
        await response.write_eof()
        return response

    server = _Server()
    server.app.router.add_get("/xrpc/com.atproto.sync.getBlob", chunked)
    await server.start()
    try:
        xrpc = XrpcClient(atproto_http)
        async with xrpc.get_blob(server.url, "did:plc:x", "c", max_bytes=10_000) as blob:
            assert blob.content_length is None
            assert len(await blob.read()) == 10_000
        with pytest.raises(RemoteError, match="larger than 9999"):
            async with xrpc.get_blob(server.url, "did:plc:x", "c", max_bytes=9_999) as blob:
                await blob.read()
    finally:
        await server.close()


async def test_redirects_are_not_followed(atproto_http: HttpClient) -> None:
    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("http://127.0.0.1:1/elsewhere")

    server = _Server()
    server.app.router.add_get("/xrpc/com.atproto.sync.getLatestCommit", moved)
    await server.start()
    try:
        with pytest.raises(RemoteError, match="redirect") as caught:
            await XrpcClient(atproto_http).get_latest_commit(server.url, "did:plc:x")
        assert caught.value.status == 302
    finally:
        await server.close()


async def test_malformed_answers_are_remote_errors(atproto_http: HttpClient) -> None:
    async def bad(request: web.Request) -> web.Response:
        return web.json_response({"records": [{"uri": "at://x", "cid": 5, "value": {}}]})

    server = _Server()
    server.app.router.add_get("/xrpc/com.atproto.repo.listRecords", bad)
    await server.start()
    try:
        with pytest.raises(RemoteError, match="malformed"):
            await XrpcClient(atproto_http).list_records(server.url, "did:plc:x", COLLECTION)
    finally:
        await server.close()


async def test_list_repos_by_collection_pages(relay: Relay, xrpc: XrpcClient) -> None:
    dids = {make_identity().did for _ in range(7)}
    relay.add(COLLECTION, *dids)
    relay.add("fm.plyr.other", make_identity().did)

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = await xrpc.list_repos_by_collection(relay.url, COLLECTION, cursor=cursor, limit=3)
        seen += page.dids
        pages += 1
        if page.cursor is None:
            break
        cursor = page.cursor
    assert sorted(seen) == sorted(dids)
    assert pages == 3


@pytest.mark.parametrize(
    "url",
    [
        "http://pds.example.com/xrpc/x",
        "http://10.0.0.1/xrpc/x",
        "https://10.0.0.1/xrpc/x",
        "https://169.254.169.254/latest",
        "https://[fd00::1]/x",
        "ftp://example.com/x",
        "https://user:pw@example.com/x",
        "file:///etc/passwd",
        # what httpx itself cannot send (a DID document's endpoint may be anything)
        "https://pds.example.com:abc/x",
        "https://pds\x00.example.com/x",
    ],
)
async def test_unsafe_urls_are_refused_before_any_request(
    atproto_http: HttpClient, url: str
) -> None:
    with pytest.raises(InvalidInput):
        await atproto_http.get_json(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6379/x",
        "https://127.0.0.1/x",
        "http://localhost:6379/.well-known/did.json",
        "https://localhost/x",
        "https://LOCALHOST./x",
        "https://redis.localhost/x",
        "http://[::1]/x",
        "https://[::ffff:127.0.0.1]/x",
        # the legacy IPv4 forms getaddrinfo reads as 127.0.0.1 (a did:web host may be one)
        "https://127.1:6379/x",
        "https://2130706433/x",
        "https://0x7f000001/x",
    ],
)
def test_loopback_hosts_are_refused_by_default(url: str) -> None:
    with pytest.raises(InvalidInput):
        check_url(url)


async def test_a_default_client_sends_no_request_to_a_loopback_server() -> None:
    hits: list[str] = []

    async def admin(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response(text="internal admin page")

    server = _Server()
    server.app.router.add_get("/{tail:.*}", admin)
    await server.start()
    try:
        async with HttpClient() as http:
            for url in (server.url, f"http://localhost:{server.port}"):
                with pytest.raises(InvalidInput, match="loopback"):
                    await http.get_json(url + "/.well-known/did.json")
        assert hits == []
    finally:
        await server.close()


@pytest.mark.parametrize(
    "url",
    ["https://pds.example.com/x", "http://127.0.0.1:1/x", "http://localhost/x", "http://[::1]/x"],
)
def test_https_and_loopback_http_are_allowed_when_the_client_allows_loopback(url: str) -> None:
    assert check_url(url, allow_loopback=True) == url


def test_a_configured_origin_may_be_on_loopback() -> None:
    plc = "http://127.0.0.1:2582"
    assert check_url(plc + "/did:plc:x", origins=[plc]) == plc + "/did:plc:x"
    # only that origin: another port of the same host is still refused
    with pytest.raises(InvalidInput):
        check_url("http://127.0.0.1:6379/x", origins=[plc])


async def test_a_lying_content_encoding_is_a_remote_error(atproto_http: HttpClient) -> None:
    # "gzip" said, plain bytes sent: httpx's DecodingError is no TransportError
    async def lying(request: web.Request) -> web.Response:
        return web.Response(
            body=b"this is not gzip at all" * 10,
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
            status=int(request.query.get("status", "200")),
        )

    server = _Server()
    server.app.router.add_get("/{tail:.*}", lying)
    await server.start()
    try:
        with pytest.raises(RemoteError, match="undecodable") as caught:
            await atproto_http.get_json(server.url + "/.well-known/did.json")
        assert caught.value.status == 200
        xrpc = XrpcClient(atproto_http)
        with pytest.raises(RemoteError, match="undecodable"):
            async with xrpc.get_blob(server.url, "did:plc:x", "c", max_bytes=10_000) as blob:
                await blob.read()
        # an error answer whose body cannot be decoded is still classified by its status
        with pytest.raises(RemoteError) as caught:
            await atproto_http.get_json(server.url + "/x", params={"status": 400})
        assert caught.value.status == 400
        with pytest.raises(AtprotoUnavailable):
            await atproto_http.get_json(server.url + "/x", params={"status": 502})
    finally:
        await server.close()
