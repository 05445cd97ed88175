"""The embed manifest: which files were embedded, as which tracks, so unchanged ones are skipped."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from segue._files import atomic_write_text
from segue.errors import InvalidInput
from segue.limits import TRACK_ID_MAX

__all__ = [
    "FileStamp",
    "Manifest",
    "ManifestEntry",
    "artist_identity",
    "content_id",
    "file_stamp",
    "sha256_file",
    "write_tracks_jsonl",
]

_VERSION = 1
_UNKNOWN_ARTIST = "Unknown artist"


@dataclass(frozen=True, slots=True)
class FileStamp:
    """What says a file is unchanged without reading it: its size and modification time."""

    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One embedded file: which content, under which model, became which track."""

    id: int
    size: int
    mtime_ns: int
    sha256: str
    model: str
    title: str
    artist: str | None

    @property
    def stamp(self) -> FileStamp:
        return FileStamp(self.size, self.mtime_ns)


def file_stamp(path: Path) -> FileStamp:
    st = path.stat()
    return FileStamp(st.st_size, st.st_mtime_ns)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def content_id(sha256_hex: str) -> int:
    """The track id a file's content suggests: 53 bits of its SHA-256 (the low 53 of its
    first 8 bytes), so within :data:`~segue.limits.TRACK_ID_MAX`.

    >>> content_id("00" * 7 + "2a" + "00" * 24)
    42
    """
    return int.from_bytes(bytes.fromhex(sha256_hex)[:8], "big") & TRACK_ID_MAX


class Manifest:
    """What ``segue embed`` has embedded, keyed by absolute path; a JSON file in the data dir.

    A file whose size and mtime match its entry, under the same model, is skipped without
    being read; when only the stamp moved but the SHA-256 matches, it is skipped too.

        >>> manifest = Manifest.load(Path("segue-data/embedded.manifest.json"))  # doctest: +SKIP
        >>> manifest.get(Path("/music/a.flac")).id  # doctest: +SKIP
        8127312323433
    """

    def __init__(self, path: Path, entries: Iterable[tuple[str, ManifestEntry]] = ()) -> None:
        self.path = path
        self._entries: dict[str, ManifestEntry] = {}
        # Which path holds which id, entries and ids handed out in this run alike, so two
        # copies of one file never get the same id.
        self._claims: dict[str, int] = {}
        self._holders: Counter[int] = Counter()
        for key, entry in entries:
            self.set(Path(key), entry)

    @classmethod
    def load(cls, path: Path) -> Manifest:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidInput(f"cannot read the embed manifest {path}: {exc}") from None
        try:
            if raw["version"] != _VERSION:
                raise InvalidInput(f"{path}: unknown manifest version {raw['version']!r}")
            entries = [(key, ManifestEntry(**value)) for key, value in raw["files"].items()]
        except (KeyError, TypeError, AttributeError) as exc:
            raise InvalidInput(f"{path} is not an embed manifest: {exc!r}") from None
        return cls(path, entries)

    def save(self) -> None:
        """Write the manifest beside the old one and rename it into place."""
        body: dict[str, Any] = {
            "version": _VERSION,
            "files": {key: asdict(entry) for key, entry in sorted(self._entries.items())},
        }
        atomic_write_text(self.path, json.dumps(body, indent=1, ensure_ascii=False) + "\n")

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> list[ManifestEntry]:
        return list(self._entries.values())

    def get(self, path: Path) -> ManifestEntry | None:
        return self._entries.get(str(path))

    def set(self, path: Path, entry: ManifestEntry) -> None:
        key = str(path)
        self._entries[key] = entry
        self._claim(key, entry.id)

    def _claim(self, key: str, track_id: int) -> None:
        old = self._claims.get(key)
        if old is not None:
            self._holders[old] -= 1
        self._claims[key] = track_id
        self._holders[track_id] += 1

    def _held_by_another(self, track_id: int, key: str) -> bool:
        return self._holders[track_id] - (self._claims.get(key) == track_id) > 0

    def assign_id(self, path: Path, sha256_hex: str) -> int:
        """The track id for ``path``: kept from its entry, else derived from its content.

        A path keeps its id across edits, so a re-embedded file replaces its own vector. A
        new path gets :func:`content_id`, or the next free id when another path already has
        that one (an identical copy of the file, or a 1-in-2**53 clash).
        """
        key = str(path)
        kept = self._claims.get(key)
        if kept is not None and not self._held_by_another(kept, key):
            return kept
        candidate = content_id(sha256_hex)
        while self._held_by_another(candidate, key):
            candidate = (candidate + 1) & TRACK_ID_MAX
        self._claim(key, candidate)
        return candidate


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40] or "artist"


def artist_identity(name: str | None) -> dict[str, str]:
    """Stand-in artist fields for a local file, stable for the same (case-folded) name.

    Local files have no ATProto account, so the DID uses the ``segue`` method and the handle
    the reserved ``.local`` suffix: neither can be mistaken for a real account.

    >>> artist_identity("Boards of Canada")["artist_handle"]
    'boards-of-canada-aa2c2448.local'
    """
    display = (name or "").strip() or _UNKNOWN_ARTIST
    digest = hashlib.sha256(display.casefold().encode()).hexdigest()
    return {
        "artist_did": f"did:segue:{digest[:32]}",
        "artist_handle": f"{_slug(display)}-{digest[:8]}.local",
        "artist_display_name": display,
    }


def write_tracks_jsonl(path: Path, entries: Iterable[ManifestEntry]) -> int:
    """Write one ``segue import tracks`` row per track id, sorted by id; returns the count.

    Rows: ``{"id", "title", "artist_did", "artist_handle", "artist_display_name"}``. Names
    that differ only in case are one artist, shown as spelled on its lowest track id.
    """
    by_id: dict[int, ManifestEntry] = {}
    for entry in entries:
        by_id.setdefault(entry.id, entry)
    spelling: dict[str, str] = {}
    lines = []
    for tid, entry in sorted(by_id.items()):
        artist = entry.artist and spelling.setdefault(entry.artist.casefold(), entry.artist)
        row = {"id": tid, "title": entry.title, **artist_identity(artist)}
        lines.append(json.dumps(row, ensure_ascii=False))
    atomic_write_text(path, "".join(line + "\n" for line in lines))
    return len(lines)
