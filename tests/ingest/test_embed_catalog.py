"""`segue embed --catalog` end to end: tracks imported with audio URLs served by a real HTTP
server on 127.0.0.1, the tiny random CLAP model, the real command line, on PostgreSQL and
SQLite. Every way a download goes wrong fails that track alone, for good or for now."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import sqlalchemy as sa
from typer.testing import CliRunner

from segue.catalog import open_database
from segue.catalog._models import EmbeddingState
from segue.cli import app
from segue.settings import Settings
from segue.vectors import LocalVectorStore

from ..support.audio_server import AudioServer
from .test_embed import RATE, signal

ARTIST = {"artist_did": "did:plc:ewvi7nxzyoun6zhxrhs64oiz", "artist_handle": "alice.example.com"}
MAX_BYTES = 3_000_000  # above the small files (a.wav: 2.3 MB), below big.wav (3.8 MB)


@pytest.fixture
def audio(tmp_path: Path) -> Path:
    folder = tmp_path / "audio"
    folder.mkdir()
    for name, seconds, seed in (("a", 12.0, 1), ("b", 6.0, 2), ("c", 3.0, 3), ("d", 5.0, 4)):
        sf.write(folder / f"{name}.wav", signal(seconds, RATE, seed=seed), RATE, subtype="FLOAT")
    sf.write(folder / "big.wav", signal(20.0, RATE, seed=5), RATE, subtype="FLOAT")
    (folder / "broken.wav").write_bytes(b"RIFF" + np.random.default_rng(5).bytes(4096))
    return folder


@pytest.fixture
def server(audio: Path):
    with AudioServer(audio) as running:
        yield running


@pytest.fixture
def env(settings: Settings, server: AudioServer, clap_dir: Path) -> dict[str, str]:
    return {
        "SEGUE_DATABASE_URL": settings.catalog_url,
        "SEGUE_VECTOR_BACKEND": "local",
        "SEGUE_CLAP_MODEL": str(clap_dir),
        # localhost is trusted by name: it must still be refused, being a loopback address.
        "SEGUE_AUDIO_ORIGINS": f"{server.origin},http://localhost:{server.port}",
        "SEGUE_AUDIO_MAX_BYTES": str(MAX_BYTES),
        "SEGUE_AUDIO_FETCH_TIMEOUT_SECONDS": "1.5",
        "SEGUE_EMBED_MAX_ATTEMPTS": "2",
        "SEGUE_EMBED_RETRY_SECONDS": "0.2",
    }


def cli(env: dict[str, str], data: Path, *args: str):
    return CliRunner().invoke(app, [*args, "--data-dir", str(data)], env=env)


def import_tracks(env: dict[str, str], data: Path, urls: dict[int, str]) -> None:
    rows = [{"id": i, "title": f"T{i}", "audio_url": url, **ARTIST} for i, url in urls.items()]
    path = data.parent / f"tracks-{time.monotonic_ns()}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = cli(env, data, "import", "tracks", str(path))
    assert result.exit_code == 0, result.output


def states(settings: Settings) -> dict[int, tuple[str, int, str | None, str | None]]:
    """track id -> (state, attempts, model, last error)."""

    async def go():
        database = open_database(settings)
        try:
            async with database.reading() as conn:
                rows = await conn.execute(
                    sa.select(EmbeddingState.track_id, EmbeddingState.state,
                              EmbeddingState.attempts, EmbeddingState.model,
                              EmbeddingState.last_error)
                )  # fmt: skip
                return {r[0]: tuple(r[1:]) for r in rows}
        finally:
            await database.aclose()

    return asyncio.run(go())


def vectors(data: Path, ids: list[int]) -> dict[int, np.ndarray]:
    async def go():
        store = LocalVectorStore(Settings(data_dir=data).index_path)
        try:
            got = await store.get_vectors(ids)
            return dict(zip(got.ids.tolist(), got.vectors, strict=True))
        finally:
            await store.aclose()

    return asyncio.run(go())


def test_catalog_vectors_are_those_of_segue_embed_path(
    env, settings: Settings, server: AudioServer, audio: Path, tmp_path: Path
) -> None:
    data = settings.data_dir
    import_tracks(env, data, {1: server.url("/files/a.wav"), 2: server.url("/files/b.wav"),
                              3: server.url("/files/c.wav")})  # fmt: skip
    result = cli(env, data, "embed", "--catalog", "--batch-size", "2")
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    # 12 s -> 2 windows, 6 s -> 1, 3 s -> 1
    assert "embedded 3 catalog track(s) (4 windows), 0 to retry later, 0 failed" in said
    assert {k: v[:3] for k, v in states(settings).items()} == dict.fromkeys(
        (1, 2, 3), ("done", 1, env["SEGUE_CLAP_MODEL"])
    )
    got = vectors(data, [1, 2, 3])
    # The same files through `segue embed PATH`: the same code, so the same vectors.
    files = tmp_path / "files"
    direct = cli({**env, "SEGUE_DATABASE_URL": ""}, files, "embed", *(
        str(audio / f"{n}.wav") for n in "abc"))  # fmt: skip
    assert direct.exit_code == 0, direct.output
    rows = [json.loads(x) for x in (files / "tracks.embedded.jsonl").read_text().splitlines()]
    by_title = {r["title"]: r["id"] for r in rows}
    reference = vectors(files, list(by_title.values()))
    for track_id, name in ((1, "a"), (2, "b"), (3, "c")):
        np.testing.assert_allclose(got[track_id], reference[by_title[name]], atol=1e-5)
    report = json.loads(cli(env, data, "check", "--json").stdout)
    assert report["embeddings"] == {"pending": 0, "done": 3, "failed": 0}
    # Nothing pending: a second run downloads nothing.
    assert cli(env, data, "embed", "--catalog").exit_code == 0
    assert server.hits["/files/a.wav"] == 1


def test_each_bad_download_fails_alone_for_good_or_for_now(
    env, settings: Settings, server: AudioServer
) -> None:
    data = settings.data_dir
    same_origin = server.url("/files/c.wav")
    urls = {
        1: server.url("/files/a.wav"),
        11: server.url("/missing"),
        12: server.url("/files/big.wav"),
        13: server.url("/chunked/big.wav"),
        14: server.url("/page"),
        15: server.url("/redirect?to=https://elsewhere.example/a.wav"),
        16: f"http://localhost:{server.port}/files/b.wav",
        17: server.url("/truncated/a.wav"),
        18: server.url("/files/d.wav?slow=4"),
        19: server.url("/files/broken.wav"),
        20: server.url(f"/redirect?to={same_origin}"),
        21: server.url("/gzip-lie/a.wav"),
    }
    import_tracks(env, data, urls)
    first = cli(env, data, "embed", "--catalog")
    assert first.exit_code == 0, first.output
    after = states(settings)
    assert after[1][0] == after[20][0] == "done"  # the good ones, whatever the others did
    for_now = {11, 17, 18}
    assert {i for i, s in after.items() if s[0] == "pending"} == for_now
    assert {i for i, s in after.items() if s[0] == "failed"} == {12, 13, 14, 15, 16, 19, 21}
    time.sleep(0.4)  # past the first backoff (0.2 s)
    second = cli(env, data, "embed", "--catalog")
    assert second.exit_code == 0, second.output
    after = states(settings)
    # SEGUE_EMBED_MAX_ATTEMPTS=2: the second failure is the last.
    assert {i: after[i][:2] for i in for_now} == dict.fromkeys(for_now, ("failed", 2))
    reasons = {i: after[i][3] or "" for i in after}
    assert "HTTP 404" in reasons[11]
    assert "SEGUE_AUDIO_MAX_BYTES" in reasons[12]
    assert "SEGUE_AUDIO_MAX_BYTES" in reasons[13]
    assert "not audio (text/html)" in reasons[14]
    assert "elsewhere.example leaves the trusted origins" in reasons[15]
    assert "resolves to 127.0.0.1, not a public address" in reasons[16]
    assert reasons[17]  # the connection closed before the announced length arrived
    assert "not downloaded within 1.5 s" in reasons[18]
    assert "cannot decode" in reasons[19]
    assert "undecodable body" in reasons[21]  # a lying Content-Encoding: for good
    # Refusals are never retried; failures for now were tried twice.
    assert server.hits["/page"] == server.hits["/gzip-lie/a.wav"] == 1
    assert server.hits["/truncated/a.wav"] == server.hits["/missing"] == 2
    # The off-origin redirect was never followed, and localhost was never connected to:
    # b.wav was not served to anyone.
    assert server.hits["/files/b.wav"] == 0
    listed = json.loads(cli(env, data, "check", "--json", "--failed").stdout)
    assert listed["embeddings"] == {"pending": 0, "done": 2, "failed": 10}
    assert {f["id"] for f in listed["failed_embeddings"]} == {*for_now, 12, 13, 14, 15, 16, 19, 21}


def test_an_audio_source_that_changes_after_it_was_embedded(
    env, settings: Settings, server: AudioServer
) -> None:
    data = settings.data_dir
    import_tracks(env, data, {1: server.url("/files/a.wav"), 2: server.url("/files/b.wav")})
    assert cli(env, data, "embed", "--catalog").exit_code == 0
    before = vectors(data, [1, 2])
    # The same sources again: nothing to do. Track 1's audio replaced: embedded again.
    import_tracks(env, data, {1: server.url("/files/d.wav"), 2: server.url("/files/b.wav")})
    assert states(settings)[1][0] == "pending"
    assert states(settings)[2][0] == "done"
    result = cli(env, data, "embed", "--catalog")
    assert result.exit_code == 0, result.output
    assert "embedded 1 catalog track(s)" in " ".join(result.output.split())
    after = vectors(data, [1, 2])
    assert not np.allclose(after[1], before[1])
    np.testing.assert_array_equal(after[2], before[2])
    assert server.hits["/files/d.wav"] == 1
    assert server.hits["/files/b.wav"] == 1
    assert states(settings)[1][0] == "done"
