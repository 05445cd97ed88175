"""Logs for production (issue 26, item 6): a request id accepted when well formed or made,
and returned; one access line per request with the route template, status, duration and
id; JSON lines when SEGUE_LOG_FORMAT=json."""

from __future__ import annotations

import json
import logging

import pytest
from uvicorn.logging import DefaultFormatter

from segue.api import JsonFormatter, log_config
from segue.api._logging import REDACTED, RedactSecrets, TextFormatter

from .conftest import World


@pytest.mark.parametrize(
    ("given", "kept"),
    [("abc-123", True), ("a.b:c_d", True), ("x" * 128, True), ("x" * 129, False),
     ("has space", False), ("new\nline", False), ("", False)],
)  # fmt: skip
async def test_a_request_id_is_kept_when_well_formed_or_made(
    world: World, caplog: pytest.LogCaptureFixture, given: str, kept: bool
) -> None:
    caplog.set_level(logging.INFO, logger="segue.access")
    headers = {**world.auth(), "X-Request-ID": given} if given else world.auth()
    r = await world.client.get(f"/playlists/{world.playlist}", headers=headers)
    assert r.status_code == 200
    returned = r.headers["X-Request-ID"]
    if kept:
        assert returned == given
    else:
        assert returned != given
        assert len(returned) == 32
        int(returned, 16)
    (record,) = [r for r in caplog.records if r.name == "segue.access"]
    assert record.request_id == returned  # type: ignore[attr-defined]
    assert record.route == "/playlists/{playlist_id}"  # type: ignore[attr-defined]
    assert record.method == "GET"  # type: ignore[attr-defined]
    assert record.status == 200  # type: ignore[attr-defined]
    assert record.duration_ms >= 0  # type: ignore[attr-defined]
    assert world.playlist not in record.getMessage()  # the template, never the path


def test_a_json_line_has_what_a_pipeline_needs() -> None:
    record = logging.LogRecord("segue.access", logging.INFO, __file__, 1, "GET %s", ("/x",), None)
    record.route, record.status, record.request_id = "/x", 200, "abc"
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "info"
    assert line["logger"] == "segue.access"
    assert line["message"] == "GET /x"
    assert (line["route"], line["status"], line["request_id"]) == ("/x", 200, "abc")
    assert line["time"].endswith("+00:00")


def test_the_level_and_format_reach_segue_and_uvicorn() -> None:
    config = log_config("warning", "json")
    assert config["loggers"]["segue"]["level"] == "WARNING"
    assert config["loggers"]["uvicorn.error"]["level"] == "WARNING"
    assert {h["formatter"] for h in config["handlers"].values()} == {"json"}
    assert all(h["filters"] == ["redact"] for h in config["handlers"].values())


async def test_the_access_line_reads_as_before_and_a_token_shaped_id_is_masked(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    # The line is formatted once in RequestMetrics (issue 20): the same words as the
    # "%s %s %d %.1fms id=%s%s" it was, and the handlers' filter still masks its pieces.
    caplog.set_level(logging.INFO, logger="segue.access")
    given = "segue_abcdefgh_12345678secret"
    headers = {**world.auth(), "X-Request-ID": given}
    r = await world.client.get(f"/playlists/{world.playlist}", headers=headers)
    assert r.headers["X-Request-ID"] == given
    (record,) = [r for r in caplog.records if r.name == "segue.access"]
    ms = record.duration_ms  # type: ignore[attr-defined]
    assert record.getMessage() == f"GET /playlists/{{playlist_id}} 200 {ms:.1f}ms id={given}"
    assert record.caller is None  # type: ignore[attr-defined]
    assert RedactSecrets().filter(record)
    assert record.getMessage() == (
        f"GET /playlists/{{playlist_id}} 200 {ms:.1f}ms id=segue_{REDACTED}"
    )


@pytest.mark.parametrize("created", [0.25, 0.999, 1.0, 1.5, 86_399.75, 1_765_000_000.125])
def test_the_text_time_is_logging_s_own_even_when_made_once_a_second(created: float) -> None:
    default = log_config()["formatters"]["default"]
    assert default["()"] == "segue.api._logging.TextFormatter"
    fmt = default["fmt"]
    ours = TextFormatter(fmt, use_colors=False)
    uvicorn_s = DefaultFormatter(fmt, use_colors=False)
    # The same second twice (the second from the remembered text), then the next one.
    for at in (created, created + 0.0004, created + 1):
        record = logging.makeLogRecord({"name": "segue.access", "msg": "GET /x", "created": at})
        record.msecs = (at - int(at)) * 1000
        assert ours.format(record) == uvicorn_s.format(record)
