"""The catalog: artists, tracks, users, playlists and their items, API tokens.

SQLAlchemy 2 (async) on SQLite (embedded default) or PostgreSQL, migrated by Alembic.
Open the database once per process and pass sessions to the service functions; they
raise :mod:`segue.errors` and return plain views (no ORM objects):

    >>> db = open_database(Settings())  # doctest: +SKIP
    >>> await upgrade(db)  # doctest: +SKIP
    >>> async with db.sessionmaker() as session:  # doctest: +SKIP
    ...     user = await verify_token(session, token)
    ...     playlist = await append_track(session, "3kq2d7x4m5abc", 42, actor_did=user.did)
    ...     playlist.record_cid
    'bafyrei...'

Mutations commit themselves (one transaction each, see ``_playlists.py``); reads leave
the session's transaction to the caller. The imports' bulk writes are here too
(``upsert_tracks``, ``replace_playlists``). ``segue follow``'s rules live in
``segue.follow``, which writes the tables (:mod:`segue.catalog.tables`) through the
primitives that keep the invariants crossing features: ids for record URIs
(``track_ids_for``, ``resolve_track_uris``), a playlist's items with what keys its cached
recommendations (``replace_items``), generations (``bump_seeds_generation``).

Names are imported on first use (module ``__getattr__``): a command that lists tokens
loads the token and schema modules, not the imports, co-occurrence or Alembic, whose
imports cost every command about a second of CPU before its work (issue 26). The
``TYPE_CHECKING`` block names the same homes for type checkers; ``tests/catalog/test_lazy.py``
holds the two to each other.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._cooccurrence import CooccurrenceRead, cooccurring_tracks
    from ._db import Database, database_errors, normalize_url, open_database
    from ._dismissals import DISMISSALS_MAX, dismiss_track, undismiss_track
    from ._embed_queue import (
        EmbeddingClaim,
        claim_embeddings,
        fail_embedding,
        finish_embeddings,
        release_embeddings,
        renew_leases,
    )
    from ._embeddings import (
        BLOB_PREFIX,
        EMBEDDING_STATES,
        FailedEmbedding,
        audio_source,
        embedding_counts,
        failed_embeddings,
        mark_vectors_imported,
        note_audio_sources,
        reconcile_audio_sources,
        url_origin,
    )
    from ._generations import (
        INDEX_GENERATION,
        CatalogIndexGeneration,
        bump_index_generation,
        bump_seeds_generation,
    )
    from ._imports import (
        PlaylistImport,
        PlaylistsResult,
        ProblemSink,
        TracksResult,
        replace_playlists,
        upsert_tracks,
    )
    from ._items import replace_items
    from ._migrate import alembic_config, downgrade, upgrade
    from ._playlist_admin import (
        PlaylistPage,
        delete_playlist,
        list_playlists,
        playlists_page,
        rename_playlist,
    )
    from ._playlists import (
        PLAYLIST_MAX_TRACKS,
        append_track,
        create_playlist,
        get_playlist,
        new_playlist_id,
        remove_track,
        reorder_tracks,
    )
    from ._progress import Advance, Steps, no_progress
    from ._reads import (
        PlaylistHead,
        PlaylistSeeds,
        Reader,
        TrackHead,
        dismissed_ids,
        has_tracks,
        playlist_head,
        playlist_seeds,
        require_owner,
        track_head,
    )
    from ._revisions import current_revision, ensure_schema
    from ._shipped import head_revision, known_revisions
    from ._tokens import (
        TOKEN_PREFIX,
        check_platform_name,
        check_token,
        create_token,
        hash_token,
        list_tokens,
        revoke_token,
        token_id_of,
        touch_tokens,
        verify_token,
    )
    from ._track_uris import hashed_track_id, resolve_track_uris, track_ids_for
    from ._tracks import (
        HYDRATE_MAX_IDS,
        SEARCH_MAX_LIMIT,
        TRACK_ID_MAX,
        all_track_ids,
        escape_like,
        hydrate,
        hydrate_suggestions,
        search_tracks,
        suggestible_track,
        track_titles,
    )
    from ._users import add_user_if_missing, ensure_user, find_user, get_user
    from ._values import (
        PLAYLIST_ID_PATTERN,
        check_audio_url,
        check_did,
        check_playlist_id,
        check_record_uri,
        check_track_id,
        clean_display_name,
        clean_handle,
        clean_playlist_name,
        text_problem,
    )
    from ._views import (
        Because,
        IssuedToken,
        PlaylistSummary,
        PlaylistView,
        SuggestionView,
        TokenCheck,
        TokenInfo,
        TrackView,
        UserView,
    )

# Each public name and the module it lives in, imported on first use.
_HOMES: dict[str, str] = {
    "CooccurrenceRead": "._cooccurrence",
    "cooccurring_tracks": "._cooccurrence",
    "Database": "._db",
    "database_errors": "._db",
    "normalize_url": "._db",
    "open_database": "._db",
    "DISMISSALS_MAX": "._dismissals",
    "dismiss_track": "._dismissals",
    "undismiss_track": "._dismissals",
    "EmbeddingClaim": "._embed_queue",
    "claim_embeddings": "._embed_queue",
    "fail_embedding": "._embed_queue",
    "finish_embeddings": "._embed_queue",
    "release_embeddings": "._embed_queue",
    "renew_leases": "._embed_queue",
    "BLOB_PREFIX": "._embeddings",
    "EMBEDDING_STATES": "._embeddings",
    "FailedEmbedding": "._embeddings",
    "audio_source": "._embeddings",
    "embedding_counts": "._embeddings",
    "failed_embeddings": "._embeddings",
    "mark_vectors_imported": "._embeddings",
    "note_audio_sources": "._embeddings",
    "reconcile_audio_sources": "._embeddings",
    "url_origin": "._embeddings",
    "CatalogIndexGeneration": "._generations",
    "INDEX_GENERATION": "._generations",
    "bump_index_generation": "._generations",
    "bump_seeds_generation": "._generations",
    "PlaylistImport": "._imports",
    "PlaylistsResult": "._imports",
    "ProblemSink": "._imports",
    "TracksResult": "._imports",
    "replace_playlists": "._imports",
    "upsert_tracks": "._imports",
    "replace_items": "._items",
    "alembic_config": "._migrate",
    "downgrade": "._migrate",
    "upgrade": "._migrate",
    "PlaylistPage": "._playlist_admin",
    "delete_playlist": "._playlist_admin",
    "list_playlists": "._playlist_admin",
    "playlists_page": "._playlist_admin",
    "rename_playlist": "._playlist_admin",
    "PLAYLIST_MAX_TRACKS": "._playlists",
    "append_track": "._playlists",
    "create_playlist": "._playlists",
    "get_playlist": "._playlists",
    "new_playlist_id": "._playlists",
    "remove_track": "._playlists",
    "reorder_tracks": "._playlists",
    "Advance": "._progress",
    "Steps": "._progress",
    "no_progress": "._progress",
    "PlaylistHead": "._reads",
    "PlaylistSeeds": "._reads",
    "Reader": "._reads",
    "TrackHead": "._reads",
    "dismissed_ids": "._reads",
    "has_tracks": "._reads",
    "playlist_head": "._reads",
    "playlist_seeds": "._reads",
    "require_owner": "._reads",
    "track_head": "._reads",
    "current_revision": "._revisions",
    "ensure_schema": "._revisions",
    "head_revision": "._shipped",
    "known_revisions": "._shipped",
    "TOKEN_PREFIX": "._tokens",
    "check_platform_name": "._tokens",
    "check_token": "._tokens",
    "create_token": "._tokens",
    "hash_token": "._tokens",
    "list_tokens": "._tokens",
    "revoke_token": "._tokens",
    "token_id_of": "._tokens",
    "touch_tokens": "._tokens",
    "verify_token": "._tokens",
    "hashed_track_id": "._track_uris",
    "resolve_track_uris": "._track_uris",
    "track_ids_for": "._track_uris",
    "HYDRATE_MAX_IDS": "._tracks",
    "SEARCH_MAX_LIMIT": "._tracks",
    "TRACK_ID_MAX": "._tracks",
    "all_track_ids": "._tracks",
    "escape_like": "._tracks",
    "hydrate": "._tracks",
    "hydrate_suggestions": "._tracks",
    "search_tracks": "._tracks",
    "suggestible_track": "._tracks",
    "track_titles": "._tracks",
    "add_user_if_missing": "._users",
    "ensure_user": "._users",
    "find_user": "._users",
    "get_user": "._users",
    "PLAYLIST_ID_PATTERN": "._values",
    "check_audio_url": "._values",
    "check_did": "._values",
    "check_playlist_id": "._values",
    "check_record_uri": "._values",
    "check_track_id": "._values",
    "clean_display_name": "._values",
    "clean_handle": "._values",
    "clean_playlist_name": "._values",
    "text_problem": "._values",
    "Because": "._views",
    "IssuedToken": "._views",
    "PlaylistSummary": "._views",
    "PlaylistView": "._views",
    "SuggestionView": "._views",
    "TokenCheck": "._views",
    "TokenInfo": "._views",
    "TrackView": "._views",
    "UserView": "._views",
}

__all__ = [
    "BLOB_PREFIX",
    "DISMISSALS_MAX",
    "EMBEDDING_STATES",
    "HYDRATE_MAX_IDS",
    "INDEX_GENERATION",
    "PLAYLIST_ID_PATTERN",
    "PLAYLIST_MAX_TRACKS",
    "SEARCH_MAX_LIMIT",
    "TOKEN_PREFIX",
    "TRACK_ID_MAX",
    "Advance",
    "Because",
    "CatalogIndexGeneration",
    "CooccurrenceRead",
    "Database",
    "EmbeddingClaim",
    "FailedEmbedding",
    "IssuedToken",
    "PlaylistHead",
    "PlaylistImport",
    "PlaylistPage",
    "PlaylistSeeds",
    "PlaylistSummary",
    "PlaylistView",
    "PlaylistsResult",
    "ProblemSink",
    "Reader",
    "Steps",
    "SuggestionView",
    "TokenCheck",
    "TokenInfo",
    "TrackHead",
    "TrackView",
    "TracksResult",
    "UserView",
    "add_user_if_missing",
    "alembic_config",
    "all_track_ids",
    "append_track",
    "audio_source",
    "bump_index_generation",
    "bump_seeds_generation",
    "check_audio_url",
    "check_did",
    "check_platform_name",
    "check_playlist_id",
    "check_record_uri",
    "check_token",
    "check_track_id",
    "claim_embeddings",
    "clean_display_name",
    "clean_handle",
    "clean_playlist_name",
    "cooccurring_tracks",
    "create_playlist",
    "create_token",
    "current_revision",
    "database_errors",
    "delete_playlist",
    "dismiss_track",
    "dismissed_ids",
    "downgrade",
    "embedding_counts",
    "ensure_schema",
    "ensure_user",
    "escape_like",
    "fail_embedding",
    "failed_embeddings",
    "find_user",
    "finish_embeddings",
    "get_playlist",
    "get_user",
    "has_tracks",
    "hash_token",
    "hashed_track_id",
    "head_revision",
    "hydrate",
    "hydrate_suggestions",
    "known_revisions",
    "list_playlists",
    "list_tokens",
    "mark_vectors_imported",
    "new_playlist_id",
    "no_progress",
    "normalize_url",
    "note_audio_sources",
    "open_database",
    "playlist_head",
    "playlist_seeds",
    "playlists_page",
    "reconcile_audio_sources",
    "release_embeddings",
    "remove_track",
    "rename_playlist",
    "renew_leases",
    "reorder_tracks",
    "replace_items",
    "replace_playlists",
    "require_owner",
    "resolve_track_uris",
    "revoke_token",
    "search_tracks",
    "suggestible_track",
    "text_problem",
    "token_id_of",
    "touch_tokens",
    "track_head",
    "track_ids_for",
    "track_titles",
    "undismiss_track",
    "upgrade",
    "upsert_tracks",
    "url_origin",
    "verify_token",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value  # the next lookup is an ordinary one
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
