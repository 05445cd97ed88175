"""A tiny generated evaluation set: string ids, styled vectors, playlists by style."""

import json

import numpy as np
import pytest

from segue.ingest import synthetic_catalog


def write_eval_set(directory, *, n_tracks=400, n_playlists=12, dim=8, seed=0):
    """Files in the shared data set's format: vectors.npy, track_ids.txt, playlists, tracks.csv."""
    cat = synthetic_catalog(n_tracks, dim=dim, n_styles=4, n_artists=30, seed=seed)
    ids = [f"trk{i:05d}x" for i in range(n_tracks)]
    rng = np.random.default_rng(seed)
    np.save(directory / "vectors.npy", cat.vectors)
    (directory / "track_ids.txt").write_text("\n".join(ids) + "\n")
    lines = []
    for p in range(n_playlists):
        members = np.flatnonzero(cat.style == p % 4)
        size = int(rng.integers(10, 30))
        rows = rng.choice(members, size=size, replace=False)
        tracks = [ids[r] for r in rows] + [ids[rows[0]]]  # a repeat, counted once
        lines.append(json.dumps({"id": f"pl-{p}", "name": f"P{p}", "tracks": tracks}))
    lines.append(json.dumps({"id": "too-short", "tracks": ids[:9]}))
    (directory / "playlists.jsonl").write_text("\n".join(lines) + "\n")
    csv = ["track_id,track_name,track_artist"]
    csv += [f"{t},Song {i},Artist {cat.artist[i]}" for i, t in enumerate(ids)]
    (directory / "tracks.csv").write_text("\n".join(csv) + "\n")
    return cat, ids


@pytest.fixture
def eval_set(tmp_path):
    cat, ids = write_eval_set(tmp_path)
    return tmp_path, cat, ids
