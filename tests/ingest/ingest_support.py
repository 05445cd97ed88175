"""Helpers for the import tests: writing files, valid rows, and snapshots of what is stored."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from segue.catalog import Database
from segue.catalog._models import Base

ARTIST_A = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"
ARTIST_B = "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb"
OWNER = "did:plc:ownerownerownerownerowne"
TRACK_URI = "at://did:plc:aaaaaaaaaaaaaaaaaaaaaaaa/fm.segue.track/3kabc2def3ghi"
TRACK_CID = "bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a"


def track_row(track_id: int, **overrides: Any) -> dict[str, Any]:
    """A valid tracks-file row; artist A for odd ids, B for even ones."""
    artist = ARTIST_A if track_id % 2 else ARTIST_B
    row: dict[str, Any] = {
        "id": track_id,
        "title": f"Track {track_id}",
        "artist_did": artist,
        "artist_handle": "aurora.example.com" if artist == ARTIST_A else "basso.example.com",
        "artist_display_name": "Aurora" if artist == ARTIST_A else "Basso",
    }
    row.update(overrides)
    return row


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    """One JSON value per line; a ``str`` row is written as it is (for malformed lines)."""
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str] | None = None) -> Path:
    columns = columns or list(dict.fromkeys(k for row in rows for k in row))
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else row[c] for c in columns])
    return path


async def snapshot(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every catalog table, timestamps included, in a stable order."""
    out = {}
    async with database.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            keys = list(table.primary_key.columns)
            rows = (await conn.execute(sa.select(table).order_by(*keys))).all()
            out[table.name] = [tuple(row) for row in rows]
    return out


async def count_rows(database: Database, table: str) -> int:
    async with database.engine.connect() as conn:
        return int((await conn.execute(sa.text(f"SELECT count(*) FROM {table}"))).scalar_one())
