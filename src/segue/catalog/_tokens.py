"""API tokens: random secrets, shown once; only their SHA-256 is stored.

A token reads ``segue_<id>_<secret>``. The id is not secret: it finds the row (and names
the token in ``segue token revoke``); the secret's hash is then compared in constant time,
so response timing says nothing about how much of a guess was right.

    >>> issued = await create_token(session, "did:plc:abc")  # doctest: +SKIP
    >>> (await verify_token(session, issued.token)).did  # doctest: +SKIP
    'did:plc:abc'
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from segue.errors import NotFound, Unauthorized

from ._db import database_errors
from ._models import ApiToken, User, utc_now
from ._unit import committing
from ._views import IssuedToken, UserView

__all__ = ["TOKEN_PREFIX", "create_token", "hash_token", "revoke_token", "verify_token"]

TOKEN_PREFIX = "segue_"
_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
_ID_LENGTH = 16  # 80 bits: ids never collide in practice, and are short enough to type
_SECRET_BYTES = 32  # 256 bits of secret
_TOKEN = re.compile(
    rf"{TOKEN_PREFIX}(?P<id>[a-z2-7]{{{_ID_LENGTH}}})_(?P<secret>[A-Za-z0-9_-]{{43}})"
)
_TOKEN_ID = re.compile(rf"[a-z2-7]{{{_ID_LENGTH}}}")


def hash_token(token: str) -> str:
    """The hex SHA-256 of the whole token: what the database keeps instead of it."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def create_token(session: AsyncSession, user_did: str) -> IssuedToken:
    """Issue a new token for an existing user; commits. Show ``token`` once, then drop it."""
    token_id = "".join(secrets.choice(_ID_ALPHABET) for _ in range(_ID_LENGTH))
    token = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(_SECRET_BYTES)}"
    async with committing(session):
        if await session.get(User, user_did) is None:
            raise NotFound(f"no user {user_did!r}")
        session.add(ApiToken(id=token_id, token_hash=hash_token(token), user_did=user_did))
    return IssuedToken(id=token_id, token=token, user_did=user_did)


# Built once: every authenticated request runs it.
_VERIFY = (
    sa.select(ApiToken.token_hash, ApiToken.revoked_at, User.did, User.handle, User.display_name)
    .join(User, ApiToken.user_did == User.did)
    .where(ApiToken.id == sa.bindparam("token_id"))
)


async def verify_token(reader: AsyncSession | AsyncConnection, token: str) -> UserView:
    """The user a valid, unrevoked token belongs to; :class:`Unauthorized` otherwise.

    ``reader`` is a session or a plain connection (the request's hot path uses the latter).
    """
    match = _TOKEN.fullmatch(token)
    if match is None:
        raise Unauthorized("invalid token")
    async with database_errors():
        row = (await reader.execute(_VERIFY, {"token_id": match["id"]})).one_or_none()
    # Hash whatever was sent even when the id is unknown, so both paths cost the same.
    presented = hash_token(token)
    stored = row.token_hash if row is not None else hash_token("")
    if not hmac.compare_digest(stored, presented) or row is None:
        raise Unauthorized("invalid token")
    if row.revoked_at is not None:
        raise Unauthorized("this token has been revoked")
    return UserView(did=row.did, handle=row.handle, display_name=row.display_name)


async def revoke_token(session: AsyncSession, token_or_id: str) -> str:
    """Revoke a token, given whole or by its id; commits and returns the id.

    Revoking a revoked token changes nothing; an unknown one is :class:`NotFound`.
    """
    text = token_or_id.strip()
    match = _TOKEN.fullmatch(text)
    token_id = match["id"] if match is not None else text
    if not _TOKEN_ID.fullmatch(token_id):
        raise NotFound("no such token")
    async with committing(session):
        api_token = await session.get(ApiToken, token_id, with_for_update=True)
        if api_token is None:
            raise NotFound("no such token")
        if api_token.revoked_at is None:
            api_token.revoked_at = utc_now()
    return token_id
