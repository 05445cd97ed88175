"""The demo catalog, generated: names, covers, vectors and playlists, all from one seed.

Pure and deterministic: :func:`generate_demo` returns rows in the very shapes the import
files have (tracks JSONL, playlists JSONL) plus the vector matrix, and writes nothing.

    >>> demo = generate_demo(tracks=900, artists=60, dim=8)
    >>> demo.track_rows[0]["image_url"].startswith("/demo-covers/")
    True
    >>> [len(p["tracks"]) for p in demo.playlist_rows]
    [1, 4, 25]
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import numpy as np

from segue.engine import FloatMatrix, IdArray

from ._demo_words import FIRST_NAMES, LAST_NAMES, STYLES, TITLE_SUFFIXES, Style
from ._synthetic import synthetic_catalog

__all__ = [
    "COVERS_URL_PATH",
    "DEMO_ARTISTS",
    "DEMO_DIM",
    "DEMO_SEED",
    "DEMO_TRACKS",
    "DEMO_USER_HANDLE",
    "PLAYLIST_PLAN",
    "DemoCatalog",
    "generate_demo",
]

DEMO_TRACKS = 5000
DEMO_ARTISTS = 300
DEMO_DIM = 512  # production's CLAP size, so the demo exercises the real index
DEMO_SEED = 2024
DEMO_USER_HANDLE = "demo.segue.example"  # .example is reserved: never a real account
_ARTIST_DOMAIN = "artists.demo.segue.example"
COVERS_URL_PATH = "/demo-covers"
# (tracks, style, name): one playlist per branch of the recommendation plan (1 track,
# 2-5 tracks, 6+ tracks clustered), each from one style.
PLAYLIST_PLAN = (
    (1, "Lo-fi", "Demo: one Lo-fi track"),
    (4, "Jazz", "Demo: Jazz sampler"),
    (25, "Synthwave", "Demo: Synthwave deep dive"),
)
_B32 = "abcdefghijklmnopqrstuvwxyz234567"
# Draws of a fresh title before numbering one: an artist's word pairs (about a hundred)
# are rarely all taken, so this is almost never reached.
_TITLE_DRAWS = 20


@dataclass(frozen=True, slots=True)
class DemoCatalog:
    track_rows: list[dict[str, Any]]  # as lines of a tracks JSONL file
    ids: IdArray
    vectors: FloatMatrix
    track_style: dict[int, str]  # track id -> style name
    covers: dict[str, str]  # file name -> SVG text
    user: dict[str, str]  # did, handle, display_name
    playlist_rows: list[dict[str, Any]]  # as lines of a playlists JSONL file
    playlist_styles: tuple[str, ...]


def _digest_b32(text: str, length: int) -> str:
    """Deterministic ``[a-z2-7]`` characters: the alphabet of did:plc and record keys."""
    raw = base64.b32encode(hashlib.sha256(text.encode()).digest()).decode().lower()
    return raw[:length]


def _plc(seed: int, what: str) -> str:
    return f"did:plc:{_digest_b32(f'segue-demo-{seed}-{what}', 24)}"


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:50].strip("-") or "artist"


def _pick(rng: np.random.Generator, words: tuple[str, ...]) -> str:
    return words[int(rng.integers(len(words)))]


def _artist_name(style: Style, rng: np.random.Generator) -> str:
    pattern = _pick(rng, style.artist_patterns)
    return pattern.format(
        first=_pick(rng, FIRST_NAMES),
        last=_pick(rng, LAST_NAMES),
        adj=_pick(rng, style.adjectives),
        noun=_pick(rng, style.nouns),
    )


def _title(style: Style, rng: np.random.Generator, taken: set[str]) -> str:
    """A title the artist has not used yet (``taken``, which it is added to): one artist
    with two "Retro Boulevard" reads as a duplicate, and dedupe would drop one."""
    title = _draw_title(style, rng)
    for _ in range(_TITLE_DRAWS):
        if title.casefold() not in taken:
            break
        title = _draw_title(style, rng)
    base, n = title, 2
    while title.casefold() in taken:
        title, n = f"{base} (Take {n})", n + 1
    taken.add(title.casefold())
    return title


def _draw_title(style: Style, rng: np.random.Generator) -> str:
    adj, noun = _pick(rng, style.adjectives), _pick(rng, style.nouns)
    if style.name == "Classical":
        return f"{adj} No. {int(rng.integers(1, 25))} in {noun}"
    title = f"{adj} {noun}"
    if rng.random() < 0.12:
        title += _pick(rng, TITLE_SUFFIXES)
    return title


def _cover(style: Style, name: str, rng: np.random.Generator) -> str:
    """A small abstract SVG cover in the style's colours, marked DEMO."""
    c1, c2 = style.colors
    x2, y2 = (1, 1) if rng.random() < 0.5 else (0, 1)
    shapes = []
    for _ in range(int(rng.integers(3, 7))):
        x, y = (int(v) for v in rng.integers(0, 120, size=2))
        size = int(rng.integers(10, 46))
        opacity = f"{rng.uniform(0.12, 0.45):.2f}"
        if rng.random() < 0.5:
            shapes.append(f'<circle cx="{x}" cy="{y}" r="{size}" fill-opacity="{opacity}"/>')
        else:
            shapes.append(
                f'<rect x="{x - size // 2}" y="{y - size // 2}" width="{size}" height="{size}" '
                f'fill-opacity="{opacity}" transform="rotate({int(rng.integers(0, 90))} {x} {y})"/>'
            )
    label = escape(f"{name} (demo cover)", {'"': "&quot;"})
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120" width="120" '
        f'height="120" role="img" aria-label="{label}">'
        f'<defs><linearGradient id="g" x2="{x2}" y2="{y2}"><stop offset="0" stop-color="{c1}"/>'
        f'<stop offset="1" stop-color="{c2}"/></linearGradient></defs>'
        '<rect width="120" height="120" fill="url(#g)"/>'
        f'<g fill="#fff">{"".join(shapes)}</g>'
        # A dark outline keeps the white labels readable on the pale palettes.
        '<g font-family="sans-serif" fill="#fff" stroke="#000" stroke-opacity="0.45" '
        'stroke-width="1.5" paint-order="stroke">'
        '<text x="6" y="14" font-size="9" font-weight="bold">DEMO</text>'
        f'<text x="6" y="113" font-size="8">{escape(style.name)}</text></g></svg>\n'
    )


def generate_demo(
    *,
    tracks: int = DEMO_TRACKS,
    artists: int = DEMO_ARTISTS,
    dim: int = DEMO_DIM,
    seed: int = DEMO_SEED,
) -> DemoCatalog:
    """Generate the demo catalog: styles contain artists contain tracks, in names and in
    the embedding space alike (vectors from :func:`synthetic_catalog`)."""
    cat = synthetic_catalog(tracks, dim=dim, n_styles=len(STYLES), n_artists=artists, seed=seed)
    rng = np.random.default_rng(seed)
    used = sorted(set(cat.artist.tolist()))
    artist_rows: dict[int, dict[str, str]] = {}
    covers: dict[str, str] = {}
    slugs: set[str] = set()
    for a in used:
        style = STYLES[int(cat.artist_style[a])]
        name = _artist_name(style, rng)
        slug = base = _slug(name)
        n = 2
        while slug in slugs:  # two artists drew the same name: keep both, distinguishable
            slug, n = f"{base}-{n}", n + 1
        slugs.add(slug)
        covers[f"{slug}.svg"] = _cover(style, name, rng)
        artist_rows[a] = {
            "artist_did": _plc(seed, f"artist-{a}"),
            "artist_handle": f"{slug}.{_ARTIST_DOMAIN}",
            "artist_display_name": name,
            "image_url": f"{COVERS_URL_PATH}/{slug}.svg",
        }
    track_rows = []
    track_style = {}
    # Case-folded titles per artist name, not per artist: two artists may draw one name,
    # and a listener sees "title by name".
    titles: dict[str, set[str]] = {}
    for i, track_id in enumerate(cat.ids.tolist()):
        style, artist = STYLES[int(cat.style[i])], artist_rows[int(cat.artist[i])]
        track_style[track_id] = style.name
        title = _title(style, rng, titles.setdefault(artist["artist_display_name"], set()))
        track_rows.append({"id": track_id, "title": title, **artist})
    user = {
        "did": _plc(seed, "user"),
        "handle": DEMO_USER_HANDLE,
        "display_name": "Demo listener",
    }
    playlist_rows = []
    style_names = [s.name for s in STYLES]
    for size, style_name, name in PLAYLIST_PLAN:
        members = cat.ids[cat.style == style_names.index(style_name)]
        picked = rng.choice(members, size=min(size, members.size), replace=False)
        playlist_rows.append(
            {
                "id": _digest_b32(f"segue-demo-{seed}-playlist-{size}", 13),
                "owner_did": user["did"],
                "owner_handle": user["handle"],
                "owner_display_name": user["display_name"],
                "name": name,
                "tracks": [int(t) for t in picked],
            }
        )
    return DemoCatalog(
        track_rows=track_rows,
        ids=cat.ids,
        vectors=cat.vectors,
        track_style=track_style,
        covers=covers,
        user=user,
        playlist_rows=playlist_rows,
        playlist_styles=tuple(style for _, style, _ in PLAYLIST_PLAN),
    )
