"""The imports and the follower refuse what the API refuses: text-direction overrides and
invisible characters in names and titles, through the one rule (catalog.text_problem)."""

from __future__ import annotations

from pathlib import Path

import pytest

from segue.atproto import Malformed
from segue.errors import ImportRejected
from segue.follow._records import playlist_name, track_fields
from segue.ingest import read_playlists, read_tracks

from ..follow.recording import list_record, track_record
from .ingest_support import OWNER, track_row, write_jsonl

SPOOF = "\u202egnp.exe\u202c Song"


def test_a_track_import_refuses_a_spoofed_title(tmp_path: Path) -> None:
    rows = [track_row(1), {**track_row(2), "title": SPOOF}]
    with pytest.raises(ImportRejected) as caught:
        read_tracks(write_jsonl(tmp_path / "tracks.jsonl", rows))
    assert "U+202E" in str(caught.value)


def test_a_playlist_import_refuses_a_spoofed_name(tmp_path: Path) -> None:
    row = {"id": "p1", "owner_did": OWNER, "name": "a\u200bb", "tracks": [1]}
    with pytest.raises(ImportRejected) as caught:
        read_playlists(write_jsonl(tmp_path / "playlists.jsonl", [row]))
    assert "U+200B" in str(caught.value)


def test_the_follower_refuses_a_spoofed_title_and_name() -> None:
    with pytest.raises(Malformed, match="U\\+202E"):
        track_fields(track_record(SPOOF))
    with pytest.raises(Malformed, match="U\\+2066"):
        playlist_name(list_record("\u2066x\u2069", []))
    assert track_fields(track_record("Plain title")).title == "Plain title"
