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
    # `segue embed`: a Hugging Face model id or a local directory holding a saved ClapModel
    # and its feature extractor (preprocessor_config.json).
    clap_model: str = "laion/clap-htsat-unfused"

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
