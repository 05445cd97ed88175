"""Settings, read from the environment with the prefix ``SEGUE_``.

With nothing set everything is embedded: the index (and later the SQLite catalog) live
under :attr:`Settings.data_dir`.

    >>> Settings(data_dir="/tmp/segue").index_path.name
    'vectors.usearch'
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["CacheBackend", "Settings", "VectorBackend"]


class VectorBackend(StrEnum):
    LOCAL = "local"
    TURBOPUFFER = "turbopuffer"
    DISABLED = "disabled"


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
    # `segue embed`: a Hugging Face model id or a local directory holding a saved ClapModel
    # and its feature extractor (preprocessor_config.json).
    clap_model: str = "laion/clap-htsat-unfused"

    # Recommendation cache (docs/cache.md).
    cache_backend: CacheBackend = CacheBackend.AUTO
    redis_url: str | None = Field(default=None, description="e.g. redis://127.0.0.1:6379/0")
    # Redis expiry has millisecond resolution.
    cache_ttl_seconds: float = Field(default=24 * 3600, ge=0.001)
    # No glob characters, so ``SCAN MATCH {prefix}:*`` finds exactly this prefix's keys.
    cache_prefix: str = Field(default="segue", pattern=r"^[A-Za-z0-9._:-]+$")
    # Redis on the same network answers in well under a millisecond; past 50 ms it is
    # cheaper to compute the recommendations than to keep waiting.
    redis_timeout_ms: int = Field(default=50, ge=1)
    cache_breaker_failures: int = Field(default=3, ge=1)
    cache_breaker_cooldown_seconds: float = Field(default=5.0, gt=0)
    cache_max_entries: int = Field(default=10_000, ge=1)

    @property
    def index_path(self) -> Path:
        return self.data_dir / "vectors.usearch"

    @property
    def embed_manifest_path(self) -> Path:
        """What ``segue embed`` has embedded: path -> size, mtime, sha-256, track id, tags."""
        return self.data_dir / "embedded.manifest.json"

    @property
    def embedded_tracks_path(self) -> Path:
        """Tracks ``segue embed`` found, in the format ``segue import tracks`` reads."""
        return self.data_dir / "tracks.embedded.jsonl"
