"""Decoding, windows, the embed manifest and the tracks sidecar: the parts around the model."""

import json
import os
import tracemalloc

import numpy as np
import pytest
import soundfile as sf

from segue.atproto import is_did, is_handle
from segue.errors import InvalidInput, UnreadableAudio
from segue.ingest.clap import (
    MAX_SECONDS,
    Manifest,
    ManifestEntry,
    artist_identity,
    content_id,
    decode_audio,
    find_audio_files,
    pool_windows,
    split_windows,
    write_tracks_jsonl,
)
from segue.limits import TRACK_ID_MAX


def tone(seconds, rate, freq=440.0, channels=1):
    t = np.arange(round(seconds * rate)) / rate
    mono = (0.4 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return mono if channels == 1 else np.stack([mono, 0.5 * mono], axis=1)


@pytest.mark.parametrize(
    ("fmt", "subtype", "rate", "channels"),
    [
        ("WAV", "PCM_16", 44_100, 2),
        ("FLAC", "PCM_24", 22_050, 1),
        ("OGG", "VORBIS", 48_000, 2),
        ("MP3", "MPEG_LAYER_III", 44_100, 1),
    ],
)
def test_decode_gives_48k_mono_with_tags(tmp_path, fmt, subtype, rate, channels):
    path = tmp_path / f"x.{fmt.lower()}"
    with sf.SoundFile(path, "w", rate, channels, format=fmt, subtype=subtype) as fh:
        fh.title, fh.artist = "Song", "Band"
        fh.write(tone(2.0, rate, channels=channels))
    audio = decode_audio(path, 48_000)
    assert audio.sample_rate == 48_000
    assert audio.samples.dtype == np.float32
    assert audio.samples.ndim == 1
    # Lossy codecs add priming samples; the length is the duration at 48 kHz within 0.1 s.
    assert audio.seconds == pytest.approx(2.0, abs=0.1)
    assert (audio.title, audio.artist) == ("Song", "Band")
    # A stereo file is averaged: right = left / 2, so the peak is 3/4 of the left's 0.4.
    peak = 0.4 * (0.75 if channels == 2 else 1.0)
    assert np.abs(audio.samples).max() == pytest.approx(peak, rel=0.08)


def test_decode_keeps_48k_samples_exactly(tmp_path):
    samples = np.random.default_rng(1).uniform(-0.5, 0.5, 48_000).astype(np.float32)
    sf.write(tmp_path / "a.wav", samples, 48_000, subtype="FLOAT")
    audio = decode_audio(tmp_path / "a.wav", 48_000)
    np.testing.assert_array_equal(audio.samples, samples)
    assert audio.title is None
    assert audio.artist is None


def test_resampling_keeps_the_pitch(tmp_path):
    sf.write(tmp_path / "a.flac", tone(1.0, 16_000, freq=1000.0), 16_000)
    samples = decode_audio(tmp_path / "a.flac", 48_000).samples
    spectrum = np.abs(np.fft.rfft(samples))
    peak_hz = np.fft.rfftfreq(samples.size, 1 / 48_000)[spectrum.argmax()]
    assert peak_hz == pytest.approx(1000, abs=2)


@pytest.mark.parametrize(
    "content",
    [b"", b"RIFF\x00\x00\x00\x00WAVEfmt garbage", os.urandom(4096)],
    ids=["empty", "bad-header", "noise"],
)
def test_undecodable_files_raise_unreadable_audio(tmp_path, content):
    path = tmp_path / "broken.wav"
    path.write_bytes(content)
    with pytest.raises(UnreadableAudio, match=r"broken\.wav"):
        decode_audio(path)


def test_missing_file_raises_unreadable_audio(tmp_path):
    with pytest.raises(UnreadableAudio):
        decode_audio(tmp_path / "nope.flac")


def silence(path, minutes, rate, channels=1):
    """A long FLAC of silence, written a minute at a time: a few kB a minute compressed."""
    minute = np.zeros((60 * rate, channels), np.float32)
    with sf.SoundFile(path, "w", rate, channels, format="FLAC", subtype="PCM_16") as fh:
        for _ in range(minutes):
            fh.write(minute)
    return path


def decode_traced(path, **bound):
    """The decoded audio, and the most bytes numpy held at once while decoding it."""
    tracemalloc.start()
    try:
        audio = decode_audio(path, 48_000, **bound)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return audio, peak


def test_a_long_track_decodes_only_its_first_max_seconds(tmp_path):
    # A decompression bomb in small: twelve minutes in a few hundred kB, past the bound.
    path = silence(tmp_path / "long.flac", 12, 48_000)
    assert path.stat().st_size < 1_000_000
    audio, peak = decode_traced(path)
    bound = round(MAX_SECONDS * 48_000)
    assert audio.samples.size == bound  # truncated, not refused: a long track still embeds
    # The samples kept, one copy joining them, and a block in flight; never the whole file.
    assert peak < 2 * bound * 4 + 32_000_000


def test_decoding_memory_follows_the_bound_not_the_file(tmp_path):
    # Twenty minutes of 44.1 kHz stereo: the whole decode would be 230 MB of 48 kHz float32.
    path = silence(tmp_path / "long.flac", 20, 44_100, channels=2)
    audio, peak = decode_traced(path, max_seconds=20)
    assert audio.samples.size == 20 * 48_000
    assert audio.samples.dtype == np.float32
    # Read blocks are 30 s of stereo at most (11.5 MB), so the peak is a few blocks.
    assert peak < 48_000_000
    with pytest.raises(ValueError, match="max_seconds"):
        decode_audio(path, 48_000, max_seconds=0)


def test_split_windows_keeps_a_long_enough_tail_and_a_lone_short_window():
    x = np.arange(25, dtype=np.float32)
    windows = split_windows(x, 10, min_tail=5)
    assert [w.tolist() for w in windows] == [
        list(range(10)),
        list(range(10, 20)),
        list(range(20, 25)),
    ]
    assert [w.size for w in split_windows(x[:24], 10, min_tail=5)] == [10, 10]
    assert [w.size for w in split_windows(x[:20], 10, min_tail=5)] == [10, 10]
    assert [w.size for w in split_windows(x[:3], 10, min_tail=5)] == [3]
    assert split_windows(x[:0], 10, min_tail=5) == []


def test_find_audio_files_walks_folders_and_skips_hidden_and_other_files(tmp_path):
    music = tmp_path / "music"
    (music / "b").mkdir(parents=True)
    (music / ".hidden").mkdir()
    for name in ["b/2.FLAC", "1.mp3", "b/cover.jpg", "._1.mp3", ".hidden/3.wav", "4.ogg"]:
        (music / name).write_bytes(b"x")
    loose = tmp_path / "loose.aiff"
    loose.write_bytes(b"x")
    files, missing = find_audio_files([music, loose, music / "1.mp3", tmp_path / "gone"])
    assert files == [music / "1.mp3", music / "4.ogg", music / "b" / "2.FLAC", loose]
    assert missing == [(tmp_path / "gone", "no such file or folder")]


def test_pool_windows_is_the_normalised_mean():
    v = np.array([[1, 0, 0], [0, 1, 0], [0, 1, 0]], np.float32)
    expected = np.array([1, 2, 0], np.float32) / np.sqrt(5)
    np.testing.assert_allclose(pool_windows(v), expected, rtol=1e-6)


def entry(tid, sha="ab" * 32, **kw):
    base = {
        "id": tid,
        "size": 1,
        "mtime_ns": 2,
        "sha256": sha,
        "model": "m",
        "title": "t",
        "artist": None,
    }
    return ManifestEntry(**(base | kw))


def test_ids_come_from_content_then_stay_with_the_path(tmp_path):
    manifest = Manifest(tmp_path / "m.json")
    sha_a, sha_b = "11" * 32, "22" * 32
    a = manifest.assign_id(tmp_path / "a.wav", sha_a)
    assert a == content_id(sha_a)
    assert 0 <= a <= TRACK_ID_MAX
    manifest.set(tmp_path / "a.wav", entry(a, sha_a))
    # An edited file keeps its id, so its vector is replaced rather than orphaned.
    assert manifest.assign_id(tmp_path / "a.wav", sha_b) == a
    # A copy of a's content at another path is another track: the next free id.
    assert manifest.assign_id(tmp_path / "copy.wav", sha_a) == a + 1
    # Two new copies in one run are told apart before either is saved.
    assert manifest.assign_id(tmp_path / "copy2.wav", sha_a) == a + 2
    assert manifest.assign_id(tmp_path / "copy.wav", sha_a) == a + 1


def test_manifest_round_trips_and_rejects_junk(tmp_path):
    path = tmp_path / "m.json"
    manifest = Manifest(path)
    manifest.set(tmp_path / "a.wav", entry(7, title="Ä", artist="B"))
    manifest.save()
    again = Manifest.load(path)
    assert again.get(tmp_path / "a.wav") == entry(7, title="Ä", artist="B")
    assert len(Manifest.load(tmp_path / "absent.json")) == 0
    path.write_text('{"version": 1, "files": {"a": {"id": 1}}}')
    with pytest.raises(InvalidInput, match="not an embed manifest"):
        Manifest.load(path)
    path.write_text("{")
    with pytest.raises(InvalidInput, match="cannot read"):
        Manifest.load(path)


def test_tracks_sidecar_has_the_import_fields_once_per_id(tmp_path):
    out = tmp_path / "tracks.jsonl"
    rows = [
        entry(9, title="Nine", artist="Band"),
        entry(3, title="Three"),
        entry(9, title="dup"),
        entry(12, title="Twelve", artist="BAND"),
    ]
    assert write_tracks_jsonl(out, rows) == 3
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in lines] == [3, 9, 12]
    assert set(lines[0]) == {"id", "title", "artist_did", "artist_handle", "artist_display_name"}
    assert lines[0]["artist_display_name"] == "Unknown artist"
    assert lines[1] == {"id": 9, "title": "Nine", **artist_identity("Band")}
    # One artist, one spelling: the one on its lowest track id.
    assert lines[2] == {"id": 12, "title": "Twelve", **artist_identity("Band")}


def test_artist_identity_is_stable_per_name_and_distinct_between_names():
    a, same, other = artist_identity("Björk"), artist_identity("björk"), artist_identity("Bjork")
    assert a["artist_did"] == same["artist_did"]
    assert a["artist_did"] != other["artist_did"]
    assert a["artist_did"].startswith("did:segue:")
    assert a["artist_handle"].startswith("bjork-")
    assert a["artist_handle"].endswith(".local")
    assert a["artist_display_name"] == "Björk"


@pytest.mark.parametrize(
    "name", [None, "Björk", "AC/DC", "  ", "!!!", "x" * 300, "Sigur Rós & 松任谷由実"]
)
def test_artist_identity_passes_the_catalogs_atproto_syntax_checks(name):
    ident = artist_identity(name)
    assert is_did(ident["artist_did"])
    assert is_handle(ident["artist_handle"])
    assert ident["artist_display_name"] == ((name or "").strip() or "Unknown artist")
