"""``/.well-known/did.json``: Segue's own DID document, for a ``did:web`` service DID.

A PDS asked for a service-auth token for ``did:web:segue.example.com`` (or to proxy a call
to ``did:web:segue.example.com#segue``) resolves this document to find the service.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from segue.errors import NotFound

from .._deps import ResourcesDep
from ._common import error_response_doc

__all__ = ["SERVICE_FRAGMENT", "SERVICE_TYPE", "router"]

#: the service entry's id in the document (``did:web:...#segue``)
SERVICE_FRAGMENT = "#segue"
SERVICE_TYPE = "SegueRecommender"

router = APIRouter(tags=["atproto"])


@router.get(
    "/.well-known/did.json",
    summary="Segue's DID document (SEGUE_SERVICE_DID, when it is a did:web)",
    responses={404: error_response_doc("SEGUE_SERVICE_DID is not a did:web, or not set")},
)
async def did_document(resources: ResourcesDep) -> dict[str, Any]:
    settings = resources.settings
    did, url = settings.service_did, settings.public_url
    if did is None or not did.startswith("did:web:") or url is None:
        # A did:plc's document is the PLC directory's to serve; without a public URL
        # there is no endpoint to name.
        raise NotFound("this server has no did:web DID document")
    return {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": did,
        "service": [{"id": SERVICE_FRAGMENT, "type": SERVICE_TYPE, "serviceEndpoint": url}],
    }
