"""Settings, read from the environment with the prefix ``SEGUE_``.

With nothing set everything is embedded: the index (and later the SQLite catalog) live
under :attr:`Settings.data_dir`.

    >>> Settings(data_dir="/tmp/segue").index_path.name
    'vectors.usearch'
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from segue.engine import DEFAULT_STRATEGY, STRATEGIES

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
    # The recommendation strategy (segue.engine.STRATEGIES); "adaptive" is the original one.
    strategy: str = Field(default=DEFAULT_STRATEGY, description="Recommendation strategy.")

    @field_validator("strategy")
    @classmethod
    def _known_strategy(cls, value: str) -> str:
        if value not in STRATEGIES:
            raise ValueError(f"unknown strategy {value!r}; known: {', '.join(STRATEGIES)}")
        return value

    @property
    def index_path(self) -> Path:
        return self.data_dir / "vectors.usearch"
