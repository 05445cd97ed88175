"""Reading the evaluation set: vectors, track ids, artists and playlists."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from segue._files import file_lines
from segue.engine import FloatMatrix, IdArray, check_matrix, title_key
from segue.errors import InvalidInput

__all__ = [
    "EvalData",
    "EvalPlaylist",
    "TrackMeta",
    "load_eval_data",
    "read_artists",
    "read_corpus",
    "read_track_ids",
    "read_tracks",
]


@dataclass(frozen=True, slots=True)
class EvalPlaylist:
    """A playlist of the evaluation set: its distinct tracks as catalog rows, in order."""

    id: str
    tracks: IdArray


@dataclass(frozen=True, slots=True)
class EvalData:
    """An evaluation catalog (vectors by row) and its playlists.

    Track ids in the files are strings; the engine and the store see the row index instead.
    ``unknown_tracks`` counts playlist entries whose id is not in the catalog (dropped).
    """

    track_ids: list[str]
    vectors: FloatMatrix
    playlists: list[EvalPlaylist]
    unknown_tracks: int = 0

    @property
    def row_of(self) -> dict[str, int]:
        return {track: row for row, track in enumerate(self.track_ids)}


def read_track_ids(path: Path) -> list[str]:
    """One string id a line (blank lines at the end ignored); ids must be unique."""
    try:
        lines = file_lines(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read ids file {path}: {exc}") from None
    while lines and not lines[-1].strip():
        lines.pop()
    ids = [line.strip() for line in lines]
    seen: dict[str, int] = {}
    for line_no, track in enumerate(ids, 1):
        if not track:
            raise InvalidInput(f"{path}:{line_no}: empty track id")
        if track in seen:
            raise InvalidInput(
                f"{path}:{line_no}: track id {track!r} already on line {seen[track]}"
            )
        seen[track] = line_no
    return ids


def _read_vectors(path: Path, rows: int, ids_path: Path) -> FloatMatrix:
    try:
        raw = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot read {path} as a .npy array: {exc}") from None
    if raw.ndim != 2 or not np.issubdtype(raw.dtype, np.floating):
        raise InvalidInput(f"{path}: expected a 2-D float array, got {raw.dtype} {raw.shape}")
    if raw.shape[0] != rows:
        raise InvalidInput(f"{ids_path} has {rows} ids but {path} has {raw.shape[0]} rows")
    return check_matrix(raw, name=str(path))


def _read_playlists(path: Path, row_of: dict[str, int]) -> tuple[list[EvalPlaylist], int]:
    playlists: list[EvalPlaylist] = []
    unknown = 0
    seen: set[str] = set()
    try:
        lines = file_lines(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read playlists file {path}: {exc}") from None
    for line_no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{path}:{line_no}: not JSON: {exc}") from None
        pid = obj.get("id") if isinstance(obj, dict) else None
        tracks = obj.get("tracks") if isinstance(obj, dict) else None
        if not isinstance(pid, str) or not pid:
            raise InvalidInput(f"{path}:{line_no}: a playlist needs a string 'id'")
        if not isinstance(tracks, list) or not all(isinstance(t, str) for t in tracks):
            raise InvalidInput(f"{path}:{line_no}: 'tracks' must be a list of string ids")
        if pid in seen:
            raise InvalidInput(f"{path}:{line_no}: playlist id {pid!r} appears twice")
        seen.add(pid)
        rows = []
        for track in dict.fromkeys(tracks):  # distinct, in playlist order
            row = row_of.get(track)
            if row is None:
                unknown += 1
            else:
                rows.append(row)
        playlists.append(EvalPlaylist(pid, np.asarray(rows, dtype=np.int64)))
    return playlists, unknown


def load_eval_data(vectors: Path, ids: Path, playlists: Path) -> EvalData:
    """Read and validate an evaluation set: ``vectors.npy``, its ids file, playlists JSONL.

    Each playlist line is ``{"id": str, "tracks": [str, ...], ...}``; its tracks are kept
    distinct, in first-occurrence order, and mapped to catalog rows.
    """
    track_ids = read_track_ids(ids)
    matrix = _read_vectors(vectors, len(track_ids), ids)
    row_of = {track: row for row, track in enumerate(track_ids)}
    lists, unknown = _read_playlists(playlists, row_of)
    return EvalData(track_ids, matrix, lists, unknown)


def read_corpus(path: Path, data: EvalData) -> list[EvalPlaylist]:
    """More playlists in the playlists file's format (``--corpus``), mapped to ``data``'s
    catalog rows; tracks not in the catalog are dropped."""
    lists, _ = _read_playlists(path, data.row_of)
    return lists


@dataclass(frozen=True, slots=True)
class TrackMeta:
    """Per catalog row: an artist label (an integer code) and the :func:`title_key`.

    A track missing from the metadata file gets an artist and a key of its own, so no
    rule ever drops or demotes it for a name it does not have.
    """

    artists: IdArray
    keys: list[str]


def read_tracks(path: Path, track_ids: list[str]) -> TrackMeta:
    """Artists and title keys per catalog row, from a CSV with a track id, an artist and
    (optionally) a title column.

    Columns ``track_id``/``id``, ``track_artist``/``artist`` and ``track_name``/``name``/
    ``title`` are recognised; without a title column each key is the track's own.
    """
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            fields = reader.fieldnames or []
            id_col = next((c for c in ("track_id", "id") if c in fields), None)
            artist_col = next((c for c in ("track_artist", "artist") if c in fields), None)
            title_col = next((c for c in ("track_name", "name", "title") if c in fields), None)
            if id_col is None or artist_col is None:
                raise InvalidInput(f"{path}: needs a track id and an artist column")
            meta_of = {
                row[id_col]: (row[artist_col], row[title_col] if title_col else None)
                for row in reader
            }
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from None
    codes: dict[str, int] = {}
    labels = np.empty(len(track_ids), np.int64)
    keys: list[str] = []
    next_own = -1
    for row, track in enumerate(track_ids):
        artist, title = meta_of.get(track, (None, None))
        if artist is None:
            labels[row] = next_own
            next_own -= 1
        else:
            labels[row] = codes.setdefault(artist, len(codes))
        # "\x00" cannot be in a normalised key: a track's own key never meets another's.
        keys.append(f"\x00{track}" if artist is None or title is None else title_key(artist, title))
    return TrackMeta(labels, keys)


def read_artists(path: Path, track_ids: list[str]) -> IdArray:
    """One artist label (an integer code) per catalog row, from a CSV with an artist column.

    Columns ``track_id``/``id`` and ``track_artist``/``artist`` are recognised. A track
    missing from the file gets an artist of its own, so an artist cap never drops it.
    """
    return read_tracks(path, track_ids).artists
