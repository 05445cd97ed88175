"""Every setting that can change a ranking changes the cache key (issue 20, item 4).

The settings are walked from ``Settings.model_fields``, not from a list kept here: a new
setting fails this test until it either changes the key or is added to
``CANNOT_CHANGE_A_RANKING`` with the reason. Each walked setting is given another valid
value, the process's key is built as the API builds it (``open_store`` then
``CacheKeys.from_settings``), and the two keys must differ. Settings named
``turbopuffer_*`` are walked with the turbopuffer backend, the others with the local one
(a store is built, never queried: no traffic leaves the machine).
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from segue.cache import NullCache
from segue.catalog import Database, PlaylistHead
from segue.engine import STRATEGIES
from segue.errors import InvalidInput, SegueError
from segue.recommendations import CacheKeys, Recommender, resolve_strategy
from segue.settings import Settings, VectorBackend
from segue.vectors import open_store

#: setting -> why it cannot change a ranking (what it changes instead)
CANNOT_CHANGE_A_RANKING = {
    "clap_model": "what `segue embed` computes vectors with; writing them moves the index "
    "generation, which is in the key",
    "cache_backend": "where rankings are kept, not what they are",
    "redis_url": "where rankings are kept",
    "cache_ttl_seconds": "how long rankings are kept",
    "cache_max_entries": "how many rankings the in-process cache keeps",
    "redis_timeout_ms": "the Redis link's timeout",
    "cache_breaker_failures": "the Redis link's breaker",
    "cache_breaker_cooldown_seconds": "the Redis link's breaker",
    "turbopuffer_api_key": "a credential for the same namespace (and a secret: never in a key)",
    "database_url": "which catalog: its state reaches the key as the record CID and the "
    "generations; two deployments keep their keys apart with SEGUE_CACHE_PREFIX",
    "database_pool_size": "connections",
    "database_max_overflow": "connections",
    "database_connect_timeout": "a 503 instead of a wait",
    "database_statement_timeout": "a 503 instead of a wait",
    "vector_timeout_seconds": "when a request gives up (available: false) and, under load, "
    "whether the strategy or the fallback runs; both are in the key",
    "recommendation_max_in_flight": "whether the strategy or the fallback runs under load; "
    "both are in the key",
    "recommendation_max_waiting": "whether the strategy or the fallback runs under load; "
    "both are in the key",
    "fallback_cache_seconds": "how long a fallback ranking is kept",
    "token_cache_seconds": "authentication",
    "token_ttl_days": "authentication",
    "api_docs": "serves /docs",
    "max_body_bytes": "request bodies",
    "rate_limits": "429s, not rankings",
    "rate_limit_reads_per_minute": "429s, not rankings",
    "rate_limit_writes_per_minute": "429s, not rankings",
    "rate_limit_misses_per_minute": "429s, not rankings",
    "max_playlists_per_user": "playlist creation",
    "ui_dir": "the UI's files",
    "workers": "processes",
    "metrics_port": "where /metrics is served",
    "metrics_host": "where /metrics is served",
    "turbopuffer_max_concurrent_queries": "how many queries a process sends at once",
    "turbopuffer_write_patience_seconds": "how long a bulk write waits out backpressure",
    "turbopuffer_disable_backpressure": "whether turbopuffer holds writes back, not what they are",
    "log_level": "what is logged",
    "log_format": "how it is logged",
    "progress_seconds": "how often a command off a terminal says how far it is",
    "host": "where the API listens",
    "port": "where the API listens",
    "plc_url": "where DID documents come from (follow, embedding, service auth)",
    "did_cache_seconds": "how long DID documents are kept",
    "atproto_connect_timeout_seconds": "when a PDS or directory call gives up",
    "atproto_read_timeout_seconds": "when a PDS or directory call gives up",
    "audio_origins": "which previews are served and which audio is fetched to embed: a "
    "ranking holds ids, previews are hydrated per answer, and embedding writes vectors, "
    "which moves the index generation",
    "image_origins": "which covers are served, hydrated per answer",
    "audio_max_bytes": "which audio `segue embed --catalog` fetches; its vectors move the "
    "index generation",
    "audio_fetch_timeout_seconds": "when an audio download gives up (embedding only)",
    "embed_max_attempts": "how often embedding retries a track's audio",
    "embed_retry_seconds": "when embedding retries a track's audio",
    "embed_lease_seconds": "how long an embedding worker holds its tracks",
    "jetstream_url": "what `segue follow` reads; the catalog it writes reaches the key as "
    "record CIDs and generations",
    "follow_silence_seconds": "when `segue follow` leaves a host; what it writes reaches the "
    "key as record CIDs and generations",
    "follow_rewind_seconds": "where `segue follow` resumes; replayed events are no-ops",
    "jetstream_retention_hours": "when `segue follow` records a gap",
    "relay_url": "which accounts `segue follow backfill` reads",
    "hide_labels": "what `segue follow` stores as tracks.suggestible: a ranking holds ids, "
    "hydration skips tracks never suggested per answer, and the rules keep their places as "
    "hidden tracks'",
    "suggest_gated": "the same, for supporter-gated tracks",
    "follow_max_lists_per_account": "which playlists `segue follow` stores",
    "follow_waiting_hours": "when `segue follow` drops waiting items: its playlists' seeds "
    "generation moves with their items",
    "backfill_pds_concurrency": "how fast `segue follow backfill` reads",
    "service_did": "authentication (service-auth JWTs)",
    "public_url": "the DID document's service endpoint",
}

HEAD = PlaylistHead("3kq2d7x4m5abc", "did:plc:alice", "bafyreiabc", 2, 7, dismissals_generation=1)


def base(name: str, tmp_path: Path) -> dict[str, Any]:
    values: dict[str, Any] = {"data_dir": tmp_path / "data"}
    if name.startswith("turbopuffer_"):
        values |= {
            "vector_backend": "turbopuffer",
            "turbopuffer_api_key": "tpuf-test-key",
            "turbopuffer_region": "gcp-us-central1",  # a client is built; nothing is sent
        }
    return values


async def key_of(values: dict[str, Any]) -> str:
    settings = Settings.model_validate(values)
    if settings.vector_backend is VectorBackend.DISABLED:
        return CacheKeys.from_settings(settings, None).key(HEAD)
    async with open_store(settings) as store:
        return CacheKeys.from_settings(settings, store).key(HEAD)


def other_values(name: str, current: object) -> list[object]:
    """Candidates for another value of ``name``, the first valid one is used."""
    if isinstance(current, bool):
        return [not current]
    if isinstance(current, enum.Enum):
        return [m.value for m in type(current) if m is not current]
    if isinstance(current, int):
        return [current + 1, current - 1]
    if isinstance(current, float):
        return [current / 2, current + 0.5] if current else [0.5]
    if isinstance(current, Path):
        return [current / "other"]
    if isinstance(current, SecretStr):
        return [current.get_secret_value() + "-other"]
    if isinstance(current, str):
        return [*(s for s in STRATEGIES if s != current), f"{current}-other"]
    if current is None:
        return ["http://127.0.0.1:9", "other", 1]
    return []


def walked() -> list[str]:
    return [name for name in Settings.model_fields if name not in CANNOT_CHANGE_A_RANKING]


def test_the_allow_list_names_real_settings():
    assert set(CANNOT_CHANGE_A_RANKING) <= set(Settings.model_fields)
    # The walk is not empty, and covers what the key was known to miss before.
    assert {"strategy", "fallback_strategy", "local_exact_threshold", "data_dir"} <= set(walked())


@pytest.mark.parametrize("name", walked())
async def test_each_setting_that_can_change_a_ranking_changes_the_key(name: str, tmp_path: Path):
    values = base(name, tmp_path)
    before = await key_of(values)
    current = getattr(Settings.model_validate(values), name)
    tried = []
    for value in other_values(name, current):
        changed = {**values, name: value}
        try:
            after = await key_of(changed)
        except (ValidationError, InvalidInput, SegueError) as exc:
            tried.append(f"{value!r}: {exc}")
            continue
        assert after != before, f"{name}={value!r} can change a ranking but not the key"
        return
    pytest.fail(f"no other valid value found for {name} (tried {tried}); give it one here")


async def test_the_key_is_stable_and_names_the_playlist_version(tmp_path: Path):
    values = base("", tmp_path)
    key = await key_of(values)
    assert key == await key_of(values)  # another process, same configuration
    prefix, version, playlist = key.split(":", 2)
    assert prefix == "segue"
    assert version.endswith(".7.2.1")  # index, seeds, dismissals generations
    assert playlist == f"recommendations:{HEAD.id}:{HEAD.record_cid}"


@pytest.mark.parametrize(
    "head",
    [
        PlaylistHead("", "did:plc:a", "bafyreiabc", 0, 0),
        PlaylistHead("pl", "did:plc:a", "", 0, 0),
        PlaylistHead("pl", "did:plc:a", "bafy:rei", 0, 0),
    ],
)
def test_the_key_refuses_ambiguous_parts(head: PlaylistHead):
    strategy = resolve_strategy(None)
    keys = CacheKeys.of(strategy=strategy, fallback=strategy, store=None)
    with pytest.raises(InvalidInput):
        keys.key(head)


async def test_the_recommender_builds_its_keys_as_the_settings_say(
    tmp_path: Path, database: Database
):
    settings = Settings(data_dir=tmp_path)
    async with open_store(settings) as store:
        recommender = Recommender.from_settings(settings, database, store, NullCache())
        assert recommender.cache_key(HEAD) == CacheKeys.from_settings(settings, store).key(HEAD)
