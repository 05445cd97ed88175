"""Settings, read from the environment with the prefix ``SEGUE_``.

With nothing set everything is embedded: the index and the SQLite catalog live under
:attr:`Settings.data_dir`.

    >>> Settings(data_dir="/tmp/segue").index_path.name
    'vectors.usearch'
    >>> Settings(data_dir="/tmp/segue").catalog_url
    'sqlite+aiosqlite:////tmp/segue/segue.db'
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from segue.engine import DEFAULT_STRATEGY, STRATEGIES

__all__ = ["CacheBackend", "IndexDtype", "Settings", "VectorBackend"]


class VectorBackend(StrEnum):
    LOCAL = "local"
    TURBOPUFFER = "turbopuffer"
    DISABLED = "disabled"


class IndexDtype(StrEnum):
    """What the local HNSW graph stores; the exact f32 vectors are kept beside a compact one."""

    F32 = "f32"
    BF16 = "bf16"
    F16 = "f16"


class CacheBackend(StrEnum):
    #: Redis when ``redis_url`` is set, else the in-process cache
    AUTO = "auto"
    REDIS = "redis"
    MEMORY = "memory"
    NONE = "none"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SEGUE_", extra="ignore")

    data_dir: Path = Field(default=Path("segue-data"), description="Embedded data lives here.")
    vector_backend: VectorBackend = VectorBackend.LOCAL
    # Below this many vectors the local index searches exhaustively: exact, and still fast.
    local_exact_threshold: int = Field(default=10_000, ge=0)
    # The local graph's storage type (docs/benchmarks.md, "Cheaper misses"). bf16 halves the
    # graph and searches faster on CPUs with BF16 dot products; the exact f32 vectors are
    # kept beside it, so reads and distances stay exact. f32 is the single-file index of
    # before. Reads use an index as it is on disk; the next write rebuilds it in this type.
    local_index_dtype: IndexDtype = IndexDtype.BF16
    # HNSW search depth; a query asking for more neighbours than this searches that deep.
    local_ef_search: int = Field(default=48, ge=1)
    # `segue embed`: a Hugging Face model id or a local directory holding a saved ClapModel
    # and its feature extractor (preprocessor_config.json).
    clap_model: str = "laion/clap-htsat-unfused"
    # The recommendation strategy (segue.engine.STRATEGIES); "adaptive" is the original one.
    strategy: str = Field(default=DEFAULT_STRATEGY, description="Recommendation strategy.")

    @field_validator("strategy", "fallback_strategy")
    @classmethod
    def _known_strategy(cls, value: str) -> str:
        if value not in STRATEGIES:
            raise ValueError(f"unknown strategy {value!r}; known: {', '.join(STRATEGIES)}")
        return value

    # Recommendation cache (docs/cache.md).
    cache_backend: CacheBackend = CacheBackend.AUTO
    redis_url: str | None = Field(default=None, description="e.g. redis://127.0.0.1:6379/0")
    # Redis expiry has millisecond resolution.
    cache_ttl_seconds: float = Field(default=24 * 3600, ge=0.001)
    # No glob characters, so ``SCAN MATCH {prefix}:*`` finds exactly this prefix's keys.
    cache_prefix: str = Field(default="segue", pattern=r"^[A-Za-z0-9._:-]+$")
    # Redis on the same network answers in well under a millisecond, but the timeout also
    # runs while this process's event loop is busy: at 50 ms, 64 connections on a loaded
    # 2-core machine tripped the circuit breaker with Redis healthy, and every hit became a
    # miss costing ten times the CPU. 250 ms is far past any real answer and still bounds
    # what a hung Redis costs before the breaker opens (docs/cache.md).
    redis_timeout_ms: int = Field(default=250, ge=1)
    cache_breaker_failures: int = Field(default=3, ge=1)
    cache_breaker_cooldown_seconds: float = Field(default=5.0, gt=0)
    cache_max_entries: int = Field(default=10_000, ge=1)
    # turbopuffer (SEGUE_VECTOR_BACKEND=turbopuffer); see docs/turbopuffer.md.
    turbopuffer_api_key: SecretStr | None = None
    turbopuffer_region: str | None = Field(default=None, description="e.g. gcp-us-central1")
    turbopuffer_namespace: str = Field(default="segue-tracks", pattern=r"^[A-Za-z0-9_.-]{1,128}$")
    # Replaces https://{region}.turbopuffer.com (a BYOC deployment, or a test server).
    turbopuffer_base_url: str | None = None
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the catalog; unset: a SQLite file in the data dir.",
    )
    # Per process; the API is stateless, so total connections = processes x (size + overflow).
    database_pool_size: int = Field(default=10, ge=1)
    database_max_overflow: int = Field(default=10, ge=0)
    # Seconds. A database that cannot connect or answer within these fails the request with
    # a 503 instead of holding it (and its pool connection) indefinitely.
    database_connect_timeout: float = Field(default=5.0, gt=0)
    database_statement_timeout: float = Field(default=5.0, gt=0)

    @field_validator("database_url")
    @classmethod
    def _empty_url_is_unset(cls, value: str | None) -> str | None:
        # SEGUE_DATABASE_URL= (set but empty) means the embedded default, as unset does.
        if value is None or not value.strip():
            return None
        return value.strip()

    @property
    def index_path(self) -> Path:
        return self.data_dir / "vectors.usearch"

    # The recommendation endpoint (docs/api.md).
    # Ranked ids cached per playlist version: enough to fill the largest limit (10) even
    # when several of them have been hidden or deleted since.
    recommendation_candidates: int = Field(default=50, ge=10, le=1000)
    # A vector store that has not answered by then makes the answer `available: false`.
    vector_timeout_seconds: float = Field(default=2.0, gt=0)
    # Degrade before failing (docs/reliability.md): per process, at most this many
    # recommendation computations run the configured strategy at once, and this many more
    # wait for a slot (each up to half of vector_timeout_seconds); the rest answer with
    # fallback_strategy, whose ranking is cached for fallback_cache_seconds only.
    recommendation_max_in_flight: int = Field(default=4, ge=1)
    recommendation_max_waiting: int = Field(default=32, ge=0)
    fallback_strategy: str = Field(default="centroid", description="Cheaper plan under load.")
    fallback_cache_seconds: float = Field(default=60.0, gt=0)
    # A verified API token is remembered in process this long: a revoked token stops
    # working within this bound (0: every request asks the database).
    token_cache_seconds: float = Field(default=5.0, ge=0, le=60)
    # Request bodies past this are refused with a 413 before any of it is parsed; the
    # largest legitimate body (a reorder of 10,000 track ids) is about 200 KB.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1)
    # Where the built UI lives (frontend/dist after `npm run build`).
    ui_dir: Path = Field(default=Path("frontend/dist"))
    # `segue serve` (docs/operations.md). Processes serving the API; unset: one per core this
    # process may run on (os.sched_getaffinity), as each process runs its requests on one core.
    workers: int | None = Field(default=None, ge=1)
    # Unset: /metrics is on the API's port. Set: only on this port, on metrics_host, and
    # no longer on the API's port (where the public may reach it).
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"

    @property
    def database_is_embedded(self) -> bool:
        """True when no database URL is set and the catalog is the SQLite file in the data dir."""
        return self.database_url is None

    @property
    def catalog_url(self) -> str:
        """The catalog's database URL: ``SEGUE_DATABASE_URL``, else the embedded SQLite file."""
        if self.database_url is not None:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'segue.db'}"

    @property
    def embed_manifest_path(self) -> Path:
        """What ``segue embed`` has embedded: path -> size, mtime, sha-256, track id, tags."""
        return self.data_dir / "embedded.manifest.json"

    @property
    def embedded_tracks_path(self) -> Path:
        """Tracks ``segue embed`` found, in the format ``segue import tracks`` reads."""
        return self.data_dir / "tracks.embedded.jsonl"
