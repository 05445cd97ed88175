"""API tokens: random secrets, shown once; only their SHA-256 is stored.

A token reads ``segue_<id>_<secret>``. The id is not secret: it finds the row and names
the token in ``segue token list`` and ``segue token revoke`` (so the secret never has to
be typed into a shell); the secret's hash is then compared in constant time, so response
timing says nothing about how much of a guess was right. A token may expire
(``expires_at``) and may be revoked (``revoked_at``); either makes it refused.

    >>> issued = await create_token(session, did, expires_in=timedelta(days=90))  # doctest: +SKIP
    >>> (await verify_token(session, issued.token)).did  # doctest: +SKIP
    'did:plc:abc'
    >>> await revoke_token(session, issued.id)  # doctest: +SKIP

They read and write the Core tables (``_core_tables.py``), never the ORM's classes:
``segue token list`` imports no declarative model (issue 26).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from segue.errors import InvalidInput, NotFound, Unauthorized
from segue.limits import PLATFORM_NAME_MAX_LENGTH

from ._core_tables import api_tokens, users, utc_now
from ._db import database_errors
from ._unit import committing
from ._views import IssuedToken, TokenCheck, TokenInfo, UserView

__all__ = [
    "TOKEN_PREFIX",
    "check_platform_name",
    "check_token",
    "create_token",
    "hash_token",
    "list_tokens",
    "revoke_token",
    "token_id_of",
    "touch_tokens",
    "verify_token",
]

TOKEN_PREFIX = "segue_"
_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
_ID_LENGTH = 16  # 80 bits: ids never collide in practice, and are short enough to type
_SECRET_BYTES = 32  # 256 bits of secret
_TOKEN = re.compile(
    rf"{TOKEN_PREFIX}(?P<id>[a-z2-7]{{{_ID_LENGTH}}})_(?P<secret>[A-Za-z0-9_-]{{43}})"
)
_TOKEN_ID = re.compile(rf"[a-z2-7]{{{_ID_LENGTH}}}")
_PLATFORM = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{PLATFORM_NAME_MAX_LENGTH - 1}}}")


def hash_token(token: str) -> str:
    """The hex SHA-256 of the whole token: what the database keeps instead of it."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_id_of(token: str) -> str:
    """The id inside a whole token (not secret); :class:`Unauthorized` if it is malformed."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        raise Unauthorized("invalid token")
    return match["id"]


def check_platform_name(name: str) -> str:
    """A platform's name as ``segue token create --platform`` takes it: 1 to 64 letters,
    digits, ``.``, ``_`` or ``-``, starting with a letter or digit (``plyr.fm``). It is
    written to access logs, so nothing else is allowed in it."""
    if not _PLATFORM.fullmatch(name):
        raise InvalidInput(
            f"a platform name is 1 to {PLATFORM_NAME_MAX_LENGTH} letters, digits, '.', '_' or "
            f"'-', starting with a letter or digit: {name[:80]!r}"
        )
    return name


async def create_token(
    session: AsyncSession,
    user_did: str | None,
    *,
    expires_in: timedelta | None = None,
    platform: str | None = None,
) -> IssuedToken:
    """Issue a new token for an existing user, or (``user_did=None``) for a ``platform``;
    commits. Show ``token`` once, then drop it.

    A platform token acts for any DID its requests name in ``X-Segue-Actor``.
    ``expires_in=None`` makes a token that never expires: callers that issue tokens for
    people (``segue token create``) pass the configured default, ``SEGUE_TOKEN_TTL_DAYS``.
    """
    if (user_did is None) == (platform is None):
        raise InvalidInput("a token belongs to a user or to a platform, not both nor neither")
    if platform is not None:
        platform = check_platform_name(platform)
    if expires_in is not None and expires_in <= timedelta(0):
        raise InvalidInput("a token's lifetime must be positive")
    token_id = "".join(secrets.choice(_ID_ALPHABET) for _ in range(_ID_LENGTH))
    token = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(_SECRET_BYTES)}"
    expires_at = None if expires_in is None else utc_now() + expires_in
    async with committing(session):
        if user_did is not None:
            found = await session.execute(sa.select(users.c.did).where(users.c.did == user_did))
            if found.first() is None:
                raise NotFound(f"no user {user_did!r}")
        await session.execute(
            sa.insert(api_tokens).values(
                id=token_id,
                token_hash=hash_token(token),
                user_did=user_did,
                platform=platform,
                expires_at=expires_at,
            )
        )
    return IssuedToken(
        id=token_id, token=token, user_did=user_did, expires_at=expires_at, platform=platform
    )


# Built once: every authenticated request that misses the authenticator's cache runs it.
_VERIFY = (
    sa.select(
        api_tokens.c.token_hash,
        api_tokens.c.revoked_at,
        api_tokens.c.expires_at,
        api_tokens.c.last_used_at,
        api_tokens.c.platform,
        users.c.did,
        users.c.handle,
        users.c.display_name,
    )
    # outer: a platform token has no user
    .select_from(api_tokens.outerjoin(users, api_tokens.c.user_did == users.c.did))
    .where(api_tokens.c.id == sa.bindparam("token_id"))
)


async def check_token(
    reader: AsyncSession | AsyncConnection, token: str, *, now: datetime | None = None
) -> TokenCheck:
    """A valid token's id, user, expiry and last use; :class:`Unauthorized` otherwise.

    Refused: a malformed or unknown token, a wrong secret, a revoked token, and a token
    whose ``expires_at`` is not after ``now`` (default: the current time). ``reader`` is a
    session or a plain connection (the request's hot path uses the latter).
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
    if row.expires_at is not None and row.expires_at <= (now or utc_now()):
        raise Unauthorized("this token has expired")
    user = None
    if row.platform is None:
        user = UserView(did=row.did, handle=row.handle, display_name=row.display_name)
    return TokenCheck(match["id"], user, row.expires_at, row.last_used_at, row.platform)


async def verify_token(reader: AsyncSession | AsyncConnection, token: str) -> UserView:
    """The user a valid, unexpired, unrevoked user token belongs to; :class:`Unauthorized`
    otherwise (a platform token too: it has no user of its own)."""
    user = (await check_token(reader, token)).user
    if user is None:
        raise Unauthorized("a platform token acts only for the DID in X-Segue-Actor")
    return user


async def touch_tokens(
    session: AsyncSession, uses: Mapping[str, datetime], *, older_than: timedelta
) -> int:
    """Record when tokens were used (token id -> time); commits; how many rows changed.

    A token's ``last_used_at`` is only moved when it is older than its new value minus
    ``older_than``: the condition is in the UPDATE, so processes that see the same stale
    value at once write it once between them, not once each.
    """
    written = 0
    async with committing(session):
        for token_id, used_at in uses.items():
            last_used = api_tokens.c.last_used_at
            stale = sa.or_(last_used.is_(None), last_used < used_at - older_than)
            statement = (
                sa.update(api_tokens)
                .where(api_tokens.c.id == token_id, stale)
                .values(last_used_at=used_at)
            )
            result = await session.execute(statement)
            written += int(getattr(result, "rowcount", 0) or 0)
    return written


async def list_tokens(
    reader: AsyncSession | AsyncConnection, user_did: str | None = None
) -> list[TokenInfo]:
    """Every token (or one user's), oldest first, without secrets or hashes; platform
    tokens have no user (``user_did`` ``None``) and name their platform. ``reader`` is a
    session or a plain connection (``Database.reading``)."""
    tokens = api_tokens.c
    query = (
        sa.select(
            tokens.id,
            tokens.user_did,
            users.c.handle,
            tokens.created_at,
            tokens.expires_at,
            tokens.last_used_at,
            tokens.revoked_at,
            tokens.platform,
        )
        .select_from(api_tokens.outerjoin(users, tokens.user_did == users.c.did))
        .order_by(tokens.created_at, tokens.id)
    )
    if user_did is not None:
        query = query.where(tokens.user_did == user_did)
    async with database_errors():
        rows = (await reader.execute(query)).all()
    return [TokenInfo(*row) for row in rows]


async def revoke_token(session: AsyncSession, token_id: str) -> str:
    """Revoke the token with this id; commits and returns the id.

    Revoking a revoked token changes nothing; an unknown id is :class:`NotFound`. A whole
    token is refused (:class:`InvalidInput`): revoking by id keeps secrets out of shell
    histories and process lists.
    """
    text = token_id.strip()
    match = _TOKEN.fullmatch(text)
    if match is not None:
        raise InvalidInput(
            f"give the token's id, not the token itself: `segue token revoke {match['id']}`"
        )
    if not _TOKEN_ID.fullmatch(text):
        raise NotFound("no such token")
    async with committing(session):
        found = await session.execute(
            sa.select(api_tokens.c.revoked_at).where(api_tokens.c.id == text).with_for_update()
        )
        row = found.first()
        if row is None:
            raise NotFound("no such token")
        if row.revoked_at is None:
            await session.execute(
                sa.update(api_tokens).where(api_tokens.c.id == text).values(revoked_at=utc_now())
            )
    return text
