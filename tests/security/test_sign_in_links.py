"""Issue 13, point 1: a token never travels in a URL the server sees, and never reaches a
log line, whatever a client puts in its request."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from segue.api import RedactSecrets
from segue.catalog import UserView
from segue.cli import app as cli
from segue.ingest import DemoInfo
from segue.settings import Settings

from ..api.conftest import World
from ..support import free_port, segue_binary, wait_for

START_GUARD = 120.0  # seconds: importing Segue is slow on a loaded two-core machine
STOP_GUARD = 30.0


def test_the_demo_sign_in_address_keeps_the_token_in_the_fragment(tmp_path: Path) -> None:
    token = "segue_abcdefghijklmnop_" + "S" * 43
    info = DemoInfo(
        Settings(data_dir=tmp_path), token, UserView("did:plc:d", "d.test", None), (), False
    )
    url = httpx.URL(info.login_url("127.0.0.1", 8123))
    assert token not in str(url.copy_with(fragment=None))  # what a browser sends
    assert url.path == "/login"
    assert url.query == b""
    assert url.fragment == f"token={token}"


async def test_a_token_in_the_query_signs_nobody_in(world: World, tmp_path: Path) -> None:
    """``/login?token=`` (the old form) is just the sign-in page: no cookie, no session, and
    the same bytes as ``/login``; only the page's script reads a token, from the fragment."""
    plain = await world.client.get("/login")
    with_token = await world.client.get(f"/login?token={world.alice}")
    assert with_token.status_code == plain.status_code
    assert with_token.content == plain.content
    assert "set-cookie" not in with_token.headers
    assert world.alice not in with_token.text
    assert with_token.headers["referrer-policy"] == "no-referrer"
    assert (await world.client.get("/me")).status_code == 401
    assert (await world.client.get(f"/me?token={world.alice}")).status_code == 401
    assert (await world.client.get(f"/me?access_token={world.alice}")).status_code == 401


def _server_log(
    tmp_path: Path, requests: list[tuple[str, str, dict[str, str]]], log_format: str = "text"
) -> str:
    """Run ``segue serve`` as people do, send ``requests``, stop it; all it printed."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEGUE_")}
    env |= {"SEGUE_UI_DIR": str(tmp_path / "no-ui"), "SEGUE_TOKEN_CACHE_SECONDS": "0",
            "SEGUE_LOG_FORMAT": log_format}  # fmt: skip
    log = tmp_path / "serve.log"
    command = [segue_binary(), "serve", "--workers", "1", "--port", str(port),
               "--data-dir", str(tmp_path / "data")]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:

        def ready() -> bool:
            assert proc.poll() is None, log.read_text()
            try:
                return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(ready, "segue serve", START_GUARD)
        with httpx.Client(base_url=base, timeout=10) as client:
            for method, path, headers in requests:
                r = client.request(method, path, headers=headers)
                given = headers.get("X-Request-ID")
                returned = r.headers["X-Request-ID"]
                if given is not None and " " not in given:
                    assert returned == given
                else:  # made here: a well-formed one replaces a malformed one
                    assert len(returned) == 32
                    assert int(returned, 16) >= 0
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=STOP_GUARD)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return log.read_text()


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_no_log_line_carries_a_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, log_format: str
) -> None:
    for name in [n for n in os.environ if n.startswith("SEGUE_")]:
        monkeypatch.delenv(name)
    created = CliRunner().invoke(
        cli,
        ["token", "create", "--did", "did:plc:logs", "--handle", "logs.example.com",
         "--data-dir", str(tmp_path / "data")],
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    secret = token.split("_", 2)[2]
    bearer = {"Authorization": f"Bearer {token}"}
    wrong = {"Authorization": f"Bearer {token[:-4]}AAAA"}
    text = _server_log(
        tmp_path,
        [
            ("GET", "/me", {**bearer, "X-Request-ID": "req-42.a:b_c"}),
            ("GET", "/me", {**wrong, "X-Request-ID": "not well formed"}),
            ("GET", f"/login?token={token}", {}),  # the old sign-in link
            ("GET", f"/tracks?q={token}&limit=5", bearer),
            ("GET", f"/{token}", {}),  # pasted into the path
            ("GET", f"/nowhere?access_token={token}", {}),
            ("POST", "/auth/logout", bearer),
        ],
        log_format,
    )
    # Segue's access log wrote these requests down by route template: no path, no query.
    if log_format == "json":
        lines = [json.loads(line) for line in text.splitlines() if line.strip()]
        access = [(x["method"], x["route"], x["status"]) for x in lines if "route" in x]
        assert all({"time", "level", "logger", "message", "pid"} <= set(x) for x in lines)
        assert all({"duration_ms", "request_id"} <= set(x) for x in lines if "route" in x)
        ids = [x["request_id"] for x in lines if "route" in x]
        assert "req-42.a:b_c" in ids
    else:
        access = [
            (m.group(1), m.group(2), int(m.group(3)))
            for m in re.finditer(r"segue\.access: (\w+) (\S+) (\d+) [\d.]+ms id=", text)
        ]
        assert "id=req-42.a:b_c" in text
    assert ("GET", "/me", 200) in access
    assert ("GET", "/me", 401) in access
    assert ("GET", "/login", 200) in access or ("GET", "/login", 503) in access
    assert ("GET", "/tracks", 200) in access
    assert ("GET", "unmatched", 404) in access
    assert ("POST", "/auth/logout", 204) in access
    assert token not in text
    assert secret not in text
    assert secret[:12] not in text


def test_the_log_filter_masks_tokens_in_messages_and_arguments() -> None:
    token = "segue_abcdefghijklmnop_" + "Z" * 43
    record = logging.LogRecord(
        "segue.api", logging.WARNING, __file__, 1, "refused %s on /x?key=%d", (token, 7), None
    )
    assert RedactSecrets().filter(record)
    assert token not in record.getMessage()
    assert record.getMessage() == "refused segue_[redacted] on /x?key=7"
    plain = logging.LogRecord("segue.api", logging.WARNING, __file__, 1, f"/a?t={token}", (), None)
    RedactSecrets().filter(plain)
    assert plain.getMessage() == "/a?t=[redacted]"
