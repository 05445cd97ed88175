"""The API tests' seeded ``world`` (alice and bob, their playlists), on PostgreSQL and SQLite."""

from ..api.conftest import api_settings, world

__all__ = ["api_settings", "world"]
