"""Settings, read from the environment with the prefix ``SEGUE_``.

With nothing set everything is embedded: the index (and later the SQLite catalog) live
under :attr:`Settings.data_dir`.

    >>> Settings(data_dir="/tmp/segue").index_path.name
    'vectors.usearch'
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "VectorBackend"]


class VectorBackend(StrEnum):
    LOCAL = "local"
    TURBOPUFFER = "turbopuffer"
    DISABLED = "disabled"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SEGUE_", extra="ignore")

    data_dir: Path = Field(default=Path("segue-data"), description="Embedded data lives here.")
    vector_backend: VectorBackend = VectorBackend.LOCAL
    # Below this many vectors the local index searches exhaustively: exact, and still fast.
    local_exact_threshold: int = Field(default=10_000, ge=0)

    # turbopuffer (SEGUE_VECTOR_BACKEND=turbopuffer); see docs/turbopuffer.md.
    turbopuffer_api_key: SecretStr | None = None
    turbopuffer_region: str | None = Field(default=None, description="e.g. gcp-us-central1")
    turbopuffer_namespace: str = Field(default="segue-tracks", pattern=r"^[A-Za-z0-9_.-]{1,128}$")
    # Replaces https://{region}.turbopuffer.com (a BYOC deployment, or a test server).
    turbopuffer_base_url: str | None = None

    @property
    def index_path(self) -> Path:
        return self.data_dir / "vectors.usearch"
