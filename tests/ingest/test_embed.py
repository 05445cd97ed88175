"""`segue embed` end to end: a tiny random ClapModel saved to disk, audio made here, a real store.

No weights are downloaded: the model is built from a small ClapConfig and saved with
save_pretrained, and conftest.py switches the hub off before transformers is imported.
"""

import asyncio
import hashlib
import json
import os

import numpy as np
import pytest
import soundfile as sf
import torch
from transformers import ClapFeatureExtractor, ClapModel
from typer.testing import CliRunner

from segue.cli import app
from segue.ingest.clap import content_id
from segue.settings import Settings
from segue.vectors import LocalVectorStore

RATE = 48_000
PROJECTION_DIM = 16


def signal(seconds, rate, seed, channels=1):
    """Noise shaped by a seed-dependent chirp, so files (and their windows) differ."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * rate)) / rate
    chirp = np.sin(2 * np.pi * (200 + 150 * seed) * t * (1 + t / 3))
    mono = (0.3 * chirp + 0.05 * rng.standard_normal(t.size)).astype(np.float32)
    return mono if channels == 1 else np.stack([mono, np.roll(mono, 99)], axis=1)


@pytest.fixture
def music(tmp_path):
    """Four readable files in four formats (one over 20 s, one tagged) and one broken."""
    root = tmp_path / "music"
    (root / "album").mkdir(parents=True)
    # 48 kHz float: decoded bit for bit, so the direct computation below sees the same samples.
    sf.write(root / "long.wav", signal(25.0, RATE, seed=1), RATE, subtype="FLOAT")
    sf.write(root / "album" / "stereo.flac", signal(12.0, 44_100, seed=2, channels=2), 44_100)
    with sf.SoundFile(root / "album" / "tagged.ogg", "w", 22_050, 1, format="OGG") as fh:
        fh.title, fh.artist = "Night Drive", "The Testers"
        fh.write(signal(3.0, 22_050, seed=3))
    sf.write(root / "short.mp3", signal(4.0, RATE, seed=4), RATE, format="MP3")
    (root / "broken.wav").write_bytes(b"RIFF" + np.random.default_rng(5).bytes(2048))
    return root


def embed(clap_dir, data, *paths, extra=()):
    return CliRunner().invoke(
        app,
        ["embed", *map(str, paths), "--data-dir", str(data), *extra],
        env={"SEGUE_CLAP_MODEL": str(clap_dir), "SEGUE_VECTOR_BACKEND": "local"},
    )


def stored(data):
    async def go():
        store = LocalVectorStore(Settings(data_dir=data).index_path)
        try:
            dim = await store.dimension()
            rows = [
                json.loads(x) for x in (data / "tracks.embedded.jsonl").read_text().split("\n") if x
            ]
            fetched = await store.get_vectors([r["id"] for r in rows])
            return dim, rows, dict(zip(fetched.ids.tolist(), fetched.vectors, strict=True))
        finally:
            await store.aclose()

    return asyncio.run(go())


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def said(result):
    """The command's output with rich's line wrapping undone."""
    return " ".join(result.output.split())


def test_embed_stores_unit_vectors_and_lists_the_tracks(clap_dir, music, tmp_path):
    data = tmp_path / "data"
    result = embed(clap_dir, data, music)
    assert result.exit_code == 0, result.output
    # 25 s -> 3 windows, 12 s -> 2, 3 s -> 1, 4 s -> 1: seven in all.
    assert "embedded 4 file(s) (7 windows), 0 unchanged, 1 unreadable" in said(result)
    assert "broken.wav" in said(result)

    dim, rows, vectors = stored(data)
    assert dim == PROJECTION_DIM
    assert len(rows) == len(vectors) == 4
    for vector in vectors.values():
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
    assert len({tuple(np.round(v, 4)) for v in vectors.values()}) == 4

    by_title = {r["title"]: r for r in rows}
    assert set(by_title) == {"long", "stereo", "Night Drive", "short"}
    assert by_title["Night Drive"]["artist_display_name"] == "The Testers"
    assert by_title["long"]["artist_display_name"] == "Unknown artist"
    for row in rows:
        assert set(row) == {"id", "title", "artist_did", "artist_handle", "artist_display_name"}
    # The documented id rule: the first 63 bits of the content's SHA-256.
    assert by_title["long"]["id"] == content_id(sha256(music / "long.wav"))


def test_the_vector_is_the_normalised_mean_of_the_window_embeddings(clap_dir, music, tmp_path):
    data = tmp_path / "data"
    assert embed(clap_dir, data, music / "long.wav", extra=["--batch-size", "2"]).exit_code == 0
    _, rows, vectors = stored(data)
    got = vectors[rows[0]["id"]]

    samples, rate = sf.read(music / "long.wav", dtype="float32")
    assert rate == RATE
    windows = [samples[i : i + 10 * RATE] for i in range(0, samples.size, 10 * RATE)]
    assert [w.size / RATE for w in windows] == [10.0, 10.0, 5.0]
    model = ClapModel.from_pretrained(clap_dir).eval()
    features = ClapFeatureExtractor.from_pretrained(clap_dir)
    with torch.inference_mode():
        inputs = features(windows, sampling_rate=RATE, return_tensors="pt")
        per_window = model.get_audio_features(**inputs).pooler_output.numpy()
    mean = per_window.mean(axis=0)
    np.testing.assert_allclose(got, mean / np.linalg.norm(mean), atol=1e-5)
    # ...and not what any single window, or the first 10 s alone, would give.
    for window_vector in per_window:
        assert not np.allclose(got, window_vector, atol=1e-3)


def test_rerun_skips_unchanged_files_and_reembeds_changed_ones(clap_dir, music, tmp_path):
    data = tmp_path / "data"
    assert embed(clap_dir, data, music).exit_code == 0
    _, rows, before = stored(data)
    stereo_id = next(r["id"] for r in rows if r["title"] == "stereo")

    result = embed(clap_dir, data, music)
    assert result.exit_code == 0, result.output
    assert "embedded 0 file(s) (0 windows), 4 unchanged, 1 unreadable" in said(result)

    # A new mtime on the same bytes is caught by the hash, and still skipped.
    os.utime(music / "long.wav", ns=(1, 1))
    # New audio in an existing file: embedded again, under the same track id.
    sf.write(music / "album" / "stereo.flac", signal(6.0, 44_100, seed=9, channels=2), 44_100)
    result = embed(clap_dir, data, music)
    assert result.exit_code == 0, result.output
    assert "embedded 1 file(s) (1 windows), 3 unchanged, 1 unreadable" in said(result)

    _, rows_after, after = stored(data)
    assert sorted(r["id"] for r in rows_after) == sorted(r["id"] for r in rows)
    assert not np.allclose(after[stereo_id], before[stereo_id], atol=1e-3)
    for tid, vector in before.items():
        if tid != stereo_id:
            np.testing.assert_array_equal(after[tid], vector)


def test_vectors_missing_from_the_store_are_embedded_again(clap_dir, music, tmp_path):
    data = tmp_path / "data"
    assert embed(clap_dir, data, music / "short.mp3").exit_code == 0
    _, _, first = stored(data)
    Settings(data_dir=data).index_path.unlink()
    result = embed(clap_dir, data, music / "short.mp3")
    assert "embedded 1 file(s) (1 windows), 0 unchanged" in said(result)
    _, _, again = stored(data)
    assert again.keys() == first.keys()
    for tid in first:
        np.testing.assert_allclose(again[tid], first[tid], atol=1e-6)


def test_only_broken_files_reports_them_and_writes_nothing(clap_dir, music, tmp_path):
    data = tmp_path / "data"
    result = embed(clap_dir, data, music / "broken.wav")
    assert result.exit_code == 0, result.output
    assert "skipped" in said(result)
    assert "embedded 0 file(s) (0 windows), 0 unchanged, 1 unreadable" in said(result)
    assert not Settings(data_dir=data).index_path.exists()
    assert (data / "tracks.embedded.jsonl").read_text() == ""


def test_a_model_that_cannot_be_loaded_is_one_clear_error(music, tmp_path):
    result = embed(tmp_path / "no-such-model", tmp_path / "data", music / "short.mp3")
    assert result.exit_code == 2
    assert "cannot load the CLAP model" in said(result)


def test_a_store_of_another_dimension_is_refused_before_embedding(clap_dir, music, tmp_path):
    data = tmp_path / "data"
    store = LocalVectorStore(Settings(data_dir=data).index_path)
    asyncio.run(store.upsert([1], np.ones((1, PROJECTION_DIM + 1), np.float32)))
    result = embed(clap_dir, data, music / "short.mp3")
    assert result.exit_code == 2
    expected = f"makes {PROJECTION_DIM}-d vectors but the store holds {PROJECTION_DIM + 1}-d"
    assert expected in said(result)
