"""Service-auth JWTs for the serving benchmark: a key pair per owner, their DID documents
served by a PLC stand-in on loopback (stdlib HTTP server in a thread), and tokens signed as
a PDS signs them (ES256K, low-S ``r || s``).

    with plc_standin(owners) as (plc_url, keys):
        token = service_jwt(owner.did, keys[owner.did])
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from segue.atproto import MAX_LIFETIME_SECONDS, encode_multibase_key

__all__ = ["SERVICE_DID", "plc_standin", "service_jwt"]

#: the service DID the JWT row's Segue runs with (SEGUE_SERVICE_DID)
SERVICE_DID = "did:web:segue.bench.test"
_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141  # secp256k1


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def service_jwt(
    did: str, key: ec.EllipticCurvePrivateKey, *, lifetime: int = MAX_LIFETIME_SECONDS
) -> str:
    """A token from ``did`` for :data:`SERVICE_DID`, valid ``lifetime`` seconds from now."""
    now = int(time.time())
    header = {"typ": "JWT", "alg": "ES256K"}
    claims = {"iss": did, "aud": SERVICE_DID, "iat": now, "exp": now + lifetime}
    signing_input = ".".join(
        _b64(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    s = min(s, _ORDER - s)  # ATProto's low-S form
    return f"{signing_input}.{_b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def _document(did: str, key: ec.EllipticCurvePrivateKey) -> bytes:
    multibase = encode_multibase_key(key.public_key(), "secp256k1")
    return json.dumps(
        {
            "id": did,
            "alsoKnownAs": [],
            "verificationMethod": [
                {
                    "id": f"{did}#atproto",
                    "type": "Multikey",
                    "controller": did,
                    "publicKeyMultibase": multibase,
                }
            ],
            "service": [
                {
                    "id": "#atproto_pds",
                    "type": "AtprotoPersonalDataServer",
                    "serviceEndpoint": "https://pds.bench.test",
                }
            ],
        }
    ).encode()


@contextmanager
def plc_standin(
    dids: Sequence[str],
) -> Iterator[tuple[str, dict[str, ec.EllipticCurvePrivateKey]]]:
    """A PLC directory on 127.0.0.1 serving a fresh secp256k1 key for each DID; yields its
    URL and the private keys by DID."""
    keys = {did: ec.generate_private_key(ec.SECP256K1()) for did in dids}
    documents = {did: _document(did, key) for did, key in keys.items()}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = documents.get(self.path.lstrip("/"))
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body or b'{"message": "DID not registered"}')

        def log_message(self, *args: object) -> None:  # quiet: the benchmark prints tables
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", keys
    finally:
        server.shutdown()
        server.server_close()
