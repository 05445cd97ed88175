"""Synthetic embeddings with real structure (styles, artists, tracks) for the demo and tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from segue.engine import FloatMatrix, IdArray, normalize

__all__ = ["SyntheticCatalog", "synthetic_catalog"]


@dataclass(frozen=True, slots=True)
class SyntheticCatalog:
    """Generated embeddings with real structure: styles contain artists contain tracks."""

    ids: IdArray
    vectors: FloatMatrix
    style: IdArray  # per track
    artist: IdArray  # per track
    artist_style: IdArray  # per artist, including artists that drew no track


def synthetic_catalog(
    n_tracks: int,
    *,
    dim: int = 512,
    n_styles: int = 15,
    n_artists: int = 300,
    seed: int = 0,
) -> SyntheticCatalog:
    """Unit vectors drawn around artist centres, themselves drawn around style centres.

    >>> cat = synthetic_catalog(100, dim=8, n_styles=2, n_artists=10)
    >>> cat.vectors.shape, bool(abs(np.linalg.norm(cat.vectors[0]) - 1) < 1e-5)
    ((100, 8), True)
    """
    rng = np.random.default_rng(seed)
    styles = normalize(rng.normal(size=(n_styles, dim)).astype(np.float32))
    artist_style = rng.integers(n_styles, size=n_artists)
    artists = normalize(
        styles[artist_style] + 0.6 * normalize(rng.normal(size=(n_artists, dim)).astype(np.float32))
    )
    track_artist = rng.integers(n_artists, size=n_tracks)
    noise = normalize(rng.normal(size=(n_tracks, dim)).astype(np.float32))
    vectors = normalize(artists[track_artist] + 0.5 * noise).astype(np.float32)
    return SyntheticCatalog(
        ids=np.arange(1, n_tracks + 1, dtype=np.int64),
        vectors=vectors,
        style=artist_style[track_artist].astype(np.int64),
        artist=track_artist.astype(np.int64),
        artist_style=artist_style.astype(np.int64),
    )
