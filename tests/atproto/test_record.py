"""The playlist record and its CID, checked against a from-the-spec CBOR writer."""

from __future__ import annotations

import hashlib
from typing import Any

import libipld

from segue.atproto import (
    PLAYLIST_RECORD_TYPE,
    StrongRef,
    cid_for_dag_cbor,
    encode_record,
    playlist_record,
    playlist_record_cid,
    record_cid,
    track_ref,
)

REF_A = StrongRef(
    "at://did:plc:a/fm.segue.track/1", "bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a"
)
REF_B = StrongRef(
    "at://did:plc:b/fm.segue.track/2", "bafyreihldkhcwijkde7gx4rpkkuw7pl6lbyu5gieunyc7ihactn5bkd2nm"
)


def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for extra, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | extra]) + n.to_bytes(size, "big")
    raise ValueError(n)


def _spec_cbor(value: Any) -> bytes:
    """DAG-CBOR for strings, lists and maps, written from the spec (RFC 8949 + DAG-CBOR's
    key order: shorter keys first, then bytewise), independent of libipld."""
    if isinstance(value, str):
        raw = value.encode()
        return _head(3, len(raw)) + raw
    if isinstance(value, list):
        return _head(4, len(value)) + b"".join(_spec_cbor(v) for v in value)
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (len(k.encode()), k.encode()))
        return _head(5, len(keys)) + b"".join(_spec_cbor(k) + _spec_cbor(value[k]) for k in keys)
    raise TypeError(value)


def test_record_shape() -> None:
    assert playlist_record("Mix", [REF_A]) == {
        "$type": PLAYLIST_RECORD_TYPE,
        "name": "Mix",
        "items": [{"subject": {"uri": REF_A.uri, "cid": REF_A.cid}}],
    }


def test_playlist_record_bytes_match_an_independent_encoder() -> None:
    record = playlist_record("Late night ☾", [REF_A, REF_B])
    expected = _spec_cbor(record)
    assert encode_record(record) == expected
    # "name" (4 bytes) before "$type" and "items" (5 bytes; "$" sorts before "i").
    assert expected[1:6] == b"\x64name"
    raw_cid = bytes([0x01, 0x71, 0x12, 0x20]) + hashlib.sha256(expected).digest()
    assert playlist_record_cid("Late night ☾", [REF_A, REF_B]) == libipld.encode_cid(raw_cid)


def test_cid_follows_name_items_and_order_only() -> None:
    base = playlist_record_cid("Mix", [REF_A, REF_B])
    assert playlist_record_cid("Mix", [REF_A, REF_B]) == base
    assert playlist_record_cid("Mix", [REF_B, REF_A]) != base
    assert playlist_record_cid("Mix", [REF_A]) != base
    assert playlist_record_cid("Mix 2", [REF_A, REF_B]) != base
    assert playlist_record_cid("Mix", []) != playlist_record_cid("Mix", [REF_A])


def test_track_with_a_record_uses_it() -> None:
    assert track_ref(1, "did:plc:a", uri=REF_A.uri, cid=REF_A.cid) == REF_A


def test_stand_in_reference_is_deterministic_and_per_track() -> None:
    ref = track_ref(42, "did:plc:artist", uri=None, cid=None)
    assert ref == track_ref(42, "did:plc:artist", uri=None, cid=None)
    assert ref.uri == "at://did:plc:artist/fm.segue.track/42"
    assert ref.cid == record_cid({"$type": "fm.segue.track", "id": 42})
    assert ref.cid == cid_for_dag_cbor(
        libipld.encode_dag_cbor({"$type": "fm.segue.track", "id": 42})
    )
    assert track_ref(43, "did:plc:artist", uri=None, cid=None).cid != ref.cid
    # Half a reference is no reference: both uri and cid are needed.
    assert track_ref(42, "did:plc:artist", uri=REF_A.uri, cid=None) == ref
