"""ATProto public keys: ``publicKeyMultibase`` in, a key that verifies ES256K/ES256 out.

The spec's encoding (atproto.com/specs/cryptography): base58btc multibase (``z``) of a
multicodec varint (``secp256k1-pub`` 0xe7, ``p256-pub`` 0x1200) followed by the 33-byte
compressed point. The older ``EcdsaSecp256k1VerificationKey2019`` /
``EcdsaSecp256r1VerificationKey2019`` methods carry the compressed point without the
multicodec prefix. Signatures are the 64 raw bytes ``r || s``, and only low-S ones are
valid in ATProto.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import libipld
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from segue.errors import InvalidDidDocument

__all__ = ["Curve", "PublicKey", "decode_multibase_key", "encode_multibase_key", "is_low_s"]

Curve = Literal["secp256k1", "P-256"]

# multicodec varints (unsigned LEB128 of 0xe7 and 0x1200)
_PREFIXES: Final[dict[Curve, bytes]] = {"secp256k1": b"\xe7\x01", "P-256": b"\x80\x24"}
_CURVES: Final[dict[Curve, ec.EllipticCurve]] = {
    "secp256k1": ec.SECP256K1(),
    "P-256": ec.SECP256R1(),
}
# group orders, for the low-S rule
_ORDERS: Final[dict[Curve, int]] = {
    "secp256k1": 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
    "P-256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
}
_ALGS: Final[dict[Curve, str]] = {"secp256k1": "ES256K", "P-256": "ES256"}
# legacy verification method types -> curve, whose multibase has no multicodec prefix
LEGACY_TYPES: Final[dict[str, Curve]] = {
    "EcdsaSecp256k1VerificationKey2019": "secp256k1",
    "EcdsaSecp256r1VerificationKey2019": "P-256",
}


@dataclass(frozen=True)
class PublicKey:
    """A DID document's signing key, decoded.

    ``key`` is the ``cryptography`` object (for a JWT library); ``jwt_alg`` is ``ES256K``
    or ``ES256``; ``multibase`` the document's text.
    """

    curve: Curve
    key: ec.EllipticCurvePublicKey
    multibase: str

    @property
    def jwt_alg(self) -> str:
        return _ALGS[self.curve]

    @property
    def did_key(self) -> str:
        """The key as a ``did:key`` (multicodec form, whatever the document used)."""
        return "did:key:" + encode_multibase_key(self.key, self.curve)

    def verify(self, data: bytes, signature: bytes) -> bool:
        """True when ``signature`` (64 bytes ``r || s``, low-S) signs ``data`` (SHA-256)."""
        if len(signature) != 64:
            return False
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:], "big")
        if not is_low_s(self.curve, signature):  # high-S: malleable, refused by ATProto
            return False
        try:
            self.key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True


def is_low_s(curve: Curve, signature: bytes) -> bool:
    """True for a 64-byte ``r || s`` signature whose ``s`` is in the lower half of the
    curve's order: ATProto accepts only that one of the two equivalent signatures."""
    if len(signature) != 64:
        return False
    return int.from_bytes(signature[32:], "big") <= _ORDERS[curve] // 2


def decode_multibase_key(value: str, *, legacy_curve: Curve | None = None) -> PublicKey:
    """Decode ``publicKeyMultibase``; :class:`InvalidDidDocument` when it is not a valid
    secp256k1 or P-256 key. ``legacy_curve``: the curve of a legacy method (no prefix)."""
    if not value.startswith("z"):
        raise InvalidDidDocument("publicKeyMultibase is not base58btc ('z...')")
    try:
        _, raw = libipld.decode_multibase(value)
    except ValueError as e:
        raise InvalidDidDocument(f"publicKeyMultibase is not valid base58btc: {e}") from e
    if legacy_curve is not None:
        curve: Curve | None = legacy_curve
        point = raw
    else:
        curve, point = None, b""
        for name, prefix in _PREFIXES.items():
            if raw.startswith(prefix):
                curve, point = name, raw[len(prefix) :]
    if curve is None:
        raise InvalidDidDocument("publicKeyMultibase is neither a secp256k1 nor a P-256 key")
    try:
        key = ec.EllipticCurvePublicKey.from_encoded_point(_CURVES[curve], point)
    except ValueError as e:
        raise InvalidDidDocument(f"publicKeyMultibase is not a {curve} point: {e}") from e
    return PublicKey(curve=curve, key=key, multibase=value)


def encode_multibase_key(key: ec.EllipticCurvePublicKey, curve: Curve) -> str:
    """The spec's ``publicKeyMultibase`` of ``key`` (multicodec + compressed point)."""
    point = key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    encoded: str = libipld.encode_multibase("z", _PREFIXES[curve] + point)
    return encoded
