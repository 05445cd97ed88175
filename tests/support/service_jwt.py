"""Service-auth JWTs as a PDS issues them (``com.atproto.server.getServiceAuth``), signed
with an :class:`~tests.support.atproto_standins.Identity`'s real key.

The signature is ATProto's: 64 bytes ``r || s``, low-S (``Identity.sign``), as the
reference PDS's ``@atproto/crypto`` makes it; ``high_s=True`` gives the other, equivalent
ECDSA signature of the same input, which ATProto refuses.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from .atproto_standins import _ORDERS, Identity

__all__ = ["SERVICE_DID", "b64url", "service_jwt"]

#: the service DID the tests' Segue is configured with (SEGUE_SERVICE_DID)
SERVICE_DID = "did:web:segue.example.com"

_ALGS = {"secp256k1": "ES256K", "P-256": "ES256"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def service_jwt(
    identity: Identity,
    *,
    aud: str = SERVICE_DID,
    lxm: str | None = None,
    lifetime: int = 60,
    issued_ago: int = 0,
    claims: dict[str, Any] | None = None,
    header: dict[str, Any] | None = None,
    signer: Identity | None = None,
    high_s: bool = False,
) -> str:
    """A JWT from ``identity`` for ``aud``: ``iat`` ``issued_ago`` seconds ago, ``exp``
    ``lifetime`` seconds after it, ``lxm`` when given; ``claims`` and ``header`` replace or
    add fields (a value of ``None`` drops one); signed by ``signer`` (default: the identity
    itself)."""
    now = int(time.time()) - issued_ago
    body: dict[str, Any] = {"iss": identity.did, "aud": aud, "iat": now, "exp": now + lifetime}
    if lxm is not None:
        body["lxm"] = lxm
    head: dict[str, Any] = {"typ": "JWT", "alg": _ALGS[(signer or identity).curve]}
    for target, changes in ((body, claims), (head, header)):
        for name, value in (changes or {}).items():
            if value is None:
                target.pop(name, None)
            else:
                target[name] = value
    signing_input = (
        b64url(json.dumps(head, separators=(",", ":")).encode())
        + "."
        + b64url(json.dumps(body, separators=(",", ":")).encode())
    )
    signature = (signer or identity).sign(signing_input.encode("ascii"))
    if high_s:
        key = signer or identity
        s = int.from_bytes(signature[32:], "big")
        signature = signature[:32] + (_ORDERS[key.curve] - s).to_bytes(32, "big")
    return f"{signing_input}.{b64url(signature)}"
