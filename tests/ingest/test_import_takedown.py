"""`segue import tracks` hides and deletes tracks: ``visible`` and ``deleted``, optional,
in JSONL and CSV; absent, a track keeps its state. On PostgreSQL and on SQLite."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from segue.catalog import hydrate
from segue.catalog._models import Track
from segue.errors import ImportRejected
from segue.ingest import import_tracks, read_tracks

from .ingest_support import snapshot, track_row, write_csv, write_jsonl

IDS = [1, 2, 3, 4]


def write(tmp_path, fmt, rows, name):
    path = tmp_path / f"{name}.{fmt}"
    if fmt == "jsonl":
        return write_jsonl(path, rows)
    columns = ["id", "title", "artist_did", "artist_handle", "artist_display_name"]
    columns += [c for c in ("visible", "deleted") if any(c in row for row in rows)]
    # CSV spells booleans as text; an empty cell is an absent value.
    text_rows = [
        {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in row.items()} for row in rows
    ]
    return write_csv(path, text_rows, columns)


async def load(database, tmp_path, fmt, rows, name):
    return await import_tracks(database, read_tracks(write(tmp_path, fmt, rows, name)))


async def state(database) -> dict[int, tuple[bool, object]]:
    async with database.sessionmaker() as s:
        rows = (await s.execute(sa.select(Track.id, Track.visible, Track.deleted_at))).all()
    return {i: (visible, deleted_at) for i, visible, deleted_at in rows}


async def shown(database) -> list[int]:
    async with database.sessionmaker() as s:
        return [t.id for t in await hydrate(s, IDS)]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
async def test_hide_delete_and_bring_back(database, tmp_path, fmt):
    plain = [track_row(i) for i in IDS]
    await load(database, tmp_path, fmt, plain, "plain")
    assert await shown(database) == IDS

    takedown = [
        track_row(1),
        track_row(2, deleted=True),
        track_row(3, visible=False),
        track_row(4, visible=False, deleted=True),
    ]
    await load(database, tmp_path, fmt, takedown, "takedown")
    assert await shown(database) == [1]
    first = await state(database)
    assert first[1] == (True, None)
    assert first[2][0] is True
    assert first[2][1] is not None
    assert first[3] == (False, None)
    assert first[4][0] is False
    assert first[4][1] is not None

    # Again: a true no-op (the deletion time and updated_at stay as they were).
    before = await snapshot(database)
    await load(database, tmp_path, fmt, takedown, "takedown")
    assert await snapshot(database) == before

    # A file without the fields leaves every track's state alone.
    await load(database, tmp_path, fmt, plain, "plain")
    assert await state(database) == first

    back = [track_row(i, visible=True, deleted=False) for i in IDS]
    await load(database, tmp_path, fmt, back, "back")
    assert await shown(database) == IDS
    assert set((await state(database)).values()) == {(True, None)}


async def test_a_new_track_may_arrive_hidden_or_deleted(database, tmp_path):
    rows = [track_row(1, visible=False), track_row(2, deleted=True), track_row(3, deleted=False)]
    await load(database, tmp_path, "jsonl", rows, "new")
    got = await state(database)
    assert got[1] == (False, None)
    assert got[2][1] is not None
    assert got[3] == (True, None)
    assert await shown(database) == [3]


@pytest.mark.parametrize(
    ("fmt", "field", "value", "message"),
    [
        ("jsonl", "visible", "yes", "line 1: visible: expected true or false, got 'yes'"),
        ("jsonl", "deleted", 1, "line 1: deleted: expected true or false, got 1"),
        ("csv", "deleted", "maybe", "line 2: deleted: expected true or false, got 'maybe'"),
    ],
)
def test_booleans_are_checked(tmp_path, fmt, field, value, message):
    path = write(tmp_path, fmt, [track_row(1, **{field: value})], "bad")
    with pytest.raises(ImportRejected) as err:
        read_tracks(path)
    assert err.value.problems == (message,)
