"""``segue token create|list|revoke``: API tokens."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Annotated

import typer

from segue.catalog import (
    IssuedToken,
    TokenInfo,
    check_platform_name,
    create_token,
    ensure_user,
    list_tokens,
    revoke_token,
)
from segue.errors import InvalidInput
from segue.settings import Settings

from ._common import err_console, exit_on_error, open_catalog, out_console, run, settings_from
from ._options import DataDirOption, option_no_default

__all__ = ["app", "parse_lifetime"]

app = typer.Typer(help="API tokens: create, list and revoke.", no_args_is_help=True)

_LIFETIME = re.compile(r"(?P<count>[1-9][0-9]{0,6})(?P<unit>[dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
_MAX_LIFETIME = timedelta(days=3650)


def parse_lifetime(text: str) -> timedelta | None:
    """A token lifetime: ``30d``, ``12h``, ``90m``, or ``never`` (``None``).

    >>> parse_lifetime("12h")
    datetime.timedelta(seconds=43200)
    >>> parse_lifetime("never") is None
    True
    """
    text = text.strip().lower()
    if text == "never":
        return None
    match = _LIFETIME.fullmatch(text)
    if match is None:
        raise InvalidInput(
            f"--expires-in {text!r}: give a number with d, h or m (30d, 12h, 90m), or never"
        )
    lifetime = timedelta(**{_UNITS[match["unit"]]: int(match["count"])})
    if lifetime > _MAX_LIFETIME:
        raise InvalidInput("--expires-in: at most 3650d; use never for a token that never expires")
    return lifetime


@app.command("create")
def create(
    did: Annotated[
        str | None,
        option_no_default(
            "--did",
            help="The user's DID, e.g. did:plc:...",
        ),
    ] = None,
    handle: Annotated[
        str | None,
        option_no_default(
            "--handle",
            help="The user's handle.",
        ),
    ] = None,
    display_name: Annotated[
        str | None, typer.Option("--display-name", help="The user's display name.")
    ] = None,
    platform: Annotated[
        str | None,
        option_no_default(
            "--platform",
            help="A platform's token instead of a user's, named NAME (plyr.fm): it acts for "
            "any DID its requests name in X-Segue-Actor (docs/security.md).",
            metavar="NAME",
        ),
    ] = None,
    expires_in: Annotated[
        str | None,
        option_no_default(
            "--expires-in",
            help="Lifetime: 30d, 12h, 90m, or never (default: SEGUE_TOKEN_TTL_DAYS days, 90).",
        ),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Create a token for a user (--did and --handle; the user is created, or updated, with
    these details), or for a platform (--platform NAME).

    Prints the token alone on stdout, once: it is not stored and cannot be shown again.
    """
    settings = settings_from(data_dir)
    with exit_on_error():
        if platform is not None and (did is not None or handle is not None):
            raise InvalidInput("give --platform NAME, or --did and --handle, not both")
        if platform is None and (did is None or handle is None):
            raise InvalidInput("give --did and --handle (a user's token), or --platform NAME")
        if platform is not None:
            check_platform_name(platform)
        lifetime = (
            timedelta(days=settings.token_ttl_days)
            if expires_in is None
            else parse_lifetime(expires_in)
        )

    async def _go() -> IssuedToken:
        async with open_catalog(settings) as database, database.sessionmaker() as session:
            if platform is not None:
                return await create_token(session, None, platform=platform, expires_in=lifetime)
            assert did is not None
            assert handle is not None
            user = await ensure_user(session, did, handle, display_name)
            return await create_token(session, user.did, expires_in=lifetime)

    issued = run(_go())
    typer.echo(issued.token)
    expiry = "never expires" if issued.expires_at is None else f"expires {_when(issued.expires_at)}"
    owner = (
        f"platform {issued.platform} (acts for the DID in X-Segue-Actor)"
        if issued.platform is not None
        else issued.user_did
    )
    err_console().print(
        f"token {issued.id} for {owner} ({expiry}); "
        f"revoke it with `segue token revoke {issued.id}`",
        highlight=False,
    )


@app.command("list")
def list_(
    did: Annotated[
        str | None,
        option_no_default(
            "--did",
            help="Only this user's tokens (no platform's).",
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="One JSON array: id, did, handle, platform (a platform token's; null for a "
            "user's), and the times in ISO 8601 (null: never).",
        ),
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """List tokens: id, user (or platform), created, expires, last used, revoked. Never the
    secrets."""
    settings = settings_from(data_dir)

    async def _go() -> list[TokenInfo]:
        # A plain connection: one SELECT, no ORM session around it.
        async with open_catalog(settings) as database, database.reading() as conn:
            return await list_tokens(conn, did)

    tokens = run(_go())
    if as_json:
        typer.echo(json.dumps([_as_dict(t) for t in tokens]))
        return
    from rich.table import Table  # only here: the --json path prints without rich

    table = Table("id", "user", "created", "expires", "last used", "revoked")
    for t in tokens:
        table.add_row(
            t.id,
            f"platform {t.platform}"
            if t.platform is not None
            else f"{t.user_handle} ({t.user_did})",
            _when(t.created_at),
            "never" if t.expires_at is None else _when(t.expires_at),
            "never" if t.last_used_at is None else _when(t.last_used_at),
            "" if t.revoked_at is None else _when(t.revoked_at),
        )
    out_console().print(table)


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def _as_dict(token: TokenInfo) -> dict[str, object]:
    return {
        "id": token.id,
        "did": token.user_did,
        "handle": token.user_handle,
        "platform": token.platform,
        "created_at": _iso(token.created_at),
        "expires_at": _iso(token.expires_at),
        "last_used_at": _iso(token.last_used_at),
        "revoked_at": _iso(token.revoked_at),
    }


@app.command("revoke")
def revoke(
    token_id: Annotated[
        str,
        typer.Argument(
            metavar="TOKEN_ID",
            help="The token's id (`segue token list`; the part after segue_), not the secret.",
        ),
    ],
    data_dir: DataDirOption = None,
) -> None:
    """Revoke a token by its id: requests with it are refused from now on."""
    settings = settings_from(data_dir)
    revoked = run(_revoke(settings, token_id))
    err_console().print(f"token {revoked} revoked", highlight=False)


async def _revoke(settings: Settings, token_id: str) -> str:
    async with open_catalog(settings) as database, database.sessionmaker() as session:
        return await revoke_token(session, token_id)


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
