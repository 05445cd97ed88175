"""Settings, read from the environment with the prefix ``SEGUE_``.

With nothing set everything is embedded: the index and the SQLite catalog live under
:attr:`Settings.data_dir`.

    >>> Settings(data_dir="/tmp/segue").index_path.name
    'vectors.usearch'
    >>> Settings(data_dir="/tmp/segue").catalog_url
    'sqlite+aiosqlite:////tmp/segue/segue.db'
"""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from urllib.parse import SplitResult, urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The names alone, not segue.engine: settings are read by every command, most of which
# never rank anything (numpy is not theirs to pay for, issue 26).
from segue._strategy_names import DEFAULT_NEAR_DUPLICATE_DISTANCE, DEFAULT_STRATEGY, STRATEGY_NAMES

__all__ = [
    "CacheBackend",
    "IndexDtype",
    "LogFormat",
    "LogLevel",
    "Settings",
    "TurbopufferConsistency",
    "VectorBackend",
]


class VectorBackend(StrEnum):
    """Where the track vectors live."""

    LOCAL = "local"
    TURBOPUFFER = "turbopuffer"
    DISABLED = "disabled"


class IndexDtype(StrEnum):
    """What the local HNSW graph stores; the exact f32 vectors are kept beside a compact one."""

    F32 = "f32"
    BF16 = "bf16"
    F16 = "f16"


class LogLevel(StrEnum):
    """The least severe log lines written (Segue's and uvicorn's)."""

    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class LogFormat(StrEnum):
    """``text``: one readable line; ``json``: one JSON object a line, for a log pipeline."""

    TEXT = "text"
    JSON = "json"


class TurbopufferConsistency(StrEnum):
    """How fresh turbopuffer's reads are (docs/turbopuffer.md, "Consistency")."""

    #: every query checks object storage for the latest writes (turbopuffer's default)
    STRONG = "strong"
    #: a query may reuse a node's cached view, up to turbopuffer's staleness bound
    EVENTUAL = "eventual"


class CacheBackend(StrEnum):
    """Where the ranked recommendations are cached (docs/cache.md)."""

    #: Redis when ``redis_url`` is set, else the in-process cache
    AUTO = "auto"
    REDIS = "redis"
    MEMORY = "memory"
    NONE = "none"


# The bounds most settings share, declared once: a field then reads
# ``embed_max_attempts: _Count = Field(5, description=...)``. Each keeps pydantic's own
# constraint (``ge=1``, not ``gt=0``), so an operator's error lines read as before.
#: a number of things (attempts, connections, bytes, requests), at least one
_Count = Annotated[int, Field(ge=1)]
#: as :data:`_Count`, where 0 turns the thing off
_CountOrZero = Annotated[int, Field(ge=0)]
#: a length of time (its unit is in the setting's name), more than none
_Duration = Annotated[float, Field(gt=0)]
#: as :data:`_Duration`, where 0 turns the thing off
_DurationOrZero = Annotated[float, Field(ge=0)]


def _default_ui_dir() -> Path:
    """The UI a wheel carries (``segue/ui``), else a checkout's ``frontend/dist``."""
    packaged = Path(__file__).parent / "ui"
    return packaged if (packaged / "index.html").is_file() else Path("frontend/dist")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name other than localhost
        return False


def _comma_items(value: str | None) -> list[str]:
    """A comma-separated setting's items, stripped, empty ones left out.

    >>> _comma_items(" porn, ,!hide,")
    ['porn', '!hide']
    """
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _https_or_loopback(parts: SplitResult) -> bool:
    """``https://host``, or ``http://`` to this machine only (a local stand-in): what every
    URL that carries a secret or a trusted answer must be.

    >>> [_https_or_loopback(urlsplit(url)) for url in ("http://[::1]:90", "http://a.example")]
    [True, False]
    """
    if not parts.hostname:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(parts.hostname))


class Settings(BaseSettings):
    """Every setting, each ``SEGUE_<NAME>``: ``name: type = default``, then the docstring
    that describes it (``use_attribute_docstrings``); the descriptions make the README's table.

    After changing a field run ``make settings-table`` (tests/test_settings_table.py fails
    while the README's table and these fields disagree).
    """

    model_config = SettingsConfigDict(
        env_prefix="SEGUE_", extra="ignore", use_attribute_docstrings=True
    )

    data_dir: Path = Path("segue-data")
    """embedded data (`segue.db`, `vectors.usearch`); `--data-dir` overrides it"""
    vector_backend: VectorBackend = VectorBackend.LOCAL
    """`local` (usearch HNSW file in the data dir), `turbopuffer`, or `disabled`"""
    # Below this many vectors the local index searches exhaustively: exact, and still fast.
    local_exact_threshold: _CountOrZero = 10_000
    """below this many vectors the local index searches exhaustively (exact)"""
    # The local graph's storage type (docs/benchmarks.md, "Cheaper misses"). bf16 halves the
    # graph and searches faster on CPUs with BF16 dot products; the exact f32 vectors are
    # kept beside it, so reads and distances stay exact. f32 is the single-file index of
    # before. Reads use an index as it is on disk; the next write rebuilds it in this type.
    local_index_dtype: IndexDtype = IndexDtype.BF16
    """the local HNSW graph's type: `bf16`, `f16` (the exact f32 vectors kept beside it) or `f32`
    (one file, as before); the next write rebuilds an index in it"""
    # HNSW search depth; a query asking for more neighbours than this searches that deep.
    local_ef_search: _Count = 48
    """the local HNSW index's search depth (ef_search)"""
    # `segue embed`: a Hugging Face model id or a local directory holding a saved ClapModel
    # and its feature extractor (preprocessor_config.json).
    clap_model: str = "laion/clap-htsat-unfused"
    """the CLAP model for `segue embed`: a hub name, or a local directory holding a saved
    ClapModel and its feature extractor"""
    strategy: str = DEFAULT_STRATEGY
    """the recommendation strategy (`adaptive`, `blend`, `together`, ...; segue.engine's
    STRATEGIES; `together` also reads what other playlists hold with the playlist's tracks, one
    bounded catalog query per miss); part of the cache key, so a change takes effect at once"""

    near_duplicate_distance: float = Field(DEFAULT_NEAR_DUPLICATE_DISTANCE, ge=0.0, le=1.0)
    """a suggestion closer than this cosine distance to a playlist track is the same recording
    under another id and is left out; 0 turns the rule off (the default is measured in
    docs/evaluation.md)"""
    max_per_artist: int = Field(1, ge=0, le=10)
    """artist variety: at most this many tracks of one artist among the first 3 suggestions and
    twice this among the first 10 (others move down, none is dropped); 0 turns the rule off"""

    @field_validator("strategy", "fallback_strategy")
    @classmethod
    def _known_strategy(cls, value: str) -> str:
        if value not in STRATEGY_NAMES:
            raise ValueError(f"unknown strategy {value!r}; known: {', '.join(STRATEGY_NAMES)}")
        return value

    # Recommendation cache (docs/cache.md).
    cache_backend: CacheBackend = CacheBackend.AUTO
    """`auto` (Redis when `SEGUE_REDIS_URL` is set, else in process), `redis`, `memory` or `none`"""
    # A secret: it may carry a password. `settings.redis_url.get_secret_value()` to connect;
    # printed, logged or repr'd it shows as '**********'.
    redis_url: SecretStr | None = None
    """Redis for the cache and the rate limits, e.g. `redis://127.0.0.1:6379/0` (a secret: never
    printed); unset: in process"""
    # Redis expiry has millisecond resolution.
    cache_ttl_seconds: float = Field(24 * 3600, ge=0.001)
    """how long a playlist version's recommendations are kept"""
    # No glob characters, so ``SCAN MATCH {prefix}:*`` finds exactly this prefix's keys.
    cache_prefix: str = Field("segue", pattern=r"^[A-Za-z0-9._:-]+$")
    """the prefix of this deployment's Redis keys (letters, digits, `._:-`)"""
    # Redis on the same network answers in well under a millisecond, but the timeout also
    # runs while this process's event loop is busy: at 50 ms, 64 connections on a loaded
    # 2-core machine tripped the circuit breaker with Redis healthy, and every hit became a
    # miss costing ten times the CPU. 250 ms is far past any real answer and still bounds
    # what a hung Redis costs before the breaker opens (docs/cache.md).
    redis_timeout_ms: _Count = 250
    """per Redis call; a circuit breaker then stops calling a dead Redis for a while
    (docs/cache.md)"""
    cache_breaker_failures: _Count = 3
    """consecutive failed Redis calls that open the breaker"""
    cache_breaker_cooldown_seconds: _Duration = 5.0
    """how long an open breaker keeps calls away from Redis"""
    cache_max_entries: _Count = 10_000
    """capacity of the in-process cache (`memory`)"""
    # turbopuffer (SEGUE_VECTOR_BACKEND=turbopuffer); see docs/turbopuffer.md.
    turbopuffer_api_key: SecretStr | None = None
    """the turbopuffer API key (docs/turbopuffer.md)"""
    turbopuffer_region: str | None = None
    """the turbopuffer region, e.g. `gcp-us-central1`"""
    turbopuffer_namespace: str = Field("segue-tracks", pattern=r"^[A-Za-z0-9_.-]{1,128}$")
    """the turbopuffer namespace holding the track vectors"""
    # Replaces https://{region}.turbopuffer.com (a BYOC deployment, or a test server).
    turbopuffer_base_url: str | None = None
    """replaces `https://{region}.turbopuffer.com` (a BYOC deployment); `https://` only, or
    `http://` to a loopback address"""

    # Per process: processes x this should stay within turbopuffer's 16 concurrent queries
    # per namespace (docs/turbopuffer.md, "Reads under load").
    turbopuffer_max_concurrent_queries: int = Field(4, ge=1, le=256)
    """per process: turbopuffer queries in flight at once (the rest wait); keep processes x this
    within turbopuffer's 16 concurrent queries per namespace"""
    turbopuffer_consistency: TurbopufferConsistency = TurbopufferConsistency.STRONG
    """`strong` (every query sees the latest write) or `eventual` (cheaper, faster reads that may
    be up to 60 s stale; rankings computed within 60 s of a vector write are then cached for 60 s
    only). Serving reads only: the commands that write vectors always read strongly"""
    turbopuffer_write_patience_seconds: _Duration = 3600.0
    """how long a bulk write (import, `segue vectors sync`) keeps waiting out turbopuffer's write
    backpressure (429 while indexing catches up) before it stops"""
    turbopuffer_disable_backpressure: bool = False
    """bulk writes ask turbopuffer not to throttle them (`disable_backpressure`) while indexing
    lags: for a first load into a namespace nobody queries yet"""

    @field_validator("turbopuffer_base_url")
    @classmethod
    def _tls_unless_loopback(cls, value: str | None) -> str | None:
        # The API key travels in every request's headers: over plain HTTP only to this
        # machine (a local stand-in), never across a network.
        if value is None or not value.strip():
            return None
        value = value.strip()
        if _https_or_loopback(urlsplit(value)):
            return value
        raise ValueError(
            "the turbopuffer base URL must be https://..., or http:// to a loopback "
            "address (127.0.0.1, ::1, localhost): the API key travels with every request"
        )

    # A secret: it may carry a password. `settings.catalog_url` is the URL to connect to;
    # printed, logged or repr'd, this shows as '**********'.
    database_url: SecretStr | None = None
    """SQLAlchemy URL of the catalog, e.g. `postgresql://user@host/segue` (a secret: never
    printed); unset: SQLite in the data dir (migrated by `segue serve`; PostgreSQL by `segue db
    upgrade`)"""
    # Per process; the API is stateless, so total connections = processes x (size + overflow).
    database_pool_size: _Count = 10
    """per process: size it to the concurrency each process serves; total connections = workers x
    (pool size + max overflow), opened as needed and kept open"""
    database_max_overflow: _CountOrZero = 10
    """per process: connections opened past the pool size under a burst, then kept open as the
    pool's are"""
    # A database that cannot connect or answer within these fails the request with a 503
    # instead of holding it (and its pool connection) indefinitely.
    database_connect_timeout: _Duration = 5.0
    """seconds; past it a request gets a 503"""
    database_statement_timeout: _Duration = 5.0
    """seconds; past it a request gets a 503"""

    @field_validator("database_url", "redis_url", mode="before")
    @classmethod
    def _empty_url_is_unset(cls, value: object) -> object:
        # SEGUE_DATABASE_URL= (set but empty) means the embedded default, as unset does.
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return value.strip() if isinstance(value, str) else value

    @property
    def index_path(self) -> Path:
        return self.data_dir / "vectors.usearch"

    # The recommendation endpoint (docs/api.md).
    # Ranked ids cached per playlist version: enough to fill the largest limit (10) even
    # when several of them have been hidden or deleted since.
    recommendation_candidates: int = Field(50, ge=10, le=1000)
    """ranked ids cached per playlist version, enough for any limit after hidden tracks"""
    vector_timeout_seconds: _Duration = 2.0
    """a vector store slower than this makes the answer `available: false`"""
    # Degrade before failing (docs/reliability.md): the fallback's ranking is cached for
    # fallback_cache_seconds only, so the full ranking returns once the load passes.
    recommendation_max_in_flight: _Count = 4
    """per process: computations running the configured strategy at once; past it and the queue,
    they degrade (docs/reliability.md)"""
    recommendation_max_waiting: _CountOrZero = 32
    """per process: computations that may wait for a slot (each up to half of
    `SEGUE_VECTOR_TIMEOUT_SECONDS`); the rest degrade"""
    fallback_strategy: str = "centroid"
    """the cheaper plan a computation that degrades runs (`centroid`: one query, the playlist's
    mean)"""
    fallback_cache_seconds: _Duration = 60.0
    """how long a fallback ranking is cached"""
    token_cache_seconds: float = Field(5.0, ge=0, le=60)
    """a verified API token is remembered in process this long, so a revoked token stops working
    within it (`0`: ask the database every time); never past the token's expiry, and `POST
    /auth/logout` forgets it at once"""
    token_ttl_days: int = Field(90, ge=1, le=3650)
    """lifetime of a token `segue token create` issues without `--expires-in` (docs/security.md)"""
    api_docs: bool = False
    """serve Swagger UI at `/docs`, from this server's own files (needs the `docs` extra);
    `/openapi.json` is always served (docs/security.md)"""
    # The largest legitimate body (a reorder of 10,000 track ids) is about 200 KB.
    max_body_bytes: _Count = 1024 * 1024
    """larger request bodies get a 413 before any of it is parsed"""
    # Per-token budgets (docs/security.md): far above what a person editing sends,
    # far below what a script can. Sliding windows of one minute, in Redis when
    # SEGUE_REDIS_URL is set (shared by every worker and machine), else in process.
    rate_limits: bool = True
    """`on`: per-token rate limits, 429 with `Retry-After` past a budget (docs/security.md);
    `off` for benchmarks and load tests"""
    rate_limit_reads_per_minute: _Count = 600
    """per token: GET requests (a cached recommendation is a read)"""
    rate_limit_writes_per_minute: _Count = 120
    """per token: POST, PUT and DELETE requests (edits)"""
    rate_limit_misses_per_minute: _Count = 120
    """per token: recommendations computed rather than read from the cache (each also counts as a
    read)"""
    log_level: LogLevel = LogLevel.INFO
    """`debug`, `info` (start-up lines and one access line per request), `warning` or `error`"""
    log_format: LogFormat = LogFormat.TEXT
    """`text`, or `json`: one object a line (time, level, logger, message; for a request method,
    route, status, duration and request id)"""
    progress_seconds: _Duration = 5.0
    """seconds between the progress lines of a long command (imports, `segue embed`, `segue
    check`, `segue vectors sync`) and the status lines of `segue follow` whose stderr is not a
    terminal; on a terminal it draws a progress bar (a spinner for `segue follow`)"""
    max_playlists_per_user: _Count = 1000
    """playlists one user may create through the API (409 past it)"""
    ui_dir: Path = Field(default_factory=lambda: _default_ui_dir())
    """the built UI that `segue serve` serves: by default the one inside the installed package (a
    wheel carries it), else `frontend/dist` (`npm run build`)"""
    host: str = "127.0.0.1"
    """the address `segue serve` and `segue demo` listen on"""
    port: int = Field(8000, ge=1, le=65535)
    """the port `segue serve` and `segue demo` use"""
    # `segue serve` (docs/operations.md): each process runs its requests on one core, hence
    # one per usable core (os.sched_getaffinity) by default.
    workers: int | None = Field(None, ge=1)
    """processes `segue serve` runs (`--workers`); unset: one per usable core; 1 serves
    in-process (docs/operations.md)"""
    # Off the API's port, the public cannot reach /metrics.
    metrics_port: int | None = Field(None, ge=1, le=65535)
    """unset: `/metrics` on the API's port; set: only on this port (`--metrics-port`)"""
    # `segue follow` (docs/atproto.md).
    jetstream_url: str | None = None
    """the Jetstream `segue follow` reads, e.g. `wss://jetstream2.us-east.bsky.network`; several,
    comma-separated, are tried in turn (`--jetstream`)"""
    # segue.atproto: DID resolution and XRPC reads (docs/atproto.md).
    plc_url: str = "https://plc.directory"
    """the PLC directory `did:plc` DIDs are resolved from (`GET {plc}/{did}`)"""
    did_cache_seconds: _DurationOrZero = 3600.0
    """how long a resolved DID document is reused before it is fetched again (a rotated key is
    also refetched on demand)"""
    atproto_connect_timeout_seconds: _Duration = 5.0
    """connect timeout of requests to PLC, did:web hosts, PDSes and relays"""
    atproto_read_timeout_seconds: _Duration = 10.0
    """read timeout (between bytes) of requests to PLC, did:web hosts, PDSes and relays"""

    # Platform access (docs/security.md, "Credentials"): ATProto service-auth JWTs are
    # accepted when they are addressed to this DID; unset, they are refused.
    service_did: str | None = None
    """Segue's own DID (`did:web:segue.example.com`, or a `did:plc`): service-auth JWTs must name
    it in `aud`; unset: they are refused. A `did:web` one is served at `/.well-known/did.json`"""
    public_url: str | None = None
    """the address clients reach this server at (`https://segue.example.com`): the service
    endpoint `/.well-known/did.json` names"""

    @field_validator("service_did")
    @classmethod
    def _service_did(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not re.fullmatch(
            r"did:plc:[a-z2-7]{24}|did:web:[a-zA-Z0-9.-]+(%3[aA][0-9]{1,5})?", value
        ):
            raise ValueError("the service DID must be a did:web (did:web:host) or a did:plc")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if not _https_or_loopback(parts):
            raise ValueError("the public URL must be https://..., or http:// to a loopback address")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError("the public URL must be scheme://host[:port][/path], nothing more")
        return value.strip().rstrip("/")

    @field_validator("plc_url")
    @classmethod
    def _plc_tls_unless_loopback(cls, value: str) -> str:
        # Checked here too so a wrong setting fails at start-up, not at the first DID.
        if not _https_or_loopback(urlsplit(value.strip())):
            raise ValueError("the PLC URL must be https://..., or http:// to a loopback address")
        return value.strip().rstrip("/")

    metrics_host: str = "127.0.0.1"
    """the address of the `SEGUE_METRICS_PORT` listener (`--metrics-host`)"""
    # Trust (docs/atproto.md): a followed record's URLs are someone else's data, and a
    # preview or cover loads in every listener's browser. Exact origins, no wildcards.
    audio_origins: str | None = None
    """comma-separated origins (`https://cdn.example.com`) whose audio Segue fetches to embed and
    serves as previews; unset: none (PDS blobs are fetched from the account's PDS)"""
    # `segue embed --catalog` (docs/embedding.md).
    audio_max_bytes: _Count = 100_000_000
    """`segue embed --catalog` refuses audio larger than this (100 MB: what plyr.fm's track
    lexicon allows); it bounds the download, not the decoding: of any track, only the first ten
    minutes are decoded"""
    audio_fetch_timeout_seconds: _Duration = 120.0
    """`segue embed --catalog`: the longest one audio download may take, however slowly the bytes
    come; past it the attempt fails and is retried"""
    embed_max_attempts: _Count = 5
    """`segue embed --catalog`: attempts at a track's audio (with backoff) before it is marked
    failed with its reason"""
    embed_retry_seconds: _Duration = 30.0
    """`segue embed --catalog`: the wait before the first retry; it doubles with each attempt, up
    to an hour (a server's `Retry-After` is honoured)"""
    embed_lease_seconds: _Duration = 300.0
    """`segue embed --catalog`: how long a worker holds the tracks it claimed; a killed worker's
    tracks go to another once it runs out"""
    image_origins: str | None = None
    """comma-separated origins whose cover images the page shows; unset: none (the page shows its
    placeholder cover)"""

    # Following safely (docs/atproto.md, issue 21).
    follow_silence_seconds: _Duration = 600.0
    """`segue follow` leaves a Jetstream host when no event of a followed collection has arrived
    for this long at the live tail (a host blind to them), resuming on the next from the last such
    event; on a quiet network, a replay of about this long at each switch (docs/atproto.md)"""
    follow_rewind_seconds: _DurationOrZero = 15.0
    """how far before the cursor `segue follow` resumes on every reconnection and host switch
    (hosts position themselves independently); replayed events are no-ops"""
    jetstream_retention_hours: _Duration = 24.0
    """how far back a Jetstream host replays: a cursor older than this, or a first event far
    later than asked for, is recorded as a gap (`segue check`; `segue follow --backfill-on-gap`)"""
    relay_url: str | None = None
    """the relay whose `com.atproto.sync.listReposByCollection` names the accounts `segue follow
    backfill` reads (`--relay`), e.g. `https://bsky.network`"""
    hide_labels: str = "porn,sexual,nudity,graphic-media,gore,!hide,!warn"
    """comma-separated self-label values: a followed track carrying one stays in the catalog and
    in playlists but is never suggested"""
    suggest_gated: bool = False
    """suggest supporter-gated tracks (`supportGate`); off: they stay in the catalog and in
    playlists but are never suggested"""
    follow_max_lists_per_account: _Count = 100
    """the followed playlists one account may have; a record beyond them is skipped and counted
    (`result="limited"`)"""
    follow_waiting_hours: _Duration = 168.0
    """a followed playlist's item whose track has not arrived this long after the playlist's
    version is dropped (its next version lists it again)"""
    backfill_pds_concurrency: int = Field(4, ge=1, le=64)
    """requests `segue follow backfill` has in flight at once to one PDS (`--concurrency`)"""

    @field_validator("audio_origins", "image_origins")
    @classmethod
    def _origins(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        origins = []
        for item in _comma_items(value):
            if not item.rstrip("/"):  # a lone "/" is an empty item, as before
                continue
            parts = urlsplit(item.rstrip("/"))
            if (
                parts.scheme not in {"http", "https"}
                or not parts.hostname
                or parts.path
                or parts.query
                or parts.fragment
                or parts.username
                or parts.password
            ):
                raise ValueError(
                    f"{item!r} is not an origin: give scheme://host[:port], "
                    "e.g. https://cdn.example.com"
                )
            origins.append(f"{parts.scheme}://{parts.netloc.lower()}")
        return ",".join(origins) or None

    @property
    def audio_origin_list(self) -> tuple[str, ...]:
        """``audio_origins`` as a tuple of ``scheme://host[:port]`` (empty when unset)."""
        return tuple(_comma_items(self.audio_origins))

    @property
    def image_origin_list(self) -> tuple[str, ...]:
        """``image_origins`` as a tuple of ``scheme://host[:port]`` (empty when unset)."""
        return tuple(_comma_items(self.image_origins))

    @property
    def hide_label_set(self) -> frozenset[str]:
        """``hide_labels`` as a set of label values."""
        return frozenset(_comma_items(self.hide_labels))

    @property
    def jetstream_urls(self) -> list[str]:
        """``jetstream_url`` split at its commas (empty when unset)."""
        return _comma_items(self.jetstream_url)

    @property
    def database_is_embedded(self) -> bool:
        """True when no database URL is set and the catalog is the SQLite file in the data dir."""
        return self.database_url is None

    @property
    def catalog_url(self) -> str:
        """The catalog's database URL: ``SEGUE_DATABASE_URL``, else the embedded SQLite file."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite+aiosqlite:///{self.data_dir / 'segue.db'}"

    @property
    def embed_manifest_path(self) -> Path:
        """What ``segue embed`` has embedded: path -> size, mtime, sha-256, track id, tags."""
        return self.data_dir / "embedded.manifest.json"

    @property
    def embedded_tracks_path(self) -> Path:
        """Tracks ``segue embed`` found, in the format ``segue import tracks`` reads."""
        return self.data_dir / "tracks.embedded.jsonl"
