"""PDS blob sources: a followed track's canonical audio, resolved through its DID (the PLC
stand-in) to its PDS (the PDS stand-in's getBlob), embedded by the catalog worker; on
PostgreSQL and SQLite."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import numpy as np
import soundfile as sf
import sqlalchemy as sa
from prometheus_client import REGISTRY

from segue.atproto import DidResolver, HttpClient, XrpcClient
from segue.catalog import Database, note_audio_sources, upsert_tracks
from segue.catalog._models import EmbeddingState, Track
from segue.ingest.audio import AudioFetcher, EmbedOptions, PdsBlobFetcher, embed_catalog
from segue.ingest.clap import ClapEmbedder
from segue.vectors import LocalVectorStore

from ..support.atproto_standins import Pds, PlcDirectory, did_document, make_identity
from .test_embed import RATE, signal


def wav_bytes(seconds: float, seed: int) -> bytes:
    out = io.BytesIO()
    sf.write(out, signal(seconds, RATE, seed=seed), RATE, format="WAV", subtype="FLOAT")
    return out.getvalue()


async def add_blob_track(database: Database, track_id: int, did: str, cid: str) -> None:
    """What issue 21's follow writes for a record with an ``audioBlob``."""
    artist = {"did": did, "handle": "artist.example.com"}
    row = {"id": track_id, "title": f"T{track_id}", "artist_did": did, "image_url": None,
           "audio_url": None, "uri": None, "cid": None}  # fmt: skip
    await upsert_tracks(database, [artist], [row])
    async with database.sessionmaker.begin() as session:
        await session.execute(
            sa.update(Track)
            .where(Track.id == track_id)
            .values(audio_blob_did=did, audio_blob_cid=cid)
        )
        await note_audio_sources(session, [track_id], audio_origins=())


async def states(database: Database) -> dict[int, tuple[str, int, str | None]]:
    async with database.reading() as conn:
        rows = await conn.execute(
            sa.select(EmbeddingState.track_id, EmbeddingState.state, EmbeddingState.attempts,
                      EmbeddingState.last_error)
        )  # fmt: skip
        return {track: (state, attempts, error) for track, state, attempts, error in rows}


async def test_blobs_are_fetched_from_the_accounts_pds(
    database: Database,
    pds: Pds,
    plc_directory: PlcDirectory,
    did_resolver: DidResolver,
    xrpc: XrpcClient,
    clap_dir: Path,
    tmp_path: Path,
) -> None:
    alice, gone = make_identity(), make_identity()
    for who in (alice, gone):
        pds.add_repo(who.did)
        plc_directory.put(did_document(who, pds=pds.url))
    audio = wav_bytes(6.0, seed=1)
    cid = pds.put_blob(alice.did, audio)
    late = pds.put_blob(alice.did, wav_bytes(3.0, seed=2))
    await add_blob_track(database, 1, alice.did, cid)
    await add_blob_track(database, 2, gone.did, pds.put_blob(gone.did, audio))
    plc_directory.tombstone(gone.did)  # the account is gone: its blob never comes
    # Not on the PDS yet (a fresh upload the PDS has not stored): retried later.
    del pds.repos[alice.did].blobs[late]
    await add_blob_track(database, 3, alice.did, late)
    pds.fail_next(1, status=503, retry_after="0")  # the first getBlob: try again later

    def sample(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    results = ("embedded", "retried", "failed", "stale")
    before = {r: sample("segue_embed_tracks_total", result=r) for r in results}
    timed_before = sample("segue_embed_seconds_count")
    store = LocalVectorStore(tmp_path / "vectors.usearch")
    blobs = PdsBlobFetcher(did_resolver, xrpc, max_bytes=10_000_000)
    model = ClapEmbedder.load(str(clap_dir))
    options = EmbedOptions(worker="w", model_name="tiny", retry_seconds=0.5, max_attempts=3)
    async with AudioFetcher(origins=()) as fetcher:

        async def run() -> None:
            await embed_catalog(database, store, fetcher=fetcher, blobs=blobs,
                                load_embedder=lambda: model, options=options)  # fmt: skip

        await run()
        first = await states(database)
        assert first[2][0] == "failed"  # a DID that is gone: for good
        assert first[3][0] == "pending"  # BlobNotFound: later
        assert "BlobNotFound" in (first[3][2] or "")
        # The 503 met whichever of 1 and 3 asked first: 1 is done or will be retried.
        assert first[1][0] in {"done", "pending"}
        assert any("HTTP 503" in (first[i][2] or "") for i in (1, 3)), first
        assert all(first[i][1] == 1 for i in (1, 2, 3))  # one attempt each so far
        pds.repos[alice.did].blobs[late] = wav_bytes(3.0, seed=2)  # now it arrived
        await asyncio.sleep(0.6)  # past the backoff
        await run()
    final = await states(database)
    assert final[1][0] == final[3][0] == "done"
    assert final[2][0] == "failed"
    assert gone.did in (final[2][2] or "")
    assert final[2][1] == 1  # never retried
    assert final[3][1] == 2
    got = await store.get_vectors([1, 3])
    assert sorted(got.ids.tolist()) == [1, 3]
    np.testing.assert_allclose(np.linalg.norm(got.vectors, axis=1), 1.0, atol=1e-5)
    assert pds.requests["getBlob"] >= 3
    # Metrics: every result label exported (stale at zero), each track counted once per
    # attempt's outcome, the per-track histogram fed by the embedded ones.
    for r in results:
        assert REGISTRY.get_sample_value("segue_embed_tracks_total", {"result": r}) is not None
    delta = {r: sample("segue_embed_tracks_total", result=r) - before[r] for r in results}
    assert delta == {"embedded": 2, "retried": 2, "failed": 1, "stale": 0}
    assert sample("segue_embed_seconds_count") - timed_before == 2
    assert sample("segue_embed_pending") == 0
    await store.aclose()


async def test_a_blob_said_to_be_gzip_fails_alone_and_the_worker_goes_on(
    database: Database,
    pds: Pds,
    plc_directory: PlcDirectory,
    did_resolver: DidResolver,
    xrpc: XrpcClient,
    clap_dir: Path,
    tmp_path: Path,
) -> None:
    """A PDS that answers getBlob with ``Content-Encoding: gzip`` and a body that is not:
    that track fails for good (the same bytes come every time), the next is embedded."""
    alice = make_identity()
    pds.add_repo(alice.did)
    plc_directory.put(did_document(alice, pds=pds.url))
    lying = pds.put_blob(alice.did, wav_bytes(3.0, seed=3))
    pds.gzip_lies.add(lying)
    await add_blob_track(database, 1, alice.did, lying)
    await add_blob_track(database, 2, alice.did, pds.put_blob(alice.did, wav_bytes(3.0, seed=4)))
    store = LocalVectorStore(tmp_path / "vectors.usearch")
    blobs = PdsBlobFetcher(did_resolver, xrpc, max_bytes=10_000_000)
    model = ClapEmbedder.load(str(clap_dir))
    options = EmbedOptions(worker="w", model_name="tiny", batch_size=1, max_attempts=3)
    async with AudioFetcher(origins=()) as fetcher:
        await embed_catalog(database, store, fetcher=fetcher, blobs=blobs,
                            load_embedder=lambda: model, options=options)  # fmt: skip
    after = await states(database)
    assert after[1][:2] == ("failed", 1)
    assert "undecodable body" in (after[1][2] or "")
    assert after[2][0] == "done"
    assert (await store.get_vectors([2])).ids.tolist() == [2]
    await store.aclose()


async def test_a_pds_on_loopback_is_not_asked_for_a_blob(
    database: Database, pds: Pds, plc_directory: PlcDirectory, clap_dir: Path, tmp_path: Path
) -> None:
    """Segue's own ATProto client (no loopback allowed, the PLC directory the operator's
    origin): a DID document naming a PDS on 127.0.0.1 fails the track for good, unasked."""
    alice = make_identity()
    pds.add_repo(alice.did)
    plc_directory.put(did_document(alice, pds=pds.url))
    await add_blob_track(database, 1, alice.did, pds.put_blob(alice.did, wav_bytes(3.0, seed=5)))
    store = LocalVectorStore(tmp_path / "vectors.usearch")
    model = ClapEmbedder.load(str(clap_dir))
    options = EmbedOptions(worker="w", model_name="tiny", max_attempts=3)
    async with HttpClient(origins=[plc_directory.url]) as http, AudioFetcher(origins=()) as fetcher:
        resolver = DidResolver(http, plc_url=plc_directory.url)
        blobs = PdsBlobFetcher(resolver, XrpcClient(http), max_bytes=10_000_000)
        await embed_catalog(database, store, fetcher=fetcher, blobs=blobs,
                            load_embedder=lambda: model, options=options)  # fmt: skip
    after = await states(database)
    assert after[1][:2] == ("failed", 1)
    assert "loopback host refused: 127.0.0.1" in (after[1][2] or "")
    assert plc_directory.requests[alice.did] == 1
    assert pds.requests["getBlob"] == 0
    await store.aclose()
