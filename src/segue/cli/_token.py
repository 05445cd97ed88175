"""``segue token create|revoke``: API tokens."""

from __future__ import annotations

from typing import Annotated

import typer

from segue.catalog import (
    IssuedToken,
    create_token,
    ensure_user,
    revoke_token,
)
from segue.settings import Settings

from ._common import DataDirOption, err_console, open_catalog, run, settings_from

__all__ = ["app"]

app = typer.Typer(help="API tokens: create and revoke.", no_args_is_help=True)


@app.command("create")
def create(
    did: Annotated[str, typer.Option("--did", help="The user's DID, e.g. did:plc:...")],
    handle: Annotated[str, typer.Option("--handle", help="The user's handle.")],
    display_name: Annotated[
        str | None, typer.Option("--display-name", help="The user's display name.")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Create a token for a user (created, or updated, with these details).

    Prints the token alone on stdout, once: it is not stored and cannot be shown again.
    """
    settings = settings_from(data_dir)

    async def _go() -> IssuedToken:
        async with open_catalog(settings) as database, database.sessionmaker() as session:
            user = await ensure_user(session, did, handle, display_name)
            return await create_token(session, user.did)

    issued = run(_go())
    typer.echo(issued.token)
    err_console.print(
        f"token {issued.id} for {issued.user_did}; revoke it with `segue token revoke {issued.id}`",
        highlight=False,
    )


@app.command("revoke")
def revoke(
    token: Annotated[str, typer.Argument(metavar="TOKEN_OR_ID", help="The token, or its id.")],
    data_dir: DataDirOption = None,
) -> None:
    """Revoke a token: requests with it are refused from now on."""
    settings = settings_from(data_dir)
    token_id = run(_revoke(settings, token))
    err_console.print(f"token {token_id} revoked", highlight=False)


async def _revoke(settings: Settings, token: str) -> str:
    async with open_catalog(settings) as database, database.sessionmaker() as session:
        return await revoke_token(session, token)
