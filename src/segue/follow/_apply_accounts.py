"""Accounts as the network reports them: status (hiding and showing their followed tracks
and playlists) and handle. Each event is applied in the order it arrives (see :func:`_order`).

Hiding reuses the catalog's own switch: a track's ``visible`` (and the seeds generation of
every playlist holding it moves, as ``segue import tracks`` does), and a playlist's.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from segue.catalog import bump_seeds_generation
from segue.catalog.tables import (
    Artist,
    FollowAccount,
    FollowRecord,
    Playlist,
    Track,
    TrackUri,
    User,
    chunks,
    insert_for,
    utc_now,
)

from ._changes import AccountChange, FollowResult, IdentityChange

__all__ = [
    "UNKNOWN_HANDLE",
    "account_state",
    "account_states",
    "apply_account",
    "apply_identity",
]

#: ATProto's own placeholder for a handle not known (or not verified)
UNKNOWN_HANDLE = "handle.invalid"


async def account_state(session: AsyncSession, did: str) -> tuple[bool, str]:
    """(whether the account's content is hidden now, its handle from its last identity
    event or else ``handle.invalid``)."""
    row = (
        await session.execute(
            sa.select(FollowAccount.hidden, FollowAccount.handle).where(FollowAccount.did == did)
        )
    ).first()
    if row is None:
        return False, UNKNOWN_HANDLE
    return bool(row.hidden), row.handle or UNKNOWN_HANDLE


async def account_states(session: AsyncSession, dids: Sequence[str]) -> dict[str, tuple[bool, str]]:
    """:func:`account_state` of each of ``dids``, read together."""
    wanted = sorted(set(dids))
    states = dict.fromkeys(wanted, (False, UNKNOWN_HANDLE))
    for chunk in chunks(wanted):
        rows = await session.execute(
            sa.select(FollowAccount.did, FollowAccount.hidden, FollowAccount.handle).where(
                FollowAccount.did.in_(chunk)
            )
        )
        for did, hidden, handle in rows:
            states[did] = (bool(hidden), handle or UNKNOWN_HANDLE)
    return states


async def _known(session: AsyncSession, did: str) -> bool:
    """Jetstream sends every account's status and identity events, whatever collections
    were asked for: only those of accounts in the catalog are kept."""
    found = await session.scalar(
        sa.select(
            sa.or_(
                sa.exists().where(FollowAccount.did == did),
                sa.exists().where(Artist.did == did),
                sa.exists().where(User.did == did),
            )
        )
    )
    return bool(found)


def _order(seq: int, applied: int | None) -> FollowResult | None:
    """Account and identity events are applied in the order they arrive: Jetstream sends
    an account's events in order, and a rewind replays them in order, while the relay's
    ``seq`` is not comparable across relays (a host switch may land on a Jetstream fed by
    another, whose numbers are lower: compared, they would be dropped for ever). Only the
    very event applied last, delivered again, is a duplicate."""
    return FollowResult.DUPLICATE if applied is not None and seq == applied else None


async def _upsert_account(session: AsyncSession, did: str, **values: object) -> None:
    insert = insert_for(session)
    await session.execute(
        insert(FollowAccount)
        .values(did=did, **values)
        .on_conflict_do_update(index_elements=[FollowAccount.did], set_=values)
    )


async def apply_account(session: AsyncSession, change: AccountChange) -> FollowResult:
    if not await _known(session, change.did):
        return FollowResult.IGNORED
    row = (
        await session.execute(
            sa.select(FollowAccount.hidden, FollowAccount.account_seq).where(
                FollowAccount.did == change.did
            )
        )
    ).first()
    hidden_before = bool(row.hidden) if row is not None else False
    skip = _order(change.seq, row.account_seq if row is not None else None)
    if skip is not None:
        return skip
    hidden = hidden_before if change.hidden is None else change.hidden
    await _upsert_account(
        session,
        change.did,
        active=change.active,
        status=change.status,
        hidden=hidden,
        account_seq=change.seq,
    )
    if hidden != hidden_before:
        await _show_account(session, change.did, visible=not hidden)
    return FollowResult.APPLIED


async def _show_account(session: AsyncSession, did: str, *, visible: bool) -> None:
    """Hide or show the account's followed tracks and playlists (only those: tracks imported
    without a record are left alone; a followed track's visibility is the account's, so one
    hidden by ``segue import tracks`` is shown again when the account comes back, as
    docs/atproto.md says)."""
    track_ids = list(
        (
            await session.scalars(
                sa.select(TrackUri.track_id)
                .join(FollowRecord, FollowRecord.uri == TrackUri.uri)
                .where(FollowRecord.did == did, FollowRecord.kind == "track")
            )
        ).all()
    )
    changed: list[int] = []
    for chunk in chunks(track_ids):
        result = await session.execute(
            sa.update(Track)
            .where(Track.id.in_(chunk), Track.visible.is_not(visible))
            .values(visible=visible, updated_at=utc_now())
            .returning(Track.id),
            execution_options={"synchronize_session": False},
        )
        changed.extend(result.scalars().all())
    # Their playlists' seeds changed, though not their records: a new cache key.
    await bump_seeds_generation(session, changed)
    uris = (
        await session.scalars(
            sa.select(FollowRecord.uri).where(
                FollowRecord.did == did,
                FollowRecord.kind == "playlist",
                FollowRecord.deleted_at.is_(None),
            )
        )
    ).all()
    playlist_ids = [uri.rsplit("/", 1)[1] for uri in uris]
    for chunk in chunks(playlist_ids):
        await session.execute(
            sa.update(Playlist)
            .where(Playlist.id.in_(chunk), Playlist.owner_did == did)
            .values(visible=visible, updated_at=Playlist.updated_at),
            execution_options={"synchronize_session": False},
        )


async def apply_identity(session: AsyncSession, change: IdentityChange) -> FollowResult:
    if not await _known(session, change.did):
        return FollowResult.IGNORED
    applied = await session.scalar(
        sa.select(FollowAccount.identity_seq).where(FollowAccount.did == change.did)
    )
    skip = _order(change.seq, applied)
    if skip is not None:
        return skip
    values: dict[str, object] = {"identity_seq": change.seq}
    if change.handle is not None:
        values["handle"] = change.handle
    await _upsert_account(session, change.did, **values)
    if change.handle is not None:
        for model in (Artist, User):
            await session.execute(
                sa.update(model)
                .where(model.did == change.did, model.handle != change.handle)
                .values(handle=change.handle, updated_at=utc_now()),
                execution_options={"synchronize_session": False},
            )
    return FollowResult.APPLIED
