"""`segue.ingest` tracks: JSONL and CSV round trips, validation, idempotency, all-or-nothing.

Every test that touches the catalog runs on PostgreSQL and on SQLite (``database``).
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from segue.catalog import hydrate
from segue.catalog._models import Artist, Track
from segue.errors import ImportRejected, InvalidInput
from segue.ingest import MAX_REPORTED, import_tracks, read_tracks
from segue.ingest._problems import Problems
from segue.ingest._rows import parse_jsonl

from .ingest_support import (
    ARTIST_A,
    ARTIST_B,
    TRACK_CID,
    TRACK_URI,
    snapshot,
    track_row,
    write_csv,
    write_jsonl,
)

ROWS = [
    track_row(1, image_url="https://img.example.com/1.jpg", uri=TRACK_URI, cid=TRACK_CID),
    track_row(2, title="  Night Drive  ", artist_display_name=None),
    track_row(3, image_url="/demo-covers/x.svg", audio_url=" https://cdn.example.com/3.mp3 "),
]


def write(tmp_path, fmt, rows, name="tracks"):
    path = tmp_path / f"{name}.{fmt}"
    return write_jsonl(path, rows) if fmt == "jsonl" else write_csv(path, rows)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
async def test_round_trip(database, tmp_path, fmt):
    result = await import_tracks(database, read_tracks(write(tmp_path, fmt, ROWS)))
    assert (result.tracks, result.new_tracks, result.artists, result.new_artists) == (3, 3, 2, 2)

    async with database.sessionmaker() as s:
        views = await hydrate(s, [3, 1, 2])
        tracks = {t.id: t for t in (await s.scalars(sa.select(Track))).all()}
        artists = {a.did: a for a in (await s.scalars(sa.select(Artist))).all()}
    assert [v.id for v in views] == [3, 1, 2]
    assert views[1].title == "Track 1"
    assert views[1].image_url == "https://img.example.com/1.jpg"
    assert views[0].image_url == "/demo-covers/x.svg"
    assert views[0].audio_url == "https://cdn.example.com/3.mp3"  # trimmed
    assert views[1].audio_url is None
    assert views[2].title == "Night Drive"  # trimmed
    assert (tracks[1].uri, tracks[1].cid) == (TRACK_URI, TRACK_CID)
    assert tracks[2].uri is None
    assert tracks[2].cid is None
    assert tracks[2].image_url is None
    assert tracks[2].artist_did == ARTIST_B
    assert artists[ARTIST_A].handle == "aurora.example.com"
    assert artists[ARTIST_B].display_name is None


async def test_csv_and_jsonl_give_the_same_catalog(database, tmp_path):
    await import_tracks(database, read_tracks(write(tmp_path, "csv", ROWS)))
    from_csv = await snapshot(database)
    # Importing the same tracks as JSONL on top changes nothing at all.
    await import_tracks(database, read_tracks(write(tmp_path, "jsonl", ROWS)))
    assert await snapshot(database) == from_csv


async def test_idempotent(database, tmp_path):
    path = write(tmp_path, "jsonl", ROWS)
    await import_tracks(database, read_tracks(path))
    first = await snapshot(database)
    again = await import_tracks(database, read_tracks(path))
    assert (again.new_tracks, again.new_artists) == (0, 0)
    assert await snapshot(database) == first  # updated_at included: nothing was rewritten


async def test_reimport_updates_changed_rows_only(database, tmp_path):
    await import_tracks(database, read_tracks(write(tmp_path, "jsonl", ROWS)))
    before = {row[0]: row for row in (await snapshot(database))["tracks"]}
    changed = [dict(ROWS[0], title="Renamed"), *ROWS[1:], track_row(5)]
    result = await import_tracks(database, read_tracks(write(tmp_path, "jsonl", changed, "b")))
    assert (result.tracks, result.new_tracks) == (4, 1)
    after = {row[0]: row for row in (await snapshot(database))["tracks"]}
    assert set(after) == {1, 2, 3, 5}
    assert after[1][1] == "Renamed"
    assert after[1] != before[1]
    assert after[2] == before[2]
    assert after[3] == before[3]


async def test_hidden_tracks_stay_hidden_after_a_reimport(database, tmp_path):
    path = write(tmp_path, "jsonl", ROWS)
    await import_tracks(database, read_tracks(path))
    async with database.sessionmaker.begin() as s:
        await s.execute(sa.update(Track).where(Track.id == 2).values(visible=False))
    await import_tracks(database, read_tracks(path))
    async with database.sessionmaker() as s:
        assert [t.id for t in await hydrate(s, [1, 2, 3])] == [1, 3]


BAD_LINES = [
    (track_row(1, id="x"), "line 1: id: expected an integer id, got 'x'"),
    (track_row(1, id=-3), "line 1: id: id -3 is out of range"),
    (track_row(1, id=2**53), "line 1: id: id 9007199254740992 is out of range 0..9007199254740991"),
    (track_row(1, id=1.5), "line 1: id: expected an integer id, got 1.5"),
    (track_row(1, id=True), "line 1: id: expected an integer id, got True"),
    (track_row(1, title="   "), "line 1: title: empty"),
    (track_row(1, title=7), "line 1: title: expected text, got 7"),
    (track_row(1, title="x" * 1001), "line 1: title: longer than 1000 characters"),
    (track_row(1, title="a\x00b"), "line 1: title: contains a control character (U+0000)"),
    (track_row(1, title="a\ud800"), "line 1: title: contains a lone surrogate (U+D800)"),
    (
        track_row(1, artist_display_name="\udfff"),
        "line 1: artist_display_name: the display name contains a lone surrogate (U+DFFF)",
    ),
    (track_row(1, image_url="https://x/\ud800"), "line 1: image_url: contains spaces or control"),
    (track_row(1, artist_did="plc:abc"), "line 1: artist_did: not a DID: 'plc:abc'"),
    (track_row(1, artist_handle="not a handle"), "line 1: artist_handle: not a handle"),
    (track_row(1, image_url="javascript:alert(1)"), "line 1: image_url: expected an http(s)"),
    (track_row(1, image_url="//evil.example/x.png"), "line 1: image_url: expected an http(s)"),
    (
        track_row(1, audio_url="javascript:alert(1)"),
        "line 1: audio_url: the audio URL must start with http:// or https://",
    ),
    (
        track_row(1, audio_url="/demo/1.mp3"),
        "line 1: audio_url: the audio URL must start with http:// or https://",
    ),
    (track_row(1, audio_url=3), "line 1: audio_url: the audio URL must be text, got 3"),
    (track_row(1, uri="https://x"), "line 1: uri: not an AT-URI"),
    (track_row(1, uri=TRACK_URI, cid="Qmbad!"), "line 1: cid: not a CID"),
    (track_row(1, uri=TRACK_URI), "line 1: uri and cid go together"),
    (track_row(1, genre="jazz"), "line 1: unknown field(s) 'genre'"),
    ({"id": 1, "title": "t"}, "line 1: missing artist_did, artist_handle"),
    ("{not json", "line 1: not valid JSON"),
    ("[1, 2]", "line 1: expected a JSON object, got list"),
]


@pytest.mark.parametrize(("row", "message"), BAD_LINES, ids=[m for _, m in BAD_LINES])
def test_each_problem_is_reported_with_its_line(tmp_path, row, message):
    path = write_jsonl(tmp_path / "t.jsonl", [row])
    with pytest.raises(ImportRejected) as err:
        read_tracks(path)
    assert any(p.startswith(message) for p in err.value.problems), err.value.problems
    assert "nothing was written" in err.value.detail


def test_file_level_problems(tmp_path):
    rows = [
        track_row(1),
        "",  # blank lines are skipped but counted
        track_row(2),
        track_row(1, title="Again"),
        track_row(3, artist_did=ARTIST_A, artist_handle="other.example.com"),
    ]
    with pytest.raises(ImportRejected) as err:
        read_tracks(write_jsonl(tmp_path / "t.jsonl", rows))
    assert err.value.problems == (
        "line 4: duplicate id 1 (first on line 1)",
        f"line 5: artist {ARTIST_A} is 'other.example.com' / 'Aurora' here "
        "but 'aurora.example.com' / 'Aurora' on line 1",
    )


def test_csv_problems(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "id,title,artist_did,artist_handle\n"
        f"1,One,{ARTIST_A},aurora.example.com\n"
        f'"2","Two\nlines",{ARTIST_A},aurora.example.com\n'
        f"x,Three,{ARTIST_A},aurora.example.com\n"
        f"4,Four,{ARTIST_A}\n"
        f"5,,{ARTIST_A},aurora.example.com\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as err:
        read_tracks(path)
    assert err.value.problems == (
        "line 3: title: contains a control character (U+000A)",  # a quoted field spanning lines
        "line 5: id: expected an integer id, got 'x'",
        "line 6: 3 cells, but the header has 4 columns",
        "line 7: missing title",
    )


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("id,title,artist_did", "line 1: the header lacks column(s) artist_handle"),
        ("id,title,artist_did,artist_handle,genre", "line 1: unknown column(s) 'genre'"),
        ("id,id,title,artist_did,artist_handle", "line 1: the header repeats column(s) id"),
    ],
)
def test_csv_header_problems_are_reported_once(tmp_path, header, message):
    path = tmp_path / "t.csv"
    path.write_text(header + "\n" + "1,a,b,c,d\n" * 50, encoding="utf-8")
    with pytest.raises(ImportRejected) as err:
        read_tracks(path)
    assert err.value.problems == (message,)


def test_many_problems_are_collected_and_the_first_twenty_shown(tmp_path):
    rows = [track_row(i, artist_did="bad") for i in range(1, 31)]
    with pytest.raises(ImportRejected) as err:
        read_tracks(write_jsonl(tmp_path / "t.jsonl", rows))
    assert len(err.value.problems) == 30
    assert err.value.problems[29].startswith("line 30: artist_did")
    shown = err.value.detail.splitlines()
    assert shown[0].endswith("30 problems, nothing was written")
    assert len(shown) == 1 + MAX_REPORTED + 1
    assert shown[-1] == "  ... and 10 more"


def test_format_from_option_and_unknown_suffix(tmp_path):
    path = tmp_path / "tracks.txt"
    path.write_text(json.dumps(track_row(1)) + "\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="pass --format"):
        read_tracks(path)
    assert [t["id"] for t in read_tracks(path, "jsonl").tracks] == [1]
    with pytest.raises(InvalidInput, match="unknown format 'xml'"):
        read_tracks(path, "xml")


async def test_a_rejected_file_changes_nothing(database, tmp_path):
    await import_tracks(database, read_tracks(write(tmp_path, "jsonl", ROWS)))
    before = await snapshot(database)
    bad = [dict(ROWS[0], title="Changed"), track_row(9), track_row(10, id="ten")]
    with pytest.raises(ImportRejected):
        await import_tracks(database, read_tracks(write(tmp_path, "jsonl", bad, "bad")))
    assert await snapshot(database) == before


class Boom(Exception):
    pass


async def test_a_failure_while_writing_rolls_everything_back(database, tmp_path, monkeypatch):
    monkeypatch.setattr("segue.catalog._bulk.CHUNK_ROWS", 2)
    await import_tracks(database, read_tracks(write(tmp_path, "jsonl", ROWS)))
    before = await snapshot(database)
    batch = read_tracks(
        write(tmp_path, "jsonl", [track_row(i, title=f"New {i}") for i in range(1, 8)], "b")
    )

    def steps(description, total):
        def advance(n):
            # After the first chunk of tracks has been written inside the transaction.
            if description == "writing tracks":
                raise Boom

        return advance

    with pytest.raises(Boom):
        await import_tracks(database, batch, steps=steps)
    assert await snapshot(database) == before


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_postgresql_statistics_are_refreshed(database, tmp_path):
    """Right after an import the planner knows the new table sizes (see refresh_statistics)."""
    rows = [track_row(i) for i in range(1, 41)]
    await import_tracks(database, read_tracks(write(tmp_path, "jsonl", rows)))
    async with database.engine.connect() as conn:
        tuples = await conn.scalar(
            sa.text("SELECT reltuples FROM pg_class WHERE relname = 'tracks'")
        )
    assert tuples == 40


async def test_progress_is_reported_for_every_step(database, tmp_path, monkeypatch):
    monkeypatch.setattr("segue.catalog._bulk.CHUNK_ROWS", 2)
    seen: dict[str, list[int]] = {}

    def steps(description, total):
        seen[description] = [total, 0]

        def advance(n):
            seen[description][1] += n

        return advance

    path = write(tmp_path, "jsonl", [track_row(i) for i in range(1, 8)])
    await import_tracks(database, read_tracks(path, steps=steps), steps=steps)
    # Every bar is filled exactly, in several advances for the chunked writes.
    assert seen == {
        "checking tracks": [7, 7],
        "writing artists": [2, 2],
        "writing tracks": [7, 7],
    }


def test_a_line_separator_inside_a_jsonl_string_stays_in_it():
    """JSON allows U+2028, U+2029 and U+0085 unescaped inside a string (as a writer with
    ensure_ascii=False leaves them): the row is one row, and the lines after it keep their
    numbers."""
    text = "\r\n".join(
        json.dumps(row, ensure_ascii=False)
        for row in ({"title": "Late\u2028night"}, {"title": "Two\u2029\u0085Three"}, [1])
    )
    problems = Problems("tracks.jsonl")
    rows = parse_jsonl(text + "\n", problems)
    assert [(r.where, r.fields["title"]) for r in rows] == [
        ("line 1", "Late\u2028night"),
        ("line 2", "Two\u2029\u0085Three"),
    ]
    assert problems.items == ("line 3: expected a JSON object, got list",)
