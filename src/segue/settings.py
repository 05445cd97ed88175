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

from pydantic import Field, field_validator
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
