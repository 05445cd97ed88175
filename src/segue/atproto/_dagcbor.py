"""ATProto records to DAG-CBOR bytes and CIDs, exactly as every ATProto implementation does.

Encoding is libipld's (the Rust IPLD library behind the ATProto Python SDK): canonical
DAG-CBOR, map keys shortest first then bytewise. This module turns a record in the ATProto
JSON form (``{"$link": cid}`` for links, ``{"$bytes": base64}`` for bytes) into the values
libipld encodes, rejecting what the ATProto data model forbids, then hashes it:

    >>> record_cid({"$type": "com.example.blah", "a": 123, "b": "blah"})[:7]
    'bafyrei'
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from typing import Any

import libipld

from segue.errors import InvalidInput

__all__ = ["cid_for_dag_cbor", "encode_record", "record_cid"]

# CIDv1, multicodec dag-cbor (0x71), multihash sha2-256 (0x12) with a 32-byte digest.
_CID_V1_DAG_CBOR_SHA256 = bytes([0x01, 0x71, 0x12, 0x20])
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1  # ATProto integers are signed 64-bit
_CBOR_TAG_42 = b"\xd8\x2a"


class _Link(bytes):
    """A binary CID; marks links apart from ``$bytes`` while checking blobs."""


def encode_record(record: Mapping[str, Any]) -> bytes:
    """The DAG-CBOR bytes of an ATProto record given in its JSON form."""
    if not isinstance(record, Mapping):
        raise InvalidInput("a record must be an object")
    return bytes(libipld.encode_dag_cbor(_to_ipld(record, "record")))


def cid_for_dag_cbor(data: bytes) -> str:
    """The CIDv1 (dag-cbor, sha-256, base32 ``bafyrei...``) of DAG-CBOR ``data``."""
    raw = _CID_V1_DAG_CBOR_SHA256 + hashlib.sha256(data).digest()
    return "b" + base64.b32encode(raw).decode("ascii").rstrip("=").lower()


def record_cid(record: Mapping[str, Any]) -> str:
    """The CID of an ATProto record given in its JSON form, as a PDS would compute it."""
    return cid_for_dag_cbor(encode_record(record))


def _to_ipld(value: Any, where: str) -> Any:
    # bool before int: True is an int to Python, a boolean to the data model.
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        if not _INT_MIN <= value <= _INT_MAX:
            raise InvalidInput(f"{where}: integer out of the signed 64-bit range")
        return value
    if isinstance(value, float):
        # JSON has one number type: 123.0 is the integer 123; the data model has no floats.
        if value.is_integer():
            return _to_ipld(int(value), where)
        raise InvalidInput(f"{where}: floats are not allowed in ATProto records")
    if isinstance(value, list | tuple):
        return [_to_ipld(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, Mapping):
        return _object_to_ipld(value, where)
    raise InvalidInput(f"{where}: {type(value).__name__} is not an ATProto data model value")


def _object_to_ipld(obj: Mapping[Any, Any], where: str) -> Any:
    if "$link" in obj:
        return _link(obj, where)
    if "$bytes" in obj:
        return _bytes(obj, where)
    out: dict[str, Any] = {}
    for key, item in obj.items():
        if not isinstance(key, str):
            raise InvalidInput(f"{where}: object keys must be strings")
        out[key] = _to_ipld(item, f"{where}.{key}")
    if "$type" in out:
        kind = out["$type"]
        if not isinstance(kind, str) or not kind:
            raise InvalidInput(f"{where}.$type: must be a non-empty string")
        if kind == "blob":
            _check_blob(out, where)
    return out


def _link(obj: Mapping[Any, Any], where: str) -> _Link:
    cid = obj["$link"]
    if len(obj) != 1 or not isinstance(cid, str):
        raise InvalidInput(f'{where}: a link is exactly {{"$link": "<cid>"}}')
    try:
        base, raw = libipld.decode_multibase(cid)
        libipld.decode_cid(raw)
    except ValueError:
        raise InvalidInput(f"{where}: {cid!r} is not a CID") from None
    # libipld writes bytes holding a binary CID as a DAG-CBOR link (tag 42); check that it
    # will, rather than trust that every CID it can parse is one it can write.
    if base != "b" or not libipld.encode_dag_cbor(raw).startswith(_CBOR_TAG_42):
        raise InvalidInput(f"{where}: links must be base32 CIDv1 (bafy...)")
    return _Link(raw)


def _bytes(obj: Mapping[Any, Any], where: str) -> bytes:
    text = obj["$bytes"]
    if len(obj) != 1 or not isinstance(text, str):
        raise InvalidInput(f'{where}: bytes are exactly {{"$bytes": "<base64>"}}')
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except binascii.Error:
        raise InvalidInput(f"{where}: $bytes is not base64") from None
    # libipld cannot tell bytes from a link by type: bytes that begin like a binary CID
    # would be written as a link, silently changing the record. Refuse them instead.
    if libipld.encode_dag_cbor(raw).startswith(_CBOR_TAG_42):
        raise InvalidInput(f"{where}: these bytes look like a CID and cannot be encoded exactly")
    return raw


def _check_blob(blob: Mapping[str, Any], where: str) -> None:
    ok = (
        isinstance(blob.get("ref"), _Link)
        and isinstance(blob.get("mimeType"), str)
        and isinstance(blob.get("size"), int)
        and not isinstance(blob.get("size"), bool)
    )
    if not ok:
        raise InvalidInput(f"{where}: a blob needs ref (a link), mimeType and an integer size")
