"""Three `segue embed --catalog --watch` processes on one PostgreSQL catalog and one shared
vector store (the turbopuffer stand-in on 127.0.0.1), one of them killed mid-batch: every
track is embedded, and only the killed worker's tracks are downloaded twice."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
import uuid
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

from ..support import segue_binary, wait_for
from ..support.audio_server import AudioServer
from ..vectors.tpuf_standin import LoopbackServer, TurbopufferStandin
from .test_embed import RATE
from .test_embed import signal as chirp

ARTIST = {"artist_did": "did:plc:ewvi7nxzyoun6zhxrhs64oiz", "artist_handle": "alice.example.com"}
TRACKS = 24
LEASE = 4.0


def rows(settings: Settings) -> dict[int, tuple[str, int, str | None]]:
    """track id -> (state, attempts, lease owner)."""

    async def go():
        database = open_database(settings)
        try:
            async with database.reading() as conn:
                got = await conn.execute(
                    sa.select(EmbeddingState.track_id, EmbeddingState.state,
                              EmbeddingState.attempts, EmbeddingState.lease_owner)
                )  # fmt: skip
                return {r[0]: tuple(r[1:]) for r in got}
        finally:
            await database.aclose()

    return asyncio.run(go())


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_three_workers_one_killed_mid_batch(
    settings: Settings, clap_dir: Path, tmp_path: Path
) -> None:
    audio = tmp_path / "audio"
    audio.mkdir()
    for n in range(4):
        sf.write(audio / f"{n}.wav", chirp(3.0 + n, RATE, seed=n), RATE, subtype="FLOAT")
    standin = TurbopufferStandin()
    namespace = f"segue-test-{uuid.uuid4().hex[:12]}"
    with AudioServer(audio) as server, LoopbackServer(standin) as tpuf:
        env = {
            **os.environ,
            "SEGUE_DATABASE_URL": settings.catalog_url,
            "SEGUE_VECTOR_BACKEND": "turbopuffer",
            "SEGUE_TURBOPUFFER_BASE_URL": tpuf.base_url,
            "SEGUE_TURBOPUFFER_API_KEY": standin.api_key,
            "SEGUE_TURBOPUFFER_NAMESPACE": namespace,
            "SEGUE_CLAP_MODEL": str(clap_dir),
            "SEGUE_AUDIO_ORIGINS": server.origin,
            "SEGUE_EMBED_LEASE_SECONDS": str(LEASE),
            "HF_HUB_OFFLINE": "1",
        }
        # Without byte code on disk each process compiles torch and transformers anew: on a
        # loaded machine that alone can take minutes.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        # Each download takes a second: a worker is caught holding a batch it downloads.
        urls = {i: server.url(f"/files/{i % 4}.wav?slow=1&track={i}") for i in range(1, TRACKS + 1)}
        path = tmp_path / "tracks.jsonl"
        path.write_text("".join(
            json.dumps({"id": i, "title": f"T{i}", "audio_url": u, **ARTIST}) + "\n"
            for i, u in urls.items()
        ))  # fmt: skip
        imported = CliRunner().invoke(
            app, ["import", "tracks", str(path), "--data-dir", str(settings.data_dir)], env=env
        )
        assert imported.exit_code == 0, imported.output

        command = [segue_binary(), "embed", "--catalog", "--watch", "--batch-size", "2",
                   "--data-dir", str(settings.data_dir)]  # fmt: skip
        workers = [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(3)
        ]
        victim, others = workers[0], workers[1:]
        try:
            # The first worker seen holding a batch is killed while it downloads it.
            def owners() -> set[str]:
                return {o for _, _, o in rows(settings).values() if o}

            try:
                wait_for(owners, "a first claim", timeout=600)
            except TimeoutError:
                for w in workers:
                    w.kill()
                said = [w.communicate()[1].decode()[-2000:] for w in workers]
                raise AssertionError(said) from None
            pid = int(sorted(owners())[0].split(":")[1])
            victim = next(w for w in workers if w.pid == pid)
            others = [w for w in workers if w is not victim]
            mark = f":{pid}:"
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=10)
            # Its leases stay in the catalog until they run out.
            stranded = {i for i, (_, _, o) in rows(settings).items() if o and mark in o}
            assert stranded

            def all_done() -> bool:
                return all(s == "done" for s, _, _ in rows(settings).values())

            wait_for(all_done, "every track embedded", timeout=300)
            # Still watching: a track imported now is embedded within seconds.
            late = tmp_path / "late.jsonl"
            row = {"id": 99, "title": "Late", "audio_url": server.url("/files/0.wav?t=99")}
            late.write_text(json.dumps({**row, **ARTIST}) + "\n")
            imported = CliRunner().invoke(
                app, ["import", "tracks", str(late), "--data-dir", str(settings.data_dir)], env=env
            )
            assert imported.exit_code == 0, imported.output
            started = time.monotonic()
            wait_for(lambda: rows(settings)[99][0] == "done", "the late track", timeout=30)
            picked_up = time.monotonic() - started
        finally:
            for worker in others:
                worker.send_signal(signal.SIGTERM)
            outputs = [w.communicate(timeout=60) for w in others]
            if victim.poll() is None:
                victim.kill()
                victim.wait()
        for worker, (_, err) in zip(others, outputs, strict=True):
            assert worker.returncode == 0, err.decode()
        final = rows(settings)
        assert all(state == "done" for state, _, _ in final.values())
        assert all(owner is None for _, _, owner in final.values())
        # Downloaded once each, except the killed worker's tracks: at most twice.
        hits = {i: server.hits[u.removeprefix(server.origin)] for i, u in urls.items()}
        twice = {i for i, n in hits.items() if n > 1}
        assert twice <= stranded, (twice, stranded)
        assert all(1 <= n <= 2 for n in hits.values()), hits
        assert {i: final[i][1] for i in stranded} == dict.fromkeys(stranded, 2)
        assert all(final[i][1] == 1 for i in urls if i not in stranded)
        # Every vector is in the shared store, unit length.
        stored = standin.namespaces[namespace].vectors
        assert set(stored) == {*urls, 99}
        norms = np.linalg.norm(np.stack([stored[i] for i in urls]), axis=1)
        np.testing.assert_allclose(norms, 1.0, atol=1e-5)
        # Both survivors worked (the split is the queue's, not one worker doing it all).
        said = [" ".join(err.decode().split()) for _, err in outputs]
        assert all("embedded 0 catalog" not in s for s in said), said
        print(f"late track picked up in {picked_up:.1f} s")
