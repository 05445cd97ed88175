"""DID resolution against a loopback PLC directory and did:web host, with real keys."""

from __future__ import annotations

import pytest

from segue.atproto import Curve, DidResolver, HttpClient, decode_multibase_key
from segue.errors import AtprotoUnavailable, DidNotFound, InvalidDidDocument, InvalidInput
from tests.support.atproto_standins import (
    DidWebHost,
    PlcDirectory,
    did_document,
    make_identity,
)
from tests.support.servers import free_port


async def test_plc_did_resolves_to_pds_handle_and_key(
    did_resolver: DidResolver, plc_directory: PlcDirectory
) -> None:
    alice = make_identity()
    plc_directory.put(did_document(alice, pds="https://pds.example.com", handle="Alice.Test"))

    doc = await did_resolver.resolve(alice.did)

    assert doc.did == alice.did
    assert doc.pds == "https://pds.example.com"
    assert doc.handle == "alice.test"
    assert doc.signing_key.multibase == alice.multibase


async def test_web_did_resolves_from_its_well_known_document(
    atproto_http: HttpClient, did_web_host: DidWebHost
) -> None:
    ident = make_identity(did_web_host.did, curve="P-256")
    did_web_host.document = did_document(ident, pds=did_web_host.url, handle="web.test")
    resolver = DidResolver(atproto_http, plc_url="http://127.0.0.1:9")  # PLC unused

    doc = await resolver.resolve(ident.did)

    assert doc.pds == did_web_host.url
    assert doc.handle == "web.test"
    assert doc.signing_key.curve == "P-256"
    assert did_web_host.requests["did.json"] == 1


@pytest.mark.parametrize("curve", ["secp256k1", "P-256"])
async def test_key_from_document_verifies_a_real_signature(
    did_resolver: DidResolver, plc_directory: PlcDirectory, curve: Curve
) -> None:
    ident = make_identity(curve=curve)
    plc_directory.put(did_document(ident, pds="https://pds.example.com"))
    key = (await did_resolver.resolve(ident.did)).signing_key

    signature = ident.sign(b"header.payload")
    assert key.curve == curve
    assert key.jwt_alg == ("ES256K" if curve == "secp256k1" else "ES256")
    assert key.verify(b"header.payload", signature)
    assert not key.verify(b"header.payload!", signature)
    other = make_identity(curve=curve)
    assert not key.verify(b"header.payload", other.sign(b"header.payload"))


def test_high_s_signature_is_refused() -> None:
    ident = make_identity(curve="P-256")
    key = decode_multibase_key(ident.multibase)
    sig = ident.sign(b"data")
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    high = sig[:32] + (n - int.from_bytes(sig[32:], "big")).to_bytes(32, "big")
    assert key.verify(b"data", sig)
    assert not key.verify(b"data", high)  # mathematically valid, but malleable


def test_multibase_prefixes_match_the_spec() -> None:
    # atproto.com/specs/cryptography: secp256k1 did:keys start zQ3s, P-256 ones zDn
    assert make_identity(curve="secp256k1").multibase.startswith("zQ3s")
    assert make_identity(curve="P-256").multibase.startswith("zDn")


def test_spec_example_keys_decode() -> None:
    # the example did:keys of atproto.com/specs/cryptography
    k = decode_multibase_key("zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJwc")
    p = decode_multibase_key("zDnaembgSGUhZULN2Caob4HLJPaxBh92N7rtH21TErzqf8HQo")
    assert (k.curve, p.curve) == ("secp256k1", "P-256")
    assert k.did_key == "did:key:zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJwc"


async def test_unknown_and_tombstoned_dids_are_not_found(
    did_resolver: DidResolver, plc_directory: PlcDirectory
) -> None:
    gone = make_identity()
    plc_directory.put(did_document(gone, pds="https://pds.example.com"))
    plc_directory.tombstone(gone.did)

    with pytest.raises(DidNotFound):
        await did_resolver.resolve(make_identity().did)
    with pytest.raises(DidNotFound):
        await did_resolver.resolve(gone.did)


async def test_unreachable_directory_is_unavailable(atproto_http: HttpClient) -> None:
    resolver = DidResolver(atproto_http, plc_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(AtprotoUnavailable):
        await resolver.resolve(make_identity().did)


@pytest.mark.parametrize(
    ("spoil", "says"),
    [
        (lambda d: d.update(id="did:plc:" + "a" * 24), "id"),
        (lambda d: d.update(verificationMethod=[]), "#atproto"),
        (lambda d: d.update(service=[]), "#atproto_pds"),
        (lambda d: d["service"][0].update(type="Other"), "#atproto_pds"),
        (lambda d: d["service"][0].update(serviceEndpoint="ftp://x"), "http"),
        (lambda d: d["verificationMethod"][0].update(publicKeyMultibase="zabc"), "key"),
        (lambda d: d["verificationMethod"][0].update(type="JsonWebKey2020"), "type"),
    ],
)
async def test_unusable_documents_are_refused(
    did_resolver: DidResolver, plc_directory: PlcDirectory, spoil: object, says: str
) -> None:
    ident = make_identity()
    doc = did_document(ident, pds="https://pds.example.com")
    spoil(doc)  # type: ignore[operator]
    plc_directory.documents[ident.did] = doc

    with pytest.raises(InvalidDidDocument, match=says):
        await did_resolver.resolve(ident.did)


async def test_no_handle_when_alias_is_missing_or_invalid(
    did_resolver: DidResolver, plc_directory: PlcDirectory
) -> None:
    a, b = make_identity(), make_identity()
    plc_directory.put(did_document(a, pds="https://pds.example.com"))
    doc_b = did_document(b, pds="https://pds.example.com")
    doc_b["alsoKnownAs"] = ["https://not-at.example", "at://not a handle"]
    plc_directory.put(doc_b)

    assert (await did_resolver.resolve(a.did)).handle is None
    assert (await did_resolver.resolve(b.did)).handle is None


async def test_cache_hit_then_forced_refresh_sees_a_rotated_key(
    atproto_http: HttpClient, plc_directory: PlcDirectory
) -> None:
    now = [1000.0]
    resolver = DidResolver(
        atproto_http, plc_url=plc_directory.url, cache_seconds=60, clock=lambda: now[0]
    )
    ident = make_identity()
    plc_directory.put(did_document(ident, pds="https://pds.example.com"))
    first = await resolver.resolve(ident.did)
    ident.rotate()
    plc_directory.put(did_document(ident, pds="https://pds.example.com"))

    cached = await resolver.resolve(ident.did)
    assert cached.signing_key.multibase == first.signing_key.multibase
    assert plc_directory.requests[ident.did] == 1

    fresh = await resolver.resolve(ident.did, fresh=True)
    assert fresh.signing_key.multibase == ident.multibase != first.signing_key.multibase
    assert fresh.signing_key.verify(b"x", ident.sign(b"x"))
    assert plc_directory.requests[ident.did] == 2

    # the refreshed document is the one cached; it expires after cache_seconds
    assert (await resolver.resolve(ident.did)).signing_key.multibase == ident.multibase
    now[0] += 61
    await resolver.resolve(ident.did)
    assert plc_directory.requests[ident.did] == 3


@pytest.mark.parametrize(
    "did", ["did:key:zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJwc", "did:plc:short", "x"]
)
async def test_unsupported_dids_are_invalid_input(did_resolver: DidResolver, did: str) -> None:
    with pytest.raises(InvalidInput):
        await did_resolver.resolve(did)


def test_did_web_urls(atproto_http: HttpClient) -> None:
    resolver = DidResolver(atproto_http)
    assert resolver.document_url("did:web:example.com") == (
        "https://example.com/.well-known/did.json"
    )
    assert resolver.document_url("did:web:localhost%3A8080") == (
        "http://localhost:8080/.well-known/did.json"
    )
